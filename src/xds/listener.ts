import type { ClientConnection, CoreListenerDetails, HTTPListener, TCPKeepalive, TCPListener, UDPListener, Xds } from '../ir/types.js';
import { buildAccessLoggers, buildListenerAccessLoggers } from './accesslog.js';
import { clientIPFields } from './clientip.js';
import { protoDuration } from './duration.js';
import { headerManagerFields, headersWithUnderscoresAction } from './headers.js';
import { keepaliveSocketOptions } from './keepalive.js';
import { tcpHashPolicy } from './loadbalancer.js';
import { buildHcmTracing } from './telemetry/tracing.js';
import { http1ProtocolOptions, listenerHttp2Options } from './protocoloptions.js';
import { addProxyProtocolFilter } from './proxyprotocol.js';
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

/** What the first IR listener on an address decides for the Envoy listener they share. */
interface ListenerSocketSettings extends CoreListenerDetails {
  tcpKeepalive?: TCPKeepalive;
  connection?: ClientConnection;
  enableProxyProtocol?: boolean;
}

/** Envoy listeners by address and port: several IR listeners on one port share one Envoy listener. */
export class ListenerSet {
  readonly listeners: Json[] = [];
  private readonly byAddress = new Map<string, Json>();

  /** The Envoy listener for an IR listener's address, created on first use (named after it). */
  listenerFor(ir: ListenerSocketSettings, xds: Xds, protocol: 'TCP' | 'UDP' = 'TCP'): Json {
    const key = `${protocol}|${ir.address}|${ir.port}`;
    let listener = this.byAddress.get(key);
    if (!listener) {
      listener = newListener(ir, xds, protocol);
      this.byAddress.set(key, listener);
      this.listeners.push(listener);
    }
    return listener;
  }

  /** Adds a listener made elsewhere (the QUIC side of an HTTP/3 listener) before the others. */
  addFirst(key: string, listener: Json): Json {
    const existing = this.byAddress.get(key);
    if (existing) return existing;
    this.byAddress.set(key, listener);
    this.listeners.unshift(listener);
    return listener;
  }
}

function socketAddress(address: string, port: number, protocol: 'TCP' | 'UDP'): Json {
  const socket: Json = { address, portValue: port };
  if (protocol === 'UDP') socket.protocol = 'UDP';
  return { socketAddress: socket };
}

function newListener(ir: ListenerSocketSettings, xds: Xds, protocol: 'TCP' | 'UDP'): Json {
  const listener: Json = { address: socketAddress(ir.address, ir.port, protocol), name: ir.name };
  // A dual-stack listener on the IPv4 wildcard also listens on the IPv6 one.
  if (ir.ipFamily === 'DualStack' && ir.address === '0.0.0.0') {
    listener.additionalAddresses = [{ address: socketAddress('::', ir.port, protocol) }];
  }
  // A dual-stack listener on the IPv6 wildcard accepts IPv4 too, as IPv4-mapped addresses.
  if (ir.ipFamily === 'DualStack' && ir.address === '::') listener.address.socketAddress.ipv4Compat = true;
  if (protocol === 'UDP') return listener;
  const loggers = buildListenerAccessLoggers(xds.accessLog);
  if (loggers.length) listener.accessLog = loggers;
  listener.perConnectionBufferLimitBytes = ir.connection?.bufferLimit ?? defaultBufferLimitBytes;
  const socketOptions = keepaliveSocketOptions(ir.tcpKeepalive);
  if (socketOptions) listener.socketOptions = socketOptions;
  if (ir.enableProxyProtocol) addProxyProtocolFilter(listener);
  return listener;
}

export function addTLSInspector(listener: Json): void {
  listener.listenerFilters ??= [];
  if (!listener.listenerFilters.some((f: Json) => f.name === tlsInspector.name)) listener.listenerFilters.push(structuredClone(tlsInspector));
}

/** Matches a TLS filter chain by SNI; the TLS inspector must then read the SNI first. */
function matchServerNames(listener: Json, chain: Json, serverNames: string[] | undefined, inspector = true): void {
  if (!serverNames?.length || serverNames[0] === '*') return;
  chain.filterChainMatch = { serverNames };
  if (inspector) addTLSInspector(listener);
}

/** A connection_limit network filter, when the listener caps its connections. */
function connectionLimitFilter(connection: ClientConnection | undefined, statPrefix: string): Json | undefined {
  const limit = connection?.connectionLimit;
  if (!limit) return undefined;
  const config: Json = { maxConnections: String(limit.value), statPrefix };
  const delay = protoDuration(limit.closeDelay);
  if (delay) config.delay = delay;
  return { name: 'envoy.filters.network.connection_limit', typedConfig: any('envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit', config) };
}

