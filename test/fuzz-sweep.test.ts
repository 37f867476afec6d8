// The one-leaf sweeps (src/fuzz/sweep.ts) on the first leaf of each field of the seeds: no line
// break, NUL, space or empty string, and no -1, 0, 2^31-1 or 1.5 put into a seed may make egc
// throw, report a bug of its own (EGC5003) or write a bootstrap that fails the strict proto
// check. The sweep of every leaf (`npm run fuzz -- --sweep`) takes minutes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInput } from '../src/fuzz/check.js';
import { loadSeeds } from '../src/fuzz/corpus.js';
import { sweepCases } from '../src/fuzz/sweep.js';
import { projectRoot } from './golden-support.js';

describe('one-leaf sweep, each field once', () => {
  it("every field's mutations are handled as input", () => {
    const failures: string[] = [];
    let runs = 0;
    for (const sweepCase of sweepCases(loadSeeds(projectRoot), { eachField: true })) {
      runs++;
      const problem = checkInput(sweepCase.text, `${sweepCase.seed}.yaml`);
      if (problem) failures.push(`${sweepCase.seed} ${sweepCase.path.join('.')} ${sweepCase.mutation}: ${problem.kind}: ${problem.message}`);
    }
    assert.ok(runs > 1000, `only ${runs} mutations: seeds are missing`);
    assert.deepEqual(failures, []);
  });
});
