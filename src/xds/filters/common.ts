import type { DestinationSetting, HTTPListener, HTTPRoute, StringMatch, TrafficFeatures, Xds } from '../../ir/types.js';
import { buildCluster, type BuiltCluster } from '../cluster.js';
import { adsConfigSource, any, EnvoyWouldRefuse, type Json, type RefusedPart } from '../resources.js';

/** Settings the filters need beyond the IR. */
export interface FilterOptions {
  /** Where the global rate-limit service listens, as a grpc:// URL. */
  rateLimitServiceUrl?: string;
  dnsDomain?: string;
  /**
   * The cluster of Envoy Gateway's Wasm module cache (the reference's bootstrap has one named
   * `wasm_cluster`): when set, Envoy fetches remote Wasm modules from that cache at the IR's
   * serving URL, as under Envoy Gateway. Unset, Envoy fetches each module from its own URL.
   */
  wasmCacheCluster?: string;
}

/** Extra resources a filter needs: clusters for its services, secrets for its credentials. */
export interface FilterResources {
  clusters: Json[];
  endpoints: Json[];
  secrets: Json[];
  /** Clusters left out because Envoy would refuse their settings (see translate.ts addDestination). */
  refused: RefusedPart[];
}

/**
 * One HTTP filter feature. `listenerFilters` returns the connection manager filters one IR
 * listener needs (none when no route uses the feature); the route hooks return what each route
 * adds: per-filter config and fields of the route action.
 */
export interface HttpFilterFeature {
  listenerFilters(listener: HTTPListener, xds: Xds, options: FilterOptions): Json[];
  /**
   * The IR route fields the route hooks look at (required with them). A route where none of
   * them is set (truthy) gets nothing from the hooks, so most routes skip the features at once.
   */
  routeFields?: readonly (keyof HTTPRoute)[];
  routeConfig?(route: HTTPRoute): Record<string, Json> | undefined;
  routeAction?(route: HTTPRoute): Json | undefined;
  resources?(xds: Xds, options: FilterOptions, out: FilterResources): void;
}

/** Per-route config that turns on a filter the connection manager carries disabled. */
export function enableFilter(): Json {
  return any('envoy.config.route.v3.FilterConfig', { config: {} });
}

export function routesOf(listener: HTTPListener): HTTPRoute[] {
  return listener.routes ?? [];
}

/**
 * What `itemsOf` gives for each route of the proxy, in route order (for most features, nothing
 * for most routes). Every filter feature looks at every route, the first proxy's before V8 has
 * optimised the loop; indexed loops, unlike for-of, allocate nothing per step meanwhile.
 */
export function routeItems<T>(xds: Xds, itemsOf: (route: HTTPRoute) => readonly T[]): T[] {
  const found: T[] = [];
  const listeners = xds.http ?? [];
  for (let listener = 0; listener < listeners.length; listener++) {
    const routes = routesOf(listeners[listener]);
    for (let route = 0; route < routes.length; route++) {
      const items = itemsOf(routes[route]);
      for (let item = 0; item < items.length; item++) found.push(items[item]);
    }
  }
  return found;
}

/** What a route's policy accessor returns for a route without the policy (never mutated). */
export const noPolicies: never[] = [];

/** An IR string match as an Envoy StringMatcher. */
export function stringMatcher(match: StringMatch): Json {
  if (match.exact !== undefined) return { exact: match.exact };
  if (match.prefix !== undefined) return { prefix: match.prefix };
  if (match.suffix !== undefined) return { suffix: match.suffix };
  if (match.contains !== undefined) return { contains: match.contains };
  if (match.safeRegex !== undefined) return { safeRegex: { regex: match.safeRegex } };
  return {};
}

function isIP(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':');
}

/** Host and port of an http(s) URL, with the scheme's default port. */
export function urlHostPort(url: string): { host: string; port: number; tls: boolean } {
  const parsed = new URL(url);
  const tls = parsed.protocol === 'https:';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = parsed.port ? Number(parsed.port) : tls ? 443 : 80;
  return { host, port, tls };
}

