import type { AccessLog, RouteDestination, TrafficFeatures, Xds } from '../ir/types.js';
import { addDestinationCluster, type FilterResources } from './filters/common.js';
import { any, type Json, type RefusedPart } from './resources.js';

/** Envoy Gateway's default text format: one JSON object per request. */
export const defaultAccessLogFormat =
  '{"start_time":"%START_TIME%","method":"%REQ(:METHOD)%","x-envoy-origin-path":"%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",' +
  '"protocol":"%PROTOCOL%","response_code":"%RESPONSE_CODE%","response_flags":"%RESPONSE_FLAGS%",' +
  '"response_code_details":"%RESPONSE_CODE_DETAILS%","connection_termination_details":"%CONNECTION_TERMINATION_DETAILS%",' +
  '"upstream_transport_failure_reason":"%UPSTREAM_TRANSPORT_FAILURE_REASON%","bytes_received":"%BYTES_RECEIVED%",' +
  '"bytes_sent":"%BYTES_SENT%","duration":"%DURATION%","x-envoy-upstream-service-time":"%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",' +
  '"x-forwarded-for":"%REQ(X-FORWARDED-FOR)%","user-agent":"%REQ(USER-AGENT)%","x-request-id":"%REQ(X-REQUEST-ID)%",' +
  '":authority":"%REQ(:AUTHORITY)%","upstream_host":"%UPSTREAM_HOST%","upstream_cluster":"%UPSTREAM_CLUSTER%",' +
  '"upstream_local_address":"%UPSTREAM_LOCAL_ADDRESS%","downstream_local_address":"%DOWNSTREAM_LOCAL_ADDRESS%",' +
  '"downstream_remote_address":"%DOWNSTREAM_REMOTE_ADDRESS%","requested_server_name":"%REQUESTED_SERVER_NAME%",' +
  '"route_name":"%ROUTE_NAME%"}\n';

const fileAccessLogType = 'envoy.extensions.access_loggers.file.v3.FileAccessLog';

/** Where a sink logs: `Route` sinks log requests, `Listener` sinks log connections no route took; unset means both. */
type LogType = 'Route' | 'Listener';

interface Sink {
  celMatches?: string[];
  logType?: LogType;
}

interface ALSSink extends Sink {
  name: string;
  type?: 'HTTP' | 'TCP';
  destination: RouteDestination;
  traffic?: TrafficFeatures;
  text?: string;
  attributes?: Record<string, string>;
  http?: { requestHeaders?: string[]; responseHeaders?: string[]; responseTrailers?: string[] };
}

interface OpenTelemetrySink extends Sink {
  text?: string;
  attributes?: Record<string, string>;
  resources?: Record<string, string>;
  authority?: string;
  destination?: RouteDestination;
  traffic?: TrafficFeatures;
}

/** Command operators that need a formatter extension, in the order the reference lists them. */
const formatterExtensions: [string, string, string][] = [
  ['%REQ_WITHOUT_QUERY(', 'envoy.formatter.req_without_query', 'envoy.extensions.formatter.req_without_query.v3.ReqWithoutQuery'],
  ['%METADATA(', 'envoy.formatter.metadata', 'envoy.extensions.formatter.metadata.v3.Metadata'],
  ['%CEL(', 'envoy.formatter.cel', 'envoy.extensions.formatter.cel.v3.Cel'],
];

function formatters(texts: string[]): Json[] {
  return formatterExtensions
    .filter(([operator]) => texts.some((t) => t.includes(operator)))
    .map(([, name, type]) => ({ name, typedConfig: any(type, {}) }));
}

function withNewline(format: string | undefined): string {
  if (!format) return defaultAccessLogFormat;
  return format.endsWith('\n') ? format : `${format}\n`;
}

function celFilters(sink: Sink): Json[] {
  return (sink.celMatches ?? []).map((expression) => ({
    extensionFilter: {
      name: 'envoy.access_loggers.extension_filters.cel',
      typedConfig: any('envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter', { expression }),
    },
  }));
}

/**
 * A logger's filter. Listener-level loggers of sinks with no log type only record connections no
 * route matched (response flag NR): the connection manager's loggers record the rest.
 */
function loggerFilter(sink: Sink, listenerLevel: boolean): Json | undefined {
  const filters = celFilters(sink);
  if (listenerLevel && sink.logType === undefined) filters.push({ responseFlagFilter: { flags: ['NR'] } });
  if (!filters.length) return undefined;
  return filters.length === 1 ? filters[0] : { andFilter: { filters } };
}

function stringValues(values: Record<string, string>): Json {
  return { values: Object.keys(values).sort().map((key) => ({ key, value: { stringValue: values[key] } })) };
}

function fileLogger(logFormat: Json, path: string): Json {
  return { name: 'envoy.access_loggers.file', typedConfig: any(fileAccessLogType, { logFormat, path }) };
}

