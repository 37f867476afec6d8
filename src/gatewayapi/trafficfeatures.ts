/**
 * The backend traffic settings of a BackendTrafficPolicy (rate limits, load balancing, health
 * checks, circuit breaking, timeouts...) turned into the IR's TrafficFeatures. Each builder
 * throws a PolicyError naming what is invalid; `buildTrafficFeatures` collects them all.
 */
import type { CircuitBreaker, HealthCheck, LoadBalancer, Retry, StringMatch, TrafficFeatures, TrafficTimeout } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import { buildHTTP2Settings, buildKeepalive, bufferLimitOf } from './clienttrafficpolicy.js';
import { recordHealthCheckSources } from './clustersettings.js';
import type { TranslationContext } from './context.js';
import { joinErrors, PolicyError } from './policy.js';
import { validateRegex } from './regex.js';
import { normalizeGoDuration } from './units.js';
import { invalidHeaderValue } from './httpfilters.js';

/** Envoy's largest Maglev table; sizes must be prime. */
const maxConsistentHashTableSize = 5000011;
const maxUint32 = 0xffffffff;

export interface BuiltTrafficFeatures {
  /** Every feature except the timeout, which is merged per route. */
  features: TrafficFeatures;
  timeout?: TrafficTimeout;
  error?: PolicyError;
}

export function buildTrafficFeatures(ctx: TranslationContext, policy: KubeObject): BuiltTrafficFeatures {
  const spec = policy.spec ?? {};
  const features: TrafficFeatures = {};
  const errors: PolicyError[] = [];
  const attempt = (feature: string, build: () => void) => {
    try {
      build();
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      errors.push(PolicyError.within(feature, error));
    }
  };
  if (spec.rateLimit) attempt('RateLimit', () => (features.rateLimit = buildRateLimit(ctx, policy, spec.rateLimit)));
  if (spec.loadBalancer) attempt('LoadBalancer', () => (features.loadBalancer = buildLoadBalancer(spec.loadBalancer)));
  if (spec.proxyProtocol) features.proxyProtocol = { version: spec.proxyProtocol.version };
  if (spec.healthCheck) {
    attempt('HealthCheck', () => {
      features.healthCheck = buildHealthCheck(spec.healthCheck);
      recordHealthCheckSources(ctx.irSources, features.healthCheck, policy, ['spec', 'healthCheck']);
    });
  }
  if (spec.circuitBreaker) attempt('CircuitBreaker', () => (features.circuitBreaker = buildCircuitBreaker(spec.circuitBreaker)));
  if (spec.faultInjection) features.faultInjection = buildFaultInjection(spec.faultInjection);
  if (spec.tcpKeepalive) attempt('TCPKeepalive', () => (features.tcpKeepalive = buildKeepalive(spec.tcpKeepalive)));
  if (spec.retry) features.retry = buildRetry(spec.retry);
  let timeout: TrafficTimeout | undefined;
  if (spec.timeout) attempt('Timeout', () => (timeout = buildTimeout(spec.timeout)));
  if (spec.connection) {
    attempt('BackendConnection', () => {
      const connection: { bufferLimit?: number } = {};
      if (spec.connection.bufferLimit !== undefined) connection.bufferLimit = bufferLimitOf(spec.connection.bufferLimit);
      features.backendConnection = connection;
    });
  }
  if (spec.http2) {
    attempt('HTTP2', () => {
      const { settings, error } = buildHTTP2Settings(spec.http2);
      if (error) throw error;
      features.http2 = settings;
    });
  }
  if (spec.dns) features.dns = buildDNS(spec.dns);
  if (spec.responseOverride?.length) attempt('ResponseOverride', () => (features.responseOverride = buildResponseOverride(ctx, policy)));
  return { features, timeout, error: joinErrors(errors) };
}

function duration(text: string | undefined): string | undefined {
  return text === undefined ? undefined : (normalizeGoDuration(text) ?? text);
}

