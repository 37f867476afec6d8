/**
 * BackendTLSPolicy (gateway.networking.k8s.io v1alpha3): TLS from the proxy to a Service port or
 * an Envoy Gateway Backend. The policy becomes the `tls` of every destination setting that
 * reaches its target, merged with the EnvoyProxy's `backendTLS` defaults (client certificate,
 * versions, ciphers). Each policy lists, as ancestors, what used it: the route's parentRef for a
 * route backend, the SecurityPolicy or EnvoyExtensionPolicy for an external service.
 */
import { codes } from '../diagnostics/codes.js';
import { diagnosticAt } from '../diagnostics/at.js';
import type { DestinationSetting, RouteDestination } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import { condition, setCondition, type Condition } from './conditions.js';
import type { TranslationContext } from './context.js';
import { conditionMessage } from './parents.js';

/** The backend a destination setting was resolved from. */
export interface BackendTarget {
  group: string;
  kind: string;
  name: string;
  namespace: string;
  port?: number;
}

/** An ancestor entry of a policy status, as Gateway API's PolicyAncestorStatus. */
export interface AncestorStatus {
  ancestorRef: Record<string, unknown>;
  conditions: Condition[];
  controllerName: string;
}

/** Identity of an ancestorRef, with Gateway API's defaults for group and kind. */
export function referenceKeyOf(ref: Record<string, any>): string {
  return [ref.group ?? 'gateway.networking.k8s.io', ref.kind ?? 'Gateway', ref.namespace ?? '', ref.name, ref.sectionName ?? '', ref.port ?? ''].join('|');
}

function targetMatches(ctx: TranslationContext, policy: KubeObject, target: BackendTarget): boolean {
  if (policy.metadata.namespace !== target.namespace) return false;
  return (policy.spec?.targetRefs ?? []).some(
    (ref: any) =>
      (ref.group ?? '') === target.group &&
      ref.kind === target.kind &&
      ref.name === target.name &&
      // A sectionName selects one port of the backend; without one the policy covers all of it.
      (ref.sectionName === undefined || sectionSelectsPort(ctx, String(ref.sectionName), target)),
  );
}

/**
 * The reference matches a sectionName against the backendRef's port number; Gateway API means
 * the Service port's name. Both select the port, so a policy written either way takes effect.
 */
function sectionSelectsPort(ctx: TranslationContext, section: string, target: BackendTarget): boolean {
  if (target.port === undefined) return false;
  if (section === String(target.port)) return true;
  if (target.kind !== 'Service') return false;
  const service = ctx.resources.get('Service', target.namespace, target.name);
  return (service?.spec?.ports ?? []).some((p: any) => p.port === target.port && p.name === section);
}

/** Adds (or updates) the policy's ancestor entry; an error makes it Accepted=False. */
function recordAncestor(ctx: TranslationContext, policy: KubeObject, ancestorRef: Record<string, unknown>, error?: string): void {
  const ancestors: AncestorStatus[] = ((policy.status ??= {}).ancestors ??= []);
  const key = referenceKeyOf(ancestorRef);
  let entry = ancestors.find((a) => referenceKeyOf(a.ancestorRef) === key);
  if (!entry) {
    entry = { ancestorRef, conditions: [], controllerName: ctx.options.controllerName };
    ancestors.push(entry);
  }
  const failed = entry.conditions.some((c) => c.type === 'Accepted' && c.status === 'False');
  if (error !== undefined) {
    setCondition(entry.conditions, condition('Accepted', false, 'Invalid', conditionMessage(error.endsWith('.') ? error : `${error}.`)));
    ctx.diagnostics.push(
      diagnosticAt(policy, ['spec'], { code: codes.policyNotAccepted, message: `BackendTLSPolicy ${policy.metadata.namespace}/${policy.metadata.name}: ${error}` }),
    );
  } else if (!failed) {
    setCondition(entry.conditions, condition('Accepted', true, 'Accepted', 'Policy has been accepted.'));
  }
}

/**
 * The ConfigMap or Secret a CA reference names. The reference (v1.2) matches these by name in any
 * namespace; the policy's own namespace is tried first, and a match elsewhere is warned about.
 */
function caObject(ctx: TranslationContext, policy: KubeObject, kind: string, namespace: string, name: string): KubeObject | undefined {
  const local = ctx.resources.get(kind, namespace, name);
  if (local) return local;
  const elsewhere = ctx.resources.all(kind).find((o) => o.metadata.name === name);
  if (elsewhere) {
    ctx.diagnostics.push(
      diagnosticAt(policy, ['spec', 'validation', 'caCertificateRefs'], {
        code: codes.refNotResolved,
        severity: 'warning',
        message: `${kind} ${name} is not in namespace ${namespace}; using ${elsewhere.metadata.namespace}/${name}, as Envoy Gateway v1.2 does (CA references are local to the policy's namespace in Gateway API)`,
      }),
    );
  }
  return elsewhere;
}

