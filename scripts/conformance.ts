/**
 * npm run conformance -- --corpus DIR [--report FILE] [--filter SUBSTRING] [--update-ratchet FILE]
 *
 * Replays a reference test corpus through egc and prints one line per failing case, then the
 * summary line. Exits 0 whatever the score (the score is data), 2 on a usage error.
 * --update-ratchet FILE rewrites the ratchet list (test/conformance-passing.txt) with the ids
 * that pass now; with --filter, only the filtered cases' ids are replaced.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { failureLines, formatRatchet, parseRatchet, passingIds, runConformance, summaryLine, UsageError, type ConformanceReport } from '../src/conformance/run.js';

const usage = 'usage: npm run conformance -- --corpus DIR [--report FILE] [--filter SUBSTRING] [--update-ratchet FILE]';

function main(argv: string[]): number {
  let values: { corpus?: string; report?: string; filter?: string; 'update-ratchet'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        corpus: { type: 'string' },
        report: { type: 'string' },
        filter: { type: 'string' },
        'update-ratchet': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`conformance: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.corpus) {
    console.error(`conformance: --corpus is required\n${usage}`);
    return 2;
  }

  let report: ConformanceReport;
  const started = Date.now();
  try {
    report = runConformance({ corpus: values.corpus, filter: values.filter });
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`conformance: ${error.message}`);
      return 2;
    }
    throw error;
  }
  for (const line of failureLines(report)) console.log(line);
  console.log(summaryLine(report));
  console.error(`(${report.cases.length} cases in ${((Date.now() - started) / 1000).toFixed(1)}s)`);

  if (values.report) writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);
  if (values['update-ratchet']) updateRatchet(values['update-ratchet'], report, values.filter);
  return 0;
}

/** Replaces the ids of the cases that ran; ids of cases a filter left out stay as they were. */
function updateRatchet(file: string, report: ConformanceReport, filter: string | undefined): void {
  const ran = new Set(report.cases.map((c) => c.name));
  const kept = filter && existsSync(file) ? parseRatchet(readFileSync(file, 'utf8')).filter((id) => !ran.has(id.replace(/:[a-z]+$/, ''))) : [];
  const ids = [...new Set([...kept, ...passingIds(report)])];
  writeFileSync(file, formatRatchet(ids));
  console.error(`wrote ${ids.length} passing ids to ${file}`);
}

process.exitCode = main(process.argv.slice(2));
