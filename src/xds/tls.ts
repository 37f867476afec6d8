import type { TLSCertificate, TLSConfig } from '../ir/types.js';
import { adsConfigSource, any, bytesToBase64, type Json } from './resources.js';

const defaultAlpn = ['h2', 'http/1.1'];

const tlsVersions: Record<string, string> = {
  Auto: 'TLS_AUTO',
  '1.0': 'TLSv1_0',
  '1.1': 'TLSv1_1',
  '1.2': 'TLSv1_2',
  '1.3': 'TLSv1_3',
};

/** The SDS secret of a certificate and its key. */
export function certificateSecret(certificate: TLSCertificate): Json {
  return {
    name: certificate.name,
    tlsCertificate: {
      certificateChain: { inlineBytes: bytesToBase64(certificate.serverCertificate) },
      privateKey: { inlineBytes: bytesToBase64(certificate.privateKey) },
    },
  };
}

/** The SDS secret of a CA bundle that peers' certificates are checked against. */
export function caSecret(name: string, certificateBase64: string): Json {
  return { name, validationContext: { trustedCa: { inlineBytes: certificateBase64 } } };
}

/**
 * The SDS secrets a listener's TLS config refers to: its certificates, then its client CA. The
 * reference adds them per listener, without merging repeats, and so do we.
 */
export function buildSecrets(tls: TLSConfig): Json[] {
  const secrets = (tls.certificates ?? []).map(certificateSecret);
  if (tls.caCertificate) secrets.push(caSecret(tls.caCertificate.name, bytesToBase64(tls.caCertificate.certificate)));
  return secrets;
}

/** Protocol versions and algorithms, or undefined when all are Envoy's defaults. */
export function tlsParams(tls: { minVersion?: string; maxVersion?: string; ciphers?: string[]; ecdhCurves?: string[]; signatureAlgorithms?: string[] }): Json | undefined {
  const params: Json = {};
  if (tls.minVersion) params.tlsMinimumProtocolVersion = tlsVersions[tls.minVersion] ?? tls.minVersion;
  if (tls.maxVersion) params.tlsMaximumProtocolVersion = tlsVersions[tls.maxVersion] ?? tls.maxVersion;
  if (tls.ciphers?.length) params.cipherSuites = tls.ciphers;
  if (tls.ecdhCurves?.length) params.ecdhCurves = tls.ecdhCurves;
  if (tls.signatureAlgorithms?.length) params.signatureAlgorithms = tls.signatureAlgorithms;
  return Object.keys(params).length ? params : undefined;
}

/**
 * The DownstreamTlsContext of a listener that terminates TLS. Session resumption is off unless
 * the IR turns it on. With a client CA, the client certificate is checked against it (SDS).
 */
export function downstreamTlsContext(tls: TLSConfig, defaultProtocols: string[]): Json {
  const common: Json = {};
  const alpn = tls.alpnProtocols === undefined || tls.alpnProtocols === null ? defaultProtocols : tls.alpnProtocols;
  if (alpn.length) common.alpnProtocols = alpn;
  const params = tlsParams(tls);
  if (params) common.tlsParams = params;
  common.tlsCertificateSdsSecretConfigs = (tls.certificates ?? []).map((c) => ({ name: c.name, sdsConfig: adsConfigSource }));
  if (tls.caCertificate) common.validationContextSdsSecretConfig = { name: tls.caCertificate.name, sdsConfig: adsConfigSource };
  const context: Json = { commonTlsContext: common };
  if (!tls.statefulSessionResumption) context.disableStatefulSessionResumption = true;
  if (!tls.statelessSessionResumption) context.disableStatelessSessionResumption = true;
  // A BoolValue: with a client CA the reference always says whether a certificate is required.
  if (tls.caCertificate) context.requireClientCertificate = Boolean(tls.requireClientCertificate);
  else if (tls.requireClientCertificate) context.requireClientCertificate = true;
  return context;
}

/** The downstream TLS transport socket of a filter chain that terminates TLS. */
export function downstreamTransportSocket(tls: TLSConfig, http: boolean): Json {
  return {
    name: 'envoy.transport_sockets.tls',
    typedConfig: any('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', downstreamTlsContext(tls, http ? defaultAlpn : [])),
  };
}

/** The QUIC transport socket of an HTTP/3 listener: the same TLS context, offering only h3. */
export function quicTransportSocket(tls: TLSConfig): Json {
  return {
    name: 'envoy.transport_sockets.quic',
    typedConfig: any('envoy.extensions.transport_sockets.quic.v3.QuicDownstreamTransport', {
      downstreamTlsContext: downstreamTlsContext({ ...tls, alpnProtocols: ['h3'] }, ['h3']),
    }),
  };
}
