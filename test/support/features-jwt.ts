// RSA keys, JWKS and RS256-signed JWTs for the JWT and OIDC end-to-end tests, with node:crypto.
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';

export interface Jwk {
  kty: string;
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

export interface SigningKey {
  kid: string;
  /** The public key as a JWKS document ({keys: [...]}). */
  jwks: { keys: Jwk[] };
  /** A compact JWS (RS256) of the claims, signed with this key. */
  sign(claims: Record<string, unknown>): string;
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export function newSigningKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const { n, e, kty } = publicKey.export({ format: 'jwk' }) as { n: string; e: string; kty: string };
  return {
    kid,
    jwks: { keys: [{ kty, n, e, kid, alg: 'RS256', use: 'sig' }] },
    sign: (claims) => signJwt(claims, privateKey, kid),
  };
}

function signJwt(claims: Record<string, unknown>, privateKey: KeyObject, kid: string): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

/** Seconds since the epoch, as JWT `iat`/`exp` want them. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
