import { any, type Json } from './resources.js';

const proxyProtocolFilter: Json = {
  name: 'envoy.filters.listener.proxy_protocol',
  typedConfig: any('envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol', {}),
};

/** Puts the PROXY protocol listener filter first: it must read the header before anything else. */
export function addProxyProtocolFilter(listener: Json): void {
  listener.listenerFilters ??= [];
  if (listener.listenerFilters.some((f: Json) => f.name === proxyProtocolFilter.name)) return;
  listener.listenerFilters.unshift(structuredClone(proxyProtocolFilter));
}

const rawBuffer: Json = {
  name: 'envoy.transport_sockets.raw_buffer',
  typedConfig: any('envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer', {}),
};

/** Wraps an upstream transport socket (plain TCP when absent) so it sends a PROXY protocol header. */
export function upstreamProxyProtocolSocket(version: 'V1' | 'V2' | undefined, inner: Json | undefined): Json {
  const config: Json = {};
  // V1 is the enum's zero value, which proto-JSON leaves out.
  if (version === 'V2') config.version = 'V2';
  return {
    name: 'envoy.transport_sockets.upstream_proxy_protocol',
    typedConfig: any('envoy.extensions.transport_sockets.proxy_protocol.v3.ProxyProtocolUpstreamTransport', {
      config,
      transportSocket: inner ?? structuredClone(rawBuffer),
    }),
  };
}
