// End-to-end tests of `egc server` (host mode): the real CLI bundle, a real Envoy, real traffic.
// Needs dist/egc.js (node scripts/build.mjs) and an Envoy binary (npm run envoy).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { findEnvoy } from '../src/verify/envoy.js';
import { freePort, freePortRange, request, startHttpBackend, waitFor, type Backend, type EchoBody, type Response } from './support/index.js';
import { egcBundle, isAlive, startServerProcess, type ServerProcess } from './support/server-process.js';

const envoy = findEnvoy();
const skip = !envoy ? 'no Envoy binary (run `npm run envoy`)' : !existsSync(egcBundle) ? 'dist/egc.js missing (run node scripts/build.mjs)' : false;

const host = 'www.example.com';

function envoyGatewayConfig(paths: string[], providerType = 'Custom'): string {
  return `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyGateway
gateway:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
provider:
  type: ${providerType}
  custom:
    resource:
      type: File
      file:
        paths: ${JSON.stringify(paths)}
    infrastructure:
      type: Host
      host: {}
extensionApis:
  enableBackend: true
`;
}

/** The quick start's GatewayClass, Gateway and Backends (one per test backend), on free ports. */
function gatewayYaml(gateways: { name: string; port: number }[], backends: Backend[]): string {
  const docs = [
    `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: eg
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller`,
    ...gateways.map(
      (g) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${g.name}
spec:
  gatewayClassName: eg
  listeners:
    - name: http
      protocol: HTTP
      port: ${g.port}`,
    ),
    ...backends.map(
      (b) => `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: ${b.name}
spec:
  endpoints:
    - ip:
        address: 127.0.0.1
        port: ${b.port}`,
    ),
  ];
  return `${docs.join('\n---\n')}\n`;
}

/** An HTTPRoute on `gateway` for www.example.com with one PathPrefix rule per entry. */
function routeYaml(name: string, rules: { path: string; backend: string; pathType?: string }[], gateway = 'eg'): string {
  const ruleText = rules
    .map(
      (r) => `    - matches:
        - path:
            type: ${r.pathType ?? 'PathPrefix'}
            value: ${r.path}
      backendRefs:
        - group: gateway.envoyproxy.io
          kind: Backend
          name: ${r.backend}`,
    )
    .join('\n');
  return `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
spec:
  parentRefs:
    - name: ${gateway}
  hostnames:
    - ${host}
  rules:
${ruleText}
`;
}

/** Which backend answered, or the status when Envoy answered itself. */
async function route(port: number, path: string): Promise<string> {
  const response = await request(`http://127.0.0.1:${port}${path}`, { host, timeoutMs: 3000 });
  return response.status === 200 ? (JSON.parse(response.body) as EchoBody).backend : `status ${response.status}`;
}

/** Milliseconds from now until `path` is answered by `expected`. */
async function timeUntil(port: number, path: string, expected: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await waitFor(async () => (await route(port, path)) === expected, timeoutMs, 10);
  return performance.now() - started;
}

/** A GET on a keep-alive agent; resolves with the backend and the local port of the connection. */
function keepAliveGet(agent: Agent, port: number, path: string): Promise<{ backend: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const outgoing = get({ host: '127.0.0.1', port, path, agent, headers: { host } }, (response) => {
      // Read now: once the response ends the socket goes back to the agent's pool.
      const localPort = response.socket.localPort ?? 0;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ backend: (JSON.parse(body) as EchoBody).backend, localPort }));
    });
    outgoing.on('error', reject);
  });
}

/** GET /slow (backend a answers it late); a failure is reported with the server's log. */
function slowRequest(port: number, server: ServerProcess): Promise<Response> {
  return request(`http://127.0.0.1:${port}/slow`, { host, timeoutMs: 10_000 }).catch((error: Error) => {
    throw new Error(`/slow failed: ${error.message}\negc server log:\n${server.stderr()}`);
  });
}

function readStatus(path: string): any {
  return parse(readFileSync(path, 'utf8'));
}

