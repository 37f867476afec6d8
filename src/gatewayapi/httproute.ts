import type { DestinationSetting, HTTPRoute, StringMatch, Xds } from '../ir/types.js';
import { cloneData, compact } from '../ir/clone.js';
import type { KubeObject } from '../load/resource.js';
import { resolveBackendRef } from './backendref.js';
import { condition } from './conditions.js';
import type { ListenerContext, TranslationContext } from './context.js';
import { computeHosts } from './hostname.js';
import { FilterError, processFilters } from './httpfilters.js';
import { conditionMessage, parentHasCondition, resolveParents, setParentCondition, type RouteParent } from './parents.js';
import { validateRegex } from './regex.js';
import { applyRouteRetry } from './routeretry.js';
import { applySessionPersistence } from './sessionpersistence.js';

/** Translates every HTTPRoute (and, with `grpc`, GRPCRoute) into IR routes on its listeners. */
export function processHTTPRoutes(ctx: TranslationContext): void {
  for (const route of ctx.resources.all('HTTPRoute')) {
    for (const parent of resolveParents(ctx, route)) {
      translateForParent(ctx, route, parent);
      parent.status.conditions = compact(parent.status.conditions);
    }
  }
}

function translateForParent(ctx: TranslationContext, route: KubeObject, parent: RouteParent): void {
  applyRouteRules(ctx, route, parent, () => buildRuleRoutes(ctx, route, parent));
}

/**
 * Builds a route's IR routes for one parent and attaches them, setting the parent's conditions
 * as the reference does. `build` throws FilterError for a bad match (nothing of the route is
 * usable then, not even a ResolvedRefs verdict) and returns `error` for a bad filter (the route
 * is not accepted, but its references are still judged).
 */
export function applyRouteRules(ctx: TranslationContext, route: KubeObject, parent: RouteParent, build: () => { routes: HTTPRoute[]; error?: string }): void {
  let built: { routes: HTTPRoute[]; error?: string };
  try {
    built = build();
  } catch (thrown) {
    if (!(thrown instanceof FilterError)) throw thrown;
    setParentCondition(parent, condition('Accepted', false, 'UnsupportedValue', conditionMessage(thrown.message)));
    return;
  }
  if (built.error !== undefined) setParentCondition(parent, condition('Accepted', false, 'UnsupportedValue', built.error));
  if (!parentHasCondition(parent, 'ResolvedRefs', 'False')) {
    setParentCondition(parent, condition('ResolvedRefs', true, 'ResolvedRefs', 'Resolved all the Object references for the Route'));
  }
  if (parentHasCondition(parent, 'Accepted', 'False')) return;
  if (!attachToListeners(ctx, route, parent, built.routes)) {
    // The reference words this condition the same for every HTTP route kind.
    setParentCondition(
      parent,
      condition('Accepted', false, 'NoMatchingListenerHostname', "There were no hostname intersections between the HTTPRoute and this parent ref's Listener(s)."),
    );
  }
}

/** Annotations under gateway.envoyproxy.io/ travel with the route into Envoy's route metadata. */
const metadataAnnotationPrefix = 'gateway.envoyproxy.io/';

export function routeMetadata(route: KubeObject, rule: any): HTTPRoute['metadata'] {
  const metadata: NonNullable<HTTPRoute['metadata']> = { kind: route.kind, name: route.metadata.name, namespace: route.metadata.namespace ?? 'default' };
  const annotations = Object.entries(route.metadata.annotations ?? {}).filter(([key]) => key.startsWith(metadataAnnotationPrefix));
  if (annotations.length) metadata.annotations = Object.fromEntries(annotations.map(([key, value]) => [key.slice(metadataAnnotationPrefix.length), value]));
  if (rule.name) metadata.sectionName = rule.name;
  return metadata;
}

/**
 * A new IR route, as `{ name, hostname: '', isHTTP2: false, metadata }` would make it, the keys
 * of its matches, filters, destination and policies to follow. Made by `new` rather than as a
 * literal because V8 gives an object made by a constructor room for the keys added later, where
 * a literal's object keeps them in a second, reallocated array: half as many objects for the
 * collector to copy, for as many routes as Envoy gets. Its prototype is a literal's.
 */
