// IPv6 (examples/envoyproxy-ipv6.yaml): EnvoyProxy `spec.ipFamily` decides what the listeners
// bind, and a Backend on IPv6 loopback is reached. Per family, through a real Envoy:
//   IPv6       `[::1]` works, `127.0.0.1` is refused (the listener binds `::` only);
//   DualStack  both `[::1]` and `127.0.0.1` work;
//   IPv4       `127.0.0.1` works, `[::1]` is refused.
// Machines without IPv6 loopback skip these tests, saying why.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { compileAndRun, freePorts, readExample, rewrite, type CompiledProxy } from '../support/features-harness.js';
import { request, startHttpBackend, type Backend, type EchoBody } from '../support/index.js';

/** Why IPv6 loopback is unusable here, or undefined when `lo` has ::1. */
function noIPv6Loopback(): string | undefined {
  try {
    const output = execFileSync('ip', ['-6', 'addr', 'show', 'lo'], { encoding: 'utf8' });
    return /inet6 ::1\/128/.test(output) ? undefined : 'no IPv6 loopback: `ip -6 addr show lo` lists no ::1';
  } catch (error) {
    return `cannot tell whether IPv6 loopback exists (\`ip -6 addr show lo\` failed: ${(error as Error).message})`;
  }
}

const skip = noIPv6Loopback();

async function reaches(url: string, backend: string): Promise<void> {
  const response = await request(url, { host: 'www.example.com' });
  assert.equal(response.status, 200, `${url}: ${response.status} ${response.body}`);
  assert.equal((JSON.parse(response.body) as EchoBody).backend, backend);
}

async function refused(url: string): Promise<void> {
  await assert.rejects(request(url, { host: 'www.example.com', timeoutMs: 2000 }), /ECONNREFUSED/, `${url} should refuse the connection`);
}

const expectations = {
  IPv6: { v6: true, v4: false },
  DualStack: { v6: true, v4: true },
  IPv4: { v6: false, v4: true },
} as const;

for (const family of ['IPv6', 'DualStack', 'IPv4'] as const) {
  describe(`EnvoyProxy ipFamily ${family} with a Backend on [::1]`, { skip }, () => {
    let proxy: CompiledProxy;
    let backend: Backend;
    let listenerPort: number;

    before(async () => {
      backend = await startHttpBackend({ name: 'ipv6-backend', host: '::1' });
      [listenerPort] = (await freePorts(1)) as [number];
      const text = rewrite(readExample('envoyproxy-ipv6.yaml'), [
        ['ipFamily: DualStack', `ipFamily: ${family}`],
        ['port: 8888', `port: ${listenerPort}`],
        ['port: 3000', `port: ${backend.port}`],
      ]);
      proxy = await compileAndRun(text);
    });

    after(async () => {
      await proxy?.stop();
      await backend?.close();
    });

    it(`binds the listener on ${family === 'IPv4' ? '0.0.0.0' : '::'}`, () => {
      const expected = family === 'IPv4' ? '0.0.0.0' : '"::"';
      assert.match(proxy.bootstrap, new RegExp(`address: ${expected}\\n\\s+portValue: ${listenerPort}\\n`));
    });

    it(`${expectations[family].v6 ? 'accepts' : 'refuses'} requests over [::1]`, async () => {
      const url = `http://[::1]:${listenerPort}/v6`;
      if (expectations[family].v6) await reaches(url, 'ipv6-backend');
      else await refused(url);
    });

    it(`${expectations[family].v4 ? 'accepts' : 'refuses'} requests over 127.0.0.1`, async () => {
      const url = `http://127.0.0.1:${listenerPort}/v4`;
      if (expectations[family].v4) await reaches(url, 'ipv6-backend');
      else await refused(url);
    });

    it('reached the backend over IPv6', () => {
      assert.ok(backend.requests.length > 0, 'the backend on [::1] got the requests');
    });
  });
}
