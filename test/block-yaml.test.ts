/**
 * The block reader (src/load/block-yaml.ts) must read every text it accepts exactly as the path
 * it replaces does (fast-yaml.ts's readPlainYaml: js-yaml under the core schema, after its
 * checks), with no input limit hit, and so also as the `yaml` package does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateInputs } from '../src/bench/generate.js';
import { readBlockYaml, ScalarCache } from '../src/load/block-yaml.js';
import { readPlainYaml } from '../src/load/fast-yaml.js';
import { inputLimits, textLimitHit } from '../src/load/limits.js';
import { supportedKinds } from '../src/pipeline.js';
import { yamlFiles } from './support/files.js';
import { yamlValues } from './support/yaml-values.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** What acceptance promises: the replaced path's values, and no input limit hit. */
function assertSameAsGeneralPath(text: string, values: unknown[]): void {
  assert.deepEqual(values, readPlainYaml(text), JSON.stringify(text.slice(0, 300)));
  assert.equal(textLimitHit(text), undefined, JSON.stringify(text.slice(0, 300)));
}

function seedTexts(): string[] {
  const generated = generateInputs({ routes: 30, policyKinds: supportedKinds }).files.map((file) => file.text);
  const files = [...yamlFiles(join(root, 'examples')), ...yamlFiles(join(root, 'fixtures'))];
  return [...generated, ...files.map((file) => readFileSync(file, 'utf8'))];
}

