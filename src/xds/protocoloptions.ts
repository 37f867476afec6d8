import type { HTTP1Settings, HTTP2Settings } from '../ir/types.js';
import { any, type Json } from './resources.js';

const httpProtocolOptionsType = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

// Envoy Gateway's HTTP/2 window defaults (Envoy's own are 256 MiB, too generous per stream).
const defaultStreamWindow = 65536;
const defaultConnectionWindow = 1048576;
const defaultListenerMaxStreams = 100;

/** HTTP/1.1 options shared by listeners and clusters; undefined when nothing differs from Envoy's defaults. */
export function http1ProtocolOptions(settings: HTTP1Settings | undefined): Json | undefined {
  if (!settings || (!settings.enableTrailers && !settings.preserveHeaderCase && !settings.http10)) return undefined;
  const options: Json = {};
  if (settings.enableTrailers) options.enableTrailers = true;
  if (settings.preserveHeaderCase) {
    options.headerKeyFormat = {
      statefulFormatter: {
        name: 'preserve_case',
        typedConfig: any('envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig', {}),
      },
    };
  }
  if (settings.http10) {
    options.acceptHttp10 = true;
    if (settings.http10.defaultHost) options.defaultHostForHttp10 = settings.http10.defaultHost;
  }
  return options;
}

/**
 * HTTP/2 window sizes. The reference IR's keys are crosswise: `initialConnectionWindowSize` holds
 * the stream window and `initialStreamWindowSize` the connection window.
 */
function http2Windows(settings: HTTP2Settings | undefined): Json {
  return {
    initialStreamWindowSize: settings?.initialConnectionWindowSize ?? defaultStreamWindow,
    initialConnectionWindowSize: settings?.initialStreamWindowSize ?? defaultConnectionWindow,
  };
}

function http2Common(settings: HTTP2Settings | undefined, options: Json): Json {
  if (settings?.resetStreamOnError !== undefined && settings.resetStreamOnError !== null) {
    options.overrideStreamErrorOnInvalidHttpMessage = settings.resetStreamOnError;
  }
  return options;
}

/** The connection manager's HTTP/2 options (always set, so h2c upgrades work with sane limits). */
export function listenerHttp2Options(settings: HTTP2Settings | undefined): Json {
  return http2Common(settings, { ...http2Windows(settings), maxConcurrentStreams: settings?.maxConcurrentStreams ?? defaultListenerMaxStreams });
}

/** A cluster's HTTP/2 options toward its backends. */
export function upstreamHttp2Options(settings: HTTP2Settings | undefined): Json {
  const options = http2Windows(settings);
  if (settings?.maxConcurrentStreams != null) options.maxConcurrentStreams = settings.maxConcurrentStreams;
  return http2Common(settings, options);
}

export interface UpstreamProtocolArgs {
  /** The backends speak HTTP/2 (gRPC, h2c). */
  http2: boolean;
  /** Use whatever protocol the client used. */
  useClientProtocol?: boolean;
  http1?: HTTP1Settings;
  http2Settings?: HTTP2Settings;
  /** Connection-level options: idle timeout, max duration, max requests per connection. */
  common?: Json;
}

/** The cluster's `typedExtensionProtocolOptions`, or undefined when Envoy's defaults do. */
export function upstreamProtocolOptions(args: UpstreamProtocolArgs): Json | undefined {
  const http1 = http1ProtocolOptions(args.http1);
  const common = args.common && Object.keys(args.common).length ? args.common : undefined;
  const options: Json = {};
  if (common) options.commonHttpProtocolOptions = common;
  if (args.useClientProtocol) {
    options.useDownstreamProtocolConfig = { httpProtocolOptions: http1 ?? {}, http2ProtocolOptions: upstreamHttp2Options(args.http2Settings) };
  } else if (args.http2) {
    options.explicitHttpConfig = { http2ProtocolOptions: upstreamHttp2Options(args.http2Settings) };
  } else if (http1 || common) {
    options.explicitHttpConfig = { httpProtocolOptions: http1 ?? {} };
  } else {
    return undefined;
  }
  return { [httpProtocolOptionsType]: any(httpProtocolOptionsType, options) };
}
