/**
 * A diagnostic is plain data; formatters turn a list of them into text, JSON or SARIF.
 * Every diagnostic carries a stable code from `codes.ts`; `line` and `column` are 1-based.
 */
import { compareText } from '../collate.js';

export type Severity = 'error' | 'warning' | 'note';

export interface RelatedLocation {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** End of the offending node, when known (1-based, inclusive line, exclusive column). */
  endLine?: number;
  endColumn?: number;
  /** Field path inside the resource, e.g. `spec.rules[0].matches[1].path.type`. */
  path?: string;
  /** The resource the problem is in, as `Kind namespace/name`. */
  resource?: string;
  notes?: RelatedLocation[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, note: 2 };

/** A stable order: by file, position, code, then message, so output never depends on discovery order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareText(a.file ?? '', b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      severityRank[a.severity] - severityRank[b.severity] ||
      compareText(a.code, b.code) ||
      compareText(a.message, b.message),
  );
}

/** Formats a field path from its segments: `spec.rules[0].matches`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Thrown for problems the user cannot cause (a bug in egc); the CLI maps it to exit code 2. */
export class InternalError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'InternalError';
  }
}
