// GRPCRoute, TLSRoute, TCPRoute and UDPRoute translation. Expected IR shapes, names and status
// texts are those of Envoy Gateway v1.2.0's gatewayapi test corpus (grpcroute-*, tlsroute-*,
// tcproute-*, gateway-with-*-tcproute*/udproute* cases), rebuilt here as small inline inputs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { HTTPRoute, Xds } from '../src/ir/types.js';
import type { KubeObject } from '../src/load/resource.js';
import { withImpliedNamespaces } from '../src/gatewayapi/resources.js';
import { translateGatewayApi } from '../src/gatewayapi/translate.js';

const controllerName = 'gateway.envoyproxy.io/gatewayclass-controller';
const options = { controllerName, namespace: 'envoy-gateway-system', features: { backend: true, envoyPatchPolicy: true } };
const gatewayV1 = 'gateway.networking.k8s.io/v1';
const gatewayV1alpha2 = 'gateway.networking.k8s.io/v1alpha2';

const gatewayClass: KubeObject = {
  apiVersion: gatewayV1,
  kind: 'GatewayClass',
  metadata: { name: 'eg' },
  spec: { controllerName },
};

const servicePorts = [
  { name: 'http', port: 8080, protocol: 'TCP' },
  { name: 'tcp', port: 8163, protocol: 'TCP' },
  { name: 'udp', port: 8162, protocol: 'UDP' },
];

function service(name: string): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP: '1.1.1.1', ports: servicePorts } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-slice`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: servicePorts,
      endpoints: [{ addresses: ['7.7.7.7'], conditions: { ready: true } }],
    },
  ];
}

function gateway(listeners: any[]): KubeObject {
  return {
    apiVersion: gatewayV1,
    kind: 'Gateway',
    metadata: { name: 'gateway-1', namespace: 'envoy-gateway' },
    spec: { gatewayClassName: 'eg', listeners: listeners.map((l) => ({ allowedRoutes: { namespaces: { from: 'All' } }, ...l })) },
  };
}

function route(kind: string, name: string, spec: any): KubeObject {
  return {
    apiVersion: kind === 'GRPCRoute' ? gatewayV1 : gatewayV1alpha2,
    kind,
    metadata: { name, namespace: 'default' },
    spec: { parentRefs: [{ name: 'gateway-1', namespace: 'envoy-gateway' }], ...spec },
  };
}

function translate(...objects: KubeObject[]): { xds: Xds; objects: KubeObject[] } {
  const result = translateGatewayApi(withImpliedNamespaces([gatewayClass, ...service('service-1'), ...service('service-2'), ...objects]), options);
  return { xds: result.xdsIR['envoy-gateway/gateway-1'], objects: result.objects };
}

/** A route's conditions on its (single) parent as `Type=Status/Reason: message`. */
function conditionsOf(object: KubeObject): string[] {
  return object.status.parents[0].conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}: ${c.message}`);
}

const accepted = 'Accepted=True/Accepted: Route is accepted';
const resolved = 'ResolvedRefs=True/ResolvedRefs: Resolved all the Object references for the Route';

const endpoint7777 = (port: number) => [{ host: '7.7.7.7', port }];

