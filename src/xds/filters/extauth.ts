import type { HTTPRoute, RouteDestination, TrafficFeatures, Xds } from '../../ir/types.js';
import { any, type Json } from '../resources.js';
import { addDestinationCluster, noPolicies, perPolicyFilters, perPolicyRouteConfig, routeItems, type FilterResources, type HttpFilterFeature } from './common.js';

export const extAuthFilterType = 'envoy.filters.http.ext_authz';

interface ExtAuth {
  name: string;
  failOpen?: boolean;
  recomputeRoute?: boolean;
  headersToExtAuth?: string[];
  traffic?: TrafficFeatures;
  grpc?: { authority?: string; destination: RouteDestination };
  http?: { authority?: string; destination: RouteDestination; path?: string; headersToBackend?: string[] };
}

function extAuthsOf(route: HTTPRoute): ExtAuth[] {
  const extAuth = (route.security as { extAuth?: ExtAuth } | undefined)?.extAuth;
  return extAuth ? [extAuth] : noPolicies;
}

/** Header names matched case-insensitively, as HTTP header names are. */
function headerPatterns(names: string[]): Json {
  return { patterns: names.map((exact) => ({ exact, ignoreCase: true })) };
}

function buildExtAuthz(extAuth: ExtAuth): Json {
  const config: Json = {};
  if (extAuth.headersToExtAuth?.length) config.allowedHeaders = headerPatterns(extAuth.headersToExtAuth);
  if (extAuth.recomputeRoute) config.clearRouteCache = true;
  if (extAuth.failOpen) config.failureModeAllow = true;
  if (extAuth.grpc) {
    const envoyGrpc: Json = { clusterName: extAuth.grpc.destination.name };
    if (extAuth.grpc.authority) envoyGrpc.authority = extAuth.grpc.authority;
    config.grpcService = { envoyGrpc, timeout: '10s' };
  } else if (extAuth.http) {
    const http = extAuth.http;
    const path = http.path ?? '';
    const service: Json = {};
    if (http.headersToBackend?.length) service.authorizationResponse = { allowedUpstreamHeaders: headerPatterns(http.headersToBackend) };
    if (path) service.pathPrefix = path;
    service.serverUri = { cluster: http.destination.name, timeout: '10s', uri: `http://${http.authority ?? ''}${path}` };
    config.httpService = service;
  }
  config.transportApiVersion = 'V3';
  return any('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', config);
}

export const extAuthFeature: HttpFilterFeature = {
  routeFields: ['security'],
  listenerFilters: (listener) => perPolicyFilters(listener, extAuthFilterType, extAuthsOf, buildExtAuthz),
  routeConfig: (route) => perPolicyRouteConfig(route, extAuthFilterType, extAuthsOf),
  resources(xds: Xds, _options, out: FilterResources) {
    for (const extAuth of routeItems(xds, extAuthsOf)) {
      if (extAuth.grpc) addDestinationCluster(out, extAuth.grpc.destination, xds, { grpc: true, traffic: extAuth.traffic });
      else if (extAuth.http) addDestinationCluster(out, extAuth.http.destination, xds, { traffic: extAuth.traffic });
    }
  },
};
