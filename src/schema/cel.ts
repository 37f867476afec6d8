/**
 * The CEL stage of schema validation: the `x-kubernetes-validations` rules of the CRDs, which
 * the API server evaluates after the OpenAPI checks. The rules live in schemas/*.json (keyword
 * `x-egc-cel` on each kind's schema, with the data path of the node each rule is attached to);
 * scripts/build-validators.mjs parses them into generated/cel-rules.ts. Each rule is planned on
 * first use, so a run pays only for the rules of the nodes its input has; most rules are first
 * evaluated directly (cel-direct.ts), and the interpreter runs only where that is not sure.
 */
import { celEnv, isCelError, plan, type CelEnv, type CelResult } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from 're2js';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import { formatPath, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { KubeObject } from '../load/resource.js';
import { decodeExpr, type EncodedExpr } from './cel-ast.js';
import { compileDirect, type DirectRule } from './cel-direct.js';
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
 * Evaluates the CEL rules of `object`'s kind (`group/Kind`) on every node they are attached to.
 * The rules see the object with the CRD defaults applied, as the API server evaluates them;
 * `object` itself is not changed.
 */
export function failingCelRules(object: KubeObject, groupKind: string, options: { interpretOnly?: boolean } = {}): CelFailure[] {
  const kind = celKind(groupKind);
  if (!kind || !kind.rules.some((rule) => !rule.skip)) return [];
  // One CEL value of the whole object serves every rule; the defaults go into it, not the object.
  const root = toCel(object);
  // Shallower defaults come first, so defaults inside a defaulted value apply too.
  for (const { path, value } of kind.defaults) {
    const segments = parsePath(path);
    const field = celKey(segments[segments.length - 1]);
    for (const parent of nodesAt(root, segments.slice(0, -1))) {
      if (parent.value instanceof Map && parent.value.get(field) === undefined) parent.value.set(field, toCel(value));
    }
  }
  const failures: CelFailure[] = [];
  // Many rules share a node path (a dozen on `spec.rules[*].filters[*]`): find its nodes once.
  const nodesByPath = new Map<string, CelNode[]>();
  for (const rule of kind.rules) {
    if (rule.skip) continue;
    let nodes = nodesByPath.get(rule.path);
    if (!nodes) nodesByPath.set(rule.path, (nodes = nodesAt(root, parsePath(rule.path))));
    for (const node of nodes) {
      const message = evaluate(rule, node.value, options.interpretOnly === true);
      if (message === undefined) continue;
      const nodePath = pathOf(node);
      const path = rule.fieldPath ? [...nodePath, ...parseFieldPath(rule.fieldPath)] : nodePath;
      failures.push({ rule, path, message });
    }
  }
  return failures;
}

/** One error per failing rule and node (see failingCelRules), located on that node's YAML. */
export function checkCelRules(object: KubeObject, groupKind: string): Diagnostic[] {
  return failingCelRules(object, groupKind).map(({ path, message }) => {
    const subject = path.length ? `\`${formatPath(path)}\`` : 'the document';
    return diagnosticAt(object, path, { code: codes.celRule, message: `${subject}: ${message}` });
  });
}

/** The message of a failing rule, or undefined when the rule holds. */
function evaluate(rule: CelRuleSpec, self: unknown, interpretOnly: boolean): string | undefined {
  // The direct evaluation only ever confirms that a rule holds; a failing rule (rare) is
  // evaluated again by the interpreter, whose result and error messages the diagnostics quote.
  if (!interpretOnly && directRule(rule.ast as EncodedExpr)?.(self) === true) return undefined;
  const bindings = { self };
  const result = program(rule.ast as EncodedExpr)(bindings);
  if (result === true) return undefined;
  let message = rule.message ?? `failed rule: ${rule.rule}`;
  if (rule.messageAst) {
    const custom = program(rule.messageAst)(bindings);
    if (typeof custom === 'string' && custom.trim() !== '') message = custom;
  }
  // An evaluation error (a missing field the rule reads, say) also rejects the object.
  if (isCelError(result)) return `${message} (the rule could not be evaluated: ${result.message})`;
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
    environment ??= celEnv({ funcs: strings, re2: re2js });
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
const re2js = {
  compile(pattern: string) {
    let matcher = compiledPatterns.get(pattern);
    if (!matcher) {
      const regex = RE2JS.compile(pattern);
      matcher = { test: (text: string) => regex.matcher(text).find() };
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

/** For each CEL map with escaped keys: escaped key → the key as written, for diagnostics' paths. */
const writtenKeys = new WeakMap<Map<string, unknown>, Map<string, string>>();

/** A JSON value as CEL sees it: mappings become Maps with reserved names escaped. */
function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value !== 'object' || value === null) return value;
  const map = new Map<string, unknown>();
  for (const key in value) {
    const escaped = celKey(key);
    map.set(escaped, toCel((value as Record<string, unknown>)[key]));
    if (escaped !== key) {
      let written = writtenKeys.get(map);
      if (!written) writtenKeys.set(map, (written = new Map()));
      written.set(escaped, key);
    }
  }
  return map;
}

/** `spec.rules[*].filters[*]` → ['spec', 'rules', '*', 'filters', '*']. */
const parsedPaths = new Map<string, string[]>();
function parsePath(path: string): string[] {
  let segments = parsedPaths.get(path);
  if (!segments) {
    segments = path === '' ? [] : path.replace(/\[\*\]/g, '.*').split('.');
    parsedPaths.set(path, segments);
  }
  return segments;
}

/** A node a rule path reaches; its path (fields as written in the YAML) is built only for failures. */
interface CelNode {
  value: unknown;
  parent?: CelNode;
  segment?: Segment;
}

function pathOf(node: CelNode): Segment[] {
  const path: Segment[] = [];
  for (let at: CelNode | undefined = node; at?.parent; at = at.parent) path.push(at.segment!);
  return path.reverse();
}

/** Every node of a CEL value matching a rule path; `*` stands for each item of a list or value of a map. */
function nodesAt(root: unknown, segments: readonly string[]): CelNode[] {
  let nodes: CelNode[] = [{ value: root }];
  for (const segment of segments) {
    const next: CelNode[] = [];
    for (const node of nodes) {
      const value = node.value;
      if (segment === '*') {
        if (Array.isArray(value)) value.forEach((item, index) => next.push({ value: item, parent: node, segment: index }));
        else if (value instanceof Map) {
          const written = writtenKeys.get(value);
          for (const [key, item] of value) next.push({ value: item, parent: node, segment: written?.get(key) ?? key });
        }
      } else if (value instanceof Map) {
        const item = value.get(celKey(segment));
        if (item !== undefined && item !== null) next.push({ value: item, parent: node, segment });
      }
    }
    nodes = next;
  }
  return nodes;
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
