import type { AddHeader, HTTPRoute, StringMatch } from '../ir/types.js';
import { routeFilterConfig } from './httpfilters.js';
import type { Json } from './resources.js';

/** The cluster a share of traffic goes to when its backendRef could not be resolved. */
export const invalidBackendCluster = 'invalid-backend-cluster';

function stringMatcher(match: StringMatch): Json {
  if (match.exact !== undefined) return { exact: match.exact };
  if (match.prefix !== undefined) return { prefix: match.prefix };
  if (match.suffix !== undefined) return { suffix: match.suffix };
  if (match.contains !== undefined) return { contains: match.contains };
  if (match.safeRegex !== undefined) return { safeRegex: { regex: match.safeRegex } };
  return {};
}

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
  if (redirect.port !== undefined && redirect.port !== null) action.portRedirect = redirect.port;
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
      action.regexRewrite = { pattern: { regex: `^${prefix.replace(/\/+$/, '')}\\/*` }, substitution: '/' };
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

function forwardAction(route: HTTPRoute): Json {
  const destination = route.destination!;
  const weights = route.backendWeights ?? backendWeights(route);
  const action: Json = {};
  if (weights.invalid > 0) {
    const clusters: Json[] = [];
    if (weights.valid > 0) clusters.push({ name: destination.name, weight: weights.valid });
    clusters.push({ name: invalidBackendCluster, weight: weights.invalid });
    action.clusterNotFoundResponseCode = 'INTERNAL_SERVER_ERROR';
    action.weightedClusters = { clusters };
  } else {
    action.cluster = destination.name;
  }
  applyRewrite(route, action);
  if (route.mirrors?.length) action.requestMirrorPolicies = route.mirrors.map((m) => ({ cluster: m.name }));
  const timeout = (route.traffic as any)?.timeout?.http?.requestTimeout;
  if (timeout) action.timeout = timeout;
  action.upgradeConfigs = [{ upgradeType: 'websocket' }];
  return action;
}

/** One Envoy route for one IR route. */
export function buildRoute(route: HTTPRoute): Json {
  const result: Json = { match: routeMatch(route), name: route.name };
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
  if (route.removeResponseHeaders?.length) result.responseHeadersToRemove = [...route.removeResponseHeaders];
  const perFilter = routeFilterConfig(route);
  if (perFilter) result.typedPerFilterConfig = perFilter;
  return result;
}

/** A virtual host per hostname, in order of first appearance; routes keep their IR order. */
export function buildVirtualHosts(routeConfigName: string, routes: HTTPRoute[], virtualHosts: Json[]): void {
  for (const route of routes) {
    let host = virtualHosts.find((v) => v.domains[0] === route.hostname);
    if (!host) {
      host = { domains: [route.hostname], name: `${routeConfigName}/${route.hostname.replaceAll('.', '_')}`, routes: [] };
      virtualHosts.push(host);
    }
    host.routes.push(buildRoute(route));
  }
}
