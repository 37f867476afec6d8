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

export function repeatedViolations(rules: FieldRules | undefined, items: unknown[]): readonly string[] {
  const repeated = group(rules, 'repeated');
  if (!repeated || (repeated.ignore_empty === true && items.length === 0)) return noViolations;
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

export function mapViolations(rules: FieldRules | undefined, size: number): readonly string[] {
  const map = group(rules, 'map');
  if (!map || (map.ignore_empty === true && size === 0)) return noViolations;
  const out: string[] = [];
  if (typeof map.min_pairs === 'number' && size < map.min_pairs) out.push(`needs at least ${map.min_pairs} entr(ies), has ${size}`);
  if (typeof map.max_pairs === 'number' && size > map.max_pairs) out.push(`allows at most ${map.max_pairs} entr(ies), has ${size}`);
  return out;
}

/**
 * One rule group (e.g. `string: { min_len: 1 }`) compiled for a value that already has the right
 * JSON type. It returns the shared empty list when the value passes, which is nearly always.
 */
type GroupCheck = (value: unknown, enumValues: Record<string, number> | undefined) => readonly string[];

/** A field's single-value rules, compiled once: the checks of the groups that can fail, in rule order. */
export type ValueRules = readonly GroupCheck[];

// Rules objects come from the loaded descriptor and live as long as it, so compiling each once pays.
const compiled = new WeakMap<FieldRules, ValueRules>();

/** The compiled single-value rules, or undefined when none of them can ever fail. */
export function compileValueRules(rules: FieldRules | undefined): ValueRules | undefined {
  if (!rules) return undefined;
  let checks = compiled.get(rules);
  if (!checks) {
    const found: GroupCheck[] = [];
    for (const name in rules) {
      const ruleGroup = group(rules, name);
      const check = ruleGroup && compileGroup(name, ruleGroup);
      if (check) found.push(check);
    }
    checks = found;
    compiled.set(rules, checks);
  }
  return checks.length > 0 ? checks : undefined;
}

/** Violations of compiled single-value rules; `enumValues` maps names to numbers for an enum field. */
export function checkValue(rules: ValueRules, value: unknown, enumValues?: Record<string, number>): readonly string[] {
  let out = noViolations;
  for (let index = 0; index < rules.length; index++) {
    const found = rules[index](value, enumValues);
    if (found.length > 0) out = out.concat(found);
  }
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
  const checks = compileValueRules(rules);
  return checks ? checkValue(checks, value, enumValues) : noViolations;
}

function compileGroup(name: string, rules: RuleGroup): GroupCheck | undefined {
  if (name === 'string') {
    const check = compileString(rules);
    return (value) => (typeof value === 'string' ? check(value) : noViolations);
  }
  if (name === 'bytes') return (value) => (typeof value === 'string' ? bytesViolations(rules, value) : noViolations);
  if (name === 'bool') {
    const constant = rules.const;
    if (typeof constant !== 'boolean') return undefined;
    const broken = [`must be ${constant}`];
    return (value) => (typeof value === 'boolean' && value !== constant ? broken : noViolations);
  }
  if (name === 'enum') {
    const check = compileComparable(rules, (raw) => (typeof raw === 'number' ? raw : undefined), String);
    if (!check) return undefined;
    return (value, enumValues) => {
      const number = typeof value === 'string' ? enumValues?.[value] : typeof value === 'number' ? value : undefined;
      return number === undefined ? noViolations : check(number);
    };
  }
  if (name === 'double' || name === 'float') {
    const check = compileComparable(rules, Number, String);
    if (!check) return undefined;
    const ignoreEmpty = rules.ignore_empty === true;
    return (value) => {
      const number = Number(value);
      return ignoreEmpty && number === 0 ? noViolations : check(number);
    };
  }
  if (integerGroups.has(name)) return compileInteger(rules);
  if (name === 'duration') {
    const check = compileComparable(rules, boundNanos, formatNanos);
    if (!check) return undefined;
    // The same few texts ("10s" on every cluster) recur: each one's verdict is kept (bounded),
    // rather than parsed into a bigint again.
    const verdicts = new Map<string, readonly string[]>();
    return (value) => {
      if (typeof value !== 'string') return noViolations;
      let verdict = verdicts.get(value);
      if (verdict === undefined) {
        const nanos = durationNanos(value);
        verdict = nanos === undefined ? noViolations : check(nanos);
        if (verdicts.size < maxDurationVerdicts) verdicts.set(value, verdict);
      }
      return verdict;
    };
  }
  if (name === 'any') {
    const check = compileMembership(rules, (v) => (typeof v === 'string' ? v : undefined), JSON.stringify);
    if (!check) return undefined;
    return (value) => {
      const typeUrl = value && typeof value === 'object' ? (value as Record<string, unknown>)['@type'] : undefined;
      return typeof typeUrl === 'string' ? check(typeUrl, undefined) ?? noViolations : noViolations;
    };
  }
  return undefined;
}

const maxDurationVerdicts = 1000;

function compileInteger(rules: RuleGroup): GroupCheck | undefined {
  const check = compileComparable(rules, toBigInt, String);
  if (!check) return undefined;
  const ignoreEmpty = rules.ignore_empty === true;
  // Most integer rules are plain bounds (gt: 0, lte: 65535); a safe integer can be compared with
  // the bigint bounds directly, without turning every value into a bigint.
  const bounds = check.plainBounds;
  return (value) => {
    if (bounds && typeof value === 'number' && Number.isSafeInteger(value) && (ignoreEmpty && value === 0 || bounds(value))) {
      return noViolations;
    }
    const big = toBigInt(value);
    if (big === undefined || (ignoreEmpty && big === 0n)) return noViolations;
    return check(big);
  };
}

function compileString(rules: RuleGroup): (value: string) => readonly string[] {
  const ignoreEmpty = rules.ignore_empty === true;
  // Lengths count code points (and bytes for *_bytes), like protoc-gen-validate.
  const countChars = rules.len !== undefined || rules.min_len !== undefined || rules.max_len !== undefined;
  const countBytes = rules.min_bytes !== undefined || rules.max_bytes !== undefined;
  const constant = typeof rules.const === 'string' ? rules.const : undefined;
  const len = typeof rules.len === 'number' ? rules.len : undefined;
  const minLen = typeof rules.min_len === 'number' ? rules.min_len : undefined;
  const maxLen = typeof rules.max_len === 'number' ? rules.max_len : undefined;
  const minBytes = typeof rules.min_bytes === 'number' ? rules.min_bytes : undefined;
  const maxBytes = typeof rules.max_bytes === 'number' ? rules.max_bytes : undefined;
  const prefix = typeof rules.prefix === 'string' ? rules.prefix : undefined;
  const suffix = typeof rules.suffix === 'string' ? rules.suffix : undefined;
  const contains = typeof rules.contains === 'string' ? rules.contains : undefined;
  const membership = compileMembership(rules, (v) => v as string, JSON.stringify);
  const patternSource = typeof rules.pattern === 'string' ? rules.pattern : undefined;
  const pattern = patternSource === undefined ? undefined : compilePattern(patternSource);
  const wellKnown = typeof rules.well_known_regex === 'string' ? rules.well_known_regex : undefined;
  const header = wellKnown === undefined ? undefined : headerCheck(wellKnown, rules.strict !== false);
  return (value) => {
    if (ignoreEmpty && value === '') return noViolations;
    let out: string[] | undefined;
    // A string has between length/2 and length code points, which settles min_len/max_len
    // without counting for all but short or long values.
    const counted = countChars && (len !== undefined || (minLen !== undefined && value.length < 2 * minLen) || (maxLen !== undefined && value.length > maxLen));
    const chars = counted ? codePointLength(value) : value.length;
    const bytes = countBytes ? Buffer.byteLength(value, 'utf8') : 0;
    if (constant !== undefined && value !== constant) (out ??= []).push(`must be ${JSON.stringify(constant)}`);
    if (len !== undefined && chars !== len) (out ??= []).push(`must be exactly ${len} character(s) long`);
    if (minLen !== undefined && chars < minLen) {
      (out ??= []).push(minLen === 1 ? 'must not be empty' : `must be at least ${minLen} characters long`);
    }
    if (maxLen !== undefined && chars > maxLen) (out ??= []).push(`must be at most ${maxLen} characters long`);
    if (minBytes !== undefined && bytes < minBytes) {
      (out ??= []).push(minBytes === 1 ? 'must not be empty' : `must be at least ${minBytes} bytes long`);
    }
    if (maxBytes !== undefined && bytes > maxBytes) (out ??= []).push(`must be at most ${maxBytes} bytes long`);
    if (prefix !== undefined && !value.startsWith(prefix)) (out ??= []).push(`must start with ${JSON.stringify(prefix)}`);
    if (suffix !== undefined && !value.endsWith(suffix)) (out ??= []).push(`must end with ${JSON.stringify(suffix)}`);
    if (contains !== undefined && !value.includes(contains)) (out ??= []).push(`must contain ${JSON.stringify(contains)}`);
    if (membership) out = membership(value, out);
    if (pattern && !pattern.test(value)) (out ??= []).push(`must match the pattern ${JSON.stringify(patternSource)}`);
    // An empty value is left to min_len: Envoy's non-empty header regexes would otherwise flag
    // absent optional fields that carry no min_len.
    if (header && value !== '' && !header(value)) {
      const what = wellKnown === 'HTTP_HEADER_NAME' ? 'HTTP header name' : 'HTTP header value';
      (out ??= []).push(lineBreakOrNul.test(value) ? `${headerLineBreak} ${what}` : `is not a valid ${what}`);
    }
    return out ?? noViolations;
  };
}

const lineBreakOrNul = /[\r\n\0]/;

/**
 * How a header rule's violation by a value with a line break or NUL is worded. egc writes no such
 * character itself: a value with one always comes from the input (see xds/validate.ts).
 */
export const headerLineBreak = 'holds a line break or NUL, which Envoy refuses in an';

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

function bytesViolations(rules: RuleGroup, base64: string): readonly string[] {
  const length = Buffer.from(base64, 'base64').length;
  const out: string[] = [];
  if (typeof rules.min_len === 'number' && length < rules.min_len) out.push(`must be at least ${rules.min_len} byte(s)`);
  if (typeof rules.max_len === 'number' && length > rules.max_len) out.push(`must be at most ${rules.max_len} byte(s)`);
  return out;
}

// protoc-gen-validate's header checks: strict follows RFC 7230 tokens (names may carry the ':'
// of HTTP/2 pseudo-headers); non-strict only forbids NUL, CR and LF. Written as loops over the
// UTF-16 code units (what the equivalent regexes test) because they run on every header string.
function headerCheck(kind: string, strict: boolean): ((value: string) => boolean) | undefined {
  if (!strict && (kind === 'HTTP_HEADER_NAME' || kind === 'HTTP_HEADER_VALUE')) return lacksNulCrLf;
  if (kind === 'HTTP_HEADER_NAME') return isHeaderName;
  if (kind === 'HTTP_HEADER_VALUE') return isHeaderValue;
  return undefined;
}

function lacksNulCrLf(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code === 0 || code === 0x0a || code === 0x0d) return false;
  }
  return true;
}

