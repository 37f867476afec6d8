import type { HTTPListener, HTTPRoute } from '../../ir/types.js';
import { any, bytesToBase64, type Json } from '../resources.js';
import { routesOf, type HttpFilterFeature } from './common.js';

export const basicAuthFilterName = 'envoy.filters.http.basic_auth';

interface BasicAuth {
  name?: string;
  users: string | number[];
}

function basicAuthOf(route: HTTPRoute): BasicAuth | undefined {
  return (route.security as { basicAuth?: BasicAuth } | undefined)?.basicAuth;
}

export const basicAuthFeature: HttpFilterFeature = {
  routeFields: ['security'],
  /**
   * One filter for the listener, disabled: each route that needs it turns it on with its own
   * users. The filter's own user list (the first route's) only satisfies the config's validation.
   */
  listenerFilters(listener: HTTPListener): Json[] {
    let first: BasicAuth | undefined;
    for (const route of routesOf(listener)) {
      first = basicAuthOf(route);
      if (first) break;
    }
    if (!first) return [];
    return [
      {
        disabled: true,
        name: basicAuthFilterName,
        typedConfig: any('envoy.extensions.filters.http.basic_auth.v3.BasicAuth', { users: { inlineBytes: bytesToBase64(first.users) } }),
      },
    ];
  },
  routeConfig(route) {
    const basicAuth = basicAuthOf(route);
    if (!basicAuth) return undefined;
    return {
      [basicAuthFilterName]: any('envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute', { users: { inlineBytes: bytesToBase64(basicAuth.users) } }),
    };
  },
};
