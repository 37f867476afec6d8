import type { HTTPRoute } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import type { TranslationContext } from './context.js';
import { FilterError, processFilters } from './httpfilters.js';
import { applyRouteRules, attachRuleBackends, routeMetadata, stringMatch } from './httproute.js';
import { resolveParents, type RouteParent } from './parents.js';
import { validateRegex } from './regex.js';

/** GRPCRoute filters are a subset of HTTPRoute's; redirects and rewrites have no gRPC form. */
const grpcFilterTypes = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef']);

/**
 * gRPC path segments as the reference matches them when only one side of a method match is
 * given: a (possibly package-qualified, case-insensitive) service name, or a method name.
 */
const anyServicePattern = String.raw`(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*`;
const anyMethodPattern = '[A-Za-z_][A-Za-z_0-9]*';

/** Translates every GRPCRoute into HTTP/2 IR routes on its HTTP(S) listeners. */
export function processGRPCRoutes(ctx: TranslationContext): void {
  for (const route of ctx.resources.all('GRPCRoute')) {
    for (const parent of resolveParents(ctx, route)) translateForParent(ctx, route, parent);
  }
}

function translateForParent(ctx: TranslationContext, route: KubeObject, parent: RouteParent): void {
  applyRouteRules(ctx, route, parent, () => ({ routes: buildRuleRoutes(ctx, route, parent) }));
}

/** One IR route per rule match (or one match-all route for a rule without matches). */
function buildRuleRoutes(ctx: TranslationContext, route: KubeObject, parent: RouteParent): HTTPRoute[] {
  const prefix = `grpcroute/${route.metadata.namespace ?? 'default'}/${route.metadata.name}`;
  const result: HTTPRoute[] = [];
  (route.spec?.rules ?? []).forEach((rule: any, ruleIndex: number) => {
    const destinationName = `${prefix}/rule/${ruleIndex}`;
    const ruleFilters: any[] = rule.filters ?? [];
    const unsupported = ruleFilters.find((f) => !grpcFilterTypes.has(f.type));
    if (unsupported) throw new FilterError(`Unsupported filter type: ${unsupported.type}`);
    const { error: filterError, ...filters } = processFilters(ctx, route, parent, ruleFilters, destinationName);
    if (filterError !== undefined) throw new FilterError(filterError);

    const matches: any[] = rule.matches?.length ? rule.matches : [undefined];
    const ruleRoutes = matches.map((match, matchIndex): HTTPRoute => {
      const irRoute: HTTPRoute = {
        name: `${destinationName}/match/${match === undefined ? -1 : matchIndex}`,
        hostname: '',
        isHTTP2: true,
        metadata: routeMetadata(route, rule),
      };
      if (match) applyMatch(irRoute, match);
      return Object.assign(irRoute, structuredClone(filters));
    });

    attachRuleBackends(ctx, route, parent, rule, destinationName, ruleRoutes);
    result.push(...ruleRoutes);
  });
  return result;
}

/** Header matches, and the method match as a match on the `/<service>/<method>` request path. */
function applyMatch(irRoute: HTTPRoute, match: any): void {
  const headerMatches = (match.headers ?? []).map((h: any) => stringMatch(h.type, h.name, h.value));
  if (headerMatches.length) irRoute.headerMatches = headerMatches;
  const method = match.method;
  if (!method) return;
  const { service, method: name } = method as { service?: string; method?: string };
  if ((method.type ?? 'Exact') === 'RegularExpression') {
    for (const pattern of [service, name]) {
      const problem = pattern === undefined ? undefined : validateRegex(pattern);
      if (problem) throw new FilterError(`Regex "${pattern}" is invalid: ${problem}`);
    }
    if (service === undefined && name === undefined) return;
    irRoute.pathMatch = { distinct: false, name: '', safeRegex: `/${service ?? anyServicePattern}/${name ?? anyMethodPattern}` };
    return;
  }
  if (service !== undefined && name !== undefined) {
    irRoute.pathMatch = { distinct: false, exact: `/${service}/${name}`, name: '' };
  } else if (service !== undefined) {
    irRoute.pathMatch = { distinct: false, name: '', prefix: `/${service}` };
  } else if (name !== undefined) {
    // Any service: the path has to end in the method's segment.
    (irRoute.headerMatches ??= []).push({ distinct: false, name: ':path', suffix: `/${name}` });
  }
}