describe('block YAML reader', () => {
  it('reads mappings, sequences, scalars and comments as YAML 1.2 does', () => {
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: web   # trailing comment',
      '  labels: {}',
      'spec:',
      '  ports:',
      '  - name: http',
      '    port: 80',
      '    targetPort: 0x1F',
      '  -   name: "h #2"',
      '      port: -8',
      '  selector: []',
      '  ratio: 1.5',
      '  on: true',
      '  off: ~',
      '  empty:',
      '',
      '  tags:',
      '    - \'it\'\'s\'',
      '    - "a\\"b\\\\c\\n"',
      '    - https://x.example.com/a#b',
      '    - 1_000',
      '---',
      '# only a comment',
      '---',
      '- just: a list',
      '',
    ].join('\n');
    const expected = [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', labels: {} },
        spec: {
          ports: [
            { name: 'http', port: 80, targetPort: 31 },
            { name: 'h #2', port: -8 },
          ],
          selector: [],
          ratio: 1.5,
          on: true,
          off: null,
          empty: null,
          tags: ["it's", 'a"b\\c\n', 'https://x.example.com/a#b', '1_000'],
        },
      },
      [{ just: 'a list' }],
    ];
    const values = readBlockYaml(text);
    assert.deepEqual(values, expected);
    assert.deepEqual(values, yamlValues(text));
    assertSameAsGeneralPath(text, values!);
  });

  it('tells apart keys and scalars that share a cache slot', () => {
    // "Aa" and "BB" have the same hash; a plain 80 is a number, a quoted one a string.
    const cache = new ScalarCache();
    const text = 'Aa: Aa\nBB: BB\nc: 80\nd: "80"\ne: \'80\'\nf: "Aa"\n';
    const expected = [{ Aa: 'Aa', BB: 'BB', c: 80, d: '80', e: '80', f: 'Aa' }];
    assert.deepEqual(readBlockYaml(text, cache), expected);
    assert.deepEqual(readBlockYaml(text, cache), expected);
  });

  it('tells which documents hold a null, in any spelling and at any depth', () => {
    const noNulls: boolean[] = [];
    const documents = ['a: 1\nb: [] # ~', 'a: ~', 'a:\n  b:\n    - null', 'a:\n  - x\n  - Null', 'a:\nb: NULL', 'a: "~"\nb: \'null\'\nc: {}'];
    const values = readBlockYaml(documents.join('\n---\n'), new ScalarCache(), noNulls);
    assert.equal(values?.length, documents.length);
    assert.deepEqual(noNulls, [true, false, false, false, false, true]);
  });

  it('builds mappings of any size and key list, as many key lists as a repository has', () => {
    const cache = new ScalarCache();
    for (const size of [1, 2, 16, 17, 33, 100]) {
      const keys = Array.from({ length: size }, (_, i) => `k${i}`);
      const text = keys.map((key, i) => `${key}: ${i}`).join('\n');
      assert.deepEqual(readBlockYaml(text, cache), [Object.fromEntries(keys.map((key, i) => [key, i]))], `${size} keys`);
      // A duplicate key, first or last, is the general path's to report.
      assert.equal(readBlockYaml(`${text}\nk0: again`, cache), undefined, `${size} keys, first repeated`);
      assert.equal(readBlockYaml(`${text}\nk${size - 1}: again`, cache), undefined, `${size} keys, last repeated`);
    }
    // Names objects inherit are never keys here.
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) assert.equal(readBlockYaml(`${key}: x`, cache), undefined, key);
    // More distinct key lists than the reader keeps shapes for.
    for (let i = 0; i < 5000; i++) {
      const text = `a${i}: 1\nb: []\nc${i % 7}: x`;
      assert.deepEqual(readBlockYaml(text, cache), [{ [`a${i}`]: 1, b: [], [`c${i % 7}`]: 'x' }], text);
    }
  });

  it('declines what is outside the subset, so the general path reads or reports it', () => {
    const outside = [
      'a: &x 1\nb: *x\n', // anchors and aliases
      'a: !!str 1\n', // tags
      '%YAML 1.2\n---\na: 1\n', // directives
      'a: |\n  text\n', // block scalars
      'a: >\n  text\n',
      'a: [1, 2]\n', // flow collections
      'a: {b: 1}\n',
      'a: one\n  two\n', // a plain scalar over two lines
      'a: "one\n  two"\n', // a quoted scalar over two lines
      'a: "\\u00e9"\n', // other escapes
      '- - a\n', // nested items on one line
      '-\n  a: 1\n', // an empty item marker
      '"a": 1\n', // quoted keys
      'a b: 1\n', // keys with spaces
      '80: http\n', // keys that are not strings
      'true: 1\n',
      'null: 1\n',
      '~: 1\n',
      'a: 1\na: 2\n', // duplicate keys
      'constructor: 1\n', // a key objects inherit
      '__proto__: 1\n',
      'a: __proto__\n',
      'a: .inf\n', // numbers JSON cannot hold
      'a: 1e999\n',
      'a:\tb\n', // tabs
      'a: b\r\n', // CRs
      'a: b\u0001\n', // control characters
      'a: \ud83d\ude00\n', // characters outside the BMP
      'a: b: c\n', // syntax errors
      'a: 1\n b: 2\n',
      'a: "x" y\n',
      '--- a: 1\n', // content after a separator
      'a: 1\n...\n', // document end markers
      'a: x *y\n', // what needsYamlPackage sends to the yaml package
      'a: "x *y"\n',
      '# x *y\na: 1\n',
      'a: b]:\n',
      'a: x[0]\n', // brackets and quotes inside plain scalars
      "a: it's\n",
      'x\n', // a document that is a scalar
    ];
    for (const text of outside) assert.equal(readBlockYaml(text), undefined, JSON.stringify(text));
  });

  it('counts documents and nesting as the input limits do', () => {
    const documents = (count: number) => 'a: 1\n' + '---\na: 1\n'.repeat(count - 1);
    assert.equal(readBlockYaml(documents(inputLimits.maxDocumentsPerFile))?.length, inputLimits.maxDocumentsPerFile);
    assert.equal(readBlockYaml(documents(inputLimits.maxDocumentsPerFile + 1)), undefined);
    assert.notEqual(textLimitHit(documents(inputLimits.maxDocumentsPerFile + 1)), undefined);
    // A leading `---` starts the first document rather than a second one.
    assert.equal(readBlockYaml('---\na: 1\n'.repeat(inputLimits.maxDocumentsPerFile))?.length, inputLimits.maxDocumentsPerFile);
    const nestedMaps = (depth: number) => Array.from({ length: depth }, (_, level) => `${' '.repeat(level)}k:`).join('\n') + ' 1\n';
    const nestedItems = (depth: number) => Array.from({ length: depth }, (_, level) => `${' '.repeat(level * 2)}- k:`).join('\n') + ' 1\n';
    // Each level of nestedItems is two collections: a sequence and a mapping.
    for (const [nested, collectionsPerLevel] of [[nestedMaps, 1], [nestedItems, 2]] as const) {
      let accepted = 0;
      for (let depth = 1; depth <= inputLimits.maxNestingDepth + 5; depth++) {
        const text = nested(depth);
        const values = readBlockYaml(text);
        if (values === undefined) {
          // Declined only near js-yaml's nesting limit of 100 nodes (the general path then reads
          // it with the yaml package) or the input limit (the general path reports it).
          assert.ok(depth * collectionsPerLevel >= 95, `declined at depth ${depth}`);
          continue;
        }
        accepted++;
        assertSameAsGeneralPath(text, values);
      }
      assert.ok(accepted * collectionsPerLevel >= 95);
    }
  });

  it('agrees with the general path and the yaml package on every example, fixture, test input and reference input', () => {
    const files = [...yamlFiles(join(root, 'examples')), ...yamlFiles(join(root, 'fixtures')), ...yamlFiles(join(root, 'test')), ...yamlFiles(join(root, '../shared/conformance'))];
    const texts = [...seedTexts(), ...files.map((file) => readFileSync(file, 'utf8'))];
    let accepted = 0;
    for (const text of texts) {
      const values = readBlockYaml(text);
      if (values === undefined) continue;
      accepted++;
      assertSameAsGeneralPath(text, values);
      assert.deepEqual(values, yamlValues(text));
    }
    // The generated repository (what large inputs look like) is read entirely by the block reader.
    const generated = generateInputs({ routes: 300, policyKinds: supportedKinds }).files;
    assert.equal(generated.filter((file) => readBlockYaml(file.text) === undefined).length, 0);
    assert.ok(accepted > texts.length / 2, `only ${accepted} of ${texts.length} texts were read by the block reader`);
  });

  it('agrees with the general path on mutated inputs', () => {
    // Mutations insert YAML's special characters, delete, indent and duplicate lines; whatever
    // the reader accepts must be read as the general path reads it.
    const seeds = seedTexts().filter((text) => readBlockYaml(text) !== undefined);
    const pieces = [' ', '  ', '\n', '- ', ': ', ':', '#', ' #', '"', "'", '[', ']', '{}', '[]', '!', '&', '*', '?', '|', '>', '%', ',', '\t', '\r', '\\', '\\n', '---', '...', '~', 'null', 'true', '1', '0x1F', '.inf', '-', '.', '__proto__', 'é', '\u00a0', '\u2028', '\ufeff', '\u0001', 'key', '\n  ', '\n- ', "''", 'constructor'];
    let state = 12345;
    const random = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    let accepted = 0;
    for (let round = 0; round < 4000; round++) {
      let text = seeds[random(seeds.length)];
      if (text.length > 2000) {
        const start = text.lastIndexOf('\n', random(text.length - 1500)) + 1;
        text = text.slice(start, start + 1500);
      }
      for (let mutation = random(3); mutation >= 0; mutation--) {
        const at = random(text.length + 1);
        const lineStart = text.lastIndexOf('\n', at - 1) + 1;
        const lineEnd = text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at);
        const kind = random(4);
        if (kind === 0) text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at);
        else if (kind === 1) text = text.slice(0, at) + text.slice(at + 1 + random(3));
        else if (kind === 2) text = text.slice(0, lineStart) + ' '.repeat(1 + random(2)) + text.slice(lineStart);
        else text = text.slice(0, lineEnd) + '\n' + text.slice(lineStart, lineEnd) + text.slice(lineEnd);
      }
      const values = readBlockYaml(text);
      if (values === undefined) continue;
      accepted++;
      assertSameAsGeneralPath(text, values);
    }
    assert.ok(accepted > 200, `only ${accepted} mutants were accepted`);
  });
});
