import type { ClientIPDetection } from '../ir/types.js';
import { any, type Json } from './resources.js';

/**
 * How the connection manager finds the client's address: from the connection (default), from
 * X-Forwarded-For behind N trusted hops, or from a custom header (which replaces the remote
 * address as the source of truth).
 */
export function clientIPFields(detection: ClientIPDetection | undefined): Json {
  const custom = detection?.customHeader;
  if (custom) {
    const config: Json = { allowExtensionToSetAddressAsTrusted: true, headerName: custom.name };
    if (custom.failClosed) config.rejectWithStatus = { code: 'Forbidden' };
    return {
      originalIpDetectionExtensions: [
        {
          name: 'envoy.extensions.http.original_ip_detection.custom_header',
          typedConfig: any('envoy.extensions.http.original_ip_detection.custom_header.v3.CustomHeaderConfig', config),
        },
      ],
      useRemoteAddress: false,
    };
  }
  const fields: Json = { useRemoteAddress: true };
  const hops = detection?.xForwardedFor?.numTrustedHops;
  if (hops) fields.xffNumTrustedHops = hops;
  return fields;
}
