// Compiles schemas/*.json into one precompiled validator module, so the CLI never compiles
// schemas at run time. Output: src/schema/generated/validators.ts (type-checking off for the
// generated part), which tsc compiles into build/ and esbuild bundles like any other source.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCel } from '@bufbuild/cel';
import { buildSync } from 'esbuild';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'schemas');
const outDir = join(root, 'src/schema/generated');

/** The annotation on each kind's schema naming the kind it validates and the versions it accepts. */
const kindKeyword = 'x-egc-kind';
/**
 * The CRD's CEL rules (`x-kubernetes-validations`) of a kind: a list of
 * { path, rule, message?, messageExpression?, fieldPath?, reason?, skip? } on the kind's schema,
 * `path` naming the node the rule is attached to (`spec.rules[*].filters[*]`), `skip` saying why
 * egc cannot evaluate it. Not part of the ajv schemas: they go to generated/cel-rules.ts.
 */
const celKeyword = 'x-egc-cel';
/** CRD defaults the CEL rules rely on (the API server applies them first): { path, value }. */
const celDefaultsKeyword = 'x-egc-cel-defaults';

export function loadSchemas() {
  return readdirSync(schemaDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ file: name, schema: JSON.parse(readFileSync(join(schemaDir, name), 'utf8')) }));
}

/** An ajv instance holding every schema; strict, so a typo in a schema keyword fails the build. */
export function createAjv(schemas, code = {}) {
  const ajv = new Ajv2020({
    allErrors: true,
    // Errors carry the failing schema and its parent: messages need the allowed names and bounds.
    verbose: true,
    strict: true,
    allowUnionTypes: true,
    code,
  });
  ajv.addKeyword({ keyword: kindKeyword, schemaType: 'object' });
  for (const { file, schema } of schemas) {
    if (typeof schema.$id !== 'string') throw new Error(`schemas/${file} has no $id`);
    refuseAlternatives(schema, `schemas/${file}`);
    ajv.addSchema(withoutCel(schema));
  }
  return ajv;
}

/**
 * ajv reports every failing branch of an anyOf/oneOf, which reads as several contradicting
 * messages for one field; schemas express alternatives with type unions and optional fields instead.
 */
function refuseAlternatives(schema, where) {
  if (Array.isArray(schema)) schema.forEach((item) => refuseAlternatives(item, where));
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'anyOf' || key === 'oneOf') throw new Error(`${where}: ${key} is not allowed (see build-validators.mjs)`);
      refuseAlternatives(value, where);
    }
  }
}

function withoutCel(schema) {
  const { [celKeyword]: _rules, [celDefaultsKeyword]: _defaults, ...rest } = schema;
  return rest;
}

/**
 * The CEL rules and defaults of every kind schema, checked: each path must lead through the
 * schema (a typo would silently never match). compiledRules parses the rules.
 */
export function celEntries(schemas) {
  const byId = new Map(schemas.map(({ schema }) => [schema.$id, schema]));
  const entries = [];
  for (const { file, schema } of schemas) {
    const info = schema[kindKeyword];
    if (!info) continue;
    const rules = schema[celKeyword] ?? [];
    const defaults = schema[celDefaultsKeyword] ?? [];
    for (const rule of rules) {
      const where = `schemas/${file} ${celKeyword} ${rule.path} \`${rule.rule}\``;
      for (const key of Object.keys(rule)) {
        if (!['path', 'rule', 'message', 'messageExpression', 'fieldPath', 'reason', 'skip'].includes(key)) throw new Error(`${where}: unknown key ${key}`);
      }
      checkPath(schema, rule.path, byId, where);
    }
    for (const entry of defaults) checkPath(schema, entry.path, byId, `schemas/${file} ${celDefaultsKeyword} ${entry.path}`);
    entries.push({ file, key: `${info.group}/${info.kind}`, kind: info.kind, rules, defaults, fromCrd: celKeyword in schema });
  }
  return entries;
}

/** A CEL expression parsed now, in the compact form src/schema/cel-ast.ts decodes. */
function compileCel(expression, where) {
  let parsed;
  try {
    parsed = parseCel(expression);
  } catch (error) {
    throw new Error(`${where}: ${error.message}`);
  }
  return encodeExpr(parsed.expr);
}

