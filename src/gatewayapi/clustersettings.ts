/**
 * `backendSettings` (Envoy Gateway's ClusterSettings) of an external service — ext_authz,
 * ext_proc, an OIDC provider — as the IR's traffic features of that service's cluster.
 */
import type { HealthCheck } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import type { IRSource } from './context.js';
import { parseQuantity, quantityAsInteger } from './units.js';

function quantity(value: unknown, field: string): number {
  const parsed = typeof value === 'number' || typeof value === 'string' ? parseQuantity(value) : undefined;
  const bytes = parsed && quantityAsInteger(parsed);
  if (bytes === undefined) throw new Error(`invalid ${field} value ${String(value)}`);
  return bytes;
}

function loadBalancer(spec: any): Record<string, unknown> {
  switch (spec.type) {
    case 'ConsistentHash': {
      const hash = spec.consistentHash ?? {};
      const out: Record<string, unknown> = {};
      if (hash.type === 'SourceIP') out.sourceIP = true;
      else if (hash.type === 'Header') out.header = { name: hash.header?.name };
      else if (hash.type === 'Cookie') out.cookie = { ...hash.cookie };
      if (hash.tableSize !== undefined) out.tableSize = hash.tableSize;
      return { consistentHash: out };
    }
    case 'LeastRequest':
      return { leastRequest: spec.slowStart ? { slowStart: spec.slowStart } : {} };
    case 'Random':
      return { random: {} };
    default:
      return { roundRobin: spec.slowStart ? { slowStart: spec.slowStart } : {} };
  }
}

function http2(spec: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // The reference (v1.2) stores each window size in the other's field; kept so the IR matches.
  if (spec.initialStreamWindowSize !== undefined) out.initialConnectionWindowSize = quantity(spec.initialStreamWindowSize, 'initialStreamWindowSize');
  if (spec.initialConnectionWindowSize !== undefined) out.initialStreamWindowSize = quantity(spec.initialConnectionWindowSize, 'initialConnectionWindowSize');
  if (spec.maxConcurrentStreams !== undefined) out.maxConcurrentStreams = spec.maxConcurrentStreams;
  if (spec.onInvalidMessage !== undefined) out.resetStreamOnError = spec.onInvalidMessage === 'TerminateStream';
  return out;
}

function tcpKeepalive(spec: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (spec.probes !== undefined) out.probes = spec.probes;
  for (const field of ['idleTime', 'interval']) {
    if (spec[field] === undefined) continue;
    const seconds = /^(\d+)s$/.exec(spec[field]) ?? /^(\d+)m$/.exec(spec[field]);
    if (!seconds) throw new Error(`invalid tcpKeepalive ${field} ${spec[field]}`);
    out[field] = Number(seconds[1]) * (spec[field].endsWith('m') ? 60 : 1);
  }
  return out;
}

/** Where a ClusterSettings spec is: the object and the path of the spec in it. */
export interface ClusterSettingsSource {
  irSources: WeakMap<object, IRSource>;
  object: KubeObject;
  path: (string | number)[];
}

/**
 * The IR traffic features of a ClusterSettings spec, or undefined when it sets nothing. Its
 * health checks are recorded as coming from `source`, where a setting Envoy refuses is reported.
 */
export function trafficFromClusterSettings(spec: any, source: ClusterSettingsSource): Record<string, unknown> | undefined {
  if (!spec || typeof spec !== 'object') return undefined;
  const traffic: Record<string, unknown> = {};
  if (spec.loadBalancer) traffic.loadBalancer = loadBalancer(spec.loadBalancer);
  if (spec.proxyProtocol) traffic.proxyProtocol = { version: spec.proxyProtocol.version };
  if (spec.healthCheck) {
    const healthCheck: HealthCheck = structuredClone(spec.healthCheck);
    recordHealthCheckSources(source.irSources, healthCheck, source.object, [...source.path, 'healthCheck']);
    traffic.healthCheck = healthCheck;
  }
  if (spec.circuitBreaker) traffic.circuitBreaker = structuredClone(spec.circuitBreaker);
  if (spec.timeout) traffic.timeout = structuredClone(spec.timeout);
  if (spec.tcpKeepalive) traffic.tcpKeepalive = tcpKeepalive(spec.tcpKeepalive);
  if (spec.retry) traffic.retry = structuredClone(spec.retry);
  if (spec.connection?.bufferLimit !== undefined) traffic.backendConnection = { bufferLimit: quantity(spec.connection.bufferLimit, 'bufferLimit') };
  if (spec.http2) traffic.http2 = http2(spec.http2);
  if (spec.dns) traffic.dns = structuredClone(spec.dns);
  return Object.keys(traffic).length ? traffic : undefined;
}

/**
 * Records where a health check's active and passive parts come from (`path` of the healthCheck
 * in `object`), so that a setting Envoy refuses is reported there (TranslationContext.irSources).
 */
export function recordHealthCheckSources(irSources: WeakMap<object, IRSource>, healthCheck: HealthCheck | undefined, object: KubeObject, path: (string | number)[]): void {
  if (healthCheck?.active) irSources.set(healthCheck.active, { object, path: [...path, 'active'] });
  if (healthCheck?.passive) irSources.set(healthCheck.passive, { object, path: [...path, 'passive'] });
}
