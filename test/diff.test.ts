// egc diff: the canonical form, and the command against files and directories written by translate.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { canonicalize, semanticDiff } from '../src/cli/diff.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist', 'egc.js');
const work = mkdtempSync(join(tmpdir(), 'egc-diff-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function egc(args: string[], env: Record<string, string> = { NO_COLOR: '1' }) {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  delete merged.NO_COLOR;
  delete merged.FORCE_COLOR;
  Object.assign(merged, env);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: work, env: merged, encoding: 'utf8', timeout: 60_000 });
  return { stdout: result.stdout, stderr: result.stderr, exit: result.status };
}

writeFileSync(join(work, 'gateway.yaml'), readFileSync(join(root, 'examples', 'quickstart.yaml'), 'utf8'));

/** Renames every camelCase key to snake_case (proto JSON accepts both) and reverses key order. */
function snakeCased(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCased);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).reverse();
  return Object.fromEntries(entries.map(([key, child]) => [key.startsWith('@') ? key : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeCased(child)]));
}

describe('canonicalize', () => {
  it('treats proto JSON spellings of the same value as equal', () => {
    const a = { socket_address: { port_value: '8080', address: '0.0.0.0' }, connect_timeout: '10.000s', http2_protocol_options: {} };
    const b = { http2ProtocolOptions: {}, connectTimeout: '10s', socketAddress: { address: '0.0.0.0', portValue: 8080 } };
    assert.deepEqual(canonicalize(a), canonicalize(b));
    assert.equal(JSON.stringify(canonicalize(a)), JSON.stringify(canonicalize(b)), 'key order too');
  });

  it('keeps differences that matter: list order, values, type URLs and fractional durations', () => {
    assert.notDeepEqual(canonicalize({ domains: ['a', 'b'] }), canonicalize({ domains: ['b', 'a'] }));
    assert.deepEqual(canonicalize({ timeout: '1.500s' }), { timeout: '1.5s' });
    assert.deepEqual(canonicalize({ '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster' }), { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster' });
    // Map keys that are names, not proto fields, stay as they are.
    assert.deepEqual(Object.keys(canonicalize({ 'envoy.filters.http.router': {} }) as object), ['envoy.filters.http.router']);
  });
});

describe('semanticDiff', () => {
  it('is empty for equivalent documents and a unified diff otherwise', () => {
    assert.equal(semanticDiff('a.yaml', 'a.yaml', [{ port_value: 1 }], [{ portValue: '1' }]), '');
    const patch = semanticDiff('a.yaml', 'a.yaml', [{ name: 'x', port: 1 }], [{ name: 'x', port: 2 }]);
    assert.equal(patch, ['--- a.yaml\tcommitted', '+++ a.yaml\tegc', '@@ -1,2 +1,2 @@', ' name: x', '-port: 1', '+port: 2', ''].join('\n'));
  });
});

describe('egc diff', () => {
  it('exits 0 with no output when the committed bootstrap is equivalent', () => {
    const committed = egc(['translate', '-f', 'gateway.yaml']).stdout;
    writeFileSync(join(work, 'envoy.yaml'), committed);
    writeFileSync(join(work, 'envoy-snake.yaml'), stringify(snakeCased(parse(committed))));
    writeFileSync(join(work, 'envoy.json'), egc(['translate', '-f', 'gateway.yaml', '-o', 'json']).stdout);
    for (const against of ['envoy.yaml', 'envoy-snake.yaml', 'envoy.json']) {
      const result = egc(['diff', '-f', 'gateway.yaml', '--against', against]);
      assert.deepEqual([result.exit, result.stdout, result.stderr], [0, '', ''], against);
    }
  });

  it('exits 1 and prints the changed lines on drift', () => {
    const committed = egc(['translate', '-f', 'gateway.yaml']).stdout;
    assert.match(committed, /portValue: 3000\n/);
    writeFileSync(join(work, 'drifted.yaml'), committed.replace('portValue: 3000', 'portValue: 3001'));
    const result = egc(['diff', '-f', 'gateway.yaml', '--against', 'drifted.yaml']);
    assert.equal(result.exit, 1);
    const lines = result.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 2), ['--- drifted.yaml\tcommitted', '+++ drifted.yaml\tegc']);
    assert.deepEqual(lines.filter((l) => /^[-+] /.test(l)).map((l) => l.replace(/\s+/g, ' ')), ['- portValue: 3001', '+ portValue: 3000']);
  });

  it('colours the diff only when colour is allowed', () => {
    const args = ['diff', '-f', 'gateway.yaml', '--against', 'drifted.yaml'];
    const coloured = egc(args, { FORCE_COLOR: '1' }).stdout;
    assert.ok(coloured.includes('\u001b[31m-'), 'removed lines in red');
    assert.ok(coloured.includes('\u001b[32m+'), 'added lines in green');
    assert.ok(!egc([...args, '--no-color'], { FORCE_COLOR: '1' }).stdout.includes('\u001b['));
  });

  it('compares a directory written by translate --output-dir, file by file', () => {
    const directory = join(work, 'out');
    egc(['translate', '-f', 'gateway.yaml', '--output-dir', 'out']);
    assert.deepEqual(egc(['diff', '-f', 'gateway.yaml', '--against', 'out']).exit, 0);

    writeFileSync(join(directory, 'default.retired.yaml'), 'admin: {}\n');
    const extra = egc(['diff', '-f', 'gateway.yaml', '--against', 'out']);
    assert.equal(extra.exit, 1);
    assert.equal(extra.stdout, ['--- out/default.retired.yaml\tcommitted', '+++ /dev/null\tegc', '@@ -1,1 +0,0 @@', '-admin: {}', ''].join('\n'));

    unlinkSync(join(directory, 'default.retired.yaml'));
    unlinkSync(join(directory, 'default.eg.yaml'));
    const missing = egc(['diff', '-f', 'gateway.yaml', '--against', 'out']);
    assert.equal(missing.exit, 1);
    assert.ok(missing.stdout.startsWith('--- /dev/null\tcommitted\n+++ out/default.eg.yaml\tegc\n@@ -0,0 +1,'), missing.stdout.slice(0, 200));
  });

  it('compares other targets as translate writes them', () => {
    writeFileSync(join(work, 'xds.yaml'), egc(['translate', '-f', 'gateway.yaml', '--to', 'xds', '-t', 'cluster']).stdout);
    assert.equal(egc(['diff', '-f', 'gateway.yaml', '--to', 'xds', '-t', 'cluster', '--against', 'xds.yaml']).exit, 0);
    assert.equal(egc(['diff', '-f', 'gateway.yaml', '--to', 'xds', '-t', 'listener', '--against', 'xds.yaml']).exit, 1);
    writeFileSync(join(work, 'resources.yaml'), egc(['translate', '-f', 'gateway.yaml', '--to', 'gateway-api']).stdout);
    assert.equal(egc(['diff', '-f', 'gateway.yaml', '--to', 'gateway-api', '--against', 'resources.yaml']).exit, 0);
  });

  it('exits 2 on usage errors', () => {
    mkdirSync(join(work, 'empty'), { recursive: true });
    writeFileSync(join(work, 'not-yaml.yaml'), 'a: [unclosed\n');
    for (const args of [
      ['diff', '-f', 'gateway.yaml'],
      ['diff', '--against', 'envoy.yaml'],
      ['diff', '-f', 'gateway.yaml', '--against', 'nowhere.yaml'],
      ['diff', '-f', 'gateway.yaml', '--against', 'not-yaml.yaml'],
      ['diff', '-f', 'gateway.yaml', '--against', 'envoy.yaml', '--to', 'envoy'],
      ['diff', '-f', 'gateway.yaml', '--against', 'envoy.yaml', '--gateway', 'default/other'],
      ['diff', '-f', 'gateway.yaml', '--against', 'empty', '--to', 'gateway-api'],
    ]) {
      const result = egc(args);
      assert.equal(result.exit, 2, `${args.join(' ')}\n${result.stderr}`);
      assert.equal(result.stdout, '');
    }
  });
});
