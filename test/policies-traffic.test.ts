// ClientTrafficPolicy, BackendTrafficPolicy and EnvoyProxy translation. Expected IR values and
// status texts are those of Envoy Gateway v1.2.0's gatewayapi corpus (clienttrafficpolicy-*,
// backendtrafficpolicy-*, envoyproxy-* cases), rebuilt here as small inline inputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HTTPListener } from '../src/ir/types.js';
import type { KubeObject } from '../src/load/resource.js';
import { withImpliedNamespaces } from '../src/gatewayapi/resources.js';
import { translateGatewayApi } from '../src/gatewayapi/translate.js';
import { formatGoDuration, parseGoDuration, parseQuantity, quantityAsInteger } from '../src/gatewayapi/units.js';
import { goDurationNanos } from '../src/xds/duration.js';

const controllerName = 'gateway.envoyproxy.io/gatewayclass-controller';
const options = { controllerName, namespace: 'envoy-gateway-system', features: { backend: true, envoyPatchPolicy: true }, globalRateLimit: true };
const eg = 'gateway.envoyproxy.io/v1alpha1';

function gatewayClass(parametersRef?: object): KubeObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'eg' }, spec: { controllerName, parametersRef } };
}

function gateway(name: string, listeners: object[]): KubeObject {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: 'envoy-gateway' }, spec: { gatewayClassName: 'eg', listeners } };
}

const http = (name: string, port: number) => ({ name, protocol: 'HTTP', port, allowedRoutes: { namespaces: { from: 'All' } } });

function policy(kind: string, name: string, spec: object, namespace = 'envoy-gateway'): KubeObject {
  return { apiVersion: eg, kind, metadata: { name, namespace }, spec };
}

const gatewayRef = (name: string, sectionName?: string) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name, ...(sectionName ? { sectionName } : {}) });

function route(name: string, sectionName?: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'envoy-gateway' },
    spec: {
      hostnames: ['gateway.envoyproxy.io'],
      parentRefs: [{ name: 'gateway-1', namespace: 'envoy-gateway', ...(sectionName ? { sectionName } : {}) }],
      rules: [{ matches: [{ path: { value: '/' } }], backendRefs: [{ name: 'service-1', port: 8080 }] }],
    },
  };
}

function conditionsOf(object: KubeObject, ancestorName: string, sectionName?: string) {
  const ancestor = object.status.ancestors.find((a: any) => a.ancestorRef.name === ancestorName && a.ancestorRef.sectionName === sectionName);
  return Object.fromEntries(ancestor.conditions.map((c: any) => [c.type, `${c.status}/${c.reason}: ${c.message}`]));
}

function httpListener(result: ReturnType<typeof translateGatewayApi>, key: string, name: string): HTTPListener {
  return result.xdsIR[key].http!.find((l) => l.name === name)!;
}

describe('units', () => {
  it('prints durations the way Go does', () => {
    assert.equal(formatGoDuration(parseGoDuration('1200s')!), '20m0s');
    assert.equal(formatGoDuration(parseGoDuration('160s')!), '2m40s');
    assert.equal(formatGoDuration(parseGoDuration('5.4s')!), '5.4s');
    assert.equal(formatGoDuration(parseGoDuration('500ms')!), '500ms');
    assert.equal(parseGoDuration('10mib'), undefined);
    assert.equal(parseGoDuration('20kib'), undefined);
  });

  it('reads microseconds with either sign Go takes, the micro sign and the Greek mu', () => {
    assert.equal(parseGoDuration('1500\u00b5s'), 1_500_000);
    assert.equal(parseGoDuration('1500\u03bcs'), 1_500_000);
    assert.equal(parseGoDuration('2us'), 2_000);
    assert.equal(formatGoDuration(2_000), '2\u00b5s');
    assert.equal(goDurationNanos('1s1500\u00b5s'), 1_001_500_000n);
  });

  it('reads Kubernetes quantities and prints them canonically', () => {
    assert.equal(parseQuantity('64Ki')!.value, 65536);
    assert.equal(parseQuantity('50M')!.value, 50_000_000);
    assert.equal(parseQuantity('1000G')!.text, '1T');
    assert.equal(quantityAsInteger(parseQuantity('100m')!), undefined);
  });
});

