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
  annotations?: Record<string, string>;
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
  /** Absent in hand-written IR: Envoy's defaults then apply. */
  path?: PathSettings;
  routes?: HTTPRoute[];
  tcpKeepalive?: TCPKeepalive;
  headers?: HeaderSettings;
  http1?: HTTP1Settings;
  http2?: HTTP2Settings;
  http3?: { quicPort: number };
  clientIPDetection?: ClientIPDetection;
  timeout?: ClientTimeout;
  connection?: ClientConnection;
  healthCheck?: { path: string };
  enableProxyProtocol?: boolean;
}

export interface HeaderSettings {
  enableEnvoyHeaders?: boolean;
  withUnderscoresAction?: 'Allow' | 'RejectRequest' | 'DropHeader';
  preserveXRequestID?: boolean;
  xForwardedClientCert?: { mode?: 'Sanitize' | 'ForwardOnly' | 'AppendForward' | 'SanitizeSet' | 'AlwaysForwardOnly'; certDetailsToAdd?: string[] };
  earlyAddRequestHeaders?: AddHeader[];
  earlyRemoveRequestHeaders?: string[];
  disableRateLimitHeaders?: boolean;
  [key: string]: unknown;
}

export interface HTTP1Settings {
  enableTrailers?: boolean;
  preserveHeaderCase?: boolean;
  http10?: { defaultHost?: string };
}

/**
 * HTTP/2 settings. The reference IR spells the two window sizes crosswise: the key
 * `initialConnectionWindowSize` carries the stream window and `initialStreamWindowSize` the
 * connection window (see http2.ts).
 */
export interface HTTP2Settings {
  initialConnectionWindowSize?: number;
  initialStreamWindowSize?: number;
  maxConcurrentStreams?: number;
  resetStreamOnError?: boolean;
}

export interface ClientIPDetection {
  xForwardedFor?: { numTrustedHops?: number };
  customHeader?: { name: string; failClosed?: boolean };
}

export interface ClientTimeout {
  http?: { idleTimeout?: string; requestReceivedTimeout?: string };
  tcp?: { idleTimeout?: string };
}

export interface ClientConnection {
  bufferLimit?: number;
  connectionLimit?: { value: number; closeDelay?: string };
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
  statefulSessionResumption?: boolean;
  statelessSessionResumption?: boolean;
  [key: string]: unknown;
}

/** TLS to a backend (BackendTLSPolicy): the SAN/SNI to expect and what to trust. */
export interface UpstreamTLSConfig {
  sni?: string;
  useSystemTrustStore?: boolean;
  caCertificate?: { name: string; certificate: string };
  clientCertificates?: TLSCertificate[];
  minVersion?: string;
  maxVersion?: string;
  ciphers?: string[];
  ecdhCurves?: string[];
  signatureAlgorithms?: string[];
  alpnProtocols?: string[] | null;
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
  traffic?: TrafficFeatures;
  security?: Record<string, unknown>;
  useClientProtocol?: boolean;
  envoyExtensions?: Record<string, unknown>;
  timeout?: Record<string, unknown>;
  sessionPersistence?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Backend traffic settings of a route (BackendTrafficPolicy and friends). */
export interface TrafficFeatures {
  loadBalancer?: LoadBalancer;
  proxyProtocol?: { version?: 'V1' | 'V2' };
  healthCheck?: HealthCheck;
  circuitBreaker?: CircuitBreaker;
  tcpKeepalive?: TCPKeepalive;
  retry?: Retry;
  timeout?: TrafficTimeout;
  backendConnection?: { bufferLimit?: number };
  http2?: HTTP2Settings;
  dns?: { dnsRefreshRate?: string; respectDnsTtl?: boolean };
  [key: string]: unknown;
}

export interface SlowStart {
  window?: string;
}

export interface LoadBalancer {
  roundRobin?: { slowStart?: SlowStart };
  leastRequest?: { slowStart?: SlowStart };
  random?: Record<string, never>;
  consistentHash?: {
    sourceIP?: boolean;
    header?: { name: string };
    cookie?: { name: string; ttl?: string; attributes?: Record<string, string> };
    tableSize?: number;
  };
}

export interface HealthCheckPayload {
  text?: string;
  /** base64 */
  binary?: string;
}

export interface HealthCheck {
  active?: {
    timeout?: string;
    interval?: string;
    unhealthyThreshold?: number;
    healthyThreshold?: number;
    http?: { host?: string; path: string; method?: string; expectedStatuses?: number[]; expectedResponse?: HealthCheckPayload };
    tcp?: { send?: HealthCheckPayload; receive?: HealthCheckPayload };
    grpc?: { service?: string };
  };
  passive?: {
    splitExternalLocalOriginErrors?: boolean;
    interval?: string;
    consecutiveLocalOriginFailures?: number;
    consecutiveGatewayErrors?: number;
    consecutive5XxErrors?: number;
    baseEjectionTime?: string;
    maxEjectionPercent?: number;
  };
}

export interface CircuitBreaker {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxParallelRequests?: number;
  maxParallelRetries?: number;
  maxRequestsPerConnection?: number;
}

export interface BackOff {
  baseInterval?: string;
  maxInterval?: string;
}

export interface Retry {
  numRetries?: number;
  retryOn?: { triggers?: string[]; httpStatusCodes?: number[] };
  /** `backOff` as the reference's IR spells it; `backoff` as its (case-insensitive) JSON decoding also accepts. */
  perRetry?: { timeout?: string; backOff?: BackOff; backoff?: BackOff };
}

export interface TrafficTimeout {
  tcp?: { connectTimeout?: string };
  http?: { requestTimeout?: string; connectionIdleTimeout?: string; maxConnectionDuration?: string };
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
  tls?: UpstreamTLSConfig;
  filters?: DestinationFilters;
  isDynamicResolver?: boolean;
  priority?: number;
  [key: string]: unknown;
}

/** Header changes applied to the share of traffic going to one backendRef. */
export interface DestinationFilters {
  addRequestHeaders?: AddHeader[];
  removeRequestHeaders?: string[];
  addResponseHeaders?: AddHeader[];
  removeResponseHeaders?: string[];
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
  timeout?: ClientTimeout;
  connection?: ClientConnection;
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
  loadBalancer?: LoadBalancer;
  proxyProtocol?: { version?: 'V1' | 'V2' };
  healthCheck?: HealthCheck;
  circuitBreaker?: CircuitBreaker;
  tcpKeepalive?: TCPKeepalive;
  timeout?: TrafficTimeout;
  backendConnection?: { bufferLimit?: number };
  dns?: { dnsRefreshRate?: string; respectDnsTtl?: boolean };
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
  /** Set when a ClientTrafficPolicy enables HTTP/3: the proxy also listens on this UDP port. */
  http3?: { quicPort: number };
}