// RFC 7230 tchar: 0-9 a-z A-Z ! # $ % & ' * + - . ^ _ | ~ `
const tokenChars = new Uint8Array(128);
for (const char of "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&'*+-.^_|~`") tokenChars[char.charCodeAt(0)] = 1;

/** /^:?[tchar]+$/ */
function isHeaderName(value: string): boolean {
  const start = value.charCodeAt(0) === 0x3a ? 1 : 0;
  if (value.length <= start) return false;
  for (let index = start; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code >= 128 || tokenChars[code] === 0) return false;
  }
  return true;
}

/** /^[^\0-\x08\x0A-\x1F\x7F]*$/: no control character but horizontal tab. */
function isHeaderValue(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return false;
  }
  return true;
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

/**
 * in / not_in, compiled: adds the violations to `out` (made when the first one is found) and
 * returns it; undefined when the rules have neither list.
 */
function compileMembership<T>(
  rules: RuleGroup,
  convert: (raw: unknown) => T | undefined,
  show: (v: T) => string,
): ((value: T, out: string[] | undefined) => string[] | undefined) | undefined {
  const allowed = list(rules.in)?.map(convert);
  const denied = list(rules.not_in)?.map(convert);
  const mustBeOneOf = allowed && allowed.length > 0 ? `must be one of ${allowed.map((v) => show(v as T)).join(', ')}` : undefined;
  if (mustBeOneOf === undefined && !denied?.length) return undefined;
  return (value, out) => {
    if (mustBeOneOf !== undefined && !allowed!.includes(value)) (out ??= []).push(mustBeOneOf);
    if (denied?.includes(value)) (out ??= []).push(`must not be ${show(value)}`);
    return out;
  };
}

