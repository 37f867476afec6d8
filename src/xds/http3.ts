import type { HTTPListener, Xds } from '../ir/types.js';
import { buildListenerAccessLoggers } from './accesslog.js';
import { addQuicFilterChain, type ListenerSet } from './listener.js';
import type { Json } from './resources.js';
import { quicTransportSocket } from './tls.js';

/**
 * The QUIC (UDP) listener that serves HTTP/3 next to a TLS listener on the same port, named
 * `<listener>-quic`. It shares the TLS listener's route configuration.
 */
export function addHttp3Listener(listeners: ListenerSet, ir: HTTPListener, xds: Xds, httpFilters: Json[]): void {
  if (!ir.http3 || !ir.tls) return;
  const listener: Json = {
    address: { socketAddress: { address: ir.address, portValue: ir.port, protocol: 'UDP' } },
    // Keep serving while a drain is under way: only listener updates drain QUIC connections.
    drainType: 'MODIFY_ONLY',
    name: `${ir.name}-quic`,
    udpListenerConfig: { downstreamSocketConfig: {}, quicOptions: {} },
  };
  const loggers = buildListenerAccessLoggers(xds.accessLog);
  if (loggers.length) listener.accessLog = loggers;
  const shared = listeners.addFirst(`QUIC|${ir.address}|${ir.port}`, listener);
  addQuicFilterChain(shared, ir, xds, httpFilters, quicTransportSocket(ir.tls));
}

/** The Alt-Svc header routes of an HTTP/3 listener add, advertising h3 on the public QUIC port. */
export function altSvcHeader(ir: HTTPListener): Json | undefined {
  if (!ir.http3) return undefined;
  return { append: true, header: { key: 'alt-svc', value: `h3=":${ir.http3.quicPort}"; ma=86400` } };
}