const IRRoute = function IRRoute(this: HTTPRoute, name: string, metadata: HTTPRoute['metadata']): void {
  this.name = name;
  this.hostname = '';
  this.isHTTP2 = false;
  this.metadata = metadata;
} as unknown as { new (name: string, metadata: HTTPRoute['metadata']): HTTPRoute; prototype: object };
IRRoute.prototype = Object.prototype;

/** One IR route per rule match (or one match-all route for a rule without matches). */
function buildRuleRoutes(ctx: TranslationContext, route: KubeObject, parent: RouteParent): { routes: HTTPRoute[]; error?: string } {
  const prefix = `httproute/${route.metadata.namespace}/${route.metadata.name}`;
  const result: HTTPRoute[] = [];
  let error: string | undefined;
  const rules: any[] = route.spec?.rules ?? [];
  // Nothing changes a route's metadata once built: routes share one, and the rules without a
  // name (no sectionName) the same one.
  let unnamedRuleMetadata: HTTPRoute['metadata'];
  for (let ruleIndex = 0; ruleIndex < rules.length; ruleIndex++) {
    const rule = rules[ruleIndex];
    // Joined, not concatenated: the IR keeps one flat string, not a rope of the parts (see attachToListeners).
    const destinationName = [prefix, 'rule', ruleIndex].join('/');
    const filters = processFilters(ctx, route, parent, rule.filters ?? [], destinationName);
    if (filters.error !== undefined) error = filters.error;
    const metadata = rule.name ? routeMetadata(route, rule) : (unnamedRuleMetadata ??= routeMetadata(route, rule));
    const matches: any[] = rule.matches?.length ? rule.matches : [undefined];
    const ruleRoutes: HTTPRoute[] = new Array(matches.length);
    for (let matchIndex = 0; matchIndex < matches.length; matchIndex++) {
      const match = matches[matchIndex];
      const irRoute = new IRRoute(`${destinationName}/match/${match === undefined ? -1 : matchIndex}`, metadata);
      if (match) applyMatch(irRoute, match);
      applyTimeouts(irRoute, rule.timeouts);
      applyRouteRetry(irRoute, rule.retry);
      applySessionPersistence(irRoute, rule.sessionPersistence, destinationName);
      assignFilters(irRoute, filters);
      ruleRoutes[matchIndex] = irRoute;
    }

    attachRuleBackends(ctx, route, parent, rule, destinationName, ruleRoutes);
    result.push(...ruleRoutes);
  }
  return { routes: result, error };
}

/**
 * Resolves a rule's backendRefs into one destination shared by the rule's routes (and their
 * copies on other listeners and hostnames). Without a single usable backend, requests get a 500
 * rather than falling through to other routes. Redirects, and direct responses of rules without
 * backends, need no destination.
 */
export function attachRuleBackends(ctx: TranslationContext, route: KubeObject, parent: RouteParent, rule: any, destinationName: string, ruleRoutes: HTTPRoute[]): void {
  const refs: any[] = rule.backendRefs ?? [];
  // Made by map, not push, to be exactly as long as it is (see compact). A valid ref of weight 0
  // resolves to nothing and is left out.
  const resolved = refs.map((ref) => resolveBackendRef(ctx, route, parent, ref));
  const settings = resolved.includes(undefined)
    ? compact(resolved.filter((setting): setting is DestinationSetting => setting !== undefined))
    : (resolved as DestinationSetting[]);
  let addressType: string | undefined;
  let mixedAddressTypes = false;
  for (let index = 0; index < settings.length; index++) {
    const type = settings[index].addressType;
    if (type === undefined) continue;
    if (addressType === undefined) addressType = type;
    else if (type !== addressType) mixedAddressTypes = true;
  }
  if (mixedAddressTypes) {
    setParentCondition(parent, condition('ResolvedRefs', false, 'ResolvedRefs', 'Mixed endpointslice address type between backendRefs is not supported'));
  }
  const hasValidBackend = settings.some((s) => s.endpoints !== undefined);
  const destination = refs.length ? { name: destinationName, settings } : undefined;
  for (const irRoute of ruleRoutes) {
    if (irRoute.redirect || irRoute.directResponse) continue;
    if (destination) irRoute.destination = destination;
    if (!hasValidBackend) irRoute.directResponse = { statusCode: 500 };
  }
}

