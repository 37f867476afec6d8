import type { Json, XdsResources } from '../xds/resources.js';
import { rewrite, toStreamAccessLog, withInlineEndpoints } from './transform.js';
import { basicAuthFromFile, sdsFileConfigSource } from './secrets.js';

export interface BootstrapOptions {
  adminAddress?: string;
  adminPort?: number;
  /**
   * Refer to secrets as SDS files in this directory (see secrets.ts, which writes them) instead
   * of inlining them: the bootstrap then holds no key or password.
   */
  secretsDir?: string;
  /** The proxy's name: the node id and cluster Envoy requires once it reads secrets over SDS. */
  proxyName?: string;
}

export const defaultAdminPort = 19000;

/**
 * The static bootstrap for one proxy: the same listeners, routes, clusters and secrets the
 * reference would serve over ADS, inlined so `envoy -c` runs it with no control plane.
 * Route configurations are inlined into their connection managers (with `validateClusters`
 * off, as RDS has it), EDS clusters become STATIC with their endpoints, SDS secrets are static,
 * and access logs to /dev/stdout write to the descriptor rather than open the path.
 */
/**
 * Listeners Envoy would refuse for having nothing to serve: no filter chain at all (a TCP or TLS
 * listener no route attached to). Over xDS the reference's Envoy rejects just that listener; in
 * a static bootstrap it would stop Envoy from starting, so the bootstrap leaves them out.
 */
export function emptyListeners(resources: XdsResources): string[] {
  return resources.listeners
    .filter((l) => !l.defaultFilterChain && !l.filterChains?.length && !l.listenerFilters?.length)
    .map((l) => l.name as string);
}

export function buildBootstrap(resources: XdsResources, options: BootstrapOptions = {}): Json {
  const empty = new Set(emptyListeners(resources));
  const routeConfigs = new Map(resources.routes.map((r) => [r.name, r]));
  const assignments = new Map(resources.endpoints.map((e) => [e.clusterName, e]));

  // Route tables and endpoint assignments are most of a bootstrap, and nothing in them changes
  // (endpoints hold only addresses; a route table only a basic auth users file, with
  // secretsDir): they are inlined without a walk through them.
  const unchanged = new Set<Json>(resources.endpoints);
  const inline = (object: Json): Json | undefined => {
    if (unchanged.has(object)) return object;
    if (object.rds && typeof object.rds === 'object' && object.rds.routeConfigName !== undefined) {
      const { rds, ...rest } = object;
      const routeConfig = { ...(routeConfigs.get(rds.routeConfigName) ?? { name: rds.routeConfigName }), validateClusters: false };
      if (!options.secretsDir) unchanged.add(routeConfig);
      return { ...rest, routeConfig };
    }
    if (object.sdsConfig !== undefined && typeof object.name === 'string' && Object.keys(object).length === 2) {
      return options.secretsDir ? { name: object.name, sdsConfig: sdsFileConfigSource(options.secretsDir, object.name) } : { name: object.name };
    }
    return (options.secretsDir ? basicAuthFromFile(object, options.secretsDir) : undefined) ?? toStreamAccessLog(object);
  };

  const listeners = resources.listeners.filter((l) => !empty.has(l.name)).map((listener) => rewrite(listener, inline) as Json);
  const clusters = resources.clusters.map((cluster) => rewrite(withInlineEndpoints(cluster, assignments), inline) as Json);

  const staticResources: Json = { listeners, clusters };
  // The xDS form repeats a secret for every listener that uses it; static secrets must be unique.
  const secrets = [...new Map(resources.secrets.map((secret) => [secret.name, secret])).values()];
  if (secrets.length && !options.secretsDir) staticResources.secrets = secrets;
  const node = options.secretsDir ? { node: { id: options.proxyName ?? 'egc', cluster: options.proxyName ?? 'egc' } } : {};
  return {
    ...node,
    admin: {
      address: { socketAddress: { address: options.adminAddress ?? '127.0.0.1', portValue: options.adminPort ?? defaultAdminPort } },
    },
    staticResources,
  };
}
