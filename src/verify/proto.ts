// Strict check of emitted Envoy config against Envoy's v3 protos, following the proto3 JSON
// mapping. protobufjs's fromObject drops unknown fields and bad enum names silently, so this walks
// the descriptor (build/envoy-protos.json) itself and reports every mismatch with its path.
// It also enforces the protoc-gen-validate rules Envoy checks on load (see proto-rules.ts).
import {
  lookupEnum,
  lookupMessage,
  normalizeTypeName,
  type ProtoEnum,
  type ProtoField,
  type ProtoMessage,
} from './proto-descriptor.js';
import {
  checkValue,
  compileValueRules,
  durationNanos,
  isRequired,
  itemRules,
  mapKeyRules,
  mapValueRules,
  mapViolations,
  repeatedViolations,
  valueViolations,
  type ValueRules,
} from './proto-rules.js';

/** How an issue that breaks one of Envoy's validation rules begins. */
export const ruleViolation = 'breaks a validation rule Envoy enforces: ';

export interface ProtoIssue {
  /** Where in the checked value, e.g. `staticResources.listeners[0].filterChains[0].filters[0].typedConfig`. */
  path: string;
  message: string;
}

/** Checks `value` as the proto3 JSON form of message `typeName` (e.g. `envoy.config.bootstrap.v3.Bootstrap`). */
export function checkMessage(typeName: string, value: unknown): ProtoIssue[] {
  const checker = new Checker();
  checker.single(typePlan(normalizeTypeName(typeName)), value);
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
// A well-formed duration of at most 11 digits of seconds is within Duration's range.
const shortDuration = /^-?\d{1,11}(?:\.\d{1,9})?s$/;
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

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

function defaultValue(field: ProtoField): unknown {
  if (field.kind === 'enum') return 0;
  if (field.type === 'string' || field.type === 'bytes') return '';
  if (field.type === 'bool') return false;
  return 0;
}

/** What leaving a field out breaks; it depends only on the field. */
function absentProblems(field: ProtoField, message: ProtoMessage): string[] {
  const rules = field.rules;
  const broken = (violations: readonly string[], what: string) =>
    violations.map((violation) => `not set, so ${what}, which breaks a validation rule Envoy enforces: ${violation}`);
  if (isRequired(rules)) return [`missing required field "${field.jsonName}" of ${message.name}`];
  if (field.keyType !== undefined) return broken(mapViolations(rules, 0), 'empty');
  if (field.repeated) return broken(repeatedViolations(rules, []), 'empty');
  if (field.kind !== 'message') {
    const fallback = defaultValue(field);
    const enumValues = field.kind === 'enum' ? lookupEnum(field.type)?.values : undefined;
    return broken(valueViolations(rules, fallback, enumValues), JSON.stringify(fallback));
  }
  return [];
}

/**
 * The key a field is written under in `value`: its JSON name or its proto name, the one that
 * comes first when both are there; undefined when neither is.
 */
function writtenKey(value: Record<string, unknown>, field: ProtoField): string | undefined {
  const hasJson = hasOwn(value, field.jsonName);
  if (field.name === field.jsonName) return hasJson ? field.jsonName : undefined;
  const hasProto = hasOwn(value, field.name);
  if (hasJson && hasProto) {
    for (const key in value) if (key === field.jsonName || key === field.name) return key;
  }
  return hasJson ? field.jsonName : hasProto ? field.name : undefined;
}

// Everything the checker needs to know about a type or a field is worked out once into a "plan"
// (kind, resolved enum/message, compiled rules), so checking a value does no lookups and
// interprets no rules it does not have. Plans live as long as the loaded descriptor.

/** How a value of some type is checked; `Kind.message` plans resolve their fields on first use. */
const enum Kind {
  string, bool, bytes, double, float, integer, unsupportedScalar, enumeration,
  any, duration, timestamp, fieldMask, struct, listValue, value, message, unknownMessage,
}

const scalarKinds: Record<string, Kind> = {
  string: Kind.string, bool: Kind.bool, bytes: Kind.bytes, double: Kind.double, float: Kind.float,
};

class TypePlan {
  /** The scalar, enum or message type name, as issues name it. */
  readonly name: string;
  readonly kind: Kind;
  /** Integers: the valid range, exactly and (for a fast first check of safe integers) as numbers. */
  readonly range: readonly [bigint, bigint] | undefined;
  readonly low: number;
  readonly high: number;
  readonly sixtyFourBit: boolean;
  readonly protoEnum: ProtoEnum | undefined;
  private messagePlan: MessagePlan | undefined;

  constructor(name: string, kind: Kind, protoEnum?: ProtoEnum) {
    this.name = name;
    this.kind = kind;
    this.range = kind === Kind.integer ? integerRanges[name] : undefined;
    this.low = this.range ? Number(this.range[0]) : 0;
    this.high = this.range ? Number(this.range[1]) : 0;
    this.sixtyFourBit = sixtyFourBit.has(name);
    this.protoEnum = protoEnum;
  }

  /** Kind.message only; resolved late because message types nest (and recurse). */
  message(): MessagePlan {
    return (this.messagePlan ??= messagePlan(this.name)!);
  }
}

function scalarPlan(type: string): TypePlan {
  return new TypePlan(type, scalarKinds[type] ?? (integerRanges[type] ? Kind.integer : Kind.unsupportedScalar));
}

const typedKinds: Record<string, Kind> = {
  [anyType]: Kind.any,
  [durationType]: Kind.duration,
  [timestampType]: Kind.timestamp,
  'google.protobuf.FieldMask': Kind.fieldMask,
  'google.protobuf.Struct': Kind.struct,
  'google.protobuf.ListValue': Kind.listValue,
  'google.protobuf.Value': Kind.value,
};

const typePlans = new Map<string, TypePlan>();
const scalarPlans = new Map<string, TypePlan>();
const enumPlans = new Map<string, TypePlan>();
const messagePlans = new Map<string, MessagePlan | undefined>();

/** The plan for a value of message type `typeName` (well-known ones included). */
function typePlan(typeName: string): TypePlan {
  let plan = typePlans.get(typeName);
  if (!plan) {
    const wrapped = Object.prototype.hasOwnProperty.call(wrapperTypes, typeName) ? wrapperTypes[typeName] : undefined;
    const kind = Object.prototype.hasOwnProperty.call(typedKinds, typeName) ? typedKinds[typeName] : undefined;
    if (wrapped) plan = scalarPlan(wrapped);
    else if (kind !== undefined) plan = new TypePlan(typeName, kind);
    else plan = new TypePlan(typeName, lookupMessage(typeName) ? Kind.message : Kind.unknownMessage);
    typePlans.set(typeName, plan);
  }
  return plan;
}

function fieldTypePlan(field: ProtoField): TypePlan {
  if (field.kind === 'message') return typePlan(field.type);
  const cache = field.kind === 'scalar' ? scalarPlans : enumPlans;
  let plan = cache.get(field.type);
  if (!plan) {
    plan = field.kind === 'scalar' ? scalarPlan(field.type) : new TypePlan(field.type, Kind.enumeration, lookupEnum(field.type));
    cache.set(field.type, plan);
  }
  return plan;
}

/** A message's fields as plans, for checking objects of that message. */
function messagePlan(typeName: string): MessagePlan | undefined {
  if (messagePlans.has(typeName)) return messagePlans.get(typeName);
  const message = lookupMessage(typeName);
  const plan = message ? new MessagePlan(message) : undefined;
  messagePlans.set(typeName, plan);
  return plan;
}

class FieldPlan {
  readonly field: ProtoField;
  readonly type: TypePlan;
  /** The proto name when it differs from the JSON name: the field may then be written twice. */
  readonly alias: string | undefined;
  readonly enumValues: Record<string, number> | undefined;
  /** Compiled rules of a single value, of each item of a repeated field, of map keys and values. */
  readonly valueRules: ValueRules | undefined;
  readonly itemRules: ValueRules | undefined;
  readonly keyRules: ValueRules | undefined;
  readonly mapValueRules: ValueRules | undefined;
  /** The slot of the field's oneof in its message (see Checker.oneofSlots); -1 outside a oneof. */
  readonly oneofIndex: number;
  /** A single string, bool or integer: checked in place when its value is fine (the common case). */
  readonly scalar: boolean;
  /** Repeated strings, bools or integers, each checked in place like a `scalar` field. */
  readonly scalarItems: boolean;
  /** A single message without rules on its value: checked as an object straight away. */
  readonly message: boolean;

  constructor(field: ProtoField, oneofIndex: number) {
    this.field = field;
    this.oneofIndex = oneofIndex;
    this.type = fieldTypePlan(field);
    this.alias = field.name === field.jsonName ? undefined : field.name;
    this.enumValues = this.type.protoEnum?.values;
    this.valueRules = compileValueRules(field.rules);
    this.itemRules = compileValueRules(itemRules(field.rules));
    this.keyRules = compileValueRules(mapKeyRules(field.rules));
    this.mapValueRules = compileValueRules(mapValueRules(field.rules));
    const kind = this.type.kind;
    const simple = kind === Kind.string || kind === Kind.bool || kind === Kind.integer;
    this.scalar = simple && !field.repeated && field.keyType === undefined;
    this.scalarItems = simple && field.repeated;
    this.message = kind === Kind.message && !field.repeated && field.keyType === undefined && this.valueRules === undefined;
  }
}

class MessagePlan {
  readonly name: string;
  /** By JSON name and by proto name, like ProtoMessage.byKey. */
  readonly fields = new Map<string, FieldPlan>();
  // The keys last seen at each position of an object of this message and their plans: objects of
  // one message mostly list the same keys in the same order, and comparing the key is cheaper
  // than a map lookup.
  readonly recentKeys: string[] = [];
  readonly recentPlans: FieldPlan[] = [];
  /** Fields that break a rule when left out, with what they break; rules of an unset oneof member (or proto3 optional field) do not apply. */
  readonly absent: { field: ProtoField; problems: string[] }[] = [];
  /** How many oneofs the message has, required ones included. */
  readonly oneofCount: number;
  readonly requiredOneofs: { oneof: string; index: number; members: string }[];
  readonly typedStruct: boolean;

  constructor(message: ProtoMessage) {
    this.name = message.name;
    const oneofIndexes = new Map<string, number>();
    const oneofIndex = (oneof: string): number => {
      if (!oneofIndexes.has(oneof)) oneofIndexes.set(oneof, oneofIndexes.size);
      return oneofIndexes.get(oneof)!;
    };
    const plans = new Map<ProtoField, FieldPlan>();
    for (const field of message.fields) plans.set(field, new FieldPlan(field, field.oneof ? oneofIndex(field.oneof) : -1));
    for (const [key, field] of message.byKey) this.fields.set(key, plans.get(field)!);
    for (const field of message.ruledFields) {
      const problems = absentProblems(field, message);
      if (problems.length > 0) this.absent.push({ field, problems });
    }
    this.requiredOneofs = message.requiredOneofs.map((oneof) => ({
      oneof,
      index: oneofIndex(oneof),
      members: (message.oneofMembers.get(oneof) ?? []).map((name) => `"${name}"`).join(', '),
    }));
    this.oneofCount = oneofIndexes.size;
    this.typedStruct = typedStructTypes.has(message.name);
  }
}

/** What an Any's type URL names. */
interface AnyTarget {
  typeName: string;
  /** Whether the URL looks like type.googleapis.com/<message name>. */
  wellFormed: boolean;
  /** A type whose JSON form is not an object of its fields: it sits under "value". */
  customJson: boolean;
  message: MessagePlan | undefined;
}

// A resource holds many Anys of a handful of types, so each type URL is resolved once.
const anyTargets = new Map<string, AnyTarget>();

function anyTarget(typeUrl: string): AnyTarget {
  let target = anyTargets.get(typeUrl);
  if (!target) {
    const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const wellFormed = typeUrl.includes('/') && typeName !== '';
    const customJson = wellFormed && customJsonTypes.has(typeName);
    const message = wellFormed && !customJson ? messagePlan(typeName) : undefined;
    target = { typeName, wellFormed, customJson, message };
    anyTargets.set(typeUrl, target);
  }
  return target;
}

/**
 * Whether a string, bool or integer (a `scalar` field's value or a `scalarItems` field's item) is
 * fine as it is: the right JSON type, in range, breaking no rule. Anything else goes the long way
 * (Checker.field), which records what is wrong.
 */
function fine(plan: FieldPlan, value: unknown): boolean {
  const type = plan.type;
  const kind = type.kind;
  const typeOk =
    kind === Kind.string ? typeof value === 'string'
    : kind === Kind.bool ? typeof value === 'boolean'
    : typeof value === 'number' && Number.isSafeInteger(value) && value >= type.low && value <= type.high;
  const rules = plan.scalar ? plan.valueRules : plan.itemRules;
  return typeOk && (rules === undefined || checkValue(rules, value).length === 0);
}

// How a path segment is written: `.key` (bare at the start), `[index]`, `["map key"]`.
const enum Step { key, index, mapKey }

class Checker {
  readonly issues: ProtoIssue[] = [];
  // The path of the value being checked, as a stack of steps (the first `depth` entries); it is
  // turned into a string only when an issue is recorded (building one per checked value was most
  // of the garbage).
  private depth = 0;
  private readonly steps: Step[] = [];
  private readonly segments: (string | number)[] = [];
  // For each object being checked (outermost first), one slot per oneof of its message: the key
  // of the member that set it. A stack, so nested objects need no map of their own.
  private readonly oneofSlots: (string | undefined)[] = [];
  private oneofTop = 0;

  private enter(step: Step, segment: string | number): void {
    this.steps[this.depth] = step;
    this.segments[this.depth++] = segment;
  }

  private leave(): void {
    this.depth--;
  }

  private path(): string {
    let path = '';
    for (let index = 0; index < this.depth; index++) {
      const segment = this.segments[index];
      const step = this.steps[index];
      if (step === Step.key) path = path === '' ? String(segment) : `${path}.${segment}`;
      else if (step === Step.index) path = `${path}[${segment}]`;
      else path = `${path}[${JSON.stringify(segment)}]`;
    }
    return path;
  }

  /** Records an issue at the current path. */
  private issue(message: string): void {
    this.issues.push({ path: this.path(), message });
  }

  /** Records an issue at the current path's member `key`. */
  private issueAt(key: string, message: string): void {
    this.enter(Step.key, key);
    this.issue(message);
    this.leave();
  }

  private violations(found: readonly string[]): void {
    for (const violation of found) this.issue(`${ruleViolation}${violation}`);
  }

  private expect(ok: boolean, expected: string, value: unknown): boolean {
    if (!ok) this.issue(`expected ${expected}, got ${describe(value)}`);
    return ok;
  }

  /** Checks one value (not a repeated field's list or a map) of a type; true when its shape is right. */
  single(type: TypePlan, value: unknown): boolean {
    switch (type.kind) {
      case Kind.string:
        return typeof value === 'string' || this.expect(false, 'a string', value);
      case Kind.bool:
        return typeof value === 'boolean' || this.expect(false, 'a boolean', value);
      case Kind.bytes:
        return this.expect(typeof value === 'string' && base64Pattern.test(value), 'a base64 string (bytes)', value);
      case Kind.double:
      case Kind.float:
        return this.floating(type.name, value);
      case Kind.integer:
        // Safe integers within the range need no bigint; anything else takes the exact path.
        if (typeof value === 'number' && Number.isSafeInteger(value) && value >= type.low && value <= type.high) return true;
        return this.integer(type, value);
      case Kind.unsupportedScalar:
        this.issue(`unsupported scalar type ${type.name}`);
        return false;
      case Kind.enumeration:
        return this.enumValue(type, value);
      case Kind.message:
        return this.object(type.message(), value, false);
      case Kind.any:
        return this.any(value);
      case Kind.duration:
        return this.duration(value);
      case Kind.timestamp:
        if (typeof value === 'string' && rfc3339Pattern.test(value) && !Number.isNaN(Date.parse(value))) return true;
        this.issue(`expected an RFC 3339 timestamp string (google.protobuf.Timestamp), got ${describe(value)}`);
        return false;
      case Kind.fieldMask:
        return this.expect(typeof value === 'string', 'a string (google.protobuf.FieldMask)', value);
      case Kind.struct:
        return this.expect(isPlainObject(value), 'an object (google.protobuf.Struct)', value);
      case Kind.listValue:
        return this.expect(Array.isArray(value), 'an array (google.protobuf.ListValue)', value);
      case Kind.value:
        return true;
      case Kind.unknownMessage:
        this.issue(`unknown message type ${type.name}`);
        return false;
    }
  }

  /** `skipType`: the object is an Any's, whose "@type" is not one of the message's fields. */
  private object(message: MessagePlan, value: unknown, skipType: boolean): boolean {
    if (!isPlainObject(value)) {
      this.issue(`expected an object (${message.name}), got ${describe(value)}`);
      return false;
    }
    const oneofBase = this.oneofTop;
    for (let index = 0; index < message.oneofCount; index++) this.oneofSlots[oneofBase + index] = undefined;
    this.oneofTop = oneofBase + message.oneofCount;
    const { recentKeys, recentPlans } = message;
    let position = -1;
    for (const key in value) {
      position++;
      if (skipType && key === '@type') continue;
      let plan: FieldPlan | undefined;
      if (recentKeys[position] === key) plan = recentPlans[position];
      else {
        plan = message.fields.get(key);
        if (plan === undefined) {
          this.issueAt(key, `unknown field "${key}" in ${message.name}`);
          continue;
        }
        recentKeys[position] = key;
        recentPlans[position] = plan;
      }
      const field = plan.field;
      // A field can be written under its JSON name and its proto name: both is an error.
      if (plan.alias !== undefined && hasOwn(value, key === plan.alias ? field.jsonName : plan.alias)) {
        const earlier = writtenKey(value, field);
        if (earlier !== key) {
          this.issueAt(key, `field "${field.name}" of ${message.name} is given twice ("${earlier}" and "${key}")`);
          continue;
        }
      }
      const fieldValue = value[key];
      if (fieldValue === null || fieldValue === undefined) continue; // null means "not set"
      if (plan.oneofIndex >= 0) {
        const slot = oneofBase + plan.oneofIndex;
        const other = this.oneofSlots[slot];
        if (other !== undefined) {
          this.issueAt(key, `"${key}" and "${other}" are both set, but they are members of oneof "${field.oneof}" of ${message.name}; set at most one`);
        } else this.oneofSlots[slot] = key;
      }
      if (plan.scalar && fine(plan, fieldValue)) continue;
      this.enter(Step.key, key);
      if (plan.message) this.object(plan.type.message(), fieldValue, false);
      else this.field(plan, fieldValue);
      this.leave();
    }

    // Indexed loops here and below: until V8 optimises this function, a for-of allocates an
    // iterator result per step, for every object checked.
    const absent = message.absent;
    for (let index = 0; index < absent.length; index++) {
      const { field, problems } = absent[index];
      // Envoy's JSON names are never names of Object.prototype members, so a non-null value here is the object's own.
      const written = value[field.jsonName];
      if (written !== undefined && written !== null && field.name === field.jsonName) continue;
      const key = writtenKey(value, field);
      if (key !== undefined && value[key] !== null && value[key] !== undefined) continue;
      // Rules that fire even when a field is left out: required messages, and scalar rules checked against the default.
      this.enter(Step.key, field.jsonName);
      for (const problem of problems) this.issue(problem);
      this.leave();
    }
    const requiredOneofs = message.requiredOneofs;
    for (let at = 0; at < requiredOneofs.length; at++) {
      const { index, oneof, members } = requiredOneofs[at];
      if (this.oneofSlots[oneofBase + index] === undefined) this.issue(`${message.name} needs one of ${members} (oneof "${oneof}" is required)`);
    }
    this.oneofTop = oneofBase;
    if (message.typedStruct) this.typedStruct(value);
    return true;
  }

  private field(plan: FieldPlan, value: unknown): void {
    const field = plan.field;
    if (field.keyType !== undefined) {
      this.map(plan, field.keyType, value);
    } else if (field.repeated) {
      if (!Array.isArray(value)) {
        this.issue(`expected an array (repeated ${field.type}), got ${describe(value)}`);
        return;
      }
      if (field.rules !== undefined) this.violations(repeatedViolations(field.rules, value));
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index];
        if (item === undefined && !(index in value)) continue; // a hole, which forEach would skip too
        if (plan.scalarItems && fine(plan, item)) continue;
        this.enter(Step.index, index);
        if (item === null || item === undefined) this.issue('null is not allowed in a repeated field');
        else if (this.single(plan.type, item) && plan.itemRules) this.violations(checkValue(plan.itemRules, item, plan.enumValues));
        this.leave();
      }
    } else if (this.single(plan.type, value) && plan.valueRules) {
      this.violations(checkValue(plan.valueRules, value, plan.enumValues));
    }
  }

  private map(plan: FieldPlan, keyType: string, value: unknown): void {
    if (!isPlainObject(value)) {
      this.issue(`expected an object (map<${keyType}, ${plan.field.type}>), got ${describe(value)}`);
      return;
    }
    if (plan.field.rules !== undefined) this.violations(mapViolations(plan.field.rules, Object.keys(value).length));
    for (const key in value) {
      const item = value[key];
      this.enter(Step.mapKey, key);
      if (this.mapKey(keyType, key) && plan.keyRules) {
        for (const violation of checkValue(plan.keyRules, key)) this.issue(`${ruleViolation}key ${violation}`);
      }
      if (item === null || item === undefined) this.issue('null is not allowed as a map value');
      else if (this.single(plan.type, item) && plan.mapValueRules) this.violations(checkValue(plan.mapValueRules, item, plan.enumValues));
      this.leave();
    }
  }

  // JSON object keys are strings; integer and bool keys must still spell a valid key value.
  private mapKey(keyType: string, key: string): boolean {
    if (keyType === 'string') return true;
    if (keyType === 'bool') return this.expect(key === 'true' || key === 'false', 'a bool map key ("true" or "false")', key);
    const range = integerRanges[keyType];
    if (range && /^-?\d+$/.test(key) && BigInt(key) >= range[0] && BigInt(key) <= range[1]) return true;
    this.issue(`map key ${JSON.stringify(key)} is not a valid ${keyType}`);
    return false;
  }

  private floating(type: string, value: unknown): boolean {
    if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return true;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.expect(false, `a number (${type})`, value);
    if (type === 'float' && Math.abs(value) > maxFloat32) {
      this.issue(`${value} is out of range for float`);
      return false;
    }
    return true;
  }

  private integer(plan: TypePlan, value: unknown): boolean {
    const type = plan.name;
    const range = plan.range!;
    let integer: bigint | undefined;
    if (typeof value === 'number' && Number.isInteger(value)) integer = BigInt(value);
    else if (typeof value === 'string' && plan.sixtyFourBit && /^-?\d+$/.test(value)) integer = BigInt(value);
    if (integer === undefined) {
      const expected = plan.sixtyFourBit ? `an integer or a decimal string (${type})` : `an integer (${type})`;
      this.issue(`expected ${expected}, got ${describe(value)}`);
      return false;
    }
    if (integer < range[0] || integer > range[1]) {
      const why = integer < 0n && range[0] === 0n ? `${type} cannot be negative` : `out of range for ${type} [${range[0]}, ${range[1]}]`;
      this.issue(`${String(value)}: ${why}`);
      return false;
    }
    return true;
  }

  private enumValue(plan: TypePlan, value: unknown): boolean {
    const protoEnum = plan.protoEnum;
    if (!protoEnum) {
      this.issue(`unknown enum type ${plan.name}`);
      return false;
    }
    if (typeof value === 'string' && hasOwn(protoEnum.values, value)) return true;
    if (typeof value === 'number' && protoEnum.numbers.has(value)) return true;
    const names = Object.keys(protoEnum.values);
    const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ');
    this.issue(`${describe(value)} is not a value of enum ${plan.name} (valid: ${shown})`);
    return false;
  }

  private duration(value: unknown): boolean {
    if (typeof value === 'string' && shortDuration.test(value)) return true;
    const nanos = typeof value === 'string' ? durationNanos(value) : undefined;
    if (nanos === undefined) {
      this.issue(`expected a duration string in seconds like "1.5s" or "10s" (google.protobuf.Duration), got ${describe(value)}`);
      return false;
    }
    const seconds = (nanos < 0n ? -nanos : nanos) / 1_000_000_000n;
    if (seconds > maxDurationSeconds) {
      this.issue(`${String(value)} is out of range for google.protobuf.Duration`);
      return false;
    }
    return true;
  }

  private any(value: unknown): boolean {
    if (!isPlainObject(value)) {
      this.issue(`expected an object (google.protobuf.Any), got ${describe(value)}`);
      return false;
    }
    const typeUrl = value['@type'];
    if (typeof typeUrl !== 'string') {
      // proto3 JSON reads {} as an empty Any (Envoy Gateway emits one in FilterConfig placeholders).
      if (Object.keys(value).length === 0) return true;
      const message = `google.protobuf.Any needs a string "@type", got ${describe(typeUrl)}`;
      if (typeUrl === undefined || typeUrl === null) this.issue(message);
      else this.issueAt('@type', message);
      return false;
    }
    const target = anyTarget(typeUrl);
    const typeName = target.typeName;
    if (!target.wellFormed) {
      this.issueAt('@type', `type URL ${JSON.stringify(typeUrl)} must look like type.googleapis.com/<message name>`);
      return false;
    }
    if (target.customJson) {
      for (const key of Object.keys(value)) {
        if (key !== '@type' && key !== 'value') this.issueAt(key, `unknown field "${key}" in a google.protobuf.Any holding ${typeName} (only "value")`);
      }
      if (value.value !== undefined && value.value !== null) {
        this.enter(Step.key, 'value');
        this.single(typePlan(typeName), value.value);
        this.leave();
      }
      return true;
    }
    if (!target.message) {
      this.issueAt('@type', `unknown type ${JSON.stringify(typeUrl)}: no message ${typeName} in Envoy's API`);
      return false;
    }
    this.object(target.message, value, true);
    return true;
  }

  // Envoy turns a TypedStruct into the message named by its type_url, so check its value as one.
  private typedStruct(value: Record<string, unknown>): void {
    const urlKey = 'typeUrl' in value ? 'typeUrl' : 'type_url';
    const typeUrl = value[urlKey];
    if (typeof typeUrl !== 'string' || typeUrl === '') return;
    const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const message = messagePlan(typeName);
    if (!message) {
      this.issueAt(urlKey, `unknown type ${JSON.stringify(typeUrl)}: no message ${typeName} in Envoy's API`);
      return;
    }
    const fields = value.value;
    if (isPlainObject(fields)) {
      this.enter(Step.key, 'value');
      this.object(message, fields, false);
      this.leave();
    }
  }
}
