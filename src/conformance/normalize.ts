/**
 * Normalisation before comparing our output with the reference's: it removes what carries no
 * meaning so that the differ only reports real differences.
 *
 * The rules (the same on both sides):
 * - Key order never matters (the differ looks keys up by name).
 * - `null`, absent and an empty list are the same thing: Go prints a nil slice as `null` or leaves
 *   it out (omitempty), and neither Envoy nor the reference's IR tells nil from empty... except
 *   for keys listed in `meaningfulEmpty`, where an empty list differs from absent (the IR's
 *   `alpnProtocols: []` means "no ALPN", while absent means "the default protocols").
 * - An empty mapping `{}` is significant: both a Go pointer-to-struct and a proto message are
 *   *present* when empty (`ads: {}` selects ADS; `tls: {}` enables TLS).
 * - `false`, `0` and `""` are the same as absent only where `zeroIsAbsent` is set. The reference's
 *   IR prints value fields without omitempty (`isHTTP2: false`, `distinct: false`) and omits zero
 *   omitempty fields, so for the IR and statuses a zero means "unset" — except for the keys in
 *   `meaningfulZero`, Go pointer fields whose explicit zero overrides a non-zero default. Envoy
 *   proto-JSON omits every default scalar, so a zero it prints is a wrapper or oneof member whose
 *   presence matters: for xDS resources zeros are always significant.
 * - Keys in `emptyMappingIsAbsent` are the exception to `{}` being significant: Go value structs
 *   that it prints as `{}` when empty (the infraIR echoes EnvoyProxy objects with `logging: {}`
 *   and `status: {}` whether or not the input had them).
 * - Keys in `ignoredKeys` (times the reference leaves null) are dropped at every depth.
 */
export interface NormalizeOptions {
  zeroIsAbsent: boolean;
  meaningfulZero: ReadonlySet<string>;
  meaningfulEmpty: ReadonlySet<string>;
  emptyMappingIsAbsent: ReadonlySet<string>;
  ignoredKeys: ReadonlySet<string>;
}

const timestamps = new Set(['lastTransitionTime', 'creationTimestamp']);

/** For the reference's xdsIR and infraIR (Go structs printed as YAML). */
export const irNormalization: NormalizeOptions = {
  zeroIsAbsent: true,
  // Pointer fields whose nil means a non-zero default: DNS respectDnsTtl (default true),
  // Kubernetes allowPrivilegeEscalation (default true), outlier detection's consecutive error
  // counts (Envoy's defaults are 5).
  meaningfulZero: new Set(['respectDnsTtl', 'allowPrivilegeEscalation', 'consecutiveGatewayErrors', 'consecutive5XxErrors', 'consecutiveLocalOriginErrors']),
  meaningfulEmpty: new Set(['alpnProtocols']),
  emptyMappingIsAbsent: new Set(['logging', 'status']),
  ignoredKeys: timestamps,
};

/** For Kubernetes statuses (conditions, parents, ancestors, listeners). */
export const statusNormalization: NormalizeOptions = {
  zeroIsAbsent: true,
  meaningfulZero: new Set(['attachedRoutes']),
  meaningfulEmpty: new Set(),
  emptyMappingIsAbsent: new Set(),
  ignoredKeys: timestamps,
};

/** For Envoy resources in proto-JSON form. */
export const xdsNormalization: NormalizeOptions = {
  zeroIsAbsent: false,
  meaningfulZero: new Set(),
  meaningfulEmpty: new Set(),
  emptyMappingIsAbsent: new Set(),
  ignoredKeys: timestamps,
};

/** Returns the canonical form of `value`; `undefined` means "absent". */
export function normalize(value: unknown, options: NormalizeOptions, key?: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return key !== undefined && options.meaningfulEmpty.has(key) ? [] : undefined;
    // An item that normalises to nothing keeps its place, so later items keep their index.
    return value.map((item) => normalize(item, options) ?? null);
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [childKey, child] of Object.entries(value as Record<string, unknown>)) {
      if (options.ignoredKeys.has(childKey)) continue;
      const normalized = normalize(child, options, childKey);
      if (normalized !== undefined) out[childKey] = normalized;
    }
    if (key !== undefined && options.emptyMappingIsAbsent.has(key) && Object.keys(out).length === 0) return undefined;
    return out;
  }
  if (options.zeroIsAbsent && (value === false || value === 0 || value === '') && !(key !== undefined && options.meaningfulZero.has(key))) {
    return undefined;
  }
  return value;
}
