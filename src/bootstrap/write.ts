import { Document, stringify } from 'yaml';

export type OutputFormat = 'yaml' | 'json';

const yamlOptions = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** One value as YAML or pretty JSON; the same value always serialises to the same bytes. */
export function serialize(value: unknown, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  return fastYaml(value) ?? stringify(value, yamlOptions);
}

/** Several values as one stream: a YAML multi-document stream, or a JSON array. */
export function serializeAll(values: readonly unknown[], format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(values, null, 2)}\n`;
  return values.map((value) => serialize(value, 'yaml')).join('---\n');
}

/*
 * The yaml package builds a node tree of the whole value before writing it, which for the
 * bootstrap of thousands of routes costs seconds and hundreds of megabytes. Plain JSON data
 * (objects, arrays, strings, numbers, booleans, null) is written here directly, byte for byte
 * as `stringify(value, yamlOptions)` writes it (block style, two-space indent, sequences
 * indented under their key, no line folding). Anything whose form depends on context the
 * simple writer does not track (multi-line or control characters, document markers, very
 * long keys, non-plain objects) makes it give up, and the yaml package writes the value.
 */
class Unsupported extends Error {}

/** Scalars that would read back as something else than a string (core schema: null, bool, numbers). */
const otherTypeTests: RegExp[] = new Document(null).schema.tags
  .filter((tag) => tag.default === true && tag.tag !== 'tag:yaml.org,2002:str')
  .flatMap((tag) => ((tag as { test?: RegExp }).test ? [(tag as { test?: RegExp }).test!] : []));

// The yaml package's rule for strings that cannot be plain (stringifyString.js, plainString).
const cannotBePlain = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
// Tabs, control characters and surrogates are written in context-dependent ways; so are
// strings starting with a document marker.
// eslint-disable-next-line no-control-regex
const contextDependent = /[\t\x00-\x09\x0b-\x1f\x7f-\x9f\uD800-\uDFFF]|^(---|\.\.\.)/;
const maxKeyLength = 1000;

/** A string; `indent` is where the lines of a block scalar go (the value's own indent). */
/**
 * Strings that may read back as another type: every core schema pattern (null, booleans,
 * numbers, `.inf`, `.nan`) matches only the empty string or one starting with one of these
 * characters. A cheap first test before the patterns themselves.
 */
const mayBeOtherType = /^$|^[-+.~0-9nNtTfF]/;

function stringYaml(value: string, indent: string, isKey: boolean): string {
  if (contextDependent.test(value)) throw new Unsupported();
  if (value.includes('\n')) {
    if (isKey || indent === '') throw new Unsupported();
    return literalBlock(value, indent);
  }
  if (!cannotBePlain.test(value) && !(mayBeOtherType.test(value) && otherTypeTests.some((test) => test.test(value)))) return value;
  // Single quotes only when that avoids escaping double quotes, as the yaml package does.
  return value.includes('"') && !value.includes("'") ? `'${value}'` : JSON.stringify(value);
}

/**
 * A multi-line string as a literal block scalar (`|`), as the yaml package writes it with no
 * line width: "clip" chomping for one final line break, "strip" (`|-`) for none.
 */
function literalBlock(value: string, indent: string): string {
  // Leading blanks need an indentation indicator, trailing blanks after a break are written
  // double-quoted, several trailing breaks need "keep" chomping, and document markers at a line
  // start need extra indent: all rare, all left to the yaml package.
  const trailing = /[\n ]*$/.exec(value)![0];
  const trailingBreaks = trailing.split('\n').length - 1;
  if (/^[ \n]/.test(value) || /\n[ ]+$/.test(value) || trailingBreaks > 1 || (trailingBreaks === 1 && !trailing.endsWith('\n')) || /^(%|---|\.\.\.)/m.test(value)) {
    throw new Unsupported();
  }
  // One final line break is "clip" chomping (no indicator); none is "strip" (`-`).
  const body = trailingBreaks === 1 ? value.slice(0, -1) : value;
  return `|${trailingBreaks === 1 ? '' : '-'}\n${indent}${body.replace(/\n+/g, `$&${indent}`)}`;
}

function scalarYaml(value: unknown, indent: string): string {
  switch (typeof value) {
    case 'string':
      return stringYaml(value, indent, false);
    case 'number':
      if (!Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';
      return Object.is(value, -0) ? '-0' : JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return String(value);
    default:
      if (value === null || value === undefined) return 'null';
      throw new Unsupported();
  }
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Whether an object has a key the yaml package writes: it drops keys whose value is undefined. */
function hasDefinedEntry(object: Record<string, unknown>): boolean {
  for (const key in object) if (object[key] !== undefined) return true;
  return false;
}

/**
 * The text being written. A bootstrap is millions of short pieces: joined a few thousand at a
 * time, they die young instead of all living until the end, which halves the peak memory.
 */
class Output {
  private readonly chunks: string[] = [];
  private pieces: string[] = [];

  push(piece: string): void {
    this.pieces.push(piece);
    if (this.pieces.length === 4096) {
      this.chunks.push(this.pieces.join(''));
      this.pieces = [];
    }
  }

  text(): string {
    this.chunks.push(this.pieces.join(''));
    this.pieces = [];
    return this.chunks.join('');
  }
}

/** Indentation by depth, made once rather than per value. */
const indents: string[] = [''];
function indentOf(depth: number): string {
  while (indents.length <= depth) indents.push(`${indents[indents.length - 1]}  `);
  return indents[depth];
}

/** Map keys as written (`key:`); the same few hundred field names repeat throughout a bootstrap. */
const writtenKeys = new Map<string, string>();
function keyYaml(key: string): string {
  let written = writtenKeys.get(key);
  if (written === undefined) {
    if (key.length > maxKeyLength) throw new Unsupported();
    // Keys are never block scalars (stringYaml refuses multi-line keys), so indent does not matter.
    written = `${stringYaml(key, '', true)}:`;
    if (writtenKeys.size < 10_000) writtenKeys.set(key, written);
  }
  return written;
}

/**
 * A value after its key or dash (`head`, the line so far). Scalars and empty collections stay on
 * that line; a mapping or sequence after a key starts on the next line, after a dash on the same
 * line. `depth` is the indentation level of the value's own lines.
 */
function writeValue(value: unknown, depth: number, out: Output, head: string, afterDash: boolean): void {
  if (value === null || typeof value !== 'object') {
    out.push(`${head} ${scalarYaml(value, indentOf(depth))}\n`);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${head} []\n`);
    else if (afterDash) writeSequence(value, depth, out, `${head} `);
    else {
      out.push(`${head}\n`);
      writeSequence(value, depth, out, indentOf(depth));
    }
    return;
  }
  if (!isPlainObject(value)) throw new Unsupported();
  if (!hasDefinedEntry(value)) out.push(`${head} {}\n`);
  else if (afterDash) writeMap(value, depth, out, `${head} `);
  else {
    out.push(`${head}\n`);
    writeMap(value, depth, out, indentOf(depth));
  }
}

