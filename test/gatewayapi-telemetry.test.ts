// EnvoyProxy telemetry (access logs, tracing, metrics) and routingType translation. Expected IR
// shapes, destination names and status texts are those of Envoy Gateway v1.2.0's gatewayapi test
// corpus (envoyproxy-accesslog*, envoyproxy-tracing-backend*, envoyproxy-metric-backend-invalid,
// tracing-*-multiple-routes, envoyproxy-service-routing-for-gateway), rebuilt as small inputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Xds } from '../src/ir/types.js';
import type { KubeObject } from '../src/load/resource.js';
import { translateGatewayApi } from '../src/gatewayapi/translate.js';
import { codes } from '../src/diagnostics/codes.js';

const controllerName = 'gateway.envoyproxy.io/gatewayclass-controller';
const options = { controllerName, namespace: 'envoy-gateway-system', features: { backend: true, envoyPatchPolicy: true } };
const gatewayV1 = 'gateway.networking.k8s.io/v1';

function gatewayClass(): KubeObject {
  return {
    apiVersion: gatewayV1,
    kind: 'GatewayClass',
    metadata: { name: 'eg' },
    spec: { controllerName, parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'proxy', namespace: 'envoy-gateway-system' } },
  };
}

function envoyProxy(spec: any): KubeObject {
  return { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyProxy', metadata: { name: 'proxy', namespace: 'envoy-gateway-system' }, spec };
}

function gateway(name = 'gateway-1'): KubeObject {
  return {
    apiVersion: gatewayV1,
    kind: 'Gateway',
    metadata: { name, namespace: 'envoy-gateway' },
    spec: { gatewayClassName: 'eg', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] },
  };
}

