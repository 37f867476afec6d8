/**
 * What the reference translator was given around every case, besides the case file itself
 * (the corpus's context.yaml and xds-ir/SETTINGS.md describe it): its settings, and the
 * Kubernetes objects every gatewayapi case implicitly has (GatewayClass, namespaces, services).
 */
import type { KubeObject } from '../load/resource.js';

export const controllerName = 'gateway.envoyproxy.io/gatewayclass-controller';
export const gatewayClassName = 'envoy-gateway-class';
export const installNamespace = 'envoy-gateway-system';

/** gatewayapi cases run with the EnvoyPatchPolicy and Backend APIs turned off. */
export const featuresDisabledCases = new Set(['envoypatchpolicy-invalid-feature-disabled', 'backend-invalid-feature-disabled']);

export const rateLimitServiceUrl = 'grpc://envoy-ratelimit.envoy-gateway-system.svc.cluster.local:8081';
export const defaultDnsDomain = 'cluster.local';
/** Under Envoy Gateway, Envoy fetches Wasm modules from the gateway's cache, over this bootstrap cluster. */
export const wasmCacheCluster = 'wasm_cluster';
/** xds-ir cases translated with another cluster DNS domain. */
export const dnsDomainByCase: Readonly<Record<string, string>> = { 'ratelimit-custom-domain': 'example-cluster.local' };

interface KindInfo {
  kind: string;
  apiVersion: string;
}

const gatewayV1 = 'gateway.networking.k8s.io/v1';
const gatewayV1alpha2 = 'gateway.networking.k8s.io/v1alpha2';
const envoyGateway = 'gateway.envoyproxy.io/v1alpha1';

/**
 * The case files' top-level keys and the kind of their items. Keys are matched without regard to
 * case: the reference decoded them through JSON, whose field matching ignores case, and a few
 * case files rely on that (`envoyextensionpolicies`).
 */
const kindsByKey: Record<string, KindInfo> = {
  gateways: { kind: 'Gateway', apiVersion: gatewayV1 },
  httproutes: { kind: 'HTTPRoute', apiVersion: gatewayV1 },
  grpcroutes: { kind: 'GRPCRoute', apiVersion: gatewayV1 },
  tlsroutes: { kind: 'TLSRoute', apiVersion: gatewayV1alpha2 },
  tcproutes: { kind: 'TCPRoute', apiVersion: gatewayV1alpha2 },
  udproutes: { kind: 'UDPRoute', apiVersion: gatewayV1alpha2 },
  referencegrants: { kind: 'ReferenceGrant', apiVersion: 'gateway.networking.k8s.io/v1beta1' },
  backendtlspolicies: { kind: 'BackendTLSPolicy', apiVersion: 'gateway.networking.k8s.io/v1alpha3' },
  services: { kind: 'Service', apiVersion: 'v1' },
  endpointslices: { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1' },
  secrets: { kind: 'Secret', apiVersion: 'v1' },
  configmaps: { kind: 'ConfigMap', apiVersion: 'v1' },
  namespaces: { kind: 'Namespace', apiVersion: 'v1' },
  serviceimports: { kind: 'ServiceImport', apiVersion: 'multicluster.x-k8s.io/v1alpha1' },
  backends: { kind: 'Backend', apiVersion: envoyGateway },
  clienttrafficpolicies: { kind: 'ClientTrafficPolicy', apiVersion: envoyGateway },
  backendtrafficpolicies: { kind: 'BackendTrafficPolicy', apiVersion: envoyGateway },
  securitypolicies: { kind: 'SecurityPolicy', apiVersion: envoyGateway },
  envoypatchpolicies: { kind: 'EnvoyPatchPolicy', apiVersion: envoyGateway },
  envoyextensionpolicies: { kind: 'EnvoyExtensionPolicy', apiVersion: envoyGateway },
  httpfilters: { kind: 'HTTPRouteFilter', apiVersion: envoyGateway },
  envoyproxyforgatewayclass: { kind: 'EnvoyProxy', apiVersion: envoyGateway },
  envoyproxiesforgateways: { kind: 'EnvoyProxy', apiVersion: envoyGateway },
};

export function kindForKey(key: string): KindInfo | undefined {
  return kindsByKey[key.toLowerCase()];
}

const clusterScopedKinds = new Set(['GatewayClass', 'Namespace']);

export interface CaseObjects {
  objects: KubeObject[];
  /** Problems with the case file itself (an unknown key, an item that is not an object). */
  problems: string[];
}

/**
 * The objects of one gatewayapi case: its own, in file order, then the implied ones it does not
 * define itself (an object of the case wins over an implied one with the same kind and name).
 */
export function caseObjects(document: unknown): CaseObjects {
  const objects: KubeObject[] = [];
  const problems: string[] = [];
  if (document !== null && document !== undefined && (typeof document !== 'object' || Array.isArray(document))) {
    return { objects, problems: ['the case file is not a mapping of lists'] };
  }
  let classParameters: KubeObject | undefined;
  for (const [key, value] of Object.entries((document ?? {}) as Record<string, unknown>)) {
    const info = kindForKey(key);
    if (!info) {
      problems.push(`unknown key ${JSON.stringify(key)} in the case file`);
      continue;
    }
    const items = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
    for (const item of items) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        problems.push(`an item of ${key} is not an object`);
        continue;
      }
      const object = item as KubeObject;
      object.kind ??= info.kind;
      object.apiVersion ??= info.apiVersion;
      object.metadata ??= { name: '' };
      if (!clusterScopedKinds.has(object.kind) && !object.metadata.namespace) object.metadata.namespace = 'default';
      objects.push(object);
      if (key.toLowerCase() === 'envoyproxyforgatewayclass') classParameters = object;
    }
  }
  const present = new Set(objects.map(identity));
  for (const implied of impliedObjects(classParameters)) {
    if (!present.has(identity(implied))) objects.push(implied);
  }
  return { objects, problems };
}

