import type { TCPKeepalive } from '../ir/types.js';
import type { Json } from './resources.js';

// Linux socket option numbers: SOL_SOCKET/SO_KEEPALIVE and IPPROTO_TCP/TCP_KEEP*.
const solSocket = 1;
const soKeepalive = 9;
const ipprotoTcp = 6;
const tcpKeepCount = 6;
const tcpKeepIdle = 4;
const tcpKeepInterval = 5;

function socketOption(description: string, level: number, name: number, value: number): Json {
  // int64 fields print as strings in proto-JSON.
  return { description, intValue: String(value), level: String(level), name: String(name) };
}

/** Listener socket options that turn on TCP keepalive for downstream connections. */
export function keepaliveSocketOptions(keepalive: TCPKeepalive | undefined): Json[] | undefined {
  if (!keepalive) return undefined;
  const options = [socketOption('socket option to enable tcp keep alive', solSocket, soKeepalive, 1)];
  if (keepalive.probes != null) options.push(socketOption('socket option for keep alive probes', ipprotoTcp, tcpKeepCount, keepalive.probes));
  if (keepalive.idleTime != null) options.push(socketOption('socket option for keep alive idle time', ipprotoTcp, tcpKeepIdle, keepalive.idleTime));
  if (keepalive.interval != null) options.push(socketOption('socket option for keep alive interval', ipprotoTcp, tcpKeepInterval, keepalive.interval));
  return options;
}

/** Cluster `upstreamConnectionOptions` for TCP keepalive to the backends. */
export function upstreamKeepalive(keepalive: TCPKeepalive | undefined): Json | undefined {
  if (!keepalive) return undefined;
  const tcpKeepalive: Json = {};
  if (keepalive.probes != null) tcpKeepalive.keepaliveProbes = keepalive.probes;
  if (keepalive.idleTime != null) tcpKeepalive.keepaliveTime = keepalive.idleTime;
  if (keepalive.interval != null) tcpKeepalive.keepaliveInterval = keepalive.interval;
  return { tcpKeepalive };
}