/** The HTTP connection manager of one IR HTTP listener, pointing at its route configuration. */
export function buildHttpConnectionManager(ir: HTTPListener, xds: Xds, routeConfigName: string, httpFilters: Json[], http3 = false): Json {
  const manager: Json = {};
  const loggers = buildAccessLoggers(xds.accessLog);
  if (loggers.length) manager.accessLog = loggers;
  const common: Json = {};
  const underscores = headersWithUnderscoresAction(ir.headers);
  if (underscores) common.headersWithUnderscoresAction = underscores;
  const idleTimeout = protoDuration(ir.timeout?.http?.idleTimeout);
  if (idleTimeout) common.idleTimeout = idleTimeout;
  Object.assign(manager, {
    commonHttpProtocolOptions: common,
    http2ProtocolOptions: listenerHttp2Options(ir.http2),
    httpFilters,
    normalizePath: true,
    rds: { configSource: adsConfigSource, routeConfigName },
    serverHeaderTransformation: 'PASS_THROUGH',
    statPrefix: statPrefixOf(ir),
    ...clientIPFields(ir.clientIPDetection),
    ...headerManagerFields(ir.headers),
  });
  if (ir.path?.mergeSlashes) manager.mergeSlashes = true;
  const escapedSlashes = ir.path?.escapedSlashesAction && escapedSlashActions[ir.path.escapedSlashesAction];
  if (escapedSlashes) manager.pathWithEscapedSlashesAction = escapedSlashes;
  const http1 = http1ProtocolOptions(ir.http1);
  if (http1) manager.httpProtocolOptions = http1;
  const requestTimeout = protoDuration(ir.timeout?.http?.requestReceivedTimeout);
  if (requestTimeout) manager.requestTimeout = requestTimeout;
  const tracing = buildHcmTracing(xds);
  if (tracing) manager.tracing = tracing;
  if (http3) {
    manager.codecType = 'HTTP3';
    manager.http3ProtocolOptions = {};
  }
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typedConfig: any('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', manager),
  };
}

function statPrefixOf(ir: HTTPListener): string {
  return `${ir.tls ? 'https' : 'http'}-${ir.port}`;
}

/** The network filters of an HTTP filter chain: an optional connection limit, then the connection manager. */
export function httpChainFilters(ir: HTTPListener, xds: Xds, httpFilters: Json[], http3 = false): Json[] {
  const filters: Json[] = [];
  const limit = connectionLimitFilter(ir.connection, statPrefixOf(ir));
  if (limit) filters.push(limit);
  filters.push(buildHttpConnectionManager(ir, xds, ir.name, httpFilters, http3));
  return filters;
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
    if (existing) {
      const manager = existing.filters.find((f: Json) => f.name === 'envoy.filters.network.http_connection_manager');
      return { routeConfigName: manager.typedConfig.rds.routeConfigName, created: false };
    }
    listener.defaultFilterChain = { filters: httpChainFilters(ir, xds, httpFilters), name: ir.name };
    return { routeConfigName: ir.name, created: true };
  }
  const chain: Json = {};
  matchServerNames(listener, chain, ir.hostnames);
  chain.filters = httpChainFilters(ir, xds, httpFilters);
  chain.name = ir.name;
  chain.transportSocket = downstreamTransportSocket(ir.tls, true);
  (listener.filterChains ??= []).push(chain);
  return { routeConfigName: ir.name, created: true };
}

/** Adds a QUIC filter chain to an HTTP/3 listener (its SNI match needs no TLS inspector). */
export function addQuicFilterChain(listener: Json, ir: HTTPListener, xds: Xds, httpFilters: Json[], transportSocket: Json): void {
  const chain: Json = {};
  matchServerNames(listener, chain, ir.hostnames, false);
  chain.filters = httpChainFilters(ir, xds, httpFilters, true);
  chain.name = ir.name;
  chain.transportSocket = transportSocket;
  (listener.filterChains ??= []).push(chain);
}

/** TCP listeners: one filter chain per route, SNI-matched for TLS passthrough/terminate. */
export function addTcpFilterChains(listeners: ListenerSet, ir: TCPListener, xds: Xds): void {
  const listener = listeners.listenerFor(ir, xds);
  for (const route of ir.routes ?? []) {
    const chain: Json = {};
    const snis = route.tls?.inspector?.snis;
    const tls = route.tls?.terminate ?? ir.tls;
    const prefix = tls ? 'tls-terminate' : snis ? 'tls-passthrough' : 'tcp';
    const statPrefix = `${prefix}-${ir.port}`;
    matchServerNames(listener, chain, snis);
    const proxy: Json = { cluster: route.destination?.name, statPrefix };
    const loggers = buildAccessLoggers(xds.accessLog);
    if (loggers.length) proxy.accessLog = loggers;
    const hashPolicy = tcpHashPolicy(route.loadBalancer);
    if (hashPolicy) proxy.hashPolicy = hashPolicy;
    const idleTimeout = protoDuration(ir.timeout?.tcp?.idleTimeout);
    if (idleTimeout) proxy.idleTimeout = idleTimeout;
    const filters: Json[] = [];
    const limit = connectionLimitFilter(ir.connection, statPrefix);
    if (limit) filters.push(limit);
    filters.push({ name: 'envoy.filters.network.tcp_proxy', typedConfig: any('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', proxy) });
    chain.filters = filters;
    chain.name = route.name;
    if (tls) chain.transportSocket = downstreamTransportSocket(tls, false);
    (listener.filterChains ??= []).push(chain);
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
