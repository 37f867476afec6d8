import type { DestinationSetting, RouteDestination } from '../ir/types.js';
import { adsConfigSource, any, defaultBufferLimitBytes, type Json } from './resources.js';

export interface ClusterArgs {
  name: string;
  settings: DestinationSetting[];
  /** Upstream speaks HTTP/2 (gRPC or h2c backends). */
  http2?: boolean;
  /** Extra fields from features (timeouts, health checks, load balancing...), merged last. */
  extra?: Json;
}

/** How the cluster finds its endpoints: FQDN endpoints are resolved by DNS, the rest via EDS. */
function discoveryOf(settings: DestinationSetting[]): 'EDS' | 'STRICT_DNS' {
  return settings.some((s) => s.addressType === 'FQDN' || s.addressType === 'Mixed' && s.endpoints?.some((e) => e.host && !isIPLike(e.host)))
    ? 'STRICT_DNS'
    : 'EDS';
}

function isIPLike(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':');
}

/** One locality per destination setting, so backendRef weights become locality weights. */
export function loadAssignment(name: string, settings: DestinationSetting[]): Json {
  return {
    clusterName: name,
    endpoints: settings.map((setting, index) => {
      const locality: Json = {};
      if (setting.endpoints?.length) {
        locality.lbEndpoints = setting.endpoints.map((endpoint) => ({
          endpoint: { address: endpointAddress(endpoint) },
          loadBalancingWeight: 1,
        }));
      }
      locality.loadBalancingWeight = setting.weight ?? 1;
      locality.locality = { region: `${name}/backend/${index}` };
      if (setting.priority) locality.priority = setting.priority;
      return locality;
    }),
  };
}

function endpointAddress(endpoint: { host?: string; port?: number; path?: string }): Json {
  if (endpoint.path !== undefined) return { pipe: { path: endpoint.path } };
  return { socketAddress: { address: endpoint.host, portValue: endpoint.port } };
}

export function http2ProtocolOptions(): Json {
  return {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': any('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
      explicitHttpConfig: {
        http2ProtocolOptions: {
          initialConnectionWindowSize: 524288000,
          initialStreamWindowSize: 1048576,
          maxConcurrentStreams: 200,
          overrideStreamErrorOnInvalidHttpMessage: true,
        },
      },
    }),
  };
}

/** The cluster for a route destination, with the reference's defaults. */
export function buildCluster(args: ClusterArgs): { cluster: Json; endpoints?: Json } {
  const type = discoveryOf(args.settings);
  const cluster: Json = {
    circuitBreakers: { thresholds: [{ maxRetries: 1024 }] },
    commonLbConfig: { localityWeightedLbConfig: {} },
    connectTimeout: '10s',
    dnsLookupFamily: 'V4_ONLY',
    lbPolicy: 'LEAST_REQUEST',
    name: args.name,
    outlierDetection: {},
    perConnectionBufferLimitBytes: defaultBufferLimitBytes,
    type,
  };
  let endpoints: Json | undefined;
  if (type === 'EDS') {
    cluster.edsClusterConfig = { edsConfig: adsConfigSource, serviceName: args.name };
    cluster.ignoreHealthOnHostRemoval = true;
    endpoints = loadAssignment(args.name, args.settings);
  } else {
    cluster.dnsRefreshRate = '30s';
    cluster.respectDnsTtl = true;
    cluster.loadAssignment = loadAssignment(args.name, args.settings);
  }
  if (args.http2) cluster.typedExtensionProtocolOptions = http2ProtocolOptions();
  if (args.extra) Object.assign(cluster, args.extra);
  return { cluster, endpoints };
}

export function isHTTP2Destination(destination: RouteDestination): boolean {
  return (destination.settings ?? []).some((s) => s.protocol === 'HTTP2' || s.protocol === 'GRPC');
}
