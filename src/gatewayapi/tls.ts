import { createPrivateKey, X509Certificate } from 'node:crypto';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { HTTPListener, HTTPRoute, RouteDestination, TLSCertificate, Xds } from '../ir/types.js';
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

function isCertificate(value: object): value is TLSCertificate {
  const object = value as Record<string, unknown>;
  return typeof object.serverCertificate === 'string' && typeof object.name === 'string' && typeof object.privateKey === 'string';
}

/**
 * The problems of every certificate and key an IR serves, once per Secret, in the order the IR
 * holds them. The IR types put certificates in listener and TCP route TLS settings
 * (TLSConfig.certificates) and in destination settings' TLS (UpstreamTLSConfig.clientCertificates).
 * HTTP routes, almost all of a large IR, are looked at only there (their destination and
 * mirrors) and in the untyped parts that hold the destinations of external services (security,
 * envoyExtensions), in the order route translation adds them, and not at all when `routes` says
 * they hold no certificate; the rest of the IR is walked whole.
 */
export function certificateProblems(irs: readonly unknown[], now: Date = new Date(), routes = true): CertificateProblem[] {
  const seen = new Set<string>();
  const problems: CertificateProblem[] = [];
  const found = (certificate: TLSCertificate): void => {
    if (seen.has(certificate.name)) return;
    seen.add(certificate.name);
    problems.push(...certificatePairProblems(certificate.name, certificate.serverCertificate, certificate.privateKey, now));
  };
  const foundAll = (certificates: readonly TLSCertificate[]): void => {
    for (const certificate of certificates) if (isCertificate(certificate)) found(certificate);
  };
  const visitDestination = (destination: RouteDestination): void => {
    const settings = destination.settings;
    if (!settings) return;
    for (let index = 0; index < settings.length; index++) {
      const certificates = settings[index].tls?.clientCertificates;
      if (certificates) foundAll(certificates);
    }
  };
  // As many routes as Envoy gets, mostly walked before the JIT has optimised anything: one loop
  // of plain property reads, no key enumeration, no call per route, no for-of (which allocates
  // per item until then).
  const visitHTTPRoutes = (routes: readonly HTTPRoute[]): void => {
    for (let index = 0; index < routes.length; index++) {
      const route = routes[index];
      const mirrors = route.mirrors;
      if (mirrors) for (let at = 0; at < mirrors.length; at++) visitDestination(mirrors[at]);
      if (route.destination) visitDestination(route.destination);
      if (route.security) visit(route.security);
      if (route.envoyExtensions) visit(route.envoyExtensions);
    }
  };
  // Anything else: every object and array in it but endpoint lists, plain loops and no closures.
  const visit = (value: object): void => {
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const item = value[index];
        if (item !== null && typeof item === 'object') visit(item);
      }
      return;
    }
    if (isCertificate(value)) {
      found(value);
      return;
    }
    const object = value as Record<string, unknown>;
    for (const key in object) {
      const item = object[key];
      if (item !== null && typeof item === 'object' && key !== 'endpoints') visit(item);
    }
  };
  const visitXds = (ir: Xds): void => {
    for (const key in ir) {
      const value = ir[key as keyof Xds];
      if (value === null || typeof value !== 'object') continue;
      if (key !== 'http') {
        visit(value);
        continue;
      }
      for (const listener of value as HTTPListener[]) {
        for (const listenerKey in listener) {
          const item = listener[listenerKey as keyof HTTPListener];
          if (item === null || typeof item !== 'object') continue;
          if (listenerKey !== 'routes') visit(item);
          else if (routes) visitHTTPRoutes(item as HTTPRoute[]);
        }
      }
    }
  };
  for (const ir of irs) if (ir !== null && typeof ir === 'object') visitXds(ir as Xds);
  return problems;
}

/** certificateProblems as diagnostics, at the Secret's tls.crt or tls.key. */
export function certificateDiagnostics(irs: readonly unknown[], objects: readonly KubeObject[], now: Date = new Date(), routes = true): Diagnostic[] {
  return certificateProblems(irs, now, routes).map((problem) => {
    const secret = objects.find((o) => o.kind === 'Secret' && `${o.metadata.namespace}/${o.metadata.name}` === problem.secret);
    const init = { code: codes.certificateProblem, severity: problem.severity, message: problem.message };
    return secret ? diagnosticAt(secret, ['data', problem.key], init) : { ...init };
  });
}