/** A kubernetes.io/tls Secret holding a fresh self-signed certificate (listeners validate the PEM). */
function tlsSecret(name: string, commonName: string): KubeObject {
  const dir = mkdtempSync(join(tmpdir(), 'egc-routes-'));
  try {
    const [crt, key] = [join(dir, 'tls.crt'), join(dir, 'tls.key')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${commonName}`, '-keyout', key, '-out', crt], {
      stdio: 'ignore',
    });
    const base64 = (path: string) => readFileSync(path).toString('base64');
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'envoy-gateway' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': base64(crt), 'tls.key': base64(key) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('TCPRoute', () => {
  it('forwards a TCP listener to the single rule backends', () => {
    const tcp = route('TCPRoute', 'tcproute-1', { rules: [{ backendRefs: [{ name: 'service-1', port: 8163 }] }] });
    const { xds } = translate(gateway([{ name: 'tcp', protocol: 'TCP', port: 162 }]), tcp);
    assert.deepEqual(conditionsOf(tcp), [accepted, resolved]);
    assert.equal(xds.tcp?.[0].name, 'envoy-gateway/gateway-1/tcp');
    assert.equal(xds.tcp?.[0].port, 10162);
    assert.deepEqual(xds.tcp?.[0].routes, [
      {
        name: 'tcproute/default/tcproute-1',
        destination: {
          name: 'tcproute/default/tcproute-1/rule/-1',
          settings: [{ addressType: 'IP', endpoints: endpoint7777(8163), protocol: 'TCP', weight: 1 }],
        },
      },
    ]);
  });

  it('programs only the first of several routes on one TCP listener', () => {
    const first = route('TCPRoute', 'tcproute-1', { rules: [{ backendRefs: [{ name: 'service-1', port: 8163 }] }] });
    const second = route('TCPRoute', 'tcproute-2', { rules: [{ backendRefs: [{ name: 'service-2', port: 8163 }] }] });
    const gw = gateway([{ name: 'tcp', protocol: 'TCP', port: 162 }]);
    const { xds } = translate(gw, first, second);
    assert.deepEqual(conditionsOf(first), [accepted, resolved]);
    assert.deepEqual(conditionsOf(second), ['Accepted=False/UnsupportedValue: Multiple routes on the same TCP listener', resolved]);
    assert.deepEqual(xds.tcp?.[0].routes?.map((r) => r.name), ['tcproute/default/tcproute-1']);
    assert.equal(gw.status.listeners[0].attachedRoutes, 2);
  });

  it('rejects a route with more than one rule but still counts it as attached', () => {
    const tcp = route('TCPRoute', 'tcproute-1', {
      rules: [{ backendRefs: [{ name: 'service-1', port: 8080, weight: 50 }] }, { backendRefs: [{ name: 'service-2', port: 8080, weight: 50 }] }],
    });
    const gw = gateway([{ name: 'tcp', protocol: 'TCP', port: 80 }]);
    const { xds } = translate(gw, tcp);
    assert.deepEqual(conditionsOf(tcp), [accepted, 'ResolvedRefs=False/InvalidRule: One and only one rule is supported']);
    assert.equal(xds.tcp?.[0].routes, undefined);
    assert.equal(gw.status.listeners[0].attachedRoutes, 1);
  });

  it('keeps the share of an unresolved backend port as a weight-only setting', () => {
    const tcp = route('TCPRoute', 'tcproute-1', { rules: [{ backendRefs: [{ name: 'service-1', port: 8081 }] }] });
    const { xds } = translate(gateway([{ name: 'tcp', protocol: 'TCP', port: 162 }]), tcp);
    assert.deepEqual(conditionsOf(tcp), [accepted, 'ResolvedRefs=False/BackendNotFound: TCP Port 8081 not found on service default/service-1']);
    assert.deepEqual(xds.tcp?.[0].routes?.[0].destination?.settings, [{ weight: 1 }]);
  });

  it('terminates TLS with the listener settings and selects a named listener by SNI', () => {
    const secret = tlsSecret('tls-secret-1', 'foo.bar.com');
    const tls = { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'tls-secret-1' }] };
    const gw = gateway([
      { name: 'tls', protocol: 'TLS', port: 90, tls },
      { name: 'tls-hostname', protocol: 'TLS', port: 90, hostname: 'foo.bar.com', tls },
    ]);
    const plain = route('TCPRoute', 'tcproute-1', { rules: [{ backendRefs: [{ name: 'service-1', port: 8080 }] }] });
    plain.spec.parentRefs[0].sectionName = 'tls';
    const named = route('TCPRoute', 'tcproute-2', { rules: [{ backendRefs: [{ name: 'service-2', port: 8080 }] }] });
    named.spec.parentRefs[0].sectionName = 'tls-hostname';
    const { xds } = translate(secret, gw, plain, named);
    assert.deepEqual(
      gw.status.listeners.map((l: any) => l.supportedKinds),
      [[{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute' }], [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute' }]],
    );
    const [first, second] = xds.tcp ?? [];
    assert.deepEqual(conditionsOf(plain), [accepted, resolved]);
    assert.deepEqual(first.tls?.alpnProtocols, []);
    assert.deepEqual(first.tls?.certificates?.map((c) => c.name), ['envoy-gateway/tls-secret-1']);
    assert.equal(first.routes?.[0].tls?.terminate, first.tls);
    assert.equal(first.routes?.[0].tls?.inspector, undefined);
    assert.equal(second.routes?.[0].tls?.terminate, second.tls);
    assert.deepEqual(second.routes?.[0].tls?.inspector, { snis: ['foo.bar.com'] });
  });
});

describe('UDPRoute', () => {
  it('sets the single route of a UDP listener', () => {
    const udp = route('UDPRoute', 'udproute-1', {
      rules: [{ backendRefs: [{ name: 'service-1', port: 8162, weight: 50 }, { name: 'service-2', port: 8162, weight: 50 }] }],
    });
    const { xds } = translate(gateway([{ name: 'udp', protocol: 'UDP', port: 80 }]), udp);
    assert.deepEqual(conditionsOf(udp), [accepted, resolved]);
    const setting = { addressType: 'IP', endpoints: endpoint7777(8162), protocol: 'UDP', weight: 50 };
    assert.deepEqual(xds.udp?.[0].route, {
      name: 'udproute/default/udproute-1',
      destination: { name: 'udproute/default/udproute-1/rule/-1', settings: [setting, setting] },
    });
  });

  it('reports a second route on the listener and a backend port that is not UDP', () => {
    const first = route('UDPRoute', 'udproute-1', { rules: [{ backendRefs: [{ name: 'service-1', port: 8080 }] }] });
    const second = route('UDPRoute', 'udproute-2', { rules: [{ backendRefs: [{ name: 'service-2', port: 8162 }] }] });
    const { xds } = translate(gateway([{ name: 'udp', protocol: 'UDP', port: 80 }]), first, second);
    assert.deepEqual(conditionsOf(first), [accepted, 'ResolvedRefs=False/BackendNotFound: UDP Port 8080 not found on service default/service-1']);
    assert.deepEqual(conditionsOf(second), ['Accepted=False/UnsupportedValue: Multiple routes on the same UDP listener', resolved]);
    assert.equal(xds.udp?.[0].route?.name, 'udproute/default/udproute-1');
    assert.deepEqual(xds.udp?.[0].route?.destination?.settings, [{ weight: 1 }]);
  });

  it('rejects a route with more than one rule', () => {
    const udp = route('UDPRoute', 'udproute-1', {
      rules: [{ backendRefs: [{ name: 'service-1', port: 8162 }] }, { backendRefs: [{ name: 'service-2', port: 8162 }] }],
    });
    const { xds } = translate(gateway([{ name: 'udp', protocol: 'UDP', port: 80 }]), udp);
    assert.deepEqual(conditionsOf(udp), [accepted, 'ResolvedRefs=False/InvalidRule: One and only one rule is supported']);
    assert.equal(xds.udp?.[0].route, undefined);
  });
});

describe('TLSRoute', () => {
  it('routes TLS passthrough by the SNI names route and listener share', () => {
    const tls = route('TLSRoute', 'tlsroute-1', { rules: [{ backendRefs: [{ name: 'service-1', port: 8080 }] }] });
    const gw = gateway([{ name: 'tls', protocol: 'TLS', port: 90, hostname: 'foo.com', tls: { mode: 'Passthrough' } }]);
    const { xds } = translate(gw, tls);
    assert.deepEqual(conditionsOf(tls), [accepted, resolved]);
    assert.deepEqual(gw.status.listeners[0].supportedKinds, [{ group: 'gateway.networking.k8s.io', kind: 'TLSRoute' }]);
    assert.equal(xds.tcp?.[0].tls, undefined);
    assert.deepEqual(xds.tcp?.[0].routes, [
      {
        name: 'tlsroute/default/tlsroute-1',
        tls: { inspector: { snis: ['foo.com'] } },
        destination: {
          name: 'tlsroute/default/tlsroute-1/rule/-1',
          settings: [{ addressType: 'IP', endpoints: endpoint7777(8080), protocol: 'HTTPS', weight: 1 }],
        },
      },
    ]);
  });

  it('accepts a Backend reference (unlike the other layer-4 and gRPC routes)', () => {
    const backend: KubeObject = {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: { name: 'backend-ip', namespace: 'default' },
      spec: { endpoints: [{ ip: { address: '1.1.1.1', port: 3001 } }] },
    };
    const tls = route('TLSRoute', 'tlsroute-1', { rules: [{ backendRefs: [{ group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'backend-ip' }] }] });
    const { xds } = translate(gateway([{ name: 'tls', protocol: 'TLS', port: 90, hostname: 'foo.com', tls: { mode: 'Passthrough' } }]), backend, tls);
    assert.deepEqual(conditionsOf(tls), [accepted, resolved]);
    assert.deepEqual(xds.tcp?.[0].routes?.[0].destination?.settings, [{ addressType: 'IP', endpoints: [{ host: '1.1.1.1', port: 3001 }], weight: 1 }]);
  });

  it('does not attach to a TLS listener without a tls block', () => {
    const tls = route('TLSRoute', 'tlsroute-1', { rules: [{ backendRefs: [{ name: 'service-1', port: 8080 }] }] });
    const gw = gateway([{ name: 'tls', protocol: 'TLS', port: 90 }]);
    const { xds } = translate(gw, tls);
    assert.deepEqual(conditionsOf(tls), ['Accepted=False/NoReadyListeners: There are no ready listeners for this parent ref', resolved]);
    assert.deepEqual(
      gw.status.listeners[0].supportedKinds.map((k: any) => k.kind),
      ['TCPRoute', 'TLSRoute'],
    );
    assert.equal(xds.tcp, undefined);
  });
});

describe('GRPCRoute', () => {
  const listener = { name: 'http', protocol: 'HTTP', port: 80 };
  const grpcRoutes = (xds: Xds): HTTPRoute[] => xds.http?.[0].routes ?? [];
  const match = (method: Record<string, string>) => ({ method });

  it('turns method matches into gRPC path matches and marks the listener HTTP/2', () => {
    const grpc = route('GRPCRoute', 'grpcroute-1', {
      rules: [
        {
          backendRefs: [{ name: 'service-1', port: 8080 }],
          matches: [
            match({ method: 'ExampleExact', type: 'Exact' }),
            match({ method: 'FooBar[0-9]+', type: 'RegularExpression' }),
            match({ service: 'com.ExampleExact', type: 'Exact' }),
            match({ service: 'com.[A-Z]+', type: 'RegularExpression' }),
          ],
        },
      ],
    });
    const { xds } = translate(gateway([listener]), grpc);
    assert.deepEqual(conditionsOf(grpc), [accepted, resolved]);
    assert.equal(xds.http?.[0].isHTTP2, true);
    const byName = new Map(grpcRoutes(xds).map((r) => [r.name, r]));
    const base = 'grpcroute/default/grpcroute-1/rule/0/match';
    assert.deepEqual(byName.get(`${base}/0/*`)?.headerMatches, [{ distinct: false, name: ':path', suffix: '/ExampleExact' }]);
    assert.equal(byName.get(`${base}/0/*`)?.pathMatch, undefined);
    assert.deepEqual(byName.get(`${base}/1/*`)?.pathMatch, {
      distinct: false,
      name: '',
      safeRegex: String.raw`/(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*/FooBar[0-9]+`,
    });
    assert.deepEqual(byName.get(`${base}/2/*`)?.pathMatch, { distinct: false, name: '', prefix: '/com.ExampleExact' });
    assert.deepEqual(byName.get(`${base}/3/*`)?.pathMatch, { distinct: false, name: '', safeRegex: '/com.[A-Z]+/[A-Za-z_][A-Za-z_0-9]*' });
    for (const r of byName.values()) {
      assert.equal(r.isHTTP2, true);
      assert.equal(r.hostname, '*');
      assert.deepEqual(r.metadata, { kind: 'GRPCRoute', name: 'grpcroute-1', namespace: 'default' });
      assert.deepEqual(r.destination, {
        name: 'grpcroute/default/grpcroute-1/rule/0',
        settings: [{ addressType: 'IP', endpoints: endpoint7777(8080), protocol: 'GRPC', weight: 1 }],
      });
    }
  });

  it('matches the full /service/method path when both are given', () => {
    const grpc = route('GRPCRoute', 'grpcroute-1', {
      rules: [{ backendRefs: [{ name: 'service-1', port: 8080 }], matches: [match({ service: 'helloworld.Greeter', method: 'SayHello' })] }],
    });
    const { xds } = translate(gateway([listener]), grpc);
    assert.deepEqual(grpcRoutes(xds)[0].pathMatch, { distinct: false, exact: '/helloworld.Greeter/SayHello', name: '' });
  });

  it('matches headers as given', () => {
    const grpc = route('GRPCRoute', 'grpcroute-1', {
      rules: [{ backendRefs: [{ name: 'service-1', port: 8080 }], matches: [{ headers: [{ name: 'magic', type: 'Exact', value: 'foo' }] }] }],
    });
    const { xds } = translate(gateway([listener]), grpc);
    assert.deepEqual(grpcRoutes(xds)[0].headerMatches, [{ distinct: false, exact: 'foo', name: 'magic' }]);
  });

  it('refuses a Backend reference and answers 500', () => {
    const backend: KubeObject = {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: { name: 'backend-ip', namespace: 'default' },
      spec: { endpoints: [{ ip: { address: '1.1.1.1', port: 3001 } }] },
    };
    const grpc = route('GRPCRoute', 'grpcroute-1', {
      rules: [{ backendRefs: [{ group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'backend-ip' }], matches: [match({ service: 'com.ExampleExact', type: 'Exact' })] }],
    });
    const { xds } = translate(gateway([listener]), backend, grpc);
    assert.deepEqual(conditionsOf(grpc), [
      accepted,
      'ResolvedRefs=False/UnsupportedValue: Resource default/backend-ip of type Backend is not supported for GRPCRoute routes',
    ]);
    const [irRoute] = grpcRoutes(xds);
    assert.deepEqual(irRoute.directResponse, { statusCode: 500 });
    assert.deepEqual(irRoute.destination, { name: 'grpcroute/default/grpcroute-1/rule/0', settings: [{ weight: 1 }] });
  });
});

describe("a Service's address type", () => {
  // Counted per EndpointSlice of the Service, as the reference does, whether or not a slice has
  // an endpoint on the port the route names.
  const slice = (name: string, addressType: string, portName: string, address: string): KubeObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'service-3' } },
    addressType,
    ports: [{ name: portName, port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
  });
  const service3: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'service-3', namespace: 'default' }, spec: { clusterIP: '1.1.1.3', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] } };
  const httpRoute = route('HTTPRoute', 'httproute-1', { rules: [{ backendRefs: [{ name: 'service-3', port: 8080 }] }] });
  httpRoute.apiVersion = gatewayV1;
  const listener = { name: 'http', protocol: 'HTTP', port: 80 };

  it('is Mixed when another slice of the Service holds FQDNs, even with none on the port', () => {
    const { xds, objects } = translate(gateway([listener]), service3, slice('ips', 'IPv4', 'http', '7.7.7.7'), slice('names', 'FQDN', 'other', 'app.example.com'), httpRoute);
    const [irRoute] = xds.http![0].routes!;
    assert.deepEqual(irRoute.destination!.settings, [{ addressType: 'Mixed', endpoints: [{ host: '7.7.7.7', port: 8080 }], protocol: 'HTTP', weight: 1 }]);
    assert.ok(
      conditionsOf(objects.find((o) => o.kind === 'HTTPRoute')!).includes('ResolvedRefs=False/ResolvedRefs: mixed FQDN and IP or Unix address type for the same backendRef is not supported'),
    );
  });

  it('is that of the slices when none has an endpoint on the port', () => {
    const { xds } = translate(gateway([listener]), service3, slice('ips', 'IPv4', 'other', '7.7.7.7'), httpRoute);
    const [irRoute] = xds.http![0].routes!;
    assert.deepEqual(irRoute.destination!.settings, [{ addressType: 'IP', protocol: 'HTTP', weight: 1 }]);
    assert.deepEqual(irRoute.directResponse, { statusCode: 500 });
  });
});