/** The encoder of src/schema/cel-ast.ts's format (see there). */
function encodeExpr(expr) {
  const id = Number(expr.id);
  const kind = expr.exprKind;
  const child = (node) => (node ? encodeExpr(node) : null);
  switch (kind.case) {
    case 'constExpr': {
      const { case: type, value } = kind.value.constantKind;
      const short = { nullValue: 'n', boolValue: 'b', int64Value: 'i', uint64Value: 'u', doubleValue: 'd', stringValue: 's', bytesValue: 'y' }[type];
      if (!short) throw new Error(`CEL constant ${type} is not supported`);
      if (short === 'n') return ['c', id, 'n'];
      if (short === 'i' || short === 'u') return ['c', id, short, String(value)];
      if (short === 'y') return ['c', id, 'y', Buffer.from(value).toString('base64')];
      return ['c', id, short, value];
    }
    case 'identExpr':
      return ['i', id, kind.value.name];
    case 'selectExpr':
      return ['s', id, child(kind.value.operand), kind.value.field, kind.value.testOnly ? 1 : 0];
    case 'callExpr':
      return kind.value.target
        ? ['f', id, kind.value.function, kind.value.args.map(encodeExpr), encodeExpr(kind.value.target)]
        : ['f', id, kind.value.function, kind.value.args.map(encodeExpr)];
    case 'listExpr':
      return ['l', id, kind.value.elements.map(encodeExpr), kind.value.optionalIndices];
    case 'structExpr':
      return [
        'm',
        id,
        kind.value.messageName,
        kind.value.entries.map((entry) => [
          Number(entry.id),
          entry.keyKind.case === 'fieldKey' ? 'f' : 'k',
          entry.keyKind.case === 'fieldKey' ? entry.keyKind.value : encodeExpr(entry.keyKind.value),
          encodeExpr(entry.value),
          entry.optionalEntry ? 1 : 0,
        ]),
      ];
    case 'comprehensionExpr': {
      const c = kind.value;
      return ['x', id, c.iterVar, c.iterVar2, child(c.iterRange), c.accuVar, child(c.accuInit), child(c.loopCondition), child(c.loopStep), child(c.result)];
    }
    default:
      throw new Error(`CEL expression kind ${kind.case} is not supported`);
  }
}

/** The rules as the generated module lists them: each evaluated expression precompiled. */
function compiledRules(file, rules) {
  return rules.map((rule) => {
    if (rule.skip) return rule;
    const where = `schemas/${file} ${celKeyword} ${rule.path} \`${rule.rule}\``;
    const compiled = { ...rule, ast: compileCel(rule.rule, where) };
    if (rule.messageExpression) compiled.messageAst = compileCel(rule.messageExpression, where);
    return compiled;
  });
}

/** Follows a rule path through a schema ($refs, properties, items, map values); throws where it leaves it. */
function checkPath(root, path, byId, where) {
  const segments = path === '' ? [] : path.replace(/\[\*\]/g, '.*').split('.');
  let node = root;
  let base = root;
  for (const segment of segments) {
    for (;;) {
      if (typeof node.$ref !== 'string' || node.properties || node.items || typeof node.additionalProperties === 'object') break;
      const [file, pointer = ''] = node.$ref.split('#');
      if (file) base = byId.get(new URL(file, base.$id).href);
      if (!base) throw new Error(`${where}: unresolved $ref ${node.$ref}`);
      node = pointer.split('/').slice(1).reduce((n, key) => n?.[key], base);
      if (!node) throw new Error(`${where}: unresolved $ref ${node.$ref}`);
    }
    let next;
    if (segment === '*') next = node.items ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    else next = node.properties?.[segment];
    // A free-form node (no declared fields) accepts any path below it.
    if (next === undefined && !node.properties && !node.items && node.additionalProperties !== false) return;
    if (next === undefined) throw new Error(`${where}: the schema has no \`${segment}\` there`);
    node = next;
  }
}

/** Kind schemas (those with the kind annotation), each with a valid JS identifier for its export. */
export function kindEntries(schemas) {
  return schemas
    .filter(({ schema }) => schema[kindKeyword])
    .map(({ file, schema }) => {
      const info = schema[kindKeyword];
      return {
        file,
        id: schema.$id,
        exportName: `validate${info.kind}`,
        group: info.group,
        kind: info.kind,
        versions: info.versions,
        legacyVersions: info.legacyVersions ?? [],
      };
    });
}