function buildRateLimit(ctx: TranslationContext, policy: KubeObject, rateLimit: any): Record<string, unknown> | undefined {
  switch (rateLimit.type) {
    case 'Local': {
      const local = buildLocalRateLimit(rateLimit.local);
      // Each rule's IR limit, for reports of a limit Envoy refuses (see TranslationContext.irSources).
      for (const [index, limit] of local.limits) ctx.irSources.set(limit, { object: policy, path: ['spec', 'rateLimit', 'local', 'rules', index, 'limit'] });
      return { local: local.ir };
    }
    case 'Global': {
      if (!rateLimit.global) throw new PolicyError('global configuration empty for rateLimit');
      if (!ctx.options.globalRateLimit) throw new PolicyError('enable Ratelimit in the EnvoyGateway config to configure global rateLimit');
      return { global: { rules: (rateLimit.global.rules ?? []).map(buildRateLimitRule) } };
    }
    default:
      return undefined;
  }
}

const unitSeconds: Record<string, number> = { Second: 1, Minute: 60, Hour: 3600, Day: 86400 };

/**
 * Envoy's local rate limit needs a route-wide default: the one rule without client selectors,
 * else an unlimited one. Every other rule's period must be a multiple of the default's.
 */
function buildLocalRateLimit(local: any): { ir: Record<string, unknown>; limits: Map<number, object> } {
  if (!local) throw new PolicyError('local configuration empty for rateLimit');
  const rules: any[] = local.rules ?? [];
  // The IR limit of each rule, by the rule's index.
  const limits = new Map<number, object>();
  let defaultLimit: { requests: number; unit: string } | undefined;
  for (const [index, rule] of rules.entries()) {
    if (rule.clientSelectors?.length) continue;
    if (defaultLimit) throw new PolicyError('local rateLimit can not have more than one rule without clientSelectors');
    defaultLimit = { requests: rule.limit.requests, unit: rule.limit.unit };
    limits.set(index, defaultLimit);
  }
  defaultLimit ??= { requests: maxUint32, unit: 'Second' };
  const irRules: Record<string, any>[] = [];
  for (const [index, rule] of rules.entries()) {
    if (!rule.clientSelectors?.length) continue;
    const irRule = buildRateLimitRule(rule);
    limits.set(index, irRule.limit);
    if (irRule.cidrMatch?.distinct) throw new PolicyError('local rateLimit does not support distinct CIDRMatch');
    if ((irRule.headerMatches as StringMatch[]).some((m) => m.distinct)) throw new PolicyError('local rateLimit does not support distinct HeaderMatch');
    if (unitSeconds[irRule.limit.unit] % unitSeconds[defaultLimit.unit] !== 0) {
      throw new PolicyError('local rateLimit rule limit unit must be a multiple of the default limit unit');
    }
    irRules.push(irRule);
  }
  return { ir: { default: defaultLimit, rules: irRules }, limits };
}

function buildRateLimitRule(rule: any): Record<string, any> {
  const irRule: Record<string, any> = { headerMatches: [], limit: { requests: rule.limit.requests, unit: rule.limit.unit } };
  for (const selector of rule.clientSelectors ?? []) {
    if (!selector.headers?.length && !selector.sourceCIDR) {
      throw new PolicyError('unable to translate rateLimit. At least one of the header or sourceCIDR must be specified');
    }
    for (const header of selector.headers ?? []) irRule.headerMatches.push(rateLimitHeaderMatch(header));
    if (selector.sourceCIDR) irRule.cidrMatch = cidrMatch(selector.sourceCIDR);
  }
  return irRule;
}

function rateLimitHeaderMatch(header: any): StringMatch {
  const type = header.type ?? 'Exact';
  const match = { name: header.name, distinct: false } as StringMatch;
  if (header.invert !== undefined) match.invert = header.invert;
  if (type === 'Exact' && header.value !== undefined) return { ...match, exact: header.value };
  if (type === 'RegularExpression' && header.value !== undefined) {
    const problem = validateRegex(header.value);
    if (problem) throw new PolicyError(`regex ${JSON.stringify(header.value)} is invalid: ${problem}`);
    return { ...match, safeRegex: header.value };
  }
  if (type === 'Distinct' && header.value === undefined) {
    if (header.invert) throw new PolicyError('unable to translate rateLimit.Invert is not applicable for distinct header match type');
    return { name: header.name, distinct: true };
  }
  throw new PolicyError('unable to translate rateLimit');
}

