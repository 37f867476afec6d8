import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import type { HTTPListener, ProxyListener, TCPListener, TLSConfig, UDPListener } from '../ir/types.js';
import { condition, setCondition } from './conditions.js';
import type { GatewayContext, ListenerContext, RouteGroupKind, TranslationContext } from './context.js';
import { referenceAllowed } from './referencegrant.js';
import { gatewayGroup } from './resources.js';
import { parseLabelSelector } from './selector.js';
import { validateServerCertificates } from './tls.js';

const routeKindsByProtocol: Record<string, string[]> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

/** Privileged ports cannot be bound by an unprivileged proxy; the reference shifts them by 10000. */
export function containerPortFor(servicePort: number, bindDeclaredPorts = false): number {
  return servicePort < 1024 && !bindDeclaredPorts ? servicePort + 10000 : servicePort;
}

/**
 * Validates every listener of every gateway, computes its status conditions and, for ready
 * listeners, adds the IR listener and the infra port.
 */
export function processListeners(ctx: TranslationContext): void {
  for (const gateway of ctx.gateways) markConflicts(gateway.listeners);
  if (ctx.mergeGateways) markMergedConflicts(ctx.gateways);

  for (const gateway of ctx.gateways) {
    const xds = ctx.xdsIR[gateway.irKey];
    const infra = ctx.infraIR[gateway.irKey];
    for (const listener of gateway.listeners) {
      validateRouteKinds(listener);
      validateAllowedNamespaces(listener);
      validateTLS(ctx, listener);
      validateHostname(listener);
      listener.ready = finishConditions(listener);
      if (!listener.ready) continue;

      const port = containerPortFor(listener.port, ctx.options.bindDeclaredPorts);
      if (port !== listener.port && ctx.options.runningOnHost) {
        ctx.diagnostics.push(
          diagnosticAt(gateway.object, ['spec', 'listeners', listener.index, 'port'], {
            code: codes.portRemapped,
            severity: 'note',
            message: `listener \`${listener.name}\` declares privileged port ${listener.port}; Envoy listens on ${port} instead (as Envoy Gateway does). Use --bind-declared-ports to bind ${listener.port}`,
          }),
        );
      }
      const core = {
        name: listener.irName,
        address: '0.0.0.0',
        port,
      };
      // The reference records the owning listener only on HTTP listeners.
      const metadata = { kind: 'Gateway', name: gateway.name, namespace: gateway.namespace, sectionName: listener.name };
      switch (listener.protocol) {
        case 'HTTP':
        case 'HTTPS': {
          const http: HTTPListener = {
            ...core,
            metadata,
            hostnames: [listener.hostname ?? '*'],
            isHTTP2: false,
            path: { mergeSlashes: true, escapedSlashesAction: 'UnescapeAndRedirect' },
          };
          if (listener.protocol === 'HTTPS') http.tls = tlsConfigFor(listener);
          (xds.http ??= []).push(http);
          break;
        }
        case 'TLS':
        case 'TCP': {
          const tcp: TCPListener = { ...core };
          if (listener.protocol === 'TLS' && listener.spec.tls?.mode === 'Terminate') tcp.tls = tlsConfigFor(listener);
          (xds.tcp ??= []).push(tcp);
          break;
        }
        case 'UDP': {
          const udp: UDPListener = { ...core };
          (xds.udp ??= []).push(udp);
          break;
        }
      }
      addInfraPort(infra.proxy.listeners, listener, port);
    }
  }
}

function addInfraPort(listeners: ProxyListener[], listener: ListenerContext, containerPort: number): void {
  const layer4 = listener.protocol === 'UDP' ? 'UDP' : 'TCP';
  const taken = listeners.some((l) => l.ports.some((p) => p.servicePort === listener.port && (p.protocol === 'UDP' ? 'UDP' : 'TCP') === layer4));
  if (taken) return;
  listeners.push({
    address: null,
    name: listener.irName,
    ports: [
      {
        containerPort,
        name: `${listener.protocol.toLowerCase()}-${listener.port}`,
        protocol: listener.protocol,
        servicePort: listener.port,
      },
    ],
  });
}

