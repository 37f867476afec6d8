/**
 * Safety limits on input, checked before and while YAML is parsed, so that no input can make
 * egc run for minutes, exhaust memory or overflow the stack. Real Kubernetes manifests are far
 * below each limit: the API server stores objects of at most ~1.5 MB, and objects nest a few
 * dozen levels at most. Each rejection names the limit it hit.
 */
export const inputLimits = {
  /** Bytes in one input file (or stdin). The YAML parser reads about 1 MB/s of dense YAML. */
  maxFileBytes: 8 * 1024 * 1024,
  /** YAML documents in one input file. */
  maxDocumentsPerFile: 10_000,
  /** Nesting of mappings and sequences (block indentation plus flow brackets). */
  maxNestingDepth: 200,
  /** Alias expansions in one document: more is an alias bomb ("billion laughs"), not configuration. */
  maxAliasCount: 1_000,
} as const;

export interface LimitHit {
  message: string;
  /** Character offset in the text where the limit was exceeded. */
  offset: number;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} bytes`;
}

export function fileTooLarge(bytes: number | undefined): string {
  const size = bytes === undefined ? '' : ` ${formatBytes(bytes)},`;
  return `input is${size} over the limit of ${formatBytes(inputLimits.maxFileBytes)} per file (limit: maxFileBytes)`;
}

/** Counts document starts (`---` at the start of a line) without parsing; stops past the limit. */
function documentLimitHit(text: string): LimitHit | undefined {
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  // The first document needs no marker, so content before the first `---` counts as one.
  let count = /^---(?=[ \t\r\n]|$)/.test(text) ? 0 : 1;
  for (let match = marker.exec(text); match; match = marker.exec(text)) {
    count++;
    if (count > inputLimits.maxDocumentsPerFile) {
      return { message: `input has more than ${inputLimits.maxDocumentsPerFile} YAML documents (limit: maxDocumentsPerFile)`, offset: match.index };
    }
  }
  return undefined;
}

/**
 * An upper bound on the nesting depth of each document, from a lexical scan: the stack of
 * indentation levels (plus `- ` item markers) for block collections, plus the depth of flow
 * brackets outside quotes and comments. Block scalar contents (`|`, `>`) are skipped. The bound
 * can only overestimate (a stray bracket in a plain scalar counts), never miss real nesting.
 */
function depthLimitHit(text: string): LimitHit | undefined {
  const limit = inputLimits.maxNestingDepth;
  const indents: number[] = [];
  let flow = 0;
  let quote: '"' | "'" | undefined;
  let blockScalarIndent: number | undefined;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd);
    let indent = 0;
    while (line.charCodeAt(indent) === 32) indent++;
    const blank = line.trim() === '' || line[indent] === '#';
    if (blockScalarIndent !== undefined && (blank || indent > blockScalarIndent)) {
      lineStart = lineEnd + 1;
      continue;
    }
    blockScalarIndent = undefined;
    if (quote === undefined && /^(---|\.\.\.)(?=[ \t\r]|$)/.test(line)) {
      indents.length = 0;
      flow = 0;
    } else if (!blank || quote !== undefined) {
      let position = indent;
      if (quote === undefined && flow === 0) {
        while (indents.length > 0 && indents[indents.length - 1] >= indent) indents.pop();
        indents.push(indent);
        // `- - - x` nests one level per item marker on the same line.
        while (line[position] === '-' && (line[position + 1] === ' ' || position + 1 === line.length)) {
          indents.push(position + 1);
          position += 2;
          while (line[position] === ' ') position++;
        }
      }
      let contentEnd = line.length;
      // A quote opens a quoted scalar only where a scalar starts; elsewhere (`it's`) it is text.
      let previous = '';
      for (; position < line.length; position++) {
        const char = line[position];
        if (quote !== undefined) {
          if (char === '\\' && quote === '"') position++;
          else if (char === quote) {
            if (quote === "'" && line[position + 1] === "'") position++;
            else quote = undefined;
          }
          continue;
        }
        if (char === '#' && (position === 0 || line[position - 1] === ' ' || line[position - 1] === '\t')) {
          contentEnd = position;
          break;
        }
        if ((char === '"' || char === "'") && scalarMayStart(previous)) quote = char;
        else if (char === '[' || char === '{') {
          flow++;
          if (indents.length + flow > limit) return depthHit(lineStart + position);
        } else if ((char === ']' || char === '}') && flow > 0) flow--;
        if (char !== ' ' && char !== '\t') previous = char;
      }
      if (indents.length > limit) return depthHit(lineStart + indent);
      if (quote === undefined && flow === 0 && blockScalarHeader.test(line.slice(indent, contentEnd).trimEnd())) blockScalarIndent = indent;
    }
    lineStart = lineEnd + 1;
  }
  return undefined;
}

/** A line ending in a block scalar indicator right after a key, an item marker or nothing. */
const blockScalarHeader = /(^|^(- )+|: +(![^ ]* +)?)[|>][-+0-9]*$/;

function scalarMayStart(previous: string): boolean {
  return previous === '' || previous === ':' || previous === '-' || previous === '?' || previous === ',' || previous === '[' || previous === '{';
}

function depthHit(offset: number): LimitHit {
  return { message: `input nests deeper than ${inputLimits.maxNestingDepth} levels (limit: maxNestingDepth)`, offset };
}

/** The size limit, when a text exceeds it. */
export function sizeLimitHit(text: string): LimitHit | undefined {
  // UTF-16 length is a lower bound of the UTF-8 byte count; count bytes only when close.
  if (text.length > inputLimits.maxFileBytes || (text.length * 3 > inputLimits.maxFileBytes && Buffer.byteLength(text) > inputLimits.maxFileBytes)) {
    return { message: fileTooLarge(Buffer.byteLength(text)), offset: 0 };
  }
  return undefined;
}

/** The first limit a text exceeds before it is parsed, or undefined. */
export function textLimitHit(text: string): LimitHit | undefined {
  return sizeLimitHit(text) ?? documentLimitHit(text) ?? depthLimitHit(text);
}
