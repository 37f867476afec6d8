import type { AddHeader, DestinationFilters, HTTPListener, HTTPRoute, ResourceMetadata } from '../ir/types.js';
import { stringMatcher } from './filters/common.js';
import { protoDuration } from './duration.js';
import { altSvcHeader } from './http3.js';
import { routeActionFilterFields, routeFilterConfig } from './httpfilters.js';
import { routeHashPolicy } from './loadbalancer.js';
import type { Json } from './resources.js';
import { retryPolicy } from './retry.js';

/** The cluster a share of traffic goes to when its backendRef could not be resolved. */
export const invalidBackendCluster = 'invalid-backend-cluster';

function routeMatch(route: HTTPRoute): Json {
  const match: Json = {};
  const path = route.pathMatch;
  if (path?.exact !== undefined) match.path = path.exact;
  else if (path?.safeRegex !== undefined) match.safeRegex = { regex: path.safeRegex };
  else if (path?.prefix !== undefined && path.prefix !== '/') {
    // A prefix matches whole path segments in Gateway API: /foo matches /foo/bar, not /foobar.
    match.pathSeparatedPrefix = path.prefix.replace(/\/+$/, '');
  } else match.prefix = '/';
  if (route.headerMatches?.length) {
    match.headers = route.headerMatches.map((h) => {
      const header: Json = { name: h.name, stringMatch: stringMatcher(h) };
      if (h.invert) header.invertMatch = true;
      return header;
    });
  }
  if (route.queryParamMatches?.length) {
    match.queryParameters = route.queryParamMatches.map((q) => ({ name: q.name, stringMatch: stringMatcher(q) }));
  }
  return match;
}

