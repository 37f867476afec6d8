// egc validate: status findings, output formats, colour rules, determinism, --envoy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resourceStatusFindings } from '../src/gatewayapi/status-diagnostics.js';
import { codes } from '../src/diagnostics/codes.js';
import { formatText } from '../src/diagnostics/format.js';
import { parseTexts } from '../src/load/load.js';
import { findEnvoy } from '../src/verify/envoy.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist', 'egc.js');
const work = mkdtempSync(join(tmpdir(), 'egc-validate-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const ansi = /\u001b\[/;

function egc(args: string[], env: Record<string, string | undefined> = { NO_COLOR: '1' }) {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  delete merged.NO_COLOR;
  delete merged.FORCE_COLOR;
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: work, env: merged, encoding: 'utf8', timeout: 120_000 });
  return { stdout: result.stdout, stderr: result.stderr, exit: result.status };
}

const gatewayClass = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: eg
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
`;
const gateway = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: eg
spec:
  gatewayClassName: eg
  listeners:
    - name: http
      protocol: HTTP
      port: 8888
`;
const brokenRoute = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: broken
spec:
  parentRefs:
    - name: eg
  rules:
    - backendRefs:
        - name: missing
          port: 80
`;
const typo = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: typo
spec:
  parentRefs:
    - name: eg
  hostname:
    - www.example.com
`;
writeFileSync(join(work, 'gateway.yaml'), `${gatewayClass}---\n${gateway}`);
writeFileSync(join(work, 'broken.yaml'), brokenRoute);
writeFileSync(join(work, 'typo.yaml'), typo);
writeFileSync(join(work, 'quickstart.yaml'), readFileSync(join(root, 'examples', 'quickstart.yaml'), 'utf8'));

describe('display texts', () => {
  const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: aHVudGVyMg==\n';
  const diagnostic = { code: codes.wrongType, severity: 'error' as const, message: 'bad', file: 'secret.yaml', line: 6, column: 13 };

  it('mask Secret values in code frames', () => {
    const { displayTexts } = parseTexts([
      { file: 'secret.yaml', text: secret },
      { file: 'plain.yaml', text: typo },
    ]);
    const frame = formatText([diagnostic], { sources: displayTexts });
    assert.match(frame, /^ {2}6 \| {3}password: \*{12}$/m);
    assert.ok(!frame.includes('aHVudGVyMg=='), frame);
    // Asked again, the text stays masked; a file without a Secret comes back as it was read.
    assert.ok(!displayTexts.get('secret.yaml')!.includes('aHVudGVyMg=='));
    assert.equal(displayTexts.get('plain.yaml'), typo);
  });
});

