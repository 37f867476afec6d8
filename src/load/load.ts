import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { isMap, LineCounter, parseAllDocuments } from 'yaml';
import { codes } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { KubeObject } from './resource.js';
import { attachSource, locate, positionAt, sourceOf, type Source } from './source.js';

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
}

export interface InputText {
  /** The name diagnostics use for this text. */
  file: string;
  text: string;
}

const yamlExtensions = new Set(['.yaml', '.yml', '.json']);

/** Kinds that live outside any namespace; all others get the default namespace. */
const clusterScopedKinds = new Set(['GatewayClass', 'Namespace', 'EnvoyGateway']);

/** Aliases expanded past this count are an alias bomb, not configuration. */
const maxAliasCount = 1000;

/** Reads every input (file, directory or `-`) into texts; problems reading become diagnostics. */
export function readInputs(inputs: readonly string[], options: LoadOptions = {}): { texts: InputText[]; diagnostics: Diagnostic[] } {
  const texts: InputText[] = [];
  const diagnostics: Diagnostic[] = [];
  const cwd = options.cwd ?? process.cwd();
  const display = (path: string) => {
    const rel = relative(cwd, path);
    return rel && !rel.startsWith('..') ? rel : path;
  };
  for (const input of inputs) {
    if (input === '-') {
      texts.push({ file: '<stdin>', text: options.readStdin ? options.readStdin() : readFileSync(0, 'utf8') });
      continue;
    }
    let stat;
    try {
      stat = statSync(input);
    } catch {
      diagnostics.push({ code: codes.fileNotFound, severity: 'error', message: `no such file or directory: ${input}`, file: input });
      continue;
    }
    const files = stat.isDirectory() ? listYamlFiles(input) : [input];
    if (stat.isDirectory() && files.length === 0) {
      diagnostics.push({ code: codes.noInput, severity: 'warning', message: `directory ${input} has no .yaml, .yml or .json files`, file: input });
    }
    for (const file of files) {
      try {
        texts.push({ file: display(file), text: readFileSync(file, 'utf8') });
      } catch (error) {
        diagnostics.push({ code: codes.fileUnreadable, severity: 'error', message: `cannot read ${file}: ${(error as Error).message}`, file: display(file) });
      }
    }
  }
  return { texts, diagnostics };
}

function listYamlFiles(directory: string): string[] {
  const found: string[] = [];
  const entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...listYamlFiles(path));
    else if (yamlExtensions.has(extname(entry.name).toLowerCase())) found.push(path);
  }
  return found;
}

/** Parses texts into objects, each remembering its source position; never throws on bad input. */
export function parseTexts(texts: readonly InputText[], options: LoadOptions = {}): LoadResult {
  const objects: KubeObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { file, text } of texts) parseText(file, text, options, objects, diagnostics);
  return { objects: dropDuplicates(objects, diagnostics), diagnostics };
}

function parseText(file: string, text: string, options: LoadOptions, objects: KubeObject[], diagnostics: Diagnostic[]): void {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text.replace(/^\uFEFF/, ''), { lineCounter, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [];
  list.forEach((document, documentIndex) => {
    const source: Source = { file, documentIndex, document, lineCounter };
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        const { line, column } = positionAt(source, error.pos[0]);
        diagnostics.push({ code: codes.yamlSyntax, severity: 'error', message: firstLine(error.message), file, line, column });
      }
      return;
    }
    if (document.contents === null) return;
    if (!isMap(document.contents)) {
      const { line, column } = locate(source, []);
      diagnostics.push({ code: codes.notAnObject, severity: 'error', message: 'a document must be a mapping with apiVersion, kind and metadata', file, line, column });
      return;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount });
    } catch (error) {
      const { line, column } = locate(source, []);
      diagnostics.push({ code: codes.inputLimit, severity: 'error', message: `document rejected: ${firstLine((error as Error).message)}`, file, line, column });
      return;
    }
    const object = value as KubeObject;
    const at = (path: (string | number)[], key = false) => ({ file, ...locate(source, path, key) });
    if (typeof object.kind !== 'string' || object.kind === '') {
      diagnostics.push({ code: codes.missingKind, severity: 'error', message: 'document has no `kind`', ...at([]) });
      return;
    }
    if (typeof object.apiVersion !== 'string' || object.apiVersion === '') {
      diagnostics.push({ code: codes.missingKind, severity: 'error', message: `${object.kind} has no \`apiVersion\``, ...at(['kind']) });
      return;
    }
    if (typeof object.metadata !== 'object' || object.metadata === null || typeof object.metadata.name !== 'string' || object.metadata.name === '') {
      diagnostics.push({ code: codes.missingName, severity: 'error', message: `${object.kind} has no \`metadata.name\``, ...at(['metadata']) });
      return;
    }
    if (!clusterScopedKinds.has(object.kind) && !object.metadata.namespace) {
      object.metadata.namespace = options.defaultNamespace ?? 'default';
    }
    attachSource(object, source);
    objects.push(object);
  });
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

function identity(object: KubeObject): string {
  return `${object.apiVersion.split('/')[0]}|${object.kind}|${object.metadata.namespace ?? ''}|${object.metadata.name}`;
}

/** Two objects with the same kind and name: the first (by file, then document) wins; the other is an error. */
function dropDuplicates(objects: KubeObject[], diagnostics: Diagnostic[]): KubeObject[] {
  const seen = new Map<string, KubeObject>();
  for (const object of objects) {
    const id = identity(object);
    const first = seen.get(id);
    if (!first) {
      seen.set(id, object);
      continue;
    }
    diagnostics.push(duplicateDiagnostic(object, first));
  }
  return [...seen.values()];
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
  return { objects: parsed.objects, diagnostics: [...read.diagnostics, ...parsed.diagnostics] };
}
