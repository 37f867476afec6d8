/**
 * EnvoyProxy `telemetry.tracing` → the xdsIR's tracing settings: where spans go (the provider's
 * backendRefs, or its deprecated host and port), the sampling rate and the service name the
 * proxy reports.
 */
import { codes } from '../diagnostics/codes.js';
import type { KubeObject } from '../load/resource.js';
import { trafficFromClusterSettings } from './clustersettings.js';
import type { GatewayContext, TranslationContext } from './context.js';
import { defaultCollectorPort, hostPortSettings, TelemetryError, telemetryDestinationSettings } from './telemetry-backends.js';

/** The CRD's default: every request is traced. */
const defaultSamplingRate = 100;

/**
 * Tracing for `gateway`'s proxy, or undefined when its EnvoyProxy asks for none. The service
 * name is the Gateway's `name.namespace`, or with merged gateways the GatewayClass's name, since
 * one proxy then serves them all. Throws TelemetryError for an invalid backendRef.
 */
export function tracingIR(
  ctx: TranslationContext,
  gateway: GatewayContext,
  envoyProxy: KubeObject | undefined,
): Record<string, unknown> | undefined {
  const tracing = envoyProxy?.spec?.telemetry?.tracing;
  if (!envoyProxy || !tracing) return undefined;
  const provider = tracing.provider ?? {};

  const result: Record<string, unknown> = {};
  const providerPath = ['spec', 'telemetry', 'tracing', 'provider'];
  let settings = telemetryDestinationSettings(ctx, envoyProxy, provider.backendRefs, [...providerPath, 'backendRefs']);
  if (settings.length === 0) {
    const host: string = provider.host ?? '';
    const port = provider.port ?? defaultCollectorPort;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new TelemetryError('tracing provider port must be an integer from 0 to 65535', [...providerPath, 'port'], codes.wrongType);
    }
    settings = hostPortSettings(host, port);
    result.authority = host;
  }
  result.serviceName = ctx.mergeGateways ? gateway.object.spec?.gatewayClassName : `${gateway.name}.${gateway.namespace}`;
  result.samplingRate = tracing.samplingRate ?? defaultSamplingRate;
  if (tracing.customTags) result.customTags = structuredClone(tracing.customTags);
  result.destination = { name: 'tracing', settings };
  result.provider = structuredClone(provider);
  ctx.irSources.set(result, { object: envoyProxy, path: providerPath });
  let traffic: Record<string, unknown> | undefined;
  try {
    traffic = trafficFromClusterSettings(provider.backendSettings, { irSources: ctx.irSources, object: envoyProxy, path: [...providerPath, 'backendSettings'] });
  } catch (error) {
    throw new TelemetryError((error as Error).message, [...providerPath, 'backendSettings'], codes.badPattern);
  }
  if (traffic) result.traffic = traffic;
  return result;
}