test('egc server: quick start in host mode, live reloads, broken files, deletion, shutdown', { skip, timeout: 120_000 }, async (t) => {
  const slowMs = 1500;
  const a = await startHttpBackend({
    name: 'a',
    handler: (request, response) => {
      const answer = () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ backend: 'a', ...request }));
      };
      if (request.path === '/slow') setTimeout(answer, slowMs);
      else answer();
    },
  });
  const b = await startHttpBackend({ name: 'b' });
  const port = await freePort();
  const adminPortBase = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'egc-server-test-'));
  const resources = join(dir, 'resources');
  mkdirSync(resources);
  const routeFile = join(resources, 'route.yaml');
  const statusFile = join(dir, 'status.yaml');
  writeFileSync(join(resources, 'gateway.yaml'), gatewayYaml([{ name: 'eg', port }], [a, b]));
  writeFileSync(routeFile, routeYaml('app', [{ path: '/', backend: 'a' }]));
  // A relative path: it resolves against the config file's directory.
  writeFileSync(join(dir, 'eg.yaml'), envoyGatewayConfig(['resources']));

  const server = startServerProcess(
    ['--config-path', 'eg.yaml', '--status-file', statusFile, '--admin-port-base', String(adminPortBase), '--concurrency', '1', '--drain-time-s', '5', '--envoy', envoy!],
    dir,
  );
  t.after(async () => {
    server.kill();
    await Promise.all([a.close(), b.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  await t.test('serves the quick start', async () => {
    await server.waitForLog(/envoy ready/);
    assert.equal(await route(port, '/'), 'a');
    // Envoy's admin interface is on the base port.
    assert.equal((await request(`http://127.0.0.1:${adminPortBase}/ready`)).status, 200);
    const status = readStatus(statusFile);
    assert.equal(status.lastChange.result, 'Applied');
    const httpRoute = status.resources.find((r: any) => r.kind === 'HTTPRoute');
    const accepted = httpRoute.status.parents[0].conditions.find((c: any) => c.type === 'Accepted');
    assert.equal(accepted.status, 'True');
    assert.match(server.stderr(), /status kind=HTTPRoute name=default\/app scope="parent default\/eg" conditions="Accepted=True ResolvedRefs=True"/);
  });

  await t.test('an added path works within 2 s; an in-flight request and a kept-alive connection survive', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const before = await keepAliveGet(agent, port, '/');
    const slow = slowRequest(port, server);
    await waitFor(() => a.requests.some((r) => r.path === '/slow'), 2000, 10);

    writeFileSync(routeFile, routeYaml('app', [{ path: '/', backend: 'a' }, { path: '/b', backend: 'b' }]));
    const tookMs = await timeUntil(port, '/b', 'b', 2000);
    t.diagnostic(`added path answered ${tookMs.toFixed(0)} ms after the write`);

    const slowResponse = await slow;
    assert.equal(slowResponse.status, 200);
    assert.equal((JSON.parse(slowResponse.body) as EchoBody).backend, 'a');
    // A route change is an RDS update: the listener and its connections stay as they were.
    const after = await keepAliveGet(agent, port, '/');
    assert.equal(after.backend, 'a');
    assert.equal(after.localPort, before.localPort);
    assert.equal(server.envoyPids().length, 1, 'Envoy was not restarted');
  });

  await t.test('a broken file is reported and the running config stays', async () => {
    // Line 13, column 19 holds the bad path type.
    writeFileSync(routeFile, routeYaml('app', [{ path: '/', backend: 'a', pathType: 'PathPrefx' }]));
    await server.waitForLog(/resources\/route\.yaml:13:19: error EGC2003: .*PathPrefx/);
    await server.waitForLog(/change rejected/);
    assert.equal(await route(port, '/b'), 'b');
    assert.equal(await route(port, '/'), 'a');
    const status = await waitFor(() => {
      const current = readStatus(statusFile);
      return current.lastChange.result === 'Rejected' ? current : undefined;
    }, 2000);
    const diagnostic = status.diagnostics.find((d: any) => d.code === 'EGC2003');
    assert.deepEqual([diagnostic.file, diagnostic.line, diagnostic.column], ['resources/route.yaml', 13, 19]);
  });

  await t.test('the fix is applied', async () => {
    writeFileSync(routeFile, routeYaml('app', [{ path: '/', backend: 'a' }, { path: '/fixed', backend: 'b' }]));
    await timeUntil(port, '/fixed', 'b', 2000);
    assert.equal(await route(port, '/b'), 'a', '/b now falls through to the / rule');
    const status = await waitFor(() => {
      const current = readStatus(statusFile);
      return current.lastChange.result === 'Applied' && current.appliedVersion === 3 ? current : undefined;
    }, 2000);
    assert.deepEqual(status.diagnostics, []);
  });

  await t.test('reload latency: median of 10 edits under 2 s', async () => {
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      writeFileSync(routeFile, routeYaml('app', [{ path: '/', backend: 'a' }, { path: `/edit-${i}`, backend: 'b' }]));
      samples.push(await timeUntil(port, `/edit-${i}`, 'b', 5000));
    }
    samples.sort((x, y) => x - y);
    const median = (samples[4] + samples[5]) / 2;
    t.diagnostic(`reload latency ms: median ${median.toFixed(0)}, min ${samples[0].toFixed(0)}, max ${samples[9].toFixed(0)}`);
    assert.ok(median < 2000, `median ${median} ms`);
  });

  await t.test('deleting the HTTPRoute: its paths answer 404 within 2 s', async () => {
    unlinkSync(routeFile);
    await timeUntil(port, '/', 'status 404', 2000);
    await waitFor(() => !readStatus(statusFile).resources.some((r: any) => r.kind === 'HTTPRoute'), 2000);
  });

  await t.test('an Envoy that dies is restarted', async () => {
    writeFileSync(routeFile, routeYaml('app', [{ path: '/', backend: 'a' }]));
    await timeUntil(port, '/', 'a', 2000);
    const [first] = server.envoyPids();
    process.kill(first!, 'SIGKILL');
    await server.waitForLog(/envoy exited unexpectedly; restarting .*exit=SIGKILL/);
    await server.waitForLog(/envoy restarted and ready/);
    assert.equal(server.envoyPids().length, 2);
    await timeUntil(port, '/', 'a', 2000);
  });

  await t.test('SIGTERM drains Envoy (an in-flight request completes), stops it and exits 0', async () => {
    const pids = server.envoyPids();
    const inFlight = a.requests.length;
    const slow = slowRequest(port, server);
    await waitFor(() => a.requests.slice(inFlight).some((r) => r.path === '/slow'), 2000, 10);
    server.child.kill('SIGTERM');
    const slowResponse = await slow;
    assert.equal(slowResponse.status, 200);
    assert.equal((JSON.parse(slowResponse.body) as EchoBody).backend, 'a');
    assert.equal(await server.exited, 0);
    for (const pid of pids) assert.equal(isAlive(pid), false, `envoy ${pid} is gone`);
    assert.match(server.stderr(), /egc server stopped/);
  });
});

