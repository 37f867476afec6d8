import type { Json } from '../resources.js';

/**
 * Envoy Gateway's rank for each filter type: authentication before authorization, rate
 * limiting after both, the router last. Filters without a rank sit at 50. Filters of one type
 * that exist once per policy (ext_proc, wasm) rank by the index that ends their name.
 */
const ranks: [string, number | ((name: string) => number)][] = [
  ['envoy.filters.http.health_check', 0],
  ['envoy.filters.http.fault', 1],
  ['envoy.filters.http.cors', 2],
  ['envoy.filters.http.ext_authz', 3],
  ['envoy.filters.http.basic_auth', 4],
  ['envoy.filters.http.oauth2', 5],
  ['envoy.filters.http.jwt_authn', 6],
  ['envoy.filters.http.stateful_session', 7],
  ['envoy.filters.http.ext_proc', (name) => 8 + trailingIndex(name)],
  ['envoy.filters.http.wasm', (name) => 100 + trailingIndex(name)],
  ['envoy.filters.http.rbac', 201],
  ['envoy.filters.http.local_ratelimit', 202],
  ['envoy.filters.http.ratelimit', 203],
  ['envoy.filters.http.custom_response', 204],
  ['envoy.filters.http.router', 205],
];

function trailingIndex(name: string): number {
  const index = Number(name.slice(name.lastIndexOf('/') + 1));
  return Number.isInteger(index) ? index : 0;
}

/** A filter is of a type when its name starts with the type (per-policy filters add `/policy`). */
export function isFilterType(filter: Json, type: string): boolean {
  return typeof filter.name === 'string' && filter.name.startsWith(type);
}

function rankOf(filter: Json): number {
  for (const [type, rank] of ranks) {
    if (isFilterType(filter, type)) return typeof rank === 'function' ? rank(filter.name) : rank;
  }
  return 50;
}

export interface FilterPosition {
  name: string;
  before?: string;
  after?: string;
}

/**
 * Sorts filters by rank (stable: equal ranks keep the order they were added in), then applies
 * the user's positions in turn: all filters of `name`'s type move right before the first filter
 * of `before`'s type, or right after the last filter of `after`'s type. A position naming a type
 * that is not present changes nothing.
 */
export function orderHttpFilters(filters: Json[], positions: FilterPosition[] = []): Json[] {
  let ordered = filters.map((filter, index) => ({ filter, index, rank: rankOf(filter) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.filter);
  for (const position of positions) {
    const moving = ordered.filter((f) => isFilterType(f, position.name));
    if (!moving.length) continue;
    if (position.before !== undefined) {
      const anchor = ordered.find((f) => isFilterType(f, position.before!));
      if (!anchor) continue;
      const rest = ordered.filter((f) => !moving.includes(f));
      const at = rest.indexOf(anchor);
      // The anchor may itself be among the moving filters; then nothing moves.
      if (at < 0) continue;
      ordered = [...rest.slice(0, at), ...moving, ...rest.slice(at)];
    } else if (position.after !== undefined) {
      const anchors = ordered.filter((f) => isFilterType(f, position.after!));
      const anchor = anchors[anchors.length - 1];
      if (!anchor) continue;
      const rest = ordered.filter((f) => !moving.includes(f));
      const at = rest.indexOf(anchor);
      if (at < 0) continue;
      ordered = [...rest.slice(0, at + 1), ...moving, ...rest.slice(at + 1)];
    }
  }
  return ordered;
}
