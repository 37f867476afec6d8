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

  it('compares two numbers read from the object with == and != only, and gives up on any other use', () => {
    const ordered = direct('gateway.networking.k8s.io/HTTPRoute', 'self.numerator <= self.denominator');
    assert.equal(ordered({ numerator: 1, denominator: 2 }), undecided);
    const unique = direct(
      'gateway.networking.k8s.io/Gateway',
      'self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))',
    );
    const listener = (port: number, hostname?: string) => ({ protocol: 'HTTP', port, ...(hostname ? { hostname } : {}) });
    assert.equal(unique([listener(80), listener(8080)]), true);
    assert.equal(unique([listener(80), listener(80)]), false);
    assert.equal(unique([listener(80, 'a.example.com'), listener(80, 'b.example.com')]), true);
    // IEEE equality, as the interpreter's doubles: -0 equals 0, NaN equals nothing.
    assert.equal(unique([listener(0), listener(-0)]), false);
    assert.equal(unique([listener(Number.NaN)]), false);
  });

  it('agrees with the interpreter on number equality, whatever the numbers', () => {
    const ports = [0, -0, 1, 80, 80.5, 65535, 2 ** 53, 2 ** 53 + 2, 1e300, Number.NaN, Number.POSITIVE_INFINITY];
    const gateway = (listeners: object[]) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'ns' }, spec: { gatewayClassName: 'eg', listeners } });
    let checked = 0;
    for (const a of ports) {
      for (const b of ports) {
        const object = gateway([
          { name: 'a', protocol: 'HTTP', port: a },
          { name: 'b', protocol: 'HTTP', port: b },
        ]);
        const strip = (failures: ReturnType<typeof failingCelRules>) => failures.map(({ path, message }) => ({ path, message }));
        const kind = 'gateway.networking.k8s.io/Gateway';
        assert.deepEqual(strip(failingCelRules(object, kind)), strip(failingCelRules(object, kind, { interpretOnly: true })), `ports ${a} and ${b}`);
        checked++;
      }
    }
    assert.equal(checked, ports.length ** 2);
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
