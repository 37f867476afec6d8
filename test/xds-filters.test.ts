import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HTTPListener, Xds } from '../src/ir/types.js';
import { protoDuration, wholeSeconds } from '../src/xds/duration.js';
import { orderHttpFilters } from '../src/xds/filters/filterorder.js';
import { jsonPathToPointers, applyPatchPolicies } from '../src/xds/jsonpatch.js';
import { buildHttpFilters, routeFilterConfig, routeActionFilterFields, filterResources } from '../src/xds/httpfilters.js';
import { outlierDetection } from '../src/xds/healthcheck.js';
import { buildHcmTracing, tracingErrors } from '../src/xds/telemetry/tracing.js';
import type { Json } from '../src/xds/resources.js';

const names = (filters: Json[]) => filters.map((f) => f.name);

function listener(routes: Json[], extra: Json = {}): HTTPListener {
  return {
    name: 'first-listener', address: '0.0.0.0', port: 10080, hostnames: ['*'], isHTTP2: false,
    path: { mergeSlashes: true, escapedSlashesAction: 'UnescapeAndRedirect' },
    routes: routes.map((r) => ({ hostname: '*', isHTTP2: false, ...r })) as HTTPListener['routes'],
    ...extra,
  } as HTTPListener;
}

describe('HTTP filter order', () => {
  it('ranks filters as Envoy Gateway does: authentication, then authorization, then rate limits, router last', () => {
    const filters = ['envoy.filters.http.router', 'envoy.filters.http.ratelimit', 'envoy.filters.http.rbac', 'envoy.filters.http.jwt_authn', 'envoy.filters.http.cors']
      .map((name) => ({ name }));
    assert.deepEqual(names(orderHttpFilters(filters)), [
      'envoy.filters.http.cors', 'envoy.filters.http.jwt_authn', 'envoy.filters.http.rbac', 'envoy.filters.http.ratelimit', 'envoy.filters.http.router',
    ]);
  });

  it('moves every filter of a type before another type, and ignores positions naming absent types', () => {
    // The reference's custom-filter-order case: wasm before jwt_authn; "basic_authn" matches nothing.
    const filters = ['envoy.filters.http.cors', 'envoy.filters.http.basic_auth', 'envoy.filters.http.jwt_authn', 'envoy.filters.http.wasm/p/0', 'envoy.filters.http.wasm/p/1', 'envoy.filters.http.router']
      .map((name) => ({ name }));
    const ordered = orderHttpFilters(filters, [
      { name: 'envoy.filters.http.wasm', before: 'envoy.filters.http.jwt_authn' },
      { name: 'envoy.filters.http.cors', after: 'envoy.filters.http.basic_authn' },
    ]);
    assert.deepEqual(names(ordered), [
      'envoy.filters.http.cors', 'envoy.filters.http.basic_auth', 'envoy.filters.http.wasm/p/0', 'envoy.filters.http.wasm/p/1', 'envoy.filters.http.jwt_authn', 'envoy.filters.http.router',
    ]);
  });
});

describe('durations', () => {
  it('reads Go durations and prints protojson durations', () => {
    assert.equal(wholeSeconds('24h0m0s'), 86400);
    assert.equal(wholeSeconds('30m0s'), 1800);
    assert.equal(protoDuration('5.4s'), '5.400s');
    assert.equal(protoDuration(5.4), '5.400s');
    assert.equal(protoDuration(3600), '3600s');
  });
});