describe('ClientTrafficPolicy', () => {
  const objects = () => [
    gatewayClass(),
    gateway('gateway-1', [http('http-1', 80), http('http-2', 8080)]),
    policy('ClientTrafficPolicy', 'whole-gateway', { targetRef: gatewayRef('gateway-1'), timeout: { tcp: { idleTimeout: '1200s' } }, connection: { bufferLimit: '50M' } }),
    policy('ClientTrafficPolicy', 'section', { targetRef: gatewayRef('gateway-1', 'http-1'), clientIPDetection: { xForwardedFor: { numTrustedHops: 2 } } }),
    policy('ClientTrafficPolicy', 'section-again', { targetRef: gatewayRef('gateway-1', 'http-1') }),
    policy('ClientTrafficPolicy', 'bad-section', { targetRef: gatewayRef('gateway-1', 'foo-bar') }),
    policy('ClientTrafficPolicy', 'bad-close-delay', { targetRef: gatewayRef('gateway-1', 'http-2'), connection: { connectionLimit: { value: 3, closeDelay: '10mib' } } }),
  ];

  it('lets a listener-level policy override a Gateway-level one, and reports it', () => {
    const input = objects();
    const result = translateGatewayApi(withImpliedNamespaces(input), options);
    const [whole, section, again, badSection, badDelay] = input.slice(2);
    assert.deepEqual(conditionsOf(whole, 'gateway-1'), {
      Overridden: 'True/Overridden: There are existing ClientTrafficPolicies that are overriding these sections [http-1 http-2]',
      Accepted: 'True/Accepted: Policy has been accepted.',
    });
    assert.deepEqual(conditionsOf(section, 'gateway-1', 'http-1'), { Accepted: 'True/Accepted: Policy has been accepted.' });
    assert.deepEqual(conditionsOf(again, 'gateway-1', 'http-1'), {
      Accepted: 'False/Conflicted: Unable to target section of gateway-1, another ClientTrafficPolicy has already attached to it',
    });
    assert.deepEqual(conditionsOf(badSection, 'gateway-1', 'foo-bar'), { Accepted: 'False/Invalid: No section name foo-bar found for envoy-gateway/gateway-1' });
    assert.deepEqual(conditionsOf(badDelay, 'gateway-1', 'http-2'), { Accepted: 'False/Invalid: Connection: invalid CloseDelay value 10mib.' });

    const first = httpListener(result, 'envoy-gateway/gateway-1', 'envoy-gateway/gateway-1/http-1');
    assert.deepEqual(first.clientIPDetection, { xForwardedFor: { numTrustedHops: 2 } });
    assert.equal(first.timeout, undefined);
    // http-2 was claimed by the invalid policy, so the Gateway-level one does not reach it either.
    const second = httpListener(result, 'envoy-gateway/gateway-1', 'envoy-gateway/gateway-1/http-2');
    assert.equal(second.connection, undefined);
    assert.ok(result.diagnostics.some((d) => d.code === 'EGC3010' && d.message.includes('bad-close-delay')));
  });

  it('translates timeouts, connection limits and the crossed-over HTTP/2 window sizes', () => {
    const input = [
      gatewayClass(),
      gateway('gateway-1', [http('http-1', 80)]),
      policy('ClientTrafficPolicy', 'p', {
        targetRef: gatewayRef('gateway-1'),
        timeout: { tcp: { idleTimeout: '1200s' } },
        connection: { bufferLimit: '50M', connectionLimit: { value: 3, closeDelay: '10s' } },
        tcpKeepalive: { probes: 3, idleTime: '20m', interval: '60s' },
        http2: { initialStreamWindowSize: '64Ki', initialConnectionWindowSize: '32Mi', maxConcurrentStreams: 200 },
      }),
    ];
    const listener = httpListener(translateGatewayApi(withImpliedNamespaces(input), options), 'envoy-gateway/gateway-1', 'envoy-gateway/gateway-1/http-1');
    assert.deepEqual(listener.timeout, { tcp: { idleTimeout: '20m0s' } });
    assert.deepEqual(listener.connection, { bufferLimit: 50000000, limit: { closeDelay: '10s', value: 3 } });
    assert.deepEqual(listener.tcpKeepalive, { idleTime: 1200, interval: 60, probes: 3 });
    assert.deepEqual(listener.http2, { initialConnectionWindowSize: 65536, initialStreamWindowSize: 33554432, maxConcurrentStreams: 200 });
  });
});

