/** Envoy resources in proto-JSON form (camelCase fields, `@type` on Any). */
export type Json = Record<string, any>;

export const typeUrlPrefix = 'type.googleapis.com/';

/** A google.protobuf.Any of the given fully qualified message type. */
export function any(typeName: string, value: Json): Json {
  return { '@type': `${typeUrlPrefix}${typeName}`, ...value };
}

/** ADS config source: what the reference's xDS points at; the bootstrap stage inlines it away. */
export const adsConfigSource: Json = { ads: {}, resourceApiVersion: 'V3' };

/** Per-connection buffer the reference sets on listeners and clusters unless a policy says otherwise. */
export const defaultBufferLimitBytes = 32768;

/** A part of a proxy left out because Envoy would refuse what the input asks for (the catalog's EGC3014). */
export interface RefusedPart {
  message: string;
  /** The IR node the part comes from, which the gatewayapi stage may trace back to the input. */
  about?: object;
}

/**
 * Thrown while building a part of a resource that the input asks for but Envoy would refuse: the
 * part is left out and reported as the input's problem (a RefusedPart), not egc's.
 */
export class EnvoyWouldRefuse extends Error {
  constructor(
    message: string,
    readonly about?: object,
  ) {
    super(message);
  }

  /** The report of `part` (`cluster NAME`, `route NAME`) left out for this reason. */
  leftOut(part: string): RefusedPart {
    return { message: `${part} is left out: ${this.message}`, about: this.about };
  }
}

/**
 * An API number Envoy reads as a uint32 (an int32 count, a float percentage scaled to an integer):
 * a negative value wraps modulo 2^32, as the reference's Go conversion to uint32 does.
 */
export function wrapToUint32(value: number): number {
  return value >>> 0;
}

/** IR byte fields arrive as base64 (reference YAML of Go []byte) or as a list of byte values. */
export function bytesToBase64(value: unknown): string {
  if (Array.isArray(value)) return Buffer.from(value as number[]).toString('base64');
  if (typeof value === 'string') return value;
  return '';
}

export interface XdsResources {
  listeners: Json[];
  routes: Json[];
  clusters: Json[];
  endpoints: Json[];
  secrets: Json[];
}
