import type { HTTPListener, RouteDestination, TCPRoute, TrafficFeatures, Xds } from '../ir/types.js';
import { descriptorProblem } from '../verify/proto-descriptor.js';
import { buildCluster, type ClusterArgs } from './cluster.js';
import { addHttp3Listener } from './http3.js';
import { buildHttpFilters, filterResources, telemetryErrors } from './httpfilters.js';
import type { FilterOptions } from './filters/common.js';
import { wasmWithoutChecksum } from './filters/wasm.js';
import { applyPatchPolicies, type PatchFailure } from './jsonpatch.js';
import { addHttpFilterChain, addTcpFilterChains, addUdpListener, ListenerSet } from './listener.js';
import { EnvoyWouldRefuse, type Json, type RefusedPart, type XdsResources } from './resources.js';
import { RouteBuilder } from './route.js';
import { buildSecrets } from './tls.js';
import { checkResource, routeConfigurationCheck, type ResourceKind } from './validate.js';

/** Settings beyond the IR: where the rate-limit service listens, Wasm module fetching (see FilterOptions). */
export type XdsOptions = FilterOptions;

export interface XdsResult extends XdsResources {
  /**
   * Problems found while translating. The reference reports the same: resources that break
   * Envoy's validation rules are left out, the rest is still produced.
   */
  errors: string[];
  /**
   * Parts left out because Envoy would refuse what the input asks for (see the catalog's
   * EGC3014); the reference rejects the whole IR for each of them.
   */
  inputErrors: RefusedPart[];
  /** The IR's EnvoyPatchPolicies with the statuses their patches earned (when it has any). */
  envoyPatchPolicies?: Json[];
  /** The patches that could not be applied: problems of the input, reported on their policy. */
  patchFailures?: PatchFailure[];
  /**
   * Routes that are one object in several route configurations (see RouteBuilder): the YAML
   * writer copies their text instead of writing it again.
   */
  sharedRoutes: ReadonlySet<Json>;
  /**
   * Why the resources were not checked against Envoy's protos and validation rules (the
   * descriptor could not be read); undefined when they were.
   */
  uncheckedBecause?: string;
}

/** Collects resources by name: one destination used by many routes is one cluster. */
class NamedResources {
  private readonly names = new Set<string>();
  readonly items: Json[] = [];
  has(name: string): boolean {
    return this.names.has(name);
  }
  add(item: Json): boolean {
    const name = item.name ?? item.clusterName;
    if (this.names.has(name)) return false;
    this.names.add(name);
    this.items.push(item);
    return true;
  }
}