interface ComparableCheck<T> {
  (value: T): readonly string[];
  /** Set when the rules are only lt/lte/gt/gte: whether a number is within them, compared with the bounds as they are. */
  plainBounds?: (value: number) => boolean;
}

/**
 * const / lt / lte / gt / gte / in / not_in, compiled; undefined when none is set. Follows
 * protoc-gen-validate's "outside the range" reading when the lower bound exceeds the upper.
 */
function compileComparable<T extends number | bigint>(
  rules: RuleGroup,
  convert: (raw: unknown) => T | undefined,
  show: (v: T) => string,
): ComparableCheck<T> | undefined {
  const bound = (key: string): T | undefined => (key in rules ? convert(rules[key]) : undefined);
  const constant = bound('const');
  const [gt, gte, lt, lte] = [bound('gt'), bound('gte'), bound('lt'), bound('lte')];
  const lower = gt ?? gte;
  const upper = lt ?? lte;
  const membership = compileMembership(rules, convert, show);
  if (constant === undefined && lower === undefined && upper === undefined && !membership) return undefined;
  const lowerText = gt !== undefined ? `> ${show(gt)}` : gte !== undefined ? `>= ${show(gte)}` : '';
  const upperText = lt !== undefined ? `< ${show(lt)}` : lte !== undefined ? `<= ${show(lte)}` : '';
  const outside = lower !== undefined && upper !== undefined && lower > upper;
  const range = outside ? `${lowerText} or ${upperText}` : [lowerText, upperText].filter(Boolean).join(' and ');
  // Number and bigint compare exactly with < and >, so these work on either.
  const lowerOk = (value: number | bigint): boolean => (gt !== undefined ? value > gt : gte !== undefined ? value >= gte : true);
  const upperOk = (value: number | bigint): boolean => (lt !== undefined ? value < lt : lte !== undefined ? value <= lte : true);
  const inBounds = (value: number | bigint): boolean => (outside ? lowerOk(value) || upperOk(value) : lowerOk(value) && upperOk(value));
  const check: ComparableCheck<T> = (value) => {
    let out: string[] | undefined;
    if (constant !== undefined && value !== constant) (out ??= []).push(`must be ${show(constant)}`);
    if (!inBounds(value)) (out ??= []).push(`must be ${range}, is ${show(value)}`);
    if (membership) out = membership(value, out);
    return out ?? noViolations;
  };
  if (constant === undefined && !membership) check.plainBounds = inBounds;
  return check;
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
