/**
 * Direct evaluation of the common CRD rule shapes on the JSON values of the object (no CEL
 * copy of it), several times faster than the CEL interpreter: `has()`, field access, list index, string, bool and int comparisons, `&&`, `||`,
 * `!`, `?:`, `size()`, `in` a list of strings, `startsWith`, `endsWith`, `contains`, `matches`,
 * and the comprehensions the macros `all`, `exists`, `exists_one` and `filter` expand to.
 *
 * It answers only where the answer cannot differ from the interpreter's: on anything else it
 * gives up (`undecided`) and the interpreter evaluates the rule. It gives up on any absent
 * field read without `has()`, any null, any number from the object (CEL int or double), any
 * non-ASCII string whose size is asked, any operand of an unexpected type, and so on any
 * evaluation error, whose message only the interpreter words. A rule using a function or node
 * kind not listed above is never evaluated here.
 *
 * Each rule becomes the source of one JavaScript function (new Function), its fields read by
 * plain property accesses: V8 then keeps type feedback per rule and per field and optimises each
 * rule on its own, where a tree of shared closures met every rule's shapes at the same call sites
 * (the schema stage runs these some 800 000 times for 10 000 HTTPRoutes).
 */
import type { EncodedExpr } from './cel-ast.js';

/** The evaluation gave up: the interpreter decides. */
export const undecided = Symbol('undecided');

/** A rule evaluated directly: its boolean result, or `undecided`. */
export type DirectRule = (self: unknown) => boolean | typeof undecided;

// Giving up is frequent (every rule that reads a number): one shared instance, no stack trace per throw.
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
  const writer = new RuleWriter();
  let source: string;
  try {
    source = writer.rule(ast);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  return new Function('helpers', 'constants', source)(helpers(regex), writer.constants) as DirectRule;
}

class Unsupported extends Error {}

/**
 * The functions the generated code calls, each checking what CEL would (an operand's type, an
 * int's range) and giving up where the interpreter may answer otherwise.
 */
function helpers(regex: RegexAdapter) {
  return {
    giveUp(): never {
      throw giveUp;
    },
    /** Whether an error thrown by the generated code is a giving up, which leaves the rule undecided. */
    gaveUp(error: unknown): boolean {
      return error === giveUp;
    },
    undecided,
    isMapping,
    /** A field read with hasOwnProperty: for names a plain object inherits (`constructor`). */
    ownField(value: unknown, field: string): unknown {
      if (!isMapping(value)) throw giveUp;
      return Object.prototype.hasOwnProperty.call(value, field) ? value[field] : undefined;
    },
    /** A selected field's value: absent, null and numbers are for the interpreter. */
    present(value: unknown): unknown {
      if (value === undefined || value === null || typeof value === 'number') throw giveUp;
      return value;
    },
    /** `has()`: the interpreter's has() on a map tests the value, not the key: nulls are left to it. */
    has(value: unknown): boolean {
      if (value === null) throw giveUp;
      return value !== undefined;
    },
    bool(value: unknown): boolean {
      if (typeof value !== 'boolean') throw giveUp;
      return value;
    },
    string(value: unknown): string {
      if (typeof value !== 'string') throw giveUp;
      return value;
    },
    int(value: unknown): bigint {
      if (typeof value !== 'bigint') throw giveUp;
      return value;
    },
    /** `==`: two strings, two booleans or two ints. */
    equal(left: unknown, right: unknown): boolean {
      const kind = typeof left;
      if (kind !== typeof right || (kind !== 'string' && kind !== 'boolean' && kind !== 'bigint')) throw giveUp;
      return left === right;
    },
    add(left: unknown, right: unknown): unknown {
      if (typeof left === 'bigint' && typeof right === 'bigint') {
        const sum = left + right;
        if (sum < minInt64 || sum > maxInt64) throw giveUp;
        return sum;
      }
      if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
      throw giveUp;
    },
    index(list: unknown, index: unknown): unknown {
      if (!Array.isArray(list) || typeof index !== 'bigint' || index < 0n || index >= BigInt(list.length)) throw giveUp;
      return list[Number(index)];
    },
    size(value: unknown): bigint {
      if (Array.isArray(value)) return intOf(value.length);
      if (isMapping(value)) return intOf(Object.keys(value).length);
      // For ASCII text, code points (what CEL counts) and UTF-16 units are the same.
      if (typeof value === 'string' && /^[\x00-\x7f]*$/.test(value)) return intOf(value.length);
      throw giveUp;
    },
    /** `item in list` for a list that is not a constant of strings. */
    inList(item: unknown, list: unknown): boolean {
      if (typeof item !== 'string' || !Array.isArray(list) || !list.every((element) => typeof element === 'string')) throw giveUp;
      return list.includes(item);
    },
    /**
     * `matches()` as the interpreter runs it: the same RE2 adapter, which throws for a bad
     * pattern (then the interpreter reports it).
     */
    matches(text: string, pattern: string): boolean {
      try {
        return regex.compile(pattern).test(text);
      } catch {
        throw giveUp;
      }
    },
    /** What a comprehension iterates over: a list's items or a map's keys. */
    rangeItems(range: unknown): readonly unknown[] {
      if (Array.isArray(range)) return range;
      if (!isMapping(range)) throw giveUp;
      const keys = Object.keys(range);
      // The interpreter sees these keys escaped (`__namespace__`): leave such maps to it.
      if (keys.some((key) => reservedEscape.test(`__${key}__`))) throw giveUp;
      return keys;
    },
  };
}

