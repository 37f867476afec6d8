// The quick start, end to end: examples/quickstart.yaml with free ports, compiled by the real CLI,
// run by the real Envoy in front of a Node HTTP backend. Requests for www.example.com reach the
// backend; any other host gets Envoy's 404 (no virtual host matches).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEnvoy, type RunningEnvoy } from '../src/verify/envoy.js';
import { projectRoot, runCli } from './golden-support.js';
import { freePort, request, startHttpBackend, type Backend, type EchoBody } from './support/index.js';

const example = readFileSync(join(projectRoot, 'examples/quickstart.yaml'), 'utf8');

/** The example with its listener port and Backend endpoint replaced; fails loudly if the example
 * no longer has the lines this test rewrites. */
function quickstartWith(listenerPort: number, backendAddress: string, backendPort: number): string {
  const replacements: [string, string][] = [
    ['      port: 8888\n', `      port: ${listenerPort}\n`],
    ['        address: 0.0.0.0\n        port: 3000\n', `        address: ${backendAddress}\n        port: ${backendPort}\n`],
  ];
  let text = example;
  for (const [from, to] of replacements) {
    assert.ok(text.includes(from), `examples/quickstart.yaml no longer contains ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  return text;
}

// The Backend address 0.0.0.0 is what the example ships (on Linux, connecting to it reaches this
// host); 127.0.0.1 is what users write by hand, and egc allows loopback in host mode.
for (const backendAddress of ['0.0.0.0', '127.0.0.1']) {
  describe(`quick start end to end (Backend address ${backendAddress})`, () => {
    let scratch: string;
    let backend: Backend;
    let envoy: RunningEnvoy | undefined;
    let listenerUrl: string;

    before(async () => {
      scratch = mkdtempSync(join(tmpdir(), 'egc-e2e-'));
      backend = await startHttpBackend({ name: 'quickstart-backend' });
      const [listenerPort, adminPort] = [await freePort(), await freePort()];
      const input = join(scratch, 'quickstart.yaml');
      writeFileSync(input, quickstartWith(listenerPort, backendAddress, backend.port));
      const run = runCli(['translate', '-f', input, '--admin-port', String(adminPort)], { env: { NO_COLOR: '1' } });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '');
      envoy = await startEnvoy(run.stdout);
      listenerUrl = `http://127.0.0.1:${listenerPort}`;
      assert.equal(envoy.adminUrl, `http://127.0.0.1:${adminPort}`, 'Envoy serves admin on the --admin-port');
    });

    after(async () => {
      await envoy?.stop();
      await backend?.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('sends requests for www.example.com to the backend', async () => {
      const response = await request(`${listenerUrl}/some/path?q=1`, { host: 'www.example.com' });
      assert.equal(response.status, 200, `${response.status} ${response.body}\nEnvoy log:\n${envoy!.logs()}`);
      const echoed = JSON.parse(response.body) as EchoBody;
      assert.equal(echoed.backend, 'quickstart-backend');
      assert.equal(echoed.path, '/some/path?q=1');
      assert.equal(echoed.headers.host, 'www.example.com');
      assert.equal(echoed.headers['x-forwarded-proto'], 'http');
      // use_remote_address is on, so Envoy appends the client to X-Forwarded-For (for a loopback
      // client it writes this host's own address instead, so only its presence is checked).
      assert.ok(echoed.headers['x-forwarded-for'], 'X-Forwarded-For set by Envoy');
    });

    it('matches the host case-insensitively and ignores the port in Host', async () => {
      const response = await request(`${listenerUrl}/`, { host: 'WWW.Example.COM:8888' });
      assert.equal(response.status, 200);
      assert.equal((JSON.parse(response.body) as EchoBody).backend, 'quickstart-backend');
    });

    it('answers 404 for any other host, without reaching the backend', async () => {
      const before = backend.requests.length;
      const response = await request(`${listenerUrl}/`, { host: 'other.example.com' });
      assert.equal(response.status, 404);
      assert.equal(backend.requests.length, before);
    });

    it('shows the translated listener and cluster on the admin interface', async () => {
      const clusters = await envoy!.admin('/clusters');
      const host = `${backendAddress}:${backend.port}`.replaceAll('.', '\\.');
      assert.match(clusters, new RegExp(`^httproute/default/backend/rule/0::${host}::health_flags::healthy$`, 'm'));
      const listeners = await envoy!.admin('/listeners');
      assert.match(listeners, /^default\/eg\/http::/m);
    });
  });
}
