/**
 * The CEL stage of schema validation: the `x-kubernetes-validations` rules of the CRDs, which
 * the API server evaluates after the OpenAPI checks. The rules live in schemas/*.json (keyword
 * `x-egc-cel` on each kind's schema, with the data path of the node each rule is attached to);
 * scripts/build-validators.mjs parses them into generated/cel-rules.ts. Each rule is planned on
 * first use, so a run pays only for the rules of the nodes its input has.
 */
import { celEnv, isCelError, isCelMap, plan, type CelEnv, type CelResult } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from 're2js';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import { formatPath, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { KubeObject } from '../load/resource.js';
import { decodeExpr, type EncodedExpr } from './cel-ast.js';
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
export function failingCelRules(object: KubeObject, groupKind: string): CelFailure[] {
  const kind = celKind(groupKind);
  if (!kind || !kind.rules.some((rule) => !rule.skip)) return [];
  const defaulted = structuredClone(object);
  // Shallower defaults come first, so defaults inside a defaulted value apply too.
  for (const { path, value } of kind.defaults) {
    const segments = parsePath(path);
    const field = segments[segments.length - 1];
    for (const parent of nodesAt(defaulted, segments.slice(0, -1))) {
      if (isMapping(parent.value) && parent.value[field] === undefined) parent.value[field] = structuredClone(value);
    }
  }
  const failures: CelFailure[] = [];
  for (const rule of kind.rules) {
    if (rule.skip) continue;
    for (const node of nodesAt(defaulted, parsePath(rule.path))) {
      const message = evaluate(rule, node.value);
      if (message === undefined) continue;
      const path = rule.fieldPath ? [...node.path, ...parseFieldPath(rule.fieldPath)] : node.path;
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
function evaluate(rule: CelRuleSpec, self: unknown): string | undefined {
  const bindings = { self: toCel(self) };
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

function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (isMapping(value)) {
    return new Map(Object.entries(value).map(([key, child]) => [reserved.has(key) ? `__${key}__` : key, toCel(child)]));
  }
  return value;
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

/** Every node matching a rule path; `*` stands for each item of a list or value of a map. */
function nodesAt(root: unknown, segments: readonly string[]): { value: unknown; path: Segment[] }[] {
  let nodes: { value: unknown; path: Segment[] }[] = [{ value: root, path: [] }];
  for (const segment of segments) {
    const next: typeof nodes = [];
    for (const { value, path } of nodes) {
      if (segment === '*') {
        if (Array.isArray(value)) value.forEach((item, index) => next.push({ value: item, path: [...path, index] }));
        else if (isMapping(value)) for (const [key, item] of Object.entries(value)) next.push({ value: item, path: [...path, key] });
      } else if (isMapping(value) && value[segment] !== undefined && value[segment] !== null) {
        next.push({ value: value[segment], path: [...path, segment] });
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

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isCelMap(value);
}
