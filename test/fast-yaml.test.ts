/**
 * The fast YAML path (src/load/fast-yaml.ts) must read every text it accepts exactly as the
 * `yaml` package does, and leave to the `yaml` package every text where the two could differ.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateInputs } from '../src/bench/generate.js';
import { readPlainYaml } from '../src/load/fast-yaml.js';
import { parseTexts } from '../src/load/load.js';
import { supportedKinds } from '../src/pipeline.js';
import { yamlFiles } from './support/files.js';
import { yamlValues } from './support/yaml-values.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('fast YAML path', () => {
  it('reads plain scalars as the YAML 1.2 core schema of the yaml package does', () => {
    const text = 'a: 0o17\nb: 0x1F\nc: 1_000\nd: +12\ne: 012\nf: 1e3\ng: .5\nh: yes\ni: ~\nj: True\nk: 2001-12-14\nl: 0b11\nm: -.inf\nn: "1"\no: 1.\n';
    const fast = readPlainYaml(text);
    assert.deepEqual(fast, [{ a: 15, b: 31, c: '1_000', d: 12, e: 12, f: 1000, g: 0.5, h: 'yes', i: null, j: true, k: '2001-12-14', l: '0b11', m: -Infinity, n: '1', o: 1 }]);
    assert.deepEqual(fast, yamlValues(text));
  });

  it('leaves to the yaml package what only it reads the same way or reports', () => {
    const needsYamlPackage = [
      'a: &x 1\nb: *x\n', // anchors and aliases (alias limits)
      'a: !!binary aGk=\n', // tags
      '%YAML 1.1\n---\na: yes\n', // directives change the schema
      '? [a]\n: b\n', // complex keys
      '[a]: b\n',
      'k: [a,\nb]\n', // flow collections over several lines
      "k: 'a\n  b'\n", // quoted scalars over several lines
      '~: a\n', // a null key: "" in the yaml package, "null" in js-yaml
      'a: 1\na: 2\n', // duplicate keys are errors
      'a: b: c\n', // syntax errors
      '__proto__: x\n',
    ];
    for (const text of needsYamlPackage) assert.equal(readPlainYaml(text), undefined, JSON.stringify(text));
  });

  it('keeps empty documents out, as the loader counts documents with content', () => {
    assert.deepEqual(readPlainYaml('---\n# only a comment\n---\na: 1\n---\n---\nb: 2\n'), [{ a: 1 }, { b: 2 }]);
  });

  it('agrees with the yaml package on every example, test input, generated repository and reference input', () => {
    const generated = generateInputs({ routes: 300, policyKinds: supportedKinds }).files.map((file) => file.text);
    const files = [...yamlFiles(join(root, 'examples')), ...yamlFiles(join(root, 'fixtures')), ...yamlFiles(join(root, 'test')), ...yamlFiles(join(root, '../shared/conformance'))];
    let fast = 0;
    for (const text of [...generated, ...files.map((file) => readFileSync(file, 'utf8'))]) {
      const values = readPlainYaml(text);
      if (values === undefined) continue;
      fast++;
      assert.deepEqual(values, yamlValues(text));
    }
    // Most real inputs take the fast path.
    assert.ok(fast > generated.length, `only ${fast} texts took the fast path`);
  });

  it('points diagnostics at the same positions on either path', () => {
    // The first text takes the fast path, the second (an anchor) the yaml path; both documents
    // lack a name, reported at `metadata` after an empty document.
    const body = '---\n---\napiVersion: v1\nkind: Service\nmetadata:\n  namespace: x\n';
    const fastPath = parseTexts([{ file: 'a.yaml', text: body }]).diagnostics;
    const yamlPath = parseTexts([{ file: 'a.yaml', text: `${body}  labels: &l {}\n` }]).diagnostics;
    assert.equal(readPlainYaml(body) !== undefined, true);
    assert.deepEqual(
      fastPath.map((d) => [d.code, d.line, d.column]),
      yamlPath.map((d) => [d.code, d.line, d.column]),
    );
    assert.deepEqual(fastPath.map((d) => [d.line, d.column]), [[6, 3]]);
  });
});
