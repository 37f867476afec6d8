import type { UpstreamTLSConfig } from '../ir/types.js';
import { adsConfigSource, any, bytesToBase64, type Json } from './resources.js';
import { caSecret, certificateSecret, tlsParams } from './tls.js';

/** Where the proxy image keeps the system's trusted CAs. */
export const systemTrustStorePath = '/etc/ssl/certs/ca-certificates.crt';

/**
 * The TLS transport socket toward a backend (BackendTLSPolicy): SNI, and the server certificate
 * checked against the policy's CA (via SDS) or the system trust store, for the SNI as DNS SAN.
 * Returns the secrets it refers to.
 */
export function upstreamTlsSocket(tls: UpstreamTLSConfig): { socket: Json; secrets: Json[] } {
  const secrets: Json[] = [];
  const common: Json = {};
  const params = tlsParams(tls);
  if (params) common.tlsParams = params;
  if (tls.alpnProtocols?.length) common.alpnProtocols = tls.alpnProtocols;
  if (tls.clientCertificates?.length) {
    common.tlsCertificateSdsSecretConfigs = tls.clientCertificates.map((c) => ({ name: c.name, sdsConfig: adsConfigSource }));
    secrets.push(...tls.clientCertificates.map(certificateSecret));
  }
  const sanMatchers = tls.sni ? [{ matcher: { exact: tls.sni }, sanType: 'DNS' }] : undefined;
  if (tls.caCertificate) {
    const defaultValidationContext: Json = {};
    if (sanMatchers) defaultValidationContext.matchTypedSubjectAltNames = sanMatchers;
    common.combinedValidationContext = {
      defaultValidationContext,
      validationContextSdsSecretConfig: { name: tls.caCertificate.name, sdsConfig: adsConfigSource },
    };
    secrets.push(caSecret(tls.caCertificate.name, bytesToBase64(tls.caCertificate.certificate)));
  } else if (tls.useSystemTrustStore) {
    const validationContext: Json = { trustedCa: { filename: systemTrustStorePath } };
    if (sanMatchers) validationContext.matchTypedSubjectAltNames = sanMatchers;
    common.validationContext = validationContext;
  }
  const context: Json = { commonTlsContext: common };
  if (tls.sni) context.sni = tls.sni;
  return {
    socket: { name: 'envoy.transport_sockets.tls', typedConfig: any('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', context) },
    secrets,
  };
}

/** Endpoint metadata that selects a cluster's transport socket match by name. */
export function transportSocketMatchMetadata(matchName: string): Json {
  return { filterMetadata: { 'envoy.transport_socket_match': { name: matchName } } };
}
