import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { isCollection, isMap, isPair, isScalar, LineCounter, visit } from 'yaml';
import { compareText } from '../collate.js';
import { codes } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { fileTooLarge, inputLimits, sizeLimitHit, textLimitHit } from './limits.js';
import type { KubeObject } from './resource.js';
import { DisplayTexts } from './mask.js';
import { readBlockYaml, ScalarCache } from './block-yaml.js';
import { readPlainYaml } from './fast-yaml.js';
import { attachSource, hasContent, locate, parseYaml, positionAt, Source, sourceOf, SourceText } from './source.js';

export interface LoadOptions {
  /** Namespace for namespaced objects that name none (kubectl's `-n`). */
  defaultNamespace?: string;
  /** Reads standard input when an input is `-`. */
  readStdin?: () => string;
  /** Paths in diagnostics are shown relative to this directory. */
  cwd?: string;
}

export interface LoadResult {
  objects: KubeObject[];
  diagnostics: Diagnostic[];
  /**
   * Each text as diagnostics may quote it in code frames: with the values of Secrets' `data`
   * and `stringData` masked, so that no key or password reaches a terminal or a log.
   */
  displayTexts: DisplayTexts;
}

export interface InputText {
  /** The name diagnostics use for this text. */
  file: string;
  text: string;
}

const yamlExtensions = new Set(['.yaml', '.yml', '.json']);

/** Kinds that live outside any namespace; all others get the default namespace. */
const clusterScopedKinds = new Set(['GatewayClass', 'Namespace', 'EnvoyGateway']);

/** Reads every input (file, directory or `-`) into texts; problems reading become diagnostics. */
export function readInputs(inputs: readonly string[], options: LoadOptions = {}): { texts: InputText[]; diagnostics: Diagnostic[] } {
  const texts: InputText[] = [];
  const diagnostics: Diagnostic[] = [];
  const cwd = options.cwd ?? process.cwd();
  const display = (path: string) => {
    const rel = relative(cwd, path);
    return rel && !rel.startsWith('..') ? rel : path;
  };
  const unreadable = (file: string, error: unknown) =>
    diagnostics.push({ code: codes.fileUnreadable, severity: 'error', message: `cannot read ${file}: ${errorText(error)}`, file });
  const addBytes = (file: string, bytes: Buffer) => {
    const decoded = decodeUtf8(bytes);
    if (typeof decoded === 'string') texts.push({ file, text: decoded });
    else diagnostics.push({ code: codes.fileUnreadable, severity: 'error', file, ...decoded });
  };
  for (const input of inputs) {
    if (input === '-') {
      try {
        texts.push({ file: '<stdin>', text: options.readStdin ? options.readStdin() : readStdinText() });
      } catch (error) {
        if (error instanceof InputError) diagnostics.push({ ...error.diagnostic, file: '<stdin>' });
        else unreadable('<stdin>', error);
      }
      continue;
    }
    let stat;
    try {
      stat = statSync(input);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        diagnostics.push({ code: codes.fileNotFound, severity: 'error', message: `no such file or directory: ${input}`, file: input });
      } else unreadable(input, error);
      continue;
    }
    const files: string[] = [];
    const shown: (string | undefined)[] = [];
    try {
      if (stat.isDirectory()) {
        // The display name of each file under the directory is the directory's, plus the names
        // below it: one path.relative() per input rather than per file.
        const relativeDirectory = relative(cwd, input);
        listYamlFiles(input, relativeDirectory.startsWith('..') ? undefined : relativeDirectory, files, shown);
      } else {
        files.push(input);
        shown.push(undefined);
      }
    } catch (error) {
      unreadable(input, error);
      continue;
    }
    if (stat.isDirectory() && files.length === 0) {
      diagnostics.push({ code: codes.noInput, severity: 'warning', message: `directory ${input} has no .yaml, .yml or .json files`, file: input });
    }
    for (let index = 0; index < files.length; index++) {
      const file = files[index];
      // Outside the working directory, or a top-level name starting with `..`: display() decides.
      const shownFile = shown[index];
      const name = shownFile !== undefined && !shownFile.startsWith('..') ? shownFile : display(file);
      let read: Buffer | { tooLarge: number | undefined };
      try {
        read = readBounded(file);
      } catch (error) {
        // Also a file that vanished between listing and reading.
        unreadable(name, error);
        continue;
      }
      if (Buffer.isBuffer(read)) addBytes(name, read);
      else diagnostics.push({ code: codes.inputLimit, severity: 'error', message: fileTooLarge(read.tooLarge), file: name });
    }
  }
  return { texts, diagnostics };
}

