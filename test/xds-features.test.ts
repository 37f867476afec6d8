import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HTTPRoute, Xds } from '../src/ir/types.js';
import { buildCluster } from '../src/xds/cluster.js';
import { protoDuration } from '../src/xds/duration.js';
import { activeHealthChecks } from '../src/xds/healthcheck.js';
import { retryPolicy } from '../src/xds/retry.js';
import { buildRoute } from '../src/xds/route.js';
import { translateXds } from '../src/xds/translate.js';
import { validationError } from '../src/xds/validate.js';

const endpoints = [{ host: '1.2.3.4', port: 50000 }];

test('Go durations become proto-JSON durations with 0, 3, 6 or 9 fractional digits', () => {
  assert.equal(protoDuration('500ms'), '0.500s');
  assert.equal(protoDuration('10s'), '10s');
  assert.equal(protoDuration('1m30s'), '90s');
  assert.equal(protoDuration('1h0m0s'), '3600s');
  assert.equal(protoDuration('1.5us'), '0.000001500s');
  assert.equal(protoDuration('soon'), undefined);
});

test('expected health-check statuses merge into half-open int64 ranges (reference health-check case)', () => {
  const [check] = activeHealthChecks({ active: { http: { path: '/healthz', expectedStatuses: [200, 201], expectedResponse: { text: 'ok' } } } })!;
  assert.deepEqual(check.httpHealthCheck.expectedStatuses, [{ start: '200', end: '202' }]);
  // Text payloads go as hex of their bytes.
  assert.deepEqual(check.httpHealthCheck.receive, [{ text: '6f6b' }]);
});

