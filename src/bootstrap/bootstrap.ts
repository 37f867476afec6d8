import type { Json, XdsResources } from '../xds/resources.js';

export interface BootstrapOptions {
  adminAddress?: string;
  adminPort?: number;
}

export const defaultAdminPort = 19000;

/**
 * Rewrites a value tree, replacing every object for which `replace` returns a value.
 * Used to swap the dynamic (ADS) references of the xDS form for their static equivalents.
 */
function rewrite(value: unknown, replace: (object: Json) => Json | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => rewrite(item, replace));
  if (value === null || typeof value !== 'object') return value;
  const replaced = replace(value as Json);
  const source = replaced ?? (value as Json);
  const result: Json = {};
  for (const [key, item] of Object.entries(source)) result[key] = rewrite(item, replace);
  return result;
}

/**
 * The static bootstrap for one proxy: the same listeners, routes, clusters and secrets the
 * reference would serve over ADS, inlined so `envoy -c` runs it with no control plane.
 * Route configurations are inlined into their connection managers (with `validateClusters`
 * off, as RDS has it), EDS clusters become STATIC with their endpoints, SDS secrets are static.
 */
export function buildBootstrap(resources: XdsResources, options: BootstrapOptions = {}): Json {
  const routeConfigs = new Map(resources.routes.map((r) => [r.name, r]));
  const assignments = new Map(resources.endpoints.map((e) => [e.clusterName, e]));

  const inline = (object: Json): Json | undefined => {
    if (object.rds && typeof object.rds === 'object' && object.rds.routeConfigName !== undefined) {
      const { rds, ...rest } = object;
      const routeConfig = routeConfigs.get(rds.routeConfigName) ?? { name: rds.routeConfigName };
      return { ...rest, routeConfig: { ...routeConfig, validateClusters: false } };
    }
    if (object.sdsConfig !== undefined && typeof object.name === 'string' && Object.keys(object).length === 2) {
      return { name: object.name };
    }
    return undefined;
  };

  const listeners = resources.listeners.map((listener) => rewrite(listener, inline) as Json);
  const clusters = resources.clusters.map((cluster) => {
    if (cluster.type !== 'EDS') return rewrite(cluster, inline) as Json;
    const { edsClusterConfig, ...rest } = cluster;
    const assignment = assignments.get(edsClusterConfig?.serviceName ?? cluster.name) ?? { clusterName: cluster.name, endpoints: [] };
    return rewrite({ ...rest, type: 'STATIC', loadAssignment: assignment }, inline) as Json;
  });

  const staticResources: Json = { listeners, clusters };
  // The xDS form repeats a secret for every listener that uses it; static secrets must be unique.
  const secrets = [...new Map(resources.secrets.map((secret) => [secret.name, secret])).values()];
  if (secrets.length) staticResources.secrets = secrets;
  return {
    admin: {
      address: { socketAddress: { address: options.adminAddress ?? '127.0.0.1', portValue: options.adminPort ?? defaultAdminPort } },
    },
    staticResources,
  };
}