function build() {
  const schemas = loadSchemas();
  const ajv = createAjv(schemas, { source: true, esm: true });
  const entries = kindEntries(schemas);
  const seen = new Set();
  for (const entry of entries) {
    const key = `${entry.group}/${entry.kind}`;
    if (seen.has(key)) throw new Error(`two schemas claim ${key}`);
    seen.add(key);
  }
  const exports = Object.fromEntries(entries.map((entry) => [entry.exportName, entry.id]));
  const code = standaloneCode(ajv, exports);
  const kinds = entries.map(({ group, kind, versions, legacyVersions, file, exportName }) => ({ group, kind, versions, legacyVersions, file, exportName }));
  const typed = [
    '',
    '// Typed views of the generated functions, for the code that uses them.',
    'export interface GeneratedError {',
    '  instancePath: string;',
    '  schemaPath: string;',
    '  keyword: string;',
    '  params: Record<string, any>;',
    '  message?: string;',
    '  schema?: unknown;',
    '  parentSchema?: Record<string, any>;',
    '  data?: unknown;',
    '}',
    'export interface GeneratedValidator {',
    '  (data: unknown): boolean;',
    '  errors?: GeneratedError[] | null;',
    '}',
    'export interface GeneratedKind {',
    '  group: string;',
    '  kind: string;',
    '  versions: string[];',
    '  legacyVersions: string[];',
    '  file: string;',
    '  exportName: string;',
    '}',
    `export const kinds: GeneratedKind[] = ${JSON.stringify(kinds, null, 2)};`,
    `export const validators: Record<string, GeneratedValidator> = { ${entries.map((e) => `${e.exportName}: ${e.exportName}`).join(', ')} };`,
    '',
  ].join('\n');
  // ajv's generated code calls its runtime helper for string lengths (counted in code points, as
  // Kubernetes counts them); a local equivalent keeps the module free of imports.
  const lengthHelper = 'require("ajv/dist/runtime/ucs2length").default';
  let body = code.replace(/^"use strict";/, '').split(lengthHelper).join('codePointLength');
  // A string of n UTF-16 units has between n/2 and n code points: most strings are settled by
  // their length, without counting (every bounded string of every object is checked).
  const helper = /const (func\d+) = codePointLength;/.exec(body)?.[1];
  if (helper) {
    body = body.replace(new RegExp(`${helper}\\((data\\d+)\\) ([<>]) (\\d+)\\b`, 'g'), (_, data, operator, bound) =>
      operator === '>' ? `(${data}.length > ${bound} && ${helper}(${data}) > ${bound})` : `(${data}.length < ${2 * Number(bound)} && ${helper}(${data}) < ${bound})`,
    );
  }
  const leftover = body.match(/require\([^)]*\)/);
  if (leftover) throw new Error(`generated validators need a runtime helper this script does not provide: ${leftover[0]}`);
  const header = [
    '// GENERATED by scripts/build-validators.mjs from schemas/*.json. Do not edit.',
    '// @ts-nocheck',
    '// A surrogate pair is one code point, a lone surrogate one too (as ajv counts). A loop over',
    '// char codes rather than a string iterator, which is slow until V8 optimises it. Called only',
    '// for strings whose length in UTF-16 units does not settle their bound.',
    'function codePointLength(text) {',
    '  let length = text.length;',
    '  for (let index = 0; index < text.length - 1; index++) {',
    '    const code = text.charCodeAt(index);',
    '    if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {',
    '      length--;',
    '      index++;',
    '    }',
    '  }',
    '  return length;',
    '}',
    '',
  ].join('\n');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'validators.ts'), header + body + '\n' + typed);
  buildCel(celEntries(schemas));
}

function buildCel(entries) {
  // Each kind's table is JSON text, parsed when an object of that kind is first checked: a run
  // pays for the rules of the kinds in its input only, and JSON.parse is cheaper than compiling
  // the same data as a JavaScript literal.
  const compiled = entries.filter((e) => e.rules.length).map((entry) => ({ ...entry, rules: compiledRules(entry.file, entry.rules) }));
  const tables = compiled.map(({ key, rules, defaults }) => `  ${JSON.stringify(key)}: ${singleQuoted(JSON.stringify({ rules, defaults }))},`);
  const module = [
    '// GENERATED by scripts/build-validators.mjs from the x-egc-cel keywords of schemas/*.json. Do not edit.',
    "import type { EncodedExpr } from '../cel-ast.js';",
    '',
    'export interface CelRuleSpec {',
    '  /** The node the rule is attached to: `spec.rules[*].filters[*]` (`[*]`: each list item or map value). */',
    '  path: string;',
    '  rule: string;',
    '  message?: string;',
    '  messageExpression?: string;',
    '  fieldPath?: string;',
    '  reason?: string;',
    '  /** Why egc does not evaluate the rule. */',
    '  skip?: string;',
    '  /** `rule` parsed at build time, in the form src/schema/cel-ast.ts decodes. */',
    '  ast?: EncodedExpr;',
    '  /** `messageExpression`, likewise. */',
    '  messageAst?: EncodedExpr;',
    '}',
    'export interface CelKind {',
    '  rules: CelRuleSpec[];',
    '  /** CRD defaults the rules rely on, shallowest first: { path, value }. */',
    '  defaults: { path: string; value: unknown }[];',
    '}',
    '/** Per `group/Kind`, its CelKind as JSON text. */',
    'export const celKindTables: Record<string, string> = {',
    ...tables,
    '};',
    '',
  ].join('\n');
  writeFileSync(join(outDir, 'cel-rules.ts'), module);
  writeFileSync(join(outDir, 'cel-direct-rules.ts'), directRulesModule(compiled));
  writeFileSync(join(root, 'docs/cel-rules.md'), celReport(entries));
}

