import type { DestinationSetting, HTTP1Settings, Metrics, TrafficFeatures } from '../ir/types.js';
import { circuitBreakers } from './circuitbreaker.js';
import { protoDuration } from './duration.js';
import { activeHealthChecks, outlierDetection } from './healthcheck.js';
import { upstreamKeepalive } from './keepalive.js';
import { addLoadBalancerFields } from './loadbalancer.js';
import { upstreamProtocolOptions } from './protocoloptions.js';
import { upstreamProxyProtocolSocket } from './proxyprotocol.js';
import { adsConfigSource, defaultBufferLimitBytes, type Json } from './resources.js';
import { transportSocketMatchMetadata, upstreamTlsSocket } from './upstreamtls.js';

export interface ClusterArgs {
  name: string;
  settings: DestinationSetting[];
  /** Upstream speaks HTTP/2 even though no setting says so (a filter's gRPC service). */
  http2?: boolean;
  /** The route's backend traffic settings: load balancing, health checks, timeouts... */
  traffic?: TrafficFeatures;
  /** The listener's HTTP/1 settings, which the reference applies toward the backends too. */
  http1?: HTTP1Settings;
  /** Talk to the backend in whatever protocol the client used. */
  useClientProtocol?: boolean;
  metrics?: Metrics;
  /** Extra fields from callers (filters' service clusters), merged last. */
  extra?: Json;
  /**
   * Endpoint lists already built, by the IR endpoint list they come from: the IR shares one list
   * between the backendRefs to one Service, and so can the clusters (nothing mutates them).
   */
  lbEndpointsCache?: Map<object, Json[]>;
}

export interface BuiltCluster {
  cluster: Json;
  /** The EDS assignment, for clusters whose endpoints come by EDS. */
  endpoints?: Json;
  /** Secrets the cluster's transport sockets refer to (backend CAs, client certificates). */
  secrets: Json[];
}

const defaultConnectTimeout = '10s';
const defaultDnsRefreshRate = '30s';

/** How the cluster finds its endpoints: FQDN endpoints are resolved by DNS, the rest via EDS. */
function discoveryOf(settings: DestinationSetting[]): 'EDS' | 'STRICT_DNS' {
  for (const setting of settings) {
    if (setting.addressType === 'FQDN') return 'STRICT_DNS';
    if (setting.addressType === 'Mixed' && setting.endpoints?.some((e) => e.host && !isIPLike(e.host))) return 'STRICT_DNS';
  }
  return 'EDS';
}

function isIPLike(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':');
}

function tlsMatchName(cluster: string, index: number): string {
  return `${cluster}/tls/${index}`;
}

/**
 * One locality per destination setting, so backendRef weights become locality weights. A
 * setting of weight 0 gets no traffic and no locality: Envoy refuses a locality weight of 0.
 */
export function loadAssignment(name: string, settings: DestinationSetting[], cache?: Map<object, Json[]>): Json {
  const endpoints: Json[] = [];
  for (let index = 0; index < settings.length; index++) {
    const setting = settings[index];
    if (setting.weight === 0) continue;
    const locality: Json = {};
    const irEndpoints = setting.endpoints;
    if (irEndpoints?.length) {
      // With TLS, the endpoints' metadata names this cluster: such lists are not shared.
      let lbEndpoints = setting.tls ? undefined : cache?.get(irEndpoints);
      if (!lbEndpoints) {
        lbEndpoints = [];
        for (const endpoint of irEndpoints) {
          const lbEndpoint: Json = { endpoint: { address: endpointAddress(endpoint) }, loadBalancingWeight: 1 };
          if (setting.tls) lbEndpoint.metadata = transportSocketMatchMetadata(tlsMatchName(name, index));
          lbEndpoints.push(lbEndpoint);
        }
        if (!setting.tls) cache?.set(irEndpoints, lbEndpoints);
      }
      locality.lbEndpoints = lbEndpoints;
    }
    locality.loadBalancingWeight = setting.weight ?? 1;
    locality.locality = { region: `${name}/backend/${index}` };
    if (setting.priority) locality.priority = setting.priority;
    endpoints.push(locality);
  }
  return { clusterName: name, endpoints };
}

function endpointAddress(endpoint: { host?: string; port?: number; path?: string }): Json {
  if (endpoint.path !== undefined && endpoint.path !== null) return { pipe: { path: endpoint.path } };
  // The reference prints the port even when it is 0 (a wrapper-less uint32 it sets explicitly).
  return { socketAddress: { address: endpoint.host ?? '', portValue: endpoint.port ?? 0 } };
}

