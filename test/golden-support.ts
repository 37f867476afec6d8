// Shared by the golden test and `npm run golden:update`: which fixtures exist, what the real CLI
// prints for each (the golden files' contents), and a readable diff when they disagree.
//
// fixtures/NAME.yaml produces, by file name:
//   golden/NAME.bootstrap.yaml    stdout of `egc translate -f fixtures/NAME.yaml` (when it has any proxy)
//   golden/NAME.status.yaml       stdout of the same with `--to gateway-api`
//   golden/NAME.diagnostics.txt   stderr (NO_COLOR) and, last, `exit: N`
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTwoFilesPatch } from 'diff';
import { colorizePatch } from '../src/cli/diff.js';
import { parseAllDocuments } from 'yaml';

/** The project root; this module runs from build/test. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(projectRoot, 'fixtures');
export const goldenDir = join(projectRoot, 'golden');
export const cliPath = join(projectRoot, 'dist', 'egc.js');

export interface CliRun {
  stdout: string;
  stderr: string;
  /** The exit code; a signal or a failure to start counts as -1. */
  status: number;
}

export interface CliOptions {
  /** Standard input for the process. */
  input?: string;
  /** Extra environment variables; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/**
 * Runs the bundled CLI (`node dist/egc.js ...args`) from the project root. Colour is controlled
 * here, not inherited: NO_COLOR and FORCE_COLOR from the caller's environment are dropped first.
 */
export function runCli(args: readonly string[], options: CliOptions = {}): CliRun {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? projectRoot,
    env: env as NodeJS.ProcessEnv,
    input: options.input ?? '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { stdout: result.stdout, stderr: result.stderr, status: result.status ?? -1 };
}

/** Fixture names (file names without `.yaml`), sorted. */
export function listFixtures(): string[] {
  if (!existsSync(fixturesDir)) return [];
  return readdirSync(fixturesDir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort();
}

/** The golden files' names under golden/, sorted. */
export function listGoldenFiles(): string[] {
  if (!existsSync(goldenDir)) return [];
  return readdirSync(goldenDir).sort();
}

export interface FixtureOutput {
  /** Translate to bootstrap: stdout, stderr and exit code. */
  bootstrap: CliRun;
  /** Translate with `--to gateway-api`. */
  status: CliRun;
  /** Golden file name (under golden/) → the content it must have. */
  goldens: Map<string, string>;
}

/** The diagnostics golden: stderr exactly as printed, then the exit code on its own line. */
export function diagnosticsText(run: CliRun): string {
  return `${run.stderr}exit: ${run.status}\n`;
}

/** Runs the CLI on fixtures/NAME.yaml (path relative to the root, as a user would type it). */
export function produceFixture(name: string): FixtureOutput {
  const file = `fixtures/${name}.yaml`;
  const plain = { env: { NO_COLOR: '1' } };
  const bootstrap = runCli(['translate', '-f', file], plain);
  const status = runCli(['translate', '-f', file, '--to', 'gateway-api'], plain);
  const goldens = new Map<string, string>();
  if (bootstrap.stdout !== '') goldens.set(`${name}.bootstrap.yaml`, bootstrap.stdout);
  goldens.set(`${name}.status.yaml`, status.stdout);
  goldens.set(`${name}.diagnostics.txt`, diagnosticsText(bootstrap));
  return { bootstrap, status, goldens };
}

/** Parses a YAML stream (one or more documents separated by `---`) into plain values; throws on any error. */
export function parseYamlStream(text: string): unknown[] {
  return parseAllDocuments(text).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`document ${index + 1}: ${document.errors[0]!.message}`);
    return document.toJS() as unknown;
  });
}

/** A unified diff from expected (the golden) to actual, coloured unless NO_COLOR is set. */
export function renderDiff(goldenName: string, expected: string, actual: string): string {
  const color = process.env.NO_COLOR === undefined || process.env.NO_COLOR === '';
  const patch = createTwoFilesPatch(`golden/${goldenName}`, `actual output`, expected, actual, undefined, undefined, { context: 3 });
  return color ? colorizePatch(patch) : patch;
}

export const updateHint = 'if the new output is right, run `npm run golden:update` and review the golden diff';
