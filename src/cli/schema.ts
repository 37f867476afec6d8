/**
 * `egc schema [KIND]`: the JSON Schema egc validates a kind against, for editors (e.g. the
 * `# yaml-language-server: $schema=...` modeline), or an index of every kind. A printed schema
 * is self-contained: `$ref`s into other schema files are inlined as local `$defs`, so the file
 * works where it is saved, with no sibling files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { compareText } from '../collate.js';
import { InternalError } from '../diagnostics/diagnostic.js';
import { knownKinds, schemaFor } from '../schema/validate.js';
import { closest } from '../schema/suggest.js';
import { UsageError } from './usage.js';

type Schema = Record<string, unknown>;

/** `file.json#/$defs/name` or `#/$defs/name`. */
const definitionRef = /^([\w.-]+\.json)?#\/\$defs\/([^/]+)$/;

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of a kind (for editors), or list the kinds egc knows')
    .argument('[kind]', 'a kind, e.g. HTTPRoute (case-insensitive)')
    .action((kind: string | undefined) => {
      process.stdout.write(kind ? `${JSON.stringify(selfContainedSchema(kind), null, 2)}\n` : kindIndex());
    });
}

/** `KIND  apiVersion, apiVersion`, one kind a line, sorted by kind. */
export function kindIndex(): string {
  const versions = new Map<string, string[]>();
  for (const { apiVersion, kind } of knownKinds()) versions.set(kind, [...(versions.get(kind) ?? []), apiVersion]);
  const kinds = [...versions.keys()].sort();
  const width = Math.max(...kinds.map((k) => k.length));
  return `${kinds.map((kind) => `${kind.padEnd(width)}  ${versions.get(kind)!.join(', ')}`).join('\n')}\n`;
}

/**
 * The kind's schema with every definition it uses from other schema files (common.json, and a
 * few kinds that share another kind's types) copied into its own `$defs` as `file.name`
 * (e.g. `common.metadata`); a `.` cannot clash with the camelCase names of its own defs.
 */
export function selfContainedSchema(kind: string): Schema {
  const names = [...new Set(knownKinds().map((k) => k.kind))];
  const schema = schemaFor(kind) as Schema | undefined;
  if (!schema) {
    if (names.some((name) => name.toLowerCase() === kind.toLowerCase())) throw new InternalError(`the schema file of ${kind} is missing from egc's schemas/ folder`);
    const guess = closest(kind, names);
    throw new UsageError(`unknown kind \`${kind}\`${guess ? `; did you mean \`${guess}\`?` : ''} (\`egc schema\` lists the kinds)`);
  }
  const ownFile = String(schema.$id ?? '').split('/').pop() ?? '';
  const folder = schemaFolder();
  const files = new Map<string, Schema>();
  const defsOf = (file: string): Schema => {
    if (!files.has(file)) files.set(file, JSON.parse(readFileSync(join(folder, file), 'utf8')) as Schema);
    return (files.get(file)!.$defs ?? {}) as Schema;
  };
  const localName = (file: string, name: string) => `${file.replace(/\.json$/, '')}.${name}`;
  const pending: [file: string, name: string][] = [];
  const inlined = new Set<string>();

  /** Rewrites refs in a value from `file` (the kind's own file when it is ownFile). */
  const rewrite = (value: unknown, file: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => rewrite(item, file));
    if (value === null || typeof value !== 'object') return value;
    const out: Schema = {};
    for (const [key, child] of Object.entries(value)) out[key] = key === '$ref' && typeof child === 'string' ? rewriteRef(child, file) : rewrite(child, file);
    return out;
  };
  const rewriteRef = (ref: string, file: string): string => {
    const match = definitionRef.exec(ref);
    if (!match) throw new InternalError(`schema of ${kind}: cannot inline the reference ${ref}`);
    const target = match[1] ?? file;
    const name = match[2]!;
    if (target === ownFile) return `#/$defs/${name}`;
    if (!(name in defsOf(target))) throw new InternalError(`schema of ${kind} refers to ${ref}, which ${target} does not define`);
    const local = localName(target, name);
    if (!inlined.has(local)) {
      inlined.add(local);
      pending.push([target, name]);
    }
    return `#/$defs/${local}`;
  };

  const result = rewrite(schema, ownFile) as Schema;
  const defs: Schema = { ...((result.$defs as Schema | undefined) ?? {}) };
  for (let next = pending.shift(); next; next = pending.shift()) {
    const [file, name] = next;
    defs[localName(file, name)] = rewrite(defsOf(file)[name], file);
  }
  result.$defs = Object.fromEntries(Object.entries(defs).sort(([a], [b]) => compareText(a, b)));
  return result;
}

/** egc's schemas/ folder, found the way schemaFor finds it: in the nearest ancestor that has one. */
function schemaFolder(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(directory, 'schemas');
    if (existsSync(join(candidate, 'common.json'))) return candidate;
    const parent = dirname(directory);
    if (parent === directory) throw new InternalError('schemas/ not found next to egc');
    directory = parent;
  }
}
