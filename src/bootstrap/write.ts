import { closeSync, openSync, writeSync } from 'node:fs';
import { Document, stringify } from 'yaml';

export type OutputFormat = 'yaml' | 'json';

/**
 * How egc lays out YAML, as the `yaml` package's options: no line folding, repeated objects
 * written out (no anchors), and a sequence under a key at the key's own indentation (`key:` then
 * `- item`), as egctl (Go's YAML) and kubectl write it. Besides matching what Envoy Gateway users
 * see, that layout keeps a route table at the same indentation under a listener's
 * `defaultFilterChain` and in its `filterChains`, so a route both share is written once and
 * copied (see writeYaml).
 */
export const yamlLayout = { lineWidth: 0, aliasDuplicateObjects: false, indentSeq: false } as const;

/**
 * Where written YAML goes as UTF-8, in chunks of up to a megabyte, in order. A chunk's bytes are
 * only valid during the call (the buffer is reused).
 */
export interface ByteSink {
  write(bytes: Uint8Array): void;
}

/** One value as YAML or pretty JSON; the same value always serialises to the same bytes. */
export function serialize(value: unknown, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  // The yaml package gives undefined (typed as a string) for undefined.
  if (value === undefined) return stringify(value, yamlLayout);
  const chunks: string[] = [];
  // Chunks end between characters: each is valid UTF-8 on its own.
  writeYaml(value, { write: (bytes) => chunks.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')) });
  return chunks.length === 1 ? chunks[0] : chunks.join('');
}

/** Several values as one stream: a YAML multi-document stream, or a JSON array. */
export function serializeAll(values: readonly unknown[], format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(values, null, 2)}\n`;
  return values.map((value) => serialize(value, 'yaml')).join('---\n');
}

/**
 * One value as YAML into `sink`, a megabyte at a time, so that the text of a large value never
 * exists as one string. The bytes are those of `serialize(value, 'yaml')` in UTF-8.
 *
 * `repeated` names objects that occur more than once in the value (routes shared by route
 * configurations): as a sequence item, such an object's text is kept the first time, and copied
 * wherever it comes again at the same indentation. It changes no byte of the output.
 */
export function writeYaml(value: unknown, sink: ByteSink, repeated?: ReadonlySet<object>): void {
  const writer = new Writer(sink, repeated);
  try {
    writer.writeTop(value);
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    // The yaml package writes the value instead. What has gone to the sink already is the start
    // of its text: both write entries in order, each entry's text depends only on the entry and
    // its indentation, and the fast writer gives up at the latest after an entry's key and `: `
    // or its dash, which the yaml package writes the same way whatever the value. (serialize()
    // goes through here too, so every test comparing it with the yaml package checks this.)
    writer.finish(stringify(value, yamlLayout));
    return;
  }
  writer.finish(undefined);
}

/*
 * The yaml package builds a node tree of the whole value before writing it, which for the
 * bootstrap of thousands of routes costs seconds and hundreds of megabytes. Plain JSON data
 * (objects, arrays, strings, numbers, booleans, null) is written here directly, byte for byte
 * as `stringify(value, yamlLayout)` writes it (block style, two-space indent, sequences at
 * their key's indentation, no line folding). Anything whose form depends on context the
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

/**
 * Strings that may read back as another type: every core schema pattern (null, booleans,
 * numbers, `.inf`, `.nan`) matches only the empty string or one starting with one of these
 * characters. A cheap first test before the patterns themselves.
 */
const mayBeOtherType = /^$|^[-+.~0-9nNtTfF]/;

function isOtherType(value: string): boolean {
  for (const test of otherTypeTests) if (test.test(value)) return true;
  return false;
}

/**
 * First characters of strings the quick scan may call plain: printable ASCII except space, the
 * indicator characters of the yaml package's rule, and `-`, `?`, `.`, `:` (whose strings the
 * full rule decides: `- x`, `---`, `...`).
 */
const plainStart = new Uint8Array(128);
for (let code = 0x21; code < 0x7f; code++) plainStart[code] = 1;
for (const indicator of ",[]{}#&*!|>'\"%@`-?.:") plainStart[indicator.charCodeAt(0)] = 0;

const space = 0x20;
const hash = 0x23;
const colon = 0x3a;

/**
 * Strings at least this long are encoded by one native call, shorter ones a character at a time
 * (measured: below this, the call costs more than the loop). The native call also reads a rope
 * (what V8 makes of a concatenation this long) without an indirection per character.
 */
const minEncodedLength = 13;

/**
 * Copies `value` into `buffer` at `at` and gives the end, when the yaml package writes it plain
 * and one pass over the copied bytes shows it; otherwise -1, and the full rule decides (bytes
 * after `at` may have been overwritten). Plain here: printable ASCII, a first character from
 * `plainStart`, no `: ` or ` #`, no space or colon at the end, and not a core schema look-alike.
 * The patterns of those (null, true/false, numbers) start with a digit, `+`, `~`, or are a word
 * of at most five letters starting with n, t or f; other first characters need no test.
 */
function copyPlain(value: string, buffer: Buffer, at: number): number {
  const length = value.length;
  if (length === 0) return -1;
  if (length < minEncodedLength) {
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      // A byte would keep only the low bits of a larger code.
      if (code > 0x7e) return -1;
      buffer[at + i] = code;
    }
    // At most a byte per UTF-16 unit: a character of more bytes makes the write stop short.
  } else if (buffer.write(value, at, length, 'utf8') !== length) return -1;
  const first = buffer[at];
  if (plainStart[first] === 0) return -1;
  const last = at + length - 1;
  for (let i = at + 1; i <= last; i++) {
    const code = buffer[i];
    if (code < space || code > 0x7e) return -1;
    if (code === space && (i === last || buffer[i - 1] === colon || buffer[i + 1] === hash)) return -1;
  }
  if (buffer[last] === colon) return -1;
  const letter = first | 0x20; // lower case of an ASCII letter
  const digitFirst = first >= 0x30 && first <= 0x39;
  const mayBeOther = digitFirst || first === 0x2b || first === 0x7e || (length <= 5 && (letter === 0x6e || letter === 0x74 || letter === 0x66));
  return mayBeOther && !(digitFirst && notANumber(buffer, at, last)) && isOtherType(value) ? -1 : at + length;
}

/** Characters of the core schema's number patterns: digits, hex letters, `o`, `x`, signs and `.`. */
const numberChars = new Uint8Array(128);
for (const char of '0123456789abcdefABCDEFoOxX+-.') numberChars[char.charCodeAt(0)] = 1;
const dot = 0x2e;

/**
 * Whether the ASCII text from `at` to `last` surely reads as no number: the core schema's number
 * patterns (decimal, `0o` octal, `0x` hex, floats with or without an exponent) have one dot at
 * most, and only characters of numberChars. Most strings starting with a digit are addresses and
 * durations (`10.0.0.1`, `30s`), which then need none of the patterns.
 */
function notANumber(buffer: Buffer, at: number, last: number): boolean {
  let dots = 0;
  for (let i = at; i <= last; i++) {
    const code = buffer[i];
    if (numberChars[code] === 0 || (code === dot && ++dots > 1)) return true;
  }
  return false;
}

/** A quoted string, as the yaml package quotes one-line strings. */
function quoted(value: string): string {
  // Single quotes only when that avoids escaping double quotes, as the yaml package does.
  return value.includes('"') && !value.includes("'") ? `'${value}'` : JSON.stringify(value);
}

/** A string; `depth` is the indentation of the lines of a block scalar (the value's own). */
function stringYaml(value: string, depth: number, isKey: boolean): string {
  if (value.length > maxRememberedLength) return fullStringYaml(value, depth, isKey);
  let written = rememberedStrings.get(value);
  if (written === undefined) {
    written = fullStringYaml(value, depth, isKey);
    // Block scalars depend on the indent; one-line forms do not.
    if (!value.includes('\n')) {
      if (rememberedStrings.size === maxRemembered) rememberedStrings.clear();
      rememberedStrings.set(value, written);
    }
  }
  return written;
}

/**
 * Strings as the full rule writes them: those copyPlain leaves to it repeat too (header names
 * like `:method`, wildcard domains), and the rule is a handful of regular expressions. Bounded.
 */
const rememberedStrings = new Map<string, string>();
const maxRemembered = 10_000;
const maxRememberedLength = 200;

/** The full rule for a string: the yaml package's choices this writer follows, or give up. */
function fullStringYaml(value: string, depth: number, isKey: boolean): string {
  if (contextDependent.test(value)) throw new Unsupported();
  if (value.includes('\n')) {
    if (isKey || depth === 0) throw new Unsupported();
    return literalBlock(value, indentOf(depth));
  }
  if (!cannotBePlain.test(value) && !(mayBeOtherType.test(value) && isOtherType(value))) return value;
  return quoted(value);
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

/** A scalar other than a string. */
function scalarYaml(value: unknown): string {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';
      // The shortest form that reads back, as JSON.stringify writes finite numbers.
      return Object.is(value, -0) ? '-0' : String(value);
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

/** Indentation by depth, made once rather than per value. */
const indents: string[] = [''];
function indentOf(depth: number): string {
  while (indents.length <= depth) indents.push(`${indents[indents.length - 1]}  `);
  return indents[depth];
}

/** A map key as written at one depth in UTF-8, before a scalar (`  key: `) and before a collection (`  key:\n`). */
interface KeyLine {
  inline: Uint8Array;
  block: Uint8Array;
}

/**
 * Key lines by depth: the same few hundred field names repeat throughout a bootstrap. Each
 * depth's table is bounded.
 */
const keyLines: Map<string, KeyLine>[] = [];
const maxKeyLinesPerDepth = 10_000;
function keyLine(key: string, depth: number): KeyLine {
  return keyLines[depth]?.get(key) ?? newLine(keyLines, key, depth, indentOf(depth));
}

/**
 * The first key line of a mapping that is a sequence item, with the item's dash at `depth`
 * (`  - key: `): one piece instead of a dash and a key line.
 */
const dashedKeyLines: Map<string, KeyLine>[] = [];
function dashedKeyLine(key: string, depth: number): KeyLine {
  return dashedKeyLines[depth]?.get(key) ?? newLine(dashedKeyLines, key, depth, `${indentOf(depth)}- `);
}

/** A key line not in its table yet (`prefix`: what goes before the key), added while the table has room. */
function newLine(tables: Map<string, KeyLine>[], key: string, depth: number, prefix: string): KeyLine {
  while (tables.length <= depth) tables.push(new Map());
  const lines = tables[depth];
  if (key.length > maxKeyLength) throw new Unsupported();
  // Keys are never block scalars (stringYaml refuses multi-line keys), so depth does not matter.
  const head = `${prefix}${stringYaml(key, 0, true)}:`;
  const line = { inline: Buffer.from(`${head} `, 'utf8'), block: Buffer.from(`${head}\n`, 'utf8') };
  if (lines.size < maxKeyLinesPerDepth) lines.set(key, line);
  return line;
}

/** Sequence item starts by depth (`  - `), in UTF-8. */
const dashes: Uint8Array[] = [];
function dashOf(depth: number): Uint8Array {
  while (dashes.length <= depth) dashes.push(Buffer.from(`${indentOf(dashes.length)}- `, 'latin1'));
  return dashes[depth];
}

const dashAfterDash = Buffer.from('- ', 'latin1');

/** Where a mapping's first key goes (see Writer.writeMap). */
const enum FirstKey {
  ownLine,
  afterDash,
  dashed,
}

const newline = 0x0a;

/**
 * Writes one value as UTF-8 into a buffer of a megabyte, handed to the sink whenever the next
 * piece might not fit. Repeated pieces (key lines, dashes) are encoded once, which beats
 * building strings (rope nodes to allocate, then flatten) and encoding each piece; plain ASCII
 * strings are copied and checked in place (copyPlain). See writeYaml for where it may give up.
 */
class Writer {
  private readonly buffer: Buffer;
  private used = 0;
  /** Bytes handed to the sink so far. */
  private handedOver = 0;
  /** The text of each repeated object written as a sequence item, with the depth of its dash. */
  private readonly itemTexts = new Map<object, { depth: number; bytes: Uint8Array }>();
  /** Where kept texts are copied: a megabyte at a time rather than a buffer each. */
  private keptTexts: Buffer | undefined;
  private keptUsed = 0;
  /** Every chunk keptTexts has been, to be reused by later writers. */
  private readonly keptChunks: Buffer[] = [];

  constructor(
    private readonly sink: ByteSink,
    private readonly repeated: ReadonlySet<object> | undefined,
  ) {
    this.buffer = takeBuffer();
  }

  /** Hands over the rest: what is in the buffer, or the part of `fallback` not handed over yet. */
  finish(fallback: string | undefined): void {
    if (fallback === undefined) this.handOver();
    else {
      const bytes = Buffer.from(fallback, 'utf8');
      if (bytes.length > this.handedOver) this.sink.write(bytes.subarray(this.handedOver));
    }
    spareBuffer = this.buffer;
    // The kept texts die with the writer: their chunks can take the next writer's.
    for (const chunk of this.keptChunks) if (spareKeptChunks.length < maxSpareKeptChunks) spareKeptChunks.push(chunk);
  }

  private handOver(): void {
    if (this.used === 0) return;
    this.sink.write(this.buffer.subarray(0, this.used));
    this.handedOver += this.used;
    this.used = 0;
  }

  private putBytes(bytes: Uint8Array): void {
    const length = bytes.length;
    if (this.used + length > this.buffer.length) {
      this.handOver();
      if (length > this.buffer.length) {
        this.sink.write(bytes);
        this.handedOver += length;
        return;
      }
    }
    this.buffer.set(bytes, this.used);
    this.used += length;
  }

  /** `text` and a line break. */
  private putLine(text: string): void {
    const length = text.length;
    // Up to three bytes per UTF-16 unit, and the line break.
    if (this.used + length * 3 + 1 > this.buffer.length) {
      this.handOver();
      if (length * 3 + 1 > this.buffer.length) {
        const bytes = Buffer.from(`${text}\n`, 'utf8');
        this.sink.write(bytes);
        this.handedOver += bytes.length;
        return;
      }
    }
    const buffer = this.buffer;
    let used = this.used;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        used += buffer.write(text.slice(i), used, 'utf8');
        break;
      }
      buffer[used++] = code;
    }
    buffer[used++] = newline;
    this.used = used;
  }

  /** A string value and a line break; most are plain ASCII, checked while they are copied. */
  private putString(value: string, depth: number): void {
    // Plain ASCII takes a byte per character, and the line break one more.
    if (this.used + value.length + 1 > this.buffer.length) this.handOver();
    if (value.length < this.buffer.length) {
      const end = copyPlain(value, this.buffer, this.used);
      if (end >= 0) {
        this.buffer[end] = newline;
        this.used = end + 1;
        return;
      }
    }
    this.putLine(stringYaml(value, depth, false));
  }

  writeTop(value: unknown): void {
    if (typeof value === 'string') this.putString(value, 0);
    else if (value === null || typeof value !== 'object') {
      if (value === undefined) throw new Unsupported();
      this.putLine(scalarYaml(value));
    } else if (Array.isArray(value)) {
      if (value.length === 0) this.putLine('[]');
      else this.writeSequence(value, 0, false);
    } else {
      if (!isPlainObject(value)) throw new Unsupported();
      if (!this.writeMap(value, 0, FirstKey.ownLine)) this.putLine('{}');
    }
  }

  /**
   * A mapping with keys at `depth`; whether it had an entry (the yaml package drops keys whose
   * value is undefined). `start` says where the first key goes: on a line of its own, after the
   * dash the line so far ends with, or after a dash at `depth - 1` it writes itself (when the
   * mapping has no entry, it writes nothing).
   */
  private writeMap(object: Record<string, unknown>, depth: number, start: FirstKey): boolean {
    let first = true;
    for (const key in object) {
      const value = object[key];
      if (value === undefined) continue;
      const line = !first || start === FirstKey.ownLine ? keyLine(key, depth) : start === FirstKey.afterDash ? keyLine(key, 0) : dashedKeyLine(key, depth - 1);
      first = false;
      // A scalar or an empty collection stays on the key's line; others start on the next.
      if (typeof value === 'string') {
        this.putBytes(line.inline);
        this.putString(value, depth + 1);
      } else if (value === null || typeof value !== 'object') {
        const text = scalarYaml(value);
        this.putBytes(line.inline);
        this.putLine(text);
      } else if (Array.isArray(value)) {
        if (value.length === 0) {
          this.putBytes(line.inline);
          this.putLine('[]');
        } else {
          this.putBytes(line.block);
          // A sequence under a key has its dashes at the key's depth.
          this.writeSequence(value, depth, false);
        }
      } else {
        if (!isPlainObject(value)) throw new Unsupported();
        this.putBytes(line.block);
        if (!this.writeMap(value, depth + 1, FirstKey.ownLine)) {
          // No entry after all (values undefined): take the line break back, `key: {}` instead.
          this.used -= line.block.length;
          this.putBytes(line.inline);
          this.putLine('{}');
        }
      }
    }
    return !first;
  }

  /**
   * A sequence with dashes at `depth`. After another item's dash (`afterDash`: the line so far
   * ends with `- `), the first dash goes on that line. A collection item starts on its dash's line.
   */
  private writeSequence(items: readonly unknown[], depth: number, afterDash: boolean): void {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const dash = i === 0 && afterDash ? dashAfterDash : dashOf(depth);
      if (typeof item === 'string') {
        this.putBytes(dash);
        this.putString(item, depth + 1);
      } else if (item === null || typeof item !== 'object') {
        const text = scalarYaml(item);
        this.putBytes(dash);
        this.putLine(text);
      } else if (Array.isArray(item)) {
        this.putBytes(dash);
        if (item.length === 0) this.putLine('[]');
        else this.writeSequence(item, depth + 1, true);
      } else {
        if (!isPlainObject(item)) throw new Unsupported();
        if (dash === dashAfterDash) {
          this.putBytes(dash);
          if (!this.writeMap(item, depth + 1, FirstKey.afterDash)) this.putLine('{}');
        } else if (this.repeated?.has(item)) {
          this.writeRepeatedItem(item, depth);
        } else this.writeMapItem(item, depth);
      }
    }
  }

  /** A mapping as a sequence item whose dash at `depth` starts a line. */
  private writeMapItem(item: Record<string, unknown>, depth: number): void {
    if (!this.writeMap(item, depth + 1, FirstKey.dashed)) {
      this.putBytes(dashOf(depth));
      this.putLine('{}');
    }
  }

  /**
   * writeMapItem for an object that occurs more than once: its text depends only on the object
   * and the depth, so where it was written at this depth before, those bytes are copied. The text
   * is kept when it is all still in the buffer at the end (unless handed over on the way).
   */
  private writeRepeatedItem(item: Record<string, unknown>, depth: number): void {
    const known = this.itemTexts.get(item);
    if (known !== undefined && known.depth === depth) {
      this.putBytes(known.bytes);
      return;
    }
    const start = this.handedOver + this.used;
    this.writeMapItem(item, depth);
    if (known === undefined && start >= this.handedOver) {
      this.itemTexts.set(item, { depth, bytes: this.keep(this.buffer.subarray(start - this.handedOver, this.used)) });
    }
  }

  /** A copy of `bytes` that stays valid. */
  private keep(bytes: Uint8Array): Uint8Array {
    const length = bytes.length;
    if (this.keptTexts === undefined || this.keptUsed + length > this.keptTexts.length) {
      if (length > keptChunkSize / 4) return new Uint8Array(bytes);
      this.keptTexts = spareKeptChunks.pop() ?? Buffer.allocUnsafeSlow(keptChunkSize);
      this.keptChunks.push(this.keptTexts);
      this.keptUsed = 0;
    }
    const start = this.keptUsed;
    this.keptTexts.set(bytes, start);
    this.keptUsed += length;
    return this.keptTexts.subarray(start, this.keptUsed);
  }
}