/** Connection-level HTTP options toward the backends, from timeouts and the circuit breaker. */
function commonHttpOptions(traffic: TrafficFeatures | undefined): Json {
  const common: Json = {};
  const idle = protoDuration(traffic?.timeout?.http?.connectionIdleTimeout);
  const maxDuration = protoDuration(traffic?.timeout?.http?.maxConnectionDuration);
  if (idle) common.idleTimeout = idle;
  if (maxDuration) common.maxConnectionDuration = maxDuration;
  if (traffic?.circuitBreaker?.maxRequestsPerConnection != null) common.maxRequestsPerConnection = traffic.circuitBreaker.maxRequestsPerConnection;
  return common;
}

/** Upstream TLS per destination setting, as transport socket matches selected by endpoint metadata. */
function addUpstreamTls(cluster: Json, args: ClusterArgs, secrets: Json[]): void {
  const proxyProtocol = args.traffic?.proxyProtocol;
  const settings = args.settings;
  for (let index = 0; index < settings.length; index++) {
    const setting = settings[index];
    if (!setting.tls) continue;
    const built = upstreamTlsSocket(setting.tls);
    secrets.push(...built.secrets);
    const name = tlsMatchName(args.name, index);
    const socket = proxyProtocol ? upstreamProxyProtocolSocket(proxyProtocol.version, built.socket) : built.socket;
    (cluster.transportSocketMatches ??= []).push({ match: { name }, name, transportSocket: socket });
  }
}

// The parts of a cluster without traffic settings that are the same in every cluster: shared,
// not copied (nothing mutates emitted resources; patches and the bootstrap rewrite copy).
const localityWeightedLb: Json = { localityWeightedLbConfig: {} };

/** The cluster for a route destination, with the reference's defaults and the route's traffic settings. */
export function buildCluster(args: ClusterArgs): BuiltCluster {
  const traffic = args.traffic;
  const type = discoveryOf(args.settings);
  const secrets: Json[] = [];
  const cluster: Json = {
    circuitBreakers: circuitBreakers(traffic?.circuitBreaker),
    commonLbConfig: localityWeightedLb,
    connectTimeout: protoDuration(traffic?.timeout?.tcp?.connectTimeout) ?? defaultConnectTimeout,
    dnsLookupFamily: 'V4_ONLY',
    name: args.name,
    outlierDetection: outlierDetection(traffic?.healthCheck),
    perConnectionBufferLimitBytes: traffic?.backendConnection?.bufferLimit ?? defaultBufferLimitBytes,
    type,
  };
  addLoadBalancerFields(cluster, traffic?.loadBalancer);
  const healthChecks = activeHealthChecks(traffic?.healthCheck);
  if (healthChecks) cluster.healthChecks = healthChecks;
  const metrics = args.metrics;
  if (metrics?.enablePerEndpointStats || metrics?.enableRequestResponseSizesStats) {
    const stats: Json = {};
    if (metrics.enablePerEndpointStats) stats.perEndpointStats = true;
    if (metrics.enableRequestResponseSizesStats) stats.requestResponseSizes = true;
    cluster.trackClusterStats = stats;
  }

  let endpoints: Json | undefined;
  if (type === 'EDS') {
    cluster.edsClusterConfig = { edsConfig: adsConfigSource, serviceName: args.name };
    cluster.ignoreHealthOnHostRemoval = true;
    endpoints = loadAssignment(args.name, args.settings, args.lbEndpointsCache);
  } else {
    cluster.dnsRefreshRate = protoDuration(traffic?.dns?.dnsRefreshRate) ?? defaultDnsRefreshRate;
    cluster.respectDnsTtl = traffic?.dns?.respectDnsTtl ?? true;
    cluster.loadAssignment = loadAssignment(args.name, args.settings, args.lbEndpointsCache);
  }

  if (traffic?.proxyProtocol) cluster.transportSocket = upstreamProxyProtocolSocket(traffic.proxyProtocol.version, undefined);
  addUpstreamTls(cluster, args, secrets);
  const keepalive = upstreamKeepalive(traffic?.tcpKeepalive);
  if (keepalive) cluster.upstreamConnectionOptions = keepalive;

  const protocolOptions = upstreamProtocolOptions({
    http2: Boolean(args.http2) || isHTTP2Settings(args.settings),
    useClientProtocol: args.useClientProtocol,
    http1: args.http1,
    http2Settings: traffic?.http2,
    // Without traffic settings there are no connection-level options.
    common: traffic ? commonHttpOptions(traffic) : undefined,
  });
  if (protocolOptions) cluster.typedExtensionProtocolOptions = protocolOptions;
  if (args.extra) Object.assign(cluster, args.extra);
  return { cluster, endpoints, secrets };
}

function isHTTP2Settings(settings: DestinationSetting[]): boolean {
  return settings.some((s) => s.protocol === 'HTTP2' || s.protocol === 'GRPC');
}