/** A mapping (with a defined entry) with keys at `depth`; the first key's line starts with `lead` instead. */
function writeMap(object: Record<string, unknown>, depth: number, out: Output, lead: string): void {
  const indent = indentOf(depth);
  let first = true;
  for (const key in object) {
    const value = object[key];
    if (value === undefined) continue;
    writeValue(value, depth + 1, out, `${first ? lead : indent}${keyYaml(key)}`, false);
    first = false;
  }
}

/** A sequence with dashes at `depth` (under a key, one step in); the first line starts with `lead`. */
function writeSequence(items: readonly unknown[], depth: number, out: Output, lead: string): void {
  const indent = indentOf(depth);
  for (let i = 0; i < items.length; i++) writeValue(items[i], depth + 1, out, `${i === 0 ? lead : indent}-`, true);
}

function fastYaml(value: unknown): string | undefined {
  const out = new Output();
  try {
    if (value !== null && typeof value === 'object') {
      if (Array.isArray(value)) {
        if (value.length === 0) return '[]\n';
        writeSequence(value, 0, out, '');
      } else {
        if (!isPlainObject(value)) return undefined;
        if (!hasDefinedEntry(value)) return '{}\n';
        writeMap(value, 0, out, '');
      }
    } else if (value !== undefined) return `${scalarYaml(value, '')}\n`;
    else return undefined;
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  return out.text();
}
