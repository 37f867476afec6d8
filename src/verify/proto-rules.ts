// The protoc-gen-validate rules ((validate.rules) field options) that Envoy enforces when it
// loads config, so a value that breaks one is rejected by `envoy --mode validate` too.
// Covered: message/duration/timestamp/any `required`; string len/min_len/max_len/min_bytes/
// max_bytes/const/prefix/suffix/contains/in/not_in/pattern/well_known_regex (header name/value);
// bytes min_len/max_len; bool const; every numeric type's const/lt/lte/gt/gte/in/not_in
// (also on wrapper types); enum const/in/not_in; duration const/lt/lte/gt/gte; any in/not_in;
// repeated min_items/max_items/unique/items; map min_pairs/max_pairs/keys/values.

/** A field's (validate.rules) as nested JSON, e.g. { string: { min_len: 1 } }. */
export type FieldRules = Record<string, unknown>;
type RuleGroup = Record<string, unknown>;

const noViolations: readonly string[] = [];

const integerGroups = new Set([
  'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64',
]);

function group(rules: FieldRules | undefined, name: string): RuleGroup | undefined {
  const value = rules?.[name];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as RuleGroup) : undefined;
}

function list(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

/** Whether the rules demand that the (message-typed) field be set. */
export function isRequired(rules: FieldRules | undefined): boolean {
  return ['message', 'duration', 'timestamp', 'any'].some((name) => group(rules, name)?.required === true);
}

export function itemRules(rules: FieldRules | undefined): FieldRules | undefined {
  return group(group(rules, 'repeated'), 'items');
}

export function mapKeyRules(rules: FieldRules | undefined): FieldRules | undefined {
  return group(group(rules, 'map'), 'keys');
}

export function mapValueRules(rules: FieldRules | undefined): FieldRules | undefined {
  return group(group(rules, 'map'), 'values');
}

export function repeatedViolations(rules: FieldRules | undefined, items: unknown[]): string[] {
  const repeated = group(rules, 'repeated');
  if (!repeated || (repeated.ignore_empty === true && items.length === 0)) return [];
  const out: string[] = [];
  if (typeof repeated.min_items === 'number' && items.length < repeated.min_items) {
    out.push(`needs at least ${repeated.min_items} item(s), has ${items.length}`);
  }
  if (typeof repeated.max_items === 'number' && items.length > repeated.max_items) {
    out.push(`allows at most ${repeated.max_items} item(s), has ${items.length}`);
  }
  if (repeated.unique === true) {
    const seen = new Set(items.map((item) => JSON.stringify(item)));
    if (seen.size !== items.length) out.push('items must be unique');
  }
  return out;
}

export function mapViolations(rules: FieldRules | undefined, size: number): string[] {
  const map = group(rules, 'map');
  if (!map || (map.ignore_empty === true && size === 0)) return [];
  const out: string[] = [];
  if (typeof map.min_pairs === 'number' && size < map.min_pairs) out.push(`needs at least ${map.min_pairs} entr(ies), has ${size}`);
  if (typeof map.max_pairs === 'number' && size > map.max_pairs) out.push(`allows at most ${map.max_pairs} entr(ies), has ${size}`);
  return out;
}

/**
 * Violations of the single-value rules for one value that already has the right JSON type.
 * `enumValues` maps names to numbers when the field is an enum (the value may be either).
 */
export function valueViolations(
  rules: FieldRules | undefined,
  value: unknown,
  enumValues?: Record<string, number>,
): readonly string[] {
  if (!rules) return noViolations;
  let out = noViolations;
  for (const name in rules) {
    const ruleGroup = group(rules, name);
    if (!ruleGroup) continue;
    const found = groupViolations(name, ruleGroup, value, enumValues);
    if (found.length > 0) out = out.concat(found);
  }
  return out;
}

function groupViolations(
  name: string,
  rules: RuleGroup,
  value: unknown,
  enumValues: Record<string, number> | undefined,
): readonly string[] {
  if (name === 'string' && typeof value === 'string') return stringViolations(rules, value);
  if (name === 'bytes' && typeof value === 'string') return bytesViolations(rules, value);
  if (name === 'bool' && typeof value === 'boolean') {
    return typeof rules.const === 'boolean' && value !== rules.const ? [`must be ${rules.const}`] : noViolations;
  }
  if (name === 'enum') {
    const number = typeof value === 'string' ? enumValues?.[value] : typeof value === 'number' ? value : undefined;
    if (number === undefined) return noViolations;
    return comparableViolations(rules, number, (raw) => (typeof raw === 'number' ? raw : undefined), String);
  }
  if (name === 'double' || name === 'float') {
    const number = Number(value);
    if (rules.ignore_empty === true && number === 0) return noViolations;
    return comparableViolations(rules, number, Number, String);
  }
  if (integerGroups.has(name)) {
    const big = toBigInt(value);
    if (big === undefined || (rules.ignore_empty === true && big === 0n)) return noViolations;
    return comparableViolations(rules, big, toBigInt, String);
  }
  if (name === 'duration' && typeof value === 'string') {
    const nanos = durationNanos(value);
    return nanos === undefined ? noViolations : comparableViolations(rules, nanos, boundNanos, formatNanos);
  }
  if (name === 'any' && value && typeof value === 'object') {
    const typeUrl = (value as Record<string, unknown>)['@type'];
    if (typeof typeUrl === 'string') return membershipViolations(rules, typeUrl, (v) => (typeof v === 'string' ? v : undefined), JSON.stringify);
  }
  return noViolations;
}

function stringViolations(rules: RuleGroup, value: string): string[] {
  if (rules.ignore_empty === true && value === '') return [];
  const out: string[] = [];
  // Lengths count code points (and bytes for *_bytes), like protoc-gen-validate.
  const chars = rules.len !== undefined || rules.min_len !== undefined || rules.max_len !== undefined ? codePointLength(value) : 0;
  const bytes = rules.min_bytes !== undefined || rules.max_bytes !== undefined ? Buffer.byteLength(value, 'utf8') : 0;
  if (typeof rules.const === 'string' && value !== rules.const) out.push(`must be ${JSON.stringify(rules.const)}`);
  if (typeof rules.len === 'number' && chars !== rules.len) out.push(`must be exactly ${rules.len} character(s) long`);
  if (typeof rules.min_len === 'number' && chars < rules.min_len) {
    out.push(rules.min_len === 1 ? 'must not be empty' : `must be at least ${rules.min_len} characters long`);
  }
  if (typeof rules.max_len === 'number' && chars > rules.max_len) out.push(`must be at most ${rules.max_len} characters long`);
  if (typeof rules.min_bytes === 'number' && bytes < rules.min_bytes) {
    out.push(rules.min_bytes === 1 ? 'must not be empty' : `must be at least ${rules.min_bytes} bytes long`);
  }
  if (typeof rules.max_bytes === 'number' && bytes > rules.max_bytes) out.push(`must be at most ${rules.max_bytes} bytes long`);
  if (typeof rules.prefix === 'string' && !value.startsWith(rules.prefix)) out.push(`must start with ${JSON.stringify(rules.prefix)}`);
  if (typeof rules.suffix === 'string' && !value.endsWith(rules.suffix)) out.push(`must end with ${JSON.stringify(rules.suffix)}`);
  if (typeof rules.contains === 'string' && !value.includes(rules.contains)) out.push(`must contain ${JSON.stringify(rules.contains)}`);
  out.push(...membershipViolations(rules, value, (v) => v, JSON.stringify));
  if (typeof rules.pattern === 'string') {
    const pattern = compilePattern(rules.pattern);
    if (pattern && !pattern.test(value)) out.push(`must match the pattern ${JSON.stringify(rules.pattern)}`);
  }
  // An empty value is left to min_len: Envoy's non-empty header regexes would otherwise flag
  // absent optional fields that carry no min_len.
  if (typeof rules.well_known_regex === 'string' && value !== '') {
    const check = headerRegex(rules.well_known_regex, rules.strict !== false);
    if (check && !check.test(value)) out.push(`is not a valid ${rules.well_known_regex === 'HTTP_HEADER_NAME' ? 'HTTP header name' : 'HTTP header value'}`);
  }
  return out;
}

/** The number of code points, as `[...value].length` counts them, without building the array. */
function codePointLength(value: string): number {
  let length = value.length;
  for (let index = 0; index < value.length - 1; index++) {
    const code = value.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        index++;
      }
    }
  }
  return length;
}

