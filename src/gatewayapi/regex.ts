/**
 * Regex validation for patterns Envoy compiles with RE2. The check uses re2js, a JavaScript port
 * of RE2 (via RE2/J, which follows Go's regexp/syntax): it accepts exactly RE2's syntax (no
 * lookaround, no backreferences, repeat counts up to 1000) and its errors read like Go's
 * regexp package, whose wording the reference's statuses carry
 * (`error parsing regexp: missing argument to repetition operator: `*``).
 */
import { RE2JS } from 're2js';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { KubeObject } from '../load/resource.js';
import { re2Subset, requiredPrefix } from '../re2/subset.js';

/**
 * Each pattern compiled once: a repository repeats the same few patterns across thousands of
 * routes. Holds the compiled pattern or the Go-style error message; as many entries as the input
 * has distinct patterns.
 */
const compiled = new Map<string, RE2JS | string>();

function compileCached(pattern: string): RE2JS | string {
  let result = compiled.get(pattern);
  if (result === undefined) {
    try {
      result = RE2JS.compile(pattern);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = message.startsWith('error parsing regexp') ? message : `error parsing regexp: ${message}`;
    }
    compiled.set(pattern, result);
  }
  return result;
}

/** A Go-style error message for an invalid pattern, or undefined when it is valid. */
export function validateRegex(pattern: string): string | undefined {
  // Compiling is the costly part of validation and most patterns are distinct per route: a
  // pattern of the simple subset below is valid without compiling it.
  if (isSimpleValidRegex(pattern)) return undefined;
  const result = compileCached(pattern);
  return typeof result === 'string' ? result : undefined;
}

/**
 * Whether `pattern` is valid without compiling it: in the RE2 subset of re2/subset.ts, less its
 * counted repeats, and not empty.
 */
export function isSimpleValidRegex(pattern: string): boolean {
  return pattern.length > 0 && re2Subset(pattern)?.countedRepeat === false;
}

interface PathMatchLike {
  exact?: string;
  prefix?: string;
  safeRegex?: string;
}

interface RouteLike {
  name: string;
  hostname: string;
  pathMatch?: PathMatchLike;
  headerMatches?: unknown[];
  queryParamMatches?: unknown[];
}

export interface ShadowedRoute {
  /** The route that never gets the traffic it asks for. */
  route: string;
  /** The earlier route, with a path regex, that takes it. */
  by: string;
  pattern: string;
  path: string;
}

/**
 * Routes swallowed by an earlier regex route on the same host. Envoy tries routes in order and
 * the reference orders regex matches before prefix matches, so a broad regex (`/.*`) with no
 * other condition takes every request of the later exact or prefix routes it fully matches.
 * A prefix route counts as swallowed when the regex matches both the prefix and a path below it.
 */