/** The helpers' names, as the generated code declares them. */
const helperNames = Object.keys(helpers({ compile: () => ({ test: () => false }) }));

/** The string methods evaluated here: String.prototype's, which the interpreter calls too; `matches` through the RE2 adapter. */
const stringMethods: Record<string, string> = { startsWith: 'startsWith', endsWith: 'endsWith', contains: 'includes' };

/**
 * Writes a rule's expression as JavaScript: each node becomes an expression, each comprehension
 * a function of its own taking the variables in scope. A variable is named by its slot: `v0` is
 * `self`, and each comprehension adds two (its accumulator and its iteration variable).
 */
class RuleWriter {
  /** Values the code refers to by index: ints, constant lists. */
  readonly constants: unknown[] = [];
  /** The comprehension functions written so far. */
  private readonly functions: string[] = [];
  /** Temporaries of the function being written. */
  private temporaries = 0;

  /** The body of a function of (helpers, constants) that returns the rule's DirectRule. */
  rule(ast: EncodedExpr): string {
    const body = this.functionBody(() => `const result = ${this.expression(ast, ['self'])}; return typeof result === 'boolean' ? result : undecided;`);
    return [
      `const { ${helperNames.join(', ')} } = helpers;`,
      ...this.functions,
      `return function rule(v0) { try {${body}} catch (error) { if (gaveUp(error)) return undecided; throw error; } };`,
    ].join('\n');
  }

  /** A function body from `write`, with the temporaries it used declared first. */
  private functionBody(write: () => string): string {
    const outer = this.temporaries;
    this.temporaries = 0;
    const statements = write();
    const declared = Array.from({ length: this.temporaries }, (_, index) => `t${index}`);
    this.temporaries = outer;
    return `${declared.length > 0 ? `let ${declared.join(', ')}; ` : ''}${statements}`;
  }

  private temporary(): string {
    return `t${this.temporaries++}`;
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return `constants[${this.constants.length - 1}]`;
  }

  private expression(node: EncodedExpr, names: readonly string[]): string {
    const [tag] = node;
    switch (tag) {
      case 'c':
        return this.literal(node[2] as string, node[3]);
      case 'i': {
        const slot = names.lastIndexOf(node[2] as string);
        if (slot < 0) throw new Unsupported();
        return `v${slot}`;
      }
      case 's': {
        const field = writtenName(node[3] as string);
        const operand = this.expression(node[2] as EncodedExpr, names);
        let value: string;
        // A field no plain object inherits (`type`, `port`; not `constructor`) is read as a plain property.
        if (field in Object.prototype) value = `ownField(${operand}, ${JSON.stringify(field)})`;
        else {
          const mapping = this.temporary();
          value = `(isMapping(${mapping} = ${operand}) ? ${mapping}[${JSON.stringify(field)}] : giveUp())`;
        }
        return node[4] === 1 ? `has(${value})` : `present(${value})`;
      }
      case 'l': {
        if ((node[3] as unknown[]).length > 0) throw new Unsupported();
        const elementNodes = node[2] as EncodedExpr[];
        // A list of constants (`['Exact', 'PathPrefix']`) is built once: nothing here changes a list.
        if (elementNodes.every((element) => element[0] === 'c')) {
          return this.constant(elementNodes.map((element) => literalValue(element[2] as string, element[3])));
        }
        return `[${elementNodes.map((element) => this.expression(element, names)).join(', ')}]`;
      }
      case 'f':
        return this.call(node, names);
      case 'x':
        return this.comprehension(node, names);
      default:
        throw new Unsupported();
    }
  }

  private literal(kind: string, value: unknown): string {
    const result = literalValue(kind, value);
    return typeof result === 'bigint' ? this.constant(result) : JSON.stringify(result);
  }

