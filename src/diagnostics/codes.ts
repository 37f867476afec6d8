/**
 * Every diagnostic code egc emits. Codes are stable: never renumber, only add.
 * The ranges: 1xxx loading, 2xxx schema, 3xxx translation (statuses), 4xxx output checks,
 * 5xxx command-line usage.
 */
export const codes = {
  // Loading
  fileNotFound: 'EGC1001',
  fileUnreadable: 'EGC1002',
  yamlSyntax: 'EGC1003',
  notAnObject: 'EGC1004',
  missingKind: 'EGC1005',
  unsupportedKind: 'EGC1006',
  missingName: 'EGC1007',
  duplicateResource: 'EGC1008',
  noInput: 'EGC1009',
  inputLimit: 'EGC1010',
  ignoredGatewayClass: 'EGC1011',
  yamlWarning: 'EGC1012',

  // Schema
  unknownField: 'EGC2001',
  wrongType: 'EGC2002',
  badEnum: 'EGC2003',
  outOfRange: 'EGC2004',
  badPattern: 'EGC2005',
  missingField: 'EGC2006',
  schemaOther: 'EGC2007',
  celRule: 'EGC2008',
  unknownApiVersion: 'EGC2009',
  legacyApiVersion: 'EGC2010',
  /** A negative number where Envoy takes an unsigned one: it wraps, as in the reference. */
  negativeUnsigned: 'EGC2011',

  // Translation: a resource or part of one was not accepted, or a reference did not resolve
  gatewayClassNotAccepted: 'EGC3001',
  gatewayNotAccepted: 'EGC3002',
  listenerNotAccepted: 'EGC3003',
  routeNotAccepted: 'EGC3004',
  refNotResolved: 'EGC3005',
  backendNotAccepted: 'EGC3006',
  listenerConflict: 'EGC3007',
  noGatewayForRoute: 'EGC3008',
  portRemapped: 'EGC3009',
  policyNotAccepted: 'EGC3010',
  /** A served certificate whose key does not match it, or that is expired or not yet valid. */
  certificateProblem: 'EGC3011',
  /** A route that can never match because an earlier one takes all its requests. */
  routeShadowed: 'EGC3012',
  /** A listener with nothing to serve (no route attached): Envoy refuses such a listener. */
  emptyListener: 'EGC3013',
  /**
   * Input that Envoy refuses, found while building a proxy's resources: a telemetry collector
   * without endpoints, a remote Wasm module without a checksum. That part is left out.
   */
  envoyWouldRefuse: 'EGC3014',

  // Output checks (a failure here is a bug in egc)
  protoMismatch: 'EGC4001',
  envoyRejected: 'EGC4002',
  /** Envoy's API descriptor could not be read, so the output went unchecked. */
  protoCheckSkipped: 'EGC4003',

  // Command line
  usage: 'EGC5001',
  gatewayNotFound: 'EGC5002',
  internal: 'EGC5003',
  /** egc server: the EnvoyGateway config asks for something host mode cannot do. */
  serverConfig: 'EGC5004',
} as const;

export type Code = (typeof codes)[keyof typeof codes];
