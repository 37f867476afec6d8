// No input crashes egc: malformed and hostile YAML, wrong shapes and reference cycles each end in
// a clear diagnostic (with the limit named when one is hit) within bounded time, never a stack
// trace; and the output is safe to run (admin on loopback, regex routes that swallow others are
// reported).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { checkInput, signatureOf } from '../src/fuzz/check.js';
import { buildVocabulary, mutate } from '../src/fuzz/mutate.js';
import { iterationSeed, Random } from '../src/fuzz/random.js';
import { shadowedRoutes, validateRegex } from '../src/gatewayapi/regex.js';
import { readInputs } from '../src/load/load.js';
import { compile, type CompileResult } from '../src/pipeline.js';
import { checkMessage } from '../src/verify/proto.js';
import { cliPath, runCli } from './golden-support.js';

const work = mkdtempSync(join(tmpdir(), 'egc-robust-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Compiles one text in process (a throw fails the test; how long it takes is the benchmark's business). */
function compileText(text: string, file = 'input.yaml'): CompileResult {
  return compile({ inputs: [{ file, text }] });
}

function codesOf(diagnostics: readonly Diagnostic[]): string[] {
  return [...new Set(diagnostics.map((d) => d.code))].sort();
}

const gatewayBase = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg, namespace: default}
spec:
  gatewayClassName: eg
  listeners: [{name: http, protocol: HTTP, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: default}
spec: {clusterIP: 10.0.0.5, ports: [{port: 80, name: http}]}
`;

function route(name: string, rules: string): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: default}
spec:
  parentRefs: [{name: eg}]
  rules:
${rules}`;
}