/** Standard input that is over a limit or not UTF-8: the diagnostic to report instead. */
export class InputError extends Error {
  constructor(readonly diagnostic: Omit<Diagnostic, 'file'>) {
    super(diagnostic.message);
  }
}

/**
 * All of standard input as text, read within maxFileBytes (so `< /dev/zero` ends). Throws an
 * InputError when it is over the limit or not UTF-8; callers that read stdin themselves (and
 * pass it as `readStdin`) should use this too.
 */
export function readStdinText(): string {
  const read = readBoundedFd(0);
  if (!Buffer.isBuffer(read)) throw new InputError({ code: codes.inputLimit, severity: 'error', message: fileTooLarge(undefined) });
  const decoded = decodeUtf8(read);
  if (typeof decoded !== 'string') throw new InputError({ code: codes.fileUnreadable, severity: 'error', ...decoded });
  return decoded;
}

function errorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'the file disappeared while it was being read',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a directory',
    ELOOP: 'too many levels of symbolic links',
  };
  return (code && reasons[code]) ?? (error instanceof Error ? error.message : String(error));
}

/**
 * The file's bytes (valid until the next read), or its size when over the size limit; see
 * readBoundedFd.
 */
function readBounded(path: string): Buffer | { tooLarge: number | undefined } {
  const fd = openSync(path, 'r');
  try {
    return readBoundedFd(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Where every file is read: one buffer, grown to the largest file (up to the size limit and a
 * byte). A buffer per file was most of the loader's garbage, and fresh memory each time.
 */
let readBuffer: Buffer | undefined;
const initialReadBytes = 1 << 20;

/**
 * The bytes of `fd` to its end (valid until the next read), or, past the size limit, the size of
 * a regular file. Read in pieces, so that a device or pipe that never ends (`/dev/zero`) is cut
 * off at the limit. No fstat first: the read that finds the end costs as much, and the stat
 * object more.
 */
function readBoundedFd(fd: number): Buffer | { tooLarge: number | undefined } {
  let buffer = (readBuffer ??= Buffer.allocUnsafeSlow(initialReadBytes));
  let filled = 0;
  for (;;) {
    if (filled > inputLimits.maxFileBytes) {
      const stat = fstatSync(fd);
      return { tooLarge: stat.isFile() ? stat.size : undefined };
    }
    if (filled === buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.min(buffer.length * 2, inputLimits.maxFileBytes + 1));
      buffer.copy(grown, 0, 0, filled);
      buffer = readBuffer = grown;
    }
    let read: number;
    try {
      read = readSync(fd, buffer, filled, buffer.length - filled, null);
    } catch (error) {
      // A non-blocking stdin (a pipe whose writer is slow) has no data yet: wait and retry.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      continue;
    }
    if (read === 0) return buffer.subarray(0, filled);
    filled += read;
  }
}

/** The text of UTF-8 bytes, or why they are not UTF-8 text and where. */
function decodeUtf8(bytes: Buffer): string | { message: string; line?: number; column?: number } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { message: 'the file is UTF-16 encoded; egc reads UTF-8 (convert it, e.g. with iconv -f UTF-16 -t UTF-8)', line: 1, column: 1 };
  }
  const text = bytes.toString('utf8');
  if (!text.includes('\uFFFD')) return text;
  // A replacement character in the text is either one the file spells out (EF BF BD) or the
  // decoder's stand-in for an invalid sequence: find the first of the latter.
  let offset = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.codePointAt(index)!;
    if (code === 0xfffd && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) {
      const before = text.slice(0, index);
      const line = before.split('\n').length;
      const column = index - before.lastIndexOf('\n');
      return { message: `the file is not valid UTF-8: invalid byte 0x${bytes[offset].toString(16).padStart(2, '0')} at byte offset ${offset}`, line, column };
    }
    if (code > 0xffff) index++;
    offset += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return text;
}

/**
 * Appends the YAML and JSON files under `directory`, in name order, to `found`, and their names
 * relative to the working directory to `shown` (undefined when the directory's is not known).
 */