function alsLogger(sink: ALSSink): Json {
  const commonConfig = {
    grpcService: { envoyGrpc: { clusterName: sink.destination.name } },
    logName: sink.name,
    transportApiVersion: 'V3',
  };
  if (sink.type === 'TCP') {
    return { name: 'envoy.access_loggers.tcp_grpc', typedConfig: any('envoy.extensions.access_loggers.grpc.v3.TcpGrpcAccessLogConfig', { commonConfig }) };
  }
  const config: Json = {};
  if (sink.http?.requestHeaders?.length) config.additionalRequestHeadersToLog = sink.http.requestHeaders;
  if (sink.http?.responseHeaders?.length) config.additionalResponseHeadersToLog = sink.http.responseHeaders;
  if (sink.http?.responseTrailers?.length) config.additionalResponseTrailersToLog = sink.http.responseTrailers;
  config.commonConfig = commonConfig;
  return { name: 'envoy.access_loggers.http_grpc', typedConfig: any('envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig', config) };
}

function openTelemetryLogger(sink: OpenTelemetrySink): Json {
  // Every record says which gateway pod wrote it.
  const attributes = {
    'k8s.namespace.name': '%ENVIRONMENT(ENVOY_GATEWAY_NAMESPACE)%',
    'k8s.pod.name': '%ENVIRONMENT(ENVOY_POD_NAME)%',
    ...sink.attributes,
  };
  const config: Json = { attributes: stringValues(attributes) };
  config.body = { stringValue: sink.text || defaultAccessLogFormat };
  const envoyGrpc: Json = { clusterName: sink.destination?.name };
  if (sink.authority) envoyGrpc.authority = sink.authority;
  config.commonConfig = { grpcService: { envoyGrpc }, logName: 'otel_envoy_accesslog', transportApiVersion: 'V3' };
  const extensions = formatters([sink.text ?? '', ...Object.values(attributes)]);
  if (extensions.length) config.formatters = extensions;
  if (sink.resources && Object.keys(sink.resources).length) config.resourceAttributes = stringValues(sink.resources);
  return { name: 'envoy.access_loggers.open_telemetry', typedConfig: any('envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig', config) };
}

function loggers(accessLog: AccessLog | undefined, listenerLevel: boolean): Json[] {
  if (!accessLog) return [];
  const result: Json[] = [];
  const excluded: LogType = listenerLevel ? 'Route' : 'Listener';
  const add = (sink: Sink, logger: Json) => {
    if (sink.logType === excluded) return;
    const filter = loggerFilter(sink, listenerLevel);
    result.push(filter ? { filter, ...logger } : logger);
  };
  for (const text of accessLog.text ?? []) {
    const format = withNewline(text.format);
    const logFormat: Json = {};
    const extensions = formatters([format]);
    if (extensions.length) logFormat.formatters = extensions;
    logFormat.textFormatSource = { inlineString: format };
    add(text as Sink, fileLogger(logFormat, text.path));
  }
  for (const json of accessLog.json ?? []) {
    const logFormat: Json = {};
    const extensions = formatters(Object.values(json.json ?? {}));
    if (extensions.length) logFormat.formatters = extensions;
    logFormat.jsonFormat = json.json ?? {};
    add(json as Sink, fileLogger(logFormat, json.path));
  }
  for (const sink of (accessLog.als ?? []) as unknown as ALSSink[]) add(sink, alsLogger(sink));
  for (const sink of (accessLog.openTelemetry ?? []) as unknown as OpenTelemetrySink[]) add(sink, openTelemetryLogger(sink));
  return result;
}

/** Access loggers for HTTP connection managers and TCP proxies. */
export function buildAccessLoggers(accessLog: AccessLog | undefined): Json[] {
  return loggers(accessLog, false);
}

/** Listener-level loggers: they record connections no route matched, which the connection manager's loggers never see. */
export function buildListenerAccessLoggers(accessLog: AccessLog | undefined): Json[] {
  return loggers(accessLog, true);
}

function hasEndpoint(destination: RouteDestination | undefined): boolean {
  return Boolean(destination?.settings?.some((s) => s.endpoints?.some((e) => e.host)));
}

/** Log sinks the reference rejects the IR for: a collector without any endpoint. */
export function accessLogErrors(xds: Xds): RefusedPart[] {
  const errors: RefusedPart[] = [];
  for (const sink of (xds.accessLog?.openTelemetry ?? []) as unknown as OpenTelemetrySink[]) {
    if (hasEndpoint(sink.destination)) continue;
    errors.push({ message: `OpenTelemetry access log ${sink.destination?.name ?? ''} is left out: its collector has no endpoint, and Envoy refuses a collector cluster without one`, about: sink });
  }
  return errors;
}

/** The clusters of the gRPC log services and OpenTelemetry collectors. */
export function accessLogResources(xds: Xds, out: FilterResources): void {
  for (const sink of (xds.accessLog?.als ?? []) as unknown as ALSSink[]) {
    if (sink.destination) addDestinationCluster(out, sink.destination, xds, { grpc: true, traffic: sink.traffic });
  }
  for (const sink of (xds.accessLog?.openTelemetry ?? []) as unknown as OpenTelemetrySink[]) {
    if (sink.destination && hasEndpoint(sink.destination)) addDestinationCluster(out, sink.destination, xds, { grpc: true, traffic: sink.traffic, dns: true });
  }
}
