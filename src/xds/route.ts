import type { AddHeader, DestinationFilters, DestinationSetting, HTTPListener, HTTPRoute, ResourceMetadata } from '../ir/types.js';
import { stringMatcher } from './filters/common.js';
import { protoDuration } from './duration.js';
import { altSvcHeader } from './http3.js';
import { routeActionFilterFields, routeFilterConfig, routeUsesFilters } from './httpfilters.js';
import { routeHashPolicy } from './loadbalancer.js';
import { EnvoyWouldRefuse, type Json, type RefusedPart } from './resources.js';
import { retryPolicy } from './retry.js';

/** The cluster a share of traffic goes to when its backendRef could not be resolved. */
export const invalidBackendCluster = 'invalid-backend-cluster';

/** A path prefix without its trailing slashes (Gateway API prefixes match whole segments). */
function trimTrailingSlashes(prefix: string): string {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 47 /* '/' */) end--;
  return end === prefix.length ? prefix : prefix.slice(0, end);
}

function routeMatch(route: HTTPRoute): Json {
  const match: Json = {};
  const path = route.pathMatch;
  if (path?.exact !== undefined) match.path = path.exact;
  else if (path?.safeRegex !== undefined) match.safeRegex = { regex: path.safeRegex };
  else if (path?.prefix !== undefined && path.prefix !== '/') {
    // A prefix matches whole path segments in Gateway API: /foo matches /foo/bar, not /foobar.
    match.pathSeparatedPrefix = trimTrailingSlashes(path.prefix);
  } else match.prefix = '/';
  const headerMatches = route.headerMatches;
  if (headerMatches?.length) {
    const headers: Json[] = [];
    for (const h of headerMatches) {
      const header: Json = { name: h.name, stringMatch: stringMatcher(h) };
      if (h.invert) header.invertMatch = true;
      headers.push(header);
    }
    match.headers = headers;
  }
  const queryMatches = route.queryParamMatches;
  if (queryMatches?.length) {
    const queryParameters: Json[] = [];
    for (const q of queryMatches) queryParameters.push({ name: q.name, stringMatch: stringMatcher(q) });
    match.queryParameters = queryParameters;
  }
  return match;
}

function headersToAdd(headers: AddHeader[]): Json[] {
  const result: Json[] = [];
  for (const header of headers) {
    const values = header.value;
    if (!values.length) result.push(headerOption(header, ''));
    else for (const value of values) result.push(headerOption(header, value));
  }
  return result;
}

function headerOption(header: AddHeader, value: string): Json {
  const option: Json = {};
  if (!header.append) option.appendAction = 'OVERWRITE_IF_EXISTS_OR_ADD';
  if (value === '') {
    option.header = { key: header.name };
    option.keepEmptyValue = true;
  } else option.header = { key: header.name, value };
  return option;
}

function redirectAction(route: HTTPRoute): Json {
  const redirect = route.redirect!;
  const action: Json = {};
  if (redirect.scheme) action.schemeRedirect = redirect.scheme;
  if (redirect.hostname) action.hostRedirect = redirect.hostname;
  // The scheme's own port is implied: redirecting https to :443 prints no port.
  const schemePort = redirect.scheme === 'https' ? 443 : redirect.scheme === 'http' ? 80 : undefined;
  if (redirect.port !== undefined && redirect.port !== null && redirect.port !== schemePort) action.portRedirect = redirect.port;
  const path = redirect.path;
  if (path?.fullReplace != null) action.pathRedirect = path.fullReplace;
  else if (path?.prefixMatchReplace != null) {
    const prefix = route.pathMatch?.prefix;
    if (path.prefixMatchReplace === '/' && prefix !== undefined && prefix !== '/') {
      // Replacing a prefix with "/" must not leave a double slash behind.
      action.regexRewrite = { pattern: { regex: `^${prefix}\\/*` }, substitution: '/' };
    } else action.prefixRewrite = path.prefixMatchReplace;
  }
  if (redirect.statusCode === 301) action.responseCode = 'MOVED_PERMANENTLY';
  else if (redirect.statusCode === 302) action.responseCode = 'FOUND';
  return action;
}

function applyRewrite(route: HTTPRoute, action: Json): void {
  const rewrite = route.urlRewrite;
  if (!rewrite) return;
  const path = rewrite.path;
  if (path?.fullReplace != null) action.regexRewrite = { pattern: { regex: '^/.*$' }, substitution: path.fullReplace };
  else if (path?.prefixMatchReplace != null) {
    const prefix = route.pathMatch?.prefix;
    if (path.prefixMatchReplace === '/' && prefix !== undefined && prefix !== '/') {
      action.regexRewrite = { pattern: { regex: `^${prefix}\\/*` }, substitution: '/' };
    } else action.prefixRewrite = path.prefixMatchReplace;
  } else if (path?.regexMatchReplace) {
    action.regexRewrite = { pattern: { regex: path.regexMatchReplace.pattern }, substitution: path.regexMatchReplace.substitution };
  }
  const host = rewrite.host;
  if (host?.name) {
    action.appendXForwardedHost = true;
    action.hostRewriteLiteral = host.name;
  } else if (host?.header) {
    action.appendXForwardedHost = true;
    action.hostRewriteHeader = host.header;
  } else if (host?.backend) {
    action.appendXForwardedHost = true;
    action.autoHostRewrite = true;
  }
}

