import type { HealthCheck, HealthCheckPayload } from '../ir/types.js';
import { protoDuration } from './duration.js';
import { EnvoyWouldRefuse, type Json } from './resources.js';

/** Health-check payloads: text goes as hex of its bytes, binary stays base64 (proto bytes). */
function payload(value: HealthCheckPayload): Json {
  if (value.text !== undefined) return { text: Buffer.from(value.text, 'utf8').toString('hex') };
  return { binary: value.binary ?? '' };
}

/** Expected statuses as half-open ranges, consecutive codes merged: [200, 201, 300] → 200-202, 300-301. */
function statusRanges(statuses: number[]): Json[] {
  const ranges: { start: number; end: number }[] = [];
  for (const status of statuses) {
    const last = ranges[ranges.length - 1];
    if (last && last.end === status) last.end = status + 1;
    else ranges.push({ start: status, end: status + 1 });
  }
  // Int64Range bounds are int64: proto-JSON prints them as strings.
  return ranges.map((r) => ({ start: String(r.start), end: String(r.end) }));
}

/** Whether a proto-JSON duration (`1.5s`) is above zero, as Envoy requires of health-check periods. */
function isPositive(duration: string): boolean {
  return !duration.startsWith('-') && /[1-9]/.test(duration);
}

/** `duration` of the `setting` of a health check, refused by Envoy unless above zero. */
function positive(duration: string | undefined, setting: string, about: object): string | undefined {
  if (duration !== undefined && !isPositive(duration)) throw new EnvoyWouldRefuse(`its ${setting} is ${duration}, and Envoy needs a period above zero`, about);
  return duration;
}

/** The names of Envoy's RequestMethod enum, less its zero value. */
const requestMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** The cluster's active health checks (`healthChecks`), if the IR asks for one. */
export function activeHealthChecks(healthCheck: HealthCheck | undefined): Json[] | undefined {
  const active = healthCheck?.active;
  if (!active) return undefined;
  const check: Json = {};
  const timeout = positive(protoDuration(active.timeout), 'active health check timeout', active);
  const interval = positive(protoDuration(active.interval), 'active health check interval', active);
  if (timeout) check.timeout = timeout;
  if (interval) check.interval = interval;
  if (active.unhealthyThreshold != null) check.unhealthyThreshold = active.unhealthyThreshold;
  if (active.healthyThreshold != null) check.healthyThreshold = active.healthyThreshold;
  if (active.http) {
    const http: Json = { host: active.http.host, path: active.http.path };
    const method = active.http.method?.toUpperCase();
    // Envoy's RequestMethod enum; the reference's lookup turns any other name into its zero value, which is left out.
    if (method && requestMethods.has(method)) http.method = method;
    if (active.http.expectedStatuses?.length) http.expectedStatuses = statusRanges(active.http.expectedStatuses);
    if (active.http.expectedResponse) http.receive = [payload(active.http.expectedResponse)];
    check.httpHealthCheck = http;
  } else if (active.tcp) {
    const tcp: Json = {};
    if (active.tcp.send) tcp.send = payload(active.tcp.send);
    if (active.tcp.receive) tcp.receive = [payload(active.tcp.receive)];
    check.tcpHealthCheck = tcp;
  } else if (active.grpc) {
    check.grpcHealthCheck = active.grpc.service ? { serviceName: active.grpc.service } : {};
  }
  return [check];
}

// The empty detection of clusters without passive health checks, shared (never mutated).
const noOutlierDetection: Json = {};

/**
 * Passive health checking (outlier detection). Always present: an empty one still turns on
 * Envoy's default ejection of failing hosts.
 */
export function outlierDetection(healthCheck: HealthCheck | undefined): Json {
  const passive = healthCheck?.passive;
  if (!passive) return noOutlierDetection;
  const detection: Json = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== null) detection[key] = value;
  };
  set('baseEjectionTime', positive(protoDuration(passive.baseEjectionTime), 'passive health check baseEjectionTime', passive));
  set('consecutive5xx', passive.consecutive5XxErrors);
  set('consecutiveGatewayFailure', passive.consecutiveGatewayErrors);
  set('consecutiveLocalOriginFailure', passive.consecutiveLocalOriginFailures);
  set('interval', positive(protoDuration(passive.interval), 'passive health check interval', passive));
  const percent = passive.maxEjectionPercent;
  if (percent != null) {
    // An int32 in the API, without bounds; Envoy takes a share of the hosts, up to 100% (a
    // negative one, which the reference converts to a uint32, is above that).
    if (percent < 0 || percent > 100) throw new EnvoyWouldRefuse(`its passive health check maxEjectionPercent is ${percent}, and Envoy allows 0 to 100`, passive);
    detection.maxEjectionPercent = percent;
  }
  if (passive.splitExternalLocalOriginErrors) detection.splitExternalLocalOriginErrors = true;
  return detection;
}
