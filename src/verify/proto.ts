// Strict check of emitted Envoy config against Envoy's v3 protos, following the proto3 JSON
// mapping. protobufjs's fromObject drops unknown fields and bad enum names silently, so this walks
// the descriptor (build/envoy-protos.json) itself and reports every mismatch with its path.
// It also enforces the protoc-gen-validate rules Envoy checks on load (see proto-rules.ts).
import {
  lookupEnum,
  lookupMessage,
  normalizeTypeName,
  type ProtoField,
  type ProtoMessage,
} from './proto-descriptor.js';
import {
  durationNanos,
  isRequired,
  itemRules,
  mapKeyRules,
  mapValueRules,
  mapViolations,
  repeatedViolations,
  valueViolations,
  type FieldRules,
} from './proto-rules.js';

export interface ProtoIssue {
  /** Where in the checked value, e.g. `staticResources.listeners[0].filterChains[0].filters[0].typedConfig`. */
  path: string;
  message: string;
}

/** Checks `value` as the proto3 JSON form of message `typeName` (e.g. `envoy.config.bootstrap.v3.Bootstrap`). */
export function checkMessage(typeName: string, value: unknown): ProtoIssue[] {
  const checker = new Checker();
  checker.typed(normalizeTypeName(typeName), value, '');
  return checker.issues;
}

/** Checks a google.protobuf.Any: `{ "@type": "type.googleapis.com/<name>", ...fields }`. */
export function checkAny(value: unknown): ProtoIssue[] {
  return checkMessage(anyType, value);
}

const anyType = 'google.protobuf.Any';
const durationType = 'google.protobuf.Duration';
const timestampType = 'google.protobuf.Timestamp';

// Well-known wrappers are written as the bare wrapped scalar.
const wrapperTypes: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

// Types whose JSON form is not an object of their fields; inside an Any they sit under "value".
const customJsonTypes = new Set([
  anyType, durationType, timestampType,
  'google.protobuf.FieldMask', 'google.protobuf.Struct', 'google.protobuf.Value', 'google.protobuf.ListValue',
  ...Object.keys(wrapperTypes),
]);

const typedStructTypes = new Set(['udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct']);

