/**
 * Direct evaluation of the common CRD rule shapes on the JSON values of the object (no CEL
 * copy of it), many times faster than the CEL interpreter: `has()`, field access, list index, string, bool and int comparisons, `&&`, `||`,
 * `!`, `?:`, `size()`, `in` a list of strings, `startsWith`, `endsWith`, `contains`, `matches`,
 * and the comprehensions the macros `all`, `exists`, `exists_one` and `filter` expand to.
 *
 * It answers only where the answer cannot differ from the interpreter's: on anything else it
 * gives up (`undecided`) and the interpreter evaluates the rule. It gives up on any absent
 * field read without `has()`, any null, any non-ASCII string whose size is asked, any operand
 * of an unexpected type, and so on any evaluation error, whose message only the interpreter
 * words. A number from the object is a CEL double to the interpreter (cel.ts hands it JSON
 * numbers as they are); here two of them are compared with `==` and `!=`, which is IEEE
 * equality in both, and any other use of one gives up. A rule using a function or node kind
 * not listed above is never evaluated here.
 *
 * The rules are JavaScript code (cel-codegen.ts); this module is what that code calls, and the
 * two ways to run it: all rules of a node at once, written at build time, and one rule,
 * compiled at run time.
 */
import type { EncodedExpr } from './cel-ast.js';
import { directSource, reservedEscape, runtimeNames } from './cel-codegen.js';

/** The evaluation gave up: the interpreter decides. */
export const undecided = Symbol('undecided');

/** A rule evaluated directly: its boolean result, or `undecided`. */
export type DirectRule = (self: unknown) => boolean | typeof undecided;

/** What the code of cel-codegen.ts is: given the runtime, the evaluation of `self`. */
export type DirectCode = (runtime: DirectRuntime) => (self: unknown) => unknown;

// Giving up can be frequent (a rule reading an absent field): one shared instance, no stack trace per throw.
class GiveUp extends Error {}
const giveUp = new GiveUp();

const minInt64 = -(2n ** 63n);
const maxInt64 = 2n ** 63n - 1n;

/** The RE2 matcher the interpreter's environment was given for `matches()`. */
export interface RegexAdapter {
  compile(pattern: string): { test(text: string): boolean };
}

/**
 * The direct form of a rule's expression, or undefined when it uses something not handled here.
 * `regex` must be the adapter the interpreter uses, so `matches()` agrees with it.
 */
export function compileDirect(ast: EncodedExpr, regex: RegexAdapter): DirectRule | undefined {
  const source = directSource([ast], 'value');
  if (source === undefined) return undefined;
  const evaluateRule = (new Function(`return ${source};`)() as DirectCode)(directRuntime(regex));
  return (self) => {
    try {
      const result = evaluateRule(self);
      return typeof result === 'boolean' ? result : undecided;
    } catch (error) {
      if (error === giveUp) return undecided;
      throw error;
    }
  };
}

/**
 * The test that all rules of a node hold, from their code written at build time (`all`, see
 * cel-codegen.ts): true when each would be confirmed by compileDirect; false when any fails or
 * gives up, and the caller then evaluates them one by one. One function per node rather than
 * one per rule: the common case, every rule holding, takes one call.
 */
export function allHoldTest(code: DirectCode, regex: RegexAdapter): (self: unknown) => boolean {
  const allHold = code(directRuntime(regex));
  return (self) => {
    try {
      return allHold(self) === true;
    } catch (error) {
      if (error === giveUp) return false;
      throw error;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// What the code calls

function giveUpNow(): never {
  throw giveUp;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The BigInts of small sizes, made once: BigInt(n) allocates on every call. */
const smallInts = Array.from({ length: 256 }, (_, n) => BigInt(n));

const smallIntLimit = BigInt(smallInts.length);

function intOf(count: number): bigint {
  return count < smallInts.length ? smallInts[count] : BigInt(count);
}

function sizeOf(value: unknown): bigint {
  if (Array.isArray(value)) return intOf(value.length);
  if (isMapping(value)) return intOf(Object.keys(value).length);
  // For ASCII text, code points (what CEL counts) and UTF-16 units are the same.
  if (typeof value === 'string' && /^[\x00-\x7f]*$/.test(value)) return intOf(value.length);
  throw giveUp;
}

/**
 * Operands of `==` and `!=` compared here: two strings, two booleans, two ints, or two
 * doubles (numbers from the object; `===` is IEEE equality, as the interpreter's: NaN is
 * unequal to itself, -0 equal to 0). An int and a double are left to the interpreter.
 */
function sameKind(left: unknown, right: unknown): boolean {
  const kind = typeof left;
  return kind === typeof right && (kind === 'string' || kind === 'boolean' || kind === 'bigint' || kind === 'number');
}

function intOperand(value: unknown): bigint {
  if (typeof value !== 'bigint') throw giveUp;
  return value;
}

function add(left: unknown, right: unknown): unknown {
  if (typeof left === 'bigint' && typeof right === 'bigint') {
    // Counting (exists_one, the size of a filter) adds small ints: taken from smallInts rather
    // than allocated by +.
    if (left >= 0n && right >= 0n && left < smallIntLimit && right < smallIntLimit) return intOf(Number(left) + Number(right));
    const sum = left + right;
    if (sum < minInt64 || sum > maxInt64) throw giveUp;
    return sum;
  }
  if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
  throw giveUp;
}

function itemAt(list: unknown, index: unknown): unknown {
  // Number(index), not BigInt(list.length): that would allocate on every call.
  if (!Array.isArray(list) || typeof index !== 'bigint' || index < 0n || Number(index) >= list.length) throw giveUp;
  return list[Number(index)];
}

function inList(item: unknown, list: unknown): boolean {
  if (typeof item !== 'string' || !Array.isArray(list) || !list.every((element) => typeof element === 'string')) throw giveUp;
  return list.includes(item);
}

/** What a comprehension iterates over: a list's items, or a map's keys. */
function itemsOf(range: unknown): readonly unknown[] {
  if (Array.isArray(range)) return range;
  if (!isMapping(range)) throw giveUp;
  const keys = Object.keys(range);
  // The interpreter sees these keys escaped (`__namespace__`): leave such maps to it.
  if (keys.some((key) => reservedEscape.test(`__${key}__`))) throw giveUp;
  return keys;
}

function hasOwn(value: object, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, field);
}

/** The names cel-codegen.ts lists, each once. */
export type DirectRuntime = Record<(typeof runtimeNames)[number], unknown>;

function directRuntime(regex: RegexAdapter): DirectRuntime {
  return {
    giveUpNow,
    sizeOf,
    sameKind,
    intOperand,
    add,
    itemAt,
    inList,
    itemsOf,
    hasOwn,
    // The interpreter calls the same RE2 adapter, which throws for a bad pattern (then the
    // interpreter reports it).
    matches(text: string, pattern: string): boolean {
      try {
        return regex.compile(pattern).test(text);
      } catch {
        throw giveUp;
      }
    },
  };
}
