// Gateway API v1.2 route features (examples/httproute-v1.2.yaml), with real traffic:
//   HTTPRoute rule `retry`  a request whose first attempt gets a 500 is retried and succeeds;
//   HTTPRoute `timeouts`    a request the backend answers too late gets 504 after 1s;
//   GRPCRoute               a unary gRPC call reaches a gRPC server (grpc-js) over HTTP/2.
// Rule `sessionPersistence` is covered by session-persistence.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { compileAndRun, freePorts, readExample, rewrite, type CompiledProxy } from '../support/features-harness.js';
import { request, startHttpBackend, type Backend } from '../support/index.js';

const identity = (data: Buffer): Buffer => data;

/** A gRPC server with one unary method, echo.Echo/Say, answering `hello, <request>`. */
async function startEchoServer(): Promise<{ server: grpc.Server; port: number; calls: string[] }> {
  const calls: string[] = [];
  const server = new grpc.Server();
  server.addService(
    {
      Say: { path: '/echo.Echo/Say', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
    },
    {
      Say: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        calls.push(call.request.toString());
        callback(null, Buffer.from(`hello, ${call.request.toString()}`));
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { server, port, calls };
}

function callSay(target: string, authority: string, method: string, message: string): Promise<string> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), { 'grpc.default_authority': authority });
  return new Promise<string>((resolve, reject) => {
    client.makeUnaryRequest(method, identity, identity, Buffer.from(message), { deadline: Date.now() + 5000 }, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response!.toString());
    });
  });
}

describe('Gateway API v1.2 route features', () => {
  let proxy: CompiledProxy;
  let app: Backend;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let listenerPort: number;
  let url: string;
  /** Attempts seen per flaky path: the first one fails with 500, later ones succeed. */
  const attempts = new Map<string, number>();

  before(async () => {
    app = await startHttpBackend({
      name: 'app',
      handler: (req, res) => {
        if (req.path.startsWith('/flaky')) {
          const seen = (attempts.get(req.path) ?? 0) + 1;
          attempts.set(req.path, seen);
          const failUntil = Number(/fail=(\d+)/.exec(req.path)?.[1] ?? 1);
          const failWith = Number(/code=(\d+)/.exec(req.path)?.[1] ?? 500);
          res.writeHead(seen <= failUntil ? failWith : 200, { 'content-type': 'text/plain' });
          res.end(`attempt ${seen}`);
        } else {
          // /slow: answer long after the route's 1s request timeout.
          setTimeout(() => res.end('late'), 3000).unref();
        }
      },
    });
    echo = await startEchoServer();
    [listenerPort] = (await freePorts(1)) as [number];
    const text = rewrite(readExample('httproute-v1.2.yaml'), [
      ['port: 8888', `port: ${listenerPort}`],
      ['port: 3000', `port: ${app.port}`],
      ['port: 3001', `port: ${echo.port}`],
      ['targetPort: 3001', `targetPort: ${echo.port}`],
    ]);
    proxy = await compileAndRun(text);
    url = `http://127.0.0.1:${listenerPort}`;
  });

  after(async () => {
    await proxy?.stop();
    await app?.close();
    echo?.server.forceShutdown();
  });

  it('retries a request that first fails with 500, and it succeeds', async () => {
    const response = await request(`${url}/flaky/once?fail=1`, { host: 'www.example.com' });
    assert.equal(response.status, 200, response.body);
    assert.equal(response.body, 'attempt 2');
    assert.equal(attempts.get('/flaky/once?fail=1'), 2);
  });

  it('gives up after `attempts` retries and returns the last failure', async () => {
    const response = await request(`${url}/flaky/always?fail=99`, { host: 'www.example.com' });
    assert.equal(response.status, 500);
    assert.equal(attempts.get('/flaky/always?fail=99'), 3, 'one try plus two retries');
  });

  it('retries 502 too, and no status code outside `codes` (503)', async () => {
    const retried = await request(`${url}/flaky/bad-gateway?fail=1&code=502`, { host: 'www.example.com' });
    assert.equal(retried.status, 200);
    assert.equal(attempts.get('/flaky/bad-gateway?fail=1&code=502'), 2);
    const unlisted = await request(`${url}/flaky/unavailable?fail=1&code=503`, { host: 'www.example.com' });
    assert.equal(unlisted.status, 503);
    assert.equal(attempts.get('/flaky/unavailable?fail=1&code=503'), 1);
  });

  it('answers 504 when the backend is slower than the request timeout', async () => {
    const started = Date.now();
    const response = await request(`${url}/slow`, { host: 'www.example.com', timeoutMs: 5000 });
    const elapsed = Date.now() - started;
    assert.equal(response.status, 504);
    assert.equal(response.body, 'upstream request timeout');
    assert.ok(elapsed >= 900 && elapsed < 2500, `timed out after ${elapsed} ms`);
  });

  it('routes a gRPC call through the GRPCRoute', async () => {
    const answer = await callSay(`127.0.0.1:${listenerPort}`, 'grpc.example.com', '/echo.Echo/Say', 'envoy');
    assert.equal(answer, 'hello, envoy');
    assert.deepEqual(echo.calls, ['envoy']);
  });

  it('does not route gRPC methods of other services (UNIMPLEMENTED from Envoy)', async () => {
    await assert.rejects(callSay(`127.0.0.1:${listenerPort}`, 'grpc.example.com', '/other.Service/Say', 'x'), (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.UNIMPLEMENTED);
      return true;
    });
    assert.equal(echo.calls.length, 1);
  });
});