function identity(object: KubeObject): string {
  return `${object.kind}|${object.metadata.namespace ?? ''}|${object.metadata.name}`;
}

/** The GatewayClass, namespaces, services and endpoint slices every case has without saying so. */
export function impliedObjects(classParameters?: KubeObject): KubeObject[] {
  const gatewayClass: KubeObject = {
    apiVersion: gatewayV1,
    kind: 'GatewayClass',
    metadata: { name: gatewayClassName },
    spec: { controllerName },
  };
  if (classParameters) {
    gatewayClass.spec.parametersRef = {
      group: 'gateway.envoyproxy.io',
      kind: 'EnvoyProxy',
      name: classParameters.metadata.name,
      namespace: classParameters.metadata.namespace,
    };
  }
  const objects: KubeObject[] = [gatewayClass, namespace('envoy-gateway'), namespace('default')];
  const servicePorts: Port[] = [
    { name: 'http', port: 8080, protocol: 'TCP' },
    { name: 'https', port: 8443, protocol: 'TCP' },
    { name: 'tcp', port: 8163, protocol: 'TCP' },
    { name: 'udp', port: 8162, protocol: 'UDP' },
  ];
  for (let n = 1; n <= 4; n++) {
    objects.push(...serviceWithEndpoints('default', `service-${n}`, `endpointslice-${n}`, '1.1.1.1', servicePorts, '7.7.7.7'));
  }
  objects.push(...serviceWithEndpoints('default', 'mirror-service', 'mirror-service-endpointslice', '2.2.2.2', [{ name: 'http', port: 8080, protocol: 'TCP' }], '7.6.5.4'));
  objects.push(
    ...serviceWithEndpoints(
      'monitoring',
      'otel-collector',
      'otel-collector-endpointslice',
      '3.3.3.3',
      [
        { name: 'grpc', port: 4317, protocol: 'TCP', appProtocol: 'grpc' },
        { name: 'zipkin', port: 9411, protocol: 'TCP' },
      ],
      '8.7.6.5',
    ),
  );
  return objects;
}

interface Port {
  name: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  appProtocol?: string;
}

function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** A ClusterIP service whose ports target the same numbers, and one slice with one ready address. */
function serviceWithEndpoints(ns: string, name: string, sliceName: string, clusterIP: string, ports: Port[], address: string): KubeObject[] {
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { clusterIP, ports: ports.map((port) => ({ ...port, targetPort: port.port })) },
  };
  const slice: KubeObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    ports: ports.map(({ name: portName, port, protocol }) => ({ name: portName, port, protocol })),
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
  };
  return [service, slice];
}