describe('malformed YAML', () => {
  const cases: [string, string, number, number][] = [
    ['tab indentation', 'apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: x\n', 4, 1],
    ['bad indentation', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n namespace: y\n', 5, 1],
    ['unclosed quote', 'apiVersion: v1\nkind: "Namespace\nmetadata: {name: x}\n', 4, 1],
    ['duplicate key', 'apiVersion: v1\nkind: Namespace\nkind: Namespace\nmetadata: {name: x}\n', 3, 1],
  ];
  for (const [name, text, line, column] of cases) {
    it(`${name}: EGC1003 at ${line}:${column}`, () => {
      const result = compileText(text);
      const error = result.diagnostics.find((d) => d.code === 'EGC1003');
      assert.ok(error, JSON.stringify(result.diagnostics));
      assert.deepEqual([error.line, error.column], [line, column]);
    });
  }

  it('a BOM and CRLF line ends are read as plain YAML', () => {
    const result = compileText('\uFEFFapiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n  name: crlf\r\n');
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.objects[0].metadata.name, 'crlf');
  });

  it('invalid UTF-8 is an error at the offending byte, not replacement characters', () => {
    const file = join(work, 'latin1.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('apiVersion: v1\nkind: Namespace\nmetadata: {name: caf'), Buffer.from([0xe9]), Buffer.from('}\n')]));
    const { texts, diagnostics } = readInputs([file], { cwd: work });
    assert.deepEqual(texts, []);
    assert.equal(diagnostics[0].code, 'EGC1002');
    assert.match(diagnostics[0].message, /not valid UTF-8: invalid byte 0xe9 at byte offset 51/);
    assert.deepEqual([diagnostics[0].line, diagnostics[0].column], [3, 21]);
  });

  it('UTF-16 is recognised by its BOM', () => {
    const file = join(work, 'utf16.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kind: x\n', 'utf16le')]));
    const { diagnostics } = readInputs([file], { cwd: work });
    assert.match(diagnostics[0].message, /UTF-16/);
  });

  it('an empty file is no error and no output; a directory without YAML is a warning', () => {
    assert.deepEqual(compileText('').diagnostics, []);
    const empty = join(work, 'empty-dir');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'not yaml');
    const run = runCli(['translate', '-f', empty]);
    assert.equal(run.status, 0);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /warning EGC1009: directory .* has no \.yaml/);
  });

  it('a file that vanishes between listing and reading is reported, not thrown', () => {
    const directory = join(work, 'vanishing');
    mkdirSync(directory);
    symlinkSync(join(directory, 'gone.txt'), join(directory, 'dangling.yaml'));
    const { diagnostics } = readInputs([directory], { cwd: work });
    assert.equal(diagnostics[0].code, 'EGC1002');
    assert.match(diagnostics[0].message, /disappeared while it was being read/);
  });

  it('a missing file exits 1 with EGC1001 and no stack trace', () => {
    const run = runCli(['translate', '-f', join(work, 'nope.yaml')]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error EGC1001: no such file or directory/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});

describe('hostile YAML within 10 s, each limit named', () => {
  it('an alias bomb ("billion laughs") is rejected by maxAliasCount', () => {
    const levels = ['a: &a [x,x,x,x,x,x,x,x,x]'];
    for (let i = 1; i < 9; i++) levels.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i - 1]}`).join(',')}]`);
    const result = compileText(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`);
    const error = result.diagnostics.find((d) => d.code === 'EGC1010');
    assert.match(error?.message ?? '', /limit: maxAliasCount/);
  });

  // Block nesting needs one more column of indentation per level: 1 000 levels are 0.5 MB.
  for (const [name, text] of [
    ['10 000 levels of flow', `a: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
    ['1 000 levels of block mapping', `${Array.from({ length: 1_000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`],
    ['1 000 levels of block sequence', `a:\n${Array.from({ length: 1_000 }, (_, i) => `${' '.repeat(i)}-`).join('\n')} 1\n`],
  ]) {
    it(`${name} nesting is rejected by maxNestingDepth`, () => {
      const result = compileText(text);
      assert.equal(result.diagnostics.length, 1, JSON.stringify(result.diagnostics.slice(0, 3)));
      assert.equal(result.diagnostics[0].code, 'EGC1010');
      assert.match(result.diagnostics[0].message, /deeper than 200 levels \(limit: maxNestingDepth\)/);
    });
  }

  it('10 000 levels of block nesting are over maxFileBytes already', () => {
    const result = compileText(`${Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`);
    assert.match(result.diagnostics[0]?.message ?? '', /limit: maxFileBytes/);
  });

  it('nesting hidden behind a quote-like apostrophe is still counted', () => {
    const result = compileText(`a: it's\nb: ${'['.repeat(5000)}\n`);
    assert.match(result.diagnostics[0]?.message ?? '', /maxNestingDepth/);
  });

  it('block scalars and quoted brackets do not count as nesting', () => {
    const script = Array.from({ length: 300 }, (_, i) => `${' '.repeat(4 + i)}{[`).join('\n');
    const result = compileText(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lua}\ndata:\n  script: |\n${script}\n  quoted: "${'['.repeat(500)}"\n`);
    assert.deepEqual(codesOf(result.diagnostics), []);
  });

  it('a 100 MB file is rejected by maxFileBytes, with its size, once the limit is read', () => {
    const file = join(work, 'huge.yaml');
    writeFileSync(file, Buffer.alloc(100 * 1024 * 1024, 'a'));
    const run = runCli(['translate', '-f', file]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error EGC1010: input is 100 MiB, over the limit of 8 MiB per file \(limit: maxFileBytes\)/);
  });

  it('an endless device is cut off at maxFileBytes', () => {
    const run = runCli(['translate', '-f', '/dev/zero']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /error EGC1010: input is over the limit of 8 MiB per file \(limit: maxFileBytes\)/);
  });

  it('endless standard input is cut off at maxFileBytes too', () => {
    const zero = openSync('/dev/zero', 'r');
    try {
      const run = spawnSync(process.execPath, [cliPath, 'translate', '-f', '-'], { stdio: [zero, 'pipe', 'pipe'], encoding: 'utf8', timeout: 10_000 });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /<stdin>: error EGC1010: input is over the limit of 8 MiB per file \(limit: maxFileBytes\)/);
    } finally {
      closeSync(zero);
    }
  });

  it('100 000 documents are rejected by maxDocumentsPerFile', () => {
    const result = compileText('---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'.repeat(100_000));
    assert.equal(result.diagnostics.length, 1);
    assert.match(result.diagnostics[0].message, /more than 10000 YAML documents \(limit: maxDocumentsPerFile\)/);
  });

  it('huge strings and numbers are processed or rejected with a message', () => {
    const big = compileText(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: "${'x'.repeat(5 * 1024 * 1024)}"\n`);
    assert.deepEqual(codesOf(big.diagnostics), []);
    const infinite = compileText(`${gatewayBase}---\napiVersion: v1\nkind: Service\nmetadata: {name: inf}\nspec: {ports: [{port: .inf}]}\n`);
    const error = infinite.diagnostics.find((d) => d.code === 'EGC2002');
    assert.match(error?.message ?? '', /Infinity is not a number JSON can hold/);
    const long = compileText(`${gatewayBase}---\napiVersion: v1\nkind: Service\nmetadata: {name: long}\nspec: {ports: [{port: 123456789012345678901234567890}]}\n`);
    assert.ok(long.diagnostics.some((d) => d.severity === 'error' && d.path?.endsWith('port')), JSON.stringify(long.diagnostics));
  });

  it('custom tags are warnings, !!binary becomes base64, __proto__ keys and self-references are refused', () => {
    const tagged = compileText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: !shout tags}\nbinaryData: {b: !!binary aGVsbG8=}\n');
    assert.deepEqual(codesOf(tagged.diagnostics), ['EGC1012']);
    assert.equal(tagged.objects[0].binaryData.b, 'aGVsbG8=');
    const proto = compileText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\n__proto__: {polluted: true}\n');
    assert.match(proto.diagnostics[0].message, /`__proto__` is not allowed/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const cyclic = compileText('apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: c, self: *m}\n');
    assert.match(cyclic.diagnostics[0].message, /contains itself through a YAML alias/);
    const complexKey = compileText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\ndata:\n  ? [a, b]\n  : c\n');
    assert.match(complexKey.diagnostics[0].message, /mapping key must be a string/);
  });
});