function tlsConfigFor(listener: ListenerContext): TLSConfig {
  return {
    // null means Envoy's HTTP defaults (h2, http/1.1); a TLS listener carries opaque TCP, so none.
    alpnProtocols: listener.protocol === 'TLS' ? [] : null,
    certificates: listener.tlsSecrets.map((secret) => ({
      name: `${secret.metadata.namespace}/${secret.metadata.name}`,
      privateKey: secret.data?.['tls.key'] ?? '',
      serverCertificate: secret.data?.['tls.crt'] ?? '',
    })),
  };
}

/** Layer-7 listeners (HTTP, HTTPS, TLS) sharing a port must agree on protocol and differ in hostname. */
function markConflicts(listeners: ListenerContext[]): void {
  const byPort = new Map<number, ListenerContext[]>();
  for (const listener of listeners) {
    let group = byPort.get(listener.port);
    if (!group) byPort.set(listener.port, (group = []));
    group.push(listener);
  }
  for (const group of byPort.values()) {
    const layer7 = group.filter((l) => l.protocol === 'HTTP' || l.protocol === 'HTTPS' || l.protocol === 'TLS');
    const protocols = new Set(layer7.map((l) => (l.protocol === 'TLS' ? 'HTTPS' : l.protocol)));
    if (protocols.size > 1) {
      for (const listener of layer7) {
        setCondition(listener.conditions, condition('Conflicted', true, 'ProtocolConflict', 'All listeners for a given port must use a compatible protocol'));
      }
    } else {
      markHostnameConflicts(layer7);
    }
    for (const protocol of ['TCP', 'UDP']) {
      const layer4 = group.filter((l) => l.protocol === protocol);
      if (layer4.length > 1 && protocol === 'UDP') {
        // The first UDP listener on the port keeps it; the later ones conflict.
        for (const listener of layer4.slice(1)) {
          setCondition(listener.conditions, condition('Conflicted', true, 'ProtocolConflict', 'Only one UDP listener is allowed in a given port'));
        }
      }
      if (layer4.length > 1 && protocol === 'TCP') markHostnameConflicts(layer4);
    }
  }
}

function markHostnameConflicts(group: ListenerContext[]): void {
  const byHostname = new Map<string, ListenerContext[]>();
  for (const listener of group) {
    const key = listener.hostname ?? '';
    let same = byHostname.get(key);
    if (!same) byHostname.set(key, (same = []));
    same.push(listener);
  }
  for (const same of byHostname.values()) {
    if (same.length < 2) continue;
    for (const listener of same) {
      setCondition(listener.conditions, condition('Conflicted', true, 'HostnameConflict', 'All listeners for a given port must use a unique hostname'));
    }
  }
}

/** With merged gateways all listeners share one proxy, so conflicts are checked across gateways too. */
function markMergedConflicts(gateways: GatewayContext[]): void {
  markConflicts(gateways.flatMap((g) => g.listeners));
}

/**
 * A TLS listener carries TLSRoutes when it passes TLS through and TCPRoutes when it terminates;
 * without a tls block the reference offers both (the listener is invalid anyway).
 */
function routeKindsFor(listener: ListenerContext): string[] | undefined {
  if (listener.protocol !== 'TLS') return routeKindsByProtocol[listener.protocol];
  const tls = listener.spec.tls;
  if (!tls) return ['TCPRoute', 'TLSRoute'];
  return (tls.mode ?? 'Terminate') === 'Passthrough' ? ['TLSRoute'] : ['TCPRoute'];
}