export function shadowedRoutes(routes: readonly RouteLike[]): ShadowedRoute[] {
  // One pass in route order, keeping the regex routes with no other condition seen so far by
  // host (only routes of the same host can shadow each other): listeners put exact matches
  // first, so most routes are looked at before there is any regex route to compare them with.
  // Indexed loops: a listener has as many routes as Envoy gets, and this runs before the JIT
  // has optimised it, when forEach costs a call and for-of an allocation per item.
  const regexRoutesByHost = new Map<string, RegexRoute[]>();
  const found: { earlier: number; shadow: ShadowedRoute }[] = [];
  for (let index = 0; index < routes.length; index++) {
    const later = routes[index];
    if (!later.pathMatch) continue;
    const { exact, prefix, safeRegex } = later.pathMatch;
    const path = typeof exact === 'string' ? exact : prefix;
    const earlierRoutes = typeof path === 'string' && regexRoutesByHost.size > 0 ? regexRoutesByHost.get(later.hostname) : undefined;
    for (let at = 0; earlierRoutes && at < earlierRoutes.length; at++) {
      const { index: earlierIndex, pattern, literalStart } = earlierRoutes[at];
      // The literal text every match starts with rules out most routes without compiling.
      if (!path!.startsWith(literalStart)) continue;
      const probes = typeof exact === 'string' ? [exact] : [path!, `${path!.replace(/\/$/, '')}/egc-probe`];
      if (!probes.every((probe) => probe.startsWith(literalStart))) continue;
      const regex = compileOrNull(pattern);
      if (!regex || !probes.every((probe) => regex.matches(probe))) continue;
      found.push({ earlier: earlierIndex, shadow: { route: later.name, by: routes[earlierIndex].name, pattern, path: probes[0] } });
    }
    if (typeof safeRegex !== 'string' || later.headerMatches?.length || later.queryParamMatches?.length) continue;
    const regexRoute = { index, pattern: safeRegex, literalStart: requiredPrefix(safeRegex) };
    const sameHost = regexRoutesByHost.get(later.hostname);
    if (sameHost) sameHost.push(regexRoute);
    else regexRoutesByHost.set(later.hostname, [regexRoute]);
  }
  // Found by later route; reported by earlier route, then later route (sort is stable).
  return found.sort((a, b) => a.earlier - b.earlier).map((entry) => entry.shadow);
}

/** A route matching by regex alone, which later routes of its host may be swallowed by. */
interface RegexRoute {
  index: number;
  pattern: string;
  literalStart: string;
}

function compileOrNull(pattern: string): RE2JS | null {
  const result = compileCached(pattern);
  return typeof result === 'string' ? null : result;
}

/** `httproute/ns/name/rule/R/match/M/...` → the route object's kind, namespace, name and match path. */
function routeOrigin(name: string): { kind: string; namespace: string; name: string; path: (string | number)[] } | undefined {
  const match = /^(httproute|grpcroute)\/([^/]+)\/([^/]+)\/rule\/(\d+)(?:\/match\/(-?\d+))?/.exec(name);
  if (!match) return undefined;
  const path: (string | number)[] = ['spec', 'rules', Number(match[4])];
  if (match[5] !== undefined && Number(match[5]) >= 0) path.push('matches', Number(match[5]));
  return { kind: match[1] === 'httproute' ? 'HTTPRoute' : 'GRPCRoute', namespace: match[2], name: match[3], path };
}

/** A warning for each route an earlier regex route swallows, at the swallowed route's match. */
export function shadowedRouteDiagnostics(irs: readonly { http?: { routes?: RouteLike[] }[] }[], objects: readonly KubeObject[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const ir of irs) {
    for (const listener of ir.http ?? []) {
      for (const shadow of shadowedRoutes(listener.routes ?? [])) {
        const origin = routeOrigin(shadow.route);
        const by = routeOrigin(shadow.by);
        const message = `route ${shadow.route} never matches ${shadow.path} on ${listener.routes?.find((r) => r.name === shadow.route)?.hostname ?? '*'}: the earlier route ${shadow.by} with regex \`${shadow.pattern}\` takes those requests`;
        const object = origin && objects.find((o) => o.kind === origin.kind && o.metadata.namespace === origin.namespace && o.metadata.name === origin.name);
        const byObject = by && objects.find((o) => o.kind === by.kind && o.metadata.namespace === by.namespace && o.metadata.name === by.name);
        const notes = byObject ? [{ message: 'the regex route', ...locationOf(diagnosticAt(byObject, by.path, { code: codes.routeShadowed, message: '' })) }] : undefined;
        diagnostics.push(
          object
            ? diagnosticAt(object, origin.path, { code: codes.routeShadowed, severity: 'warning', message, notes })
            : { code: codes.routeShadowed, severity: 'warning', message },
        );
      }
    }
  }
  return diagnostics;
}

function locationOf(diagnostic: Diagnostic): { file?: string; line?: number; column?: number } {
  return { file: diagnostic.file, line: diagnostic.line, column: diagnostic.column };
}
