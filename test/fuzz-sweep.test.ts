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

describe('sweepCases', () => {
  const seed = {
    name: 'two-routes',
    documents: [
      { kind: 'HTTPRoute', metadata: { name: 'a' }, spec: { hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'app', port: 80 }] }] } },
      { kind: 'HTTPRoute', metadata: { name: 'b' }, spec: { hostnames: ['b.example.com'], rules: [{ backendRefs: [{ name: 'app', port: 80 }] }] } },
    ],
  };

  it('changes one leaf of the body at a time, four ways for strings and four for numbers', () => {
    const cases = [...sweepCases([seed])];
    // Per document: a hostname and a backend name (strings), a port (number); metadata is left alone.
    assert.equal(cases.length, 2 * 3 * 4);
    const port = cases.filter((c) => c.path.join('.') === '0.spec.rules.0.backendRefs.0.port');
    assert.deepEqual(port.map((c) => c.mutation), ['-1', '0', '2^31-1', '1.5']);
    assert.match(port[2].text, /port: 2147483647\n/);
    assert.ok(cases.every((c) => c.text.includes('name: a') && c.text.includes('name: b')), 'the metadata stays');
    const emptied = cases.find((c) => c.path.join('.') === '1.spec.hostnames.0' && c.mutation === 'emptied')!;
    assert.match(emptied.text, /hostnames:\n\s+- ""\n/);
  });

  it('with eachField, takes only the first leaf of each field of each kind', () => {
    const cases = [...sweepCases([seed], { eachField: true })];
    assert.deepEqual([...new Set(cases.map((c) => c.path.join('.')))], ['0.spec.hostnames.0', '0.spec.rules.0.backendRefs.0.name', '0.spec.rules.0.backendRefs.0.port']);
  });
});

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
