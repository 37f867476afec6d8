import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

/** A text parsed by the `yaml` package: its documents with their node ranges. */
export interface ParsedText {
  documents: Document.Parsed[];
  lineCounter: LineCounter;
}

/** The options every `yaml` parse of an input uses, so a lazy re-parse finds the same nodes. */
export function parseYaml(text: string): ParsedText {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, logLevel: 'silent' });
  return { documents: Array.isArray(documents) ? documents : [], lineCounter };
}

/** A document that holds something; an empty one (a stray `---`, only comments, `~`) holds no object. */
export function hasContent(document: Document.Parsed): boolean {
  return !(document.contents === null || (isScalar(document.contents) && document.contents.value === null));
}

/**
 * One input text. Most files are read by a fast parser that keeps no positions; the `yaml`
 * package's AST, which has them, is built only when a diagnostic (or Secret masking) first needs a
 * position in this file, and then kept for the next.
 */
export class SourceText {
  private parsed?: ParsedText;
  private contentful?: Document.Parsed[];

  constructor(
    readonly file: string,
    readonly text: string,
    /** The AST when the loader already built it. */
    parsed?: ParsedText,
  ) {
    this.parsed = parsed;
  }

  get lineCounter(): LineCounter {
    return this.ast().lineCounter;
  }

  /** The `index`-th document that has content. */
  document(index: number): Document.Parsed | undefined {
    this.contentful ??= this.ast().documents.filter(hasContent);
    return this.contentful[index];
  }

  private ast(): ParsedText {
    return (this.parsed ??= parseYaml(this.text));
  }
}

/**
 * Where one loaded object came from: its file and which document in it. Documents are counted
 * among those with content, which any two YAML parsers that agree on the values count alike.
 */
export class Source {
  constructor(
    readonly text: SourceText,
    readonly contentIndex: number,
    /**
     * Whether the reader found no null value anywhere in the document, so that the schema stage
     * has none to drop (unless code added some); false when not known.
     */
    readonly holdsNoNull = false,
  ) {}

  get file(): string {
    return this.text.file;
  }

  get document(): Document.Parsed | undefined {
    return this.text.document(this.contentIndex);
  }

  get lineCounter(): LineCounter {
    return this.text.lineCounter;
  }
}

const sources = new WeakMap<object, Source>();

/** Records where a loaded object came from, so any later stage can point at it. */
export function attachSource(object: object, source: Source): void {
  sources.set(object, source);
}

export function sourceOf(object: object): Source | undefined {
  return sources.get(object);
}

function positionOfRange(source: Source, start: number, end?: number): Position {
  const lineCounter = source.lineCounter;
  const from = lineCounter.linePos(start);
  const position: Position = { line: from.line, column: from.col };
  if (end !== undefined) {
    const to = lineCounter.linePos(end);
    position.endLine = to.line;
    position.endColumn = to.col;
  }
  return position;
}

/**
 * The position of the node at `path` in the document, or of its nearest existing ancestor.
 * With `key`, the position of the mapping key naming the last segment (for "unknown field").
 */
export function locate(source: Source, path: readonly (string | number)[], key = false): Position {
  let node: unknown = source.document?.contents;
  let best: Position | undefined = rangeOf(source, node);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      if (isLast && key) return rangeOf(source, pair.key) ?? best ?? { line: 1, column: 1 };
      node = pair.value;
      best = rangeOf(source, node) ?? rangeOf(source, pair.key) ?? best;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      node = item;
      best = rangeOf(source, node) ?? best;
    } else {
      break;
    }
  }
  return best ?? { line: 1, column: 1 };
}

function rangeOf(source: Source, node: unknown): Position | undefined {
  const range = (node as Node | undefined)?.range;
  if (!range) return undefined;
  return positionOfRange(source, range[0], range[1]);
}

/** The position of a byte offset in the file. */
export function positionAt(source: Source, offset: number): Position {
  return positionOfRange(source, offset);
}