function listYamlFiles(directory: string, shownDirectory: string | undefined, found: string[], shown: (string | undefined)[]): void {
  const entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) => compareText(a.name, b.name));
  for (const entry of entries) {
    const path = join(directory, entry.name);
    const shownPath = shownDirectory === undefined ? undefined : shownDirectory === '' ? entry.name : shownDirectory + sep + entry.name;
    if (entry.isDirectory()) listYamlFiles(path, shownPath, found, shown);
    else if (yamlExtensions.has(extname(entry.name).toLowerCase())) {
      found.push(path);
      shown.push(shownPath);
    }
  }
}

/** Parses texts into objects, each remembering its source position; never throws on bad input. */
export function parseTexts(texts: readonly InputText[], options: LoadOptions = {}): LoadResult {
  const objects: KubeObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const displayTexts = new DisplayTexts();
  const cache = new ScalarCache();
  for (const { file, text } of texts) {
    const parsed: KubeObject[] = [];
    const clean = text.replace(/^\uFEFF/, '');
    parseText(file, clean, options, cache, parsed, diagnostics);
    objects.push(...parsed);
    displayTexts.add(file, clean, parsed);
  }
  return { objects: dropDuplicates(objects, diagnostics), diagnostics, displayTexts };
}

function parseText(file: string, text: string, options: LoadOptions, cache: ScalarCache, objects: KubeObject[], diagnostics: Diagnostic[]): void {
  // Most texts: the block reader (block-yaml.ts), which checks the other limits as it reads.
  const tooLarge = sizeLimitHit(text);
  const noNulls: boolean[] = [];
  const block = tooLarge ? undefined : readBlockYaml(text, cache, noNulls);
  const limit = block ? undefined : (tooLarge ?? textLimitHit(text));
  if (limit) {
    const lineCounter = new LineCounter();
    lineCounter.addNewLine(0);
    for (let index = text.indexOf('\n'); index >= 0 && index < limit.offset; index = text.indexOf('\n', index + 1)) lineCounter.addNewLine(index + 1);
    const { line, col } = lineCounter.linePos(limit.offset);
    diagnostics.push({ code: codes.inputLimit, severity: 'error', message: `${limit.message}; the file is not read`, file, line, column: col });
    return;
  }
  // Else the fast parser (fast-yaml.ts). With either, positions are found later, in the `yaml`
  // package's AST of the file, only when a diagnostic needs one (source.ts).
  const plain = block ?? readPlainYaml(text);
  if (plain) {
    const sourceText = new SourceText(file, text);
    for (let contentIndex = 0; contentIndex < plain.length; contentIndex++) {
      const value = plain[contentIndex];
      const source = new Source(sourceText, contentIndex, block !== undefined && noNulls[contentIndex]);
      const at = (path: (string | number)[]) => ({ file, ...locate(source, path) });
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        diagnostics.push({ code: codes.notAnObject, severity: 'error', message: 'a document must be a mapping with apiVersion, kind and metadata', ...at([]) });
        continue;
      }
      // The block reader declines texts with such numbers.
      const notFinite = block ? undefined : nonFiniteNumber(value);
      if (notFinite) {
        diagnostics.push({ code: codes.wrongType, severity: 'error', message: notFinite.message, ...at(notFinite.path) });
        continue;
      }
      checkObject(value as KubeObject, source, at, options, objects, diagnostics);
    }
    return;
  }

  // The rest: the `yaml` package, whose errors, warnings and alias limits the diagnostics quote.
  const parsed = parseYaml(text);
  const sourceText = new SourceText(file, text, parsed);
  let contentIndex = 0;
  for (const document of parsed.documents) {
    // An empty document holds no object, so its index (-1) is never looked up.
    const source = new Source(sourceText, hasContent(document) ? contentIndex++ : -1);
    const at = (path: (string | number)[], key = false) => ({ file, ...locate(source, path, key) });
    const atOffset = (offset: number) => {
      const { line, column } = positionAt(source, offset);
      return { file, line, column };
    };
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        diagnostics.push({ code: codes.yamlSyntax, severity: 'error', message: firstLine(error.message), ...atOffset(error.pos[0]) });
      }
      continue;
    }
    for (const warning of document.warnings) {
      diagnostics.push({ code: codes.yamlWarning, severity: 'warning', message: yamlWarningMessage(warning), ...atOffset(warning.pos[0]) });
    }
    // An empty document (a stray or trailing `---`) is nothing, as kubectl treats it.
    if (!hasContent(document)) continue;
    if (!isMap(document.contents)) {
      diagnostics.push({ code: codes.notAnObject, severity: 'error', message: 'a document must be a mapping with apiVersion, kind and metadata', ...at([]) });
      continue;
    }
    const badKey = unusableKey(document.contents);
    if (badKey) {
      diagnostics.push({ code: codes.yamlSyntax, severity: 'error', message: badKey.message, ...atOffset(badKey.offset) });
      continue;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: inputLimits.maxAliasCount });
    } catch (error) {
      const message = firstLine((error as Error).message);
      const limitName = /alias/i.test(message) ? ` (limit: maxAliasCount, ${inputLimits.maxAliasCount} alias expansions)` : '';
      diagnostics.push({ code: codes.inputLimit, severity: 'error', message: `document rejected: ${message}${limitName}`, ...at([]) });
      continue;
    }
    const notJson = toJsonValues(value as Record<string, unknown>, [], new Set());
    if (notJson) {
      diagnostics.push({ code: codes.wrongType, severity: 'error', message: notJson.message, ...at(notJson.path) });
      continue;
    }
    checkObject(value as KubeObject, source, at, options, objects, diagnostics);
  }
}

