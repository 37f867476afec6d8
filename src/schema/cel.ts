/**
 * The CEL stage of schema validation: the `x-kubernetes-validations` rules of the CRDs, which
 * the API server evaluates after the OpenAPI checks. The rules live in schemas/*.json (keyword
 * `x-egc-cel` on each kind's schema, with the data path of the node each rule is attached to);
 * scripts/build-validators.mjs parses them into generated/cel-rules.ts, and writes the code
 * testing that all rules of a node hold into generated/cel-direct-rules.ts. A kind is planned on
 * first use, so a run pays only for the kinds its input has. A node's rules are first tested
 * together by that code; where they do not all hold, each is evaluated directly (cel-direct.ts),
 * and the interpreter runs only where that is not sure.
 */
import type { CelEnv, CelResult } from '@bufbuild/cel';
import { RE2JS } from 're2js';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import { formatPath, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { KubeObject } from '../load/resource.js';
import { decodeExpr, type EncodedExpr } from './cel-ast.js';
import { celExtensions, celLibrary } from './cel-library.js';
import { ruleNodeKey } from './cel-codegen.js';
import { allHoldTest, compileDirect, type DirectRule } from './cel-direct.js';
import { sameInJavaScript } from './cel-regex.js';
import { celDirectRules } from './generated/cel-direct-rules.js';
import { celKindTables, type CelKind, type CelRuleSpec } from './generated/cel-rules.js';

type Segment = string | number;

const parsedKinds = new Map<string, CelKind | undefined>();

/** The rules and defaults of a kind, parsed from the generated table on first use. */
function celKind(groupKind: string): CelKind | undefined {
  if (!parsedKinds.has(groupKind)) {
    const table = celKindTables[groupKind];
    parsedKinds.set(groupKind, table === undefined ? undefined : (JSON.parse(table) as CelKind));
  }
  return parsedKinds.get(groupKind);
}

/** The CEL rules of a kind (`group/Kind`), for listings and tests; skipped rules included. */
export function celRulesOf(groupKind: string): readonly CelRuleSpec[] {
  return celKind(groupKind)?.rules ?? [];
}

/** A rule that does not hold on one node of an object. */
export interface CelFailure {
  rule: CelRuleSpec;
  /** Where to report it: the node the rule is attached to, or the rule's fieldPath under it. */
  path: Segment[];
  message: string;
}

/**
 * The rule and default paths of a kind as one tree, so that one walk of an object finds every
 * node a rule is attached to and every place a default goes.
 */
interface PathTree {
  /** Named children; a name is a field as written in the YAML. */
  fields: Map<string, PathTree>;
  /** `*`: each item of a list, or each value of a map. */
  each?: PathTree;
  /** The CRD default of the field this node stands for, when the field is absent. */
  defaultValue?: unknown;
  /** Whether a default is set at or below this node: other subtrees need no defaults walk. */
  defaultsBelow: boolean;
  /** The rules attached to the node this path ends at. */
  rules: PlannedRule[];
  /** Whether all of `rules` hold, evaluated directly (see allHoldTest); absent when some rule has no direct form. */
  allHold?: (self: unknown) => boolean;
  // Filled by finishTree once every path is in, as arrays: the walks run over these for every object.
  /** Whether a rule is attached at or below this node: other subtrees need no rules walk. */
  rulesBelow: boolean;
  /** The named children with a rule at or below them: names and trees at the same index. */
  ruleFieldNames: string[];
  ruleFieldTrees: PathTree[];
  /** The named children with a default at or below them. */
  defaultFieldNames: string[];
  defaultFieldTrees: PathTree[];
}

interface PlannedRule {
  rule: CelRuleSpec;
  /** The rule's index in the kind's order. */
  order: number;
  /** The rule's direct form (see cel-direct.ts), looked up on first use; null when it has none. */
  direct?: DirectRule | null;
}

interface KindPlan {
  tree: PathTree;
}

const plans = new Map<string, KindPlan | null>();

function newTree(): PathTree {
  return {
    fields: new Map(),
    defaultsBelow: false,
    rules: [],
    rulesBelow: false,
    ruleFieldNames: [],
    ruleFieldTrees: [],
    defaultFieldNames: [],
    defaultFieldTrees: [],
  };
}

/** Fills the derived fields of `tree` and its subtrees (see PathTree). */
function finishTree(tree: PathTree): void {
  tree.rulesBelow = tree.rules.length > 0;
  if (tree.each) {
    finishTree(tree.each);
    if (tree.each.rulesBelow) tree.rulesBelow = true;
  }
  for (const [name, child] of tree.fields) {
    finishTree(child);
    if (child.rulesBelow) {
      tree.rulesBelow = true;
      tree.ruleFieldNames.push(name);
      tree.ruleFieldTrees.push(child);
    }
    if (child.defaultsBelow) {
      tree.defaultFieldNames.push(name);
      tree.defaultFieldTrees.push(child);
    }
  }
}

function treeNode(tree: PathTree, segments: readonly string[]): PathTree[] {
  const visited = [tree];
  let node = tree;
  for (const segment of segments) {
    let next = segment === '*' ? node.each : node.fields.get(segment);
    if (!next) {
      next = newTree();
      if (segment === '*') node.each = next;
      else node.fields.set(segment, next);
    }
    node = next;
    visited.push(node);
  }
  return visited;
}

function kindPlan(groupKind: string): KindPlan | null {
  let found = plans.get(groupKind);
  if (found !== undefined) return found;
  const kind = celKind(groupKind);
  found = null;
  if (kind && kind.rules.some((rule) => !rule.skip)) {
    const tree = newTree();
    for (const { path, value } of kind.defaults) {
      const visited = treeNode(tree, parsePath(path));
      visited[visited.length - 1].defaultValue = value;
      for (const node of visited) node.defaultsBelow = true;
    }
    let order = 0;
    const directCode = celDirectRules[groupKind] ?? {};
    for (const rule of kind.rules) {
      if (rule.skip) continue;
      const node = treeNode(tree, parsePath(rule.path)).pop()!;
      node.rules.push({ rule, order: order++ });
      const code = directCode[ruleNodeKey(rule.path)];
      if (code) node.allHold ??= allHoldTest(code, re2js);
    }
    finishTree(tree);
    found = { tree };
  }
  plans.set(groupKind, found);
  return found;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `value` with the CRD defaults of `tree` filled in where fields are absent, shallower defaults
 * first so that defaults inside a defaulted value apply too. Copy on write: `value` is not
 * changed, and subtrees without a default to add are shared.
 */
function withDefaults(value: unknown, tree: PathTree): unknown {
  if (Array.isArray(value)) {
    const each = tree.each;
    if (!each?.defaultsBelow) return value;
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item = value[index];
      if (item === null || item === undefined) continue;
      const updated = withDefaults(item, each);
      if (updated !== item) (copy ??= value.slice())[index] = updated;
    }
    return copy ?? value;
  }
  if (!isMapping(value)) return value;
  let copy: Record<string, unknown> | undefined;
  const names = tree.defaultFieldNames;
  for (let index = 0; index < names.length; index++) {
    const field = names[index];
    const child = tree.defaultFieldTrees[index];
    const current = Object.prototype.hasOwnProperty.call(value, field) ? value[field] : undefined;
    const item = current === undefined ? child.defaultValue : current;
    if (item === undefined || item === null) continue;
    const updated = withDefaults(item, child);
    if (updated !== current) (copy ??= { ...value })[field] = updated;
  }
  const each = tree.each;
  if (each?.defaultsBelow) {
    const source = copy ?? value;
    for (const key in source) {
      const item = source[key];
      if (item === null || item === undefined) continue;
      const updated = withDefaults(item, each);
      if (updated !== item) (copy ??= { ...value })[key] = updated;
    }
  }
  return copy ?? value;
}

/** A failing rule found by the walk, with the rule's place in the kind's order. */
interface OrderedFailure extends CelFailure {
  order: number;
}

/**
 * Evaluates the rules attached to each node of `value` a rule path reaches, depth first.
 * `path` is the segment stack of `value` (pushed and popped as the walk goes: a path is
 * copied only for a failure, which is rare).
 */
function walkRules(value: unknown, tree: PathTree, path: Segment[], interpretOnly: boolean, failures: OrderedFailure[]): void {
  const rules = tree.rules;
  if (rules.length > 0 && (interpretOnly || tree.allHold === undefined || !tree.allHold(value))) {
    for (let index = 0; index < rules.length; index++) {
      const planned = rules[index];
      const message = evaluate(planned, value, interpretOnly);
      if (message === undefined) continue;
      const rule = planned.rule;
      const at = rule.fieldPath ? [...path, ...parseFieldPath(rule.fieldPath)] : path.slice();
      failures.push({ rule, path: at, message, order: planned.order });
    }
  }
  const each = tree.each?.rulesBelow ? tree.each : undefined;
  if (Array.isArray(value)) {
    if (each) {
      for (let index = 0; index < value.length; index++) {
        const item = value[index];
        if (item === null || item === undefined) continue;
        path.push(index);
        walkRules(item, each, path, interpretOnly, failures);
        path.pop();
      }
    }
    return;
  }
  if (!isMapping(value)) return;
  const names = tree.ruleFieldNames;
  for (let index = 0; index < names.length; index++) {
    const field = names[index];
    if (!Object.prototype.hasOwnProperty.call(value, field)) continue;
    const item = value[field];
    if (item === null || item === undefined) continue;
    path.push(field);
    walkRules(item, tree.ruleFieldTrees[index], path, interpretOnly, failures);
    path.pop();
  }
  if (each) {
    for (const key in value) {
      const item = value[key];
      if (item === null || item === undefined) continue;
      path.push(key);
      walkRules(item, each, path, interpretOnly, failures);
      path.pop();
    }
  }
}

function byRuleOrder(a: OrderedFailure, b: OrderedFailure): number {
  return a.order - b.order;
}

/**
 * Evaluates the CEL rules of `object`'s kind (`group/Kind`) on every node they are attached to.
 * The rules see the object with the CRD defaults applied, as the API server evaluates them;
 * `object` itself is not changed. Failures are listed by rule (in the kind's order), then by
 * node in document order.
 */
export function failingCelRules(object: KubeObject, groupKind: string, options: { interpretOnly?: boolean } = {}): CelFailure[] {
  const plan = kindPlan(groupKind);
  if (!plan) return [];
  const failures: OrderedFailure[] = [];
  walkRules(withDefaults(object, plan.tree), plan.tree, [], options.interpretOnly === true, failures);
  if (failures.length === 0) return failures;
  // The walk meets nodes in document order; a stable sort by rule keeps that order per rule.
  failures.sort(byRuleOrder);
  return failures.map(({ rule, path, message }) => ({ rule, path, message }));
}

/** One error per failing rule and node (see failingCelRules), located on that node's YAML. */
export function checkCelRules(object: KubeObject, groupKind: string): Diagnostic[] {
  return failingCelRules(object, groupKind).map(({ path, message }) => {
    const subject = path.length ? `\`${formatPath(path)}\`` : 'the document';
    return diagnosticAt(object, path, { code: codes.celRule, message: `${subject}: ${message}` });
  });
}

/** The message of a failing rule, or undefined when the rule holds. */
function evaluate(planned: PlannedRule, self: unknown, interpretOnly: boolean): string | undefined {
  const rule = planned.rule;
  // The direct evaluation only ever confirms that a rule holds; a failing rule (rare) is
  // evaluated again by the interpreter, whose result and error messages the diagnostics quote.
  if (!interpretOnly) {
    if (planned.direct === undefined) planned.direct = directRule(rule.ast as EncodedExpr);
    if (planned.direct?.(self) === true) return undefined;
  }
  const bindings = { self: toCel(self) };
  const result = program(rule.ast as EncodedExpr)(bindings);
  if (result === true) return undefined;
  let message = rule.message ?? `failed rule: ${rule.rule}`;
  if (rule.messageAst) {
    const custom = program(rule.messageAst)(bindings);
    if (typeof custom === 'string' && custom.trim() !== '') message = custom;
  }
  // An evaluation error (a missing field the rule reads, say) also rejects the object.
  if (celLibrary().isCelError(result)) return `${message} (the rule could not be evaluated: ${result.message})`;
  return message;
}

// ---------------------------------------------------------------------------------------------
// Programs

const directRules = new WeakMap<EncodedExpr, DirectRule | null>();

/** The rule's direct form (see cel-direct.ts), or null when it uses something only the interpreter handles. */
function directRule(ast: EncodedExpr): DirectRule | null {
  let direct = directRules.get(ast);
  if (direct === undefined) {
    direct = compileDirect(ast, re2js) ?? null;
    directRules.set(ast, direct);
  }
  return direct;
}

type Program = (bindings: { self: unknown }) => CelResult;

const programs = new WeakMap<EncodedExpr, Program>();
let environment: CelEnv | undefined;

/** The planned program of a rule's precompiled expression (see cel-ast.ts). */
function program(ast: EncodedExpr): Program {
  let compiled = programs.get(ast);
  if (!compiled) {
    const { celEnv, plan } = celLibrary();
    environment ??= celEnv({ funcs: celExtensions().strings, re2: re2js });
    compiled = plan(environment, decodeExpr(ast)) as Program;
    programs.set(ast, compiled);
  }
  return compiled;
}

/**
 * Kubernetes evaluates `matches()` with RE2 (unanchored search), as re2js does. The library
 * would compile the pattern on every call; rules use a handful of patterns, compiled once.
 */
const compiledPatterns = new Map<string, { test(text: string): boolean }>();
const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const re2js = {
  compile(pattern: string) {
    let matcher = compiledPatterns.get(pattern);
    if (!matcher) {
      const regex = RE2JS.compile(pattern);
      const search = (text: string) => regex.matcher(text).find();
      // The same answers, natively, where cel-regex.ts shows the engines agree.
      const native = sameInJavaScript(pattern) ? new RegExp(pattern, 'u') : undefined;
      matcher = { test: native ? (text: string) => (unpairedSurrogate.test(text) ? search(text) : native.test(text)) : search };
      compiledPatterns.set(pattern, matcher);
    }
    return matcher;
  },
};

// ---------------------------------------------------------------------------------------------
// Values and paths

/**
 * CEL names Kubernetes escapes in field names (`namespace` is read as `self.__namespace__`).
 * Applied to every mapping key; keys of free-form maps (labels) are never reserved words in practice.
 */
const reserved = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

function celKey(key: string): string {
  return reserved.has(key) ? `__${key}__` : key;
}

/** A JSON value as the interpreter sees it: mappings become Maps with reserved names escaped. */
function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value !== 'object' || value === null) return value;
  const map = new Map<string, unknown>();
  for (const key in value) map.set(celKey(key), toCel((value as Record<string, unknown>)[key]));
  return map;
}

/** `spec.rules[*].filters[*]` → ['spec', 'rules', '*', 'filters', '*']. */
const parsedPaths = new Map<string, string[]>();
function parsePath(path: string): string[] {
  let segments = parsedPaths.get(path);
  if (!segments) {
    segments = path === '' ? [] : ruleNodeKey(path).split('.');
    parsedPaths.set(path, segments);
  }
  return segments;
}

/** A rule's fieldPath (`.spec.name`, `['key']`, `[0]`) as path segments. */
function parseFieldPath(fieldPath: string): Segment[] {
  const segments: Segment[] = [];
  for (const match of fieldPath.matchAll(/\.([A-Za-z0-9_]+)|\['([^']*)'\]|\[(\d+)\]/g)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(match[2]);
    else segments.push(Number(match[3]));
  }
  return segments;
}
