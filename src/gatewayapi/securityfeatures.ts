/**
 * The features of a SecurityPolicy spec as IR `security` fields: CORS, basic auth, JWT, OIDC,
 * external authorization and authorization rules. Each builder throws a plain Error whose
 * message the caller prefixes with the feature name.
 */
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import type { StringMatch } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import { trafficFromClusterSettings } from './clustersettings.js';
import type { TranslationContext } from './context.js';
import { extServiceAuthority, extServiceDestination, extServiceRefs, fieldOf } from './extservice.js';
import { normalizeGoDuration } from './units.js';
import { policySecret, secretValue } from './secretref.js';
import { isHttpURL, requestURIProblem } from '../urls.js';
import { invalidHeaderValue } from './httpfilters.js';

type Json = Record<string, unknown>;

/** `securitypolicy/ns/name`: the name of the policy's filters in the IR. */
export function securityConfigName(policy: KubeObject): string {
  return `securitypolicy/${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
}

function duration(value: string, field: string): string {
  const canonical = normalizeGoDuration(value);
  if (canonical === undefined) throw new Error(`invalid ${field} duration ${value}`);
  return canonical;
}

/** A CORS origin: exact, or with `*` wildcards as a regex (`*` matches any characters). */
function originMatch(origin: string): StringMatch {
  if (!origin.includes('*')) return { distinct: false, exact: origin };
  return { distinct: false, safeRegex: origin.replaceAll('.', '\\.').replaceAll('*', '.*') };
}

export function buildCORS(spec: any): Json {
  const cors: Json = {};
  if (spec.allowOrigins?.length) cors.allowOrigins = spec.allowOrigins.map(originMatch);
  for (const field of ['allowMethods', 'allowHeaders', 'exposeHeaders']) {
    if (spec[field]?.length) cors[field] = [...spec[field]];
  }
  if (spec.maxAge !== undefined) cors.maxAge = duration(spec.maxAge, 'maxAge');
  if (spec.allowCredentials === true) cors.allowCredentials = true;
  return cors;
}

/**
 * The reference's checks of a JWT provider, in its words, then what Envoy refuses: a key set URI
 * it cannot fetch from, a header name or prefix with a line break or NUL.
 */
function checkJWTProvider(provider: any): void {
  const uri = provider?.remoteJWKS?.uri;
  if (typeof uri === 'string') {
    const problem = requestURIProblem(uri);
    if (problem) throw new Error(`invalid remote JWKS URI: parse ${JSON.stringify(uri)}: ${problem}`);
    if (!isHttpURL(uri)) throw new Error(`remote JWKS URI ${uri} is not an absolute http or https URL, which Envoy fetches the keys from`);
  }
  for (const entry of provider?.claimToHeaders ?? []) {
    if (!entry?.header) throw new Error(`header must be set for claimToHeader provider: ${entry?.header ?? ''}`);
    if (!entry?.claim) throw new Error(`claim must be set for claimToHeader provider: ${entry?.claim ?? ''}`);
    refuseLineBreak('claimToHeaders header', entry.header);
  }
  for (const entry of provider?.extractFrom?.headers ?? []) {
    if (!entry?.name) throw new Error('extractFrom header name must not be empty');
    refuseLineBreak('extractFrom header name', entry.name);
    refuseLineBreak('extractFrom header valuePrefix', entry.valuePrefix);
  }
}

function refuseLineBreak(what: string, value: unknown): void {
  if (typeof value === 'string' && invalidHeaderValue.test(value)) throw new Error(`${what} ${JSON.stringify(value)} holds a line break or NUL, which Envoy refuses in a header`);
}

export function buildJWT(spec: any): Json {
  for (const provider of spec.providers ?? []) checkJWTProvider(provider);
  const jwt: Json = { providers: structuredClone(spec.providers ?? []) };
  if (spec.optional === true) jwt.allowMissing = true;
  return jwt;
}

export function buildBasicAuth(ctx: TranslationContext, policy: KubeObject, spec: any): Json {
  const secret = policySecret(ctx, policy, spec.users);
  const users = secretValue(secret, '.htpasswd');
  if (users === undefined) throw new Error(`htpasswd file not found in secret ${secret.metadata.namespace}/${secret.metadata.name}`);
  return { name: securityConfigName(policy), users };
}

/** A client CIDR as the IR describes it: the network address, prefix length and family. */
function cidrMatch(cidr: string): Json {
  if (typeof cidr !== 'string') throw new Error(`invalid CIDR address: ${JSON.stringify(cidr)}`);
  const [address, bits, extra] = cidr.split('/');
  const family = isIP(address ?? '');
  const maskLen = Number(bits);
  const maxLen = family === 6 ? 128 : 32;
  if (family === 0 || extra !== undefined || bits === undefined || !/^\d+$/.test(bits) || maskLen > maxLen) {
    throw new Error(`invalid CIDR address: ${cidr}`);
  }
  const network = family === 4 ? maskIPv4(address, maskLen) : maskIPv6(address, maskLen);
  return { cidr: `${network}/${maskLen}`, distinct: false, ip: network, isIPv6: family === 6, maskLen };
}

function maskIPv4(address: string, bits: number): string {
  const value = address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const network = (value & mask) >>> 0;
  return [24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.');
}

function maskIPv6(address: string, bits: number): string {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups].map((g) => parseInt(g, 16));
  const masked = groups.map((group, index) => {
    const keep = Math.max(0, Math.min(16, bits - index * 16));
    return keep === 0 ? 0 : group & ((0xffff << (16 - keep)) & 0xffff);
  });
  // Shortest form: the longest run of zero groups becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (masked[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && masked[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = masked.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function buildAuthorization(policy: KubeObject, spec: any): Json {
  const authorization: Json = { defaultAction: spec.defaultAction ?? 'Deny' };
  const rules = (spec.rules ?? []).map((rule: any, index: number) => {
    const principal: Json = {};
    if (rule.principal?.clientCIDRs?.length) principal.clientCIDRs = rule.principal.clientCIDRs.map(cidrMatch);
    if (rule.principal?.jwt) principal.jwt = structuredClone(rule.principal.jwt);
    return { action: rule.action, name: rule.name ?? `${securityConfigName(policy)}/authorization/rule/${index}`, principal };
  });
  if (rules.length) authorization.rules = rules;
  return authorization;
}

export function buildExtAuth(ctx: TranslationContext, policy: KubeObject, spec: any): Json {
  const http = fieldOf(spec, 'http');
  const grpc = fieldOf(spec, 'grpc');
  if (http && grpc) throw new Error('only one of grpc or http can be specified');
  if (!http && !grpc) throw new Error('one of grpc or http must be specified');
  const service = http ?? grpc;
  const refs = extServiceRefs(service);
  if (refs.length === 0) throw new Error(`${http ? 'http' : 'grpc'} backend refs must be specified`);
  const destination = extServiceDestination(ctx, policy, refs, http ? 'HTTP' : 'GRPC', `${securityConfigName(policy)}/0`);
  const extAuth: Json = { name: securityConfigName(policy), failOpen: spec.failOpen === true };
  const headersToExtAuth = fieldOf(spec, 'headersToExtAuth');
  if (headersToExtAuth?.length) extAuth.headersToExtAuth = [...headersToExtAuth];
  const serviceSettings = fieldOf(service, 'backendSettings');
  const settingsPath = serviceSettings ? ['spec', 'extAuth', http ? 'http' : 'grpc', 'backendSettings'] : ['spec', 'extAuth', 'backendSettings'];
  const traffic = trafficFromClusterSettings(serviceSettings ?? fieldOf(spec, 'backendSettings'), { irSources: ctx.irSources, object: policy, path: settingsPath });
  if (traffic) extAuth.traffic = traffic;
  if (spec.recomputeRoute !== undefined) extAuth.recomputeRoute = spec.recomputeRoute;
  if (spec.bodyToExtAuth) extAuth.bodyToExtAuth = { maxRequestBytes: spec.bodyToExtAuth.maxRequestBytes };
  const authority = extServiceAuthority(policy, refs);
  if (http) {
    const httpService: Json = { authority, destination };
    const path = fieldOf(http, 'path');
    if (path) httpService.path = path;
    const headersToBackend = fieldOf(http, 'headersToBackend');
    if (headersToBackend?.length) httpService.headersToBackend = [...headersToBackend];
    extAuth.http = httpService;
  } else {
    extAuth.grpc = { authority, destination };
  }
  return extAuth;
}

const defaultRedirectURL = '%REQ(x-forwarded-proto)%://%REQ(:authority)%/oauth2/callback';
const defaultLogoutPath = '/logout';
const hmacSecretName = 'envoy-oidc-hmac';

/** The path of the OIDC redirect URL, which the oauth2 filter intercepts. */
function redirectPathOf(url: string): string {
  if (typeof url !== 'string') throw new Error('invalid redirect URL: not a string');
  const schemeEnd = url.indexOf('://');
  if (schemeEnd <= 0) throw new Error(`invalid redirect URL ${url}: missing scheme`);
  const scheme = url.slice(0, schemeEnd);
  if (scheme !== 'http' && scheme !== 'https' && scheme !== '%REQ(x-forwarded-proto)%') {
    throw new Error(`invalid redirect URL ${url}: unsupported scheme ${scheme}`);
  }
  const rest = url.slice(schemeEnd + 3);
  const slash = rest.indexOf('/');
  if (slash <= 0) throw new Error(`invalid redirect URL ${url}: missing hostname`);
  const path = rest.slice(slash);
  if (path === '/') throw new Error(`invalid redirect URL ${url}: missing path`);
  return path;
}

/** An HTTP token (RFC 7230): what Envoy takes as a cookie name. */
const httpToken = /^[0-9A-Za-z!#$%&'*+\-.^_`|~]+$/;