/** A TCP route's backend settings, in the shape HTTP routes keep them under `traffic`. */
function tcpTraffic(route: TCPRoute): TrafficFeatures {
  const { loadBalancer, proxyProtocol, healthCheck, circuitBreaker, tcpKeepalive, timeout, backendConnection, dns } = route;
  return { loadBalancer, proxyProtocol, healthCheck, circuitBreaker, tcpKeepalive, timeout, backendConnection, dns };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** IR of one proxy → the Envoy resources that implement it, in the reference's xDS form. Never throws. */
export function translateXds(xds: Xds, options: XdsOptions = {}): XdsResult {
  try {
    return translate(xds ?? {}, options);
  } catch (error) {
    return { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [], errors: [`the xds IR could not be translated: ${errorText(error)}`], inputErrors: [], sharedRoutes: new Set() };
  }
}

function translate(xds: Xds, options: XdsOptions): XdsResult {
  const listeners = new ListenerSet();
  const routeConfigs: Json[] = [];
  const routeConfigsByName = new Map<string, Json>();
  const clusters = new NamedResources();
  const endpoints = new NamedResources();
  // Listener secrets are added per listener, repeats included, as the reference does.
  const secrets: Json[] = [];
  // Names of the secrets in `secrets`, for the resources added once by name.
  const secretNames = new Set<string>();
  const addSecretOnce = (secret: Json) => {
    if (secretNames.has(secret.name)) return;
    secretNames.add(secret.name);
    secrets.push(secret);
  };
  const addListenerSecrets = (added: Json[]) => {
    for (const secret of added) {
      secretNames.add(secret.name);
      secrets.push(secret);
    }
  };
  const routes = new RouteBuilder();
  const lbEndpointsCache = new Map<object, Json[]>();
  const errors: string[] = [];
  const inputErrors = telemetryErrors(xds);
  const valid = (kind: ResourceKind, resource: Json): boolean => {
    const { error, refused } = checkResource(kind, resource);
    if (error) errors.push(error);
    if (refused) inputErrors.push({ message: refused });
    return !error && !refused;
  };

  const addDestination = (destination: RouteDestination | undefined, args: Omit<ClusterArgs, 'name' | 'settings'> = {}) => {
    if (!destination || clusters.has(destination.name)) return;
    let built: ReturnType<typeof buildCluster>;
    try {
      built = buildCluster({ name: destination.name, settings: destination.settings ?? [], metrics: xds.metrics, lbEndpointsCache, ...args });
    } catch (error) {
      if (!(error instanceof EnvoyWouldRefuse)) throw error;
      // Left out: routes to it answer 503 (route configurations do not check their clusters).
      inputErrors.push(error.leftOut(`cluster ${destination.name}`));
      return;
    }
    // An invalid endpoint assignment drops its cluster too: the reference adds the EDS
    // resource first and stops at its error.
    if (built.endpoints && !valid('clusterLoadAssignment', built.endpoints)) return;
    if (!valid('cluster', built.cluster)) return;
    clusters.add(built.cluster);
    if (built.endpoints) endpoints.add(built.endpoints);
    for (const secret of built.secrets) addSecretOnce(secret);
  };

  for (const listener of xds.http ?? []) {
    const unfetchable = wasmWithoutChecksum(listener);
    if (unfetchable !== undefined) {
      const url = unfetchable.httpWasmCode?.originalDownloadingURL ?? unfetchable.httpWasmCode?.servingURL;
      inputErrors.push({ message: `listener ${listener.name} is left out: Wasm module ${url} has no sha256, and Envoy fetches a remote module only with one`, about: unfetchable });
      continue;
    }
    const httpFilters = buildHttpFilters(listener, xds, options);
    addHttp3Listener(listeners, listener, xds, httpFilters);
    const { routeConfigName, created } = addHttpFilterChain(listeners, listener, xds, httpFilters);
    let routeConfig = routeConfigsByName.get(routeConfigName);
    if (created || !routeConfig) {
      routeConfig = { ignorePortInHostMatching: true, name: routeConfigName, virtualHosts: [] };
      routeConfigs.push(routeConfig);
      // Like a search from the start of the list, the first configuration of a name is found.
      if (!routeConfigsByName.has(routeConfigName)) routeConfigsByName.set(routeConfigName, routeConfig);
    }
    const onRouteError = (message: string) => errors.push(`listener ${listener.name}: ${message}`);
    const onRouteRefused = ({ message, about }: RefusedPart) => inputErrors.push({ message: `listener ${listener.name}: ${message}`, about });
    routes.virtualHosts(listener, routeConfig.virtualHosts, onRouteError, onRouteRefused, Boolean(xds.metrics?.enableVirtualHostStats));
    addRouteClusters(listener, clusters, addDestination);
    if (listener.tls) addListenerSecrets(buildSecrets(listener.tls));
  }
  for (const listener of xds.tcp ?? []) {
    addTcpFilterChains(listeners, listener, xds);
    for (const route of listener.routes ?? []) {
      addDestination(route.destination, { traffic: tcpTraffic(route) });
      // A TCP listener's secrets come with its terminating routes (the reference's TCP IR repeats them there).
      if (route.tls?.terminate) addListenerSecrets(buildSecrets(route.tls.terminate));
    }
  }
  for (const listener of xds.udp ?? []) {
    addUdpListener(listeners, listener, xds);
    addDestination(listener.route?.destination);
  }

  const extra = filterResources(xds, options);
  for (const cluster of extra.clusters) clusters.add(cluster);
  for (const assignment of extra.endpoints) endpoints.add(assignment);
  for (const secret of extra.secrets) addSecretOnce(secret);
  inputErrors.push(...extra.refused);

  // Routes shared by route configurations (see RouteBuilder) are checked once.
  const checkedRoutes = new Set<object>();
  const result: XdsResult = {
    listeners: listeners.listeners.filter((l) => valid('listener', l)),
    routes: routeConfigs.filter((r) => {
      const { error, refused } = routeConfigurationCheck(r, checkedRoutes);
      for (const message of refused) inputErrors.push({ message: `route configuration ${r.name}: ${message}` });
      if (error) errors.push(error);
      return !error;
    }),
    clusters: clusters.items,
    endpoints: endpoints.items,
    secrets: secrets.filter((s) => valid('secret', s)),
    errors,
    inputErrors,
    sharedRoutes: routes.shared,
    uncheckedBecause: descriptorProblem(),
  };
  if (xds.envoyPatchPolicies?.length) {
    const patched = applyPatchPolicies(xds, result);
    result.envoyPatchPolicies = patched.policies;
    if (patched.failures.length > 0) result.patchFailures = patched.failures;
  }
  return result;
}

const noMirrors: RouteDestination[] = [];

/** The clusters an HTTP listener's routes send traffic to, mirrors included. */
function addRouteClusters(
  listener: HTTPListener,
  clusters: NamedResources,
  addDestination: (destination: RouteDestination | undefined, args?: Omit<ClusterArgs, 'name' | 'settings'>) => void,
): void {
  for (const route of listener.routes ?? []) {
    // Most routes share their destination with routes before them: skip building the arguments.
    const destination = route.destination;
    if (destination && !clusters.has(destination.name)) {
      addDestination(destination, { traffic: route.traffic, http1: listener.http1, useClientProtocol: route.useClientProtocol });
    }
    for (const mirror of route.mirrors ?? noMirrors) addDestination(mirror);
  }
}

export type { HTTPListener };