describe('JWT, global rate limit and fault filters', () => {
  const jwtRoute = {
    name: 'first-route',
    security: { jwt: { providers: [{ name: 'example', issuer: 'https://www.example.com', audiences: ['foo.com'], remoteJWKS: { uri: 'https://localhost/jwt/public-key/jwks.json' } }] } },
    traffic: { rateLimit: { global: { rules: [{ cidrMatch: { cidr: '192.168.0.0/16', maskLen: 16 }, limit: { requests: 5, unit: 'second' } }] } } },
    destination: { name: 'first-route-dest', settings: [{ endpoints: [{ host: '1.2.3.4', port: 50000 }] }] },
  };
  const xds: Xds = { http: [listener([jwtRoute])] };

  it('keys providers and requirements by route and puts jwt_authn before ratelimit', () => {
    const filters = buildHttpFilters(xds.http![0], xds);
    assert.deepEqual(names(filters), ['envoy.filters.http.jwt_authn', 'envoy.filters.http.ratelimit', 'envoy.filters.http.router']);
    const jwt = filters[0].typedConfig;
    assert.deepEqual(jwt.requirementMap, { 'first-route': { providerName: 'first-route/example' } });
    assert.equal(jwt.providers['first-route/example'].remoteJwks.httpUri.cluster, 'localhost_443');
    assert.equal(filters[1].typedConfig.domain, 'first-listener');
    assert.equal(filters[1].typedConfig.enableXRatelimitHeaders, 'DRAFT_VERSION_03');
  });

  it('gives the route its requirement and its rate-limit descriptors', () => {
    const route = xds.http![0].routes![0];
    assert.equal(routeFilterConfig(route)!['envoy.filters.http.jwt_authn'].requirementName, 'first-route');
    assert.deepEqual(routeActionFilterFields(route).rateLimits, [
      { actions: [{ genericKey: { descriptorKey: 'first-route', descriptorValue: 'first-route' } }, { maskedRemoteAddress: { v4PrefixMaskLen: 16 } }] },
    ]);
  });

  it('adds the JWKS cluster with system trust and the rate-limit service cluster', () => {
    const resources = filterResources(xds, { rateLimitServiceUrl: 'grpc://envoy-ratelimit.envoy-gateway-system.svc.cluster.local:8081' });
    const jwks = resources.clusters.find((c) => c.name === 'localhost_443')!;
    assert.equal(jwks.type, 'STRICT_DNS');
    assert.equal(jwks.transportSocket.typedConfig.sni, 'localhost');
    const rateLimit = resources.clusters.find((c) => c.name === 'ratelimit_cluster')!;
    assert.equal(rateLimit.loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress.portValue, 8081);
  });

  it('expresses fault percentages in millionths', () => {
    const route = { name: 'r', traffic: { faultInjection: { abort: { httpStatus: 500, percentage: 0.01 } } } };
    const config = routeFilterConfig(listener([route]).routes![0])!['envoy.filters.http.fault'];
    assert.deepEqual(config.abort, { httpStatus: 500, percentage: { denominator: 'MILLION', numerator: 100 } });
  });

  it('wraps a negative fault percentage into a uint32, as the reference\'s conversion does', () => {
    const route = { name: 'r', traffic: { faultInjection: { delay: { fixedDelay: '1s', percentage: -80 } } } };
    const config = routeFilterConfig(listener([route]).routes![0])!['envoy.filters.http.fault'];
    assert.deepEqual(config.delay.percentage, { denominator: 'MILLION', numerator: 2 ** 32 - 800000 });
  });

  it('sends a negative gRPC status as the reference does: the int32 read as a uint32', () => {
    const route = { name: 'r', traffic: { faultInjection: { abort: { grpcStatus: -14 } } } };
    const config = routeFilterConfig(listener([route]).routes![0])!['envoy.filters.http.fault'];
    assert.equal(config.abort.grpcStatus, 2 ** 32 - 14);
  });
});

describe('Wasm', () => {
  const wasm = (policy: string, httpWasmCode: Json) => ({ name: `envoyextensionpolicy/default/${policy}/wasm/0`, wasmName: policy, httpWasmCode });
  const fromHttp = {
    originalDownloadingURL: 'https://modules.example.com/filters/add-header.wasm',
    servingURL: 'https://envoy-gateway:18002/cached.wasm',
    sha256: 'f'.repeat(64),
  };
  const fromImage = { originalDownloadingURL: 'oci://registry.example.com/filters/x:v1', servingURL: 'https://envoy-gateway:18002/image.wasm', sha256: 'e'.repeat(64) };
  const xds: Xds = { http: [listener([{ name: 'a', envoyExtensions: { wasms: [wasm('http', fromHttp)] } }, { name: 'b', envoyExtensions: { wasms: [wasm('image', fromImage)] } }])] };
  const httpUris = (options = {}) =>
    buildHttpFilters(xds.http![0], xds, options)
      .filter((f) => f.name.startsWith('envoy.filters.http.wasm/'))
      .map((f) => f.typedConfig.config.vmConfig.code.remote.httpUri);

  it('has Envoy fetch an HTTP module from its own URL, over a cluster for that host and port', () => {
    assert.deepEqual(httpUris()[0], { cluster: 'modules_example_com_443', timeout: '10s', uri: 'https://modules.example.com/filters/add-header.wasm' });
    const cluster = filterResources(xds).clusters.find((c) => c.name === 'modules_example_com_443')!;
    assert.equal(cluster.transportSocket.typedConfig.sni, 'modules.example.com');
    assert.equal(cluster.loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress.portValue, 443);
  });

  it('leaves an OCI image to the module cache, which only Envoy Gateway has', () => {
    assert.deepEqual(httpUris()[1], { cluster: 'wasm_cluster', timeout: '10s', uri: 'https://envoy-gateway:18002/image.wasm' });
  });

  it('fetches every module from the cache cluster when given one, as Envoy Gateway does', () => {
    assert.deepEqual(httpUris({ wasmCacheCluster: 'wasm_cluster' }).map((uri) => uri.uri), ['https://envoy-gateway:18002/cached.wasm', 'https://envoy-gateway:18002/image.wasm']);
    assert.equal(filterResources(xds, { wasmCacheCluster: 'wasm_cluster' }).clusters.length, 0);
  });
});

