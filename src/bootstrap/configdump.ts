import type { Json, XdsResources } from '../xds/resources.js';
import { any } from '../xds/resources.js';

export type ResourceType = 'listener' | 'route' | 'cluster' | 'endpoint' | 'secret' | 'all';

/**
 * The Envoy resources in the shape of Envoy's admin config dump (what `egctl x translate --to xds`
 * prints): one dump message per resource type, resources listed as dynamically served.
 */
export function configDump(resources: XdsResources, type: ResourceType): Json {
  const configs: Json[] = [];
  const want = (t: ResourceType) => type === 'all' || type === t;
  if (want('listener')) {
    configs.push(any('envoy.admin.v3.ListenersConfigDump', { dynamicListeners: resources.listeners.map((listener) => ({ activeState: { listener: any('envoy.config.listener.v3.Listener', listener) }, name: listener.name })) }));
  }
  if (want('route')) {
    configs.push(any('envoy.admin.v3.RoutesConfigDump', { dynamicRouteConfigs: resources.routes.map((route) => ({ routeConfig: any('envoy.config.route.v3.RouteConfiguration', route) })) }));
  }
  if (want('cluster')) {
    configs.push(any('envoy.admin.v3.ClustersConfigDump', { dynamicActiveClusters: resources.clusters.map((cluster) => ({ cluster: any('envoy.config.cluster.v3.Cluster', cluster) })) }));
  }
  if (want('endpoint')) {
    configs.push(any('envoy.admin.v3.EndpointsConfigDump', { dynamicEndpointConfigs: resources.endpoints.map((endpoint) => ({ endpointConfig: any('envoy.config.endpoint.v3.ClusterLoadAssignment', endpoint) })) }));
  }
  if (want('secret')) {
    configs.push(any('envoy.admin.v3.SecretsConfigDump', { dynamicActiveSecrets: resources.secrets.map((secret) => ({ name: secret.name, secret: any('envoy.extensions.transport_sockets.tls.v3.Secret', secret) })) }));
  }
  return { configs };
}
