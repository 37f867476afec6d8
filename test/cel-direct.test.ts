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
import { ruleNodeKey } from '../src/schema/cel-codegen.js';
import { allHoldTest, compileDirect, undecided } from '../src/schema/cel-direct.js';
import { celDirectRules } from '../src/schema/generated/cel-direct-rules.js';
import { celKindTables } from '../src/schema/generated/cel-rules.js';
import type { EncodedExpr } from '../src/schema/cel-ast.js';
import { supportedKinds } from '../src/pipeline.js';
import { yamlFiles } from './support/files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const noRegex = { compile: () => ({ test: () => true }) };

/** Every corpus object (examples, fixtures, test inputs, the reference's inputs) and 300 generated HTTPRoutes. */
function corpusObjects() {
  const generated = generateInputs({ routes: 300, policyKinds: supportedKinds }).files.map((file) => ({ file: file.path, text: file.text }));
  const files = [...yamlFiles(join(root, 'examples')), ...yamlFiles(join(root, 'fixtures')), ...yamlFiles(join(root, 'test')), ...yamlFiles(join(root, '../shared/conformance'))];
  return parseTexts([...generated, ...files.map((file) => ({ file, text: readFileSync(file, 'utf8') }))]).objects;
}

/** The values at a rule path (`spec.rules.*.matches`; `*` is each item or map value) of `value`. */
function valuesAt(value: unknown, segments: readonly string[]): unknown[] {
  if (value === null || value === undefined) return [];
  if (segments.length === 0) return [value];
  const [first, ...rest] = segments;
  if (typeof value !== 'object') return [];
  if (first === '*') return Object.values(value).flatMap((item) => valuesAt(item, rest));
  return Array.isArray(value) ? [] : valuesAt((value as Record<string, unknown>)[first], rest);
}

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

  it('has, for each node whose rules all have a direct form, code written at build time that holds exactly when each of them does', () => {
    const objects = corpusObjects();
    let held = 0;
    let failed = 0;
    for (const kind of Object.keys(celKindTables)) {
      const nodes = new Map<string, EncodedExpr[]>();
      for (const rule of celRulesOf(kind)) {
        if (rule.skip) continue;
        const node = ruleNodeKey(rule.path);
        nodes.set(node, [...(nodes.get(node) ?? []), rule.ast as EncodedExpr]);
      }
      const ofKind = objects.filter((object) => `${groupOf(object.apiVersion)}/${object.kind}` === kind);
      for (const [node, asts] of nodes) {
        const rules = asts.map((ast) => compileDirect(ast, noRegex));
        const code = celDirectRules[kind]?.[node];
        assert.equal(code !== undefined, rules.every((rule) => rule !== undefined), `${kind} ${node}: code written at build time`);
        if (!code) continue;
        const allHold = allHoldTest(code, noRegex);
        for (const value of ofKind.flatMap((object) => valuesAt(object, node === '' ? [] : node.split('.')))) {
          const expected = rules.every((rule) => rule!(value) === true);
          assert.equal(allHold(value), expected, `${kind} ${node}: ${JSON.stringify(value).slice(0, 200)}`);
          if (expected) held++;
          else failed++;
        }
      }
    }
    // Both answers occur (the corpus has objects failing rules, and values without defaults give up).
    assert.ok(held > 1000 && failed > 10, `held ${held}, failed ${failed}`);
  });

  it('finds exactly the interpreter’s failures on every example, test input, generated repository and reference input', () => {
    let checked = 0;
    for (const object of corpusObjects()) {
      const groupKind = `${groupOf(object.apiVersion)}/${object.kind}`;
      const strip = (failures: ReturnType<typeof failingCelRules>) => failures.map(({ path, message }) => ({ path, message }));
      assert.deepEqual(strip(failingCelRules(object, groupKind)), strip(failingCelRules(object, groupKind, { interpretOnly: true })), `${object.kind} ${object.metadata.name}`);
      checked++;
    }
    // The 300 generated HTTPRoutes alone.
    assert.ok(checked > 300);
  });
});
