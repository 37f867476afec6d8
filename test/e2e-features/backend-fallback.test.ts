// Backend failover (examples/backend-fallback.yaml): the standby Backend (`fallback: true`) is a
// lower-priority locality, so Envoy sends it traffic only while health checking has the primary
// out: passive checking ejects it on its first failure, active checking keeps it out and lets it
// back in. When the primary answers again, traffic returns to it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileAndRun, freePorts, readExample, rewrite, type CompiledProxy } from '../support/features-harness.js';
import { request, startHttpBackend, waitFor, type Backend, type EchoBody } from '../support/index.js';

async function whoAnswers(url: string): Promise<string> {
  const response = await request(url, { host: 'www.example.com' });
  assert.equal(response.status, 200, `${response.status} ${response.body}`);
  return (JSON.parse(response.body) as EchoBody).backend;
}

describe('backend failover to a fallback Backend', () => {
  let proxy: CompiledProxy;
  let primary: Backend | undefined;
  let standby: Backend;
  let primaryPort: number;
  let url: string;

  before(async () => {
    const [listenerPort, primaryFree, standbyPort] = await freePorts(3);
    primaryPort = primaryFree!;
    primary = await startHttpBackend({ name: 'primary', port: primaryPort });
    standby = await startHttpBackend({ name: 'standby', port: standbyPort });
    const text = rewrite(readExample('backend-fallback.yaml'), [
      ['port: 8888', `port: ${listenerPort}`],
      ['port: 3001', `port: ${primaryPort}`],
      ['port: 3002', `port: ${standbyPort}`],
    ]);
    proxy = await compileAndRun(text);
    url = `http://127.0.0.1:${listenerPort}/`;
  });

  after(async () => {
    await proxy?.stop();
    await primary?.close();
    await standby?.close();
  });

  it('sends all traffic to the primary while it is healthy', async () => {
    for (let i = 0; i < 10; i++) assert.equal(await whoAnswers(url), 'primary');
    assert.ok(primary!.requests.some((r) => r.path === '/healthz'), 'the primary is actively health checked');
    assert.equal(standby.requests.filter((r) => r.path !== '/healthz').length, 0, 'the standby gets no traffic');
  });

  it('moves traffic to the standby when the primary stops, with no failures once settled', async () => {
    await primary!.close();
    primary = undefined;
    // The request that finds the primary down fails (a 503) and gets it ejected.
    let failures = 0;
    await waitFor(async () => {
      const response = await request(url, { host: 'www.example.com' });
      if (response.status !== 200) failures += 1;
      return response.status === 200 && (JSON.parse(response.body) as EchoBody).backend === 'standby';
    }, 10_000, 100);
    assert.ok(failures <= 2, `${failures} requests failed during the switch`);
    for (let i = 0; i < 20; i++) assert.equal(await whoAnswers(url), 'standby');
    assert.match(await proxy.envoy.admin('/clusters'), new RegExp(`::127\\.0\\.0\\.1:${primaryPort}::health_flags::.*failed_outlier_check`));
  });

  it('returns traffic to the primary once it is back', async () => {
    primary = await startHttpBackend({ name: 'primary', port: primaryPort });
    await waitFor(async () => (await whoAnswers(url)) === 'primary', 20_000, 200);
    for (let i = 0; i < 10; i++) assert.equal(await whoAnswers(url), 'primary');
  });
});