/** Weights of the shares that reach a backend and of those that must fail. */
export function backendWeights(route: HTTPRoute): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  for (const setting of route.destination?.settings ?? []) {
    if (setting.endpoints === undefined && !setting.isDynamicResolver) invalid += setting.weight ?? 0;
    else valid += setting.weight ?? 0;
  }
  return { valid, invalid };
}

/** Header changes of one backendRef's share, as weighted-cluster fields added to `cluster`. */
function addDestinationHeaderFields(cluster: Json, filters: DestinationFilters): void {
  if (filters.addRequestHeaders?.length) cluster.requestHeadersToAdd = headersToAdd(filters.addRequestHeaders);
  if (filters.removeRequestHeaders?.length) cluster.requestHeadersToRemove = filters.removeRequestHeaders.slice();
  if (filters.addResponseHeaders?.length) cluster.responseHeadersToAdd = headersToAdd(filters.addResponseHeaders);
  if (filters.removeResponseHeaders?.length) cluster.responseHeadersToRemove = filters.removeResponseHeaders.slice();
}

/**
 * Where the route sends traffic. Weighted clusters carry what a plain cluster cannot: the share
 * that must fail (unresolvable backendRefs, to `invalid-backend-cluster`) and per-backendRef
 * header filters. Like the reference (v1.2.0), shares of valid backendRefs without filters get
 * no weighted cluster then, so a rule with any unresolvable backendRef answers 500 throughout.
 */
function clusterSpecifier(route: HTTPRoute): Json {
  const destination = route.destination!;
  const settings = destination.settings ?? noSettings;
  let filtered = false;
  for (const setting of settings) {
    if (setting.filters !== undefined && setting.filters !== null) {
      filtered = true;
      break;
    }
  }
  const invalid = (route.backendWeights ?? backendWeights(route)).invalid;
  if (invalid <= 0 && !filtered) return { cluster: destination.name };
  const clusters: Json[] = [];
  if (invalid > 0) clusters.push({ name: invalidBackendCluster, weight: invalid });
  for (const setting of settings) {
    if (setting.filters === undefined || setting.filters === null) continue;
    const cluster: Json = { name: destination.name, weight: setting.weight ?? 1 };
    addDestinationHeaderFields(cluster, setting.filters);
    clusters.push(cluster);
  }
  return { clusterNotFoundResponseCode: 'INTERNAL_SERVER_ERROR', weightedClusters: { clusters } };
}

const noSettings: DestinationSetting[] = [];

// Constant parts of every forwarding route, shared by all of them (nothing mutates emitted
// resources: patches and the bootstrap rewrite copy what they change).
const websocketUpgrade: Json[] = [{ upgradeType: 'websocket' }];

function forwardAction(route: HTTPRoute): Json {
  const action: Json = clusterSpecifier(route);
  if (route.urlRewrite) applyRewrite(route, action);
  const mirrors = route.mirrors;
  if (mirrors?.length) {
    const policies: Json[] = [];
    for (const mirror of mirrors) policies.push({ cluster: mirror.name });
    action.requestMirrorPolicies = policies;
  }
  const traffic = route.traffic;
  if (traffic) {
    const timeout = protoDuration(traffic.timeout?.http?.requestTimeout);
    if (timeout) action.timeout = timeout;
    const hashPolicy = routeHashPolicy(traffic.loadBalancer);
    if (hashPolicy) action.hashPolicy = hashPolicy;
    if (traffic.retry) action.retryPolicy = retryPolicy(traffic.retry);
  }
  action.upgradeConfigs = websocketUpgrade;
  if (routeUsesFilters(route)) Object.assign(action, routeActionFilterFields(route));
  return action;
}

/** The routes of one listener already built: what a later listener with the same routes shares. */
interface BuiltListener {
  routes: HTTPRoute[];
  altSvc: Json | undefined;
  /** The Envoy route of each IR route; undefined where it could not be built. */
  built: (Json | undefined)[];
}

/**
 * Builds the Envoy routes of one proxy. A route attached to several listeners (a Gateway's HTTP,
 * HTTPS and other listeners) comes once per listener, as equal IR routes in the same order (a
 * listener with fewer routes has a subsequence of another's): the Envoy route is built once and
 * shared by the route configurations, so it is also checked once (see validate.ts). Equal means
 * equal data, so a shared route is the route that would have been built.
 */
