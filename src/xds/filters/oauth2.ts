import { wholeSeconds } from '../duration.js';
import type { HTTPRoute, RouteDestination, TrafficFeatures, Xds } from '../../ir/types.js';
import { any, bytesToBase64, type Json } from '../resources.js';
import {
  adsConfigSource, addDestinationCluster, addUrlCluster, noPolicies, perPolicyFilters, perPolicyRouteConfig, routeItems, urlClusterName,
  type FilterResources, type HttpFilterFeature,
} from './common.js';

export const oauth2FilterType = 'envoy.filters.http.oauth2';

interface OIDC {
  name: string;
  clientID: string;
  clientSecret: string | number[];
  hmacSecret: string | number[];
  provider: {
    authorizationEndpoint: string;
    tokenEndpoint: string;
    destination?: RouteDestination;
    traffic?: { retry?: { numRetries?: number; perRetry?: { backOff?: { baseInterval?: string; maxInterval?: string } }; retryOn?: { triggers?: string[] } } };
  };
  scopes?: string[];
  resources?: string[];
  redirectURL: string;
  redirectPath: string;
  logoutPath: string;
  cookieSuffix: string;
  cookieNameOverrides?: { idToken?: string; accessToken?: string };
  cookieDomain?: string;
  forwardAccessToken?: boolean;
  defaultTokenTTL?: string;
  refreshToken?: boolean;
  defaultRefreshTokenTTL?: string;
}

function oidcsOf(route: HTTPRoute): OIDC[] {
  const oidc = (route.security as { oidc?: OIDC } | undefined)?.oidc;
  return oidc ? [oidc] : noPolicies;
}

/** Names of the SDS secrets holding the OAuth2 client secret and the cookie HMAC key. */
export function clientSecretName(oidc: OIDC): string {
  return `oauth2/client_secret/${oidc.name}`;
}

export function hmacSecretName(oidc: OIDC): string {
  return `oauth2/hmac_secret/${oidc.name}`;
}

function tokenCluster(oidc: OIDC): string {
  return oidc.provider.destination?.name ?? urlClusterName(oidc.provider.tokenEndpoint);
}

function seconds(duration: string | undefined): string | undefined {
  const value = wholeSeconds(duration);
  return value === undefined ? undefined : `${value}s`;
}

function retryPolicy(oidc: OIDC): Json | undefined {
  const retry = oidc.provider.traffic?.retry;
  if (!retry) return undefined;
  const policy: Json = {};
  if (retry.numRetries !== undefined) policy.numRetries = retry.numRetries;
  const backOff = retry.perRetry?.backOff;
  if (backOff) {
    policy.retryBackOff = {};
    if (backOff.baseInterval) policy.retryBackOff.baseInterval = seconds(backOff.baseInterval);
    if (backOff.maxInterval) policy.retryBackOff.maxInterval = seconds(backOff.maxInterval);
  }
  // A list only: the SecurityPolicy schema does not check inside oidc, and a string has a length too.
  if (Array.isArray(retry.retryOn?.triggers) && retry.retryOn.triggers.length) policy.retryOn = retry.retryOn.triggers.join(',');
  return policy;
}

function buildOAuth2(oidc: OIDC): Json {
  const suffix = oidc.cookieSuffix;
  const credentials: Json = { clientId: oidc.clientID };
  if (oidc.cookieDomain) credentials.cookieDomain = oidc.cookieDomain;
  credentials.cookieNames = {
    bearerToken: oidc.cookieNameOverrides?.accessToken ?? `AccessToken-${suffix}`,
    idToken: oidc.cookieNameOverrides?.idToken ?? `IdToken-${suffix}`,
    oauthExpires: `OauthExpires-${suffix}`,
    oauthHmac: `OauthHMAC-${suffix}`,
    oauthNonce: `OauthNonce-${suffix}`,
    refreshToken: `RefreshToken-${suffix}`,
  };
  credentials.hmacSecret = { name: hmacSecretName(oidc), sdsConfig: adsConfigSource };
  credentials.tokenSecret = { name: clientSecretName(oidc), sdsConfig: adsConfigSource };
  const config: Json = {
    authScopes: oidc.scopes ?? [],
    // The client authenticates to the token endpoint with HTTP Basic auth.
    authType: 'BASIC_AUTH',
    authorizationEndpoint: oidc.provider.authorizationEndpoint,
    credentials,
  };
  const expiresIn = seconds(oidc.defaultTokenTTL);
  if (expiresIn) config.defaultExpiresIn = expiresIn;
  const refreshExpiresIn = seconds(oidc.defaultRefreshTokenTTL);
  if (refreshExpiresIn) config.defaultRefreshTokenExpiresIn = refreshExpiresIn;
  // Without forwarding the access token, the client's own Authorization header must survive.
  if (oidc.forwardAccessToken) config.forwardBearerToken = true;
  else config.preserveAuthorizationHeader = true;
  config.redirectPathMatcher = { path: { exact: oidc.redirectPath } };
  config.redirectUri = oidc.redirectURL;
  if (oidc.resources?.length) config.resources = oidc.resources;
  const retry = retryPolicy(oidc);
  if (retry) config.retryPolicy = retry;
  config.signoutPath = { path: { exact: oidc.logoutPath } };
  config.tokenEndpoint = { cluster: tokenCluster(oidc), timeout: '10s', uri: oidc.provider.tokenEndpoint };
  config.useRefreshToken = oidc.refreshToken ?? false;
  return any('envoy.extensions.filters.http.oauth2.v3.OAuth2', { config });
}

export const oauth2Feature: HttpFilterFeature = {
  routeFields: ['security'],
  listenerFilters: (listener) => perPolicyFilters(listener, oauth2FilterType, oidcsOf, buildOAuth2),
  routeConfig: (route) => perPolicyRouteConfig(route, oauth2FilterType, oidcsOf),
  resources(xds: Xds, _options, out: FilterResources) {
    for (const oidc of routeItems(xds, oidcsOf)) {
      if (oidc.provider.destination) addDestinationCluster(out, oidc.provider.destination, xds, { traffic: oidc.provider.traffic as TrafficFeatures });
      else addUrlCluster(out, oidc.provider.tokenEndpoint, xds);
      for (const [name, value] of [[clientSecretName(oidc), oidc.clientSecret], [hmacSecretName(oidc), oidc.hmacSecret]] as const) {
        if (out.secrets.some((s) => s.name === name)) continue;
        out.secrets.push({ genericSecret: { secret: { inlineBytes: bytesToBase64(value) } }, name });
      }
    }
  },
};
