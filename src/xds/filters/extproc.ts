import type { HTTPRoute, RouteDestination, TrafficFeatures, Xds } from '../../ir/types.js';
import { any, type Json } from '../resources.js';
import { protoDuration } from '../duration.js';
import { addDestinationCluster, noPolicies, perPolicyFilters, perPolicyRouteConfig, routeItems, type FilterResources, type HttpFilterFeature } from './common.js';

export const extProcFilterType = 'envoy.filters.http.ext_proc';

interface ExtProc {
  name: string;
  destination: RouteDestination;
  authority?: string;
  failOpen?: boolean;
  messageTimeout?: string;
  requestHeaderProcessing?: boolean;
  responseHeaderProcessing?: boolean;
  requestBodyProcessingMode?: string;
  responseBodyProcessingMode?: string;
  requestAttributes?: string[];
  responseAttributes?: string[];
  traffic?: TrafficFeatures;
}

function extProcsOf(route: HTTPRoute): ExtProc[] {
  return (route.envoyExtensions as { extProcs?: ExtProc[] } | undefined)?.extProcs ?? noPolicies;
}

const bodyModes: Record<string, string> = { Streamed: 'STREAMED', Buffered: 'BUFFERED', BufferedPartial: 'BUFFERED_PARTIAL' };

function buildExtProc(extProc: ExtProc): Json {
  const config: Json = {};
  if (extProc.failOpen) config.failureModeAllow = true;
  const envoyGrpc: Json = { clusterName: extProc.destination.name };
  if (extProc.authority) envoyGrpc.authority = extProc.authority;
  config.grpcService = { envoyGrpc, timeout: '10s' };
  const messageTimeout = protoDuration(extProc.messageTimeout);
  if (messageTimeout) config.messageTimeout = messageTimeout;
  // Only what the policy asks for is sent to the processor; trailers never are.
  const mode: Json = {};
  if (extProc.requestBodyProcessingMode) mode.requestBodyMode = bodyModes[extProc.requestBodyProcessingMode];
  mode.requestHeaderMode = extProc.requestHeaderProcessing ? 'SEND' : 'SKIP';
  mode.requestTrailerMode = 'SKIP';
  if (extProc.responseBodyProcessingMode) mode.responseBodyMode = bodyModes[extProc.responseBodyProcessingMode];
  mode.responseHeaderMode = extProc.responseHeaderProcessing ? 'SEND' : 'SKIP';
  mode.responseTrailerMode = 'SKIP';
  config.processingMode = mode;
  if (extProc.requestAttributes?.length) config.requestAttributes = extProc.requestAttributes;
  if (extProc.responseAttributes?.length) config.responseAttributes = extProc.responseAttributes;
  return any('envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor', config);
}

export const extProcFeature: HttpFilterFeature = {
  routeFields: ['envoyExtensions'],
  listenerFilters: (listener) => perPolicyFilters(listener, extProcFilterType, extProcsOf, buildExtProc),
  routeConfig: (route) => perPolicyRouteConfig(route, extProcFilterType, extProcsOf),
  resources(xds: Xds, _options, out: FilterResources) {
    for (const extProc of routeItems(xds, extProcsOf)) addDestinationCluster(out, extProc.destination, xds, { grpc: true, traffic: extProc.traffic });
  },
};
