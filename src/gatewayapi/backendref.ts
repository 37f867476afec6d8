import type { DestinationAddressType, DestinationEndpoint, DestinationSetting } from '../ir/types.js';
import { compact } from '../ir/clone.js';
import type { KubeObject } from '../load/resource.js';
import { condition } from './conditions.js';
import type { TranslationContext } from './context.js';
import { validateBackend } from './backend.js';
import { setParentCondition, type RouteParent } from './parents.js';
import { referenceAllowed } from './referencegrant.js';
import { envoyGatewayGroup, gatewayGroup, multiclusterGroup } from './resources.js';

export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  filters?: any[];
}

/** The protocol a route kind speaks to its backends, before Service appProtocol refines it. */
const protocolByRouteKind: Record<string, DestinationSetting['protocol']> = {
  HTTPRoute: 'HTTP',
  GRPCRoute: 'GRPC',
  TLSRoute: 'HTTPS',
  TCPRoute: 'TCP',
  UDPRoute: 'UDP',
};

/** The route kinds whose backendRefs may name a Backend (Envoy Gateway's documented restriction). */
const backendRouteKinds = new Set(['HTTPRoute', 'TLSRoute']);

/**
 * Resolves one backendRef of a route rule to a destination setting. An invalid reference sets the
 * parent's ResolvedRefs condition and yields a setting with only a weight, so the rule keeps the
 * share of traffic that must fail; a zero weight yields nothing.
 */
export function resolveBackendRef(
  ctx: TranslationContext,
  route: KubeObject,
  parent: RouteParent,
  ref: BackendRef,
): DestinationSetting | undefined {
  const weight = ref.weight ?? 1;
  const namespace = ref.namespace ?? route.metadata.namespace ?? 'default';
  if (!validateBackendRef(ctx, route, parent, ref, namespace)) return { weight };
  if (weight === 0) return undefined;

  const kind = ref.kind ?? 'Service';
  let setting: DestinationSetting;
  if (kind === 'Backend') {
    setting = backendSetting(ctx.resources.get('Backend', namespace, ref.name)!);
  } else if (kind === 'ServiceImport') {
    setting = serviceImportSetting(ctx, route.kind, namespace, ref);
  } else {
    const envoyProxy = parent.listeners[0]?.gateway.envoyProxy;
    setting = sharedServiceSetting(ctx, route.kind, namespace, ref, weight, envoyProxy);
  }
  if (setting.addressType === 'Mixed') {
    setParentCondition(parent, condition('ResolvedRefs', false, 'ResolvedRefs', 'mixed FQDN and IP or Unix address type for the same backendRef is not supported'));
  }
  setting.weight = weight;
  return setting;
}

/**
 * The destination setting of a Service port with a weight, made once: thousands of route rules
 * name the same few Service ports. Nothing changes a setting once made (a BackendTLSPolicy
 * replaces the setting it secures by a copy), so the rules share it.
 */
function sharedServiceSetting(
  ctx: TranslationContext,
  routeKind: string,
  namespace: string,
  ref: BackendRef,
  weight: number,
  envoyProxy: KubeObject | undefined,
): DestinationSetting {
  const service = ctx.resources.get('Service', namespace, ref.name)!;
  const byService = (ctx.serviceSettings ??= new Map());
  let byKey = byService.get(service);
  if (!byKey) byService.set(service, (byKey = new Map()));
  const key = `${routeKind}|${ref.port}|${weight}|${envoyProxy?.spec?.routingType ?? ''}`;
  let setting = byKey.get(key);
  if (!setting) {
    setting = serviceDestinationSetting(ctx, namespace, ref, protocolByRouteKind[routeKind], routeKind === 'UDPRoute' ? 'UDP' : 'TCP', envoyProxy);
    setting.weight = weight;
    byKey.set(key, setting);
  }
  return setting;
}

function unresolved(parent: RouteParent, reason: string, message: string): false {
  setParentCondition(parent, condition('ResolvedRefs', false, reason, message));
  return false;
}