function bytesViolations(rules: RuleGroup, base64: string): string[] {
  const length = Buffer.from(base64, 'base64').length;
  const out: string[] = [];
  if (typeof rules.min_len === 'number' && length < rules.min_len) out.push(`must be at least ${rules.min_len} byte(s)`);
  if (typeof rules.max_len === 'number' && length > rules.max_len) out.push(`must be at most ${rules.max_len} byte(s)`);
  return out;
}

// protoc-gen-validate's header checks: strict follows RFC 7230 tokens (names may carry the ':'
// of HTTP/2 pseudo-headers); non-strict only forbids NUL, CR and LF.
function headerRegex(kind: string, strict: boolean): RegExp | undefined {
  if (!strict && (kind === 'HTTP_HEADER_NAME' || kind === 'HTTP_HEADER_VALUE')) return /^[^\0\n\r]*$/;
  if (kind === 'HTTP_HEADER_NAME') return /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
  if (kind === 'HTTP_HEADER_VALUE') return /^[^\0-\x08\x0A-\x1F\x7F]*$/;
  return undefined;
}

const patternCache = new Map<string, RegExp | undefined>();
// The patterns are RE2; the ones in Envoy's API are also valid JavaScript. One that is not is
// skipped rather than guessed at.
function compilePattern(source: string): RegExp | undefined {
  if (!patternCache.has(source)) {
    let compiled: RegExp | undefined;
    try {
      compiled = new RegExp(source, 'u');
    } catch {
      compiled = undefined;
    }
    patternCache.set(source, compiled);
  }
  return patternCache.get(source);
}