/** FNV-1a (32 bit) of `text` in hex: the reference's per-policy cookie suffix. */
function fnv32a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16);
}

function buildOIDCProvider(ctx: TranslationContext, policy: KubeObject, spec: any): Json {
  const provider: Json = {};
  const refs = extServiceRefs(spec);
  if (refs.length) {
    const protocol = String(spec.tokenEndpoint ?? spec.issuer ?? '').startsWith('https://') ? 'HTTPS' : 'HTTP';
    provider.destination = extServiceDestination(ctx, policy, refs, protocol, `${securityConfigName(policy)}/0`);
  }
  const traffic = trafficFromClusterSettings(spec.backendSettings, { irSources: ctx.irSources, object: policy, path: ['spec', 'oidc', 'provider', 'backendSettings'] });
  if (traffic) provider.traffic = traffic;
  let { authorizationEndpoint, tokenEndpoint } = spec;
  if (!authorizationEndpoint || !tokenEndpoint) {
    // Endpoints the policy leaves out come from the issuer's discovery document, fetched before
    // translation (gatewayapi/oidcdiscovery.ts); the policy's own endpoints win.
    const discovered = ctx.options.oidcDiscovery?.get(spec.issuer);
    if (!discovered) {
      throw new Error(`provider ${spec.issuer} needs authorizationEndpoint and tokenEndpoint: its OpenID discovery document was not fetched`);
    }
    if ('error' in discovered) throw new Error(discovered.error);
    authorizationEndpoint ||= discovered.authorizationEndpoint;
    tokenEndpoint ||= discovered.tokenEndpoint;
  }
  // Envoy calls the token endpoint over a cluster for its host.
  if (!isHttpURL(tokenEndpoint)) throw new Error(`token endpoint ${tokenEndpoint} is not an absolute http or https URL`);
  provider.authorizationEndpoint = authorizationEndpoint;
  provider.tokenEndpoint = tokenEndpoint;
  return provider;
}