/**
 * Puts what the rule's filters contribute (not their error) on one of its IR routes. Only the
 * redirect is the route's own (its port is set per listener); the rule's routes share the rest.
 */
function assignFilters(irRoute: HTTPRoute, filters: ReturnType<typeof processFilters>): void {
  for (const key in filters) {
    if (key === 'error') continue;
    const value = filters[key as keyof typeof filters];
    irRoute[key] = key === 'redirect' ? cloneData(value) : value;
  }
}

export function stringMatch(type: string | undefined, name: string | undefined, value: string): StringMatch {
  // Literals with every key: an object given keys after it is made keeps them in a second array.
  if (type === 'RegularExpression') {
    // Envoy refuses an empty regex.
    const problem = value === '' ? 'it is empty' : validateRegex(value);
    if (problem) throw new FilterError(`Regex "${value}" is invalid: ${problem}`);
    return name === undefined ? { distinct: false, safeRegex: value } : { distinct: false, name, safeRegex: value };
  }
  return name === undefined ? { distinct: false, exact: value } : { distinct: false, name, exact: value };
}

function applyMatch(irRoute: HTTPRoute, match: any): void {
  if (match.path) {
    const value = match.path.value ?? '/';
    switch (match.path.type ?? 'PathPrefix') {
      case 'Exact':
        irRoute.pathMatch = { distinct: false, exact: value, name: '' };
        break;
      case 'RegularExpression':
        irRoute.pathMatch = stringMatch('RegularExpression', '', value);
        break;
      default:
        irRoute.pathMatch = { distinct: false, name: '', prefix: value };
    }
  }
  const headerMatches: StringMatch[] = (match.headers ?? []).map((h: any) => stringMatch(h.type, h.name, h.value));
  // concat, not push: the list stays exactly as long as it is (see compact).
  const withMethod = match.method ? headerMatches.concat({ distinct: false, exact: match.method, name: ':method' }) : headerMatches;
  if (withMethod.length) irRoute.headerMatches = withMethod;
  const queryParamMatches: StringMatch[] = (match.queryParams ?? []).map((q: any) => stringMatch(q.type, q.name, q.value));
  if (queryParamMatches.length) irRoute.queryParamMatches = queryParamMatches;
}

function applyTimeouts(irRoute: HTTPRoute, timeouts: any): void {
  if (!timeouts) return;
  const http: Record<string, string> = {};
  if (timeouts.request) http.requestTimeout = timeouts.request;
  if (timeouts.backendRequest) http.backendRequestTimeout = timeouts.backendRequest;
  if (Object.keys(http).length) irRoute.traffic = { timeout: { http } };
}

