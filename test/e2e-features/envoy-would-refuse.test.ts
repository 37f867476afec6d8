// Input Envoy would refuse (fixtures/input-envoy-would-refuse.yaml): egc reports each such part
// with its location (EGC3014) and leaves only that part out, so the rest of the bootstrap runs.
// Here, in a real Envoy: the route whose ext_authz service cluster was left out fails closed,
// the route left out for its empty token bucket falls through to the next route, and the
// others serve.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEnvoy, validateWithEnvoy, type RunningEnvoy } from '../../src/verify/envoy.js';
import { projectRoot } from '../golden-support.js';
import { freePorts, rewrite, translateText } from '../support/features-harness.js';
import { request, startHttpBackend, type Backend, type EchoBody } from '../support/index.js';

// The fixture's basic-auth user: admin, password "password" ({SHA} hash in its Secret).
const credentials = `Basic ${Buffer.from('admin:password').toString('base64')}`;

describe('a bootstrap with the parts Envoy would refuse left out', () => {
  let envoy: RunningEnvoy;
  let backend: Backend;
  let stderr: string;
  let url: string;

  before(async () => {
    const [listenerPort, backendPort] = await freePorts(2);
    backend = await startHttpBackend({ name: 'app', port: backendPort! });
    const text = rewrite(readFileSync(join(projectRoot, 'fixtures', 'input-envoy-would-refuse.yaml'), 'utf8'), [
      ['port: 8080', `port: ${listenerPort}`],
      ['port: 3000', `port: ${backendPort}`],
    ]);
    const run = translateText(text);
    assert.equal(run.status, 1, `expected the input's errors to be reported:\n${run.stderr}`);
    stderr = run.stderr;
    const validation = await validateWithEnvoy(run.stdout);
    assert.ok(validation.ok, `envoy --mode validate rejected the bootstrap:\n${validation.output}`);
    envoy = await startEnvoy(run.stdout, { logLevel: 'warn' });
    await envoy.waitReady();
    url = `http://127.0.0.1:${listenerPort}`;
  });

  after(async () => {
    await envoy?.stop();
    await backend?.close();
  });

  it('reports the ext_authz health check on the SecurityPolicy field that has it', () => {
    assert.match(
      stderr,
      /input\.yaml:\d+:\d+: error EGC3014: proxy default\/eg: cluster securitypolicy\/default\/ext-auth\/0 is left out: its passive health check maxEjectionPercent is 150, and Envoy allows 0 to 100\n {2}in SecurityPolicy default\/ext-auth at spec\.extAuth\.http\.backendSettings\.healthCheck\.passive\n/,
    );
  });

  it('denies requests on the route whose authorization service was left out', async () => {
    const response = await request(`${url}/guarded`, { headers: { authorization: credentials } });
    assert.equal(response.status, 403, response.body);
    assert.equal(backend.requests.filter((r) => r.path === '/guarded').length, 0, 'nothing reached the backend');
  });

  it('serves the other routes, the left-out one falling through to the catch-all', async () => {
    const served = await request(`${url}/`, { headers: { authorization: credentials } });
    assert.equal(served.status, 200, served.body);
    assert.equal((JSON.parse(served.body) as EchoBody).backend, 'app');
    // /throttled's own route (0 requests per second) is not there: the catch-all route, behind
    // basic auth, takes the request instead of a rate limiter.
    assert.equal((await request(`${url}/throttled`)).status, 401);
    assert.equal((await request(`${url}/throttled`, { headers: { authorization: credentials } })).status, 200);
  });
});
