/**
 * Direct evaluation of the common CRD rule shapes on the JSON values of the object (no CEL
 * copy of it), several times faster than the CEL interpreter: `has()`, field access, list index, string, bool and int comparisons, `&&`, `||`,
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
 */
import type { EncodedExpr } from './cel-ast.js';

/** The evaluation gave up: the interpreter decides. */
export const undecided = Symbol('undecided');

type Scope = unknown[];
type Compiled = (scope: Scope) => unknown;
/** A rule evaluated directly: its boolean result, or `undecided`. */
export type DirectRule = (self: unknown) => boolean | typeof undecided;

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
  let compiled: Compiled;
  try {
    // Slot 0 holds `self`; each comprehension adds two (its iteration variable and accumulator).
    compiled = compile(ast, ['self'], regex);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  // One scope per rule, reused: evaluation is synchronous and never re-enters a rule
  // (comprehensions copy the scope before adding to it).
  const scope: Scope = [undefined];
  return (self) => {
    scope[0] = self;
    try {
      const result = compiled(scope);
      return typeof result === 'boolean' ? result : undecided;
    } catch (error) {
      if (error === giveUp) return undecided;
      throw error;
    } finally {
      scope[0] = undefined;
    }
  };
}

class Unsupported extends Error {}

function boolOf(value: unknown): boolean {
  if (typeof value !== 'boolean') throw giveUp;
  return value;
}

function compile(node: EncodedExpr, names: readonly string[], regex: RegexAdapter): Compiled {
  const [tag] = node;
  switch (tag) {
    case 'c':
      return constant(node[2] as string, node[3]);
    case 'i': {
      const slot = names.lastIndexOf(node[2] as string);
      if (slot < 0) throw new Unsupported();
      return (scope) => scope[slot];
    }
    case 's': {
      const field = writtenName(node[3] as string);
      const operandNode = node[2] as EncodedExpr;
      // Most selects read a field of a variable (`self.type`): read the scope slot here rather than through another closure.
      const slot = operandNode[0] === 'i' ? names.lastIndexOf(operandNode[2] as string) : -1;
      const read = fieldReader(field);
      if (slot >= 0) {
        if (node[4] === 1) {
          return (scope) => {
            const value = read(scope[slot], field);
            if (value === null) throw giveUp;
            return value !== undefined;
          };
        }
        return (scope) => {
          const value = read(scope[slot], field);
          if (value === undefined || value === null) throw giveUp;
          return value;
        };
      }
      const operand = compile(operandNode, names, regex);
      if (node[4] === 1) {
        return (scope) => {
          const value = read(operand(scope), field);
          // The interpreter's has() on a map tests the value, not the key: leave nulls to it.
          if (value === null) throw giveUp;
          return value !== undefined;
        };
      }
      return (scope) => {
        const value = read(operand(scope), field);
        if (value === undefined || value === null) throw giveUp;
        return value;
      };
    }
    case 'l': {
      if ((node[3] as unknown[]).length > 0) throw new Unsupported();
      const elementNodes = node[2] as EncodedExpr[];
      // A list of constants (`['Exact', 'PathPrefix']`) is built once: nothing here changes a list.
      if (elementNodes.every((element) => element[0] === 'c')) {
        const list = elementNodes.map((element) => compile(element, names, regex)([]));
        return () => list;
      }
      const elements = elementNodes.map((element) => compile(element, names, regex));
      return (scope) => elements.map((element) => element(scope));
    }
    case 'f':
      return call(
        node[2] as string,
        (node[3] as EncodedExpr[]).map((arg) => compile(arg, names, regex)),
        node[4] === undefined || node[4] === null ? undefined : compile(node[4] as EncodedExpr, names, regex),
        regex,
        node[3] as EncodedExpr[],
      );
    case 'x':
      return comprehension(node, names, regex);
    default:
      throw new Unsupported();
  }
}

/**
 * CEL reads a field named like a reserved word with the name escaped (`self.__namespace__`);
 * values here are the JSON objects themselves, so the field is read under its written name.
 */
const reservedEscape = /^__(true|false|null|in|as|break|const|continue|else|for|function|if|import|let|loop|package|namespace|return|var|void|while)__$/;

