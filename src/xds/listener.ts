import type { HTTPListener, TCPListener, UDPListener, Xds } from '../ir/types.js';
import { buildAccessLoggers, buildListenerAccessLoggers } from './accesslog.js';
import { adsConfigSource, any, defaultBufferLimitBytes, type Json } from './resources.js';
import { downstreamTransportSocket } from './tls.js';

const escapedSlashActions: Record<string, string> = {
  KeepUnchanged: 'KEEP_UNCHANGED',
  RejectRequest: 'REJECT_REQUEST',
  UnescapeAndForward: 'UNESCAPE_AND_FORWARD',
  UnescapeAndRedirect: 'UNESCAPE_AND_REDIRECT',
};

const tlsInspector: Json = {
  name: 'envoy.filters.listener.tls_inspector',
  typedConfig: any('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector', {}),
};

/** Envoy listeners by address and port: several IR listeners on one port share one Envoy listener. */
export class ListenerSet {
  readonly listeners: Json[] = [];
  private readonly byAddress = new Map<string, Json>();

  /** The Envoy listener for an IR listener's address, created on first use (named after it). */
  listenerFor(ir: { name: string; address: string; port: number }, xds: Xds, protocol: 'TCP' | 'UDP' = 'TCP'): Json {
    const key = `${protocol}|${ir.address}|${ir.port}`;
    let listener = this.byAddress.get(key);
    if (!listener) {
      const socketAddress: Json = { address: ir.address, portValue: ir.port };
      if (protocol === 'UDP') socketAddress.protocol = 'UDP';
      listener = { address: { socketAddress }, name: ir.name };
      if (protocol === 'TCP') {
        const loggers = buildListenerAccessLoggers(xds.accessLog);
        if (loggers.length) listener.accessLog = loggers;
        listener.perConnectionBufferLimitBytes = defaultBufferLimitBytes;
      }
      this.byAddress.set(key, listener);
      this.listeners.push(listener);
    }
    return listener;
  }
}

export function addTLSInspector(listener: Json): void {
  listener.listenerFilters ??= [];
  if (!listener.listenerFilters.some((f: Json) => f.name === tlsInspector.name)) listener.listenerFilters.push(structuredClone(tlsInspector));
}

/** The HTTP connection manager of one IR HTTP listener, pointing at its route configuration. */
export function buildHttpConnectionManager(ir: HTTPListener, xds: Xds, routeConfigName: string, httpFilters: Json[]): Json {
  const manager: Json = {};
  const loggers = buildAccessLoggers(xds.accessLog);
  if (loggers.length) manager.accessLog = loggers;
  Object.assign(manager, {
    commonHttpProtocolOptions: { headersWithUnderscoresAction: 'REJECT_REQUEST' },
    http2ProtocolOptions: { initialConnectionWindowSize: 1048576, initialStreamWindowSize: 65536, maxConcurrentStreams: 100 },
    httpFilters,
    mergeSlashes: ir.path.mergeSlashes,
    normalizePath: true,
    pathWithEscapedSlashesAction: escapedSlashActions[ir.path.escapedSlashesAction] ?? 'UNESCAPE_AND_REDIRECT',
    rds: { configSource: adsConfigSource, routeConfigName },
    serverHeaderTransformation: 'PASS_THROUGH',
    statPrefix: `${ir.tls ? 'https' : 'http'}-${ir.port}`,
    useRemoteAddress: true,
  });
  if (!ir.path.mergeSlashes) delete manager.mergeSlashes;
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typedConfig: any('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', manager),
  };
}

/**
 * Adds an HTTP listener's filter chain. Plain HTTP listeners on one port share the default filter
 * chain and its route configuration; each TLS listener gets a chain matched by SNI.
 * Returns the route configuration name its routes go into.
 */
export function addHttpFilterChain(listeners: ListenerSet, ir: HTTPListener, xds: Xds, httpFilters: Json[]): { routeConfigName: string; created: boolean } {
  const listener = listeners.listenerFor(ir, xds);
  if (!ir.tls) {
    const existing = listener.defaultFilterChain;
    if (existing) return { routeConfigName: existing.filters[0].typedConfig.rds.routeConfigName, created: false };
    listener.defaultFilterChain = { filters: [buildHttpConnectionManager(ir, xds, ir.name, httpFilters)], name: ir.name };
    return { routeConfigName: ir.name, created: true };
  }
  const chain: Json = {};
  const serverNames = ir.hostnames.filter((h) => h !== '*');
  if (serverNames.length) chain.filterChainMatch = { serverNames };
  chain.filters = [buildHttpConnectionManager(ir, xds, ir.name, httpFilters)];
  chain.name = ir.name;
  chain.transportSocket = downstreamTransportSocket(ir.tls, true);
  (listener.filterChains ??= []).push(chain);
  addTLSInspector(listener);
  return { routeConfigName: ir.name, created: true };
}

/** TCP listeners: one filter chain per route, SNI-matched for TLS passthrough/terminate. */
export function addTcpFilterChains(listeners: ListenerSet, ir: TCPListener, xds: Xds): void {
  const listener = listeners.listenerFor(ir, xds);
  for (const route of ir.routes ?? []) {
    const chain: Json = {};
    const snis = route.tls?.inspector?.snis;
    const tls = route.tls?.terminate ?? ir.tls;
    const prefix = tls ? 'tls-terminate' : snis ? 'tls-passthrough' : 'tcp';
    if (snis?.length) chain.filterChainMatch = { serverNames: snis };
    const proxy: Json = { cluster: route.destination?.name, statPrefix: `${prefix}-${ir.port}` };
    const loggers = buildAccessLoggers(xds.accessLog);
    if (loggers.length) proxy.accessLog = loggers;
    chain.filters = [{ name: 'envoy.filters.network.tcp_proxy', typedConfig: any('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', proxy) }];
    chain.name = route.name;
    if (tls) chain.transportSocket = downstreamTransportSocket(tls, false);
    (listener.filterChains ??= []).push(chain);
    if (snis || tls) addTLSInspector(listener);
  }
}

/** UDP listeners proxy every datagram to the route's cluster. */
export function addUdpListener(listeners: ListenerSet, ir: UDPListener, xds: Xds): void {
  if (!ir.route?.destination) return;
  const listener = listeners.listenerFor(ir, xds, 'UDP');
  listener.listenerFilters = [
    {
      name: 'envoy.filters.udp_listener.udp_proxy',
      typedConfig: any('envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig', {
        matcher: {
          onNoMatch: {
            action: {
              name: 'route',
              typedConfig: any('envoy.extensions.filters.udp.udp_proxy.v3.Route', { cluster: ir.route.destination.name }),
            },
          },
        },
        statPrefix: 'service',
      }),
    },
  ];
}
