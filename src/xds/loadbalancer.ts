import type { LoadBalancer } from '../ir/types.js';
import { protoDuration } from './duration.js';
import type { Json } from './resources.js';

function slowStart(window: string | undefined): Json | undefined {
  const duration = protoDuration(window);
  return duration ? { slowStartConfig: { slowStartWindow: duration } } : undefined;
}

/**
 * Adds the cluster fields of a load-balancing policy. Least-request is the default; round-robin
 * is Envoy's zero value, so it prints no `lbPolicy`. Consistent hashing uses Maglev.
 */
export function addLoadBalancerFields(cluster: Json, lb: LoadBalancer | undefined): void {
  if (lb?.roundRobin) {
    const config = slowStart(lb.roundRobin.slowStart?.window);
    if (config) cluster.roundRobinLbConfig = config;
    return;
  }
  if (lb?.random) {
    cluster.lbPolicy = 'RANDOM';
    return;
  }
  if (lb?.consistentHash) {
    cluster.lbPolicy = 'MAGLEV';
    // uint64: a string in proto-JSON.
    if (lb.consistentHash.tableSize != null) cluster.maglevLbConfig = { tableSize: String(lb.consistentHash.tableSize) };
    return;
  }
  cluster.lbPolicy = 'LEAST_REQUEST';
  const config = slowStart(lb?.leastRequest?.slowStart?.window);
  if (config) cluster.leastRequestLbConfig = config;
}

/** What an HTTP route hashes on for consistent hashing (`hashPolicy` of its route action). */
export function routeHashPolicy(lb: LoadBalancer | undefined): Json[] | undefined {
  const hash = lb?.consistentHash;
  if (!hash) return undefined;
  if (hash.sourceIP) return [{ connectionProperties: { sourceIp: true } }];
  if (hash.header) return [{ header: { headerName: hash.header.name } }];
  if (hash.cookie) {
    const cookie: Json = { name: hash.cookie.name };
    const ttl = protoDuration(hash.cookie.ttl);
    if (ttl) cookie.ttl = ttl;
    const attributes = Object.entries(hash.cookie.attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (attributes.length) cookie.attributes = attributes.map(([name, value]) => ({ name, value }));
    return [{ cookie }];
  }
  return undefined;
}

/** TCP proxies can only hash on the client address. */
export function tcpHashPolicy(lb: LoadBalancer | undefined): Json[] | undefined {
  return lb?.consistentHash?.sourceIP ? [{ sourceIp: {} }] : undefined;
}