describe('BackendTrafficPolicy', () => {
  it('applies route policies first, the Gateway policy to the other routes, and reports the override', () => {
    const input = [
      gatewayClass(),
      gateway('gateway-1', [http('http', 80)]),
      route('httproute-1'),
      route('httproute-2'),
      policy('BackendTrafficPolicy', 'for-gateway', { targetRef: gatewayRef('gateway-1'), loadBalancer: { type: 'Random' }, timeout: { tcp: { connectTimeout: '20s' } } }),
      policy('BackendTrafficPolicy', 'for-route', {
        targetRef: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'httproute-1' },
        loadBalancer: { type: 'ConsistentHash', consistentHash: { type: 'SourceIP' } },
      }),
      policy('BackendTrafficPolicy', 'for-route-too', { targetRef: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'httproute-1' } }),
    ];
    const result = translateGatewayApi(withImpliedNamespaces(input), options);
    const [forGateway, forRoute, forRouteToo] = input.slice(4);
    assert.deepEqual(conditionsOf(forGateway, 'gateway-1'), {
      Accepted: 'True/Accepted: Policy has been accepted.',
      Overridden: 'True/Overridden: This policy is being overridden by other backendTrafficPolicies for these routes: [envoy-gateway/httproute-1]',
    });
    assert.deepEqual(conditionsOf(forRoute, 'gateway-1'), { Accepted: 'True/Accepted: Policy has been accepted.' });
    assert.deepEqual(conditionsOf(forRouteToo, 'gateway-1'), {
      Accepted: 'False/Conflicted: Unable to target HTTPRoute httproute-1, another BackendTrafficPolicy has already attached to it',
    });
    const routes = httpListener(result, 'envoy-gateway/gateway-1', 'envoy-gateway/gateway-1/http').routes!;
    const byRoute = (name: string) => routes.find((r) => r.name.startsWith(`httproute/envoy-gateway/${name}/`))!;
    assert.deepEqual(byRoute('httproute-1').traffic, { loadBalancer: { consistentHash: { sourceIP: true } } });
    assert.deepEqual(byRoute('httproute-2').traffic, { loadBalancer: { random: {} }, timeout: { tcp: { connectTimeout: '20s' } } });
  });

  it('rejects invalid settings and makes the routes answer 500', () => {
    const input = [
      gatewayClass(),
      gateway('gateway-1', [http('http', 80)]),
      route('httproute-1'),
      policy('BackendTrafficPolicy', 'p', { targetRef: gatewayRef('gateway-1'), circuitBreaker: { maxConnections: -1 } }),
    ];
    const result = translateGatewayApi(withImpliedNamespaces(input), options);
    assert.deepEqual(conditionsOf(input[3], 'gateway-1'), { Accepted: 'False/Invalid: CircuitBreaker: invalid MaxConnections value -1.' });
    const [irRoute] = httpListener(result, 'envoy-gateway/gateway-1', 'envoy-gateway/gateway-1/http').routes!;
    assert.deepEqual(irRoute.directResponse, { statusCode: 500 });
    assert.equal(irRoute.traffic, undefined);
  });
});

