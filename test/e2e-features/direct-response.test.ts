// Direct response (examples/direct-response.yaml): an HTTPRouteFilter `directResponse` makes Envoy
// answer 200 `OK` with content-type text/plain itself. The test runs a server on the port a
// backend would use, to show that nothing is ever sent there.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileAndRun, freePorts, readExample, rewrite, type CompiledProxy } from '../support/features-harness.js';
import { request, startHttpBackend, type Backend } from '../support/index.js';

describe('HTTPRouteFilter directResponse', () => {
  let proxy: CompiledProxy;
  let bystander: Backend;
  let url: string;

  before(async () => {
    bystander = await startHttpBackend({ name: 'bystander' });
    const [listenerPort] = await freePorts(1);
    proxy = await compileAndRun(rewrite(readExample('direct-response.yaml'), [['port: 8888', `port: ${listenerPort}`]]));
    url = `http://127.0.0.1:${listenerPort}`;
  });

  after(async () => {
    await proxy?.stop();
    await bystander?.close();
  });

  it('answers 200 OK as text/plain', async () => {
    const response = await request(`${url}/health`, { host: 'www.example.com' });
    assert.equal(response.status, 200);
    assert.equal(response.body, 'OK');
    assert.equal(response.headers['content-type'], 'text/plain');
  });

  it('answers every request the route matches, whatever the method', async () => {
    const response = await request(`${url}/health/deep?x=1`, { host: 'www.example.com', method: 'POST', body: 'ignored' });
    assert.equal(response.status, 200);
    assert.equal(response.body, 'OK');
  });

  it('has no cluster for the route and contacts no backend', async () => {
    assert.doesNotMatch(await proxy.envoy.admin('/clusters'), /httproute\/default\/health/);
    assert.equal(bystander.requests.length, 0);
  });

  it('leaves paths outside the route to Envoy (404)', async () => {
    const response = await request(`${url}/other`, { host: 'www.example.com' });
    assert.equal(response.status, 404);
  });
});