/** The PEM bundle of the policy's CA references, or why it cannot be built. */
function caBundle(ctx: TranslationContext, policy: KubeObject): { pem?: string; error?: string } {
  const namespace = policy.metadata.namespace ?? 'default';
  const pems: string[] = [];
  for (const ref of policy.spec?.validation?.caCertificateRefs ?? []) {
    const kind = ref.kind ?? 'ConfigMap';
    if ((ref.group ?? '') !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) {
      return { error: `unsupported caCertificateRef ${ref.group ?? ''}/${kind}: only core ConfigMap and Secret are supported` };
    }
    const object = caObject(ctx, policy, kind, namespace, ref.name);
    if (!object) return { error: `${kind.toLowerCase()} ${namespace}/${ref.name} not found` };
    const value = kind === 'ConfigMap' ? object.data?.['ca.crt'] : object.data?.['ca.crt'] && Buffer.from(object.data['ca.crt'], 'base64').toString('utf8');
    if (!value) return { error: `no ca found in ${kind.toLowerCase()} ${ref.name}` };
    pems.push(value);
  }
  return { pem: pems.join('') };
}

/** The EnvoyProxy's backendTLS defaults: TLS parameters and the client certificate. */
function proxyDefaults(ctx: TranslationContext): { tls: Record<string, unknown>; error?: string } {
  const spec = ctx.classEnvoyProxy?.spec?.backendTLS;
  const tls: Record<string, unknown> = {};
  if (!spec) return { tls };
  const field = (name: string): unknown => spec[name] ?? spec[name.charAt(0).toUpperCase() + name.slice(1)];
  for (const name of ['minVersion', 'maxVersion', 'ciphers', 'ecdhCurves', 'signatureAlgorithms', 'alpnProtocols']) {
    if (field(name) !== undefined) tls[name] = field(name);
  }
  const ref = spec.clientCertificateRef;
  if (!ref) return { tls };
  const namespace = ref.namespace ?? ctx.classEnvoyProxy!.metadata.namespace ?? 'default';
  const secret = ctx.resources.get('Secret', namespace, ref.name);
  if (!secret?.data?.['tls.crt'] || !secret.data['tls.key']) {
    return { tls, error: `failed to locate TLS secret for client auth: ${ref.name} in namespace: ${namespace}` };
  }
  ctx.routeCertificates = true;
  tls.clientCertificates = [{ name: `${namespace}/${ref.name}`, serverCertificate: secret.data['tls.crt'], privateKey: secret.data['tls.key'] }];
  return { tls };
}

/**
 * The upstream TLS settings for a backend, from the BackendTLSPolicy targeting it, or undefined
 * when none does (or it is invalid). Records `ancestorRef` in the policy's status either way.
 */
export function backendTLSFor(ctx: TranslationContext, target: BackendTarget, ancestorRef: Record<string, unknown>): Record<string, unknown> | undefined {
  const policy = ctx.resources.all('BackendTLSPolicy').find((p) => targetMatches(ctx, p, target));
  if (!policy) return undefined;
  const validation = policy.spec?.validation ?? {};
  const tls: Record<string, unknown> = {};
  if (validation.hostname) tls.sni = validation.hostname;
  if (validation.wellKnownCACertificates === 'System') {
    tls.useSystemTrustStore = true;
  } else {
    const { pem, error } = caBundle(ctx, policy);
    if (error !== undefined) {
      recordAncestor(ctx, policy, ancestorRef, error);
      return undefined;
    }
    tls.caCertificate = { name: `${policy.metadata.name}/${policy.metadata.namespace}-ca`, certificate: Buffer.from(pem!, 'utf8').toString('base64') };
  }
  const defaults = proxyDefaults(ctx);
  recordAncestor(ctx, policy, ancestorRef, defaults.error);
  return { ...defaults.tls, ...tls };
}

/** Adds a BackendTLSPolicy's settings to one destination setting resolved from `target`. */
export function applyBackendTLS(ctx: TranslationContext, setting: DestinationSetting, target: BackendTarget, ancestorRef: Record<string, unknown>): void {
  const tls = backendTLSFor(ctx, target, ancestorRef);
  if (tls) setting.tls = tls;
}

function targetOf(ref: any, routeNamespace: string): BackendTarget {
  return { group: ref.group ?? '', kind: ref.kind ?? 'Service', name: ref.name, namespace: ref.namespace ?? routeNamespace, port: ref.port };
}

/**
 * Pairs each backendRef with the index of the destination setting it became: route translation drops
 * the setting of a valid zero-weight ref and keeps `{weight: 0}` for an invalid one.
 */
