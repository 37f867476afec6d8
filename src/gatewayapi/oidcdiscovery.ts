/**
 * OpenID Connect discovery before translation. A SecurityPolicy's OIDC provider may name only its
 * issuer; the reference then reads the issuer's `/.well-known/openid-configuration` for the
 * authorization and token endpoints. Translation itself is synchronous and offline, so the
 * documents are fetched first, here, and translation looks the endpoints up by issuer.
 */
import type { KubeObject } from '../load/resource.js';

export interface OIDCEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

/** Per issuer: its endpoints, or why egc could not learn them. */
export type OIDCDiscovery = ReadonlyMap<string, OIDCEndpoints | { error: string }>;

export interface DiscoveryOptions {
  /** Fetch nothing: every issuer that needs discovery gets an error instead. */
  offline?: boolean;
  timeoutMs?: number;
}

const defaultTimeoutMs = 10_000;

/** Issuers of OIDC providers that leave out the authorization or the token endpoint. */
export function issuersNeedingDiscovery(objects: readonly KubeObject[]): string[] {
  const issuers = new Set<string>();
  for (const object of objects) {
    if (object.kind !== 'SecurityPolicy') continue;
    const provider = object.spec?.oidc?.provider;
    if (typeof provider?.issuer !== 'string') continue;
    if (!provider.authorizationEndpoint || !provider.tokenEndpoint) issuers.add(provider.issuer);
  }
  return [...issuers].sort();
}

export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

async function fetchEndpoints(issuer: string, timeoutMs: number): Promise<OIDCEndpoints | { error: string }> {
  const url = discoveryUrl(issuer);
  const failed = (why: string) => ({ error: `OpenID discovery for issuer ${issuer} failed: ${url}: ${why}` });
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return failed(cause?.code ?? cause?.message ?? (error as Error).message);
  }
  if (response.status !== 200) return failed(`HTTP ${response.status}`);
  let document: any;
  try {
    document = await response.json();
  } catch {
    return failed('the answer is not JSON');
  }
  const { authorization_endpoint: authorizationEndpoint, token_endpoint: tokenEndpoint } = document ?? {};
  if (typeof authorizationEndpoint !== 'string' || typeof tokenEndpoint !== 'string') {
    return failed('the document lacks authorization_endpoint or token_endpoint');
  }
  return { authorizationEndpoint, tokenEndpoint };
}

/**
 * Fetches the discovery document of every issuer that needs one (in parallel). Failures are
 * results, not exceptions: translation reports them on the policy that needed the issuer.
 */
export async function discoverOIDCIssuers(objects: readonly KubeObject[], options: DiscoveryOptions = {}): Promise<OIDCDiscovery> {
  const issuers = issuersNeedingDiscovery(objects);
  const results = new Map<string, OIDCEndpoints | { error: string }>();
  if (options.offline) {
    for (const issuer of issuers) {
      results.set(issuer, {
        error: `provider ${issuer} gives no authorizationEndpoint and tokenEndpoint, and --offline forbids fetching ${discoveryUrl(issuer)}`,
      });
    }
    return results;
  }
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const fetched = await Promise.all(issuers.map((issuer) => fetchEndpoints(issuer, timeoutMs)));
  issuers.forEach((issuer, index) => results.set(issuer, fetched[index]!));
  return results;
}