function validateRouteKinds(listener: ListenerContext): void {
  const allowed = routeKindsFor(listener);
  if (!allowed) {
    setCondition(
      listener.conditions,
      condition('Accepted', false, 'UnsupportedProtocol', `Protocol ${listener.protocol} is unsupported, must be HTTP, HTTPS, TCP or UDP.`),
    );
    return;
  }
  const requested: { group?: string | null; kind: string }[] = listener.spec.allowedRoutes?.kinds ?? [];
  if (requested.length === 0) {
    listener.supportedKinds = allowed.map((kind) => ({ group: gatewayGroup, kind }));
    return;
  }
  const supported: RouteGroupKind[] = [];
  const unsupported: string[] = [];
  for (const kind of requested) {
    const group = kind.group ?? undefined;
    if (group !== undefined && group !== gatewayGroup) {
      setCondition(listener.conditions, condition('ResolvedRefs', false, 'InvalidRouteKinds', `Group is not supported, group must be ${gatewayGroup}`));
      continue;
    }
    if (!allowed.includes(kind.kind)) {
      unsupported.push(kind.kind);
      continue;
    }
    // The group stays as written: absent when the manifest leaves it out.
    supported.push(group === undefined ? { kind: kind.kind } : { group, kind: kind.kind });
  }
  // The reference names, as the kinds to choose from, those the listener did accept (or all).
  const choices = supported.length ? supported.map((k) => k.kind) : allowed;
  for (const kind of unsupported) {
    setCondition(
      listener.conditions,
      condition('ResolvedRefs', false, 'InvalidRouteKinds', `${kind} is not supported, kind must be one of [${choices.join(' ')}]`),
    );
  }
  listener.supportedKinds = supported;
}

function validateAllowedNamespaces(listener: ListenerContext): void {
  const namespaces = listener.spec.allowedRoutes?.namespaces;
  if (namespaces?.from !== 'Selector') return;
  if (!namespaces.selector) {
    setCondition(
      listener.conditions,
      condition('Programmed', false, 'Invalid', 'The allowedRoutes.namespaces.selector field must be specified when allowedRoutes.namespaces.from is set to "Selector".'),
    );
    return;
  }
  const parsed = parseLabelSelector(namespaces.selector);
  if (typeof parsed === 'string') {
    setCondition(listener.conditions, condition('Programmed', false, 'Invalid', `The allowedRoutes.namespaces.selector could not be parsed: ${parsed}.`));
    return;
  }
  listener.namespaceSelector = parsed;
}

function validateTLS(ctx: TranslationContext, listener: ListenerContext): void {
  const tls = listener.spec.tls;
  const invalid = (message: string, reason = 'Invalid') => setCondition(listener.conditions, condition('Programmed', false, reason, message));
  switch (listener.protocol) {
    case 'HTTP':
    case 'TCP':
    case 'UDP':
      if (tls) invalid(`Listener must not have TLS set when protocol is ${listener.protocol}.`);
      return;
    case 'HTTPS':
      if (!tls) return invalid('Listener must have TLS set when protocol is HTTPS.');
      if (tls.mode !== undefined && tls.mode !== 'Terminate') {
        return invalid(`TLS ${tls.mode} mode is not supported, TLS mode must be Terminate.`, 'UnsupportedTLSMode');
      }
      if (!tls.certificateRefs?.length) return invalid('Listener must have at least 1 TLS certificate ref');
      resolveCertificates(ctx, listener);
      return;
    case 'TLS':
      if (!tls) return invalid('Listener must have TLS set when protocol is TLS.');
      if ((tls.mode ?? 'Terminate') === 'Passthrough') {
        if (tls.certificateRefs?.length) invalid('Listener must not have TLS certificate refs set for TLS mode Passthrough.');
        return;
      }
      if (!tls.certificateRefs?.length) return invalid('Listener must have at least 1 TLS certificate ref');
      resolveCertificates(ctx, listener);
      return;
  }
}

