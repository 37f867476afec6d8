import { createPrivateKey, X509Certificate } from 'node:crypto';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
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

export interface CertificateProblem {
  /** The certificate's name in the IR: the Secret as `namespace/name`. */
  secret: string;
  /** The Secret key the problem is in. */
  key: 'tls.crt' | 'tls.key';
  severity: 'error' | 'warning';
  message: string;
}

/**
 * Problems the reference's statuses do not report but Envoy or clients will meet: a private key
 * that does not belong to the certificate (Envoy refuses to load the listener) and a certificate
 * outside its validity period (clients refuse it). Both are diagnostics only, so statuses stay
 * the reference's. Unparsable data is left to validateServerCertificates.
 */
export function certificatePairProblems(secret: string, certificateBase64: string, keyBase64: string, now: Date = new Date()): CertificateProblem[] {
  let certificate: X509Certificate;
  let key;
  try {
    certificate = new X509Certificate(decode(certificateBase64));
    key = createPrivateKey(decode(keyBase64));
  } catch {
    return [];
  }
  const problems: CertificateProblem[] = [];
  if (!certificate.checkPrivateKey(key)) {
    problems.push({ secret, key: 'tls.key', severity: 'error', message: `Secret ${secret}: the private key in tls.key does not match the certificate in tls.crt; Envoy will refuse to load it` });
  }
  const notAfter = new Date(certificate.validTo);
  const notBefore = new Date(certificate.validFrom);
  if (notAfter.getTime() < now.getTime()) {
    problems.push({ secret, key: 'tls.crt', severity: 'warning', message: `Secret ${secret}: the certificate in tls.crt expired on ${notAfter.toISOString()}; clients will reject it` });
  } else if (notBefore.getTime() > now.getTime()) {
    problems.push({ secret, key: 'tls.crt', severity: 'warning', message: `Secret ${secret}: the certificate in tls.crt is not valid before ${notBefore.toISOString()}; clients will reject it until then` });
  }
  return problems;
}

/**
 * IR fields whose types hold no certificate, skipped by the walk: endpoint lists (most of a
 * large IR) hold only addresses, and a route's matches, metadata, header changes, redirect and
 * rewrite only strings and numbers.
 */
const certificateFreeKeys = new Set([
  'endpoints',
  'metadata',
  'pathMatch',
  'headerMatches',
  'queryParamMatches',
  'addRequestHeaders',
  'addResponseHeaders',
  'removeRequestHeaders',
  'removeResponseHeaders',
  'redirect',
  'urlRewrite',
  'directResponse',
]);

/** The problems of every certificate and key an IR serves (listeners, TLS routes, backend client certificates), once per Secret. */
export function certificateProblems(irs: readonly unknown[], now: Date = new Date()): CertificateProblem[] {
  const seen = new Set<string>();
  const problems: CertificateProblem[] = [];
  // A route's copies for each hostname share one destination: walked once.
  const destinationsSeen = new Set<unknown>();
  // The whole IR is walked (certificates sit wherever a TLS setting does): plain loops, no closures.
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const item = value[index];
        if (item !== null && typeof item === 'object') visit(item);
      }
      return;
    }
    const object = value as Record<string, unknown>;
    if (typeof object.serverCertificate === 'string' && typeof object.name === 'string' && typeof object.privateKey === 'string') {
      if (!seen.has(object.name)) {
        seen.add(object.name);
        problems.push(...certificatePairProblems(object.name, object.serverCertificate, object.privateKey, now));
      }
      return;
    }
    for (const key in object) {
      if (certificateFreeKeys.has(key)) continue;
      const item = object[key];
      if (item === null || typeof item !== 'object') continue;
      if (key === 'destination') {
        if (destinationsSeen.has(item)) continue;
        destinationsSeen.add(item);
      }
      visit(item);
    }
  };
  for (const ir of irs) if (ir !== null && typeof ir === 'object') visit(ir);
  return problems;
}

/** certificateProblems as diagnostics, at the Secret's tls.crt or tls.key. */
export function certificateDiagnostics(irs: readonly unknown[], objects: readonly KubeObject[], now: Date = new Date()): Diagnostic[] {
  return certificateProblems(irs, now).map((problem) => {
    const secret = objects.find((o) => o.kind === 'Secret' && `${o.metadata.namespace}/${o.metadata.name}` === problem.secret);
    const init = { code: codes.certificateProblem, severity: problem.severity, message: problem.message };
    return secret ? diagnosticAt(secret, ['data', problem.key], init) : { ...init };
  });
}