function headersToAdd(headers: AddHeader[]): Json[] {
  const result: Json[] = [];
  for (const header of headers) {
    for (const value of header.value.length ? header.value : ['']) {
      const option: Json = {};
      if (!header.append) option.appendAction = 'OVERWRITE_IF_EXISTS_OR_ADD';
      option.header = value === '' ? { key: header.name } : { key: header.name, value };
      if (value === '') option.keepEmptyValue = true;
      result.push(option);
    }
  }
  return result;
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

/** Header changes of one backendRef's share, as weighted-cluster fields. */
function destinationHeaderFields(filters: DestinationFilters): Json {
  const fields: Json = {};
  if (filters.addRequestHeaders?.length) fields.requestHeadersToAdd = headersToAdd(filters.addRequestHeaders);
  if (filters.removeRequestHeaders?.length) fields.requestHeadersToRemove = [...filters.removeRequestHeaders];
  if (filters.addResponseHeaders?.length) fields.responseHeadersToAdd = headersToAdd(filters.addResponseHeaders);
  if (filters.removeResponseHeaders?.length) fields.responseHeadersToRemove = [...filters.removeResponseHeaders];
  return fields;
}

/**
 * Where the route sends traffic. Weighted clusters carry what a plain cluster cannot: the share
 * that must fail (unresolvable backendRefs, to `invalid-backend-cluster`) and per-backendRef
 * header filters. Like the reference (v1.2.0), shares of valid backendRefs without filters get
 * no weighted cluster then, so a rule with any unresolvable backendRef answers 500 throughout.
 */
function clusterSpecifier(route: HTTPRoute): Json {
  const destination = route.destination!;
  const weights = route.backendWeights ?? backendWeights(route);
  const filtered = (destination.settings ?? []).filter((s) => s.filters !== undefined && s.filters !== null);
  if (weights.invalid <= 0 && !filtered.length) return { cluster: destination.name };
  const clusters: Json[] = [];
  if (weights.invalid > 0) clusters.push({ name: invalidBackendCluster, weight: weights.invalid });
  for (const setting of filtered) {
    clusters.push({ name: destination.name, weight: setting.weight ?? 1, ...destinationHeaderFields(setting.filters!) });
  }
  return { clusterNotFoundResponseCode: 'INTERNAL_SERVER_ERROR', weightedClusters: { clusters } };
}

function forwardAction(route: HTTPRoute): Json {
  const action: Json = clusterSpecifier(route);
  applyRewrite(route, action);
  if (route.mirrors?.length) action.requestMirrorPolicies = route.mirrors.map((m) => ({ cluster: m.name }));
  const timeout = protoDuration(route.traffic?.timeout?.http?.requestTimeout);
  if (timeout) action.timeout = timeout;
  const hashPolicy = routeHashPolicy(route.traffic?.loadBalancer);
  if (hashPolicy) action.hashPolicy = hashPolicy;
  if (route.traffic?.retry) action.retryPolicy = retryPolicy(route.traffic.retry);
  action.upgradeConfigs = [{ upgradeType: 'websocket' }];
  Object.assign(action, routeActionFilterFields(route));
  return action;
}

/** Which Gateway API resource an Envoy route or virtual host comes from, under `envoy-gateway`. */
function resourceMetadata(metadata: ResourceMetadata | undefined): Json | undefined {
  if (!metadata) return undefined;
  const resource: Json = { kind: metadata.kind, name: metadata.name, namespace: metadata.namespace };
  if (metadata.sectionName) resource.sectionName = metadata.sectionName;
  if (metadata.annotations && Object.keys(metadata.annotations).length) resource.annotations = metadata.annotations;
  return { filterMetadata: { 'envoy-gateway': { resources: [resource] } } };
}

/** One Envoy route for one IR route; throws when the IR route cannot be expressed. */
export function buildRoute(route: HTTPRoute, listener?: HTTPListener): Json {
  const result: Json = { match: routeMatch(route), name: route.name };
  const metadata = resourceMetadata(route.metadata);
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
  if (route.removeRequestHeaders?.length) result.requestHeadersToRemove = [...route.removeRequestHeaders];
  if (route.addResponseHeaders?.length) result.responseHeadersToAdd = headersToAdd(route.addResponseHeaders);
  const altSvc = listener && altSvcHeader(listener);
  if (altSvc) (result.responseHeadersToAdd ??= []).push(altSvc);
  if (route.removeResponseHeaders?.length) result.responseHeadersToRemove = [...route.removeResponseHeaders];
  const perFilter = routeFilterConfig(route);
  if (perFilter) result.typedPerFilterConfig = perFilter;
  return result;
}

/**
 * A virtual host per IR listener and hostname, named `<listener>/<hostname>`, in order of first
 * appearance; routes keep their IR order. Listeners sharing a route configuration (plain HTTP
 * on one port) each bring their own virtual hosts. A route that cannot be built is left out and
 * reported through `onError`; its virtual host stays. With `virtualHostStats`, each virtual host
 * counts its requests in a virtual cluster named after its hostname.
 */
export function buildVirtualHosts(listener: HTTPListener, virtualHosts: Json[], onError: (message: string) => void, virtualHostStats = false): void {
  // By name, the first of each: hosts already in the route configuration (from a listener that
  // shares it) and those added here.
  const byName = new Map<string, Json>();
  for (const existing of virtualHosts) if (!byName.has(existing.name)) byName.set(existing.name, existing);
  for (const route of listener.routes ?? []) {
    const name = `${listener.name}/${route.hostname.replaceAll('.', '_')}`;
    let host = byName.get(name);
    if (!host) {
      host = { domains: [route.hostname], name, routes: [] };
      const metadata = resourceMetadata(listener.metadata);
      if (metadata) host.metadata = metadata;
      if (virtualHostStats) {
        host.virtualClusters = [{ headers: [{ name: ':authority', stringMatch: { prefix: route.hostname } }], name: route.hostname }];
      }
      virtualHosts.push(host);
      byName.set(name, host);
    }
    try {
      host.routes.push(buildRoute(route, listener));
    } catch (error) {
      onError(`route ${route.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