function pairSettings(refs: any[], settings: DestinationSetting[]): [any, number][] {
  const pairs: [any, number][] = [];
  let next = 0;
  for (const ref of refs) {
    const setting = settings[next];
    if (!setting) break;
    if ((ref.weight ?? 1) === 0 && setting.weight !== 0) continue;
    pairs.push([ref, next]);
    next++;
  }
  return pairs;
}

interface RouteDestinationSite {
  route: KubeObject;
  refs: any[];
  destination: RouteDestination;
  gatewayNamespace: string;
  gatewayName: string;
  listenerName: string;
}

/** Every route destination in the IR with the route object and backendRefs it was built from. */
function routeDestinations(ctx: TranslationContext): RouteDestinationSite[] {
  const sites: RouteDestinationSite[] = [];
  for (const gateway of ctx.gateways) {
    const xds = ctx.xdsIR[gateway.irKey];
    if (!xds) continue;
    for (const listener of gateway.listeners) {
      // A route's copies for each hostname share one destination: one site per listener.
      const seen = new Set<RouteDestination>();
      const irRoutes = [
        ...(xds.http?.find((l) => l.name === listener.irName)?.routes ?? []),
        ...(xds.tcp?.find((l) => l.name === listener.irName)?.routes ?? []),
        ...[xds.udp?.find((l) => l.name === listener.irName)?.route].filter((r) => r !== undefined),
      ];
      for (const irRoute of irRoutes) {
        const destination = irRoute.destination;
        if (!destination?.settings?.length || seen.has(destination)) continue;
        const match = /^(httproute|grpcroute|tlsroute|tcproute|udproute)\/([^/]+)\/([^/]+)\/rule\/(-?\d+)$/.exec(destination.name);
        if (!match) continue;
        const kind = { httproute: 'HTTPRoute', grpcroute: 'GRPCRoute', tlsroute: 'TLSRoute', tcproute: 'TCPRoute', udproute: 'UDPRoute' }[match[1]]!;
        const route = ctx.resources.get(kind, match[2], match[3]);
        if (!route) continue;
        const rules: any[] = route.spec?.rules ?? [];
        const ruleIndex = Number(match[4]);
        // Layer-4 routes put the backends of all their rules into one destination (rule -1).
        const refs = ruleIndex < 0 ? rules.flatMap((r) => r.backendRefs ?? []) : (rules[ruleIndex]?.backendRefs ?? []);
        seen.add(destination);
        sites.push({ route, refs, destination, gatewayNamespace: gateway.namespace, gatewayName: gateway.name, listenerName: listener.name });
      }
    }
  }
  return sites;
}

/** The route's parentRef that attached it to this gateway listener: the policy's ancestor. */
function parentRefFor(site: RouteDestinationSite): Record<string, unknown> | undefined {
  const namespace = site.route.metadata.namespace ?? 'default';
  const ref = (site.route.spec?.parentRefs ?? []).find(
    (p: any) =>
      (p.kind ?? 'Gateway') === 'Gateway' &&
      (p.namespace ?? namespace) === site.gatewayNamespace &&
      p.name === site.gatewayName &&
      (p.sectionName === undefined || p.sectionName === site.listenerName),
  );
  return ref ? { ...ref, namespace: ref.namespace ?? namespace } : undefined;
}

/**
 * Applies BackendTLSPolicies to the route destinations already in the IR. Runs after route
 * translation; external-service backends of other policies call `applyBackendTLS` themselves.
 */
export function processBackendTLSPolicies(ctx: TranslationContext): void {
  if (ctx.resources.all('BackendTLSPolicy').length === 0) return;
  for (const site of routeDestinations(ctx)) {
    const ancestor = parentRefFor(site);
    if (!ancestor) continue;
    const routeNamespace = site.route.metadata.namespace ?? 'default';
    const settings = site.destination.settings!;
    for (const [ref, index] of pairSettings(site.refs, settings)) {
      const setting = settings[index];
      // Settings of unresolved refs carry only a weight: nothing to secure.
      if (setting.endpoints === undefined && setting.protocol === undefined) continue;
      // Route rules share the settings of a Service port: the destination gets its own copy.
      const tls = backendTLSFor(ctx, targetOf(ref, routeNamespace), ancestor);
      if (tls) settings[index] = { ...setting, tls };
    }
  }
  for (const policy of ctx.resources.all('BackendTLSPolicy')) {
    if (policy.status?.ancestors?.length) continue;
    ctx.diagnostics.push(
      diagnosticAt(policy, ['spec', 'targetRefs'], {
        code: codes.policyNotAccepted,
        severity: 'warning',
        message: `BackendTLSPolicy ${policy.metadata.namespace}/${policy.metadata.name} secures no backend any route uses; it has no effect`,
      }),
    );
  }
}
