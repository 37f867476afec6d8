// Wasm (examples/wasm-filter.yaml): an EnvoyExtensionPolicy runs the proxy-wasm filter of
// examples/wasm/add-header.wat, assembled here. Envoy fetches the module from the module server
// by its own URL and checks its sha256; the filter adds `x-wasm-config` (the policy's config,
// as JSON) to the responses. A module that does not match the checksum is not run: the filter
// fails closed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import wabtInit from 'wabt';
import { projectRoot } from '../golden-support.js';
import { compileAndRun, freePorts, readExample, rewrite, type CompiledProxy } from '../support/features-harness.js';
import { request, startHttpBackend, type Backend } from '../support/index.js';

async function assembleModule(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const source = readFileSync(join(projectRoot, 'examples', 'wasm', 'add-header.wat'), 'utf8');
  const module = wabt.parseWat('add-header.wat', source);
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('EnvoyExtensionPolicy Wasm, fetched by Envoy from its HTTP URL', () => {
  let wasm: Uint8Array;
  let moduleServer: Backend;
  let backend: Backend;
  const proxies: CompiledProxy[] = [];

  /** The example with free ports, its module URL on the module server at `path`. */
  async function compileExample(path: string): Promise<{ proxy: CompiledProxy; url: string }> {
    const [listenerPort] = await freePorts(1);
    const text = rewrite(readExample('wasm-filter.yaml'), [
      ['port: 8888', `port: ${listenerPort}`],
      ['port: 3000', `port: ${backend.port}`],
      ['http://127.0.0.1:8000/add-header.wasm', `http://127.0.0.1:${moduleServer.port}${path}`],
    ]);
    const proxy = await compileAndRun(text);
    proxies.push(proxy);
    return { proxy, url: `http://127.0.0.1:${listenerPort}` };
  }

  before(async () => {
    wasm = await assembleModule();
    // `/tampered.wasm` is the module with one more (custom) section: valid Wasm, another checksum.
    const tampered = Buffer.concat([wasm, Buffer.from([0x00, 0x04, 0x03, 0x65, 0x67, 0x63])]);
    moduleServer = await startHttpBackend({
      name: 'modules',
      handler: (req, res) => {
        const body = req.path === '/add-header.wasm' ? wasm : req.path === '/tampered.wasm' ? tampered : undefined;
        if (!body) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/wasm' }).end(body);
      },
    });
    backend = await startHttpBackend({ name: 'app' });
  });

  after(async () => {
    for (const proxy of proxies) await proxy.stop();
    await moduleServer?.close();
    await backend?.close();
  });

  it('names the checksum of the module assembled from examples/wasm/add-header.wat', () => {
    assert.match(readExample('wasm-filter.yaml'), new RegExp(`sha256: ${sha256(wasm)}\\n`));
  });

  it('runs the module Envoy fetched: responses carry the policy config as JSON', async () => {
    const { proxy, url } = await compileExample('/add-header.wasm');
    assert.match(proxy.bootstrap, /uri: http:\/\/127\.0\.0\.1:\d+\/add-header\.wasm/);
    assert.ok(
      moduleServer.requests.some((r) => r.method === 'GET' && r.path === '/add-header.wasm'),
      'Envoy fetched the module from its URL',
    );
    const response = await request(`${url}/hello`, { host: 'www.example.com' });
    assert.equal(response.status, 200);
    // The example's config, keys sorted as Envoy Gateway (Go's encoding/json) writes a map.
    assert.equal(response.headers['x-wasm-config'], '{"from":"egc","greeting":"hello"}');
    assert.equal(JSON.parse(response.body).backend, 'app', 'the request went on to the backend');
  });

  it('does not run a module whose checksum differs: the filter fails closed', async () => {
    const { url } = await compileExample('/tampered.wasm');
    assert.ok(moduleServer.requests.some((r) => r.path === '/tampered.wasm'), 'Envoy fetched the tampered module');
    const before = backend.requests.length;
    const response = await request(`${url}/hello`, { host: 'www.example.com' });
    assert.equal(response.status, 503);
    assert.equal(response.headers['x-wasm-config'], undefined);
    assert.equal(backend.requests.length, before, 'nothing reached the backend');
  });
});