const keptChunkSize = 1 << 20;

/**
 * Chunks of finished writers, for the next: memory fresh from the system costs a page fault for
 * each of its pages on first write, which was most of the cost of keeping texts. Bounded, so
 * that a long-running process keeps at most this many megabytes.
 */
const spareKeptChunks: Buffer[] = [];
const maxSpareKeptChunks = 32;

/** The writers' buffer, reused: serialize() of many small values would allocate one each. */
let spareBuffer: Buffer | undefined;
function takeBuffer(): Buffer {
  const buffer = spareBuffer ?? Buffer.allocUnsafeSlow(1 << 20);
  spareBuffer = undefined;
  return buffer;
}

/** A sink writing to a file descriptor, with blocking writes. */
export class FileSink implements ByteSink {
  constructor(private readonly fd: number) {}

  write(bytes: Uint8Array): void {
    writeAll(this.fd, bytes);
  }

  /** Text that is not YAML written here (JSON, document separators). */
  writeText(text: string): void {
    writeAll(this.fd, Buffer.from(text, 'utf8'));
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      // A non-blocking pipe that is full: wait for the reader.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}

/** Writes what `write` gives its sink to a new file at `path` (mode 0644, before the umask). */
export function writeFileWith(path: string, write: (sink: FileSink) => void): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    write(new FileSink(fd));
  } finally {
    closeSync(fd);
  }
}