function cidrMatch(source: any): Record<string, unknown> {
  const text = String(source.value ?? '');
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const maskLen = Number(text.slice(slash + 1));
  const isIPv6 = address.includes(':');
  const bits = isIPv6 ? 128 : 32;
  if (slash < 0 || !Number.isInteger(maskLen) || maskLen < 0 || maskLen > bits || !validAddress(address, isIPv6)) {
    throw new PolicyError(`unable to translate rateLimit: invalid CIDR address: ${text}`);
  }
  const ip = isIPv6 ? address.toLowerCase() : address;
  return {
    cidr: `${maskedNetwork(ip, maskLen, isIPv6)}/${maskLen}`,
    distinct: source.type === 'Distinct',
    ip,
    isIPv6,
    maskLen,
  };
}

function validAddress(address: string, isIPv6: boolean): boolean {
  if (isIPv6) return /^[0-9a-fA-F:.]+$/.test(address) && address.split('::').length <= 2;
  const parts = address.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** The network address of `ip/maskLen` (IPv4 only; IPv6 networks are printed as given). */
function maskedNetwork(ip: string, maskLen: number, isIPv6: boolean): string {
  if (isIPv6) return ip;
  const value = ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const mask = maskLen === 0 ? 0 : (0xffffffff << (32 - maskLen)) >>> 0;
  const network = (value & mask) >>> 0;
  return [24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.');
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

function buildLoadBalancer(lb: any): LoadBalancer | undefined {
  const slowStart = lb.slowStart?.window !== undefined ? { slowStart: { window: duration(lb.slowStart.window) } } : {};
  switch (lb.type) {
    case 'ConsistentHash': {
      const hash: NonNullable<LoadBalancer['consistentHash']> = {};
      const spec = lb.consistentHash ?? {};
      if (spec.tableSize !== undefined) {
        if (spec.tableSize > maxConsistentHashTableSize || !isPrime(spec.tableSize)) {
          throw new PolicyError(`ConsistentHash: invalid TableSize value ${spec.tableSize}`);
        }
        hash.tableSize = spec.tableSize;
      }
      if (spec.type === 'SourceIP') hash.sourceIP = true;
      else if (spec.type === 'Header' && spec.header) hash.header = { name: spec.header.name };
      else if (spec.type === 'Cookie' && spec.cookie) {
        // Envoy refuses an empty cookie name.
        if (!spec.cookie.name) throw new PolicyError('consistent hash cookie name must not be empty');
        hash.cookie = { ...spec.cookie };
        if (spec.cookie.ttl !== undefined) hash.cookie!.ttl = duration(spec.cookie.ttl);
      }
      return { consistentHash: hash };
    }
    case 'LeastRequest':
      return { leastRequest: slowStart };
    case 'RoundRobin':
      return { roundRobin: slowStart };
    case 'Random':
      return { random: {} };
    default:
      return undefined;
  }
}

/**
 * The health checks with the CRD's defaults for absent fields, as the API server stores them:
 * Envoy requires the active thresholds and interval, and its own outlier detection defaults
 * (a 10 s interval, say) differ from the CRD's.
 */
function buildHealthCheck(healthCheck: any): HealthCheck {
  const result: HealthCheck = {};
  const passive = healthCheck.passive;
  if (passive) {
    result.passive = {
      baseEjectionTime: duration(passive.baseEjectionTime ?? '30s'),
      consecutive5XxErrors: passive.consecutive5XxErrors ?? 5,
      consecutiveGatewayErrors: passive.consecutiveGatewayErrors ?? 0,
      consecutiveLocalOriginFailures: passive.consecutiveLocalOriginFailures ?? 5,
      interval: duration(passive.interval ?? '3s'),
      maxEjectionPercent: passive.maxEjectionPercent ?? 10,
      splitExternalLocalOriginErrors: passive.splitExternalLocalOriginErrors ?? false,
    };
  }
  const active = healthCheck.active;
  if (active) {
    const irActive: NonNullable<HealthCheck['active']> = {
      healthyThreshold: active.healthyThreshold ?? 1,
      interval: duration(active.interval ?? '3s'),
      timeout: duration(active.timeout ?? '1s'),
      unhealthyThreshold: active.unhealthyThreshold ?? 3,
    };
    if (active.type === 'HTTP' && active.http) {
      const statuses = [...new Set<number>(active.http.expectedStatuses ?? [])].sort((a, b) => a - b);
      irActive.http = {
        path: active.http.path,
        method: active.http.method?.toUpperCase(),
        // With no expected statuses, only 200 counts as healthy.
        expectedStatuses: statuses.length ? statuses : [200],
        expectedResponse: payload(active.http.expectedResponse),
      };
    } else if (active.type === 'TCP' && active.tcp) {
      irActive.tcp = { send: payload(active.tcp.send), receive: payload(active.tcp.receive) };
    } else if (active.type === 'GRPC') {
      irActive.grpc = active.grpc?.service !== undefined ? { service: active.grpc.service } : {};
    }
    result.active = irActive;
  }
  return result;
}

function payload(spec: any): { text?: string; binary?: string } | undefined {
  if (!spec) return undefined;
  if (spec.type === 'Binary') return { binary: spec.binary };
  // Envoy refuses an empty text payload.
  if (spec.text === '') throw new PolicyError('health check payload text must not be empty');
  return { text: spec.text };
}

function buildCircuitBreaker(spec: any): CircuitBreaker {
  const result: CircuitBreaker = {};
  const fields = [
    ['maxConnections', 'MaxConnections'],
    ['maxPendingRequests', 'MaxPendingRequests'],
    ['maxParallelRequests', 'MaxParallelRequests'],
    ['maxParallelRetries', 'MaxParallelRetries'],
    ['maxRequestsPerConnection', 'MaxRequestsPerConnection'],
  ] as const;
  for (const [field, name] of fields) {
    const value = spec[field];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0 || value > maxUint32) throw new PolicyError(`invalid ${name} value ${value}`);
    result[field] = value;
  }
  return result;
}

function buildFaultInjection(spec: any): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (spec.delay) result.delay = { fixedDelay: duration(spec.delay.fixedDelay), percentage: spec.delay.percentage };
  if (spec.abort) {
    const abort: Record<string, unknown> = { percentage: spec.abort.percentage };
    if (spec.abort.grpcStatus !== undefined) abort.grpcStatus = spec.abort.grpcStatus;
    if (spec.abort.httpStatus !== undefined) abort.httpStatus = spec.abort.httpStatus;
    result.abort = abort;
  }
  return result;
}

function buildRetry(spec: any): Retry {
  const retry: Retry = {};
  if (spec.numRetries !== undefined) retry.numRetries = spec.numRetries;
  const on = spec.retryOn;
  if (on && (on.httpStatusCodes || on.triggers)) {
    retry.retryOn = {};
    if (on.httpStatusCodes) retry.retryOn.httpStatusCodes = [...on.httpStatusCodes];
    if (on.triggers) retry.retryOn.triggers = [...on.triggers];
  }
  const per = spec.perRetry;
  if (per) {
    const perRetry: Record<string, unknown> = {};
    if (per.timeout !== undefined) perRetry.timeout = duration(per.timeout);
    const backOff = per.backOff;
    if (backOff && (backOff.baseInterval !== undefined || backOff.maxInterval !== undefined)) {
      const policy: Record<string, string | undefined> = {};
      if (backOff.baseInterval !== undefined) policy.baseInterval = duration(backOff.baseInterval);
      if (backOff.maxInterval !== undefined) policy.maxInterval = duration(backOff.maxInterval);
      perRetry.backOff = policy;
    }
    if (Object.keys(perRetry).length) retry.perRetry = perRetry as Retry['perRetry'];
  }
  return retry;
}

function buildTimeout(spec: any): TrafficTimeout {
  const errors: string[] = [];
  const parse = (text: string | undefined, name: string): string | undefined => {
    if (text === undefined) return undefined;
    const normalized = normalizeGoDuration(text);
    if (normalized === undefined) errors.push(`invalid ${name} value ${text}`);
    return normalized;
  };
  const timeout: TrafficTimeout = {};
  if (spec.tcp?.connectTimeout !== undefined) {
    const connectTimeout = parse(spec.tcp.connectTimeout, 'ConnectTimeout');
    if (connectTimeout) timeout.tcp = { connectTimeout };
  }
  if (spec.http) {
    const http: NonNullable<TrafficTimeout['http']> = {};
    const idle = parse(spec.http.connectionIdleTimeout, 'ConnectionIdleTimeout');
    const max = parse(spec.http.maxConnectionDuration, 'MaxConnectionDuration');
    const request = parse(spec.http.requestTimeout, 'RequestTimeout');
    if (idle) http.connectionIdleTimeout = idle;
    if (max) http.maxConnectionDuration = max;
    if (request) http.requestTimeout = request;
    timeout.http = http;
  }
  if (errors.length) throw new PolicyError(errors.join('\n'));
  return timeout;
}

/** Timeouts the route itself sets (HTTPRoute rule timeouts) take precedence over the policy's. */
export function mergeTimeouts(policy: TrafficTimeout | undefined, route: TrafficTimeout | undefined): TrafficTimeout | undefined {
  if (!policy) return route && structuredClone(route);
  if (!route) return structuredClone(policy);
  const merged: TrafficTimeout = structuredClone(policy);
  if (route.tcp) merged.tcp = { ...merged.tcp, ...route.tcp };
  if (route.http) merged.http = { ...merged.http, ...route.http };
  return merged;
}

function buildDNS(spec: any): Record<string, unknown> {
  const dns: Record<string, unknown> = {};
  if (spec.dnsRefreshRate !== undefined) dns.dnsRefreshRate = duration(spec.dnsRefreshRate);
  if (spec.respectDnsTtl !== undefined) dns.respectDnsTtl = spec.respectDnsTtl;
  return dns;
}

/** Custom responses for upstream status codes; bodies may come from a ConfigMap. */
function buildResponseOverride(ctx: TranslationContext, policy: KubeObject): Record<string, unknown> {
  const name = `backendtrafficpolicy/${policy.metadata.namespace}/${policy.metadata.name}`;
  const rules = (policy.spec.responseOverride as any[]).map((override, index) => {
    const statusCodes = (override.match?.statusCodes ?? []).map((code: any) =>
      code.type === 'Range' ? { range: { start: code.range?.start, end: code.range?.end } } : { value: code.value },
    );
    const response: Record<string, unknown> = {};
    const contentType = override.response?.contentType;
    if (contentType !== undefined) {
      // Envoy refuses a header value with a line break or NUL.
      if (invalidHeaderValue.test(String(contentType))) throw new PolicyError(`content type ${JSON.stringify(contentType)} is not a valid header value`);
      response.contentType = contentType;
    }
    const body = override.response?.body;
    if (body?.valueRef) {
      const configMap = ctx.resources.get('ConfigMap', policy.metadata.namespace, body.valueRef.name);
      if (!configMap) throw new PolicyError(`can't find the referenced configmap ${body.valueRef.name}`);
      const data: Record<string, string> = configMap.data ?? {};
      // Without a response.body key, the ConfigMap's first value is used.
      const value = data['response.body'] ?? Object.values(data)[0];
      if (value === undefined) throw new PolicyError(`can't find the key response.body in the referenced configmap ${body.valueRef.name}`);
      response.body = value;
    } else if (body?.inline !== undefined) {
      response.body = body.inline;
    }
    return { match: { statusCodes }, name: `${name}/responseoverride/rule/${index}`, response };
  });
  return { name, rules };
}