describe('resourceStatusFindings', () => {
  const load = (text: string) => parseTexts([{ file: 'status.yaml', text }]).objects;

  it('reports a Gateway whose status is Accepted=False, at its name', () => {
    const [object] = load(gateway);
    object.status = { conditions: [{ type: 'Accepted', status: 'False', reason: 'InvalidParameters', message: 'bad parameters' }] };
    const [finding, ...rest] = resourceStatusFindings([object], []);
    assert.deepEqual(rest, []);
    assert.equal(finding.code, codes.gatewayNotAccepted);
    assert.equal(finding.severity, 'error');
    assert.equal(finding.message, 'Gateway default/eg: bad parameters (Accepted: InvalidParameters)');
    // `name: eg` is line 4 of the Gateway; the value starts in column 9.
    assert.deepEqual([finding.file, finding.line, finding.column], ['status.yaml', 4, 9]);
  });

  it('reports policy ancestors that did not resolve their references, and ignores accepted ones', () => {
    const [policy] = load(`apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: retries
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: Gateway
      name: eg
`);
    policy.status = {
      ancestors: [
        { ancestorRef: { name: 'eg' }, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' }] },
        { ancestorRef: { name: 'other' }, conditions: [{ type: 'ResolvedRefs', status: 'False', reason: 'NotFound', message: 'Secret default/key not found' }] },
      ],
    };
    const findings = resourceStatusFindings([policy], []);
    assert.deepEqual(findings.map((f) => [f.code, f.message]), [[codes.refNotResolved, 'BackendTrafficPolicy default/retries: Secret default/key not found (ResolvedRefs: NotFound)']]);
  });

  it('leaves out kinds compile() already reports and findings already known', () => {
    const [gatewayObject] = load(gateway);
    gatewayObject.status = { conditions: [{ type: 'Accepted', status: 'False', reason: 'Invalid', message: 'no' }] };
    const known = resourceStatusFindings([gatewayObject], []);
    assert.deepEqual(resourceStatusFindings([gatewayObject], known), []);
    const [route] = load(brokenRoute);
    route.status = { conditions: [{ type: 'Accepted', status: 'False', reason: 'Invalid', message: 'no' }] };
    assert.deepEqual(resourceStatusFindings([route], []), []);
  });
});

describe('egc validate', () => {
  it('exits 0 on clean input and writes no configuration', () => {
    const result = egc(['validate', '-f', 'quickstart.yaml']);
    assert.equal(result.exit, 0, result.stderr);
    assert.equal(result.stdout, 'checked 1 file: 0 errors, 0 warnings\n');
    assert.equal(result.stderr, '');
  });

  it('reports schema errors and unresolved references together, in a stable order, exit 1', () => {
    const forward = egc(['validate', '--format', 'json', '-f', 'typo.yaml', '-f', 'gateway.yaml', '-f', 'broken.yaml']);
    const backward = egc(['validate', '--format', 'json', '-f', 'broken.yaml', '-f', 'gateway.yaml', '-f', 'typo.yaml']);
    assert.equal(forward.exit, 1);
    assert.equal(forward.stdout, backward.stdout, 'output must not depend on input order');
    const { diagnostics } = JSON.parse(forward.stdout) as { diagnostics: { code: string; file: string; line: number }[] };
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.file, d.line]),
      [
        [codes.refNotResolved, 'broken.yaml', 9],
        [codes.unknownField, 'typo.yaml', 8],
      ],
    );
  });

  it('colours text only for a terminal or FORCE_COLOR, never with NO_COLOR or --no-color, never in JSON or SARIF', () => {
    const args = ['validate', '-f', 'gateway.yaml', '-f', 'broken.yaml'];
    assert.match(egc(args, { FORCE_COLOR: '1' }).stdout, ansi);
    assert.doesNotMatch(egc(args, {}).stdout, ansi, 'a pipe is not a terminal');
    assert.doesNotMatch(egc(args, { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout, ansi);
    assert.doesNotMatch(egc([...args, '--no-color'], { FORCE_COLOR: '1' }).stdout, ansi);
    for (const format of ['json', 'sarif']) {
      const result = egc([...args, '--format', format], { FORCE_COLOR: '1' });
      assert.equal(result.exit, 1);
      assert.doesNotMatch(result.stdout, ansi, format);
      assert.doesNotThrow(() => JSON.parse(result.stdout));
    }
  });

  it('--fail-on warning turns warnings into a failing exit code', () => {
    writeFileSync(join(work, 'warning.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n');
    assert.equal(egc(['validate', '-f', 'warning.yaml']).exit, 0);
    assert.equal(egc(['validate', '-f', 'warning.yaml', '--fail-on', 'warning']).exit, 1);
  });

  it('code frames quote Secret lines with their values masked', () => {
    const password = 'c2VjcmV0LXZhbHVl!!';
    const token = 'hunter2-token';
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: ${password}\nstringData:\n  token: [${token}]\n`;
    writeFileSync(join(work, 'secret.yaml'), secret);
    const result = egc(['validate', '-f', 'secret.yaml']);
    assert.equal(result.exit, 1, result.stdout);
    // Both findings point into the Secret's values: the frame shows each line, the value starred.
    assert.match(result.stdout, /^ {2}6 \| {3}password: \*{18}$/m);
    assert.match(result.stdout, /^ {2}8 \| {3}token: \*{15}$/m);
    const frames = result.stdout.split('\n').filter((line) => /^ *\d+ \| /.test(line));
    assert.ok(!frames.some((line) => line.includes(password) || line.includes(token)), frames.join('\n'));
    assert.ok(!result.stdout.includes(token));
  });

  it('reports a header modifier value with CR/LF as the route input problem it is, not an internal error', () => {
    const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: split
spec:
  parentRefs:
    - name: eg
  rules:
    - filters:
        - type: ResponseHeaderModifier
          responseHeaderModifier:
            add:
              - name: x-ok
                value: fine
              - name: x-injected
                value: "a\\r\\nSet-Cookie: b=1"
      backendRefs:
        - name: svc
          port: 80
`;
    const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports:\n    - port: 80\n';
    writeFileSync(join(work, 'crlf.yaml'), `${gatewayClass}---\n${gateway}---\n${route}---\n${service}`);
    const result = egc(['validate', '-f', 'crlf.yaml', '--format', 'json']);
    assert.equal(result.exit, 1, result.stderr);
    const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: { code: string; message: string; file: string; line: number; column: number }[] };
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      [codes.routeNotAccepted],
      JSON.stringify(diagnostics),
    );
    assert.match(diagnostics[0].message, /^ResponseHeaderModifier Filter cannot set a header value with a CR, LF or NUL character in it\. Header: 'x-injected' \(Accepted: UnsupportedValue/);
    // The route starts on line 19 (after the GatewayClass's 6 lines, the Gateway's 10 and two
    // separators); its parentRef `- name: eg` is its 7th line, the name at column 7.
    assert.deepEqual([diagnostics[0].file, diagnostics[0].line, diagnostics[0].column], ['crlf.yaml', 25, 7]);
  });

  it('exits 2 on usage errors', () => {
    assert.equal(egc(['validate']).exit, 2);
    assert.equal(egc(['validate', '-f', 'gateway.yaml', '--format', 'yaml']).exit, 2);
    const missingEnvoy = egc(['validate', '-f', 'quickstart.yaml', '--envoy-binary', join(work, 'no-such-envoy')]);
    assert.equal(missingEnvoy.exit, 2);
    assert.match(missingEnvoy.stderr, /^egc: error EGC5001: --envoy: could not run Envoy/);
  });

  it('--envoy reports a bootstrap Envoy rejects as EGC4002 at the Gateway', () => {
    // A stand-in for Envoy that rejects every config the way Envoy does: a message and exit 1.
    const fake = join(work, 'rejecting-envoy.sh');
    writeFileSync(fake, '#!/bin/sh\necho "error initializing configuration: Proto constraint validation failed"\nexit 1\n');
    chmodSync(fake, 0o755);
    const result = egc(['validate', '-f', 'quickstart.yaml', '--envoy-binary', fake, '--format', 'json']);
    assert.equal(result.exit, 1, result.stderr);
    const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: { code: string; message: string; file: string; line: number }[] };
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].code, codes.envoyRejected);
    assert.match(diagnostics[0].message, /^Envoy rejected the bootstrap of proxy default\/eg:\nerror initializing configuration: Proto constraint validation failed$/);
    // The quickstart Gateway's `name: eg` is on line 17.
    assert.deepEqual([diagnostics[0].file, diagnostics[0].line], ['quickstart.yaml', 17]);
  });

  it('--envoy passes the quickstart through the real Envoy', { skip: findEnvoy() === undefined ? 'no Envoy binary (npm run envoy)' : false }, () => {
    const result = egc(['validate', '-f', 'quickstart.yaml', '--envoy']);
    assert.equal(result.exit, 0, result.stdout + result.stderr);
  });
});
