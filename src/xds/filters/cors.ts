import type { HTTPListener, HTTPRoute, StringMatch } from '../../ir/types.js';
import { any, type Json } from '../resources.js';
import { wholeSeconds } from '../duration.js';
import { routesOf, stringMatcher, type HttpFilterFeature } from './common.js';

export const corsFilterName = 'envoy.filters.http.cors';

interface CORS {
  allowOrigins?: StringMatch[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: string;
  allowCredentials?: boolean;
}

function corsOf(route: HTTPRoute): CORS | undefined {
  return (route.security as { cors?: CORS } | undefined)?.cors;
}

export const corsFeature: HttpFilterFeature = {
  routeFields: ['security'],
  listenerFilters(listener: HTTPListener): Json[] {
    if (!routesOf(listener).some((r) => corsOf(r))) return [];
    return [{ name: corsFilterName, typedConfig: any('envoy.extensions.filters.http.cors.v3.Cors', {}) }];
  },
  routeConfig(route) {
    const cors = corsOf(route);
    if (!cors) return undefined;
    const policy: Json = { allowCredentials: cors.allowCredentials ?? false };
    if (cors.allowHeaders?.length) policy.allowHeaders = cors.allowHeaders.join(', ');
    if (cors.allowMethods?.length) policy.allowMethods = cors.allowMethods.join(', ');
    if (cors.allowOrigins?.length) policy.allowOriginStringMatch = cors.allowOrigins.map(stringMatcher);
    if (cors.exposeHeaders?.length) policy.exposeHeaders = cors.exposeHeaders.join(', ');
    // Preflights from origins the policy does not allow get no CORS headers rather than reaching the backend.
    policy.forwardNotMatchingPreflights = false;
    const maxAge = wholeSeconds(cors.maxAge);
    if (maxAge !== undefined) policy.maxAge = String(maxAge);
    return { [corsFilterName]: any('envoy.extensions.filters.http.cors.v3.CorsPolicy', policy) };
  },
};
