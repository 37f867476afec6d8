import type { HTTPRoute, Xds } from '../ir/types.js';

/** A route's precedence inputs, worked out once per route rather than once per comparison. */
interface RankedRoute {
  route: HTTPRoute;
  /** Exact (3) beats RegularExpression (2) beats PathPrefix (1) beats no path match (0). */
  pathType: number;
  pathLength: number;
  headers: number;
  queryParams: number;
}

function ranked(route: HTTPRoute): RankedRoute {
  const path = route.pathMatch;
  let pathType = 0;
  let pathLength = 0;
  if (path?.exact !== undefined) {
    pathType = 3;
    pathLength = path.exact.length;
  } else if (path?.safeRegex !== undefined) {
    pathType = 2;
    pathLength = path.safeRegex.length;
  } else if (path?.prefix !== undefined) {
    pathType = 1;
    pathLength = path.prefix.length;
  }
  return { route, pathType, pathLength, headers: route.headerMatches?.length ?? 0, queryParams: route.queryParamMatches?.length ?? 0 };
}

function compareRanked(a: RankedRoute, b: RankedRoute): number {
  return b.pathType - a.pathType || b.pathLength - a.pathLength || b.headers - a.headers || b.queryParams - a.queryParams;
}

/**
 * Sorts each HTTP listener's routes by Gateway API precedence: path match type, then path
 * length, then number of header matches (the method counts as one), then number of query
 * matches. Array.prototype.sort is stable, so routes of equal precedence keep processing order
 * (creation time, then name, once sorted).
 */
export function sortRoutes(xds: Xds): void {
  for (const listener of xds.http ?? []) {
    const routes = listener.routes;
    if (!routes || routes.length < 2) continue;
    const sorted = routes.map(ranked).sort(compareRanked);
    for (let index = 0; index < sorted.length; index++) routes[index] = sorted[index].route;
  }
}
