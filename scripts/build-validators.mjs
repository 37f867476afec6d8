// Compiles schemas/*.json into one precompiled validator module, so the CLI never compiles
// schemas at run time. Output: src/schema/generated/validators.ts (type-checking off for the
// generated part), which tsc compiles into build/ and esbuild bundles like any other source.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'schemas');
const outDir = join(root, 'src/schema/generated');

/** The annotation on each kind's schema naming the kind it validates and the versions it accepts. */
const kindKeyword = 'x-egc-kind';

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
    ajv.addSchema(schema);
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
  const body = code.replace(/^"use strict";/, '').split(lengthHelper).join('codePointLength');
  const leftover = body.match(/require\([^)]*\)/);
  if (leftover) throw new Error(`generated validators need a runtime helper this script does not provide: ${leftover[0]}`);
  const header = [
    '// GENERATED by scripts/build-validators.mjs from schemas/*.json. Do not edit.',
    '// @ts-nocheck',
    'function codePointLength(text) {',
    '  let length = 0;',
    '  for (const _ of text) length++;',
    '  return length;',
    '}',
    '',
  ].join('\n');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'validators.ts'), header + body + '\n' + typed);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build();
