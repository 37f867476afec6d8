/**
 * The direct evaluation of CEL rules (src/schema/cel-direct.ts) must never disagree with the
 * interpreter: it only confirms rules that hold, and gives up on anything it is not sure of.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateInputs } from '../src/bench/generate.js';
import { parseTexts } from '../src/load/load.js';
import { groupOf } from '../src/load/resource.js';
import { celRulesOf, failingCelRules } from '../src/schema/cel.js';
import { compileDirect, undecided } from '../src/schema/cel-direct.js';
import type { EncodedExpr } from '../src/schema/cel-ast.js';
import { supportedKinds } from '../src/pipeline.js';
import { yamlFiles } from './support/files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const noRegex = { compile: () => ({ test: () => true }) };

function direct(kind: string, ruleText: string) {
  const rule = celRulesOf(kind).find((r) => r.rule === ruleText);
  assert.ok(rule?.ast, `no rule ${ruleText}`);
  const compiled = compileDirect(rule.ast as EncodedExpr, noRegex);
  assert.ok(compiled, `${ruleText} is not evaluated directly`);
  return compiled;
}


describe('direct CEL evaluation', () => {
  it('evaluates has(), string comparisons and ?: as CEL does', () => {
    const rule = direct('gateway.networking.k8s.io/HTTPRoute', "!(has(self.urlRewrite) && self.type != 'URLRewrite')");
    assert.equal(rule({ type: 'URLRewrite', urlRewrite: {} }), true);
    assert.equal(rule({ type: 'RequestMirror', urlRewrite: {} }), false);
    assert.equal(rule({ type: 'RequestMirror' }), true);
    // A null value: the interpreter's has() decides.
    assert.equal(rule({ type: 'URLRewrite', urlRewrite: null }), undecided);
  });

  it('evaluates the comprehensions of filter() and size() over lists', () => {
    const rule = direct('gateway.networking.k8s.io/HTTPRoute', "self.filter(f, f.type == 'RequestHeaderModifier').size() <= 1");
    const filter = (type: string) => ({ type });
    assert.equal(rule([filter('RequestHeaderModifier'), filter('URLRewrite')]), true);
    assert.equal(rule([filter('RequestHeaderModifier'), filter('RequestHeaderModifier')]), false);
    // A field read without has() that is absent is an error for CEL: left to the interpreter.
    assert.equal(rule([{}]), undecided);
  });

  it('gives up on numbers read from the object', () => {
    const rule = direct('gateway.networking.k8s.io/HTTPRoute', 'self.numerator <= self.denominator');
    assert.equal(rule({ numerator: 1, denominator: 2 }), undecided);
  });

  it('finds exactly the interpreter’s failures on every example, test input, generated repository and reference input', () => {
    const generated = generateInputs({ routes: 300, policyKinds: supportedKinds }).files.map((file) => ({ file: file.path, text: file.text }));
    const files = [...yamlFiles(join(root, 'examples')), ...yamlFiles(join(root, 'fixtures')), ...yamlFiles(join(root, 'test')), ...yamlFiles(join(root, '../shared/conformance'))];
    const texts = [...generated, ...files.map((file) => ({ file, text: readFileSync(file, 'utf8') }))];
    let checked = 0;
    for (const object of parseTexts(texts).objects) {
      const groupKind = `${groupOf(object.apiVersion)}/${object.kind}`;
      const strip = (failures: ReturnType<typeof failingCelRules>) => failures.map(({ path, message }) => ({ path, message }));
      assert.deepEqual(strip(failingCelRules(object, groupKind)), strip(failingCelRules(object, groupKind, { interpretOnly: true })), `${object.kind} ${object.metadata.name}`);
      checked++;
    }
    // The 300 generated HTTPRoutes alone.
    assert.ok(checked > 300);
  });
});
