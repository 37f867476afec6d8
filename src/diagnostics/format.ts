import type { Diagnostic } from './diagnostic.js';

/** Styling hooks, so formatting stays pure and colour is optional; meaning never rests on colour. */
export interface Style {
  error(text: string): string;
  warning(text: string): string;
  note(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export const plainStyle: Style = { error: (t) => t, warning: (t) => t, note: (t) => t, dim: (t) => t, bold: (t) => t };

/** File contents by file name, for code frames: all a formatter asks of them. */
export type SourceTexts = Pick<ReadonlyMap<string, string>, 'get'>;

export interface TextFormatOptions {
  style?: Style;
  sources?: SourceTexts;
}

function location(d: { file?: string; line?: number; column?: number }): string {
  if (!d.file) return '';
  return d.line ? `${d.file}:${d.line}:${d.column ?? 1}` : d.file;
}

/** The offending line with a caret under the column, and one line of context before it. */
function codeFrame(source: string, line: number, column: number, style: Style): string[] {
  const lines = source.split(/\r?\n/);
  if (line < 1 || line > lines.length) return [];
  const width = String(line).length;
  const frame: string[] = [];
  if (line > 1) frame.push(style.dim(`  ${String(line - 1).padStart(width)} | ${lines[line - 2]}`));
  frame.push(`  ${String(line).padStart(width)} | ${lines[line - 1]}`);
  frame.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}${style.bold('^')}`);
  return frame;
}

/** `file:line:col: error EGC2001: message`, a code frame, then notes; one blank line between entries. */
export function formatText(diagnostics: readonly Diagnostic[], options: TextFormatOptions = {}): string {
  const style = options.style ?? plainStyle;
  const blocks = diagnostics.map((d) => {
    const where = location(d);
    const severity = style[d.severity](`${d.severity} ${d.code}`);
    const lines = [`${where ? `${where}: ` : ''}${severity}: ${d.message}`];
    if (d.resource || d.path) lines.push(style.dim(`  in ${[d.resource, d.path].filter(Boolean).join(' at ')}`));
    const source = d.file ? options.sources?.get(d.file) : undefined;
    if (source !== undefined && d.line) lines.push(...codeFrame(source, d.line, d.column ?? 1, style));
    for (const note of d.notes ?? []) {
      const noteWhere = location(note);
      lines.push(`  ${style.note('note')}: ${noteWhere ? `${noteWhere}: ` : ''}${note.message}`);
    }
    return lines.join('\n');
  });
  return blocks.length ? `${blocks.join('\n\n')}\n` : '';
}

/** A one-line count for the end of a run: "2 errors, 1 warning". */
export function formatSummary(diagnostics: readonly Diagnostic[]): string {
  const count = (severity: Diagnostic['severity']) => diagnostics.filter((d) => d.severity === severity).length;
  const part = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${part(count('error'), 'error')}, ${part(count('warning'), 'warning')}`;
}

export function formatJson(diagnostics: readonly Diagnostic[]): string {
  return `${JSON.stringify({ diagnostics }, null, 2)}\n`;
}
