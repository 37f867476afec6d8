/**
 * Converts Envoy resources between the two spellings of proto3 JSON: our output uses JSON names
 * (lowerCamelCase), while EnvoyPatchPolicy patches address fields by their proto names
 * (snake_case). Either spelling is accepted on input, as protojson does. Walks the descriptor, so
 * map keys and free-form Struct contents keep their spelling.
 */
import { lookupEnum, lookupMessage, normalizeTypeName, type ProtoField } from '../verify/proto-descriptor.js';

const typeUrlPrefix = 'type.googleapis.com/';

/** Message types whose JSON form is not an object of fields (left exactly as written). */
const opaqueTypes = new Set([
  'google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue', 'google.protobuf.Duration',
  'google.protobuf.Timestamp', 'google.protobuf.FieldMask', 'google.protobuf.Empty',
]);

const wrapperScalars: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double', 'google.protobuf.FloatValue': 'float', 'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64', 'google.protobuf.Int32Value': 'int32', 'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool', 'google.protobuf.StringValue': 'string', 'google.protobuf.BytesValue': 'bytes',
};

export type Spelling = 'proto' | 'json';

export class ProtoNameError extends Error {}

/** The canonical JSON form of a scalar: 32-bit numbers as numbers, 64-bit ones as strings (protojson accepts both). */
function canonicalScalar(type: string, value: unknown, path: string): unknown {
  const isNumberText = typeof value === 'string' && /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(value);
  switch (type) {
    case 'int32': case 'uint32': case 'sint32': case 'fixed32': case 'sfixed32': case 'double': case 'float':
      return isNumberText ? Number(value) : value;
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64':
      return typeof value === 'number' ? String(value) : value;
    case 'bool': case 'string': case 'bytes':
      return value;
    default:
      throw new ProtoNameError(`${path}: unknown scalar type ${type}`);
  }
}

function convertField(field: ProtoField, value: unknown, to: Spelling, path: string): unknown {
  const one = (item: unknown, itemPath: string): unknown => {
    if (field.kind === 'message') return convertMessage(normalizeTypeName(field.type), item, to, itemPath);
    if (field.kind === 'enum' && typeof item === 'number') {
      // Enum values given as numbers read back as their names.
      const values = lookupEnum(field.type)?.values ?? {};
      return Object.entries(values).find(([, n]) => n === item)?.[0] ?? item;
    }
    return field.kind === 'scalar' ? canonicalScalar(field.type, item, itemPath) : item;
  };
  if (value === null) return value;
  if (field.keyType !== undefined) {
    if (typeof value !== 'object' || Array.isArray(value)) throw new ProtoNameError(`${path}: expected a map`);
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, one(v, `${path}.${k}`)]));
  }
  if (field.repeated) {
    if (!Array.isArray(value)) throw new ProtoNameError(`${path}: expected a list`);
    return value.map((item, index) => one(item, `${path}[${index}]`));
  }
  return one(value, path);
}

function isDefaultValue(field: ProtoField, value: unknown): boolean {
  if (field.oneof !== undefined || field.repeated || field.keyType !== undefined || field.kind === 'message') return false;
  if (field.kind === 'enum') return typeof value === 'string' && lookupEnum(field.type)?.values[value] === 0;
  return value === false || value === 0 || value === '' || value === '0';
}

/** `value` (a message of `typeName` in either spelling) with field names in spelling `to`. */
export function convertMessage(typeName: string, value: unknown, to: Spelling, path = ''): unknown {
  if (opaqueTypes.has(typeName)) return value;
  if (wrapperScalars[typeName]) return canonicalScalar(wrapperScalars[typeName], value, path);
  if (typeName === 'google.protobuf.Any') {
    if (typeof value !== 'object' || value === null) throw new ProtoNameError(`${path}: expected an Any`);
    const typeUrl = (value as Record<string, unknown>)['@type'];
    if (typeof typeUrl !== 'string') throw new ProtoNameError(`${path}: Any without @type`);
    const inner = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    if (opaqueTypes.has(inner) || wrapperScalars[inner]) return value;
    const { ['@type']: _type, ...fields } = value as Record<string, unknown>;
    return { '@type': typeUrl.startsWith(typeUrlPrefix) ? typeUrl : typeUrl, ...(convertMessage(inner, fields, to, path) as object) };
  }
  const message = lookupMessage(typeName);
  if (!message) throw new ProtoNameError(`${path}: unknown message type ${typeName}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtoNameError(`${path}: expected an object for ${typeName}`);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const field = message.byKey.get(key);
    if (!field) throw new ProtoNameError(`${path ? `${path}.` : ''}${key}: unknown field "${key}" in ${typeName}`);
    const converted = convertField(field, child, to, path ? `${path}.${key}` : key);
    // protojson leaves out fields at their default value unless they have presence (oneofs).
    if (to === 'json' && isDefaultValue(field, converted)) continue;
    out[to === 'proto' ? field.name : field.jsonName] = converted;
  }
  return out;
}