function resolveCertificates(ctx: TranslationContext, listener: ListenerContext): void {
  const gateway = listener.gateway;
  const unresolved = (message: string) => setCondition(listener.conditions, condition('ResolvedRefs', false, 'InvalidCertificateRef', message));
  const secrets = [];
  for (const ref of listener.spec.tls.certificateRefs as { group?: string; kind?: string; namespace?: string; name: string }[]) {
    if (ref.group) {
      unresolved("Listener's TLS certificate ref group must be unspecified/empty.");
      break;
    }
    if (ref.kind !== undefined && ref.kind !== 'Secret') {
      unresolved("Listener's TLS certificate ref kind must be Secret.");
      break;
    }
    let namespace = gateway.namespace;
    if (ref.namespace && ref.namespace !== gateway.namespace) {
      const permitted = referenceAllowed(
        ctx.resources,
        { group: gatewayGroup, kind: 'Gateway', namespace: gateway.namespace },
        { group: '', kind: 'Secret', namespace: ref.namespace, name: ref.name },
      );
      if (!permitted) {
        setCondition(
          listener.conditions,
          condition('ResolvedRefs', false, 'RefNotPermitted', `Certificate ref to secret ${ref.namespace}/${ref.name} not permitted by any ReferenceGrant.`),
        );
        break;
      }
      namespace = ref.namespace;
    }
    const secret = ctx.resources.get('Secret', namespace, ref.name);
    if (!secret) {
      unresolved(`Secret ${gateway.namespace}/${ref.name} does not exist.`);
      break;
    }
    if (secret.type !== undefined && secret.type !== 'kubernetes.io/tls') {
      unresolved(`Secret ${namespace}/${ref.name} must be of type kubernetes.io/tls.`);
      break;
    }
    if (!secret.data?.['tls.crt'] || !secret.data?.['tls.key']) {
      unresolved(`Secret ${namespace}/${ref.name} must contain tls.crt and tls.key.`);
      break;
    }
    secrets.push(secret);
  }
  const problem = validateServerCertificates(secrets);
  if (problem) {
    unresolved(problem);
    return;
  }
  listener.tlsSecrets = secrets;
}

function validateHostname(listener: ListenerContext): void {
  if ((listener.protocol === 'TCP' || listener.protocol === 'UDP') && listener.hostname !== undefined) {
    setCondition(listener.conditions, condition('Programmed', false, 'Invalid', `Listener must not have hostname set when protocol is ${listener.protocol}.`));
  }
}

/**
 * A listener with no conditions yet is healthy; any other condition means it is invalid:
 * it is then marked not Programmed and, unless a reference failed, ResolvedRefs.
 */
function finishConditions(listener: ListenerContext): boolean {
  const conditions = listener.conditions;
  if (conditions.length === 0) {
    conditions.push(
      condition('Programmed', true, 'Programmed', 'Sending translated listener configuration to the data plane'),
      condition('Accepted', true, 'Accepted', 'Listener has been successfully translated'),
      condition('ResolvedRefs', true, 'ResolvedRefs', 'Listener references have been resolved'),
    );
    return true;
  }
  if (!conditions.some((c) => c.type === 'Programmed')) {
    setCondition(conditions, condition('Programmed', false, 'Invalid', 'Listener is invalid, see other Conditions for details.'));
  }
  if (!conditions.some((c) => c.type === 'ResolvedRefs')) {
    setCondition(conditions, condition('ResolvedRefs', true, 'ResolvedRefs', 'Listener references have been resolved'));
  }
  return false;
}

/** Whether a route of `kind` from `namespace` may attach to this listener. */
export function listenerAllows(ctx: TranslationContext, listener: ListenerContext, kind: string, namespace: string): boolean {
  if (!supportsKind(listener, kind)) return false;
  // Like the API server, the reference knows no route in a namespace that does not exist.
  if (!ctx.resources.get('Namespace', '', namespace)) return false;
  const from = listener.spec.allowedRoutes?.namespaces?.from ?? 'Same';
  switch (from) {
    case 'All':
      return true;
    case 'Selector':
      return listener.namespaceSelector ? listener.namespaceSelector(ctx.resources.namespaceLabels(namespace)) : false;
    default:
      return namespace === listener.gateway.namespace;
  }
}

/** Whether the listener takes routes of `kind`; a loop, not some(): this runs per route and parent. */
function supportsKind(listener: ListenerContext, kind: string): boolean {
  for (let index = 0; index < listener.supportedKinds.length; index++) {
    const supported = listener.supportedKinds[index];
    if (supported.kind === kind && supported.group === gatewayGroup) return true;
  }
  return false;
}