/** The checks every document's value gets, whichever parser read it; a good object is kept. */
function checkObject(
  object: KubeObject,
  source: Source,
  at: (path: (string | number)[]) => { file: string; line: number; column: number },
  options: LoadOptions,
  objects: KubeObject[],
  diagnostics: Diagnostic[],
): void {
  if (typeof object.kind !== 'string' || object.kind === '') {
    diagnostics.push({ code: codes.missingKind, severity: 'error', message: 'document has no `kind`', ...at([]) });
    return;
  }
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') {
    diagnostics.push({ code: codes.missingKind, severity: 'error', message: `${object.kind} has no \`apiVersion\``, ...at(['kind']) });
    return;
  }
  // The EnvoyGateway config file (egc server --config-path) is not an API object and has no
  // metadata; it gets a fixed name so later stages can still key it by kind and name.
  if (object.kind === 'EnvoyGateway' && object.metadata === undefined) object.metadata = { name: 'envoy-gateway' };
  if (typeof object.metadata !== 'object' || object.metadata === null || typeof object.metadata.name !== 'string' || object.metadata.name === '') {
    diagnostics.push({ code: codes.missingName, severity: 'error', message: `${object.kind} has no \`metadata.name\``, ...at(['metadata']) });
    return;
  }
  if (!clusterScopedKinds.has(object.kind) && !object.metadata.namespace) {
    object.metadata.namespace = options.defaultNamespace ?? 'default';
  }
  attachSource(object, source);
  objects.push(object);
}

/** The first number JSON cannot hold (`.inf`, `.nan`) in a plain value, in document order, and its path. */
function nonFiniteNumber(value: object): { message: string; path: (string | number)[] } | undefined {
  const check = (key: string | number, item: unknown) => {
    if (typeof item === 'number' && !Number.isFinite(item)) {
      return { message: `${String(item)} is not a number JSON can hold; Kubernetes rejects it`, path: [key] };
    }
    if (item === null || typeof item !== 'object') return undefined;
    const found = nonFiniteNumber(item);
    return found && { message: found.message, path: [key, ...found.path] };
  };
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = check(index, value[index]);
      if (found) return found;
    }
    return undefined;
  }
  for (const key in value) {
    const found = check(key, (value as Record<string, unknown>)[key]);
    if (found) return found;
  }
  return undefined;
}

/**
 * A mapping key that cannot become a JSON object key: a collection (`? [a, b]`), or `__proto__`,
 * which would reach object prototypes in later stages. The document is rejected.
 */
function unusableKey(contents: unknown): { message: string; offset: number } | undefined {
  let found: { message: string; offset: number } | undefined;
  visit(contents as Parameters<typeof visit>[0], {
    Pair(_, pair) {
      if (!isPair(pair)) return undefined;
      const key = pair.key as { range?: [number, number, number] } | null;
      const offset = key?.range?.[0] ?? 0;
      if (isCollection(pair.key)) found = { message: 'a mapping key must be a string, not a mapping or a list', offset };
      else if (isScalar(pair.key) && pair.key.value === '__proto__') found = { message: 'the key `__proto__` is not allowed', offset };
      return found ? visit.BREAK : undefined;
    },
  });
  return found;
}

/**
 * Turns the YAML-only values `toJS` can produce into their JSON form, as Kubernetes' YAML reader
 * does: `!!binary` bytes become base64, timestamps ISO strings, sets and ordered maps plain
 * collections. Numbers JSON cannot hold (`.inf`, `.nan`) are refused: the path and message.
 */