describe('wrong shapes', () => {
  const shapes: [string, string, RegExp][] = [
    ['a number for a string', route('r', '  - backendRefs: [{name: 42, port: 80}]\n'), /expected a string, got the number 42/],
    ['a list for a map', route('r', '  - matches: [[{path: {value: /}}]]\n'), /expected a mapping, got a list/],
    ['a negative port', route('r', '  - backendRefs: [{name: app, port: -1}]\n'), /./],
    ['a port over 65535', route('r', '  - backendRefs: [{name: app, port: 70000}]\n'), /./],
    ['an invalid hostname', route('r', '  - backendRefs: [{name: app, port: 80}]\n').replace('spec:\n', 'spec:\n  hostnames: ["-bad_host-"]\n'), /./],
    ['a header name with CR/LF', route('r', '  - matches: [{headers: [{name: "X-A\\r\\nX-Evil", value: v}]}]\n    backendRefs: [{name: app, port: 80}]\n'), /./],
  ];
  for (const [name, text, message] of shapes) {
    it(`${name} is an error and nothing of it reaches Envoy`, () => {
      const result = compileText(gatewayBase + text);
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      assert.ok(errors.length > 0, 'an error is reported');
      assert.ok(errors.some((d) => message.test(d.message)), JSON.stringify(errors.map((d) => d.message)));
      for (const proxy of result.proxies) {
        assert.deepEqual(checkMessage('envoy.config.bootstrap.v3.Bootstrap', proxy.bootstrap), []);
        assert.doesNotMatch(JSON.stringify(proxy.bootstrap), /X-Evil|bad_host/);
      }
    });
  }

  it('nulls everywhere are dropped like the API server does, without a crash', () => {
    const result = compileText(gatewayBase + route('r', '  - matches: null\n    backendRefs: [{name: app, port: 80, weight: null}]\n    filters: null\n'));
    assert.equal(result.diagnostics.filter((d) => d.severity === 'error').length, 0, JSON.stringify(result.diagnostics));
  });
});

