import { Chalk } from 'chalk';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { formatSummary, formatText, plainStyle, type SourceTexts, type Style } from '../diagnostics/format.js';

/** Colour only for a terminal, and never when NO_COLOR is set or --no-color is given. */
export function useColor(requested: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): boolean {
  if (requested === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function styleFor(color: boolean): Style {
  if (!color) return plainStyle;
  const chalk = new Chalk({ level: 1 });
  return { error: chalk.red.bold, warning: chalk.yellow.bold, note: chalk.cyan, dim: chalk.dim, bold: chalk.bold };
}

/** Writes diagnostics for people to stderr, with code frames and a closing count. */
export function reportDiagnostics(diagnostics: readonly Diagnostic[], sources: SourceTexts, color: boolean): void {
  if (diagnostics.length === 0) return;
  const style = styleFor(color);
  process.stderr.write(formatText(diagnostics, { style, sources }));
  process.stderr.write(`\n${formatSummary(diagnostics)}\n`);
}