test('retries default to connection-level failures and 503, and reject unknown triggers', () => {
  const policy = retryPolicy({});
  assert.equal(policy.numRetries, 2);
  assert.equal(policy.retryOn, 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes');
  assert.deepEqual(policy.retriableStatusCodes, [503]);
  assert.throws(() => retryPolicy({ retryOn: { triggers: ['this-is-not-a-trigger'] } }), /this-is-not-a-trigger/);
  // A negative count (the route's API has no bounds) wraps into Envoy's uint32, as the reference converts it.
  assert.equal(retryPolicy({ numRetries: -1 }).numRetries, 2 ** 32 - 1);
});

test('a cluster carries the traffic settings of its route', () => {
  const { cluster } = buildCluster({
    name: 'c',
    settings: [{ endpoints, protocol: 'HTTP2' }],
    traffic: {
      circuitBreaker: { maxConnections: 1, maxParallelRetries: 2, maxRequestsPerConnection: 10 },
      timeout: { tcp: { connectTimeout: '31s' } },
      loadBalancer: { consistentHash: { tableSize: 524287 } },
      // The reference IR's window keys are crosswise (see protocoloptions.ts).
      http2: { initialConnectionWindowSize: 1048576, initialStreamWindowSize: 524288000 },
    },
  });
  assert.deepEqual(cluster.circuitBreakers, { thresholds: [{ maxConnections: 1, maxRetries: 2 }] });
  assert.equal(cluster.connectTimeout, '31s');
  assert.equal(cluster.lbPolicy, 'MAGLEV');
  assert.deepEqual(cluster.maglevLbConfig, { tableSize: '524287' });
  const options = cluster.typedExtensionProtocolOptions['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
  assert.deepEqual(options.commonHttpProtocolOptions, { maxRequestsPerConnection: 10 });
  assert.deepEqual(options.explicitHttpConfig.http2ProtocolOptions, { initialStreamWindowSize: 1048576, initialConnectionWindowSize: 524288000 });
});

test('backend TLS becomes a transport socket match selected by endpoint metadata, its CA an SDS secret', () => {
  const built = buildCluster({ name: 'c', settings: [{ endpoints, tls: { sni: 'example.com', caCertificate: { name: 'ca', certificate: 'Y2E=' } } }] });
  const match = built.cluster.transportSocketMatches[0];
  assert.equal(match.name, 'c/tls/0');
  assert.equal(match.transportSocket.typedConfig.sni, 'example.com');
  assert.equal(built.endpoints!.endpoints[0].lbEndpoints[0].metadata.filterMetadata['envoy.transport_socket_match'].name, 'c/tls/0');
  assert.deepEqual(built.secrets, [{ name: 'ca', validationContext: { trustedCa: { inlineBytes: 'Y2E=' } } }]);
});

test('a share for unresolved backendRefs goes to invalid-backend-cluster (reference weighted-invalid-backend case)', () => {
  const route: HTTPRoute = {
    name: 'r',
    hostname: '*',
    isHTTP2: false,
    destination: { name: 'd', settings: [{ endpoints, weight: 1 }, { weight: 1 }] },
  };
  const action = buildRoute(route).route;
  assert.equal(action.clusterNotFoundResponseCode, 'INTERNAL_SERVER_ERROR');
  assert.deepEqual(action.weightedClusters.clusters, [{ name: 'invalid-backend-cluster', weight: 1 }]);
});

test('a redirect to the scheme default port prints no port', () => {
  const route: HTTPRoute = { name: 'r', hostname: '*', isHTTP2: false, redirect: { scheme: 'https', port: 443 } };
  assert.equal(buildRoute(route).redirect.portRedirect, undefined);
});

test('resources that break Envoy validation rules are errors, and translation never throws', () => {
  const xds: Xds = {
    http: [{ name: 'l', address: '', port: 10080, hostnames: ['*'], isHTTP2: false, routes: [{ name: 'r', hostname: '*', isHTTP2: false, destination: { name: 'd', settings: [{ endpoints }] } }] }],
  };
  const result = translateXds(xds);
  assert.match(result.errors.join('\n'), /validation failed for xds resource listener "l"/);
  assert.equal(result.listeners.length, 0);
  const broken = translateXds({ http: [{ routes: 'nonsense' }] } as unknown as Xds);
  assert.ok(broken.errors.length > 0);
});

test('listeners with the same route share its Envoy route; a route that differs in anything gets its own', () => {
  const destination = { name: 'httproute/default/r/rule/0', settings: [{ endpoints, weight: 1 }] };
  const route = (name: string, headerValue: string): HTTPRoute => ({
    name,
    hostname: 'www.example.com',
    isHTTP2: false,
    pathMatch: { distinct: false, name: '', prefix: '/a' },
    headerMatches: [{ distinct: false, name: 'x-team', exact: headerValue }],
    destination,
  });
  const listener = (name: string, port: number, routes: HTTPRoute[]) => ({ name, address: '0.0.0.0', port, hostnames: ['*'], routes, isHTTP2: false, path: { mergeSlashes: true, escapedSlashesAction: 'UnescapeAndRedirect' } });
  const xds = {
    http: [
      listener('default/eg/http', 10080, [route('httproute/default/r/rule/0/match/0/www_example_com', 'a'), route('httproute/default/r/rule/0/match/1/www_example_com', 'b')]),
      // The same first route; the second differs only in a header value.
      listener('default/eg/https', 10443, [route('httproute/default/r/rule/0/match/0/www_example_com', 'a'), route('httproute/default/r/rule/0/match/1/www_example_com', 'c')]),
    ],
  } as unknown as Xds;
  const result = translateXds(xds);
  assert.deepEqual(result.errors, []);
  const routesOf = (index: number) => result.routes[index].virtualHosts[0].routes;
  assert.equal(routesOf(1)[0], routesOf(0)[0]);
  assert.notEqual(routesOf(1)[1], routesOf(0)[1]);
  assert.equal(routesOf(1)[1].match.headers[0].stringMatch.exact, 'c');
  // What the YAML writer is told occurs twice: the shared route and nothing else.
  assert.deepEqual([...result.sharedRoutes], [routesOf(0)[0]]);
  // Sharing changes nothing in the result: each configuration equals one built on its own.
  const alone = translateXds({ http: [xds.http![1]] } as Xds);
  assert.deepEqual(result.routes[1], alone.routes[0]);
});

test('a bad route shared by two route configurations is reported for both, as if each were checked alone', () => {
  const bad: HTTPRoute = { name: 'r/bad', hostname: 'www.example.com', isHTTP2: false, headerMatches: [{ distinct: false, name: '', exact: 'x' }], destination: { name: 'd', settings: [{ endpoints, weight: 1 }] } };
  const listener = (name: string, port: number) => ({ name, address: '0.0.0.0', port, hostnames: ['*'], routes: [bad], isHTTP2: false });
  const shared = translateXds({ http: [listener('default/eg/http', 10080), listener('default/eg/https', 10443)] } as unknown as Xds);
  const alone = translateXds({ http: [listener('default/eg/https', 10443)] } as unknown as Xds);
  assert.equal(shared.errors.length, 2);
  assert.equal(shared.errors[1], alone.errors[0]);
  assert.match(shared.errors[1], /routeConfiguration "default\/eg\/https".*headers\[0\]\.name/);
});

test('a check that fails for a reason other than missing Envoy protos is an error, not a pass', () => {
  const cluster = { name: 'c', type: 'STATIC' };
  // A value the check cannot read: the walk throws, which must not count as passing.
  Object.defineProperty(cluster, 'connectTimeout', { enumerable: true, get: () => { throw new Error('unreadable value'); } });
  assert.throws(() => validationError('cluster', cluster), /unreadable value/);
  assert.equal(validationError('cluster', { name: 'c', type: 'STATIC' }), undefined);
});

test('a destination setting of weight 0 gets no locality, since Envoy refuses a locality weight of 0', () => {
  const built = buildCluster({
    name: 'c',
    settings: [
      { weight: 0 },
      { weight: 1, endpoints: [{ host: '127.0.0.1', port: 3000 }] },
    ],
  });
  assert.deepEqual(
    built.endpoints!.endpoints.map((locality: { locality: { region: string }; loadBalancingWeight: number }) => [locality.locality.region, locality.loadBalancingWeight]),
    [['c/backend/1', 1]],
  );
  assert.equal(validationError('clusterLoadAssignment', built.endpoints!), undefined);
});

test('a health check Envoy would refuse leaves its cluster out, as an input problem (EGC3014), not a bug', () => {
  const route = (name: string, healthCheck: object) => ({ name, hostname: '*', destination: { name: `${name}-dest`, settings: [{ endpoints }] }, traffic: { healthCheck } });
  const passive = { maxEjectionPercent: 150 };
  const xds = {
    http: [
      {
        name: 'l', address: '0.0.0.0', port: 10080, hostnames: ['*'],
        routes: [route('wide', { passive }), route('instant', { active: { interval: '0s', timeout: '1s', tcp: {} } }), route('fine', { passive: { maxEjectionPercent: 100 } })],
      },
    ],
  } as unknown as Xds;
  const result = translateXds(xds);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.inputErrors.map((refused) => refused.message), [
    'cluster wide-dest is left out: its passive health check maxEjectionPercent is 150, and Envoy allows 0 to 100',
    'cluster instant-dest is left out: its active health check interval is 0s, and Envoy needs a period above zero',
  ]);
  // Reported by the IR node, which the pipeline traces back to the policy.
  assert.equal(result.inputErrors[0].about, passive);
  assert.deepEqual(result.clusters.map((c) => c.name), ['fine-dest']);
});