function membershipViolations<T>(rules: RuleGroup, value: T, convert: (raw: unknown) => T | undefined, show: (v: T) => string): string[] {
  const out: string[] = [];
  const allowed = list(rules.in)?.map(convert);
  if (allowed && allowed.length > 0 && !allowed.includes(value)) out.push(`must be one of ${allowed.map((v) => show(v as T)).join(', ')}`);
  const denied = list(rules.not_in)?.map(convert);
  if (denied?.includes(value)) out.push(`must not be ${show(value)}`);
  return out;
}

/** const / lt / lte / gt / gte / in / not_in, with protoc-gen-validate's "outside the range" reading when the lower bound exceeds the upper. */
function comparableViolations<T extends number | bigint>(
  rules: RuleGroup,
  value: T,
  convert: (raw: unknown) => T | undefined,
  show: (v: T) => string,
): string[] {
  const out: string[] = [];
  const bound = (key: string): T | undefined => (key in rules ? convert(rules[key]) : undefined);
  const constant = bound('const');
  if (constant !== undefined && value !== constant) out.push(`must be ${show(constant)}`);
  const [gt, gte, lt, lte] = [bound('gt'), bound('gte'), bound('lt'), bound('lte')];
  const lower = gt ?? gte;
  const upper = lt ?? lte;
  const lowerOk = gt !== undefined ? value > gt : gte !== undefined ? value >= gte : true;
  const upperOk = lt !== undefined ? value < lt : lte !== undefined ? value <= lte : true;
  const lowerText = gt !== undefined ? `> ${show(gt)}` : gte !== undefined ? `>= ${show(gte)}` : '';
  const upperText = lt !== undefined ? `< ${show(lt)}` : lte !== undefined ? `<= ${show(lte)}` : '';
  if (lower !== undefined && upper !== undefined && lower > upper) {
    if (!lowerOk && !upperOk) out.push(`must be ${lowerText} or ${upperText}, is ${show(value)}`);
  } else if (!lowerOk || !upperOk) {
    out.push(`must be ${[lowerText, upperText].filter(Boolean).join(' and ')}, is ${show(value)}`);
  }
  out.push(...membershipViolations(rules, value, convert, show));
  return out;
}

function toBigInt(raw: unknown): bigint | undefined {
  if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
  if (typeof raw === 'string' && /^-?\d+$/.test(raw)) return BigInt(raw);
  return undefined;
}

const nanosPerSecond = 1_000_000_000n;

/** Nanoseconds of a proto3 JSON duration ("1.5s"), or undefined when malformed. */
export function durationNanos(text: string): bigint | undefined {
  const match = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!match) return undefined;
  const nanos = BigInt(match[2]) * nanosPerSecond + BigInt((match[3] ?? '').padEnd(9, '0'));
  return match[1] ? -nanos : nanos;
}

// Duration bounds arrive as google.protobuf.Duration messages: { seconds, nanos }, {} meaning 0.
function boundNanos(raw: unknown): bigint | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { seconds, nanos } = raw as { seconds?: unknown; nanos?: unknown };
  return (toBigInt(seconds ?? 0) ?? 0n) * nanosPerSecond + (toBigInt(nanos ?? 0) ?? 0n);
}

function formatNanos(nanos: bigint): string {
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const fraction = (abs % nanosPerSecond).toString().padStart(9, '0').replace(/0+$/, '');
  return `${sign}${abs / nanosPerSecond}${fraction ? `.${fraction}` : ''}s`;
}