function writtenName(celField: string): string {
  return reservedEscape.exec(celField)?.[1] ?? celField;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldOf(value: unknown, field: string): unknown {
  if (!isMapping(value)) throw giveUp;
  return Object.prototype.hasOwnProperty.call(value, field) ? value[field] : undefined;
}

/**
 * fieldOf for a field no plain object inherits (`type`, `port`; not `constructor`): a plain
 * read then finds own fields only, without the hasOwnProperty call.
 */
function ownFieldOf(value: unknown, field: string): unknown {
  if (!isMapping(value)) throw giveUp;
  return value[field];
}

function fieldReader(field: string): (value: unknown, field: string) => unknown {
  return field in Object.prototype ? fieldOf : ownFieldOf;
}

function constant(kind: string, value: unknown): Compiled {
  let result: unknown;
  if (kind === 'b' || kind === 's') result = value;
  else if (kind === 'i') result = BigInt(value as string);
  else throw new Unsupported();
  return () => result;
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
 * String methods as the interpreter defines them: it calls these same String.prototype
 * functions, and for `matches` the same RE2 adapter, which throws for a bad pattern (then the
 * interpreter reports it).
 */
function stringMethod(name: string, regex: RegexAdapter): ((text: string, argument: string) => boolean) | undefined {
  switch (name) {
    case 'startsWith':
      return (text, prefix) => text.startsWith(prefix);
    case 'endsWith':
      return (text, suffix) => text.endsWith(suffix);
    case 'contains':
      return (text, part) => text.includes(part);
    case 'matches':
      return (text, pattern) => {
        try {
          return regex.compile(pattern).test(text);
        } catch {
          throw giveUp;
        }
      };
    default:
      return undefined;
  }
}

/**
 * Operands of `==` and `!=` this module compares: two strings, two booleans, two ints, or two
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

/**
 * `argNodes` are the call's arguments as parsed, for shapes decided at compile time: `in` a
 * constant list of strings, `==` against a string constant.
 */
function call(name: string, args: Compiled[], target: Compiled | undefined, regex: RegexAdapter, argNodes: readonly EncodedExpr[]): Compiled {
  const listNode = argNodes[1];
  const listOfStrings =
    name === '@in' && listNode[0] === 'l' && (listNode[3] as unknown[]).length === 0 && (listNode[2] as EncodedExpr[]).every((e) => e[0] === 'c' && e[2] === 's')
      ? (listNode[2] as EncodedExpr[]).map((e) => e[3] as string)
      : undefined;
  const [a, b, c] = args;
  if (target) {
    if (name === 'size' && args.length === 0) return (scope) => sizeOf(target(scope));
    const method = stringMethod(name, regex);
    if (method && args.length === 1) {
      return (scope) => {
        const text = target(scope);
        const argument = a(scope);
        if (typeof text !== 'string' || typeof argument !== 'string') throw giveUp;
        return method(text, argument);
      };
    }
    throw new Unsupported();
  }
  switch (name) {
    case '_&&_':
      // Both orders decide alike when no operand errs; an erring operand gives up anyway.
      return (scope) => boolOf(a(scope)) && boolOf(b(scope));
    case '_||_':
      return (scope) => boolOf(a(scope)) || boolOf(b(scope));
    case '!_':
      return (scope) => !boolOf(a(scope));
    case '_?_:_':
      return (scope) => (boolOf(a(scope)) ? b(scope) : c(scope));
    case '@not_strictly_false':
      return (scope) => boolOf(a(scope));
    case '_==_':
    case '_!=_': {
      const equal = name === '_==_';
      const right = argNodes[1];
      if (right[0] === 'c' && right[2] === 's') {
        // `self.type == 'Exact'`: one closure call fewer, and a string on the left is all it takes.
        const literal = right[3] as string;
        return (scope) => {
          const left = a(scope);
          if (typeof left !== 'string') throw giveUp;
          return (left === literal) === equal;
        };
      }
      return (scope) => {
        const left = a(scope);
        const right = b(scope);
        if (!sameKind(left, right)) throw giveUp;
        return (left === right) === equal;
      };
    }
    case '_<_':
      return (scope) => intOperand(a(scope)) < intOperand(b(scope));
    case '_<=_':
      return (scope) => intOperand(a(scope)) <= intOperand(b(scope));
    case '_>_':
      return (scope) => intOperand(a(scope)) > intOperand(b(scope));
    case '_>=_':
      return (scope) => intOperand(a(scope)) >= intOperand(b(scope));
    case '_+_':
      return (scope) => {
        const left = a(scope);
        const right = b(scope);
        if (typeof left === 'bigint' && typeof right === 'bigint') {
          // Counting (exists_one, the size of a filter) adds small ints: taken from smallInts
          // rather than allocated by +.
          if (left >= 0n && right >= 0n && left < smallIntLimit && right < smallIntLimit) return intOf(Number(left) + Number(right));
          const sum = left + right;
          if (sum < minInt64 || sum > maxInt64) throw giveUp;
          return sum;
        }
        if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
        throw giveUp;
      };
    case '_[_]':
      return (scope) => {
        const list = a(scope);
        const index = b(scope);
        if (!Array.isArray(list) || typeof index !== 'bigint' || index < 0n || index >= BigInt(list.length)) throw giveUp;
        return list[Number(index)];
      };
    case 'size':
      if (args.length !== 1) throw new Unsupported();
      return (scope) => sizeOf(a(scope));
    case '@in':
      if (listOfStrings) {
        // `x in ['A', 'B']`: the list is a constant of strings, checked once here.
        const list = listOfStrings;
        return (scope) => {
          const item = a(scope);
          if (typeof item !== 'string') throw giveUp;
          return list.includes(item);
        };
      }
      return (scope) => {
        const item = a(scope);
        const list = b(scope);
        if (typeof item !== 'string' || !Array.isArray(list) || !list.every((element) => typeof element === 'string')) throw giveUp;
        return list.includes(item);
      };
    default:
      throw new Unsupported();
  }
}

/** ['x', id, iterVar, iterVar2, iterRange, accuVar, accuInit, loopCondition, loopStep, result] */
function comprehension(node: EncodedExpr, names: readonly string[], regex: RegexAdapter): Compiled {
  const [, , iterVar, iterVar2, rangeNode, accuVar, initNode, conditionNode, stepNode, resultNode] = node as unknown[];
  if (iterVar2) throw new Unsupported();
  const range = compile(rangeNode as EncodedExpr, names, regex);
  const init = compile(initNode as EncodedExpr, names, regex);
  const accuSlot = names.length;
  const iterSlot = names.length + 1;
  // The accumulator is visible in the condition, step and result; the iteration variable in the condition and step.
  const inner = [...names, accuVar as string, iterVar as string];
  const condition = compile(conditionNode as EncodedExpr, inner, regex);
  const step = compile(stepNode as EncodedExpr, inner, regex);
  const result = compile(resultNode as EncodedExpr, [...names, accuVar as string], regex);
  // The comprehension's own slots, reused: a rule never re-enters itself, so no two evaluations
  // of this comprehension overlap (a nested one has slots of its own). A copy per evaluation was
  // most of the schema stage's garbage.
  const local: Scope = new Array(iterSlot + 1).fill(undefined);
  return (scope) => {
    const iterable = range(scope);
    let items: readonly unknown[];
    if (Array.isArray(iterable)) items = iterable;
    else if (isMapping(iterable)) {
      items = Object.keys(iterable);
      // The interpreter sees these keys escaped (`__namespace__`): leave such maps to it.
      if (items.some((key) => reservedEscape.test(`__${key}__`))) throw giveUp;
    } else throw giveUp;
    for (let slot = 0; slot < accuSlot; slot++) local[slot] = scope[slot];
    try {
      local[accuSlot] = init(scope);
      for (const item of items) {
        local[iterSlot] = item;
        if (!boolOf(condition(local))) break;
        local[accuSlot] = step(local);
      }
      // `result` cannot name the iteration variable, and a comprehension in it copies only the slots below it.
      return result(local);
    } finally {
      // Hold on to no value of the object after the evaluation.
      local.fill(undefined);
    }
  };
}
