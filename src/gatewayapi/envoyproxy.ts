/**
 * EnvoyProxy: proxy-wide settings, from the GatewayClass's parametersRef or, overriding it, a
 * Gateway's `spec.infrastructure.parametersRef`. The infraIR records the object as given; the
 * xdsIR gets its telemetry (access logs, tracing, metrics) and listener address family. Kubernetes
 * deployment settings (provider.kubernetes) have no meaning for a static bootstrap and are only
 * recorded.
 */
import { diagnosticAt } from '../diagnostics/at.js';
import type { Xds } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import { condition, setCondition } from './conditions.js';
import type { GatewayContext, TranslationContext } from './context.js';
import { envoyGatewayGroup } from './resources.js';
import { accessLogIR } from './telemetry-accesslog.js';
import { TelemetryError } from './telemetry-backends.js';
import { metricsIR } from './telemetry-metrics.js';
import { tracingIR } from './telemetry-tracing.js';

const ipv4Any = '0.0.0.0';
const ipv6Any = '::';

/**
 * Settles which EnvoyProxy each Gateway uses and applies it to the Gateway's IR. Runs after the
 * listeners are in the IR.
 */
export function processEnvoyProxies(ctx: TranslationContext): void {
  for (const gateway of ctx.gateways) {
    gateway.envoyProxy = gatewayEnvoyProxy(ctx, gateway) ?? ctx.classEnvoyProxy;
    const envoyProxy = gateway.envoyProxy;
    const xds = ctx.xdsIR[gateway.irKey];
    if (xds) applyTelemetry(ctx, gateway, xds);
    if (!envoyProxy) continue;
    const infra = ctx.infraIR[gateway.irKey];
    if (infra) infra.proxy.config = recordedEnvoyProxy(envoyProxy);
    if (!xds) continue;
    applyIPFamily(xds, gateway, envoyProxy.spec?.ipFamily);
    // The HTTP filter order the EnvoyProxy asks for travels with the IR to the xds stage.
    if (envoyProxy.spec?.filterOrder?.length) xds.filterOrder = structuredClone(envoyProxy.spec.filterOrder);
  }
}

/**
 * Access logs, tracing and metrics, in that order. Merged gateways share one IR, so the last
 * gateway's settings stand. The first invalid part stops the rest, as in the reference: the
 * Gateway is marked ListenersNotValid, the invalid part is dropped, and the parts after it keep
 * what they had.
 */
function applyTelemetry(ctx: TranslationContext, gateway: GatewayContext, xds: Xds): void {
  const envoyProxy = gateway.envoyProxy;
  const steps = [
    { field: 'accessLog', label: 'access log', run: () => accessLogIR(ctx, envoyProxy) },
    { field: 'tracing', label: 'tracing', run: () => tracingIR(ctx, gateway, envoyProxy) },
    { field: 'metrics', label: 'metrics', run: () => metricsIR(ctx, envoyProxy) },
  ] as const;
  for (const step of steps) {
    let value: unknown;
    try {
      value = step.run();
    } catch (error) {
      if (!(error instanceof TelemetryError)) throw error;
      delete xds[step.field];
      // The status quotes the reference's wording; the diagnostic says what is lost.
      const message = `Invalid ${step.label} backendRefs: ${error.message}`;
      setCondition(gateway.conditions, condition('ListenersNotValid', false, 'Invalid', message));
      ctx.diagnostics.push(
        diagnosticAt(envoyProxy!, error.path, {
          code: error.code,
          message: `${error.message}: Gateway ${gateway.namespace}/${gateway.name} gets no ${step.label} configuration (ListenersNotValid)`,
        }),
      );
      return;
    }
    if (value === undefined) delete xds[step.field];
    else (xds as Record<string, unknown>)[step.field] = value;
  }
}

/** The EnvoyProxy a Gateway names itself (in its own namespace), if it exists. */
function gatewayEnvoyProxy(ctx: TranslationContext, gateway: GatewayContext): KubeObject | undefined {
  const ref = gateway.object.spec?.infrastructure?.parametersRef;
  if (!ref || ref.group !== envoyGatewayGroup || ref.kind !== 'EnvoyProxy') return undefined;
  return ctx.resources.get('EnvoyProxy', gateway.namespace, ref.name);
}

/** The EnvoyProxy as the reference's infraIR carries it: the object without its bookkeeping. */
function recordedEnvoyProxy(envoyProxy: KubeObject): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: envoyProxy.metadata.name, namespace: envoyProxy.metadata.namespace };
  if (envoyProxy.metadata.labels) metadata.labels = { ...envoyProxy.metadata.labels };
  if (envoyProxy.metadata.annotations) metadata.annotations = { ...envoyProxy.metadata.annotations };
  return {
    apiVersion: envoyProxy.apiVersion,
    kind: envoyProxy.kind,
    metadata,
    spec: structuredClone(envoyProxy.spec ?? {}),
    status: structuredClone(envoyProxy.status ?? {}),
  };
}

/** IPv6 and dual-stack proxies listen on `::` (dual-stack also accepts IPv4 there). */
function applyIPFamily(xds: Xds, gateway: GatewayContext, ipFamily: 'IPv4' | 'IPv6' | 'DualStack' | undefined): void {
  if (!ipFamily) return;
  const own = (name: string) => name.startsWith(`${gateway.namespace}/${gateway.name}/`);
  for (const listener of [...(xds.http ?? []), ...(xds.tcp ?? []), ...(xds.udp ?? [])]) {
    if (!own(listener.name)) continue;
    listener.ipFamily = ipFamily;
    listener.address = ipFamily === 'IPv4' ? ipv4Any : ipv6Any;
  }
}
