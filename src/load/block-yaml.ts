/**
 * A reader for the block-style subset of YAML that generated and hand-written manifests use
 * almost exclusively, in one pass over the text and several times faster than js-yaml.
 *
 * The subset: block mappings whose keys are plain names (letters, digits, `_ . / -`, not
 * resolving to null, a boolean or a number), block sequences (`- item`, `- key: value`, a
 * sequence at its key's indentation), single-line plain, "double-quoted" (escapes `\\ \" \/ \n
 * \t \r` only) and 'single-quoted' scalars, the empty flow collections `[]` and `{}`, comments,
 * blank lines and `---` separators; spaces only, no tabs or CRs. Anything else (tags, anchors,
 * block scalars, flow collections, multi-line scalars, nested `- -`, an empty `-` item, a
 * duplicate key, `.inf`/`.nan`, control characters, characters outside the BMP, ...) makes
 * readBlockYaml decline the whole text, and the loader reads it the general way.
 *
 * What it accepts it must read exactly as that general way would, with no diagnostic:
 * - every accepted text passes fast-yaml.ts's checks (isPlainYaml): the scan refuses each
 *   character the needsYamlPackage pattern could match (see `refusedHere`), and no accepted line
 *   leaves a quote or bracket open;
 * - the values are js-yaml's under fast-yaml.ts's core schema (plain scalars go through the same
 *   plainScalarValue), with no key the two parsers name differently, and js-yaml's nesting limit
 *   is not reached;
 * - no input limit (limits.ts) is hit: the caller checks the size, and the document count and
 *   the nesting bound of depthLimitHit are computed here the same way (on the subset, every line
 *   starts outside quotes and brackets, so that bound is its stack of indentation levels).
 * test/block-yaml.test.ts compares it with js-yaml and the `yaml` package.
 */
import { plainScalarValue } from './fast-yaml.js';
import { inputLimits } from './limits.js';

/** The one value thrown when the text leaves the subset; readBlockYaml turns it into undefined. */
const declined = new Error('not in the block subset');

/** What a fresh mapping inherits: a key found here (`constructor`, `__proto__`) is refused. */
const inherited: Record<string, unknown> = {};

const space = 32;
const numberSign = 35;
const dash = 45;
const colon = 58;
const doubleQuote = 34;
const singleQuote = 39;
const backslash = 92;