/**
 * The OAuth2 cookies' HMAC key when Secret envoy-gateway-system/envoy-oidc-hmac is absent:
 * HMAC-SHA256, keyed by the policy's client secret, of the policy's name. It is as secret as the
 * client secret, the same on every compile (sessions survive a re-deploy, goldens are stable)
 * and different per policy; rotating the client secret rotates it. Base64, like Secret data.
 */
function derivedHmacSecret(policy: KubeObject, clientSecretBase64: string): string {
  const key = Buffer.from(clientSecretBase64, 'base64');
  return createHmac('sha256', key).update(`egc/oidc-hmac/${securityConfigName(policy)}`).digest('base64');
}

export function buildOIDC(ctx: TranslationContext, policy: KubeObject, spec: any): Json {
  const clientSecretObject = policySecret(ctx, policy, spec.clientSecret);
  const clientSecret = secretValue(clientSecretObject, 'client-secret');
  if (clientSecret === undefined) {
    throw new Error(`client secret not found in secret ${clientSecretObject.metadata.namespace}/${clientSecretObject.metadata.name}`);
  }
  const provider = buildOIDCProvider(ctx, policy, spec.provider ?? {});
  const redirectURL: string = spec.redirectURL ?? defaultRedirectURL;
  const redirectPath = redirectPathOf(redirectURL);

  // In a cluster Envoy Gateway creates this Secret at install; on a host it rarely exists, so
  // without it egc derives the key (see derivedHmacSecret).
  const hmacSecret = ctx.resources.get('Secret', ctx.options.namespace, hmacSecretName);
  const hmac = hmacSecret ? secretValue(hmacSecret, 'hmac-secret') : derivedHmacSecret(policy, clientSecret);
  if (hmac === undefined) throw new Error(`HMAC secret not found in secret ${ctx.options.namespace}/${hmacSecretName}`);

  const scopes: string[] = [...(spec.scopes ?? [])];
  if (!scopes.includes('openid')) scopes.push('openid');
  const oidc: Json = {
    name: securityConfigName(policy),
    provider,
    clientID: spec.clientID,
    clientSecret,
    hmacSecret: hmac,
    scopes,
    redirectURL,
    redirectPath,
    logoutPath: spec.logoutPath ?? defaultLogoutPath,
    forwardAccessToken: spec.forwardAccessToken === true,
    refreshToken: spec.refreshToken === true,
    // Distinct cookie names per policy, so two policies on one host do not read each other's
    // cookies. The reference hashes the object's uid; files without one use the policy's name.
    cookieSuffix: fnv32a(String((policy.metadata as { uid?: string }).uid ?? securityConfigName(policy))),
  };
  if (spec.resources?.length) oidc.resources = [...spec.resources];
  if (spec.cookieDomain) oidc.cookieDomain = spec.cookieDomain;
  if (spec.cookieNames) {
    // Envoy takes cookie names that are HTTP tokens (its strict header-name rule, without the colon).
    for (const name of Object.values(spec.cookieNames)) {
      if (typeof name === 'string' && name !== '' && !httpToken.test(name)) throw new Error(`cookie name ${JSON.stringify(name)} is not an HTTP token (letters, digits and !#$%&'*+-.^_\`|~), which Envoy requires`);
    }
    oidc.cookieNameOverrides = { ...spec.cookieNames };
  }
  if (spec.defaultTokenTTL) oidc.defaultTokenTTL = duration(spec.defaultTokenTTL, 'defaultTokenTTL');
  if (spec.defaultRefreshTokenTTL) oidc.defaultRefreshTokenTTL = duration(spec.defaultRefreshTokenTTL, 'defaultRefreshTokenTTL');
  return oidc;
}
