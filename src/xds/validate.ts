import { descriptorProblem } from '../verify/proto-descriptor.js';
import { checkMessage } from '../verify/proto.js';
import type { Json } from './resources.js';

/** The xDS message type of each kind of resource we emit. */
export const resourceTypes = {
  listener: 'envoy.config.listener.v3.Listener',
  routeConfiguration: 'envoy.config.route.v3.RouteConfiguration',
  cluster: 'envoy.config.cluster.v3.Cluster',
  clusterLoadAssignment: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type ResourceKind = keyof typeof resourceTypes;

/**
 * Like the reference, which checks every resource against its protoc-gen-validate rules as it
 * adds it, a resource that breaks Envoy's rules (an empty listener address, an endpoint without a
 * host...) is an error: the message names the resource and the first offending field.
 */
export function validationError(kind: ResourceKind, resource: Json): string | undefined {
  let issues;
  try {
    issues = checkMessage(resourceTypes[kind], resource);
  } catch (error) {
    // Without the compiled Envoy protos (build/envoy-protos.json) there is nothing to check
    // against, which the xds stage reports once (XdsResult.uncheckedBecause). Any other failure
    // is the check's own, and no pass.
    if (descriptorProblem() !== undefined) return undefined;
    throw error;
  }
  if (!issues.length) return undefined;
  const name = resource.name ?? resource.clusterName ?? '';
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `validation failed for xds resource ${kind} "${name}": ${first.path || '(root)'}: ${first.message}${more}`;
}

/**
 * validationError for a route configuration whose routes may be shared with other route
 * configurations (see RouteBuilder): routes in `checkedRoutes` are known to pass and are not
 * walked again. A message's check does not depend on where it sits, and VirtualHost.routes has no
 * rules of its own, so the configuration passes exactly when the same configuration without its
 * checked routes passes; that is what is checked (the configuration itself when none of its
 * routes was checked before). On any issue, the whole configuration is checked as usual, so the
 * message is the one validationError gives.
 */
export function routeConfigurationError(config: Json, checkedRoutes: Set<object>): string | undefined {
  const hosts: unknown = config.virtualHosts;
  if (!Array.isArray(hosts) || 'virtual_hosts' in config) return validationError('routeConfiguration', config);
  let uncheckedHosts: Json[] | undefined;
  for (let index = 0; index < hosts.length; index++) {
    const host: unknown = hosts[index];
    if (!isPlainObject(host) || !Array.isArray(host.routes)) return validationError('routeConfiguration', config);
    let uncheckedRoutes: Json[] | undefined;
    const routes: unknown[] = host.routes;
    for (let at = 0; at < routes.length; at++) {
      const route = routes[at];
      if (!isPlainObject(route)) return validationError('routeConfiguration', config);
      if (checkedRoutes.has(route)) uncheckedRoutes ??= routes.slice(0, at) as Json[];
      else uncheckedRoutes?.push(route);
    }
    // Copies only where checked routes are left out.
    if (uncheckedRoutes) (uncheckedHosts ??= hosts.slice(0, index))[index] = { ...host, routes: uncheckedRoutes };
    else uncheckedHosts?.push(host);
  }
  const checked = uncheckedHosts ? { ...config, virtualHosts: uncheckedHosts } : config;
  const error = validationError('routeConfiguration', checked);
  if (error) return checked === config ? error : validationError('routeConfiguration', config);
  for (const host of checked.virtualHosts) for (const route of host.routes) checkedRoutes.add(route);
  return undefined;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}
