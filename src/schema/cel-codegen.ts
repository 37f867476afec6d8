/**
 * The code of the direct evaluation (cel-direct.ts): a CRD rule's parsed expression becomes
 * the text of a JavaScript function, so that V8 optimises each rule as code of its own. (The
 * first form of the direct evaluation was a tree of closures shared by every rule, whose
 * generic, megamorphic calls took 145 ms for the rules of 10 000 HTTPRoutes, warm; this code
 * takes about 40.) scripts/build-validators.mjs writes the code of every node's rules into
 * generated/cel-direct-rules.ts at build time; cel-direct.ts compiles a single rule at run time,
 * for the rare node whose rules do not all hold.
 *
 * The code gives up (calls `giveUpNow`, which throws) wherever the interpreter could answer
 * otherwise; see cel-direct.ts for what that covers. Field names and strings come from the
 * rules, written as JSON string literals; every other name in the code is one made here.
 */
import type { EncodedExpr } from './cel-ast.js';

/**
 * CEL reads a field named like a reserved word with the name escaped (`self.__namespace__`);
 * values here are the JSON objects themselves, so the field is read under its written name.
 */
export const reservedEscape = /^__(true|false|null|in|as|break|const|continue|else|for|function|if|import|let|loop|package|namespace|return|var|void|while)__$/;

/**
 * The key of the node a rule path names, as generated/cel-direct-rules.ts lists a node's code:
 * `spec.rules[*].matches` → `spec.rules.*.matches` (the path's segments, joined by dots).
 */
export function ruleNodeKey(path: string): string {
  return path.replace(/\[\*\]/g, '.*');
}

/** What the generated code takes from its `runtime` argument (see cel-direct.ts). */
export const runtimeNames = ['giveUpNow', 'sizeOf', 'sameKind', 'intOperand', 'add', 'itemAt', 'inList', 'itemsOf', 'hasOwn', 'matches'] as const;

/**
 * The text of a function expression `function (runtime) { ... }` returning the evaluation of
 * `asts` on `self`: with `value`, the one rule's value; with `all`, whether each rule is true.
 * Undefined when a rule uses something the direct evaluation does not handle.
 */