  private call(node: EncodedExpr, names: readonly string[]): string {
    const name = node[2] as string;
    const argNodes = node[3] as EncodedExpr[];
    const targetNode = node[4] === undefined || node[4] === null ? undefined : (node[4] as EncodedExpr);
    const args = argNodes.map((arg) => this.expression(arg, names));
    const [a, b, c] = args;
    if (targetNode) {
      const target = this.expression(targetNode, names);
      if (name === 'size' && args.length === 0) return `size(${target})`;
      if ((name in stringMethods || name === 'matches') && args.length === 1) {
        const text = this.temporary();
        const argument = this.temporary();
        const test = name === 'matches' ? `matches(${text}, ${argument})` : `${text}.${stringMethods[name]}(${argument})`;
        return `(${text} = ${target}, ${argument} = ${a}, typeof ${text} === 'string' && typeof ${argument} === 'string' ? ${test} : giveUp())`;
      }
      throw new Unsupported();
    }
    switch (name) {
      case '_&&_':
        // Both orders decide alike when no operand errs; an erring operand gives up anyway.
        return `(bool(${a}) && bool(${b}))`;
      case '_||_':
        return `(bool(${a}) || bool(${b}))`;
      case '!_':
        return `!bool(${a})`;
      case '_?_:_':
        return `(bool(${a}) ? ${b} : ${c})`;
      case '@not_strictly_false':
        return `bool(${a})`;
      case '_==_':
      case '_!=_': {
        const right = argNodes[1];
        // `self.type == 'Exact'`: a string on the left is all it takes.
        if (right[0] === 'c' && right[2] === 's') return `(string(${a}) ${name === '_==_' ? '===' : '!=='} ${b})`;
        return `${name === '_==_' ? '' : '!'}equal(${a}, ${b})`;
      }
      case '_<_':
        return `(int(${a}) < int(${b}))`;
      case '_<=_':
        return `(int(${a}) <= int(${b}))`;
      case '_>_':
        return `(int(${a}) > int(${b}))`;
      case '_>=_':
        return `(int(${a}) >= int(${b}))`;
      case '_+_':
        return `add(${a}, ${b})`;
      case '_[_]':
        return `index(${a}, ${b})`;
      case 'size':
        if (args.length !== 1) throw new Unsupported();
        return `size(${a})`;
      case '@in': {
        const listNode = argNodes[1];
        // `x in ['A', 'B']`: the list is a constant of strings, checked once here.
        if (listNode[0] === 'l' && (listNode[3] as unknown[]).length === 0 && (listNode[2] as EncodedExpr[]).every((e) => e[0] === 'c' && e[2] === 's')) {
          return `${b}.includes(string(${a}))`;
        }
        return `inList(${a}, ${b})`;
      }
      default:
        throw new Unsupported();
    }
  }

  /** ['x', id, iterVar, iterVar2, iterRange, accuVar, accuInit, loopCondition, loopStep, result] */
  private comprehension(node: EncodedExpr, names: readonly string[]): string {
    const [, , iterVar, iterVar2, rangeNode, accuVar, initNode, conditionNode, stepNode, resultNode] = node as unknown[];
    if (iterVar2) throw new Unsupported();
    const scope = names.map((_, slot) => `v${slot}`).join(', ');
    const accu = `v${names.length}`;
    const item = `v${names.length + 1}`;
    // The accumulator is visible in the condition, step and result; the iteration variable in the condition and step.
    const inner = [...names, accuVar as string, iterVar as string];
    const body = this.functionBody(() => {
      const range = this.expression(rangeNode as EncodedExpr, names);
      const init = this.expression(initNode as EncodedExpr, names);
      const condition = this.expression(conditionNode as EncodedExpr, inner);
      const step = this.expression(stepNode as EncodedExpr, inner);
      const result = this.expression(resultNode as EncodedExpr, [...names, accuVar as string]);
      return [
        `const items = rangeItems(${range});`,
        `let ${accu} = ${init};`,
        `for (let position = 0; position < items.length; position++) {`,
        `const ${item} = items[position];`,
        `if (!bool(${condition})) break;`,
        `${accu} = ${step};`,
        `}`,
        `return ${result};`,
      ].join(' ');
    });
    const name = `comprehension${this.functions.length}`;
    this.functions.push(`function ${name}(${scope}) {${body}}`);
    return `${name}(${scope})`;
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

function literalValue(kind: string, value: unknown): unknown {
  if (kind === 'b' || kind === 's') return value;
  if (kind === 'i') return BigInt(value as string);
  throw new Unsupported();
}

/** The BigInts of small sizes, made once: BigInt(n) allocates on every call. */
const smallInts = Array.from({ length: 256 }, (_, n) => BigInt(n));

function intOf(count: number): bigint {
  return count < smallInts.length ? smallInts[count] : BigInt(count);
}