/**
 * generated/cel-direct-rules.ts: per kind and per node with rules (ruleNodeKey of its rule path),
 * the code testing that all of the node's rules hold, from src/schema/cel-codegen.ts.
 * A node with a rule the direct evaluation does not handle has none. `entries` hold compiledRules.
 */
function directRulesModule(entries) {
  const { directSource, ruleNodeKey } = celCodegen();
  const kinds = [];
  for (const { key, rules } of entries) {
    const byNode = new Map();
    for (const rule of rules) {
      if (rule.skip) continue;
      const node = ruleNodeKey(rule.path);
      if (!byNode.has(node)) byNode.set(node, []);
      byNode.get(node).push(rule.ast);
    }
    const nodes = [];
    for (const [node, asts] of byNode) {
      const source = directSource(asts, 'all');
      if (source !== undefined) nodes.push(`    ${JSON.stringify(node)}: ${source},`);
    }
    if (nodes.length > 0) kinds.push(`  ${JSON.stringify(key)}: {`, ...nodes, '  },');
  }
  return [
    '// GENERATED by scripts/build-validators.mjs from the x-egc-cel keywords of schemas/*.json. Do not edit.',
    '// @ts-nocheck',
    "import type { DirectCode } from '../cel-direct.js';",
    '',
    '/** Per `group/Kind`, per node (its rule path), the code testing that all its rules hold. */',
    'export const celDirectRules: Record<string, Record<string, DirectCode>> = {',
    ...kinds,
    '};',
    '',
  ].join('\n');
}

/** src/schema/cel-codegen.ts, compiled now: the same code writes rules at build time and at run time. */
function celCodegen() {
  const { outputFiles } = buildSync({
    entryPoints: [join(root, 'src/schema/cel-codegen.ts')],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    write: false,
    logLevel: 'warning',
  });
  const module = { exports: {} };
  new Function('module', 'exports', outputFiles[0].text)(module, module.exports);
  return module.exports;
}

function singleQuoted(text) {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** docs/cel-rules.md: per kind, how many CEL rules egc evaluates, and the ones it skips. */
function celReport(entries) {
  const lines = [
    '# CEL validation rules',
    '',
    '<!-- GENERATED by scripts/build-validators.mjs from the x-egc-cel keywords of schemas/*.json. Do not edit. -->',
    '',
    'The Gateway API v1.2.0 and Envoy Gateway v1.2.0 CRDs carry CEL rules (`x-kubernetes-validations`)',
    'that the API server enforces. egc carries them in its schemas and evaluates them offline',
    '(diagnostic EGC2008); an object failing one is left out of the translation, as the API server',
    'would have refused it. `test/cel.test.ts` checks this list against the CRDs and triggers every',
    'evaluated rule.',
    '',
    '| Kind | Rules in the CRD | Evaluated | Skipped |',
    '| --- | ---: | ---: | ---: |',
  ];
  let total = 0;
  let evaluated = 0;
  // Kinds without a CRD (core Kubernetes kinds, the EnvoyGateway config file) have no CEL rules.
  const sorted = entries.filter((e) => e.fromCrd).sort((a, b) => a.kind.localeCompare(b.kind));
  for (const { kind, rules } of sorted) {
    const active = rules.filter((r) => !r.skip).length;
    total += rules.length;
    evaluated += active;
    lines.push(`| ${kind} | ${rules.length} | ${active} | ${rules.length - active} |`);
  }
  lines.push(`| **Total** | **${total}** | **${evaluated}** | **${total - evaluated}** |`, '', '## Skipped rules', '');
  for (const { kind, rules } of sorted) {
    for (const rule of rules.filter((r) => r.skip)) lines.push(`- ${kind} \`${rule.path}\`: \`${rule.rule}\` — ${rule.skip}.`);
  }
  return lines.join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build();
