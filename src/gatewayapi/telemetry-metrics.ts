/**
 * EnvoyProxy `telemetry.metrics` → the xdsIR's metrics switches. Metrics sinks are pushed by the
 * proxy's bootstrap, not by listeners, so only their backendRefs are checked here.
 */
import type { Metrics } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import type { TranslationContext } from './context.js';
import { telemetryDestinationSettings } from './telemetry-backends.js';

const switches = ['enableVirtualHostStats', 'enablePerEndpointStats', 'enableRequestResponseSizesStats'] as const;

/** The metrics settings, or undefined when the EnvoyProxy has none. Throws TelemetryError for an invalid sink backendRef. */
export function metricsIR(ctx: TranslationContext, envoyProxy: KubeObject | undefined): Metrics | undefined {
  const metrics = envoyProxy?.spec?.telemetry?.metrics;
  if (!envoyProxy || !metrics) return undefined;
  (Array.isArray(metrics.sinks) ? metrics.sinks : []).forEach((sink: any, index: number) => {
    const refsPath = ['spec', 'telemetry', 'metrics', 'sinks', index, 'openTelemetry', 'backendRefs'];
    if (sink.openTelemetry) telemetryDestinationSettings(ctx, envoyProxy, sink.openTelemetry.backendRefs, refsPath);
  });
  const result: Metrics = {};
  for (const name of switches) if (metrics[name]) result[name] = true;
  return result;
}
