// Negative numbers where Envoy takes unsigned ones (fixtures/input-negative-unsigned.yaml): egc warns
// (EGC2011) and writes what Envoy Gateway writes, the number converted to uint32. In a real
// Envoy, each warning's claim holds: a fault abort percentage of -5 aborts every request, and
// retry attempts of -1 keep retrying far past the default of 2.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../golden-support.js';
import { compileAndRun, freePorts, rewrite, type CompiledProxy } from '../support/features-harness.js';
import { request, startHttpBackend, type Backend } from '../support/index.js';

// Failures the backend answers before it succeeds: more than the default 2 retries would ride out.
const failuresBeforeSuccess = 6;

describe('negative numbers Envoy reads as unsigned', () => {
  let proxy: CompiledProxy;
  let backend: Backend;
  let url: string;

  before(async () => {
    const [listenerPort, backendPort] = await freePorts(2);
    let flakyAnswers = 0;
    backend = await startHttpBackend({
      name: 'app',
      port: backendPort!,
      handler: (recorded, response) => {
        const fail = recorded.path === '/flaky' && flakyAnswers++ < failuresBeforeSuccess;
        response.writeHead(fail ? 503 : 200, { 'content-type': 'text/plain' });
        response.end(fail ? 'not yet' : 'served');
      },
    });
    const text = rewrite(readFileSync(join(projectRoot, 'fixtures', 'input-negative-unsigned.yaml'), 'utf8'), [
      ['port: 8080', `port: ${listenerPort}`],
      ['port: 3000', `port: ${backendPort}`],
    ]);
    proxy = await compileAndRun(text);
    url = `http://127.0.0.1:${listenerPort}`;
  });

  after(async () => {
    await proxy?.stop();
    await backend?.close();
  });

  it('warns about both numbers, where they are', () => {
    const warnings = proxy.stderr.match(/warning EGC2011: [^\n]*/g) ?? [];
    assert.deepEqual(warnings, [
      'warning EGC2011: retry attempts -1 is negative; Envoy Gateway converts it to an unsigned number, so Envoy retries a failed request up to 4294967295 times',
      'warning EGC2011: fault abort percentage -5 is negative; Envoy Gateway converts it to an unsigned share, which Envoy reads as above 100%: every request is aborted',
    ]);
  });

  it('aborts every request when the fault percentage is negative', async () => {
    for (let i = 0; i < 20; i++) {
      const response = await request(`${url}/chaos`);
      assert.equal(response.status, 503);
      assert.equal(response.body, 'fault filter abort');
    }
    assert.equal(backend.requests.filter((r) => r.path === '/chaos').length, 0, 'nothing reached the backend');
  });

  it('retries past the default when the attempts are negative', async () => {
    const response = await request(`${url}/flaky`, { timeoutMs: 10_000 });
    assert.equal(response.status, 200, response.body);
    assert.equal(backend.requests.filter((r) => r.path === '/flaky').length, failuresBeforeSuccess + 1);
  });
});
