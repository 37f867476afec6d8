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
  } catch {
    // Without the compiled Envoy protos (build/envoy-protos.json) there is nothing to check
    // against; the verify stage reports that on its own.
    return undefined;
  }
  if (!issues.length) return undefined;
  const name = resource.name ?? resource.clusterName ?? '';
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `validation failed for xds resource ${kind} "${name}": ${first.path || '(root)'}: ${first.message}${more}`;
}
