/**
 * Route precedence (src/gatewayapi/precedence.ts): the order the Gateway API prescribes, checked
 * against a plain comparison of its four inputs on listeners of random routes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sortRoutes } from '../src/gatewayapi/precedence.js';
import type { HTTPListener, HTTPRoute, StringMatch, Xds } from '../src/ir/types.js';

/** A small deterministic generator, so a failure repeats. */
function random(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % below;
  };
}

const pathKinds = ['exact', 'safeRegex', 'prefix'] as const;

function routeOf(name: string, path: { kind: (typeof pathKinds)[number]; length: number } | undefined, headers: number, queries: number): HTTPRoute {
  const route: HTTPRoute = { name, hostname: '*', isHTTP2: false };
  if (path) route.pathMatch = { distinct: false, [path.kind]: `/${'p'.repeat(path.length)}` } as StringMatch;
  // Only the numbers of matches count: lists with holes are enough.
  if (headers) route.headerMatches = new Array(headers);
  if (queries) route.queryParamMatches = new Array(queries);
  return route;
}

/** The Gateway API's order, spelled out: type, path length, headers, query parameters; ties keep their order. */
function expectedOrder(routes: readonly HTTPRoute[]): string[] {
  const type = (route: HTTPRoute) => (route.pathMatch?.exact !== undefined ? 3 : route.pathMatch?.safeRegex !== undefined ? 2 : route.pathMatch?.prefix !== undefined ? 1 : 0);
  const length = (route: HTTPRoute) => (route.pathMatch?.exact ?? route.pathMatch?.safeRegex ?? route.pathMatch?.prefix ?? '').length;
  const inputs = (route: HTTPRoute) => [type(route), length(route), route.headerMatches?.length ?? 0, route.queryParamMatches?.length ?? 0];
  const indexed = routes.map((route, index) => ({ route, index, inputs: inputs(route) }));
  indexed.sort((a, b) => {
    for (let at = 0; at < 4; at++) if (a.inputs[at] !== b.inputs[at]) return b.inputs[at] - a.inputs[at];
    return a.index - b.index;
  });
  return indexed.map((entry) => entry.route.name);
}

function sorted(routes: HTTPRoute[]): string[] {
  const xds = { http: [{ name: 'listener', routes } as HTTPListener] } as Xds;
  sortRoutes(xds);
  return xds.http![0].routes!.map((route) => route.name);
}

describe('route precedence', () => {
  it('orders by path match type, path length, header and query matches, keeping the order of equals', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = random(seed);
      // Few distinct values, so that many routes tie on some or all inputs.
      const routes = Array.from({ length: 500 }, (_, index) =>
        routeOf(`route-${index}`, next(5) === 0 ? undefined : { kind: pathKinds[next(3)], length: next(6) }, next(3), next(3)),
      );
      assert.deepEqual(sorted(routes), expectedOrder(routes), `seed ${seed}`);
    }
  });

  it('leaves a single route and an empty listener alone', () => {
    assert.deepEqual(sorted([routeOf('only', undefined, 0, 0)]), ['only']);
    assert.deepEqual(sorted([]), []);
  });

  it('compares long paths and large numbers of matches as numbers', () => {
    const next = random(9);
    const routes = Array.from({ length: 200 }, (_, index) =>
      routeOf(`route-${index}`, { kind: pathKinds[next(3)], length: next(2) ? 1000 + next(3) : next(4) }, next(2) ? 999_999 + next(2) : next(3), next(2) ? 999_999 : next(3)),
    );
    assert.deepEqual(sorted(routes), expectedOrder(routes));
  });
});
