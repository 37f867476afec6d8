import type { DestinationSetting, HTTPRoute, StringMatch } from '../ir/types.js';
import { cloneData } from '../ir/clone.js';
import type { KubeObject } from '../load/resource.js';
import { resolveBackendRef } from './backendref.js';
import { condition } from './conditions.js';
import type { TranslationContext } from './context.js';
import { computeHosts } from './hostname.js';
import { FilterError, processFilters } from './httpfilters.js';
import { conditionMessage, parentHasCondition, resolveParents, setParentCondition, type RouteParent } from './parents.js';
import { validateRegex } from './regex.js';
import { applyRouteRetry } from './routeretry.js';
import { applySessionPersistence } from './sessionpersistence.js';

/** Translates every HTTPRoute (and, with `grpc`, GRPCRoute) into IR routes on its listeners. */
export function processHTTPRoutes(ctx: TranslationContext): void {
  for (const route of ctx.resources.all('HTTPRoute')) {
    for (const parent of resolveParents(ctx, route)) translateForParent(ctx, route, parent);
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

/** One IR route per rule match (or one match-all route for a rule without matches). */
function buildRuleRoutes(ctx: TranslationContext, route: KubeObject, parent: RouteParent): { routes: HTTPRoute[]; error?: string } {
  const prefix = `httproute/${route.metadata.namespace}/${route.metadata.name}`;
  const result: HTTPRoute[] = [];
  let error: string | undefined;
  (route.spec?.rules ?? []).forEach((rule: any, ruleIndex: number) => {
    const destinationName = `${prefix}/rule/${ruleIndex}`;
    const filters = processFilters(ctx, route, parent, rule.filters ?? [], destinationName);
    if (filters.error !== undefined) error = filters.error;
    const matches: any[] = rule.matches?.length ? rule.matches : [undefined];
    const ruleRoutes = matches.map((match, matchIndex) => {
      const irRoute: HTTPRoute = {
        name: `${destinationName}/match/${match === undefined ? -1 : matchIndex}`,
        hostname: '',
        isHTTP2: false,
        metadata: routeMetadata(route, rule),
      };
      if (match) applyMatch(irRoute, match);
      applyTimeouts(irRoute, rule.timeouts);
      applyRouteRetry(irRoute, rule.retry);
      applySessionPersistence(irRoute, rule.sessionPersistence, destinationName);
      Object.assign(irRoute, filtersForRoute(filters));
      return irRoute;
    });

    attachRuleBackends(ctx, route, parent, rule, destinationName, ruleRoutes);
    result.push(...ruleRoutes);
  });
  return { routes: result, error };
}

/**
 * Resolves a rule's backendRefs into one destination shared by the rule's routes. Without a
 * single usable backend, requests get a 500 rather than falling through to other routes.
 * Redirects, and direct responses of rules without backends, need no destination.
 */
export function attachRuleBackends(ctx: TranslationContext, route: KubeObject, parent: RouteParent, rule: any, destinationName: string, ruleRoutes: HTTPRoute[]): void {
  const settings: DestinationSetting[] = [];
  const addressTypes = new Set<string>();
  for (const ref of rule.backendRefs ?? []) {
    const setting = resolveBackendRef(ctx, route, parent, ref);
    if (!setting) continue;
    if (setting.addressType) addressTypes.add(setting.addressType);
    settings.push(setting);
  }
  if (addressTypes.size > 1) {
    setParentCondition(parent, condition('ResolvedRefs', false, 'ResolvedRefs', 'Mixed endpointslice address type between backendRefs is not supported'));
  }
  const hasValidBackend = settings.some((s) => s.endpoints !== undefined);
  for (const irRoute of ruleRoutes) {
    if (irRoute.redirect || irRoute.directResponse) continue;
    if (rule.backendRefs?.length) irRoute.destination = { name: destinationName, settings };
    if (!hasValidBackend) irRoute.directResponse = { statusCode: 500 };
  }
}

function filtersForRoute(filters: ReturnType<typeof processFilters>): Partial<HTTPRoute> {
  const { error: _error, ...rest } = filters;
  return cloneData(rest);
}

export function stringMatch(type: string | undefined, name: string | undefined, value: string): StringMatch {
  const match: StringMatch = { distinct: false } as StringMatch;
  if (name !== undefined) match.name = name;
  if (type === 'RegularExpression') {
    const problem = validateRegex(value);
    if (problem) throw new FilterError(`Regex "${value}" is invalid: ${problem}`);
    match.safeRegex = value;
  } else {
    match.exact = value;
  }
  return match;
}

function applyMatch(irRoute: HTTPRoute, match: any): void {
  if (match.path) {
    const value = match.path.value ?? '/';
    switch (match.path.type ?? 'PathPrefix') {
      case 'Exact':
        irRoute.pathMatch = { distinct: false, exact: value, name: '' };
        break;
      case 'RegularExpression':
        irRoute.pathMatch = { ...stringMatch('RegularExpression', '', value) };
        break;
      default:
        irRoute.pathMatch = { distinct: false, name: '', prefix: value };
    }
  }
  const headerMatches: StringMatch[] = (match.headers ?? []).map((h: any) => stringMatch(h.type, h.name, h.value));
  if (match.method) headerMatches.push({ distinct: false, exact: match.method, name: ':method' });
  if (headerMatches.length) irRoute.headerMatches = headerMatches;
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
  for (const listener of parent.listeners) {
    const siblings = listener.gateway.listeners.filter((l) => l !== listener && l.port === listener.port && l.hostname).map((l) => l.hostname!);
    const hosts = computeHosts(route.spec?.hostnames ?? [], listener.hostname, siblings);
    if (hosts.length === 0) continue;
    intersects = true;
    const irListener = ctx.xdsIR[listener.gateway.irKey]?.http?.find((l) => l.name === listener.irName);
    if (!irListener) continue;
    if (route.kind === 'GRPCRoute') irListener.isHTTP2 = true;
    for (const host of hosts) {
      const hostSuffix = host.replaceAll('.', '_');
      for (const base of routes) {
        // The copies share the rule's destination (its endpoints are most of a route's IR):
        // nothing changes a destination per listener or hostname.
        const hostRoute = base.destination ? { ...cloneData({ ...base, destination: undefined }), destination: base.destination } : cloneData(base);
        hostRoute.name = `${base.name}/${hostSuffix}`;
        hostRoute.hostname = host;
        if (hostRoute.redirect && hostRoute.redirect.port === undefined) {
          const scheme = hostRoute.redirect.scheme?.toLowerCase();
          hostRoute.redirect.port = scheme === 'http' ? 80 : scheme === 'https' ? 443 : listener.port;
        }
        (irListener.routes ??= []).push(hostRoute);
      }
    }
  }
  return intersects;
}
