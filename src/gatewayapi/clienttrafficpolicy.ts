/**
 * ClientTrafficPolicy: settings of the downstream side of a Gateway's listeners (keepalive,
 * timeouts, TLS parameters, client IP detection, HTTP/1-2-3 options...). A policy naming a
 * listener (sectionName) wins over one naming the whole Gateway; two policies naming the same
 * thing conflict, the older one winning.
 */
import type { AddHeader, HTTP2Settings, HTTPListener, TCPListener, TLSConfig } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import type { ListenerContext, TranslationContext } from './context.js';
import {
  ancestorRefFor,
  gatewayTargets,
  joinErrors,
  PolicyError,
  policyErrorMessage,
  policyTargetRefs,
  PolicyRun,
  setAcceptedIfUnset,
  setOverridden,
  setResolveError,
  setTranslationError,
  type PolicyTargetRef,
} from './policy.js';
import { invalidHeaderName, invalidHeaderValue } from './httpfilters.js';
import { referenceAllowed } from './referencegrant.js';
import { envoyGatewayGroup } from './resources.js';
import { normalizeGoDuration, parseGoDuration, parseQuantity, quantityAsInteger } from './units.js';

/** Marks "the whole Gateway" among the sections a Gateway's policies claimed. */
const allSections = '/';

const http2WindowRange = { min: 65535, max: 2147483647 };

export function processClientTrafficPolicies(ctx: TranslationContext): void {
  const run = new PolicyRun(ctx, 'ClientTrafficPolicy');
  const gateways = gatewayTargets(ctx);
  const claimed = new Map<string, Set<string>>();
  const candidates = ctx.gateways.map((g) => g.object);
  const policies = run.policies();

  // Policies naming a listener first, so that they take precedence over whole-Gateway ones.
  for (const policy of policies) {
    for (const target of policyTargetRefs(policy, candidates)) {
      if (target.kind !== 'Gateway' || target.sectionName === undefined) continue;
      run.handle(policy);
      const key = `${policy.metadata.namespace}/${target.name}`;
      const gateway = gateways.get(key)?.gateway;
      if (!gateway) continue;
      const ancestors = [ancestorRefFor(gateway.namespace, gateway.name, target.sectionName)];
      const listener = gateway.listeners.find((l) => l.name === target.sectionName);
      if (!listener) {
        setResolveError(policy, ancestors, run.controllerName, 'Invalid', `No section name ${target.sectionName} found for ${key}`);
        continue;
      }
      const sections = claimed.get(key) ?? new Set<string>();
      if (sections.has(target.sectionName)) {
        setResolveError(policy, ancestors, run.controllerName, 'Conflicted', `Unable to target section of ${target.name}, another ClientTrafficPolicy has already attached to it`);
        continue;
      }
      claimed.set(key, sections.add(target.sectionName));
      try {
        checkPortSharing(ctx, listener);
        translateForListener(ctx, policy, listener);
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        setTranslationError(policy, ancestors, run.controllerName, policyErrorMessage(error));
      }
      setAcceptedIfUnset(policy, ancestors, run.controllerName);
    }
  }

  for (const policy of policies) {
    for (const target of policyTargetRefs(policy, candidates)) {
      if (target.kind !== 'Gateway' || target.sectionName !== undefined) continue;
      run.handle(policy);
      translateForGateway(ctx, run, policy, target, gateways, claimed);
    }
  }
  run.finish();
}

function translateForGateway(
  ctx: TranslationContext,
  run: PolicyRun,
  policy: KubeObject,
  target: PolicyTargetRef,
  gateways: ReturnType<typeof gatewayTargets>,
  claimed: Map<string, Set<string>>,
): void {
  const key = `${policy.metadata.namespace}/${target.name}`;
  const gateway = gateways.get(key)?.gateway;
  if (!gateway) return;
  const ancestors = [ancestorRefFor(gateway.namespace, gateway.name)];
  const sections = claimed.get(key);
  if (sections?.has(allSections)) {
    setResolveError(policy, ancestors, run.controllerName, 'Conflicted', `Unable to target Gateway ${target.name}, another ClientTrafficPolicy has already attached to it`);
    return;
  }
  if (sections && sections.size > 0) {
    const names = [...sections].sort();
    setOverridden(policy, ancestors, run.controllerName, `There are existing ClientTrafficPolicies that are overriding these sections [${names.join(' ')}]`);
  }
  claimed.set(key, new Set([...(sections ?? []), allSections]));

  const errors: unknown[] = [];
  const targeted = new Set(gateway.listeners.map((l) => l.irName));
  for (const listener of gateway.listeners) {
    if (sections?.has(listener.name)) continue;
    try {
      // Merged gateways share ports: another Gateway's plain-HTTP listener there is not ours to change.
      checkPortSharing(ctx, listener, targeted);
      translateForListener(ctx, policy, listener);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      errors.push(error);
    }
  }
  const joined = joinErrors(errors);
  if (joined) setTranslationError(policy, ancestors, run.controllerName, policyErrorMessage(joined));
  setAcceptedIfUnset(policy, ancestors, run.controllerName);
}