describe('BackendTrafficPolicy settings Envoy refuses when empty', () => {
  const accepted = (spec: object) => {
    const btp = policy('BackendTrafficPolicy', 'p', { targetRef: gatewayRef('gateway-1'), ...spec });
    translateGatewayApi(withImpliedNamespaces([gatewayClass(), gateway('gateway-1', [http('http', 80)]), route('httproute-1'), btp]), options);
    return conditionsOf(btp, 'gateway-1').Accepted;
  };

  it('an empty health check payload text or consistent-hash cookie name makes the policy not accepted', () => {
    assert.equal(accepted({ healthCheck: { active: { type: 'TCP', tcp: { send: { type: 'Text', text: '' } } } } }), 'False/Invalid: HealthCheck: health check payload text must not be empty.');
    assert.equal(accepted({ loadBalancer: { type: 'ConsistentHash', consistentHash: { type: 'Cookie', cookie: { name: '' } } } }), 'False/Invalid: LoadBalancer: consistent hash cookie name must not be empty.');
  });
});

describe('BackendTrafficPolicy responseOverride', () => {
  it('refuses a content type with a line break, which Envoy would refuse as a header value', () => {
    const btp = policy('BackendTrafficPolicy', 'p', {
      targetRef: gatewayRef('gateway-1'),
      responseOverride: [{ match: { statusCodes: [{ type: 'Value', value: 404 }] }, response: { contentType: 'text/plain\r\nX-Injected: 1' } }],
    });
    translateGatewayApi(withImpliedNamespaces([gatewayClass(), gateway('gateway-1', [http('http', 80)]), route('httproute-1'), btp]), options);
    assert.deepEqual(conditionsOf(btp, 'gateway-1'), {
      Accepted: 'False/Invalid: ResponseOverride: content type "text/plain\\r\\nX-Injected: 1" is not a valid header value.',
    });
  });
});

describe('EnvoyProxy', () => {
  it('records the EnvoyProxy in the infraIR and applies its telemetry', () => {
    const envoyProxy: KubeObject = {
      apiVersion: eg,
      kind: 'EnvoyProxy',
      metadata: { name: 'test', namespace: 'envoy-gateway-system' },
      spec: {
        ipFamily: 'IPv6',
        telemetry: {
          metrics: { enablePerEndpointStats: true },
          accessLog: { settings: [{ format: { type: 'JSON' }, sinks: [{ type: 'File', file: { path: '/dev/stdout' } }] }] },
        },
      },
    };
    const input = [gatewayClass({ group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'test', namespace: 'envoy-gateway-system' }), envoyProxy, gateway('gateway-1', [http('http', 80)])];
    const result = translateGatewayApi(withImpliedNamespaces(input), options);
    const config = result.infraIR['envoy-gateway/gateway-1'].proxy.config as any;
    assert.equal(config.kind, 'EnvoyProxy');
    assert.deepEqual(config.metadata, { name: 'test', namespace: 'envoy-gateway-system' });
    const xds = result.xdsIR['envoy-gateway/gateway-1'];
    assert.deepEqual(xds.metrics, { enablePerEndpointStats: true });
    // A JSON format without fields logs nothing: the access log is present but empty.
    assert.deepEqual(xds.accessLog, {});
    assert.equal(xds.http![0].address, '::');
    assert.equal(xds.http![0].ipFamily, 'IPv6');
  });
});

describe('ClientTrafficPolicy earlyRequestHeaders', () => {
  it('refuses a header value with CR, LF or NUL, which Envoy would refuse', () => {
    const ctp = policy('ClientTrafficPolicy', 'ctp', {
      targetRefs: [gatewayRef('eg')],
      headers: { earlyRequestHeaders: { set: [{ name: 'x-b', value: 'three\ntwo' }] } },
    });
    translateGatewayApi(withImpliedNamespaces([gatewayClass(), gateway('eg', [http('http', 80)]), ctp]), options);
    const accepted = (ctp.status as any).ancestors[0].conditions.find((c: any) => c.type === 'Accepted');
    assert.equal(accepted.status, 'False');
    assert.match(accepted.message, /EarlyRequestHeaders cannot set a header value with a CR, LF or NUL character in it\. Header: "x-b"/);
  });
});
