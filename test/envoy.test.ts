// The real Envoy (pinned 1.36.4, installed by scripts/ensure-envoy.mjs): finding it, validating
// bootstraps with `--mode validate`, and running it to proxy to a Node backend.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { findEnvoy, startEnvoy, validateWithEnvoy } from '../src/verify/envoy.js';
import { freePort, request, startHttpBackend, waitFor, type Backend, type EchoBody } from './support/index.js';

const routerFilter = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};

/** A minimal static bootstrap: one HTTP listener whose only virtual host (www.example.com)
 * routes everything to one STATIC cluster with a single endpoint. */
function staticBootstrap(ports: { admin: number; listener: number; backend: number }) {
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: ports.admin } } },
    static_resources: {
      listeners: [
        {
          name: 'http',
          address: { socket_address: { address: '127.0.0.1', port_value: ports.listener } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'http',
                    route_config: {
                      name: 'local',
                      virtual_hosts: [
                        {
                          name: 'example',
                          domains: ['www.example.com'],
                          routes: [{ match: { prefix: '/' }, route: { cluster: 'backend' } }],
                        },
                      ],
                    },
                    http_filters: [routerFilter],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'backend',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'backend',
            endpoints: [
              { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: ports.backend } } } }] },
            ],
          },
        },
      ],
    },
  };
}