export class RouteBuilder {
  private readonly builtListeners: BuiltListener[] = [];
  /** The Envoy routes handed to more than one route configuration. */
  readonly shared = new Set<Json>();
  // Route metadata by namespace and name: the routes of one Gateway API resource share one
  // object (a resource has many rules, matches and hostnames, and all routes are kept until written).
  private readonly metadataByResource = new Map<string, Map<string, { kind: string; sectionName: string | undefined; built: Json }[]>>();

  private routeMetadata(metadata: ResourceMetadata | undefined): Json | undefined {
    if (!metadata) return undefined;
    // Annotations are few and take part in the comparison: such metadata is built each time.
    if (metadata.annotations && Object.keys(metadata.annotations).length) return resourceMetadata(metadata);
    let byName = this.metadataByResource.get(metadata.namespace);
    if (!byName) this.metadataByResource.set(metadata.namespace, (byName = new Map()));
    let entries = byName.get(metadata.name);
    if (!entries) byName.set(metadata.name, (entries = []));
    // An empty section name is left out of the metadata, like no section name.
    const sectionName = metadata.sectionName || undefined;
    for (const entry of entries) if (entry.kind === metadata.kind && entry.sectionName === sectionName) return entry.built;
    const built = resourceMetadata(metadata)!;
    entries.push({ kind: metadata.kind, sectionName, built });
    return built;
  }

  /** One Envoy route for one IR route; throws when the IR route cannot be expressed. */
  route(route: HTTPRoute, altSvc: Json | undefined): Json {
    const result: Json = { match: routeMatch(route), name: route.name };
    const metadata = this.routeMetadata(route.metadata);
    if (metadata) result.metadata = metadata;
    if (route.directResponse) {
      const response: Json = { status: route.directResponse.statusCode };
      if (route.directResponse.body !== undefined) response.body = { inlineString: route.directResponse.body };
      result.directResponse = response;
    } else if (route.redirect) {
      result.redirect = redirectAction(route);
    } else if (route.destination) {
      result.route = forwardAction(route);
    }
    if (route.addRequestHeaders?.length) result.requestHeadersToAdd = headersToAdd(route.addRequestHeaders);
    if (route.removeRequestHeaders?.length) result.requestHeadersToRemove = route.removeRequestHeaders.slice();
    if (route.addResponseHeaders?.length) result.responseHeadersToAdd = headersToAdd(route.addResponseHeaders);
    if (altSvc) (result.responseHeadersToAdd ??= []).push(altSvc);
    if (route.removeResponseHeaders?.length) result.responseHeadersToRemove = route.removeResponseHeaders.slice();
    if (routeUsesFilters(route)) {
      const perFilter = routeFilterConfig(route);
      if (perFilter) result.typedPerFilterConfig = perFilter;
    }
    return result;
  }

