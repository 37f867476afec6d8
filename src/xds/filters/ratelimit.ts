import type { HTTPListener, HTTPRoute, StringMatch, Xds } from '../../ir/types.js';
import { buildCluster } from '../cluster.js';
import { any, type Json } from '../resources.js';
import { addCluster, routesOf, stringMatcher, type FilterOptions, type FilterResources, type HttpFilterFeature } from './common.js';

export const rateLimitFilterName = 'envoy.filters.http.ratelimit';
/** The cluster of the global rate-limit service, shared by every listener. */
export const rateLimitClusterName = 'ratelimit_cluster';

export interface CIDRMatch {
  cidr: string;
  ip?: string;
  maskLen: number;
  isIPv6?: boolean;
  distinct?: boolean;
}

export interface RateLimitRule {
  headerMatches?: StringMatch[];
  cidrMatch?: CIDRMatch;
  limit: { requests: number; unit: string };
}

interface GlobalRateLimit {
  rules?: RateLimitRule[];
}

function globalOf(route: HTTPRoute): GlobalRateLimit | undefined {
  return (route.traffic as { rateLimit?: { global?: GlobalRateLimit } } | undefined)?.rateLimit?.global;
}

/** The descriptor key of one match of one rule: it ties the route's actions to the service's config. */
export function descriptorKey(rule: number, match: number): string {
  return `rule-${rule}-match-${match}`;
}

/** Rate-limit actions of one rule's header matches: distinct headers count per value, others per match. */
export function headerActions(rule: RateLimitRule, ruleIndex: number): Json[] {
  return (rule.headerMatches ?? []).map((header, matchIndex) => {
    const key = descriptorKey(ruleIndex, matchIndex);
    if (header.distinct) return { requestHeaders: { descriptorKey: key, headerName: header.name } };
    return {
      headerValueMatch: {
        descriptorKey: key,
        descriptorValue: key,
        expectMatch: !header.invert,
        headers: [{ name: header.name, stringMatch: stringMatcher(header) }],
      },
    };
  });
}

/** The action that buckets clients by the rule's CIDR (and, when distinct, by address). */
export function cidrActions(cidr: CIDRMatch | undefined): Json[] {
  if (!cidr) return [];
  const ipv6 = cidr.isIPv6 ?? cidr.cidr.includes(':');
  const actions: Json[] = [{ maskedRemoteAddress: ipv6 ? { v6PrefixMaskLen: cidr.maskLen } : { v4PrefixMaskLen: cidr.maskLen } }];
  if (cidr.distinct) actions.push({ remoteAddress: {} });
  return actions;
}

function routeRateLimits(route: HTTPRoute, global: GlobalRateLimit): Json[] {
  return (global.rules ?? []).map((rule, ruleIndex) => {
    const actions: Json[] = [{ genericKey: { descriptorKey: route.name, descriptorValue: route.name } }];
    actions.push(...headerActions(rule, ruleIndex), ...cidrActions(rule.cidrMatch));
    // A rule that matches everything still needs a descriptor of its own.
    if (!rule.headerMatches?.length && !rule.cidrMatch) {
      const key = descriptorKey(ruleIndex, -1);
      actions.push({ genericKey: { descriptorKey: key, descriptorValue: key } });
    }
    return { actions };
  });
}

export const rateLimitFeature: HttpFilterFeature = {
  routeFields: ['traffic'],
  listenerFilters(listener: HTTPListener): Json[] {
    if (!routesOf(listener).some((r) => globalOf(r))) return [];
    const config: Json = {
      domain: listener.name,
      rateLimitService: { grpcService: { envoyGrpc: { clusterName: rateLimitClusterName } }, transportApiVersion: 'V3' },
    };
    const headers = listener.headers as { disableRateLimitHeaders?: boolean } | undefined;
    if (!headers?.disableRateLimitHeaders) config.enableXRatelimitHeaders = 'DRAFT_VERSION_03';
    return [{ name: rateLimitFilterName, typedConfig: any('envoy.extensions.filters.http.ratelimit.v3.RateLimit', config) }];
  },
  routeAction(route) {
    const global = globalOf(route);
    return global?.rules?.length ? { rateLimits: routeRateLimits(route, global) } : undefined;
  },
  resources(xds: Xds, options: FilterOptions, out: FilterResources) {
    if (!options.rateLimitServiceUrl || !(xds.http ?? []).some((listener) => routesOf(listener).some((route) => globalOf(route)))) return;
    const url = new URL(options.rateLimitServiceUrl);
    const settings = [{ endpoints: [{ host: url.hostname, port: Number(url.port) }], addressType: 'FQDN' as const, weight: 1 }];
    // The rate-limit service is reached over mTLS with the certificates mounted into the proxy.
    const extra: Json = {
      transportSocket: {
        name: 'envoy.transport_sockets.tls',
        typedConfig: any('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', {
          commonTlsContext: {
            tlsCertificates: [{ certificateChain: { filename: '/certs/tls.crt' }, privateKey: { filename: '/certs/tls.key' } }],
            validationContext: { trustedCa: { filename: '/certs/ca.crt' } },
          },
        }),
      },
    };
    addCluster(out, buildCluster({ name: rateLimitClusterName, settings, http2: true, metrics: xds.metrics, extra }));
  },
};
