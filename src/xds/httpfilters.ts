import type { HTTPListener, HTTPRoute, Xds } from '../ir/types.js';
import { any, type Json } from './resources.js';

/** The router always runs last: it is what forwards the request. */
function routerFilter(): Json {
  return { name: 'envoy.filters.http.router', typedConfig: any('envoy.extensions.filters.http.router.v3.Router', { suppressEnvoyHeaders: true }) };
}

/** The HTTP filter chain of one listener's connection manager, in Envoy Gateway's order. */
export function buildHttpFilters(_listener: HTTPListener, _xds: Xds): Json[] {
  return [routerFilter()];
}

/** Per-route settings of the listener's HTTP filters (`typedPerFilterConfig`), if any. */
export function routeFilterConfig(_route: HTTPRoute): Json | undefined {
  return undefined;
}

/** Clusters and secrets the HTTP filters themselves need (JWKS, auth and rate-limit services). */
export function filterResources(_xds: Xds): { clusters: Json[]; secrets: Json[] } {
  return { clusters: [], secrets: [] };
}