function httpListenerOf(ctx: TranslationContext, listener: ListenerContext): HTTPListener | undefined {
  return ctx.xdsIR[listener.gateway.irKey]?.http?.find((l) => l.name === listener.irName);
}

function tcpListenerOf(ctx: TranslationContext, listener: ListenerContext): TCPListener | undefined {
  return ctx.xdsIR[listener.gateway.irKey]?.tcp?.find((l) => l.name === listener.irName);
}

/**
 * A policy naming one plain-HTTP listener cannot be honoured when other plain-HTTP listeners
 * share its port: they become one Envoy listener, which the policy would change for all.
 */
function checkPortSharing(ctx: TranslationContext, listener: ListenerContext, alsoTargeted: ReadonlySet<string> = new Set()): void {
  const http = httpListenerOf(ctx, listener);
  if (!http || http.tls) return;
  const others = (ctx.xdsIR[listener.gateway.irKey]?.http ?? [])
    .filter((l) => l !== http && l.port === http.port && !l.tls && !alsoTargeted.has(l.name))
    .map((l) => l.name);
  if (others.length === 0) return;
  throw new PolicyError(`ClientTrafficPolicy is being applied to multiple http (non https) listeners (${others.sort().join(', ')}) on the same port, which is not allowed`);
}

/** Applies the policy to one listener's IR; throws a PolicyError describing what was invalid. */
function translateForListener(ctx: TranslationContext, policy: KubeObject, listener: ListenerContext): void {
  const spec = policy.spec ?? {};
  const http = httpListenerOf(ctx, listener);
  const tcp = tcpListenerOf(ctx, listener);

  // Settings shared by HTTP and TCP listeners: nothing is applied unless they are all valid.
  const errors: unknown[] = [];
  const attempt = <T>(feature: string, build: () => T): T | undefined => {
    try {
      return build();
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      errors.push(PolicyError.within(feature, error));
      return undefined;
    }
  };
  const keepalive = attempt('TCP KeepAlive', () => buildKeepalive(spec.tcpKeepalive));
  const connection = attempt('Connection', () => buildConnection(spec.connection));
  const timeout = attempt('Timeout', () => buildClientTimeout(spec.timeout));
  const tls = attempt('TLS', () => applyTLSParameters(ctx, policy, (http ?? tcp)?.tls));
  if (errors.length > 0) throw joinErrors(errors);

  if (http) {
    applyPathSettings(spec.path, http);
    if (spec.clientIPDetection) http.clientIPDetection = structuredClone(spec.clientIPDetection);
    attempt('Headers', () => applyHeaderSettings(spec.headers, http));
    attempt('HTTP1', () => applyHTTP1Settings(spec.http1, http));
    attempt('HTTP2', () => applyHTTP2Settings(spec.http2, http));
    if (http.tls && spec.http3) {
      const http3 = { quicPort: listener.port };
      http.http3 = http3;
      const proxyListener = ctx.infraIR[listener.gateway.irKey]?.proxy.listeners.find((l) => l.name === listener.irName);
      if (proxyListener) proxyListener.http3 = { ...http3 };
    }
    const healthCheckPath = fieldIgnoringCase(spec.healthCheck, 'path');
    if (spec.healthCheck) http.healthCheck = { path: healthCheckPath ?? '' };
    if (errors.length > 0) throw joinErrors(errors);
  }
  const target = http ?? tcp;
  if (!target) return;
  setOrDelete(target, 'tcpKeepalive', keepalive);
  setOrDelete(target, 'connection', connection);
  setOrDelete(target, 'timeout', timeout);
  if (spec.enableProxyProtocol) target.enableProxyProtocol = true;
  else delete target.enableProxyProtocol;
  setOrDelete(target, 'tls', tls);
}

function setOrDelete<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

