import { codes } from '../diagnostics/codes.js';
import { diagnosticAt } from '../diagnostics/at.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Infra, Xds } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import { processBackends } from './backend.js';
import { processEnvoyProxies } from './envoyproxy.js';
import { processBackendTrafficPolicies } from './backendtrafficpolicy.js';
import { processBackendTLSPolicies } from './backendtlspolicy.js';
import { processClientTrafficPolicies } from './clienttrafficpolicy.js';
import { condition } from './conditions.js';
import type { GatewayApiOptions, GatewayContext, IRSource, ListenerContext, TranslationContext } from './context.js';
import { processEnvoyExtensionPolicies } from './envoyextensionpolicy.js';
import { processEnvoyPatchPolicies } from './envoypatchpolicy.js';
import { processHTTPRoutes } from './httproute.js';
import { processListeners } from './listener.js';
import { processLayer4Routes } from './l4route.js';
import { processGRPCRoutes } from './grpcroute.js';
import { sortRoutes } from './precedence.js';
import { processSecurityPolicies } from './securitypolicy.js';
import { envoyGatewayGroup, ResourceIndex } from './resources.js';

export type { GatewayApiOptions } from './context.js';

export interface GatewayApiResult {
  /** Every input object; those the translator computed a status for carry it in `.status`. */
  objects: KubeObject[];
  xdsIR: Record<string, Xds>;
  infraIR: Record<string, Infra>;
  diagnostics: Diagnostic[];
  /** Whether any HTTP route of the IR may hold a certificate (see TranslationContext.routeCertificates). */
  routeCertificates: boolean;
  /** See TranslationContext.irSources. */
  irSources: WeakMap<object, IRSource>;
}

const ownerLabels = {
  gatewayName: 'gateway.envoyproxy.io/owning-gateway-name',
  gatewayNamespace: 'gateway.envoyproxy.io/owning-gateway-namespace',
  gatewayClass: 'gateway.envoyproxy.io/owning-gatewayclass',
};

/**
 * Gateway API (+ Envoy Gateway) resources → xdsIR and infraIR per proxy, with statuses.
 * Objects are processed in the order given; callers wanting order independence sort first.
 */
export function translateGatewayApi(objects: KubeObject[], options: GatewayApiOptions): GatewayApiResult {
  const resources = new ResourceIndex(objects);
  const result: GatewayApiResult = { objects, xdsIR: {}, infraIR: {}, diagnostics: [], routeCertificates: false, irSources: new WeakMap() };
  const classes = resources.all('GatewayClass').filter((c) => c.spec?.controllerName === options.controllerName);

  for (const gatewayClass of resources.all('GatewayClass')) {
    if (classes.includes(gatewayClass)) continue;
    result.diagnostics.push(
      diagnosticAt(gatewayClass, ['spec', 'controllerName'], {
        code: codes.ignoredGatewayClass,
        severity: 'warning',
        message: `GatewayClass ${gatewayClass.metadata.name} is managed by ${gatewayClass.spec?.controllerName}, not ${options.controllerName}; its Gateways are not translated`,
      }),
    );
  }
  for (const gateway of resources.all('Gateway')) {
    const className = gateway.spec?.gatewayClassName;
    if (!resources.get('GatewayClass', '', className)) {
      result.diagnostics.push(
        diagnosticAt(gateway, ['spec', 'gatewayClassName'], {
          code: codes.ignoredGatewayClass,
          severity: 'warning',
          message: `Gateway ${gateway.metadata.namespace}/${gateway.metadata.name} uses GatewayClass ${className}, which is not defined; it is not translated`,
        }),
      );
    }
  }

  for (const gatewayClass of classes) {
    const ctx = translateClass(resources, gatewayClass, options, result.irSources);
    Object.assign(result.xdsIR, ctx.xdsIR);
    Object.assign(result.infraIR, ctx.infraIR);
    result.diagnostics.push(...ctx.diagnostics);
    if (ctx.routeCertificates) result.routeCertificates = true;
  }
  return result;
}

function classEnvoyProxy(resources: ResourceIndex, gatewayClass: KubeObject): KubeObject | undefined {
  const ref = gatewayClass.spec?.parametersRef;
  if (!ref || ref.group !== envoyGatewayGroup || ref.kind !== 'EnvoyProxy') return undefined;
  return resources.get('EnvoyProxy', ref.namespace ?? '', ref.name);
}

