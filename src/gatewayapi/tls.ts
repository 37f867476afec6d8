import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { KubeObject } from '../load/resource.js';

function decode(base64: string): Buffer {
  return Buffer.from(base64, 'base64');
}

/** The names a certificate serves: DNS SANs, else its common name. */
function certificateNames(certificate: X509Certificate): string[] {
  const sans = (certificate.subjectAltName ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  if (sans.length > 0) return sans;
  const cn = /CN=([^\n,]+)/.exec(certificate.subject)?.[1];
  return cn ? [cn] : [];
}

function algorithmOf(certificate: X509Certificate): string {
  const type = certificate.publicKey.asymmetricKeyType;
  return type === 'ec' ? 'ECDSA' : type === 'rsa' ? 'RSA' : (type ?? 'unknown').toUpperCase();
}

/**
 * Checks listener certificates before they reach Envoy: each Secret's certificate and key parse
 * as PEM, and no two certificates with the same public key algorithm serve the same name
 * (Envoy picks a certificate per SNI and key type). Returns a status message, or undefined.
 */
export function validateServerCertificates(secrets: readonly KubeObject[]): string | undefined {
  const seen = new Map<string, string>();
  for (const secret of secrets) {
    const id = `${secret.metadata.namespace}/${secret.metadata.name}`;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(decode(secret.data['tls.crt']));
      createPrivateKey(decode(secret.data['tls.key']));
    } catch (error) {
      return `Secret ${id} must contain valid tls.crt and tls.key, unable to validate certificate in tls.crt: ${(error as Error).message}.`;
    }
    const algorithm = algorithmOf(certificate);
    const names = certificateNames(certificate);
    const clashes = names.filter((name) => seen.get(`${algorithm}|${name}`));
    if (clashes.length > 0) {
      return `Secret ${id} public key algorithm must be unique, matched certificate FQDN [${clashes.join(' ')}] has a conflicting algorithm [${algorithm}].`;
    }
    for (const name of names) seen.set(`${algorithm}|${name}`, id);
  }
  return undefined;
}
