// Runs every CLI scenario in test/cli-scenarios/ against the built CLI (dist/egc.js): each
// scenario folder holds its input files, `cmd` (the egc arguments, one line), and the expected
// stdout, stderr and exit code. The CLI runs with the scenario folder as its cwd and NO_COLOR=1,
// so paths in diagnostics are relative and output is plain.
//
// UPDATE_SCENARIOS=1 rewrites the expected files from what egc prints now; review the diff
// before committing it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderDiagnosticsDoc } from '../scripts/docs-diagnostics.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scenarioRoot = join(root, 'test', 'cli-scenarios');
const cli = join(root, 'dist', 'egc.js');
const update = process.env.UPDATE_SCENARIOS === '1';

/** Splits a command line on spaces, keeping single- or double-quoted parts together. */
export function splitArguments(line: string): string[] {
  const args: string[] = [];
  for (const match of line.trim().matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) args.push(match[1] ?? match[2] ?? match[3]!);
  return args;
}

function run(directory: string): { stdout: string; stderr: string; exit: number } {
  const args = splitArguments(readFileSync(join(directory, 'cmd'), 'utf8'));
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  delete env.EGC_ENVOY;
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: directory, env, encoding: 'utf8', timeout: 60_000 });
  return { stdout: result.stdout, stderr: result.stderr, exit: result.status ?? -1 };
}

const scenarios = readdirSync(scenarioRoot, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

test('the scenario suite is not empty', () => {
  assert.ok(scenarios.length >= 20, `found ${scenarios.length} scenarios`);
});

for (const name of scenarios) {
  test(`scenario ${name}`, () => {
    const directory = join(scenarioRoot, name);
    const actual = run(directory);
    const files = { stdout: join(directory, 'expected.stdout'), stderr: join(directory, 'expected.stderr'), exit: join(directory, 'expected.exit') };
    if (update) {
      writeFileSync(files.stdout, actual.stdout);
      writeFileSync(files.stderr, actual.stderr);
      writeFileSync(files.exit, `${actual.exit}\n`);
      return;
    }
    assert.ok(existsSync(files.exit), `${name}: no expected files; run with UPDATE_SCENARIOS=1 and review them`);
    assert.equal(actual.exit, Number(readFileSync(files.exit, 'utf8').trim()), `${name}: exit code\nstderr:\n${actual.stderr}`);
    assert.equal(actual.stdout, readFileSync(files.stdout, 'utf8'), `${name}: stdout`);
    assert.equal(actual.stderr, readFileSync(files.stderr, 'utf8'), `${name}: stderr`);
  });
}

test('docs/diagnostics.md is generated from the scenarios (node build/scripts/docs-diagnostics.js)', () => {
  const path = join(root, 'docs', 'diagnostics.md');
  const expected = renderDiagnosticsDoc(root);
  if (update) writeFileSync(path, expected);
  assert.equal(readFileSync(path, 'utf8'), expected);
});

test('splitArguments keeps quoted arguments whole', () => {
  assert.deepEqual(splitArguments(`validate -f "a b.yaml" --format 'json'\n`), ['validate', '-f', 'a b.yaml', '--format', 'json']);
});
