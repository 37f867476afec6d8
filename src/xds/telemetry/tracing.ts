import type { RouteDestination, TrafficFeatures, Xds } from '../../ir/types.js';
import { addDestinationCluster, type FilterResources } from '../filters/common.js';
import { any, type Json } from '../resources.js';

interface CustomTag {
  type?: 'Literal' | 'Environment' | 'RequestHeader';
  literal?: { value: string };
  environment?: { name: string; defaultValue?: string };
  requestHeader?: { name: string; defaultValue?: string };
}

interface Tracing {
  serviceName?: string;
  samplingRate?: number;
  customTags?: Record<string, CustomTag>;
  authority?: string;
  destination?: RouteDestination;
  traffic?: TrafficFeatures;
  provider?: {
    type?: string;
    host?: string;
    port?: number;
    zipkin?: { enable128BitTraceId?: boolean; disableSharedSpanContext?: boolean };
  };
}

function tracingOf(xds: Xds): Tracing | undefined {
  return xds.tracing as Tracing | undefined;
}

function customTag(tag: string, config: CustomTag): Json {
  const withDefault = (source: { name: string; defaultValue?: string }) =>
    source.defaultValue !== undefined ? { defaultValue: source.defaultValue, name: source.name } : { name: source.name };
  if (config.literal) return { literal: { value: config.literal.value }, tag };
  if (config.environment) return { environment: withDefault(config.environment), tag };
  if (config.requestHeader) return { requestHeader: withDefault(config.requestHeader), tag };
  return { tag };
}

function hasCollector(tracing: Tracing): boolean {
  return Boolean(tracing.destination?.settings?.some((s) => s.endpoints?.some((e) => e.host)));
}

/** The tracer extension for the configured provider; OpenTelemetry when none is named. */
function provider(tracing: Tracing): Json {
  const cluster = tracing.destination?.name;
  const type = tracing.provider?.type ?? 'OpenTelemetry';
  switch (type) {
    case 'OpenTelemetry': {
      const envoyGrpc: Json = { clusterName: cluster };
      if (tracing.authority) envoyGrpc.authority = tracing.authority;
      return {
        name: 'envoy.tracers.opentelemetry',
        typedConfig: any('envoy.config.trace.v3.OpenTelemetryConfig', { grpcService: { envoyGrpc }, serviceName: tracing.serviceName }),
      };
    }
    case 'Datadog':
      return { name: 'envoy.tracers.datadog', typedConfig: any('envoy.config.trace.v3.DatadogConfig', { collectorCluster: cluster, serviceName: tracing.serviceName }) };
    case 'Zipkin': {
      const zipkin = tracing.provider?.zipkin ?? {};
      const config: Json = {
        collectorCluster: cluster,
        collectorEndpoint: '/api/v2/spans',
        collectorEndpointVersion: 'HTTP_JSON',
        sharedSpanContext: !zipkin.disableSharedSpanContext,
      };
      if (zipkin.enable128BitTraceId) config.traceId128bit = true;
      // The reference names the Zipkin tracer "envoy.traces.zipkin"; Envoy selects the tracer by type, not name.
      return { name: 'envoy.traces.zipkin', typedConfig: any('envoy.config.trace.v3.ZipkinConfig', config) };
    }
    default:
      throw new TracingError(`unknown tracing provider type ${type}`);
  }
}

export class TracingError extends Error {}

/** Problems that make the IR's tracing untranslatable (the reference rejects the whole IR). */
export function tracingErrors(xds: Xds): string[] {
  const tracing = tracingOf(xds);
  if (!tracing) return [];
  try {
    provider(tracing);
  } catch (error) {
    if (error instanceof TracingError) return [error.message];
    throw error;
  }
  if (!hasCollector(tracing)) return ['tracing is left out: its collector has no endpoint, and Envoy refuses a collector cluster without one'];
  return [];
}

/** The connection manager's `tracing` settings, when the IR asks for tracing. */
export function buildHcmTracing(xds: Xds): Json | undefined {
  const tracing = tracingOf(xds);
  if (!tracing || tracingErrors(xds).length) return undefined;
  const result: Json = { clientSampling: { value: 100 } };
  const tags = Object.keys(tracing.customTags ?? {}).sort();
  if (tags.length) result.customTags = tags.map((tag) => customTag(tag, tracing.customTags![tag]));
  result.overallSampling = { value: 100 };
  result.provider = provider(tracing);
  result.randomSampling = { value: tracing.samplingRate ?? 100 };
  result.spawnUpstreamSpan = true;
  return result;
}

/** The collector's cluster. */
export function tracingResources(xds: Xds, out: FilterResources): void {
  const tracing = tracingOf(xds);
  if (!tracing?.destination || tracingErrors(xds).length) return;
  addDestinationCluster(out, tracing.destination, xds, { traffic: tracing.traffic, dns: true });
}