test('egc server: two Gateways run as two Envoys with consecutive admin ports', { skip, timeout: 60_000 }, async (t) => {
  const a = await startHttpBackend({ name: 'a' });
  const b = await startHttpBackend({ name: 'b' });
  // Four distinct ports free together: two listeners, then the two admin ports counted up from the base.
  const portA = await freePortRange(4);
  const [portB, adminPortBase] = [portA + 1, portA + 2];
  const dir = mkdtempSync(join(tmpdir(), 'egc-server-test-'));
  writeFileSync(join(dir, 'gateways.yaml'), gatewayYaml([{ name: 'eg', port: portA }, { name: 'eg2', port: portB }], [a, b]));
  writeFileSync(join(dir, 'routes.yaml'), `${routeYaml('to-a', [{ path: '/', backend: 'a' }], 'eg')}---\n${routeYaml('to-b', [{ path: '/', backend: 'b' }], 'eg2')}`);
  const config = join(dir, 'eg.config');
  writeFileSync(config, envoyGatewayConfig([join(dir, 'gateways.yaml'), join(dir, 'routes.yaml')]));
  const server = startServerProcess(['--config-path', config, '--admin-port-base', String(adminPortBase), '--concurrency', '1', '--log-format', 'json', '--envoy', envoy!], dir);
  t.after(async () => {
    server.kill();
    await Promise.all([a.close(), b.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  await server.waitForLog(/"msg":"configuration applied"/);
  assert.equal(await route(portA, '/'), 'a');
  assert.equal(await route(portB, '/'), 'b');
  for (const adminPort of [adminPortBase, adminPortBase + 1]) assert.equal((await request(`http://127.0.0.1:${adminPort}/ready`)).status, 200);
  const entries = server
    .stderr()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.ok(entries.every((e) => typeof e.time === 'string' && typeof e.level === 'string' && typeof e.msg === 'string'));
  assert.deepEqual(entries.filter((e) => e.msg === 'envoy ready').map((e) => e.proxy).sort(), ['default/eg', 'default/eg2']);

  const pids = server.envoyPids();
  assert.equal(pids.length, 2);
  server.child.kill('SIGINT');
  assert.equal(await server.exited, 0);
  for (const pid of pids) assert.equal(isAlive(pid), false);
});

test('egc server: config errors are located and end the run with exit 1', { skip: existsSync(egcBundle) ? false : 'dist/egc.js missing' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'egc-server-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const cases = [
    // provider.type's value is at line 6, column 9; extensionApis.enableBackend at line 16.
    { text: envoyGatewayConfig(['x'], 'Kubernetes'), expected: /eg\.yaml:6:9: error EGC5004: provider type Kubernetes is not supported/ },
    { text: envoyGatewayConfig(['x']).replace('  enableBackend: true', '  enableBackends: true'), expected: /eg\.yaml:16:3: error EGC2001: unknown field `enableBackends`/ },
  ];
  for (const { text, expected } of cases) {
    writeFileSync(join(dir, 'eg.yaml'), text);
    const server = startServerProcess(['--config-path', 'eg.yaml'], dir);
    assert.equal(await server.exited, 1);
    assert.match(server.stderr(), expected);
  }
});
