// Response override (examples/response-override.yaml): a BackendTrafficPolicy replaces the body and
// content type of the backend's 404 (inline text) and 5xx (a ConfigMap's `response.body`)
// answers, keeping the status; other answers pass untouched.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileAndRun, freePorts, readExample, rewrite, type CompiledProxy } from '../support/features-harness.js';
import { request, startHttpBackend, type Backend } from '../support/index.js';

/** Answers with the status the path names (`/status/404`), as JSON; 200 for other paths. */
async function statusBackend(): Promise<Backend> {
  return startHttpBackend({
    name: 'status',
    handler: (req, res) => {
      const status = Number(/^\/status\/(\d{3})/.exec(req.path)?.[1] ?? 200);
      res.writeHead(status, { 'content-type': 'application/json', 'x-from-backend': 'yes' });
      res.end(JSON.stringify({ status, path: req.path }));
    },
  });
}

describe('BackendTrafficPolicy responseOverride', () => {
  let proxy: CompiledProxy;
  let backend: Backend;
  let url: string;

  before(async () => {
    backend = await statusBackend();
    const [listenerPort] = await freePorts(1);
    const text = rewrite(readExample('response-override.yaml'), [
      ['port: 8888', `port: ${listenerPort}`],
      ['port: 3000', `port: ${backend.port}`],
    ]);
    proxy = await compileAndRun(text);
    url = `http://127.0.0.1:${listenerPort}`;
  });

  after(async () => {
    await proxy?.stop();
    await backend?.close();
  });

  it('replaces a 404 body with the inline text, as text/plain', async () => {
    const response = await request(`${url}/status/404`, { host: 'www.example.com' });
    assert.equal(response.status, 404);
    assert.equal(response.body, 'The requested URL was not found on this server.');
    assert.equal(response.headers['content-type'], 'text/plain');
    assert.equal(backend.requests.at(-1)?.path, '/status/404', 'the backend was asked');
  });

  it('passes a 200 untouched', async () => {
    const response = await request(`${url}/status/200`, { host: 'www.example.com' });
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { status: 200, path: '/status/200' });
    assert.equal(response.headers['content-type'], 'application/json');
  });

  it('takes the 5xx body from the ConfigMap (valueRef), for each status in the range', async () => {
    for (const status of [500, 502, 503]) {
      const response = await request(`${url}/status/${status}`, { host: 'www.example.com' });
      assert.equal(response.status, status);
      assert.equal(response.body, '<html><body><h1>Something went wrong; we are on it.</h1></body></html>');
      assert.equal(response.headers['content-type'], 'text/html');
    }
  });

  it('passes statuses outside the rules untouched', async () => {
    for (const status of [403, 504]) {
      const response = await request(`${url}/status/${status}`, { host: 'www.example.com' });
      assert.equal(response.status, status);
      assert.deepEqual(JSON.parse(response.body), { status, path: `/status/${status}` });
    }
  });
});