function toJsonValues(
  value: Record<string, unknown> | unknown[],
  path: (string | number)[],
  ancestors: Set<object>,
): { message: string; path: (string | number)[] } | undefined {
  // An alias to an enclosing node makes a cycle, which no JSON object has.
  if (ancestors.has(value)) return { message: 'the value contains itself through a YAML alias; a Kubernetes object cannot', path };
  ancestors.add(value);
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  for (const [key, item] of entries) {
    let replacement: unknown = item;
    if (typeof item === 'number' && !Number.isFinite(item)) {
      return { message: `${String(item)} is not a number JSON can hold; Kubernetes rejects it`, path: [...path, key] };
    }
    if (item instanceof Uint8Array) replacement = Buffer.from(item).toString('base64');
    else if (item instanceof Date) replacement = Number.isNaN(item.getTime()) ? String(item) : item.toISOString();
    else if (item instanceof Set) replacement = [...item];
    else if (item instanceof Map) replacement = Object.fromEntries([...item].map(([k, v]) => [String(k), v]));
    if (replacement !== item) (value as Record<string | number, unknown>)[key] = replacement;
    if (replacement !== null && typeof replacement === 'object') {
      const problem = toJsonValues(replacement as Record<string, unknown>, [...path, key], ancestors);
      if (problem) return problem;
    }
  }
  ancestors.delete(value);
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

/** The yaml package's warning in our words where it is terse (an unknown tag), else its own first line. */
function yamlWarningMessage(warning: { code: string; message: string }): string {
  const unresolved = /^Unresolved tag: (.*)$/.exec(firstLine(warning.message));
  if (warning.code === 'TAG_RESOLVE_FAILED' && unresolved) return `unknown YAML tag \`${unresolved[1]}\`; the value is read as if it had no tag`;
  return firstLine(warning.message);
}

/** The API group of an apiVersion as duplicates are told apart: the whole apiVersion when it has no `/`. */
function groupKey(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(0, slash);
}

/** Two objects with the same kind and name: the first (by file, then document) wins; the other is an error. */
function dropDuplicates(objects: KubeObject[], diagnostics: Diagnostic[]): KubeObject[] {
  // The first objects by kind, group, namespace and name: nested maps, where one key string per
  // object cost a concatenation and its hashing each.
  const firsts = new Map<string, Map<string, Map<string, Map<string, KubeObject>>>>();
  const kept: KubeObject[] = [];
  for (const object of objects) {
    let byGroup = firsts.get(object.kind);
    if (byGroup === undefined) firsts.set(object.kind, (byGroup = new Map()));
    const group = groupKey(object.apiVersion);
    let byNamespace = byGroup.get(group);
    if (byNamespace === undefined) byGroup.set(group, (byNamespace = new Map()));
    // Not checked yet: a namespace read as a number or a mapping counts as its text.
    const namespace = String(object.metadata.namespace ?? '');
    let byName = byNamespace.get(namespace);
    if (byName === undefined) byNamespace.set(namespace, (byName = new Map()));
    const first = byName.get(object.metadata.name);
    if (first === undefined) {
      byName.set(object.metadata.name, object);
      kept.push(object);
    } else diagnostics.push(duplicateDiagnostic(object, first));
  }
  return kept;
}

function duplicateDiagnostic(object: KubeObject, first: KubeObject): Diagnostic {
  const name = object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
  const here = positionOfObject(object);
  const there = positionOfObject(first);
  return {
    code: codes.duplicateResource,
    severity: 'error',
    message: `${object.kind} ${name} is defined more than once; this copy is ignored`,
    ...here,
    notes: [{ message: 'first defined here', ...there }],
  };
}

function positionOfObject(object: KubeObject): { file?: string; line?: number; column?: number } {
  const source = sourceOf(object);
  if (!source) return {};
  const { line, column } = locate(source, ['metadata', 'name']);
  return { file: source.file, line, column };
}

/** Loads inputs (files, directories, `-`) into objects with positions, plus every problem found. */
export function load(inputs: readonly string[], options: LoadOptions = {}): LoadResult {
  const read = readInputs(inputs, options);
  const parsed = parseTexts(read.texts, options);
  return { objects: parsed.objects, diagnostics: [...read.diagnostics, ...parsed.diagnostics], displayTexts: parsed.displayTexts };
}