function validateBackendRef(ctx: TranslationContext, route: KubeObject, parent: RouteParent, ref: BackendRef, namespace: string): boolean {
  if (ref.filters?.length && route.kind === 'HTTPRoute') {
    const unsupported = ref.filters.some((f: any) => f.type !== 'RequestHeaderModifier' && f.type !== 'ResponseHeaderModifier');
    if (unsupported) {
      return unresolved(
        parent,
        'UnsupportedRefValue',
        'Specific filter is not supported within BackendRef, only RequestHeaderModifier and ResponseHeaderModifier are supported',
      );
    }
  }
  const group = ref.group ?? '';
  if (group !== '' && group !== multiclusterGroup && group !== envoyGatewayGroup) {
    return unresolved(
      parent,
      'InvalidKind',
      `Group is invalid, only the core API group (specified by omitting the group field or setting it to an empty string), ${multiclusterGroup} and ${envoyGatewayGroup} are supported`,
    );
  }
  const kind = ref.kind ?? 'Service';
  if (kind !== 'Service' && kind !== 'ServiceImport' && kind !== 'Backend') {
    return unresolved(parent, 'InvalidKind', 'Kind is invalid, only Service, MCS ServiceImport and Envoy Gateway Backend are supported');
  }
  if (namespace !== route.metadata.namespace) {
    const permitted = referenceAllowed(
      ctx.resources,
      { group: gatewayGroup, kind: route.kind, namespace: route.metadata.namespace ?? 'default' },
      { group, kind, namespace, name: ref.name },
    );
    if (!permitted) return unresolved(parent, 'RefNotPermitted', `Backend ref to ${kind} ${namespace}/${ref.name} not permitted by any ReferenceGrant.`);
  }
  switch (kind) {
    case 'Service': {
      if (ref.port === undefined) return unresolved(parent, 'PortNotSpecified', 'A valid port number corresponding to a port on the Service must be specified');
      const service = ctx.resources.get('Service', namespace, ref.name);
      if (!service) return unresolved(parent, 'BackendNotFound', `Service ${namespace}/${ref.name} not found`);
      const protocol = route.kind === 'UDPRoute' ? 'UDP' : 'TCP';
      const port = (service.spec?.ports ?? []).find((p: any) => p.port === ref.port && (p.protocol ?? 'TCP') === protocol);
      if (!port) return unresolved(parent, 'BackendNotFound', `${protocol} Port ${ref.port} not found on service ${namespace}/${ref.name}`);
      return true;
    }
    case 'ServiceImport': {
      if (ref.port === undefined) return unresolved(parent, 'PortNotSpecified', 'A valid port number corresponding to a port on the Service must be specified');
      const serviceImport = ctx.resources.get('ServiceImport', namespace, ref.name);
      if (!serviceImport) return unresolved(parent, 'BackendNotFound', `ServiceImport ${namespace}/${ref.name} not found`);
      const port = (serviceImport.spec?.ports ?? []).find((p: any) => p.port === ref.port);
      if (!port) return unresolved(parent, 'BackendNotFound', `Port ${ref.port} not found on ServiceImport ${namespace}/${ref.name}`);
      return true;
    }
    default: {
      if (!ctx.options.features.backend) {
        return unresolved(parent, 'UnsupportedRefValue', 'The Backend API is disabled; enable it to use Backend references');
      }
      if (!backendRouteKinds.has(route.kind)) {
        return unresolved(parent, 'UnsupportedValue', `Resource ${namespace}/${ref.name} of type Backend is not supported for ${route.kind} routes`);
      }
      const backend = ctx.resources.get('Backend', namespace, ref.name);
      if (!backend) return unresolved(parent, 'BackendNotFound', `Backend ${namespace}/${ref.name} not found`);
      if (validateBackend(backend, ctx.options) !== undefined) {
        return unresolved(parent, 'UnsupportedRefAddressFound', `Invalid Backend reference to Backend ${namespace}/${ref.name} found`);
      }
      if ((backend.spec?.endpoints ?? []).some((e: any) => e.unix)) {
        return unresolved(
          parent,
          'UnsupportedRefAddressFound',
          `Unix domain socket found in Backend ${namespace}/${ref.name} is not supported for xRoute backendRefs`,
        );
      }
      return true;
    }
  }
}

function addressTypeOf(counts: Map<DestinationAddressType, number>, total: number): DestinationAddressType | undefined {
  for (const [type, count] of counts) if (count === total) return type;
  return counts.size > 0 ? 'Mixed' : undefined;
}

/** A Backend's endpoints: IP, FQDN and Unix-socket addresses, in order. */
export function backendSetting(backend: KubeObject): DestinationSetting {
  const counts = new Map<DestinationAddressType, number>();
  const endpoints: DestinationEndpoint[] = [];
  const specEndpoints: any[] = backend.spec?.endpoints ?? [];
  for (const endpoint of specEndpoints) {
    if (endpoint.ip) {
      counts.set('IP', (counts.get('IP') ?? 0) + 1);
      endpoints.push({ host: endpoint.ip.address, port: endpoint.ip.port });
    } else if (endpoint.fqdn) {
      counts.set('FQDN', (counts.get('FQDN') ?? 0) + 1);
      endpoints.push({ host: endpoint.fqdn.hostname, port: endpoint.fqdn.port });
    } else if (endpoint.unix) {
      counts.set('IP', (counts.get('IP') ?? 0) + 1);
      endpoints.push({ path: endpoint.unix.path });
    }
  }
  const setting: DestinationSetting = { endpoints };
  if ((backend.spec?.appProtocols ?? []).includes('gateway.envoyproxy.io/h2c')) setting.protocol = 'HTTP2';
  const addressType = addressTypeOf(counts, specEndpoints.length);
  if (addressType) setting.addressType = addressType;
  if (backend.spec?.fallback === true) setting.priority = 1;
  return setting;
}