/** The reference decodes API objects through JSON, whose field names match regardless of case. */
function fieldIgnoringCase(object: any, name: string): any {
  if (!object || typeof object !== 'object') return undefined;
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}

function durationOrThrow(text: string, what: string): number {
  const ns = parseGoDuration(text);
  if (ns === undefined) throw new PolicyError(`invalid ${what} value ${text}`);
  return ns;
}

/** Keepalive times are whole seconds in the IR. */
export function buildKeepalive(keepalive: any): Record<string, number> | undefined {
  if (!keepalive) return undefined;
  const result: Record<string, number> = {};
  if (keepalive.probes !== undefined) result.probes = keepalive.probes;
  if (keepalive.idleTime !== undefined) result.idleTime = Math.floor(durationOrThrow(keepalive.idleTime, 'IdleTime') / 1e9);
  if (keepalive.interval !== undefined) result.interval = Math.floor(durationOrThrow(keepalive.interval, 'Interval') / 1e9);
  return result;
}

/** A buffer limit quantity as an unsigned 32-bit byte count. */
export function bufferLimitOf(value: string | number): number {
  const quantity = parseQuantity(value);
  const bytes = quantity && quantityAsInteger(quantity);
  if (quantity === undefined || bytes === undefined) throw new PolicyError(`invalid BufferLimit value ${quantity?.text ?? value}`);
  if (bytes < 0 || bytes > 0xffffffff) throw new PolicyError(`BufferLimit value ${quantity.text} is out of range`);
  return bytes;
}

function buildConnection(connection: any): Record<string, unknown> | undefined {
  if (!connection) return undefined;
  const result: Record<string, unknown> = {};
  if (connection.connectionLimit) {
    const limit: Record<string, unknown> = { value: connection.connectionLimit.value };
    const closeDelay = connection.connectionLimit.closeDelay;
    if (closeDelay !== undefined) {
      const normalized = normalizeGoDuration(closeDelay);
      if (normalized === undefined) throw new PolicyError(`invalid CloseDelay value ${closeDelay}`);
      limit.closeDelay = normalized;
    }
    result.limit = limit;
  }
  if (connection.bufferLimit !== undefined) result.bufferLimit = bufferLimitOf(connection.bufferLimit);
  return result;
}

function buildClientTimeout(timeout: any): Record<string, unknown> | undefined {
  if (!timeout) return undefined;
  const result: Record<string, unknown> = {};
  const duration = (text: string, what: string) => {
    const normalized = normalizeGoDuration(text);
    if (normalized === undefined) throw new PolicyError(`invalid ${what} value ${text}`);
    return normalized;
  };
  if (timeout.tcp) {
    const tcp: Record<string, string> = {};
    if (timeout.tcp.idleTimeout !== undefined) tcp.idleTimeout = duration(timeout.tcp.idleTimeout, 'TCP IdleTimeout');
    result.tcp = tcp;
  }
  if (timeout.http) {
    const http: Record<string, string> = {};
    if (timeout.http.requestReceivedTimeout !== undefined) {
      http.requestReceivedTimeout = duration(timeout.http.requestReceivedTimeout, 'HTTP RequestReceivedTimeout');
    }
    if (timeout.http.idleTimeout !== undefined) http.idleTimeout = duration(timeout.http.idleTimeout, 'HTTP IdleTimeout');
    result.http = http;
  }
  return result;
}

/**
 * TLS parameters of a TLS-terminating listener. Applying any ClientTrafficPolicy pins the
 * protocol versions to TLS 1.2–1.3 unless the policy says otherwise. The listener's TLS IR is
 * updated in place, as the reference does.
 */
function applyTLSParameters(ctx: TranslationContext, policy: KubeObject, tls: TLSConfig | undefined): TLSConfig | undefined {
  if (!tls) return undefined;
  tls.minVersion = '1.2';
  tls.maxVersion = '1.3';
  const params = policy.spec?.tls;
  if (!params) return tls;
  if (params.alpnProtocols) tls.alpnProtocols = [...params.alpnProtocols];
  if (params.minVersion) tls.minVersion = params.minVersion;
  if (params.maxVersion) tls.maxVersion = params.maxVersion;
  if (params.ciphers?.length) tls.ciphers = [...params.ciphers];
  if (params.ecdhCurves?.length) tls.ecdhCurves = [...params.ecdhCurves];
  if (params.signatureAlgorithms?.length) tls.signatureAlgorithms = [...params.signatureAlgorithms];
  const resumption = params.session?.resumption;
  if (resumption?.stateless) tls.statelessSessionResumption = true;
  if (resumption?.stateful) tls.statefulSessionResumption = true;
  const validation = params.clientValidation;
  if (validation) {
    const chunks: Buffer[] = [];
    for (const ref of validation.caCertificateRefs ?? []) chunks.push(caCertificateBytes(ctx, policy, ref));
    if (chunks.length > 0) {
      tls.caCertificate = {
        name: `${policy.metadata.namespace}/${policy.metadata.name}/ca.crt`,
        certificate: Buffer.concat(chunks).toString('base64'),
      };
      if (!validation.optional) tls.requireClientCertificate = true;
    }
  }
  return tls;
}