describe('RE2 regexes', () => {
  it('keeps Go regexp messages for a leading repetition, as the reference statuses quote them', () => {
    assert.equal(validateRegex('*.foo.bar.com'), 'error parsing regexp: missing argument to repetition operator: `*`');
    assert.equal(validateRegex('{2}x'), 'error parsing regexp: missing argument to repetition operator: `{2}`');
  });

  it('rejects what RE2 rejects, with Go-style messages', () => {
    assert.equal(validateRegex('(?=x)'), 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    assert.equal(validateRegex('(a)\\1'), 'error parsing regexp: invalid escape sequence: `\\1`');
    assert.equal(validateRegex('x{1001}'), 'error parsing regexp: invalid repeat count: `{1001}`');
    assert.equal(validateRegex('a**'), 'error parsing regexp: invalid nested repetition operator: `**`');
    assert.equal(validateRegex('[z-a]'), 'error parsing regexp: invalid character class range: `z-a`');
  });

  it('accepts RE2 syntax JavaScript lacks', () => {
    for (const pattern of ['(?P<name>a)', '[[:alpha:]]+', '\\Qa.b\\E', '(?i)abc', '\\pN', '/api/v[0-9]+/.*']) assert.equal(validateRegex(pattern), undefined, pattern);
  });

  it('a route with a lookahead regex is not accepted, with the RE2 error in its status', () => {
    const result = compileText(gatewayBase + route('look', '  - matches: [{path: {type: RegularExpression, value: "/(?=admin)"}}]\n    backendRefs: [{name: app, port: 80}]\n'));
    assert.ok(result.diagnostics.some((d) => d.code === 'EGC3004' && d.message.includes('invalid or unsupported Perl syntax')), JSON.stringify(result.diagnostics));
  });
});

describe('reference cycles and self-references', () => {
  it('routes, ReferenceGrants and policies that point at themselves or each other finish with diagnostics', () => {
    const text = `${gatewayBase}${route('self', '  - backendRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: self}]\n')}---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: loop, namespace: default}
spec:
  from: [{group: gateway.networking.k8s.io, kind: ReferenceGrant, namespace: default}]
  to: [{group: gateway.networking.k8s.io, kind: ReferenceGrant, name: loop}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: a, namespace: default}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: BackendTrafficPolicy, name: a}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: b, namespace: default}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: SecurityPolicy, name: b}]
  basicAuth: {users: {name: b}}
`;
    const result = compileText(text);
    assert.ok(result.diagnostics.some((d) => d.severity === 'error'));
    for (const proxy of result.proxies) assert.deepEqual(checkMessage('envoy.config.bootstrap.v3.Bootstrap', proxy.bootstrap), []);
    assert.equal(checkInput(text), undefined);
  });
});

describe('safe output', () => {
  it('the admin interface binds to loopback and nothing listens that the input did not ask for', () => {
    const result = compileText(gatewayBase + route('r', '  - backendRefs: [{name: app, port: 80}]\n'));
    const bootstrap = result.proxies[0].bootstrap;
    assert.equal(bootstrap.admin.address.socketAddress.address, '127.0.0.1');
    assert.deepEqual(bootstrap.staticResources.listeners.map((l: { address: { socketAddress: { portValue: number } } }) => l.address.socketAddress.portValue), [8080]);
  });

  it('warns when a broad regex route swallows later exact and prefix routes on the same host', () => {
    const text = gatewayBase + route('catch-all', '  - matches: [{path: {type: RegularExpression, value: "/.*"}}]\n    backendRefs: [{name: app, port: 80}]\n') +
      route('api', '  - matches: [{path: {type: PathPrefix, value: /api}}]\n    backendRefs: [{name: app, port: 80}]\n') +
      route('narrow', '  - matches: [{path: {type: RegularExpression, value: "/img/[a-z]+"}}]\n    backendRefs: [{name: app, port: 80}]\n');
    const result = compileText(text);
    const warnings = result.diagnostics.filter((d) => d.code === 'EGC3012');
    assert.equal(warnings.length, 1, JSON.stringify(result.diagnostics));
    assert.equal(warnings[0].severity, 'warning');
    assert.equal(warnings[0].resource, 'HTTPRoute default/api');
    assert.match(warnings[0].message, /earlier route httproute\/default\/catch-all\/rule\/0\/match\/0\/\* with regex `\/\.\*` takes those requests/);
  });

  it('shadowedRoutes leaves regex routes with extra conditions and non-matching regexes alone', () => {
    const routes = [
      { name: 'r1', hostname: '*', pathMatch: { safeRegex: '/.*' }, headerMatches: [{}] },
      { name: 'r2', hostname: '*', pathMatch: { safeRegex: '/v[0-9]+' } },
      { name: 'r3', hostname: '*', pathMatch: { exact: '/v1' } },
      { name: 'r4', hostname: '*', pathMatch: { prefix: '/v2' } },
      { name: 'r5', hostname: 'other', pathMatch: { exact: '/v1' } },
    ];
    assert.deepEqual(shadowedRoutes(routes).map((s) => [s.route, s.by]), [['r3', 'r2']]);
  });
});

describe('parts Envoy would refuse (EGC3014)', () => {
  it('are located on the input they come from: a Wasm module without sha256 on its policy', () => {
    const policy = `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyExtensionPolicy
metadata: {name: unchecked, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: app}]
  wasm:
    - name: filter
      code: {type: HTTP, http: {url: "https://modules.example.com/f.wasm"}}
`;
    const result = compileText(gatewayBase + route('app', '  - backendRefs: [{name: app, port: 80}]\n') + policy);
    const refused = result.diagnostics.filter((d) => d.code === 'EGC3014');
    assert.equal(refused.length, 1);
    assert.match(refused[0].message, /listener default\/eg\/http is left out: Wasm module https:\/\/modules\.example\.com\/f\.wasm has no sha256/);
    assert.equal(refused[0].resource, 'EnvoyExtensionPolicy default/unchecked');
    assert.equal(refused[0].path, 'spec.wasm[0].code');
    assert.equal(refused[0].file, 'input.yaml');
    assert.equal(refused[0].line, 33);
  });
});

describe('header values Envoy refuses', () => {
  it('a line break in a header a route removes leaves that route out (EGC3014), not the listener', () => {
    const rules = `  - matches: [{path: {value: /bad}}]
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {remove: ["x-a\\r\\nx-b"]}}]
    backendRefs: [{name: app, port: 80}]
  - backendRefs: [{name: app, port: 80}]
`;
    const result = compileText(gatewayBase + route('app', rules));
    assert.deepEqual(codesOf(result.diagnostics.filter((d) => d.severity === 'error')), ['EGC3014']);
    const refused = result.diagnostics.find((d) => d.code === 'EGC3014')!;
    assert.match(refused.message, /route httproute\/default\/app\/rule\/0\/match\/0\/\* is left out: requestHeadersToRemove\[0\] holds a line break or NUL, which Envoy refuses in an HTTP header name/);
    const names = JSON.stringify(result.proxies[0].bootstrap).match(/httproute\/default\/app\/rule\/\d\/match\/-?\d\/\*/g);
    assert.deepEqual([...new Set(names)], ['httproute/default/app/rule/1/match/-1/*']);
  });

  it('an empty session name or regex makes the route not accepted, as Envoy refuses both', () => {
    const session = compileText(gatewayBase + route('app', '  - sessionPersistence: {sessionName: "", type: Cookie}\n    backendRefs: [{name: app, port: 80}]\n'));
    assert.ok(session.diagnostics.some((d) => d.code === 'EGC3004' && /session persistence needs a non-empty sessionName/i.test(d.message)));
    const regex = compileText(gatewayBase + route('app', '  - matches: [{path: {type: RegularExpression, value: ""}}]\n    backendRefs: [{name: app, port: 80}]\n'));
    assert.ok(regex.diagnostics.some((d) => d.code === 'EGC3004' && /Regex "" is invalid: it is empty/.test(d.message)));
    for (const result of [session, regex]) assert.ok(!result.diagnostics.some((d) => d.code === 'EGC5003'));
  });

  it('an empty header to remove, or a direct response status outside 200-599, makes the route not accepted', () => {
    const remove = compileText(gatewayBase + route('app', '  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {remove: [""]}}]\n    backendRefs: [{name: app, port: 80}]\n'));
    assert.ok(remove.diagnostics.some((d) => d.code === 'EGC3004' && /RequestHeaderModifier Filter/.test(d.message)));
    const filter = `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: HTTPRouteFilter
metadata: {name: zero, namespace: default}
spec: {directResponse: {statusCode: 0}}
`;
    const status = compileText(gatewayBase + route('app', '  - filters: [{type: ExtensionRef, extensionRef: {group: gateway.envoyproxy.io, kind: HTTPRouteFilter, name: zero}}]\n') + filter);
    assert.ok(status.diagnostics.some((d) => /direct response status 0 is outside 200 to 599/.test(d.message)));
    assert.ok(!status.diagnostics.some((d) => d.code === 'EGC5003'));
  });
});

describe('the fuzzer', () => {
  it('mutates deterministically: the same seed and iteration give the same input', () => {
    const seeds = [[{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } }]];
    const vocabulary = buildVocabulary(seeds);
    const run = (i: number) => mutate(seeds[0], new Random(iterationSeed(7, i)), vocabulary);
    assert.deepEqual([0, 1, 2, 3].map(run), [0, 1, 2, 3].map(run));
    assert.ok(new Set([0, 1, 2, 3, 4, 5, 6, 7].map(run)).size > 1, 'iterations differ');
  });

  it('classifies a clean input as clean and signs problems by kind and place', () => {
    assert.equal(checkInput(gatewayBase), undefined);
    const a = signatureOf({ kind: 'throw', message: "TypeError: Cannot read properties of undefined (reading 'x') at 12", detail: 'f src/a.js:1:2' });
    const b = signatureOf({ kind: 'throw', message: "TypeError: Cannot read properties of undefined (reading 'y') at 99", detail: 'f src/a.js:1:2' });
    assert.equal(a, b);
  });
});