describe('outlier detection', () => {
  it('refuses a maxEjectionPercent outside 0 to 100 (an int32 in the API), as Envoy would', () => {
    assert.equal(outlierDetection({ passive: { maxEjectionPercent: 100 } } as never).maxEjectionPercent, 100);
    assert.throws(() => outlierDetection({ passive: { maxEjectionPercent: -5 } } as never), /maxEjectionPercent is -5, and Envoy allows 0 to 100/);
  });
});

describe('tracing', () => {
  it('rejects an unknown provider type and a collector without endpoints', () => {
    assert.deepEqual(tracingErrors({ tracing: { provider: { type: 'Jaeger' } } }), ['unknown tracing provider type Jaeger']);
    assert.match(tracingErrors({ tracing: { provider: { host: '', port: 4317 } } })[0], /tracing is left out: its collector has no endpoint/);
  });

  it('samples with the IR rate and sorts custom tags by name', () => {
    const tracing = buildHcmTracing({
      tracing: {
        serviceName: 'svc', samplingRate: 90,
        customTags: { b: { literal: { value: 'x' } }, a: { environment: { name: 'E' } } },
        destination: { name: 'tracing-0', settings: [{ endpoints: [{ host: 'otel', port: 4317 }] }] },
      },
    })!;
    assert.deepEqual(tracing.customTags.map((t: Json) => t.tag), ['a', 'b']);
    assert.deepEqual(tracing.randomSampling, { value: 90 });
    assert.equal(tracing.provider.name, 'envoy.tracers.opentelemetry');
  });
});

describe('EnvoyPatchPolicy', () => {
  it('turns JSONPath matches into JSON pointers, filters included', () => {
    const doc = { virtual_hosts: [{ routes: [{ name: 'a' }, { name: 'b', route: { upgrade_configs: [] } }] }] };
    assert.deepEqual(jsonPathToPointers(doc, "..routes[?(@.name=='b')].route.upgrade_configs"), ['/virtual_hosts/0/routes/1/route/upgrade_configs']);
    assert.deepEqual(jsonPathToPointers(doc, 'virtual_hosts[0]'), ['/virtual_hosts/0']);
  });

  it('reports a patch of a missing resource as ResourceNotFound and keeps the resources', () => {
    const resources = { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] };
    const xds: Xds = {
      envoyPatchPolicies: [{
        name: 'p', namespace: 'default',
        status: { ancestors: [{ ancestorRef: { kind: 'Gateway', name: 'g', namespace: 'default' } }] },
        jsonPatches: [{ type: 'type.googleapis.com/envoy.config.listener.v3.Listener', name: 'missing', operation: { op: 'add', path: '/x', value: 1 } }],
      }],
    };
    const { policies, failures } = applyPatchPolicies(xds, resources);
    assert.deepEqual(
      failures.map(({ namespace, name, patchIndex, reason }) => ({ namespace, name, patchIndex, reason })),
      [{ namespace: 'default', name: 'p', patchIndex: 0, reason: 'ResourceNotFound' }],
    );
    assert.match(failures[0].message, /missing not found; the proxy has none of that type$/);
    assert.deepEqual(
      { status: policies[0].status.ancestors[0].conditions[0].status, reason: policies[0].status.ancestors[0].conditions[0].reason },
      { status: 'False', reason: 'ResourceNotFound' },
    );
  });
});