/** Copies the rule routes onto every listener the parent attached to, once per hostname. */
export function attachToListeners(ctx: TranslationContext, route: KubeObject, parent: RouteParent, routes: HTTPRoute[]): boolean {
  let intersects = false;
  // Every (listener, hostname) the routes go to, found first so the last one can take the
  // routes themselves instead of copies. Indexed loops here and below: this runs for every
  // route and parent, mostly before the JIT has optimised it, when for-of allocates per item.
  const targets: { irListener: NonNullable<Xds['http']>[number]; port: number; host: string }[] = [];
  const routeHostnames: string[] = route.spec?.hostnames ?? [];
  for (let index = 0; index < parent.listeners.length; index++) {
    const listener = parent.listeners[index];
    const hosts = computeHosts(routeHostnames, listener.hostname, siblingHostnames(listener));
    if (hosts.length === 0) continue;
    intersects = true;
    const irListener = ctx.xdsIR[listener.gateway.irKey]?.http?.find((l) => l.name === listener.irName);
    if (!irListener) continue;
    if (route.kind === 'GRPCRoute') irListener.isHTTP2 = true;
    for (let at = 0; at < hosts.length; at++) targets.push({ irListener, port: listener.port, host: hosts[at] });
  }
  // The httpRoutesByPrefix list of the routes, all named `kind/ns/name/rule/...` after this
  // one route object: found once, before the names get their host suffix.
  const prefixList = targets.length && routes.length ? routesWithPrefix(ctx, `${routes[0].name}/`) : undefined;
  // Names per hostname, made once (before the last target renames the routes themselves): the
  // copies on each listener share the same strings, which the xds stage compares when it looks
  // for equal routes on other listeners. A route has few hostnames: a list, not a Map.
  const namesByHost: { host: string; names: string[] }[] = [];
  for (let index = 0; index < targets.length; index++) {
    const { irListener, port, host } = targets[index];
    let named = namesByHost.find((entry) => entry.host === host);
    if (!named) {
      const suffix = hostnameSuffix(ctx, host);
      // Joined, not concatenated: one flat string per name rather than a rope of the parts,
      // which the whole IR would hold on to and the writer would flatten anyway.
      named = { host, names: routes.map((base) => [base.name, suffix].join('/')) };
      namesByHost.push(named);
    }
    // The rule routes were built for this call alone: the last target takes them as they are.
    const last = index === targets.length - 1;
    const listenerRoutes = (irListener.routes ??= []);
    for (let at = 0; at < routes.length; at++) {
      const hostRoute = last ? routes[at] : copyRoute(routes[at]);
      hostRoute.name = named.names[at];
      hostRoute.hostname = host;
      if (hostRoute.redirect && hostRoute.redirect.port === undefined) {
        const scheme = hostRoute.redirect.scheme?.toLowerCase();
        hostRoute.redirect.port = scheme === 'http' ? 80 : scheme === 'https' ? 443 : port;
      }
      listenerRoutes.push(hostRoute);
      prefixList?.push(hostRoute);
    }
  }
  return intersects;
}

/** `app.example.com` → `app_example_com`, once per hostname: thousands of routes share one. */
function hostnameSuffix(ctx: TranslationContext, host: string): string {
  const suffixes = (ctx.hostnameSuffixes ??= new Map());
  let suffix = suffixes.get(host);
  if (suffix === undefined) suffixes.set(host, (suffix = host.replaceAll('.', '_')));
  return suffix;
}

/**
 * The httpRoutesByPrefix list for routes whose names start with `name` (`kind/ns/name/...`),
 * made on first use; undefined for a name without three slashes.
 */
function routesWithPrefix(ctx: TranslationContext, name: string): HTTPRoute[] | undefined {
  const third = name.indexOf('/', name.indexOf('/', name.indexOf('/') + 1) + 1);
  if (third < 0) return undefined;
  const prefix = name.slice(0, third + 1);
  const byPrefix = (ctx.httpRoutesByPrefix ??= new Map());
  let list = byPrefix.get(prefix);
  if (!list) byPrefix.set(prefix, (list = []));
  return list;
}

/**
 * A copy of an IR route for another listener or hostname. Nothing changes a route's parts once
 * it is built but for its redirect's port, so the copies share all else: the destination's
 * endpoints are most of a route's IR, and shared parts make equal routes on other listeners
 * cheap to recognise in the xds stage.
 */
function copyRoute(base: HTTPRoute): HTTPRoute {
  // Spread: V8 clones the object's layout in one step, where a key-by-key copy onto a new
  // IRRoute took megamorphic stores (2% of a large run's instructions).
  const copy = { ...base };
  if (base.redirect) copy.redirect = cloneData(base.redirect);
  return copy;
}

/** Hostnames of the other listeners on the listener's port, which computeHosts leaves to them. */
function siblingHostnames(listener: ListenerContext): string[] {
  let siblings = siblingHostnamesCache.get(listener);
  if (!siblings) {
    siblings = listener.gateway.listeners.filter((l) => l !== listener && l.port === listener.port && l.hostname).map((l) => l.hostname!);
    siblingHostnamesCache.set(listener, siblings);
  }
  return siblings;
}

const siblingHostnamesCache = new WeakMap<ListenerContext, string[]>();
