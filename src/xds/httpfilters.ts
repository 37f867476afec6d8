import type { HTTPListener, Xds } from '../ir/types.js';
import { any, type Json } from './resources.js';

/** The router always runs last: it is what forwards the request. */
function routerFilter(): Json {
  return { name: 'envoy.filters.http.router', typedConfig: any('envoy.extensions.filters.http.router.v3.Router', { suppressEnvoyHeaders: true }) };
}

/** The HTTP filter chain of one listener's connection manager, in Envoy Gateway's order. */
export function buildHttpFilters(_listener: HTTPListener, _xds: Xds): Json[] {
  return [routerFilter()];
}
