import type { TLSConfig } from '../ir/types.js';
import { adsConfigSource, any, bytesToBase64, type Json } from './resources.js';

const defaultAlpn = ['h2', 'http/1.1'];

const tlsVersions: Record<string, string> = {
  Auto: 'TLS_AUTO',
  '1.0': 'TLSv1_0',
  '1.1': 'TLSv1_1',
  '1.2': 'TLSv1_2',
  '1.3': 'TLSv1_3',
};

/** The SDS secrets a TLS config's certificates become. */
export function buildSecrets(tls: TLSConfig): Json[] {
  return (tls.certificates ?? []).map((certificate) => ({
    name: certificate.name,
    tlsCertificate: {
      certificateChain: { inlineBytes: bytesToBase64(certificate.serverCertificate) },
      privateKey: { inlineBytes: bytesToBase64(certificate.privateKey) },
    },
  }));
}

/** The downstream TLS transport socket of a filter chain that terminates TLS. */
export function downstreamTransportSocket(tls: TLSConfig, http: boolean): Json {
  const common: Json = {};
  const alpn = tls.alpnProtocols === undefined || tls.alpnProtocols === null ? (http ? defaultAlpn : []) : tls.alpnProtocols;
  if (alpn.length) common.alpnProtocols = alpn;
  const params: Json = {};
  if (tls.minVersion) params.tlsMinimumProtocolVersion = tlsVersions[tls.minVersion] ?? tls.minVersion;
  if (tls.maxVersion) params.tlsMaximumProtocolVersion = tlsVersions[tls.maxVersion] ?? tls.maxVersion;
  if (tls.ciphers?.length) params.cipherSuites = tls.ciphers;
  if (tls.ecdhCurves?.length) params.ecdhCurves = tls.ecdhCurves;
  if (tls.signatureAlgorithms?.length) params.signatureAlgorithms = tls.signatureAlgorithms;
  if (Object.keys(params).length) common.tlsParams = params;
  common.tlsCertificateSdsSecretConfigs = (tls.certificates ?? []).map((c) => ({ name: c.name, sdsConfig: adsConfigSource }));
  const context: Json = { commonTlsContext: common, disableStatefulSessionResumption: true, disableStatelessSessionResumption: true };
  if (tls.requireClientCertificate) context.requireClientCertificate = true;
  return {
    name: 'envoy.transport_sockets.tls',
    typedConfig: any('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', context),
  };
}
