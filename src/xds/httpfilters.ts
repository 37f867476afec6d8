import type { HTTPListener, HTTPRoute, Xds } from '../ir/types.js';
import { accessLogErrors, accessLogResources } from './accesslog.js';
import { authorizationFeature } from './filters/authorization.js';
import { basicAuthFeature } from './filters/basicauth.js';
import type { FilterOptions, FilterResources, HttpFilterFeature } from './filters/common.js';
import { corsFeature } from './filters/cors.js';
import { customResponseFeature } from './filters/customresponse.js';
import { extAuthFeature } from './filters/extauth.js';
import { extProcFeature } from './filters/extproc.js';
import { faultFeature } from './filters/fault.js';
import { orderHttpFilters } from './filters/filterorder.js';
import { grpcFeature, healthCheckFeature } from './filters/listenerfilters.js';
import { jwtFeature } from './filters/jwt.js';
import { localRateLimitFeature } from './filters/localratelimit.js';
import { oauth2Feature } from './filters/oauth2.js';
import { rateLimitFeature } from './filters/ratelimit.js';
import { sessionPersistenceFeature } from './filters/sessionpersistence.js';
import { wasmFeature } from './filters/wasm.js';
import { any, type Json, type RefusedPart } from './resources.js';
import { tracingErrors, tracingResources } from './telemetry/tracing.js';

/** Every HTTP filter feature; the order here does not matter, `orderHttpFilters` decides. */
const features: HttpFilterFeature[] = [
  healthCheckFeature,
  grpcFeature,
  faultFeature,
  corsFeature,
  extAuthFeature,
  basicAuthFeature,
  oauth2Feature,
  jwtFeature,
  extProcFeature,
  wasmFeature,
  authorizationFeature,
  localRateLimitFeature,
  rateLimitFeature,
  customResponseFeature,
  sessionPersistenceFeature,
];

// The features with route hooks, and every IR route field those hooks look at.
const routeConfigFeatures = features.filter((feature) => feature.routeConfig);
const routeActionFeatures = features.filter((feature) => feature.routeAction);
const filterRouteFields: (keyof HTTPRoute)[] = [];
for (const feature of features) {
  if ((feature.routeConfig || feature.routeAction) && !feature.routeFields?.length) throw new Error('an HTTP filter feature with route hooks must declare its routeFields');
  for (const field of feature.routeFields ?? []) if (!filterRouteFields.includes(field)) filterRouteFields.push(field);
}

/**
 * Whether any filter feature may add to the route: most routes set none of the fields the
 * features look at, and skip them (and the objects they would allocate) at once.
 */
export function routeUsesFilters(route: HTTPRoute): boolean {
  for (const field of filterRouteFields) if (route[field]) return true;
  return false;
}

/** The router always runs last: it is what forwards the request. */
function routerFilter(listener: HTTPListener): Json {
  const enableEnvoyHeaders = (listener.headers as { enableEnvoyHeaders?: boolean } | undefined)?.enableEnvoyHeaders;
  const config: Json = enableEnvoyHeaders ? {} : { suppressEnvoyHeaders: true };
  return { name: 'envoy.filters.http.router', typedConfig: any('envoy.extensions.filters.http.router.v3.Router', config) };
}

/** The HTTP filter chain of one listener's connection manager, in Envoy Gateway's order. */
export function buildHttpFilters(listener: HTTPListener, xds: Xds, options: FilterOptions = {}): Json[] {
  const filters: Json[] = [];
  for (const feature of features) for (const filter of feature.listenerFilters(listener, xds, options)) filters.push(filter);
  filters.push(routerFilter(listener));
  return orderHttpFilters(filters, xds.filterOrder);
}

/** Per-route settings of the listener's HTTP filters (`typedPerFilterConfig`), if any. */
export function routeFilterConfig(route: HTTPRoute): Json | undefined {
  let config: Json | undefined;
  for (const feature of routeConfigFeatures) {
    const part = feature.routeConfig!(route);
    if (part) Object.assign((config ??= {}), part);
  }
  return config && Object.keys(config).length ? config : undefined;
}

/** Fields the filters add to a route's forwarding action (rate-limit descriptors). */
export function routeActionFilterFields(route: HTTPRoute): Json {
  const fields: Json = {};
  for (const feature of routeActionFeatures) {
    const extra = feature.routeAction!(route);
    if (!extra) continue;
    // Local and global rate limits both describe requests with `rateLimits` entries.
    for (const [key, value] of Object.entries(extra)) {
      fields[key] = Array.isArray(value) && Array.isArray(fields[key]) ? [...fields[key], ...value] : value;
    }
  }
  return fields;
}

/** Clusters, endpoints and secrets the HTTP filters themselves need (JWKS, auth and rate-limit services). */
export function filterResources(xds: Xds, options: FilterOptions = {}): FilterResources {
  const out: FilterResources = { clusters: [], endpoints: [], secrets: [], refused: [] };
  for (const feature of features) feature.resources?.(xds, options, out);
  tracingResources(xds, out);
  accessLogResources(xds, out);
  return out;
}

/** Telemetry settings the reference rejects the whole IR for (an unknown tracer, a sink without endpoints). */
export function telemetryErrors(xds: Xds): RefusedPart[] {
  return [...tracingErrors(xds).map((message) => ({ message, about: xds.tracing })), ...accessLogErrors(xds)];
}
