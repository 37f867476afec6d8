/**
 * The intermediate representation between Gateway API resources and Envoy resources.
 * Field names and YAML form follow the reference translator's xdsIR and infraIR, so that
 * either half of its test corpus can be fed to the matching stage. Plain data only.
 */

export interface ResourceMetadata {
  kind: string;
  name: string;
  namespace: string;
  sectionName?: string;
}

/** The whole proxy configuration of one gateway (or of a merged set of gateways). */
export interface Xds {
  accessLog?: AccessLog;
  tracing?: Record<string, unknown>;
  metrics?: Metrics;
  http?: HTTPListener[];
  tcp?: TCPListener[];
  udp?: UDPListener[];
  envoyPatchPolicies?: Record<string, unknown>[];
  filterOrder?: { name: string; before?: string; after?: string }[];
  globalResources?: Record<string, unknown>;
}

export interface Metrics {
  enableVirtualHostStats?: boolean;
  enablePerEndpointStats?: boolean;
  enableRequestResponseSizesStats?: boolean;
}

export interface AccessLog {
  text?: TextAccessLog[];
  json?: JSONAccessLog[];
  openTelemetry?: Record<string, unknown>[];
  als?: Record<string, unknown>[];
}

export interface TextAccessLog {
  format?: string;
  path: string;
  celMatches?: string[];
  logType?: string;
}

export interface JSONAccessLog {
  json?: Record<string, string>;
  path: string;
  celMatches?: string[];
  logType?: string;
}

export interface CoreListenerDetails {
  name: string;
  address: string;
  port: number;
  metadata?: ResourceMetadata;
  ipFamily?: 'IPv4' | 'IPv6' | 'DualStack';
}

export interface PathSettings {
  mergeSlashes: boolean;
  escapedSlashesAction: 'KeepUnchanged' | 'RejectRequest' | 'UnescapeAndForward' | 'UnescapeAndRedirect';
}

export interface HTTPListener extends CoreListenerDetails {
  hostnames: string[];
  tls?: TLSConfig;
  isHTTP2: boolean;
  path: PathSettings;
  routes?: HTTPRoute[];
  tcpKeepalive?: TCPKeepalive;
  headers?: Record<string, unknown>;
  http1?: Record<string, unknown>;
  http2?: Record<string, unknown>;
  http3?: { quicPort: number };
  clientIPDetection?: Record<string, unknown>;
  timeout?: Record<string, unknown>;
  connection?: Record<string, unknown>;
  healthCheck?: { path: string };
  enableProxyProtocol?: boolean;
}

export interface TCPKeepalive {
  probes?: number;
  idleTime?: number;
  interval?: number;
}

/** Certificate and key as base64 of their PEM bytes (the reference IR holds Go []byte). */
export interface TLSCertificate {
  name: string;
  serverCertificate: string;
  privateKey: string;
}

export interface TLSConfig {
  certificates?: TLSCertificate[];
  caCertificate?: { name: string; certificate: string };
  alpnProtocols?: string[] | null;
  minVersion?: string;
  maxVersion?: string;
  ciphers?: string[];
  ecdhCurves?: string[];
  signatureAlgorithms?: string[];
  requireClientCertificate?: boolean;
  inspector?: { snis?: string[] };
  [key: string]: unknown;
}

export interface StringMatch {
  name?: string;
  exact?: string;
  prefix?: string;
  suffix?: string;
  safeRegex?: string;
  contains?: string;
  invert?: boolean;
  distinct: boolean;
}

export interface AddHeader {
  name: string;
  value: string[];
  append: boolean;
}

export interface HTTPRoute {
  name: string;
  hostname: string;
  isHTTP2: boolean;
  metadata?: ResourceMetadata;
  pathMatch?: StringMatch;
  headerMatches?: StringMatch[];
  queryParamMatches?: StringMatch[];
  addRequestHeaders?: AddHeader[];
  removeRequestHeaders?: string[];
  addResponseHeaders?: AddHeader[];
  removeResponseHeaders?: string[];
  directResponse?: { statusCode: number; body?: string };
  redirect?: Redirect;
  urlRewrite?: URLRewrite;
  mirrors?: RouteDestination[];
  destination?: RouteDestination;
  backendWeights?: { valid: number; invalid: number };
  traffic?: Record<string, unknown>;
  security?: Record<string, unknown>;
  useClientProtocol?: boolean;
  envoyExtensions?: Record<string, unknown>;
  timeout?: Record<string, unknown>;
  sessionPersistence?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Redirect {
  scheme?: string;
  hostname?: string;
  path?: { fullReplace?: string; prefixMatchReplace?: string };
  port?: number;
  statusCode?: number;
}

export interface URLRewrite {
  path?: { fullReplace?: string; prefixMatchReplace?: string; regexMatchReplace?: { pattern: string; substitution: string } };
  host?: { name?: string; header?: string; backend?: boolean };
}

export interface RouteDestination {
  name: string;
  settings?: DestinationSetting[];
  [key: string]: unknown;
}

export type DestinationAddressType = 'IP' | 'FQDN' | 'Mixed';

export interface DestinationSetting {
  weight?: number;
  protocol?: 'HTTP' | 'HTTP2' | 'TCP' | 'UDP' | 'HTTPS' | 'GRPC';
  endpoints?: DestinationEndpoint[];
  addressType?: DestinationAddressType;
  tls?: Record<string, unknown>;
  filters?: Record<string, unknown>;
  isDynamicResolver?: boolean;
  priority?: number;
  [key: string]: unknown;
}

export interface DestinationEndpoint {
  host?: string;
  port?: number;
  path?: string;
  priority?: number;
  zone?: string;
  draining?: boolean;
}

export interface TCPListener extends CoreListenerDetails {
  tls?: TLSConfig;
  routes?: TCPRoute[];
  tcpKeepalive?: TCPKeepalive;
  enableProxyProtocol?: boolean;
  timeout?: Record<string, unknown>;
  connection?: Record<string, unknown>;
}

/**
 * TLS handling of one TCP-listener route: SNI names selecting the route (TLS passthrough, or a
 * terminating listener with a hostname) and, on a terminating listener, its TLS settings.
 */
export interface TCPRouteTLS {
  inspector?: { snis: string[] };
  terminate?: TLSConfig;
}

export interface TCPRoute {
  name: string;
  tls?: TCPRouteTLS;
  destination?: RouteDestination;
  [key: string]: unknown;
}

export interface UDPListener extends CoreListenerDetails {
  route?: { name: string; destination?: RouteDestination; [key: string]: unknown };
}

/** infraIR: what the proxy process itself needs (its listeners' ports, labels, config). */
export interface Infra {
  proxy: ProxyInfra;
}

export interface ProxyInfra {
  name: string;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  config?: Record<string, unknown>;
  listeners: ProxyListener[];
  addresses?: string[];
}

export interface ProxyListener {
  name: string;
  address: string | null;
  ports: { name: string; protocol: string; servicePort: number; containerPort: number }[];
}