/** The PEM bytes under `ca.crt` of a Secret or ConfigMap the policy may read. */
function caCertificateBytes(ctx: TranslationContext, policy: KubeObject, ref: any): Buffer {
  const kind = ref.kind ?? 'Secret';
  if (kind !== 'Secret' && kind !== 'ConfigMap') throw new PolicyError(`unsupported caCertificateRef kind:${kind}`);
  const namespace = ref.namespace ?? policy.metadata.namespace;
  if (namespace !== policy.metadata.namespace) {
    const allowed = referenceAllowed(
      ctx.resources,
      { group: envoyGatewayGroup, kind: 'ClientTrafficPolicy', namespace: policy.metadata.namespace! },
      { group: '', kind, namespace, name: ref.name },
    );
    if (!allowed) throw new PolicyError(`${kind.toLowerCase()} ref to ${namespace}/${ref.name} is not permitted by any ReferenceGrant`);
  }
  const object = ctx.resources.get(kind, namespace, ref.name);
  if (!object) throw new PolicyError(`${kind.toLowerCase()} ${namespace}/${ref.name} does not exist`);
  if (kind === 'Secret') {
    const data = object.data?.['ca.crt'];
    if (!data) throw new PolicyError(`caCertificateRef not found in secret ${ref.name}`);
    return Buffer.from(data, 'base64');
  }
  const data = object.data?.['ca.crt'];
  if (!data) throw new PolicyError(`caCertificateRef not found in configmap ${ref.name}`);
  return Buffer.from(String(data), 'utf8');
}

function applyPathSettings(path: any, http: HTTPListener): void {
  if (!path || !http.path) return;
  if (path.disableMergeSlashes !== undefined) http.path.mergeSlashes = !path.disableMergeSlashes;
  if (path.escapedSlashesAction !== undefined) http.path.escapedSlashesAction = path.escapedSlashesAction;
}

/** Header settings are applied even when the early request headers are invalid (those are left out). */
function applyHeaderSettings(headers: any, http: HTTPListener): void {
  if (!headers) return;
  const result: Record<string, unknown> = {
    withUnderscoresAction: headers.withUnderscoresAction ?? 'RejectRequest',
  };
  if (headers.enableEnvoyHeaders) result.enableEnvoyHeaders = true;
  if (headers.disableRateLimitHeaders) result.disableRateLimitHeaders = true;
  if (headers.preserveXRequestID) result.preserveXRequestID = true;
  if (headers.xForwardedClientCert) {
    const mode = headers.xForwardedClientCert.mode ?? 'Sanitize';
    const xfcc: Record<string, unknown> = { mode };
    // Only these modes add details of the client certificate to the header.
    if ((mode === 'AppendForward' || mode === 'SanitizeSet') && headers.xForwardedClientCert.certDetailsToAdd) {
      xfcc.certDetailsToAdd = [...headers.xForwardedClientCert.certDetailsToAdd];
    }
    result.xForwardedClientCert = xfcc;
  }
  http.headers = result;
  if (headers.earlyRequestHeaders) {
    const { add, remove } = earlyRequestHeaders(headers.earlyRequestHeaders);
    if (add.length) result.earlyAddRequestHeaders = add;
    if (remove.length) result.earlyRemoveRequestHeaders = remove;
  }
}

