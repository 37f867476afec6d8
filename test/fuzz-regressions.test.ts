// Every reproducer the fuzzer saved (test/fuzz-findings/*.yaml) and that was fixed stays fixed:
// the whole pipeline runs on it without throwing, reports no caught runtime error, and every
// bootstrap passes the strict proto check. Hangs are the fuzzer's to find (its watchdog runs in
// CI), and how fast a reproducer runs is the benchmark's business, not a test's.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkInput } from '../src/fuzz/check.js';
import { projectRoot } from './golden-support.js';

const findingsDir = join(projectRoot, 'test', 'fuzz-findings');
const reproducers = existsSync(findingsDir) ? readdirSync(findingsDir).filter((name) => name.endsWith('.yaml')).sort() : [];

describe('fuzz regressions', () => {
  it('has reproducers to replay', () => {
    assert.ok(reproducers.length > 0, `no reproducers in ${findingsDir}`);
  });

  for (const name of reproducers) {
    it(name, () => {
      const text = readFileSync(join(findingsDir, name), 'utf8');
      const note = readFileSync(join(findingsDir, name.replace(/\.yaml$/, '.md')), 'utf8').split('\n')[0];
      const problem = checkInput(text, name);
      assert.equal(problem, undefined, `${note}\nnow: ${problem?.kind}: ${problem?.message} ${problem?.detail}`);
    });
  }
});
