import type { HTTPRoute, Xds } from '../ir/types.js';

/** Exact beats RegularExpression beats PathPrefix beats no path match. */
function pathRank(route: HTTPRoute): [number, number] {
  const path = route.pathMatch;
  if (path?.exact !== undefined) return [3, path.exact.length];
  if (path?.safeRegex !== undefined) return [2, path.safeRegex.length];
  if (path?.prefix !== undefined) return [1, path.prefix.length];
  return [0, 0];
}

/**
 * Gateway API precedence: path match type, then path length, then number of header matches
 * (the method counts as one), then number of query matches. Array.prototype.sort is stable, so
 * routes of equal precedence keep processing order (creation time, then name, once sorted).
 */
export function comparePrecedence(a: HTTPRoute, b: HTTPRoute): number {
  const [aType, aLength] = pathRank(a);
  const [bType, bLength] = pathRank(b);
  return (
    bType - aType ||
    bLength - aLength ||
    (b.headerMatches?.length ?? 0) - (a.headerMatches?.length ?? 0) ||
    (b.queryParamMatches?.length ?? 0) - (a.queryParamMatches?.length ?? 0)
  );
}

export function sortRoutes(xds: Xds): void {
  for (const listener of xds.http ?? []) listener.routes?.sort(comparePrecedence);
}