/** monitoring/envoy-als: gRPC port 9000 whose endpoint listens on 9090, like the corpus' ALS service. */
function alsService(): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'envoy-als', namespace: 'monitoring' },
      spec: { clusterIP: '3.3.3.3', ports: [{ name: 'grpc', port: 9000, protocol: 'TCP', appProtocol: 'grpc' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'envoy-als', namespace: 'monitoring', labels: { 'kubernetes.io/service-name': 'envoy-als' } },
      addressType: 'IPv4',
      ports: [{ name: 'grpc', port: 9090, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.240.0.10'], conditions: { ready: true } }],
    },
  ];
}

const alsRef = { name: 'envoy-als', namespace: 'monitoring', port: 9000 };

function translate(objects: KubeObject[]) {
  const result = translateGatewayApi(objects, options);
  const gateways = objects.filter((o) => o.kind === 'Gateway');
  return { result, xds: (key = 'envoy-gateway/gateway-1'): Xds => result.xdsIR[key], gateways };
}

describe('access log sinks', () => {
  it('resolves ALS backendRefs to endpoints and names each destination after its setting and sink', () => {
    const text = '%START_TIME% %RESPONSE_CODE%\n';
    const proxy = envoyProxy({
      telemetry: {
        accessLog: {
          settings: [
            {
              format: { type: 'Text', text },
              sinks: [
                { type: 'File', file: { path: '/dev/stdout' } },
                { type: 'ALS', als: { logName: 'accesslog', backendRefs: [alsRef], type: 'HTTP', http: { requestHeaders: ['x-client-ip-address'] } } },
                { type: 'ALS', als: { backendRefs: [alsRef], type: 'TCP' } },
              ],
            },
          ],
        },
      },
    });
    const { xds } = translate([gatewayClass(), proxy, gateway(), ...alsService()]);
    const accessLog = xds().accessLog!;
    assert.deepEqual(accessLog.text, [{ format: text, path: '/dev/stdout' }]);
    const endpoints = { addressType: 'IP', endpoints: [{ host: '10.240.0.10', port: 9090 }], protocol: 'GRPC' };
    assert.deepEqual(accessLog.als, [
      {
        name: 'accesslog',
        type: 'HTTP',
        destination: { name: 'accesslog_als_0_1', settings: [endpoints] },
        text,
        http: { requestHeaders: ['x-client-ip-address'] },
      },
      // Without a logName the log is named after the EnvoyProxy.
      { name: 'envoy-gateway-system/proxy', type: 'TCP', destination: { name: 'accesslog_als_0_2', settings: [endpoints] }, text },
    ]);
  });

  it('sends an OpenTelemetry sink given by host to that host, as its authority', () => {
    const proxy = envoyProxy({
      telemetry: {
        accessLog: {
          settings: [
            {
              matches: ['response.code >= 400'],
              format: { type: 'JSON', json: { status: '%RESPONSE_CODE%' } },
              sinks: [{ type: 'OpenTelemetry', openTelemetry: { host: 'otel.monitoring.svc', port: 4317, resources: { 'k8s.cluster.name': 'c1' } } }],
            },
          ],
        },
      },
    });
    const { xds } = translate([gatewayClass(), proxy, gateway()]);
    assert.deepEqual(xds().accessLog!.openTelemetry, [
      {
        authority: 'otel.monitoring.svc',
        destination: { name: 'accesslog_otel_0_0', settings: [{ weight: 1, protocol: 'GRPC', endpoints: [{ host: 'otel.monitoring.svc', port: 4317 }] }] },
        resources: { 'k8s.cluster.name': 'c1' },
        attributes: { status: '%RESPONSE_CODE%' },
        celMatches: ['response.code >= 400'],
      },
    ]);
  });

  it('rejects a CEL match that does not parse: the Gateway is ListenersNotValid and logs nothing', () => {
    const proxy = envoyProxy({
      telemetry: { accessLog: { settings: [{ matches: ['response.code >= 400', ')++++'], sinks: [{ type: 'File', file: { path: '/dev/stdout' } }] }] } },
    });
    const { result, xds, gateways } = translate([gatewayClass(), proxy, gateway()]);
    assert.equal(xds().accessLog, undefined);
    const conditions = gateways[0].status.conditions;
    assert.deepEqual(
      conditions.map((c: any) => [c.type, c.status, c.reason, c.message]),
      [['ListenersNotValid', 'False', 'Invalid', 'Invalid access log backendRefs: invalid CEL expression: )++++']],
    );
    const diagnostic = result.diagnostics.find((d) => d.code === codes.badPattern);
    assert.ok(diagnostic, 'a diagnostic points at the expression');
    assert.equal(diagnostic.path, 'spec.telemetry.accessLog.settings[0].matches[1]');
  });

  it('rejects an OpenTelemetry sink port above 65535, which the CRD lets through', () => {
    const proxy = envoyProxy({ telemetry: { accessLog: { settings: [{ sinks: [{ type: 'OpenTelemetry', openTelemetry: { host: 'otel.monitoring.svc', port: 70000 } }] }] } } });
    const { result, xds } = translate([gatewayClass(), proxy, gateway()]);
    assert.equal(xds().accessLog, undefined);
    const diagnostic = result.diagnostics.find((d) => d.code === codes.wrongType);
    assert.equal(diagnostic?.path, 'spec.telemetry.accessLog.settings[0].sinks[0].openTelemetry.port');
  });

  it('rejects a sink backendRef to a missing Service and stops before tracing', () => {
    const proxy = envoyProxy({
      telemetry: {
        accessLog: {
          settings: [{ sinks: [{ type: 'OpenTelemetry', openTelemetry: { backendRefs: [{ name: 'service-not-found', namespace: 'monitoring', port: 4317 }] } }] }],
        },
        tracing: { provider: { type: 'OpenTelemetry', host: 'otel.monitoring.svc', port: 4317 } },
      },
    });
    const { xds, gateways } = translate([gatewayClass(), proxy, gateway()]);
    assert.equal(xds().accessLog, undefined);
    assert.equal(xds().tracing, undefined);
    assert.equal(gateways[0].status.conditions[0].message, 'Invalid access log backendRefs: Service monitoring/service-not-found not found');
  });

  it('keeps the default stdout log when the EnvoyProxy has no access log settings, and none when disabled', () => {
    assert.deepEqual(translate([gatewayClass(), envoyProxy({}), gateway()]).xds().accessLog, { text: [{ path: '/dev/stdout' }] });
    assert.equal(translate([gatewayClass(), envoyProxy({ telemetry: { accessLog: { disable: true } } }), gateway()]).xds().accessLog, undefined);
  });
});

describe('tracing', () => {
  it('traces to a host with the default sampling rate, as service name.namespace', () => {
    const provider = { type: 'OpenTelemetry', host: 'otel-collector.monitoring.svc.cluster.local', port: 4317 };
    const { xds } = translate([gatewayClass(), envoyProxy({ telemetry: { tracing: { provider } } }), gateway()]);
    assert.deepEqual(xds().tracing, {
      authority: 'otel-collector.monitoring.svc.cluster.local',
      serviceName: 'gateway-1.envoy-gateway',
      samplingRate: 100,
      destination: {
        name: 'tracing',
        settings: [{ weight: 1, protocol: 'GRPC', endpoints: [{ host: 'otel-collector.monitoring.svc.cluster.local', port: 4317 }] }],
      },
      provider,
    });
  });

  it('resolves provider backendRefs and turns backendSettings into traffic settings', () => {
    const provider = {
      type: 'OpenTelemetry',
      backendRefs: [alsRef],
      backendSettings: { circuitBreaker: { maxConnections: 2048 }, connection: { bufferLimit: '20Mi' } },
    };
    const { xds } = translate([gatewayClass(), envoyProxy({ telemetry: { tracing: { samplingRate: 50, provider } } }), gateway(), ...alsService()]);
    const tracing = xds().tracing!;
    assert.equal(tracing.authority, undefined);
    assert.equal(tracing.samplingRate, 50);
    assert.deepEqual(tracing.destination, {
      name: 'tracing',
      settings: [{ addressType: 'IP', endpoints: [{ host: '10.240.0.10', port: 9090 }], protocol: 'GRPC' }],
    });
    assert.deepEqual(tracing.traffic, { circuitBreaker: { maxConnections: 2048 }, backendConnection: { bufferLimit: 20 * 1024 * 1024 } });
  });

  it('names the service after the GatewayClass when gateways are merged', () => {
    const provider = { type: 'OpenTelemetry', host: 'otel', port: 4317 };
    const { xds } = translate([gatewayClass(), envoyProxy({ mergeGateways: true, telemetry: { tracing: { provider } } }), gateway('gateway-1'), gateway('gateway-2')]);
    assert.equal(xds('eg').tracing!.serviceName, 'eg');
  });

  it('rejects a provider backendRef to a missing Service', () => {
    const provider = { type: 'OpenTelemetry', backendRefs: [{ name: 'service-not-found', namespace: 'monitoring', port: 4317 }] };
    const { result, xds, gateways } = translate([gatewayClass(), envoyProxy({ telemetry: { tracing: { provider } } }), gateway()]);
    assert.equal(xds().tracing, undefined);
    assert.equal(gateways[0].status.conditions[0].message, 'Invalid tracing backendRefs: Service monitoring/service-not-found not found');
    const diagnostic = result.diagnostics.find((d) => d.code === codes.refNotResolved);
    assert.equal(diagnostic?.path, 'spec.telemetry.tracing.provider.backendRefs[0]');
  });
});

describe('metrics', () => {
  it('keeps the enabled switches and rejects a sink backendRef to a missing Service', () => {
    const ok = translate([gatewayClass(), envoyProxy({ telemetry: { metrics: { enableVirtualHostStats: true } } }), gateway()]);
    assert.deepEqual(ok.xds().metrics, { enableVirtualHostStats: true });

    const sinks = [{ type: 'OpenTelemetry', openTelemetry: { backendRefs: [{ name: 'service-not-found', namespace: 'monitoring', port: 4317 }] } }];
    const bad = translate([gatewayClass(), envoyProxy({ telemetry: { metrics: { sinks } } }), gateway()]);
    assert.equal(bad.xds().metrics, undefined);
    assert.equal(bad.gateways[0].status.conditions[0].message, 'Invalid metrics backendRefs: Service monitoring/service-not-found not found');
  });
});

describe('routingType', () => {
  it('routes to the Service cluster IP instead of its endpoints with routingType Service', () => {
    const proxy = envoyProxy({ routingType: 'Service' });
    const route: KubeObject = {
      apiVersion: gatewayV1,
      kind: 'HTTPRoute',
      metadata: { name: 'route', namespace: 'monitoring' },
      spec: { parentRefs: [{ name: 'gateway-1', namespace: 'envoy-gateway' }], rules: [{ backendRefs: [{ name: 'envoy-als', port: 9000 }] }] },
    };
    const gw = gateway();
    gw.spec.listeners[0].allowedRoutes = { namespaces: { from: 'All' } };
    const monitoring: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } };
    const { xds } = translate([gatewayClass(), proxy, gw, monitoring, route, ...alsService()]);
    const settings = xds().http![0].routes![0].destination!.settings!;
    assert.deepEqual(settings, [{ protocol: 'GRPC', endpoints: [{ host: '3.3.3.3', port: 9000 }], weight: 1 }]);
  });
});
