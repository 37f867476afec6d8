import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node } from 'yaml';

/** Where one loaded object came from: the file, the document in it, and the YAML AST to locate fields. */
export interface Source {
  file: string;
  /** 0-based index of the document within its file. */
  documentIndex: number;
  document: Document.Parsed;
  lineCounter: LineCounter;
}

export interface Position {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
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
  const from = source.lineCounter.linePos(start);
  const position: Position = { line: from.line, column: from.col };
  if (end !== undefined) {
    const to = source.lineCounter.linePos(end);
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
  let node: unknown = source.document.contents;
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