function translateClass(resources: ResourceIndex, gatewayClass: KubeObject, options: GatewayApiOptions, irSources: WeakMap<object, IRSource>): TranslationContext {
  const envoyProxy = classEnvoyProxy(resources, gatewayClass);
  const mergeGateways = envoyProxy?.spec?.mergeGateways === true;
  const ctx: TranslationContext = {
    options,
    irSources,
    resources,
    gateways: [],
    xdsIR: {},
    infraIR: {},
    diagnostics: [],
    mergeGateways,
    gatewayClass,
    classEnvoyProxy: envoyProxy,
  };
  gatewayClass.status = {
    conditions: [condition('Accepted', true, 'Accepted', 'Valid GatewayClass', gatewayClass.metadata.generation)],
  };

  for (const gateway of resources.all('Gateway')) {
    if (gateway.spec?.gatewayClassName !== gatewayClass.metadata.name) continue;
    ctx.gateways.push(gatewayContext(ctx, gateway));
  }
  for (const gateway of ctx.gateways) initIR(ctx, gateway);

  processListeners(ctx);
  processEnvoyProxies(ctx);
  processHTTPRoutes(ctx);
  processGRPCRoutes(ctx);
  processLayer4Routes(ctx);
  processClientTrafficPolicies(ctx);
  processBackendTrafficPolicies(ctx);
  processBackends(ctx);
  processBackendTLSPolicies(ctx);
  processSecurityPolicies(ctx);
  processEnvoyExtensionPolicies(ctx);
  processEnvoyPatchPolicies(ctx);
  for (const xds of Object.values(ctx.xdsIR)) sortRoutes(xds);
  for (const gateway of ctx.gateways) writeGatewayStatus(gateway);
  return ctx;
}

function gatewayContext(ctx: TranslationContext, gateway: KubeObject): GatewayContext {
  const namespace = gateway.metadata.namespace ?? 'default';
  const name = gateway.metadata.name;
  const context: GatewayContext = {
    object: gateway,
    namespace,
    name,
    listeners: [],
    irKey: ctx.mergeGateways ? ctx.gatewayClass!.metadata.name : `${namespace}/${name}`,
    envoyProxy: ctx.classEnvoyProxy,
    conditions: [],
  };
  context.listeners = (gateway.spec?.listeners ?? []).map(
    (spec: any, index: number): ListenerContext => ({
      gateway: context,
      spec,
      index,
      name: spec.name ?? '',
      protocol: spec.protocol,
      port: spec.port,
      hostname: spec.hostname,
      conditions: [],
      supportedKinds: [],
      attachedRoutes: 0,
      tlsSecrets: [],
      ready: false,
      irName: `${namespace}/${name}/${spec.name ?? ''}`,
    }),
  );
  return context;
}

function initIR(ctx: TranslationContext, gateway: GatewayContext): void {
  if (!ctx.xdsIR[gateway.irKey]) {
    ctx.xdsIR[gateway.irKey] = { accessLog: { text: [{ path: '/dev/stdout' }] } };
  }
  if (!ctx.infraIR[gateway.irKey]) {
    const labels: Record<string, string> = ctx.mergeGateways
      ? { [ownerLabels.gatewayClass]: ctx.gatewayClass!.metadata.name }
      : { [ownerLabels.gatewayName]: gateway.name, [ownerLabels.gatewayNamespace]: gateway.namespace };
    ctx.infraIR[gateway.irKey] = { proxy: { listeners: [], metadata: { labels }, name: gateway.irKey } };
    const infrastructure = gateway.object.spec?.infrastructure;
    const proxy = ctx.infraIR[gateway.irKey].proxy;
    if (infrastructure?.labels) Object.assign(proxy.metadata!.labels!, infrastructure.labels);
    if (infrastructure?.annotations) proxy.metadata!.annotations = { ...infrastructure.annotations };
    const addresses = (gateway.object.spec?.addresses ?? [])
      .filter((a: any) => (a.type ?? 'IPAddress') === 'IPAddress')
      .map((a: any) => a.value)
      .filter(Boolean);
    if (addresses.length) proxy.addresses = addresses;
  }
}

function writeGatewayStatus(gateway: GatewayContext): void {
  const status: Record<string, unknown> = { ...(gateway.object.status ?? {}) };
  if (gateway.conditions.length) status.conditions = gateway.conditions;
  status.listeners = gateway.listeners.map((listener) => ({
    attachedRoutes: listener.attachedRoutes,
    conditions: listener.conditions,
    name: listener.name,
    supportedKinds: listener.supportedKinds,
  }));
  gateway.object.status = status;
}
