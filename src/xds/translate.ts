import type { HTTPListener, RouteDestination, Xds } from '../ir/types.js';
import { buildCluster, isHTTP2Destination } from './cluster.js';
import { buildHttpFilters, filterResources } from './httpfilters.js';
import { addHttpFilterChain, addTcpFilterChains, addUdpListener, ListenerSet } from './listener.js';
import type { Json, XdsResources } from './resources.js';
import { buildVirtualHosts } from './route.js';
import { buildSecrets } from './tls.js';

export interface XdsOptions {
  /** Where the global rate-limit service listens, as a grpc:// URL. */
  rateLimitServiceUrl?: string;
  dnsDomain?: string;
}

export interface XdsResult extends XdsResources {
  /** Problems that make the IR untranslatable (the reference rejects the whole IR for these). */
  errors: string[];
}

/** Collects clusters, endpoints and secrets by name: one destination used by many routes is one cluster. */
class NamedResources {
  private readonly names = new Set<string>();
  readonly items: Json[] = [];
  add(item: Json): boolean {
    if (this.names.has(item.name ?? item.clusterName)) return false;
    this.names.add(item.name ?? item.clusterName);
    this.items.push(item);
    return true;
  }
}

/** IR of one proxy → the Envoy resources that implement it, in the reference's xDS form. */
export function translateXds(xds: Xds, _options: XdsOptions = {}): XdsResult {
  const listeners = new ListenerSet();
  const routeConfigs: Json[] = [];
  const clusters = new NamedResources();
  const endpoints = new NamedResources();
  const secrets = new NamedResources();
  const errors: string[] = [];

  const addDestination = (destination: RouteDestination | undefined, http2 = false) => {
    if (!destination) return;
    const built = buildCluster({ name: destination.name, settings: destination.settings ?? [], http2: http2 || isHTTP2Destination(destination) });
    if (clusters.add(built.cluster) && built.endpoints) endpoints.add(built.endpoints);
  };

  for (const listener of xds.http ?? []) {
    const { routeConfigName, created } = addHttpFilterChain(listeners, listener, xds, buildHttpFilters(listener, xds));
    let routeConfig = routeConfigs.find((r) => r.name === routeConfigName);
    if (created || !routeConfig) {
      routeConfig = { ignorePortInHostMatching: true, name: routeConfigName, virtualHosts: [] };
      routeConfigs.push(routeConfig);
    }
    buildVirtualHosts(routeConfigName, listener.routes ?? [], routeConfig.virtualHosts);
    for (const route of listener.routes ?? []) {
      if (route.destination && !route.redirect && !(route.directResponse && !route.destination.settings?.length)) addDestination(route.destination, route.isHTTP2);
      for (const mirror of route.mirrors ?? []) addDestination(mirror);
    }
    if (listener.tls) for (const secret of buildSecrets(listener.tls)) secrets.add(secret);
  }
  for (const listener of xds.tcp ?? []) {
    addTcpFilterChains(listeners, listener, xds);
    for (const route of listener.routes ?? []) {
      addDestination(route.destination);
      if (route.tls?.terminate) for (const secret of buildSecrets(route.tls.terminate)) secrets.add(secret);
    }
    if (listener.tls) for (const secret of buildSecrets(listener.tls)) secrets.add(secret);
  }
  for (const listener of xds.udp ?? []) {
    addUdpListener(listeners, listener, xds);
    addDestination(listener.route?.destination);
  }

  const extra = filterResources(xds);
  for (const cluster of extra.clusters) clusters.add(cluster);
  for (const secret of extra.secrets) secrets.add(secret);

  return {
    listeners: listeners.listeners,
    routes: routeConfigs,
    clusters: clusters.items,
    endpoints: endpoints.items,
    secrets: secrets.items,
    errors,
  };
}

export type { HTTPListener };
