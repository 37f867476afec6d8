/**
 * EnvoyProxy `telemetry.accessLog` → the xdsIR's access logs. Each setting's format goes to each
 * of its sinks: files (text or JSON), gRPC access log services (ALS) and OpenTelemetry
 * collectors. Sink destinations are named after the setting and sink indexes
 * (`accesslog_als_0_1`), which the xds stage uses as cluster names.
 */
import { codes } from '../diagnostics/codes.js';
import type { AccessLog } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import { celLibrary } from '../schema/cel-library.js';
import type { TranslationContext } from './context.js';
import { defaultCollectorPort, hostPortSettings, TelemetryError, telemetryDestinationSettings } from './telemetry-backends.js';

/** What a proxy logs when its EnvoyProxy asks for nothing else: Envoy's default text format on stdout. */
export function defaultAccessLog(): AccessLog {
  return { text: [{ path: '/dev/stdout' }] };
}

/**
 * The access logs of a proxy configured by `envoyProxy` (undefined: the defaults); undefined when
 * logging is disabled. Throws TelemetryError for an invalid CEL match expression or sink
 * backendRef: the reference then drops the access log configuration and marks the Gateway's
 * listeners not valid.
 */
export function accessLogIR(ctx: TranslationContext, envoyProxy: KubeObject | undefined): AccessLog | undefined {
  const accessLog = envoyProxy?.spec?.telemetry?.accessLog;
  if (!envoyProxy || !accessLog) return defaultAccessLog();
  if (accessLog.disable) return undefined;
  // The schema leaves telemetry open: anything but a list is no settings.
  const settings: any[] = Array.isArray(accessLog.settings) ? accessLog.settings : [];
  if (settings.length === 0) return defaultAccessLog();

  const result: AccessLog = {};
  settings.forEach((setting, settingIndex) => {
    const settingPath = ['spec', 'telemetry', 'accessLog', 'settings', settingIndex];
    const format = setting.format ?? { type: 'Text' };
    const celMatches = validCelMatches(setting.matches ?? [], [...settingPath, 'matches']);
    const logType: string | undefined = setting.type;
    const filters = { ...(celMatches.length ? { celMatches } : {}), ...(logType ? { logType } : {}) };
    // Network sinks carry the format as text or as attributes, whichever the format type is.
    const formatFields = (): Record<string, unknown> => {
      if (format.type === 'JSON') return format.json ? { attributes: { ...format.json } } : {};
      return format.text !== undefined ? { text: format.text } : {};
    };

    (Array.isArray(setting.sinks) ? setting.sinks : []).forEach((sink: any, sinkIndex: number) => {
      const sinkPath = [...settingPath, 'sinks', sinkIndex];
      if (sink.type === 'File' && sink.file) {
        if (format.type === 'JSON') {
          // The reference has no default JSON format: a JSON file sink without fields logs nothing.
          if (!format.json || Object.keys(format.json).length === 0) return;
          (result.json ??= []).push({ json: { ...format.json }, path: sink.file.path, ...filters });
        } else {
          (result.text ??= []).push({ format: format.text, path: sink.file.path, ...filters });
        }
      } else if (sink.type === 'ALS' && sink.als) {
        const als = sink.als;
        const settings = telemetryDestinationSettings(ctx, envoyProxy, als.backendRefs, [...sinkPath, 'als', 'backendRefs']);
        const entry: Record<string, unknown> = {
          name: als.logName ?? `${envoyProxy.metadata.namespace}/${envoyProxy.metadata.name}`,
          type: als.type,
          destination: { name: `accesslog_als_${settingIndex}_${sinkIndex}`, settings },
          ...formatFields(),
          ...filters,
        };
        if (als.type === 'HTTP' && als.http) entry.http = structuredClone(als.http);
        (result.als ??= []).push(entry);
      } else if (sink.type === 'OpenTelemetry' && sink.openTelemetry) {
        const otel = sink.openTelemetry;
        const name = `accesslog_otel_${settingIndex}_${sinkIndex}`;
        const resolved = telemetryDestinationSettings(ctx, envoyProxy, otel.backendRefs, [...sinkPath, 'openTelemetry', 'backendRefs']);
        let entry: Record<string, unknown>;
        if (resolved.length > 0) {
          entry = { destination: { name, settings: resolved } };
        } else if (otel.host) {
          const port = otel.port ?? defaultCollectorPort;
          // The CRD bounds the port from below only.
          if (!Number.isInteger(port) || port < 0 || port > 65535) {
            throw new TelemetryError('OpenTelemetry access log port must be an integer from 0 to 65535', [...sinkPath, 'openTelemetry', 'port'], codes.wrongType);
          }
          entry = { authority: otel.host, destination: { name, settings: hostPortSettings(otel.host, port) } };
        } else {
          return;
        }
        if (otel.resources) entry.resources = { ...otel.resources };
        ctx.irSources.set(entry, { object: envoyProxy, path: [...sinkPath, 'openTelemetry'] });
        Object.assign(entry, formatFields(), filters);
        (result.openTelemetry ??= []).push(entry);
      }
    });
  });
  return result;
}

/** The match expressions, each checked to be valid CEL syntax (they are evaluated by Envoy). */
function validCelMatches(expressions: readonly string[], path: readonly (string | number)[]): string[] {
  const invalid = expressions.flatMap((expression, index) => (isValidCel(expression) ? [] : [{ expression, index }]));
  if (invalid.length === 0) return [...expressions];
  const messages = invalid.map(({ expression }) => `invalid CEL expression: ${expression}`);
  // Several problems are listed the way Kubernetes' error aggregates print them.
  const message = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  throw new TelemetryError(message, [...path, invalid[0].index], codes.badPattern);
}

function isValidCel(expression: string): boolean {
  try {
    celLibrary().parse(expression);
    return true;
  } catch {
    return false;
  }
}