describe('findEnvoy', () => {
  it('finds the pinned Envoy 1.36.4', () => {
    const envoy = findEnvoy();
    assert.ok(envoy, 'no Envoy found; run `npm run envoy`');
    if (!process.env.EGC_ENVOY) assert.match(envoy, /\/\.venv\/lib\/python3\.\d+\/site-packages\/envoy\/_bin\/envoy$/);
    // `envoy --version` prints "<binary> version: <sha>/<version>/<status>/<build type>/<ssl>".
    const version = execFileSync(envoy, ['--version'], { encoding: 'utf8' });
    assert.match(version, /version: [0-9a-f]{40}\/1\.36\.4\//);
  });

  it('prefers an explicit choice, then EGC_ENVOY', () => {
    const saved = process.env.EGC_ENVOY;
    try {
      process.env.EGC_ENVOY = '/from/env/envoy';
      assert.equal(findEnvoy({ explicit: '/chosen/envoy' }), '/chosen/envoy');
      assert.equal(findEnvoy(), '/from/env/envoy');
    } finally {
      if (saved === undefined) delete process.env.EGC_ENVOY;
      else process.env.EGC_ENVOY = saved;
    }
  });
});

describe('validateWithEnvoy', () => {
  it('accepts a minimal static bootstrap', async () => {
    const result = await validateWithEnvoy(staticBootstrap({ admin: 19000, listener: 10080, backend: 8080 }));
    // Envoy's validation server reports "configuration '<path>' OK" on success.
    assert.match(result.output, /configuration '.*envoy\.json' OK/);
    assert.equal(result.ok, true);
  });

  it('accepts the same bootstrap as YAML text', async () => {
    const yaml = [
      'admin: {address: {socket_address: {address: 127.0.0.1, port_value: 19000}}}',
      'static_resources:',
      '  clusters:',
      '  - name: backend',
      '    type: STATIC',
      '    connect_timeout: 1s',
      '    load_assignment: {cluster_name: backend, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8080}}}}]}]}',
    ].join('\n');
    const result = await validateWithEnvoy(yaml);
    assert.match(result.output, /configuration '.*envoy\.yaml' OK/);
    assert.equal(result.ok, true);
  });

  it('rejects an unknown field with Envoy\'s message', async () => {
    const config = staticBootstrap({ admin: 19000, listener: 10080, backend: 8080 });
    Object.assign(config.static_resources.clusters[0]!, { no_such_field: true });
    const result = await validateWithEnvoy(config);
    assert.equal(result.ok, false);
    // Envoy's strict validation visitor: "Protobuf message (<details>) has unknown fields".
    assert.match(result.output, /Protobuf message \(.*no_such_field.*\) has unknown fields/);
  });

  it('rejects an out-of-range value with the proto constraint message', async () => {
    const result = await validateWithEnvoy(staticBootstrap({ admin: 19000, listener: 70000, backend: 8080 }));
    assert.equal(result.ok, false);
    // SocketAddress.port_value is declared uint32 with lte 65535 (protoc-gen-validate).
    assert.match(result.output, /Proto constraint validation failed/);
    assert.match(result.output, /SocketAddressValidationError\.PortValue: value must be less than or equal to 65535/);
  });

  it('fails loudly when the Envoy binary does not exist', async () => {
    await assert.rejects(
      validateWithEnvoy(staticBootstrap({ admin: 19000, listener: 10080, backend: 8080 }), { envoy: '/nonexistent/envoy' }),
      /could not run Envoy at \/nonexistent\/envoy: .*ENOENT/,
    );
  });
});

describe('startEnvoy', () => {
  let backend: Backend;
  before(async () => {
    backend = await startHttpBackend({ name: 'alpha' });
  });
  after(async () => {
    await backend.close();
  });

  it('proxies to the backend by Host header and leaves no process behind', async () => {
    const ports = { admin: await freePort(), listener: await freePort(), backend: backend.port };
    const envoy = await startEnvoy(staticBootstrap(ports));
    const pid = envoy.process.pid;
    assert.ok(pid);
    try {
      assert.equal(envoy.adminUrl, `http://127.0.0.1:${ports.admin}`);
      const listenerUrl = `http://127.0.0.1:${ports.listener}`;

      const routed = await request(`${listenerUrl}/hello?x=1`, { host: 'www.example.com', headers: { 'x-test': 'yes' } });
      assert.equal(routed.status, 200, routed.body);
      const echoed = JSON.parse(routed.body) as EchoBody;
      assert.equal(echoed.backend, 'alpha');
      assert.equal(echoed.method, 'GET');
      assert.equal(echoed.path, '/hello?x=1');
      assert.equal(echoed.headers['x-test'], 'yes');
      // Envoy forwards the Host (:authority) unchanged unless a rewrite is configured.
      assert.equal(echoed.headers.host, 'www.example.com');
      assert.equal(backend.requests.at(-1)?.path, '/hello?x=1');

      // No virtual host matches another Host: Envoy answers 404 itself, the backend sees nothing.
      const seen = backend.requests.length;
      const unrouted = await request(`${listenerUrl}/hello`, { host: 'other.example.com' });
      assert.equal(unrouted.status, 404);
      assert.equal(backend.requests.length, seen);

      assert.match(await envoy.admin('/clusters'), /^backend::127\.0\.0\.1:\d+::cx_total::\d+$/m);
    } finally {
      await envoy.stop();
    }
    assert.notEqual(envoy.process.exitCode ?? envoy.process.signalCode, null);
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    await waitFor(async () => {
      try {
        await request(`${envoy.adminUrl}/ready`, { timeoutMs: 500 });
        return false;
      } catch {
        return true;
      }
    }, 5000);
  });

  it('lets Envoy pick the admin port when none is given', async () => {
    const ports = { admin: 0, listener: await freePort(), backend: backend.port };
    const envoy = await startEnvoy(staticBootstrap(ports));
    try {
      assert.match(envoy.adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(envoy.adminUrl, 'http://127.0.0.1:0');
      const ready = await request(`${envoy.adminUrl}/ready`);
      assert.equal(ready.status, 200);
      assert.equal(ready.body.trim(), 'LIVE');
    } finally {
      await envoy.stop();
    }
  });

  it('rejects with Envoy\'s output when the config cannot start', async () => {
    const ports = { admin: await freePort(), listener: 70000, backend: backend.port };
    await assert.rejects(startEnvoy(staticBootstrap(ports)), /Envoy exited before it became ready[\s\S]*value must be less than or equal to 65535/);
  });
});
