import type { HTTPListener, HTTPRoute } from '../../ir/types.js';
import { any, EnvoyWouldRefuse, wrapToUint32, type Json } from '../resources.js';
import { routesOf, type HttpFilterFeature } from './common.js';
import { descriptorKey, headerActions, cidrActions, type RateLimitRule } from './ratelimit.js';

export const localRateLimitFilterName = 'envoy.filters.http.local_ratelimit';
const statPrefix = 'http_local_rate_limiter';
const localRateLimitType = 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';

interface LocalRateLimit {
  default?: { requests: number; unit: string };
  rules?: RateLimitRule[];
}

function localOf(route: HTTPRoute): LocalRateLimit | undefined {
  return (route.traffic as { rateLimit?: { local?: LocalRateLimit } } | undefined)?.rateLimit?.local;
}

const unitSeconds: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };

function tokenBucket(limit: { requests: number; unit: string }): Json {
  // The API's count is a Go uint, which the reference converts to a uint32.
  const tokens = wrapToUint32(limit.requests);
  if (tokens === 0) throw new EnvoyWouldRefuse(`its local rate limit allows 0 requests per ${limit.unit.toLowerCase()}, and Envoy refuses a token bucket without tokens`, limit);
  return { fillInterval: `${unitSeconds[limit.unit.toLowerCase()] ?? 1}s`, maxTokens: tokens, tokensPerFill: tokens };
}

/** Descriptor entries that must equal the ones the route's rate-limit actions produce. */
function descriptorEntries(rule: RateLimitRule, ruleIndex: number): Json[] {
  const entries: Json[] = (rule.headerMatches ?? []).map((header, matchIndex) => {
    const key = descriptorKey(ruleIndex, matchIndex);
    // A distinct header counts per value: the entry names the key and leaves the value open.
    return header.distinct ? { key } : { key, value: key };
  });
  if (rule.cidrMatch) {
    entries.push({ key: 'masked_remote_address', value: rule.cidrMatch.cidr });
    if (rule.cidrMatch.distinct) entries.push({ key: 'remote_address' });
  }
  return entries;
}

export const localRateLimitFeature: HttpFilterFeature = {
  routeFields: ['traffic'],
  listenerFilters(listener: HTTPListener): Json[] {
    if (!routesOf(listener).some((r) => localOf(r))) return [];
    return [{ name: localRateLimitFilterName, typedConfig: any(localRateLimitType, { statPrefix }) }];
  },
  routeConfig(route) {
    const local = localOf(route);
    if (!local?.default) return undefined;
    const config: Json = { alwaysConsumeDefaultTokenBucket: false };
    const descriptors = (local.rules ?? []).map((rule, index) => ({ entries: descriptorEntries(rule, index), tokenBucket: tokenBucket(rule.limit) }));
    if (descriptors.length) config.descriptors = descriptors;
    Object.assign(config, {
      filterEnabled: { defaultValue: { numerator: 100 } },
      filterEnforced: { defaultValue: { numerator: 100 } },
      statPrefix,
      tokenBucket: tokenBucket(local.default),
    });
    return { [localRateLimitFilterName]: any(localRateLimitType, config) };
  },
  routeAction(route) {
    const rules = localOf(route)?.rules ?? [];
    if (!rules.length) return undefined;
    return { rateLimits: rules.map((rule, index) => ({ actions: [...headerActions(rule, index), ...cidrActions(rule.cidrMatch)] })) };
  },
};