/** Headers added, set and removed before routing; the first mention of a name wins. */
function earlyRequestHeaders(modifier: any): { add: AddHeader[]; remove: string[] } {
  const errors: string[] = [];
  const add: AddHeader[] = [];
  const remove: string[] = [];
  let declared = false;
  const collect = (headers: any[] | undefined, append: boolean, verb: string) => {
    for (const header of headers ?? []) {
      declared = true;
      const name = String(header.name ?? '');
      if (name === '') {
        errors.push(`EarlyRequestHeaders cannot ${verb} a header with an empty name`);
        continue;
      }
      if (invalidHeaderName.test(name)) {
        errors.push(`EarlyRequestHeaders Filter cannot set headers with a '/' or ':' character in them. Header: ${JSON.stringify(name)}`);
        continue;
      }
      if (invalidHeaderValue.test(String(header.value ?? ''))) {
        errors.push(`EarlyRequestHeaders cannot ${verb} a header value with a CR, LF or NUL character in it. Header: ${JSON.stringify(name)}`);
        continue;
      }
      if (add.some((h) => h.name.toLowerCase() === name.toLowerCase())) continue;
      add.push({ append, name, value: String(header.value ?? '').split(',') });
    }
  };
  collect(modifier.add, true, 'add');
  collect(modifier.set, false, 'set');
  for (const name of (modifier.remove ?? []) as string[]) {
    declared = true;
    if (name === '') {
      errors.push('EarlyRequestHeaders cannot remove a header with an empty name');
      continue;
    }
    if (!remove.some((r) => r.toLowerCase() === name.toLowerCase())) remove.push(name);
  }
  if (declared && add.length === 0 && remove.length === 0) {
    errors.push('EarlyRequestHeaders did not provide valid configuration to add/set/remove any headers');
  }
  if (errors.length > 0) throw new PolicyError(errors.join('\n'));
  return { add, remove };
}

function applyHTTP1Settings(http1: any, http: HTTPListener): void {
  if (!http1) return;
  const result: Record<string, unknown> = {};
  if (http1.enableTrailers) result.enableTrailers = true;
  if (http1.preserveHeaderCase) result.preserveHeaderCase = true;
  http.http1 = result;
  if (!http1.http10) return;
  const http10: Record<string, string> = {};
  if (http1.http10.useDefaultHost) http10.defaultHost = http10DefaultHost(http);
  result.http10 = http10;
}

/**
 * HTTP/1.0 requests carry no Host; the default is the listener's first exact hostname or,
 * on a wildcard listener, the one hostname its routes serve.
 */
function http10DefaultHost(http: HTTPListener): string {
  const exact = http.hostnames.find((h) => !h.includes('*'));
  if (exact) return exact;
  const routeHosts = [...new Set((http.routes ?? []).map((r) => r.hostname))];
  if (routeHosts.length === 0 || (routeHosts.length === 1 && routeHosts[0].includes('*'))) {
    throw new PolicyError('cannot set http10 default host on listener with only wildcard hostnames');
  }
  if (routeHosts.length > 1) {
    throw new PolicyError('cannot set http10 default host on listener with only wildcard hostnames and more than one possible default route');
  }
  return routeHosts[0];
}

function applyHTTP2Settings(http2: any, http: HTTPListener): void {
  if (!http2) return;
  const { settings, error } = buildHTTP2Settings(http2);
  http.http2 = settings;
  if (error) throw error;
}

/**
 * HTTP/2 settings as the IR carries them, plus what was invalid: the valid part is still
 * applied (the reference keeps it on the listener).
 */
export function buildHTTP2Settings(http2: any): { settings: HTTP2Settings; error?: PolicyError } {
  const settings: HTTP2Settings = {};
  const errors: string[] = [];
  const windowSize = (value: unknown, name: string): number | undefined => {
    if (value === undefined) return undefined;
    const quantity = parseQuantity(value as string);
    const size = quantity && quantityAsInteger(quantity);
    if (quantity === undefined || size === undefined) {
      errors.push(`invalid ${name} value ${quantity?.text ?? String(value)}`);
      return undefined;
    }
    if (size < http2WindowRange.min || size > http2WindowRange.max) {
      errors.push(`${name} value ${quantity.text} is out of range, must be between ${http2WindowRange.min} and ${http2WindowRange.max}`);
      return undefined;
    }
    return size;
  };
  const stream = windowSize(http2.initialStreamWindowSize, 'InitialStreamWindowSize');
  const connection = windowSize(http2.initialConnectionWindowSize, 'InitialConnectionWindowSize');
  // The reference's IR carries the two window sizes crossed over; kept so the IR matches it.
  if (connection !== undefined) settings.initialStreamWindowSize = connection;
  if (stream !== undefined) settings.initialConnectionWindowSize = stream;
  if (http2.maxConcurrentStreams !== undefined) settings.maxConcurrentStreams = http2.maxConcurrentStreams;
  return { settings, error: errors.length > 0 ? new PolicyError(errors.join('\n')) : undefined };
}