/** Plain key characters: letters, digits, `_`, `.`, `/` and `-` (not first). */
const keyChars = new Uint8Array(128);
for (const char of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-') keyChars[char.charCodeAt(0)] = 1;

/**
 * Characters that end or complicate a plain value: quotes and brackets (the limit scan and
 * isPlainYaml read them as openers), and the ones needsYamlPackage looks at.
 */
const plainStops = new Uint8Array(128);
for (const char of `"'[]{}!&*?_:`) plainStops[char.charCodeAt(0)] = 1;

/** What a double-quoted escape (the character after the backslash) stands for; declines the rest. */
function escapedCharacter(code: number): string {
  if (code === backslash) return '\\';
  if (code === doubleQuote) return '"';
  if (code === 47) return '/';
  if (code === 110) return '\n';
  if (code === 116) return '\t';
  if (code === 114) return '\r';
  throw declined;
}

/**
 * A character above ASCII that both parsers take as text: no C1 control, NEL, line or paragraph
 * separator, byte order mark, surrogate (pairs included, for simplicity) or non-character.
 */
function isPrintableWide(code: number): boolean {
  return (code >= 0xa0 && code < 0xd800 && code !== 0x2028 && code !== 0x2029) || (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff);
}

/**
 * Keys and short scalars read recently, by a hash of their characters: manifests repeat a small
 * vocabulary (`name`, `namespace`, `PathPrefix`, `80`), and a string found here is neither copied
 * out of the text again nor, for a key, looked up again as a property name. A slot holds one
 * entry, and an entry is used only when its characters are the ones in the text. The cache also
 * holds the reader's stacks and mapping shapes. One cache serves one batch of texts (parseTexts),
 * so that it holds on to no text after it.
 */
export class ScalarCache {
  static readonly size = 4096;
  readonly keys: string[] = new Array<string>(ScalarCache.size).fill('');
  /** A plain scalar's text, and its value in the same slot of `values`. */
  readonly texts: string[] = new Array<string>(ScalarCache.size).fill('');
  readonly values: unknown[] = new Array<unknown>(ScalarCache.size).fill(undefined);
  /** The contents of quoted scalars without escapes. */
  readonly quoted: string[] = new Array<string>(ScalarCache.size).fill('');
  /**
   * The entries of the collections being read: each collection's keys and values go above those
   * of the collections around it, and become an object or array of exactly their size at its end.
   */
  readonly keyStack: string[] = [];
  readonly valueStack: unknown[] = [];
  /** The mapping shapes (key sequences) of the batch. */
  readonly shapes = new Shape();
  shapeCount = 0;
}

/**
 * A trie of mapping key sequences. A node's `make` builds, from values on the stack, an object
 * with its sequence's keys in one object literal: V8 then gives the object exactly its size and
 * one hidden class, where setting keys one by one on `{}` leaves spare slots and a separate
 * property array (a quarter of the loader's heap and most of its scavenging time).
 */
class Shape {
  readonly next = new Map<string, Shape>();
  make?: (values: unknown[], base: number) => Record<string, unknown>;
}

/** Bounds on the shape trie, so that mappings with many or ever new keys cost no compiling. */
const maxShapes = 4096;
const maxShapeKeys = 32;

/** Above this many keys, a mapping's duplicates are looked for in a set instead of a scan. */
const maxScannedKeys = 16;

/** An object literal function for the keys keyStack[base..top) (plain names, never `__proto__`). */
function shapeMaker(keys: readonly string[], base: number, top: number): (values: unknown[], base: number) => Record<string, unknown> {
  const properties: string[] = [];
  for (let index = base; index < top; index++) properties.push(`${JSON.stringify(keys[index])}: values[base + ${index - base}]`);
  return new Function('values', 'base', `return { ${properties.join(', ')} };`) as (values: unknown[], base: number) => Record<string, unknown>;
}

/** js-yaml's default limit on the nesting of nodes. */
const jsYamlMaxDepth = 100;

/** Scalars longer than this are mostly unique (paths, certificates) and not cached. */
const maxCachedLength = 40;

class BlockReader {
  /** Start of the current line. */
  private lineStart = 0;
  /** End of the current line: its `\n`, or the text's length. */
  private lineEnd = 0;
  /** Spaces before the current line's content; -1 at a `---` separator and at the end of the text. */
  private indent = -1;
  private atEnd = false;
  /** depthLimitHit's stack of indentation levels, kept the same way. */
  private readonly levels: number[] = [];
  private documents = 1;
  /** Collections open around the current line. */
  private depth = 0;
  /** The hash of the key keyEnd last found. */
  private keyHash = 0;
  /** The end of the entries on the cache's stacks. */
  private top = 0;
  /** Whether the current document has a null value. */
  private sawNull = false;

  constructor(
    private readonly text: string,
    private readonly cache: ScalarCache,
    /** For each document read, whether no value in it is null. */
    private readonly noNulls: boolean[],
  ) {}

  /** The values of the documents with content, in order. */
  read(): unknown[] {
    const values: unknown[] = [];
    this.noNulls.length = 0;
    this.advance(0);
    while (!this.atEnd) {
      if (this.indent < 0) {
        this.advance(this.lineEnd + 1);
        continue;
      }
      this.sawNull = false;
      values.push(this.collection(this.indent));
      this.noNulls.push(!this.sawNull);
      // A document ends at a separator or the end; content left of its first line is an error.
      if (this.indent >= 0) throw declined;
    }
    return values;
  }

  /**
   * Moves to the next line with content at or after `from` (a line start), skipping blank lines
   * and comment lines, and stops at a `---` separator or the end of the text.
   */
  private advance(from: number): void {
    const text = this.text;
    const length = text.length;
    for (;;) {
      if (from >= length) {
        this.atEnd = true;
        this.indent = -1;
        this.lineStart = this.lineEnd = length;
        return;
      }
      let content = from;
      while (text.charCodeAt(content) === space) content++;
      let end = text.indexOf('\n', content);
      if (end < 0) end = length;
      if (content === end) {
        from = end + 1;
        continue;
      }
      const first = text.charCodeAt(content);
      if (first === numberSign) {
        this.checkComment(content, end);
        from = end + 1;
        continue;
      }
      this.lineStart = from;
      this.lineEnd = end;
      const indent = content - from;
      if (indent === 0 && (text.startsWith('---', from) || text.startsWith('...', from))) {
        // Only a bare `---` (trailing spaces allowed) is in the subset.
        if (first !== dash) throw declined;
        for (let index = from + 3; index < end; index++) if (text.charCodeAt(index) !== space) throw declined;
        // limits.ts counts a `---` on the first line as starting the first document.
        if (from > 0 && ++this.documents > inputLimits.maxDocumentsPerFile) throw declined;
        this.levels.length = 0;
        this.indent = -1;
        return;
      }
      this.indent = indent;
      const levels = this.levels;
      while (levels.length > 0 && levels[levels.length - 1] >= indent) levels.pop();
      levels.push(indent);
      if (first === dash && (text.charCodeAt(content + 1) === space || content + 1 === end)) levels.push(indent + 1);
      // depthLimitHit rejects more than the limit, or the limit with a bracket on the line.
      if (levels.length >= inputLimits.maxNestingDepth) throw declined;
      return;
    }
  }

  private nextLine(): void {
    this.advance(this.lineEnd + 1);
  }

  /** The block collection whose first line is the current one, at column `indent`. */
  private collection(indent: number): unknown {
    const start = this.lineStart + indent;
    return this.isItem(start) ? this.sequence(indent) : this.mapping(indent, start);
  }

  /** Whether a `- ` item marker is at `index`. */
  private isItem(index: number): boolean {
    return this.text.charCodeAt(index) === dash && this.text.charCodeAt(index + 1) === space;
  }

  /** A block mapping at column `indent`, its first key at `keyStart` on the current line. */
  private mapping(indent: number, keyStart: number): Record<string, unknown> {
    const text = this.text;
    const cache = this.cache;
    const { keyStack, valueStack } = cache;
    const base = this.top;
    let shape: Shape | undefined = cache.shapes;
    let seen: Set<string> | undefined;
    this.enter();
    for (;;) {
      const keyEnd = this.keyEnd(keyStart);
      if (keyEnd < 0) throw declined;
      const keys = this.cache.keys;
      const slot = this.keyHash & (ScalarCache.size - 1);
      let key = keys[slot];
      if (key.length !== keyEnd - keyStart || !text.startsWith(key, keyStart)) {
        key = text.slice(keyStart, keyEnd);
        // A key named like a null, boolean or number is not a plain name; `null` is read as a
        // different key by the two parsers (fast-yaml.ts's hasNullKey).
        // An inherited key (`constructor`) would be a duplicate or worse.
        if (typeof plainScalarValue(key) !== 'string' || key === 'null' || inherited[key] !== undefined) throw declined;
        keys[slot] = key;
      }
      // A duplicate key.
      if (this.top - base < maxScannedKeys) {
        for (let index = base; index < this.top; index++) if (keyStack[index] === key) throw declined;
      } else {
        seen ??= new Set(keyStack.slice(base, this.top));
        if (seen.has(key)) throw declined;
        seen.add(key);
      }
      let valueStart = keyEnd + 1;
      while (text.charCodeAt(valueStart) === space) valueStart++;
      let value: unknown;
      if (valueStart === this.lineEnd || text.charCodeAt(valueStart) === numberSign) {
        // The value is on the lines below: a deeper collection, a sequence at this indentation,
        // or nothing (null).
        if (valueStart < this.lineEnd) this.checkComment(valueStart, this.lineEnd);
        this.nextLine();
        if (this.indent > indent) value = this.collection(this.indent);
        else if (this.indent === indent && this.isItem(this.lineStart + indent)) value = this.sequence(indent);
        else value = null;
      } else {
        value = this.inlineValue(valueStart);
        this.nextLine();
      }
      if (value === null) this.sawNull = true;
      keyStack[this.top] = key;
      valueStack[this.top] = value;
      this.top++;
      if (shape) shape = this.nextShape(shape, key, this.top - base);
      if (this.indent < indent) {
        this.depth--;
        const map = shape ? (shape.make ??= shapeMaker(keyStack, base, this.top))(valueStack, base) : this.slowMapping(base);
        this.top = base;
        return map;
      }
      // A deeper line after a value (a multi-line scalar, bad indentation), or an item marker
      // after a mapping entry at the same indentation.
      keyStart = this.lineStart + indent;
      if (this.indent > indent || this.isItem(keyStart)) throw declined;
    }
  }

  /** The shape after `shape` with one more key, `count` keys in all; undefined past the bounds. */
  private nextShape(shape: Shape, key: string, count: number): Shape | undefined {
    let next = shape.next.get(key);
    if (next === undefined) {
      if (count > maxShapeKeys || this.cache.shapeCount >= maxShapes) return undefined;
      next = new Shape();
      shape.next.set(key, next);
      this.cache.shapeCount++;
    }
    return next;
  }

  /** A mapping of the entries from `base` on the stacks, set one by one. */
  private slowMapping(base: number): Record<string, unknown> {
    const { keyStack, valueStack } = this.cache;
    const map: Record<string, unknown> = {};
    for (let index = base; index < this.top; index++) map[keyStack[index]] = valueStack[index];
    return map;
  }

  /** A block sequence whose `-` markers are at column `indent`, starting on the current line. */
  private sequence(indent: number): unknown[] {
    const text = this.text;
    const valueStack = this.cache.valueStack;
    const base = this.top;
    this.enter();
    for (;;) {
      let start = this.lineStart + indent + 2;
      while (text.charCodeAt(start) === space) start++;
      // An empty item, or a nested `- -`, is not in the subset.
      if (start === this.lineEnd || text.charCodeAt(start) === numberSign || this.isItem(start) || (text.charCodeAt(start) === dash && start + 1 === this.lineEnd)) {
        throw declined;
      }
      let item: unknown;
      if (this.keyEnd(start) >= 0) item = this.mapping(start - this.lineStart, start);
      else {
        item = this.inlineValue(start);
        this.nextLine();
      }
      if (item === null) this.sawNull = true;
      valueStack[this.top++] = item;
      if (this.indent > indent) throw declined;
      // A line at this indentation that is no item belongs to the enclosing mapping.
      if (this.indent < indent || !this.isItem(this.lineStart + indent)) {
        this.depth--;
        const items = valueStack.slice(base, this.top);
        this.top = base;
        return items;
      }
    }
  }

  /**
   * Counts a collection opened. js-yaml refuses nodes nested 100 deep (its maxDepth; every node
   * counts, and the scalars inside the deepest collection are one deeper), and then the `yaml`
   * package reads the text; such texts are declined, with a level to spare.
   */
  private enter(): void {
    if (++this.depth >= jsYamlMaxDepth - 2) throw declined;
  }

  /**
   * The end of a plain key starting at `start`: the index of its `:`, which a space or the end of
   * the line follows; -1 when no such key is there.
   */
  private keyEnd(start: number): number {
    const text = this.text;
    let index = start;
    let hash = 0;
    for (;;) {
      const code = text.charCodeAt(index);
      if (code < 128 && keyChars[code] === 1) {
        if (code === 95 && this.refusedHere(index, code)) throw declined;
        hash = (Math.imul(hash, 31) + code) | 0;
        index++;
        continue;
      }
      if (code !== colon || index === start || index - start > 1024 || text.charCodeAt(start) === dash) return -1;
      const after = text.charCodeAt(index + 1);
      this.keyHash = hash;
      return after === space || index + 1 === this.lineEnd ? index : -1;
    }
  }

  /** A scalar or empty flow collection from `start` to the end of the current line. */
  private inlineValue(start: number): unknown {
    const text = this.text;
    const code = text.charCodeAt(start);
    if (code === doubleQuote || code === singleQuote) return this.quoted(start, code);
    if (code === 91 || code === 123) {
      // `[]` or `{}`, nothing between.
      if (text.charCodeAt(start + 1) !== code + 2) throw declined;
      this.checkRest(start + 2);
      return code === 91 ? [] : {};
    }
    // Indicators that cannot start a plain scalar here (`-` can, before a non-space).
    if (code === dash) {
      if (start + 1 === this.lineEnd || text.charCodeAt(start + 1) === space) throw declined;
    } else if (code < 128 && '?:,]}#&*!|>%@`'.includes(text[start])) throw declined;
    return this.plain(start);
  }

  private plain(start: number): unknown {
    const text = this.text;
    const end = this.lineEnd;
    let valueEnd = start;
    let hash = 0;
    let valueHash = 0;
    for (let index = start; index < end; index++) {
      const code = text.charCodeAt(index);
      hash = (Math.imul(hash, 31) + code) | 0;
      if (code === space) {
        if (text.charCodeAt(index + 1) === numberSign) {
          this.checkComment(index + 1, end);
          break;
        }
        continue;
      }
      if (code < 128) {
        if (code < space || code === 127) throw declined;
        if (plainStops[code] === 1) {
          // `: ` or a final `:` would make a mapping.
          if (code === colon) {
            if (index + 1 === end || text.charCodeAt(index + 1) === space) throw declined;
          } else if (code === doubleQuote || code === singleQuote || code === 91 || code === 93 || code === 123 || code === 125) throw declined;
          else if (this.refusedHere(index, code)) throw declined;
        }
      } else if (!isPrintableWide(code)) throw declined;
      valueEnd = index + 1;
      valueHash = hash;
    }
    const length = valueEnd - start;
    if (length > maxCachedLength) return plainValue(text.slice(start, valueEnd));
    const { texts, values } = this.cache;
    const slot = valueHash & (ScalarCache.size - 1);
    const cached = texts[slot];
    if (cached.length === length && text.startsWith(cached, start)) return values[slot];
    const raw = text.slice(start, valueEnd);
    const value = plainValue(raw);
    texts[slot] = raw;
    values[slot] = value;
    return value;
  }

  /**
   * A quoted scalar on one line: in double quotes the escapes `\\ \" \/ \n \t \r` (any other
   * declines), in single quotes `''` for a quote.
   */
  private quoted(start: number, quote: number): string {
    const text = this.text;
    const end = this.lineEnd;
    let value = '';
    let segment = start + 1;
    let index = segment;
    let hash = 0;
    for (;;) {
      if (index >= end) throw declined;
      const code = text.charCodeAt(index);
      if (code === quote) {
        if (quote === doubleQuote || text.charCodeAt(index + 1) !== singleQuote) break;
        value += text.slice(segment, index + 1);
        index += 2;
        segment = index;
        continue;
      }
      if (code === backslash && quote === doubleQuote) {
        value += text.slice(segment, index) + escapedCharacter(text.charCodeAt(index + 1));
        index += 2;
        segment = index;
        continue;
      }
      this.checkText(index, code);
      hash = (Math.imul(hash, 31) + code) | 0;
      index++;
    }
    this.checkRest(index + 1);
    return segment === start + 1 ? this.quotedText(start + 1, index, hash) : value + text.slice(segment, index);
  }

  /** The text from `start` to `end` (a quoted scalar without escapes), from the cache when there. */
  private quotedText(start: number, end: number, hash: number): string {
    const length = end - start;
    if (length > maxCachedLength) return this.text.slice(start, end);
    const quoted = this.cache.quoted;
    const slot = hash & (ScalarCache.size - 1);
    const cached = quoted[slot];
    if (cached.length === length && this.text.startsWith(cached, start)) return cached;
    return (quoted[slot] = this.text.slice(start, end));
  }

  /** After a value: nothing, or spaces and then a comment or nothing. */
  private checkRest(index: number): void {
    const text = this.text;
    const end = this.lineEnd;
    if (index === end) return;
    if (text.charCodeAt(index) !== space) throw declined;
    while (text.charCodeAt(index) === space) index++;
    if (index < end) {
      if (text.charCodeAt(index) !== numberSign) throw declined;
      this.checkComment(index, end);
    }
  }

  private checkComment(start: number, end: number): void {
    for (let index = start; index < end; index++) this.checkText(index, this.text.charCodeAt(index));
  }

  /** A character of a comment or quoted scalar: printable, and nothing needsYamlPackage looks for. */
  private checkText(index: number, code: number): void {
    if (code < 128) {
      if (code < space || code === 127) throw declined;
      if ((code === 33 || code === 38 || code === 42 || code === 63 || code === 93 || code === 125 || code === 95) && this.refusedHere(index, code)) throw declined;
    } else if (!isPrintableWide(code)) throw declined;
  }

  /**
   * Whether the character at `index` could make fast-yaml.ts's needsYamlPackage pattern match:
   * `! & * ?` after a line start, whitespace, `[ { , :`; `]` or `}` before a `:`; `__proto__`.
   * Over-refusing (any non-ASCII character counts as whitespace) only costs speed.
   */
  private refusedHere(index: number, code: number): boolean {
    const text = this.text;
    if (code === 95) return text.startsWith('__proto__', index);
    if (code === 93 || code === 125) {
      let next = index + 1;
      while (text.charCodeAt(next) === space || text.charCodeAt(next) === 9) next++;
      return text.charCodeAt(next) === colon;
    }
    if (index === 0) return true;
    const previous = text.charCodeAt(index - 1);
    return previous <= space || previous >= 128 || previous === 91 || previous === 123 || previous === 44 || previous === colon;
  }
}

/** A plain scalar's value; `.inf`, `.nan` and `1e999` get their diagnostic from the general way. */
function plainValue(raw: string): unknown {
  const value = plainScalarValue(raw);
  if (typeof value === 'number' && !Number.isFinite(value)) throw declined;
  return value;
}

/**
 * The values of the documents in a text (empty documents left out), when the whole text is in
 * the block subset; otherwise undefined. The caller must have checked the text's size. Texts
 * read one after another may share a cache. `noNulls` gets, for each value, whether no value in
 * it is null (no `~`, `null` or empty value anywhere), so that nulls need not be looked for.
 */
export function readBlockYaml(text: string, cache = new ScalarCache(), noNulls: boolean[] = []): unknown[] | undefined {
  try {
    return new BlockReader(text, cache, noNulls).read();
  } catch (error) {
    if (error === declined) return undefined;
    throw error;
  }
}
