import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { generateInputs, seededRandom } from '../src/bench/generate.js';
import { measureNodeInterleaved } from '../src/bench/measure.js';
import { serialize, writeYaml, yamlLayout } from '../src/bootstrap/write.js';
import { compile, supportedKinds } from '../src/pipeline.js';
import { checkMessage } from '../src/verify/proto.js';

const generated = generateInputs({ routes: 100, policyKinds: supportedKinds });
const result = compile({ inputs: generated.files.map((file) => ({ file: file.path, text: file.text })) });

describe('benchmark input generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    assert.deepEqual(generateInputs({ routes: 100, policyKinds: supportedKinds }), generated);
    assert.notDeepEqual(generateInputs({ routes: 100, seed: 2 }).files, generateInputs({ routes: 100, seed: 1 }).files);
  });

  it('writes valid YAML with the requested number of routes and the objects it counts', () => {
    const kinds: Record<string, number> = {};
    for (const file of generated.files) {
      for (const document of parseAllDocuments(file.text)) {
        assert.deepEqual(document.errors, [], file.path);
        const kind = (document.toJS() as { kind: string }).kind;
        kinds[kind] = (kinds[kind] ?? 0) + 1;
      }
    }
    assert.deepEqual(kinds, generated.counts);
    assert.equal(kinds.HTTPRoute, 100);
    // Two gateways at this size, each with its TLS Secret; every Service has its slice.
    assert.equal(kinds.Gateway, 2);
    assert.equal(kinds.Secret, 2);
    assert.equal(kinds.EndpointSlice, kinds.Service);
  });

  it('compiles with no error diagnostics and one proxy per Gateway', () => {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors, []);
    assert.deepEqual(
      result.proxies.map((p) => p.name),
      ['infra/gw-0', 'infra/gw-1'],
    );
  });

  it('accepts every route on its Gateways', () => {
    const routes = result.objects.filter((o) => o.kind === 'HTTPRoute');
    assert.equal(routes.length, 100);
    for (const route of routes) {
      const parents: any[] = route.status?.parents ?? [];
      assert.ok(parents.length > 0, `${route.metadata.name} has no parent status`);
      for (const parent of parents) {
        const accepted = parent.conditions.find((c: any) => c.type === 'Accepted');
        assert.equal(accepted?.status, 'True', `${route.metadata.name}: ${accepted?.message}`);
      }
    }
  });

  it('gives bootstraps that pass the strict proto check', () => {
    for (const proxy of result.proxies) {
      assert.deepEqual(checkMessage('envoy.config.bootstrap.v3.Bootstrap', proxy.bootstrap), [], proxy.name);
    }
  });

  it('gives bootstraps the fast YAML writer prints exactly as the yaml package does', () => {
    for (const proxy of result.proxies) {
      assert.equal(serialize(proxy.bootstrap, 'yaml'), stringify(proxy.bootstrap, yamlLayout), proxy.name);
    }
  });
});

