import type { HTTPListener } from '../../ir/types.js';
import { any, type Json } from '../resources.js';
import type { HttpFilterFeature } from './common.js';

/** Answers the load balancer's health probes on the listener's health-check path. */
export const healthCheckFeature: HttpFilterFeature = {
  listenerFilters(listener: HTTPListener): Json[] {
    if (!listener.healthCheck?.path) return [];
    return [
      {
        name: 'envoy.filters.http.health_check',
        typedConfig: any('envoy.extensions.filters.http.health_check.v3.HealthCheck', {
          headers: [{ name: ':path', stringMatch: { exact: listener.healthCheck.path } }],
          passThroughMode: false,
        }),
      },
    ];
  },
};

/** HTTP/2 listeners also serve gRPC-Web clients and count gRPC calls per method. */
export const grpcFeature: HttpFilterFeature = {
  listenerFilters(listener: HTTPListener): Json[] {
    if (!listener.isHTTP2) return [];
    return [
      { name: 'envoy.filters.http.grpc_web', typedConfig: any('envoy.extensions.filters.http.grpc_web.v3.GrpcWeb', {}) },
      {
        name: 'envoy.filters.http.grpc_stats',
        typedConfig: any('envoy.extensions.filters.http.grpc_stats.v3.FilterConfig', { emitFilterState: true, statsForAllMethods: true }),
      },
    ];
  },
};