  /**
   * A virtual host per IR listener and hostname, named `<listener>/<hostname>`, in order of first
   * appearance; routes keep their IR order. Listeners sharing a route configuration (plain HTTP
   * on one port) each bring their own virtual hosts. A route that cannot be built is left out and
   * reported through `onError`; its virtual host stays. With `virtualHostStats`, each virtual host
   * counts its requests in a virtual cluster named after its hostname.
   */
  virtualHosts(listener: HTTPListener, virtualHosts: Json[], onError: (message: string) => void, onRefused: (refused: RefusedPart) => void, virtualHostStats = false): void {
    // By name, the first of each: hosts already in the route configuration (from a listener that
    // shares it) and those added here. Only needed when names can clash: with such hosts, or once a
    // hostname holds "_" (names replace "." by "_", so `a.b` and `a_b` are one host); otherwise
    // distinct hostnames make distinct names, and it is not built.
    let byName: Map<string, Json> | undefined;
    const hostsByName = (): Map<string, Json> => {
      byName = new Map();
      for (const existing of virtualHosts) if (!byName.has(existing.name)) byName.set(existing.name, existing);
      return byName;
    };
    if (virtualHosts.length) hostsByName();
    // This listener's hosts by hostname, which decides the name: most routes share a host.
    const byHostname = new Map<string, Json>();
    // One object for all of the listener's hosts.
    const hostMetadata = resourceMetadata(listener.metadata);
    const altSvc = altSvcHeader(listener);
    const routes = listener.routes ?? [];
    // An earlier listener with the same extra header that has this listener's first route near
    // its start: where equal routes are, in the same order (a listener may have fewer routes).
    let earlier: BuiltListener | undefined;
    const first: HTTPRoute | undefined = routes[0];
    if (first) {
      for (const candidate of this.builtListeners) {
        if (sameData(candidate.altSvc, altSvc) && twinIndex(candidate.routes, 0, first) >= 0) {
          earlier = candidate;
          break;
        }
      }
    }
    let twinAt = 0;
    let misses = 0;
    const built: (Json | undefined)[] = [];
    this.builtListeners.push({ routes, altSvc, built });
    for (const route of routes) {
      let host = byHostname.get(route.hostname);
      if (!host) {
        const name = `${listener.name}/${route.hostname.replaceAll('.', '_')}`;
        if (!byName && route.hostname.includes('_')) hostsByName();
        host = byName?.get(name);
        if (!host) {
          host = { domains: [route.hostname], name, routes: [] };
          if (hostMetadata) host.metadata = hostMetadata;
          if (virtualHostStats) {
            host.virtualClusters = [{ headers: [{ name: ':authority', stringMatch: { prefix: route.hostname } }], name: route.hostname }];
          }
          virtualHosts.push(host);
          byName?.set(name, host);
        }
        byHostname.set(route.hostname, host);
      }
      let envoyRoute: Json | undefined;
      if (earlier) {
        const at = twinIndex(earlier.routes, twinAt, route);
        if (at >= 0) {
          twinAt = at + 1;
          misses = 0;
          envoyRoute = earlier.built[at];
          if (envoyRoute !== undefined) this.shared.add(envoyRoute);
        } else if (++misses === twinMisses) {
          // The listeners' routes have little in common: stop looking.
          earlier = undefined;
        }
      }
      if (envoyRoute === undefined) {
        try {
          envoyRoute = this.route(route, altSvc);
        } catch (error) {
          if (error instanceof EnvoyWouldRefuse) onRefused(error.leftOut(`route ${route.name}`));
          else onError(`route ${route.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      built.push(envoyRoute);
      if (envoyRoute !== undefined) host.routes.push(envoyRoute);
    }
  }
}

// How far ahead of the expected place a route's twin is looked for in the earlier listener, and
// after how many routes in a row without a twin the looking stops: bounds on the cost of sharing.
const twinWindow = 128;
const twinMisses = 16;

/**
 * Where the route's twin (an equal route) is in `routes`, looking from `from` a little way on; -1
 * if not there. Twins share their destination object and hostname, cheap first tests.
 */
function twinIndex(routes: HTTPRoute[], from: number, route: HTTPRoute): number {
  const end = Math.min(routes.length, from + twinWindow);
  const destination = route.destination;
  const hostname = route.hostname;
  for (let at = from; at < end; at++) {
    const candidate = routes[at];
    if (candidate.destination === destination && candidate.hostname === hostname && sameData(candidate, route)) return at;
  }
  return -1;
}

/** Which Gateway API resource an Envoy route or virtual host comes from, under `envoy-gateway`. */
function resourceMetadata(metadata: ResourceMetadata | undefined): Json | undefined {
  if (!metadata) return undefined;
  const resource: Json = { kind: metadata.kind, name: metadata.name, namespace: metadata.namespace };
  if (metadata.sectionName) resource.sectionName = metadata.sectionName;
  if (metadata.annotations && Object.keys(metadata.annotations).length) resource.annotations = metadata.annotations;
  return { filterMetadata: { 'envoy-gateway': { resources: [resource] } } };
}

/**
 * Whether two IR values hold the same data, object keys in the same order (some IR objects are
 * emitted as they are). Only plain objects, arrays and primitives compare equal; anything else
 * counts as different, which costs a rebuild, never a wrong route.
 */
function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index++) {
      const item = a[index];
      // A hole is not an undefined item.
      if (item === undefined && (!(index in a) || !(index in b))) return false;
      if (!sameData(item, b[index])) return false;
    }
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  return sameObject(a as Record<string, unknown>, b as Record<string, unknown>);
}

// The keys of the objects sameObject is comparing, innermost last: one array for all of them
// (a key list per compared object was most of the comparison's cost).
const keyStack: string[] = [];
let keyStackTop = 0;

function sameObject(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const start = keyStackTop;
  for (const key in a) keyStack[keyStackTop++] = key;
  const end = keyStackTop;
  let same = true;
  let index = start;
  for (const key in b) {
    if (index === end || keyStack[index] !== key) {
      same = false;
      break;
    }
    index++;
  }
  if (index !== end) same = false;
  for (let at = start; same && at < end; at++) {
    const key = keyStack[at];
    same = sameData(a[key], b[key]);
  }
  keyStackTop = start;
  return same;
}

/** One Envoy route for one IR route; throws when the IR route cannot be expressed. */
export function buildRoute(route: HTTPRoute, listener?: HTTPListener): Json {
  return new RouteBuilder().route(route, listener && altSvcHeader(listener));
}
