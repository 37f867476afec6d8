import type { AccessLog } from '../ir/types.js';
import { any, type Json } from './resources.js';

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

function fileLoggers(accessLog: AccessLog): Json[] {
  const loggers: Json[] = [];
  for (const text of accessLog.text ?? []) {
    const format = text.format !== undefined ? (text.format.endsWith('\n') ? text.format : `${text.format}\n`) : defaultAccessLogFormat;
    loggers.push({
      name: 'envoy.access_loggers.file',
      typedConfig: any(fileAccessLogType, { logFormat: { textFormatSource: { inlineString: format } }, path: text.path }),
    });
  }
  for (const json of accessLog.json ?? []) {
    loggers.push({
      name: 'envoy.access_loggers.file',
      typedConfig: any(fileAccessLogType, { logFormat: { jsonFormat: json.json ?? {} }, path: json.path }),
    });
  }
  return loggers;
}

/** Access loggers for HTTP connection managers and TCP proxies. */
export function buildAccessLoggers(accessLog: AccessLog | undefined): Json[] {
  return accessLog ? fileLoggers(accessLog) : [];
}

/**
 * Listener-level loggers record connections no route matched (response flag NR), which the
 * connection manager's loggers never see.
 */
export function buildListenerAccessLoggers(accessLog: AccessLog | undefined): Json[] {
  return buildAccessLoggers(accessLog).map((logger) => ({ filter: { responseFlagFilter: { flags: ['NR'] } }, ...logger }));
}