/**
 * A Service port as a destination: its ready endpoints, or with the EnvoyProxy's
 * `routingType: Service` its cluster IP (a headless Service has none, so it keeps its endpoints).
 * The port's appProtocol refines `protocol`.
 */
export function serviceDestinationSetting(
  ctx: TranslationContext,
  namespace: string,
  ref: { name: string; port?: number },
  protocol: DestinationSetting['protocol'],
  layer4: 'TCP' | 'UDP',
  envoyProxy: KubeObject | undefined,
): DestinationSetting {
  const service = ctx.resources.get('Service', namespace, ref.name)!;
  const servicePort = (service.spec?.ports ?? []).find((p: any) => p.port === ref.port && (p.protocol ?? 'TCP') === layer4);
  if (servicePort?.appProtocol === 'kubernetes.io/h2c') protocol = 'HTTP2';
  else if (servicePort?.appProtocol === 'grpc') protocol = 'GRPC';
  const clusterIP: string | undefined = service.spec?.clusterIP;
  if (envoyProxy?.spec?.routingType === 'Service' && clusterIP && clusterIP !== 'None') {
    return { protocol, endpoints: [{ host: clusterIP, port: ref.port }] };
  }
  const { endpoints, addressType } = serviceEndpoints(ctx.resources.endpointSlicesFor(namespace, ref.name), servicePort?.name, layer4);
  // A Service with no ready endpoint is no usable backend: its share of traffic fails.
  // Literals with every key: an object given keys after it is made keeps them in a second array.
  if (endpoints.length) return addressType ? { protocol, endpoints, addressType } : { protocol, endpoints };
  return addressType ? { protocol, addressType } : { protocol };
}

function serviceImportSetting(ctx: TranslationContext, routeKind: string, namespace: string, ref: BackendRef): DestinationSetting {
  const serviceImport = ctx.resources.get('ServiceImport', namespace, ref.name)!;
  const port = (serviceImport.spec?.ports ?? []).find((p: any) => p.port === ref.port);
  const slices = ctx.resources
    .all('EndpointSlice')
    .filter((s) => s.metadata.namespace === namespace && s.metadata.labels?.['multicluster.kubernetes.io/service-name'] === ref.name);
  const { endpoints, addressType } = endpointsFromSlices(slices, port?.name, routeKind === 'UDPRoute' ? 'UDP' : 'TCP');
  const setting: DestinationSetting = { protocol: protocolByRouteKind[routeKind], endpoints };
  if (addressType) setting.addressType = addressType;
  return setting;
}

/**
 * endpointsFromSlices of a Service's slices, made once per Service port: thousands of routes
 * name the same few Services. The settings of those routes share the endpoint list, which
 * nothing changes once made.
 */
function serviceEndpoints(slices: readonly KubeObject[], portName: string | undefined, protocol: string): ReturnType<typeof endpointsFromSlices> {
  let byPort = endpointsBySlices.get(slices);
  if (!byPort) endpointsBySlices.set(slices, (byPort = new Map()));
  const key = `${portName ?? ''}|${protocol}`;
  let result = byPort.get(key);
  if (!result) byPort.set(key, (result = endpointsFromSlices(slices, portName, protocol)));
  return result;
}

/** Per list of a Service's slices (the ResourceIndex's own array), per `port name|protocol`. */
const endpointsBySlices = new WeakMap<readonly KubeObject[], Map<string, ReturnType<typeof endpointsFromSlices>>>();

/** Ready endpoints of the slices whose port matches the Service port by name and protocol. */
function endpointsFromSlices(
  slices: readonly KubeObject[],
  portName: string | undefined,
  protocol: string,
): { endpoints: DestinationEndpoint[]; addressType?: DestinationAddressType } {
  const endpoints: DestinationEndpoint[] = [];
  const counts = new Map<DestinationAddressType, number>();
  for (const slice of slices) {
    const sliceType: DestinationAddressType = slice.addressType === 'FQDN' ? 'FQDN' : 'IP';
    counts.set(sliceType, (counts.get(sliceType) ?? 0) + 1);
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false) continue;
      for (const port of slice.ports ?? []) {
        if ((port.name ?? '') !== (portName ?? '') || (port.protocol ?? 'TCP') !== protocol) continue;
        for (const address of endpoint.addresses ?? []) endpoints.push({ host: address, port: port.port });
      }
    }
  }
  return { endpoints: compact(endpoints), addressType: addressTypeOf(counts, slices.length) };
}