export function directSource(asts: readonly EncodedExpr[], result: 'value' | 'all'): string | undefined {
  try {
    return new Program().text(asts, result);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

class Unsupported extends Error {}

function writtenName(celField: string): string {
  return reservedEscape.exec(celField)?.[1] ?? celField;
}

/** A CEL variable in scope and the JavaScript variable holding it; later entries shadow earlier ones. */
type Names = readonly { cel: string; js: string }[];

/** One generated function's temporaries, declared at its top: each use takes one of its own. */
class Temporaries {
  private count = 0;

  next(): string {
    return `t${++this.count}`;
  }

  declaration(): string {
    if (this.count === 0) return '';
    return `let ${Array.from({ length: this.count }, (_, index) => `t${index + 1}`).join(', ')};`;
  }
}

/** Generated code, and whether it surely gives a boolean when it gives anything. */
interface Code {
  text: string;
  bool: boolean;
}

const isName = /^[A-Za-z_$][\w$]*$/;

/**
 * `code` held where it can be read again: a variable as it is, other code through a temporary.
 * The first text evaluates the code, the second reads the value after the first.
 */
function held(code: string, temporaries: Temporaries): [string, string] {
  if (isName.test(code)) return [code, code];
  const value = temporaries.next();
  return [`(${value} = ${code})`, value];
}

/** `code` as a CEL bool, which any other value is not: the interpreter reports those. */
function boolOf(code: Code, temporaries: Temporaries): string {
  if (code.bool) return code.text;
  const [first, again] = held(code.text, temporaries);
  return `(typeof ${first} === "boolean" ? ${again} : giveUpNow())`;
}

const bool = (text: string): Code => ({ text, bool: true });
const other = (text: string): Code => ({ text, bool: false });

class Program {
  /** Constant lists (`['Exact', 'PathPrefix']`), built once: nothing here changes a list. */
  private readonly constants: string[] = [];
  /** The comprehensions, each a function of the variables in scope where it is used. */
  private readonly comprehensions: string[] = [];

  text(asts: readonly EncodedExpr[], result: 'value' | 'all'): string {
    const temporaries = new Temporaries();
    const values = asts.map((ast) => this.expression(ast, [{ cel: 'self', js: 'self' }], temporaries));
    const body = result === 'value' ? values[0].text : values.map((value) => `${value.text} === true`).join(' && ');
    return [
      'function (runtime) {',
      '"use strict";',
      `const { ${runtimeNames.join(', ')} } = runtime;`,
      ...this.constants.map((list, index) => `const list${index + 1} = ${list};`),
      ...this.comprehensions,
      `return function rule(self) { ${temporaries.declaration()} return ${body}; };`,
      '}',
    ].join('\n');
  }

  private expression(node: EncodedExpr, names: Names, temporaries: Temporaries): Code {
    switch (node[0]) {
      case 'c':
        return { text: constant(node), bool: node[2] === 'b' };
      case 'i':
        return other(variable(node[2] as string, names));
      case 's':
        return this.select(node, names, temporaries);
      case 'l': {
        if ((node[3] as unknown[]).length > 0) throw new Unsupported();
        const elementNodes = node[2] as EncodedExpr[];
        if (elementNodes.every((element) => element[0] === 'c')) {
          this.constants.push(`[${elementNodes.map(constant).join(', ')}]`);
          return other(`list${this.constants.length}`);
        }
        return other(`[${elementNodes.map((element) => this.expression(element, names, temporaries).text).join(', ')}]`);
      }
      case 'f':
        return this.call(node, names, temporaries);
      case 'x':
        return other(this.comprehension(node, names));
      default:
        throw new Unsupported();
    }
  }

  /** `x.field`, or with `has()` (node[4] === 1) whether x has it. */
  private select(node: EncodedExpr, names: Names, temporaries: Temporaries): Code {
    const field = writtenName(node[3] as string);
    const [first, object] = held(this.expression(node[2] as EncodedExpr, names, temporaries).text, temporaries);
    const value = temporaries.next();
    const key = JSON.stringify(field);
    // A field no plain object inherits (`type`, `port`; not `constructor`) is read plainly: that finds own fields only.
    const read = field in Object.prototype ? `(hasOwn(${object}, ${key}) ? ${object}[${key}] : undefined)` : `${object}[${key}]`;
    const readField = `(typeof ${first} === "object" && ${object} !== null && !Array.isArray(${object}) ? ${read} : giveUpNow())`;
    // The interpreter's has() on a map tests the value, not the key: leave nulls to it.
    if (node[4] === 1) return bool(`((${value} = ${readField}) === null ? giveUpNow() : ${value} !== undefined)`);
    return other(`((${value} = ${readField}) === undefined || ${value} === null ? giveUpNow() : ${value})`);
  }

  private call(node: EncodedExpr, names: Names, temporaries: Temporaries): Code {
    const name = node[2] as string;
    const argNodes = node[3] as EncodedExpr[];
    const targetNode = node[4] === undefined || node[4] === null ? undefined : (node[4] as EncodedExpr);
    const args = argNodes.map((arg) => this.expression(arg, names, temporaries));
    const [a, b, c] = args;
    if (targetNode) {
      const target = this.expression(targetNode, names, temporaries).text;
      if (name === 'size' && args.length === 0) return other(`sizeOf(${target})`);
      // The interpreter's string functions are these String.prototype methods; `matches` uses its RE2 adapter.
      const method = name === 'startsWith' || name === 'endsWith' ? name : name === 'contains' ? 'includes' : undefined;
      if ((method !== undefined || name === 'matches') && args.length === 1) {
        const [textFirst, text] = held(target, temporaries);
        const [argumentFirst, argument] = held(a.text, temporaries);
        const test = method ? `${text}.${method}(${argument})` : `matches(${text}, ${argument})`;
        return bool(`(typeof ${textFirst} !== "string" || typeof ${argumentFirst} !== "string" ? giveUpNow() : ${test})`);
      }
      throw new Unsupported();
    }
    switch (name) {
      case '_&&_':
        // Both orders decide alike when no operand errs; an erring operand gives up anyway.
        return bool(`(${boolOf(a, temporaries)} && ${boolOf(b, temporaries)})`);
      case '_||_':
        return bool(`(${boolOf(a, temporaries)} || ${boolOf(b, temporaries)})`);
      case '!_':
        return bool(`!${boolOf(a, temporaries)}`);
      case '_?_:_':
        return { text: `(${boolOf(a, temporaries)} ? ${b.text} : ${c.text})`, bool: b.bool && c.bool };
      case '@not_strictly_false':
        return bool(boolOf(a, temporaries));
      case '_==_':
      case '_!=_': {
        const operator = name === '_==_' ? '===' : '!==';
        const [leftFirst, left] = held(a.text, temporaries);
        const right = argNodes[1];
        // `self.type == 'Exact'`: a string on the left is all it takes.
        if (right[0] === 'c' && right[2] === 's') return bool(`(typeof ${leftFirst} !== "string" ? giveUpNow() : ${left} ${operator} ${b.text})`);
        const [rightFirst, rightValue] = held(b.text, temporaries);
        return bool(`(sameKind(${leftFirst}, ${rightFirst}) ? ${left} ${operator} ${rightValue} : giveUpNow())`);
      }
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_':
        return bool(`(intOperand(${a.text}) ${name.slice(1, -1)} intOperand(${b.text}))`);
      case '_+_':
        return other(`add(${a.text}, ${b.text})`);
      case '_[_]':
        return other(`itemAt(${a.text}, ${b.text})`);
      case 'size':
        if (args.length !== 1) throw new Unsupported();
        return other(`sizeOf(${a.text})`);
      case '@in': {
        const listNode = argNodes[1];
        const strings = listNode[0] === 'l' && (listNode[3] as unknown[]).length === 0 && (listNode[2] as EncodedExpr[]).every((e) => e[0] === 'c' && e[2] === 's');
        if (!strings) return bool(`inList(${a.text}, ${b.text})`);
        // `x in ['A', 'B']`: a string compared with each constant.
        const [itemFirst, item] = held(a.text, temporaries);
        const tests = (listNode[2] as EncodedExpr[]).map((element) => `${item} === ${JSON.stringify(element[3])}`);
        return bool(`(typeof ${itemFirst} !== "string" ? giveUpNow() : ${tests.length === 0 ? 'false' : `(${tests.join(' || ')})`})`);
      }
      default:
        throw new Unsupported();
    }
  }

  /** ['x', id, iterVar, iterVar2, iterRange, accuVar, accuInit, loopCondition, loopStep, result] */
  private comprehension(node: EncodedExpr, names: Names): string {
    const [, , iterVar, iterVar2, rangeNode, accuVar, initNode, conditionNode, stepNode, resultNode] = node as unknown[];
    if (iterVar2) throw new Unsupported();
    const number = this.comprehensions.length + 1;
    this.comprehensions.push(''); // its place, taken before any comprehension inside it
    // The function takes every variable in scope, under the same names.
    const parameters = [...new Set(names.map((name) => name.js))].join(', ');
    const temporaries = new Temporaries();
    const range = this.expression(rangeNode as EncodedExpr, names, temporaries).text;
    const init = this.expression(initNode as EncodedExpr, names, temporaries).text;
    const accumulator = `accumulator${number}`;
    const item = `item${number}`;
    const items = `items${number}`;
    // The accumulator is visible in the condition, step and result; the iteration variable in the condition and step.
    const withAccumulator = [...names, { cel: accuVar as string, js: accumulator }];
    const inner = [...withAccumulator, { cel: iterVar as string, js: item }];
    const proceed = boolOf(this.expression(conditionNode as EncodedExpr, inner, temporaries), temporaries);
    const step = this.expression(stepNode as EncodedExpr, inner, temporaries).text;
    const result = this.expression(resultNode as EncodedExpr, withAccumulator, temporaries).text;
    this.comprehensions[number - 1] = [
      `function comprehension${number}(${parameters}) {`,
      `  ${temporaries.declaration()}`,
      `  const ${items} = itemsOf(${range});`,
      `  let ${accumulator} = ${init};`,
      `  for (let index = 0; index < ${items}.length; index++) {`,
      `    const ${item} = ${items}[index];`,
      `    if (!${proceed}) break;`,
      `    ${accumulator} = ${step};`,
      '  }',
      `  return ${result};`,
      '}',
    ].join('\n');
    return `comprehension${number}(${parameters})`;
  }
}

function variable(name: string, names: Names): string {
  for (let index = names.length - 1; index >= 0; index--) if (names[index].cel === name) return names[index].js;
  throw new Unsupported();
}

/** A bool, string or int constant as JavaScript: ints are CEL int64, BigInts here. */
function constant(node: EncodedExpr): string {
  const kind = node[2] as string;
  const value = node[3];
  if (kind === 'b') return value === true ? 'true' : 'false';
  if (kind === 's') return JSON.stringify(value);
  if (kind === 'i') return `(${BigInt(value as string)}n)`;
  throw new Unsupported();
}
