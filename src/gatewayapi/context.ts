import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { DestinationSetting, HTTPRoute, Infra, Xds } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import type { Condition } from './conditions.js';
import type { OIDCDiscovery } from './oidcdiscovery.js';
import type { ResourceIndex } from './resources.js';

export interface GatewayApiOptions {
  /** Only GatewayClasses with this controllerName are ours. */
  controllerName: string;
  /** The namespace the gateway controller "is installed" in (owner of merged-gateway proxies). */
  namespace: string;
  features: { backend: boolean; envoyPatchPolicy: boolean };
  globalRateLimit?: boolean;
  /**
   * egc compiles for a proxy on a plain host (Envoy Gateway's host mode); the reference's
   * Kubernetes-only restrictions (no loopback backends) do not apply there.
   */
  runningOnHost?: boolean;
  /** Bind listeners on the ports the Gateway declares, even privileged ones (no +10000 shift). */
  bindDeclaredPorts?: boolean;
  /** OIDC endpoints fetched before translation, for providers that name only their issuer. */
  oidcDiscovery?: OIDCDiscovery;
}

export interface RouteGroupKind {
  group?: string;
  kind: string;
}

export interface ListenerContext {
  gateway: GatewayContext;
  /** The listener as written in the Gateway spec. */
  spec: any;
  index: number;
  name: string;
  protocol: string;
  port: number;
  hostname?: string;
  conditions: Condition[];
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  /** Label selector for allowedRoutes.namespaces.from = Selector, once parsed. */
  namespaceSelector?: (labels: Record<string, string>) => boolean;
  tlsSecrets: KubeObject[];
  ready: boolean;
  /** `ns/gateway/listener`: the IR listener's name. */
  irName: string;
}

export interface GatewayContext {
  object: KubeObject;
  namespace: string;
  name: string;
  listeners: ListenerContext[];
  /** Key of this gateway's xdsIR/infraIR entry (the class name when gateways are merged). */
  irKey: string;
  envoyProxy?: KubeObject;
  conditions: Condition[];
}

/** The input object and field an IR part comes from. */
export interface IRSource {
  object: KubeObject;
  path: (string | number)[];
}

/** State shared by every translation step of one run. */
export interface TranslationContext {
  options: GatewayApiOptions;
  /**
   * Where the IR parts come from that Envoy may refuse (tracing, OpenTelemetry log sinks, Wasm
   * modules, local rate limits, health checks): the xds stage reports such a part left out
   * (EGC3014) by its IR node, and the pipeline locates the report with this.
   */
  irSources: WeakMap<object, IRSource>;
  resources: ResourceIndex;
  gateways: GatewayContext[];
  xdsIR: Record<string, Xds>;
  infraIR: Record<string, Infra>;
  diagnostics: Diagnostic[];
  mergeGateways: boolean;
  gatewayClass?: KubeObject;
  classEnvoyProxy?: KubeObject;
  /** HTTP IR routes by the `kind/ns/name/` their names start with; see policy.ts httpRoutesByPrefix. */
  httpRoutesByPrefix?: Map<string, HTTPRoute[]>;
  /**
   * Set when an upstream TLS setting gets a client certificate (backendtlspolicy.ts), the one way
   * a certificate gets into an HTTP route's IR: the certificate check reads routes only then.
   */
  routeCertificates?: boolean;
  /** Destination settings of Service ports, by Service and `route kind|port|weight|routingType`; see backendref.ts. */
  serviceSettings?: Map<KubeObject, Map<string, DestinationSetting>>;
  /** A hostname as IR route names end in (`.` → `_`), made once per hostname; see httproute.ts. */
  hostnameSuffixes?: Map<string, string>;
}