const int32Range = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const uint32Range = [0n, 2n ** 32n - 1n] as const;
const int64Range = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const uint64Range = [0n, 2n ** 64n - 1n] as const;
const integerRanges: Record<string, readonly [bigint, bigint]> = {
  int32: int32Range, sint32: int32Range, sfixed32: int32Range,
  uint32: uint32Range, fixed32: uint32Range,
  int64: int64Range, sint64: int64Range, sfixed64: int64Range,
  uint64: uint64Range, fixed64: uint64Range,
};
const sixtyFourBit = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const maxFloat32 = 3.4028234663852886e38;
// google.protobuf.Duration is limited to about +-10000 years.
const maxDurationSeconds = 315_576_000_000n;
const base64Pattern = /^[A-Za-z0-9+/\-_]*={0,2}$/;
const rfc3339Pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return String(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function defaultValue(field: ProtoField): unknown {
  if (field.kind === 'enum') return 0;
  if (field.type === 'string' || field.type === 'bytes') return '';
  if (field.type === 'bool') return false;
  return 0;
}

// What leaving a field out breaks depends only on the field, so it is worked out once per field.
const absentCache = new WeakMap<ProtoField, string[]>();

function absentProblems(field: ProtoField, message: ProtoMessage): string[] {
  let problems = absentCache.get(field);
  if (problems) return problems;
  const rules = field.rules;
  const broken = (violations: readonly string[], what: string) =>
    violations.map((violation) => `not set, so ${what}, which breaks a validation rule Envoy enforces: ${violation}`);
  if (isRequired(rules)) problems = [`missing required field "${field.jsonName}" of ${message.name}`];
  else if (field.keyType !== undefined) problems = broken(mapViolations(rules, 0), 'empty');
  else if (field.repeated) problems = broken(repeatedViolations(rules, []), 'empty');
  else if (field.kind !== 'message') {
    const fallback = defaultValue(field);
    const enumValues = field.kind === 'enum' ? lookupEnum(field.type)?.values : undefined;
    problems = broken(valueViolations(rules, fallback, enumValues), JSON.stringify(fallback));
  } else problems = [];
  absentCache.set(field, problems);
  return problems;
}

/**
 * The key a field is written under in `value`: its JSON name or its proto name, the one that
 * comes first when both are there; undefined when neither is.
 */
function writtenKey(value: Record<string, unknown>, field: ProtoField): string | undefined {
  const hasJson = Object.prototype.hasOwnProperty.call(value, field.jsonName);
  if (field.name === field.jsonName) return hasJson ? field.jsonName : undefined;
  const hasProto = Object.prototype.hasOwnProperty.call(value, field.name);
  if (hasJson && hasProto) {
    for (const key in value) if (key === field.jsonName || key === field.name) return key;
  }
  return hasJson ? field.jsonName : hasProto ? field.name : undefined;
}

class Checker {
  readonly issues: ProtoIssue[] = [];

  private issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  private violations(path: string, found: readonly string[]): void {
    for (const violation of found) this.issue(path, `breaks a validation rule Envoy enforces: ${violation}`);
  }

  /** Checks a value of any message type (well-known ones included); true when its shape is right. */
  typed(typeName: string, value: unknown, path: string): boolean {
    const wrapped = wrapperTypes[typeName];
    if (wrapped) return this.scalar(wrapped, value, path);
    switch (typeName) {
      case anyType:
        return this.any(value, path);
      case durationType:
        return this.duration(value, path);
      case timestampType:
        if (typeof value === 'string' && rfc3339Pattern.test(value) && !Number.isNaN(Date.parse(value))) return true;
        this.issue(path, `expected an RFC 3339 timestamp string (google.protobuf.Timestamp), got ${describe(value)}`);
        return false;
      case 'google.protobuf.FieldMask':
        return this.expect(typeof value === 'string', 'a string (google.protobuf.FieldMask)', value, path);
      case 'google.protobuf.Struct':
        return this.expect(isPlainObject(value), 'an object (google.protobuf.Struct)', value, path);
      case 'google.protobuf.ListValue':
        return this.expect(Array.isArray(value), 'an array (google.protobuf.ListValue)', value, path);
      case 'google.protobuf.Value':
        return true;
    }
    const message = lookupMessage(typeName);
    if (!message) {
      this.issue(path, `unknown message type ${typeName}`);
      return false;
    }
    return this.object(message, value, path);
  }

  private expect(ok: boolean, expected: string, value: unknown, path: string): boolean {
    if (!ok) this.issue(path, `expected ${expected}, got ${describe(value)}`);
    return ok;
  }

  private object(message: ProtoMessage, value: unknown, path: string): boolean {
    if (!isPlainObject(value)) {
      this.issue(path, `expected an object (${message.name}), got ${describe(value)}`);
      return false;
    }
    // Oneof name -> the member key that set it; made only for messages with a oneof member set.
    let oneofKeys: Map<string, string> | undefined;
    for (const key in value) {
      const fieldValue = value[key];
      const fieldPath = join(path, key);
      const field = message.byKey.get(key);
      if (!field) {
        this.issue(fieldPath, `unknown field "${key}" in ${message.name}`);
        continue;
      }
      // A field can be written under its JSON name and its proto name: both is an error.
      const earlier = writtenKey(value, field);
      if (earlier !== key) {
        this.issue(fieldPath, `field "${field.name}" of ${message.name} is given twice ("${earlier}" and "${key}")`);
        continue;
      }
      if (fieldValue === null || fieldValue === undefined) continue; // null means "not set"
      if (field.oneof) {
        const other = oneofKeys?.get(field.oneof);
        if (other !== undefined) {
          this.issue(fieldPath, `"${key}" and "${other}" are both set, but they are members of oneof "${field.oneof}" of ${message.name}; set at most one`);
        } else (oneofKeys ??= new Map()).set(field.oneof, key);
      }
      this.field(field, fieldValue, fieldPath);
    }

    // Rules of an unset oneof member (or proto3 optional field) do not apply, so ruledFields leaves them out.
    for (const field of message.ruledFields) {
      const key = writtenKey(value, field);
      if (key !== undefined && value[key] !== null && value[key] !== undefined) continue;
      this.absent(field, join(path, field.jsonName), message);
    }
    for (const oneof of message.requiredOneofs) {
      if (!oneofKeys?.has(oneof)) {
        const members = (message.oneofMembers.get(oneof) ?? []).map((name) => `"${name}"`).join(', ');
        this.issue(path, `${message.name} needs one of ${members} (oneof "${oneof}" is required)`);
      }
    }
    if (typedStructTypes.has(message.name)) this.typedStruct(value, path);
    return true;
  }

  /** Rules that fire even when a field is left out: required messages, and scalar rules checked against the default. */
  private absent(field: ProtoField, path: string, message: ProtoMessage): void {
    for (const problem of absentProblems(field, message)) this.issue(path, problem);
  }

  private field(field: ProtoField, value: unknown, path: string): void {
    const enumValues = field.kind === 'enum' ? lookupEnum(field.type)?.values : undefined;
    if (field.keyType !== undefined) {
      this.map(field, field.keyType, value, path, enumValues);
    } else if (field.repeated) {
      if (!Array.isArray(value)) {
        this.issue(path, `expected an array (repeated ${field.type}), got ${describe(value)}`);
        return;
      }
      this.violations(path, repeatedViolations(field.rules, value));
      const rules = itemRules(field.rules);
      value.forEach((item, index) => {
        const itemPath = `${path}[${index}]`;
        if (item === null || item === undefined) this.issue(itemPath, 'null is not allowed in a repeated field');
        else if (this.single(field, item, itemPath)) this.violations(itemPath, valueViolations(rules, item, enumValues));
      });
    } else if (this.single(field, value, path)) {
      this.violations(path, valueViolations(field.rules, value, enumValues));
    }
  }

  private map(
    field: ProtoField,
    keyType: string,
    value: unknown,
    path: string,
    enumValues: Record<string, number> | undefined,
  ): void {
    if (!isPlainObject(value)) {
      this.issue(path, `expected an object (map<${keyType}, ${field.type}>), got ${describe(value)}`);
      return;
    }
    const entries = Object.entries(value);
    this.violations(path, mapViolations(field.rules, entries.length));
    const keyRules: FieldRules | undefined = mapKeyRules(field.rules);
    const valueRules = mapValueRules(field.rules);
    for (const [key, item] of entries) {
      const itemPath = `${path}[${JSON.stringify(key)}]`;
      if (this.mapKey(keyType, key, itemPath)) this.violations(itemPath, valueViolations(keyRules, key).map((v) => `key ${v}`));
      if (item === null || item === undefined) this.issue(itemPath, 'null is not allowed as a map value');
      else if (this.single(field, item, itemPath)) this.violations(itemPath, valueViolations(valueRules, item, enumValues));
    }
  }

  // JSON object keys are strings; integer and bool keys must still spell a valid key value.
  private mapKey(keyType: string, key: string, path: string): boolean {
    if (keyType === 'string') return true;
    if (keyType === 'bool') return this.expect(key === 'true' || key === 'false', 'a bool map key ("true" or "false")', key, path);
    const range = integerRanges[keyType];
    if (range && /^-?\d+$/.test(key) && BigInt(key) >= range[0] && BigInt(key) <= range[1]) return true;
    this.issue(path, `map key ${JSON.stringify(key)} is not a valid ${keyType}`);
    return false;
  }

  private single(field: ProtoField, value: unknown, path: string): boolean {
    if (field.kind === 'scalar') return this.scalar(field.type, value, path);
    if (field.kind === 'enum') return this.enumValue(field.type, value, path);
    return this.typed(field.type, value, path);
  }

  private scalar(type: string, value: unknown, path: string): boolean {
    switch (type) {
      case 'string':
        return this.expect(typeof value === 'string', 'a string', value, path);
      case 'bool':
        return this.expect(typeof value === 'boolean', 'a boolean', value, path);
      case 'bytes':
        return this.expect(typeof value === 'string' && base64Pattern.test(value), 'a base64 string (bytes)', value, path);
      case 'double':
      case 'float': {
        if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return true;
        if (typeof value !== 'number' || !Number.isFinite(value)) return this.expect(false, `a number (${type})`, value, path);
        if (type === 'float' && Math.abs(value) > maxFloat32) {
          this.issue(path, `${value} is out of range for float`);
          return false;
        }
        return true;
      }
    }
    const range = integerRanges[type];
    if (!range) {
      this.issue(path, `unsupported scalar type ${type}`);
      return false;
    }
    let integer: bigint | undefined;
    if (typeof value === 'number' && Number.isInteger(value)) integer = BigInt(value);
    else if (typeof value === 'string' && sixtyFourBit.has(type) && /^-?\d+$/.test(value)) integer = BigInt(value);
    if (integer === undefined) {
      const expected = sixtyFourBit.has(type) ? `an integer or a decimal string (${type})` : `an integer (${type})`;
      this.issue(path, `expected ${expected}, got ${describe(value)}`);
      return false;
    }
    if (integer < range[0] || integer > range[1]) {
      const why = integer < 0n && range[0] === 0n ? `${type} cannot be negative` : `out of range for ${type} [${range[0]}, ${range[1]}]`;
      this.issue(path, `${String(value)}: ${why}`);
      return false;
    }
    return true;
  }

  private enumValue(typeName: string, value: unknown, path: string): boolean {
    const protoEnum = lookupEnum(typeName);
    if (!protoEnum) {
      this.issue(path, `unknown enum type ${typeName}`);
      return false;
    }
    if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(protoEnum.values, value)) return true;
    if (typeof value === 'number' && protoEnum.numbers.has(value)) return true;
    const names = Object.keys(protoEnum.values);
    const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ');
    this.issue(path, `${describe(value)} is not a value of enum ${typeName} (valid: ${shown})`);
    return false;
  }

  private duration(value: unknown, path: string): boolean {
    const nanos = typeof value === 'string' ? durationNanos(value) : undefined;
    if (nanos === undefined) {
      this.issue(path, `expected a duration string in seconds like "1.5s" or "10s" (google.protobuf.Duration), got ${describe(value)}`);
      return false;
    }
    const seconds = (nanos < 0n ? -nanos : nanos) / 1_000_000_000n;
    if (seconds > maxDurationSeconds) {
      this.issue(path, `${String(value)} is out of range for google.protobuf.Duration`);
      return false;
    }
    return true;
  }

  private any(value: unknown, path: string): boolean {
    if (!isPlainObject(value)) {
      this.issue(path, `expected an object (google.protobuf.Any), got ${describe(value)}`);
      return false;
    }
    // proto3 JSON reads {} as an empty Any (Envoy Gateway emits one in FilterConfig placeholders).
    if (Object.keys(value).length === 0) return true;
    const typeUrl = value['@type'];
    const typePath = join(path, '@type');
    if (typeof typeUrl !== 'string') {
      this.issue(typeUrl === undefined || typeUrl === null ? path : typePath, `google.protobuf.Any needs a string "@type", got ${describe(typeUrl)}`);
      return false;
    }
    const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    if (!typeUrl.includes('/') || typeName === '') {
      this.issue(typePath, `type URL ${JSON.stringify(typeUrl)} must look like type.googleapis.com/<message name>`);
      return false;
    }
    if (customJsonTypes.has(typeName)) {
      for (const key of Object.keys(value)) {
        if (key !== '@type' && key !== 'value') this.issue(join(path, key), `unknown field "${key}" in a google.protobuf.Any holding ${typeName} (only "value")`);
      }
      if (value.value !== undefined && value.value !== null) this.typed(typeName, value.value, join(path, 'value'));
      return true;
    }
    const message = lookupMessage(typeName);
    if (!message) {
      this.issue(typePath, `unknown type ${JSON.stringify(typeUrl)}: no message ${typeName} in Envoy's API`);
      return false;
    }
    const fields: Record<string, unknown> = { ...value };
    delete fields['@type'];
    this.object(message, fields, path);
    return true;
  }

  // Envoy turns a TypedStruct into the message named by its type_url, so check its value as one.
  private typedStruct(value: Record<string, unknown>, path: string): void {
    const urlKey = 'typeUrl' in value ? 'typeUrl' : 'type_url';
    const typeUrl = value[urlKey];
    if (typeof typeUrl !== 'string' || typeUrl === '') return;
    const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const message = lookupMessage(typeName);
    if (!message) {
      this.issue(join(path, urlKey), `unknown type ${JSON.stringify(typeUrl)}: no message ${typeName} in Envoy's API`);
      return;
    }
    const fields = value.value;
    if (isPlainObject(fields)) this.object(message, fields, join(path, 'value'));
  }
}