describe('fast YAML writer (src/bootstrap/write.ts)', () => {
  // The yaml package is the reference: the fast path must print the same bytes, or give way to it.
  const tricky: unknown[] = [
    { plain: 'a/b.c', quoted: ['true', 'null', '', '1e3', '0x1F', '.inf', '- x', 'a: b', 'a #b', '@type', '*', 'x:'], n: [0, -0, 1.5, -7] },
    { 'say "hi"': 'it\'s', both: `"'`, lines: 'one\ntwo\n', strip: 'one\ntwo', keep: 'one\n\n', lead: ' x\ny', marker: 'a\n---\n' },
    [[1, [2, []]], {}, [], { a: { b: [{ c: null, d: undefined }] } }, 'tab\there', 'ctl\u0001'],
    { empty: {}, none: [], nested: [[{ k: 'v', w: ['x'] }]], undef: undefined },
    // Mappings as sequence items, whose first key shares the dash's line: with no entry after all,
    // and with a first value that turns out empty.
    { items: [{ gone: undefined }, { first: { gone: undefined }, then: 1 }, { only: [] }, [{ inner: 'x' }]] },
    // Short strings (copied a character at a time) and long ones (encoded natively), some built as ropes.
    ['aŁb', 'a'.repeat(12) + 'é', `route/${'x'.repeat(10)}/Ł`, 'twelve chars: then more', 'long value #comment', 'long value ending:', 'long value ending ', '10000000000000000000000', 'https://example.com/a?b=c'],
    // Surrogates make the fast writer give up.
    [`${'y'.repeat(12)}😀`, `${'z'.repeat(12)}\uD800`],
    // Strings starting with a digit: numbers to the core schema (quoted) or not (plain), short and long.
    ['1', '1.5', '1.', '1.2.3', '10.0.0.1', '1e5', '1E+5', '1.5e-3', '0x1F', '0o17', '0xZZ', '0o8', '30s', '1-2', '12:30', '1_000', '1.e5', '9e', '123abc'],
    ['1234567890.123', '10.100.200.300', '1234567890123e5', '1234567890123s', '0x1234567890abcdef', '12345678901234'],
    // Sequences at their key's indentation, with a block scalar (the yaml package's part) deep inside.
    { seq: [{ list: ['x', { deep: [1, [2]], text: 'multi\nline\n' }], after: [] }], tail: [{ k: [{ v: 'w' }] }] },
  ];
  it('writes a sequence under a key at the key\'s indentation, as egctl does', () => {
    const value = { listeners: [{ name: 'a', filterChains: [{ filters: ['x', 'y'] }] }], defaultFilterChain: { filters: ['z'] } };
    const expected = ['listeners:', '- name: a', '  filterChains:', '  - filters:', '    - x', '    - y', 'defaultFilterChain:', '  filters:', '  - z', ''].join('\n');
    assert.equal(serialize(value, 'yaml'), expected);
  });

  it('copies the text of a repeated object written again at the same depth, and writes it anew elsewhere', () => {
    // Routes like those a Gateway's HTTP and HTTPS listeners share: one object in several sequences.
    const route = (i: number) => ({ match: { prefix: `/r${i}` }, name: `route-${i}`, route: { cluster: `c${i}`, timeout: '5s' }, tags: [i, { deep: 'x'.repeat(i % 40) }] });
    const routes = Array.from({ length: 6000 }, (_, i) => route(i));
    const chain = (name: string) => ({ filters: [{ name, typedConfig: { routeConfig: { virtualHosts: [{ name, routes }] } } }] });
    // The same depth in `defaultFilterChain` and `filterChains`, one step deeper under `nested`, and
    // empty mappings (written as `- {}`). 6 000 routes of ~150 bytes make ~4 MB: several texts
    // straddle a megabyte of the writer's buffer, where one handed over in part is not kept.
    const empty = {};
    const value = { listeners: [{ defaultFilterChain: chain('http'), filterChains: [chain('https')] }], nested: { deeper: [{ routes }] }, empties: [empty, [empty], empty] };
    const repeated = new Set<object>([...routes, empty]);
    const chunks: Buffer[] = [];
    writeYaml(value, { write: (bytes) => chunks.push(Buffer.from(bytes)) }, repeated);
    const text = Buffer.concat(chunks).toString('utf8');
    assert.equal(text, serialize(value, 'yaml'));
    assert.equal(text, stringify(value, yamlLayout));
  });

  for (const [i, value] of tricky.entries()) {
    it(`matches the yaml package on tricky value ${i}`, () => {
      assert.equal(serialize(value, 'yaml'), stringify(value, yamlLayout));
    });
  }

  it('matches the yaml package on strings that start with a digit and may or may not read as numbers', () => {
    // A fixed pseudo-random sequence (a failure must reproduce) over the characters of numbers and a few others.
    const alphabet = '0123456789..eE+-xXoOabfAF_s:/';
    const random = seededRandom(20241126);
    const next = (bound: number) => Math.floor(random() * bound);
    const strings: string[] = [];
    for (let i = 0; i < 3000; i++) {
      let text = String(next(10));
      const length = next(16);
      for (let j = 0; j < length; j++) text += alphabet[next(alphabet.length)];
      strings.push(text);
    }
    assert.equal(serialize(strings, 'yaml'), stringify(strings, yamlLayout));
  });
});

describe('benchmark timing (src/bench/measure.ts)', () => {
  it('takes the runs of several commands in turns, after a warm-up of each', () => {
    const directory = mkdtempSync(join(tmpdir(), 'egc-measure-'));
    try {
      const log = join(directory, 'order');
      const append = (label: string) => ['-e', `require('node:fs').appendFileSync(${JSON.stringify(log)}, '${label}')`];
      const [a, b] = measureNodeInterleaved([
        { nodeArgs: append('A'), runs: 2 },
        { nodeArgs: append('B'), runs: 1 },
      ]);
      // Warm-ups A and B, then round 1 of both, then A's second run; warm-ups are not counted.
      assert.equal(readFileSync(log, 'utf8'), 'ABABA');
      assert.deepEqual([a.ms.samples.length, a.cpuMs.samples.length, b.ms.samples.length, b.peakRss.samples.length], [2, 2, 1, 1]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
