import type { HTTPListener, HTTPRoute, Xds } from '../../ir/types.js';
import { any, type Json } from '../resources.js';
import { addUrlCluster, noPolicies, routeItems, routesOf, urlClusterName, type FilterResources, type HttpFilterFeature } from './common.js';

export const jwtFilterName = 'envoy.filters.http.jwt_authn';

interface JWTProvider {
  name: string;
  issuer?: string;
  audiences?: string[];
  remoteJWKS?: { uri: string };
  claimToHeaders?: { header: string; claim: string }[];
  extractFrom?: { headers?: { name: string; valuePrefix?: string }[]; cookies?: string[]; params?: string[] };
  recomputeRoute?: boolean;
}

interface JWTSettings {
  providers?: JWTProvider[];
  allowMissing?: boolean;
}

function jwtOf(route: HTTPRoute): JWTSettings | undefined {
  const jwt = (route.security as { jwt?: JWTSettings } | undefined)?.jwt;
  // A list only: the SecurityPolicy schema does not check inside jwt, and a string has a length too.
  return Array.isArray(jwt?.providers) && jwt.providers.length ? jwt : undefined;
}

/** Providers are keyed per route: the same provider name in two policies may differ. */
function providerKey(route: HTTPRoute, provider: JWTProvider): string {
  return `${route.name}/${provider.name}`;
}

function buildProvider(provider: JWTProvider): Json {
  const result: Json = {};
  if (provider.audiences?.length) result.audiences = provider.audiences;
  if (provider.claimToHeaders?.length) {
    result.claimToHeaders = provider.claimToHeaders.map((c) => ({ claimName: c.claim, headerName: c.header }));
  }
  if (provider.recomputeRoute) result.clearRouteCache = true;
  result.forward = true;
  const extract = provider.extractFrom;
  // Lists only: the SecurityPolicy schema does not check inside jwt, and a string has a length too.
  if (Array.isArray(extract?.cookies) && extract.cookies.length) result.fromCookies = extract.cookies;
  if (Array.isArray(extract?.headers) && extract.headers.length) {
    result.fromHeaders = extract.headers.map((h) => (h.valuePrefix ? { name: h.name, valuePrefix: h.valuePrefix } : { name: h.name }));
  }
  if (Array.isArray(extract?.params) && extract.params.length) result.fromParams = extract.params;
  if (provider.issuer) result.issuer = provider.issuer;
  // Scopes arrive space-delimited; splitting them lets authorization match one scope.
  result.normalizePayloadInMetadata = { spaceDelimitedClaims: ['scope'] };
  result.payloadInMetadata = provider.name;
  if (provider.remoteJWKS?.uri) {
    result.remoteJwks = {
      asyncFetch: {},
      cacheDuration: '300s',
      httpUri: { cluster: urlClusterName(provider.remoteJWKS.uri), timeout: '10s', uri: provider.remoteJWKS.uri },
      retryPolicy: {},
    };
  }
  return result;
}

function requirement(route: HTTPRoute, jwt: JWTSettings): Json {
  const names = jwt.providers!.map((p) => ({ providerName: providerKey(route, p) }));
  if (names.length === 1 && !jwt.allowMissing) return names[0];
  const requirements: Json[] = [...names];
  if (jwt.allowMissing) requirements.push({ allowMissing: {} });
  return { requiresAny: { requirements } };
}

export const jwtFeature: HttpFilterFeature = {
  routeFields: ['security'],
  listenerFilters(listener: HTTPListener): Json[] {
    const providers: Json = {};
    const requirementMap: Json = {};
    // Indexed: see routeItems.
    const routes = routesOf(listener);
    for (let index = 0; index < routes.length; index++) {
      const route = routes[index];
      const jwt = jwtOf(route);
      if (!jwt) continue;
      for (const provider of jwt.providers!) providers[providerKey(route, provider)] = buildProvider(provider);
      requirementMap[route.name] = requirement(route, jwt);
    }
    if (!Object.keys(requirementMap).length) return [];
    return [{ name: jwtFilterName, typedConfig: any('envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication', { providers, requirementMap }) }];
  },
  routeConfig(route) {
    if (!jwtOf(route)) return undefined;
    return { [jwtFilterName]: any('envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig', { requirementName: route.name }) };
  },
  resources(xds: Xds, _options, out: FilterResources) {
    for (const provider of routeItems(xds, (route) => jwtOf(route)?.providers ?? noPolicies)) {
      if (provider.remoteJWKS?.uri) addUrlCluster(out, provider.remoteJWKS.uri, xds);
    }
  },
};