/** The cluster name the reference derives from a service URL's host and port. */
export function urlClusterName(url: string): string {
  const { host, port } = urlHostPort(url);
  return `${host.replaceAll('.', '_')}_${port}`;
}

/** Upstream TLS checked against the system trust store, for https service URLs. */
export function systemTrustTls(sni: string): Json {
  return {
    name: 'envoy.transport_sockets.tls',
    typedConfig: any('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', {
      commonTlsContext: { validationContext: { trustedCa: { filename: '/etc/ssl/certs/ca-certificates.crt' } } },
      sni,
    }),
  };
}

/** Adds a cluster (with its EDS endpoints and secrets) unless one of that name exists. */
export function addCluster(out: FilterResources, built: BuiltCluster): void {
  if (out.clusters.some((c) => c.name === built.cluster.name)) return;
  out.clusters.push(built.cluster);
  if (built.endpoints) out.endpoints.push(built.endpoints);
  for (const secret of built.secrets) if (!out.secrets.some((s) => s.name === secret.name)) out.secrets.push(secret);
}

/** The cluster of a service reached by URL (JWKS, OAuth2 token endpoint). */
export function addUrlCluster(out: FilterResources, url: string, xds: Xds): string {
  const { host, port, tls } = urlHostPort(url);
  const name = urlClusterName(url);
  const settings: DestinationSetting[] = [{ endpoints: [{ host, port }], addressType: isIP(host) ? 'IP' : 'FQDN', weight: 1 }];
  addCluster(out, buildCluster({ name, settings, metrics: xds.metrics, extra: tls ? { transportSocket: systemTrustTls(host) } : undefined }));
  return name;
}

export interface ServiceDestination {
  name: string;
  settings?: DestinationSetting[];
}

/**
 * The cluster of an IR destination a filter or telemetry sink calls (ext_authz, ext_proc, OIDC
 * provider, tracing and log collectors). `dns` resolves every endpoint by DNS, as the reference
 * does for telemetry backends whatever their address type.
 */
export function addDestinationCluster(
  out: FilterResources,
  destination: ServiceDestination,
  xds: Xds,
  options: { grpc?: boolean; traffic?: TrafficFeatures; dns?: boolean } = {},
): void {
  let settings = destination.settings ?? [];
  if (options.dns) settings = settings.map((s) => ({ ...s, addressType: 'FQDN' as const }));
  try {
    addCluster(out, buildCluster({ name: destination.name, settings, http2: options.grpc, traffic: options.traffic, metrics: xds.metrics }));
  } catch (error) {
    if (!(error instanceof EnvoyWouldRefuse)) throw error;
    out.refused.push(error.leftOut(`cluster ${destination.name}`));
  }
}

export { adsConfigSource };

/**
 * Filters that exist once per policy (ext_authz, oauth2, ext_proc, wasm, custom_response) have no
 * per-route config of their own: the listener carries one disabled filter per policy, named
 * `type/policy`, in order of first use, and each route turns on the ones its policies attach.
 */
export function perPolicyFilters<T extends { name: string }>(listener: HTTPListener, type: string, policiesOf: (route: HTTPRoute) => T[], build: (policy: T) => Json): Json[] {
  const seen = new Set<string>();
  const filters: Json[] = [];
  // Indexed: see routeItems.
  const routes = routesOf(listener);
  for (let route = 0; route < routes.length; route++) {
    const policies = policiesOf(routes[route]);
    for (let index = 0; index < policies.length; index++) {
      const policy = policies[index];
      if (seen.has(policy.name)) continue;
      seen.add(policy.name);
      filters.push({ disabled: true, name: `${type}/${policy.name}`, typedConfig: build(policy) });
    }
  }
  return filters;
}

/** The per-route entries that turn on a route's per-policy filters. */
export function perPolicyRouteConfig<T extends { name: string }>(route: HTTPRoute, type: string, policiesOf: (route: HTTPRoute) => T[]): Record<string, Json> | undefined {
  const policies = policiesOf(route);
  if (!policies.length) return undefined;
  const config: Record<string, Json> = {};
  for (const policy of policies) config[`${type}/${policy.name}`] = enableFilter();
  return config;
}
