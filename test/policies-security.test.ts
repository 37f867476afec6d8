// SecurityPolicy, EnvoyExtensionPolicy, EnvoyPatchPolicy and BackendTLSPolicy translation.
// Expected IR values, names and status texts are those of Envoy Gateway v1.2.0's gatewayapi
// corpus (securitypolicy-*, envoyextensionpolicy-*, envoypatchpolicy-*, backendtlspolicy-*),
// rebuilt here as small inline inputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HTTPRoute } from '../src/ir/types.js';
import type { KubeObject } from '../src/load/resource.js';
import { formatGoDuration, parseGoDuration } from '../src/gatewayapi/units.js';
import { withImpliedNamespaces } from '../src/gatewayapi/resources.js';
import { translateGatewayApi } from '../src/gatewayapi/translate.js';

const controllerName = 'gateway.envoyproxy.io/gatewayclass-controller';
const options = { controllerName, namespace: 'envoy-gateway-system', features: { backend: true, envoyPatchPolicy: true } };
const egV1alpha1 = 'gateway.envoyproxy.io/v1alpha1';

const gatewayClass: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GatewayClass',
  metadata: { name: 'eg' },
  spec: { controllerName },
};

const gateway: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'gateway-1', namespace: 'default' },
  spec: { gatewayClassName: 'eg', listeners: [{ name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'All' } } }] },
};

function service(name: string, port: number, address = '7.7.7.7'): KubeObject[] {
  const ports = [{ name: 'http', port, protocol: 'TCP' }];
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-slice`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports,
      endpoints: [{ addresses: [address], conditions: { ready: true } }],
    },
  ];
}

function httpRoute(name: string, host: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default' },
    spec: {
      hostnames: [host],
      parentRefs: [{ name: 'gateway-1', sectionName: 'http' }],
      rules: [{ backendRefs: [{ name: 'backend', port: 8080 }] }],
    },
  };
}

function policy(kind: string, name: string, target: { kind: string; name: string }, spec: any): KubeObject {
  return {
    apiVersion: egV1alpha1,
    kind,
    metadata: { name, namespace: 'default' },
    spec: { targetRef: { group: 'gateway.networking.k8s.io', ...target }, ...spec },
  };
}

function translate(objects: KubeObject[], overrides: Partial<typeof options> = {}) {
  const all = [gatewayClass, gateway, ...service('backend', 8080), ...objects];
  const result = translateGatewayApi(withImpliedNamespaces(all), { ...options, ...overrides });
  const routes: HTTPRoute[] = result.xdsIR['default/gateway-1']?.http?.[0]?.routes ?? [];
  const routeFor = (host: string) => routes.find((r) => r.hostname === host)!;
  const statusOf = (kind: string, name: string) => all.find((o) => o.kind === kind && o.metadata.name === name)!.status;
  return { result, routeFor, statusOf };
}

function acceptedMessage(status: any, sectionName?: string): string | undefined {
  const ancestor = status.ancestors.find((a: any) => a.ancestorRef.sectionName === sectionName);
  return ancestor?.conditions.find((c: any) => c.type === 'Accepted')?.message;
}

describe('Go durations', () => {
  it('prints durations as Go does', () => {
    assert.equal(formatGoDuration(parseGoDuration('1000s')!), '16m40s');
    assert.equal(formatGoDuration(parseGoDuration('30m')!), '30m0s');
    assert.equal(formatGoDuration(parseGoDuration('48h')!), '48h0m0s');
    assert.equal(formatGoDuration(parseGoDuration('1.5s')!), '1.5s');
    assert.equal(formatGoDuration(parseGoDuration('500ms')!), '500ms');
    assert.equal(parseGoDuration('five'), undefined);
  });
});

describe('SecurityPolicy', () => {
  it('translates CORS origins with wildcards to regexes and maxAge to a Go duration', () => {
    const sp = policy('SecurityPolicy', 'cors', { kind: 'Gateway', name: 'gateway-1' }, {
      cors: { allowOrigins: ['http://*.example.com', 'http://foo.bar.com'], allowMethods: ['GET'], maxAge: '1000s' },
    });
    const { routeFor } = translate([httpRoute('route-1', 'www.foo.com'), sp]);
    assert.deepEqual(routeFor('www.foo.com').security, {
      cors: {
        allowOrigins: [
          { distinct: false, safeRegex: 'http://.*\\.example\\.com' },
          { distinct: false, exact: 'http://foo.bar.com' },
        ],
        allowMethods: ['GET'],
        maxAge: '16m40s',
      },
    });
  });

  it('lets a route policy override a gateway policy and reports Overridden', () => {
    const secret = (name: string, users: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data: { '.htpasswd': users } });
    const onGateway = policy('SecurityPolicy', 'policy-for-gateway', { kind: 'Gateway', name: 'gateway-1' }, { basicAuth: { users: { name: 'users-2' } } });
    const onRoute = policy('SecurityPolicy', 'policy-for-route', { kind: 'HTTPRoute', name: 'route-1' }, { basicAuth: { users: { name: 'users-1' } } });
    const { routeFor, statusOf } = translate([
      secret('users-1', 'dXNlcjE='),
      secret('users-2', 'dXNlcjI='),
      httpRoute('route-1', 'www.foo.com'),
      httpRoute('route-2', 'www.bar.com'),
      onGateway,
      onRoute,
    ]);
    assert.deepEqual(routeFor('www.foo.com').security, { basicAuth: { name: 'securitypolicy/default/policy-for-route', users: 'dXNlcjE=' } });
    assert.deepEqual(routeFor('www.bar.com').security, { basicAuth: { name: 'securitypolicy/default/policy-for-gateway', users: 'dXNlcjI=' } });
    const gatewayStatus = statusOf('SecurityPolicy', 'policy-for-gateway');
    const overridden = gatewayStatus.ancestors[0].conditions.find((c: any) => c.type === 'Overridden');
    assert.equal(overridden.message, 'This policy is being overridden by other securityPolicies for these routes: [default/route-1]');
    assert.equal(acceptedMessage(statusOf('SecurityPolicy', 'policy-for-route'), 'http'), 'Policy has been accepted.');
  });

  it('marks a second policy on the same route Conflicted', () => {
    const first = policy('SecurityPolicy', 'first', { kind: 'HTTPRoute', name: 'route-1' }, {});
    const second = policy('SecurityPolicy', 'second', { kind: 'HTTPRoute', name: 'route-1' }, {});
    const { routeFor, statusOf } = translate([httpRoute('route-1', 'www.foo.com'), first, second]);
    assert.deepEqual(routeFor('www.foo.com').security, {});
    const conflicted = statusOf('SecurityPolicy', 'second').ancestors[0].conditions[0];
    assert.equal(conflicted.reason, 'Conflicted');
    assert.equal(conflicted.message, 'Unable to target HTTPRoute route-1, another SecurityPolicy has already attached to it');
  });

  it('resolves ext_authz backends and answers 500 when one is missing', () => {
    const good = policy('SecurityPolicy', 'good', { kind: 'HTTPRoute', name: 'route-1' }, {
      extAuth: { failOpen: true, grpc: { backendRefs: [{ name: 'authz', port: 9000 }] } },
    });
    const bad = policy('SecurityPolicy', 'bad', { kind: 'HTTPRoute', name: 'route-2' }, {
      extAuth: { http: { backendRefs: [{ name: 'authz', port: 80 }] } },
    });
    const { routeFor, statusOf } = translate([...service('authz', 9000, '8.8.8.8'), httpRoute('route-1', 'www.foo.com'), httpRoute('route-2', 'www.bar.com'), good, bad]);
    assert.deepEqual(routeFor('www.foo.com').security?.extAuth, {
      name: 'securitypolicy/default/good',
      failOpen: true,
      grpc: {
        authority: 'authz.default:9000',
        destination: {
          name: 'securitypolicy/default/good/0',
          settings: [{ protocol: 'GRPC', endpoints: [{ host: '8.8.8.8', port: 9000 }], addressType: 'IP', weight: 1 }],
        },
      },
    });
    assert.equal(acceptedMessage(statusOf('SecurityPolicy', 'bad'), 'http'), 'ExtAuth: TCP Port 80 not found on service default/authz.');
    assert.deepEqual(routeFor('www.bar.com').directResponse, { statusCode: 500 });
  });

  it('builds OIDC from explicit endpoints, and never puts secret values in diagnostics', () => {
    const secrets: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'client', namespace: 'default' }, data: { 'client-secret': 'c2VjcmV0' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'envoy-oidc-hmac', namespace: 'envoy-gateway-system' }, data: { 'hmac-secret': 'aG1hYw==' } },
    ];
    const sp = policy('SecurityPolicy', 'oidc', { kind: 'Gateway', name: 'gateway-1' }, {
      oidc: {
        provider: { issuer: 'https://oauth.foo.com', authorizationEndpoint: 'https://oauth.foo.com/auth', tokenEndpoint: 'https://oauth.foo.com/token' },
        clientID: 'client-id',
        clientSecret: { name: 'client' },
        redirectURL: 'https://www.example.com/foo/oauth2/callback',
        defaultTokenTTL: '1h',
      },
    });
    (sp.metadata as any).uid = 'b8284d0f-de82-4c65-b204-96a0d3f258a1';
    const { routeFor } = translate([...secrets, httpRoute('route-1', 'www.foo.com'), sp]);
    const oidc = routeFor('www.foo.com').security?.oidc as any;
    assert.equal(oidc.redirectPath, '/foo/oauth2/callback');
    assert.equal(oidc.logoutPath, '/logout');
    assert.deepEqual(oidc.scopes, ['openid']);
    assert.equal(oidc.defaultTokenTTL, '1h0m0s');
    assert.equal(oidc.cookieSuffix, 'b0a1b740');
    assert.equal(oidc.clientSecret, 'c2VjcmV0');

    const missingKey = policy('SecurityPolicy', 'oidc', { kind: 'Gateway', name: 'gateway-1' }, {
      oidc: { provider: { issuer: 'https://oauth.foo.com' }, clientID: 'x', clientSecret: { name: 'client' } },
    });
    const { result, statusOf } = translate([secrets[0], httpRoute('route-1', 'www.foo.com'), missingKey]);
    assert.match(acceptedMessage(statusOf('SecurityPolicy', 'oidc'))!, /^OIDC: /);
    for (const diagnostic of result.diagnostics) assert.ok(!diagnostic.message.includes('c2VjcmV0'));
  });

  it('names authorization rules and describes client CIDRs', () => {
    const sp = policy('SecurityPolicy', 'authz', { kind: 'HTTPRoute', name: 'route-1' }, {
      authorization: { rules: [{ action: 'Allow', principal: { clientCIDRs: ['10.0.1.7/24'] } }] },
    });
    const { routeFor } = translate([httpRoute('route-1', 'www.foo.com'), sp]);
    assert.deepEqual(routeFor('www.foo.com').security?.authorization, {
      defaultAction: 'Deny',
      rules: [
        {
          action: 'Allow',
          name: 'securitypolicy/default/authz/authorization/rule/0',
          principal: { clientCIDRs: [{ cidr: '10.0.1.0/24', distinct: false, ip: '10.0.1.0', isIPv6: false, maskLen: 24 }] },
        },
      ],
    });
  });
});

describe('SecurityPolicy URLs of services Envoy calls', () => {
  const jwt = (uri: string) => ({ jwt: { providers: [{ name: 'p', remoteJWKS: { uri } }] } });
  const message = (spec: object) => {
    const sp = policy('SecurityPolicy', 'sp', { kind: 'Gateway', name: 'gateway-1' }, spec);
    const { statusOf } = translate([httpRoute('route-1', 'www.foo.com'), sp]);
    return acceptedMessage(statusOf('SecurityPolicy', 'sp'));
  };

  it('refuses a remote JWKS URI the reference cannot parse, in its words', () => {
    assert.equal(message(jwt('0s')), 'JWT: invalid remote JWKS URI: parse "0s": invalid URI for request.');
  });

  it('refuses a remote JWKS URI Envoy cannot fetch from: a path, another scheme', () => {
    assert.equal(message(jwt('/jwks.json')), 'JWT: remote JWKS URI /jwks.json is not an absolute http or https URL, which Envoy fetches the keys from.');
    assert.match(message(jwt('ftp://keys.example.com/jwks.json'))!, /^JWT: remote JWKS URI ftp:/);
    assert.equal(message(jwt('https://keys.example.com/jwks.json')), 'Policy has been accepted.');
  });

  it('refuses a JWT header name or prefix with a line break or NUL, which Envoy refuses', () => {
    const provider = (extra: object) => ({ jwt: { providers: [{ name: 'p', remoteJWKS: { uri: 'https://keys.example.com/jwks.json' }, ...extra }] } });
    assert.equal(message(provider({ claimToHeaders: [{ header: 'x-sub\r\n', claim: 'sub' }] })), 'JWT: claimToHeaders header "x-sub\\r\\n" holds a line break or NUL, which Envoy refuses in a header.');
    assert.match(message(provider({ extractFrom: { headers: [{ name: 'x-token', valuePrefix: 'Bearer\n' }] } }))!, /^JWT: extractFrom header valuePrefix "Bearer\\n" holds/);
  });

  it('refuses a JWT claimToHeaders entry without a header or claim, as the reference does, and an empty extractFrom header', () => {
    const provider = (extra: object) => ({ jwt: { providers: [{ name: 'p', remoteJWKS: { uri: 'https://keys.example.com/jwks.json' }, ...extra }] } });
    assert.equal(message(provider({ claimToHeaders: [{ header: '', claim: 'sub' }] })), 'JWT: header must be set for claimToHeader provider: .');
    assert.equal(message(provider({ claimToHeaders: [{ header: 'x-sub', claim: '' }] })), 'JWT: claim must be set for claimToHeader provider: .');
    assert.equal(message(provider({ extractFrom: { headers: [{ name: '' }] } })), 'JWT: extractFrom header name must not be empty.');
  });

  it('refuses an OIDC cookie name that is not an HTTP token, as Envoy does', () => {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'client', namespace: 'default' }, data: { 'client-secret': 'c2VjcmV0' } };
    const sp = policy('SecurityPolicy', 'sp', { kind: 'Gateway', name: 'gateway-1' }, {
      oidc: {
        provider: { issuer: 'https://idp.example.com', authorizationEndpoint: 'https://idp.example.com/auth', tokenEndpoint: 'https://idp.example.com/token' },
        clientID: 'app',
        clientSecret: { name: 'client' },
        cookieNames: { idToken: 'id token' },
      },
    });
    const { statusOf } = translate([secret, httpRoute('route-1', 'www.foo.com'), sp]);
    assert.match(acceptedMessage(statusOf('SecurityPolicy', 'sp'))!, /^OIDC: cookie name "id token" is not an HTTP token/);
  });

  it('refuses an OIDC token endpoint Envoy cannot call', () => {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'client', namespace: 'default' }, data: { 'client-secret': 'c2VjcmV0' } };
    const sp = policy('SecurityPolicy', 'sp', { kind: 'Gateway', name: 'gateway-1' }, {
      oidc: { provider: { issuer: 'https://idp.example.com', authorizationEndpoint: 'https://idp.example.com/auth', tokenEndpoint: 'token' }, clientID: 'app', clientSecret: { name: 'client' } },
    });
    const { statusOf } = translate([secret, httpRoute('route-1', 'www.foo.com'), sp]);
    assert.equal(acceptedMessage(statusOf('SecurityPolicy', 'sp')), 'OIDC: token endpoint token is not an absolute http or https URL.');
  });
});

describe('EnvoyExtensionPolicy', () => {
  it('translates ext_proc backends and reports a missing service', () => {
    const eep = policy('EnvoyExtensionPolicy', 'proc', { kind: 'HTTPRoute', name: 'route-1' }, { extProc: [{ backendRefs: [{ name: 'proc', port: 9000 }] }] });
    const missing = policy('EnvoyExtensionPolicy', 'missing', { kind: 'HTTPRoute', name: 'route-2' }, { extProc: [{ backendRefs: [{ name: 'nope', port: 9000 }] }] });
    const { routeFor, statusOf } = translate([...service('proc', 9000, '8.8.8.8'), httpRoute('route-1', 'www.foo.com'), httpRoute('route-2', 'www.bar.com'), eep, missing]);
    const extProc = (routeFor('www.foo.com').envoyExtensions as any).extProcs[0];
    assert.equal(extProc.name, 'envoyextensionpolicy/default/proc/extproc/0');
    assert.equal(extProc.authority, 'proc.default:9000');
    assert.equal(extProc.destination.name, 'envoyextensionpolicy/default/proc/0');
    assert.equal(acceptedMessage(statusOf('EnvoyExtensionPolicy', 'missing'), 'http'), 'ExtProc: service default/nope not found.');
    assert.equal(routeFor('www.bar.com').envoyExtensions, undefined);
    assert.deepEqual(routeFor('www.bar.com').directResponse, { statusCode: 500 });
  });

  it('keeps a Wasm module source with its checksum', () => {
    const eep = policy('EnvoyExtensionPolicy', 'wasm', { kind: 'Gateway', name: 'gateway-1' }, {
      wasm: [{ name: 'filter', code: { type: 'HTTP', http: { url: 'https://www.example.com/wasm-filter-1.wasm', sha256: 'abc' } } }],
    });
    const { routeFor } = translate([httpRoute('route-1', 'www.foo.com'), eep]);
    const wasm = (routeFor('www.foo.com').envoyExtensions as any).wasms[0];
    assert.equal(wasm.wasmName, 'filter');
    assert.deepEqual(wasm.httpWasmCode, {
      originalDownloadingURL: 'https://www.example.com/wasm-filter-1.wasm',
      servingURL: 'https://envoy-gateway:18002/5c90b9a82642ce00a7753923fabead306b9d9a54a7c0bd2463a1af3efcfb110b.wasm',
      sha256: 'abc',
    });
  });

  it('warns where Envoy cannot fetch a module: a URL that is not http or https, no checksum', () => {
    const eep = policy('EnvoyExtensionPolicy', 'wasm', { kind: 'Gateway', name: 'gateway-1' }, {
      wasm: [
        { name: 'ftp', code: { type: 'HTTP', http: { url: 'ftp://www.example.com/a.wasm', sha256: 'abc' } } },
        { name: 'relative', code: { type: 'HTTP', http: { url: 'filters/b.wasm', sha256: 'abc' } } },
        { name: 'unchecked', code: { type: 'HTTP', http: { url: 'http://www.example.com/c.wasm' } } },
        { name: 'fine', code: { type: 'HTTP', http: { url: 'http://www.example.com/d.wasm', sha256: 'abc' } } },
      ],
    });
    const { result } = translate([httpRoute('route-1', 'www.foo.com'), eep]);
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning' && /Wasm/.test(d.message));
    assert.deepEqual(
      warnings.map((d) => d.message.replace(/;.*/, '')),
      ['Wasm module URL `ftp://www.example.com/a.wasm` is not an absolute http or https URL', 'Wasm module URL `filters/b.wasm` is not an absolute http or https URL', 'Wasm module http://www.example.com/c.wasm has no sha256'],
    );
  });
});

describe('EnvoyPatchPolicy', () => {
  const patch = (name: string, priority: number, kind = 'Gateway'): KubeObject => ({
    apiVersion: egV1alpha1,
    kind: 'EnvoyPatchPolicy',
    metadata: { name, namespace: 'default' },
    spec: {
      type: 'JSONPatch',
      priority,
      targetRef: { group: 'gateway.networking.k8s.io', kind, name: 'gateway-1' },
      jsonPatches: [{ type: 'type.googleapis.com/envoy.config.listener.v3.Listener', name: 'l', operation: { op: 'replace', path: '/a', value: '1' } }],
    },
  });

  it('orders patches by priority and reports an invalid target kind', () => {
    const { result } = translate([patch('later', 0), patch('first', -1), patch('wrong', 0, 'MyGateway')]);
    const policies = result.xdsIR['default/gateway-1'].envoyPatchPolicies as any[];
    assert.deepEqual(policies.map((p) => p.name), ['first', 'later', 'wrong']);
    assert.equal(policies[2].jsonPatches, undefined);
    assert.equal(
      policies[2].status.ancestors[0].conditions[0].message,
      'TargetRef.Group:gateway.networking.k8s.io TargetRef.Kind:MyGateway, only TargetRef.Group:gateway.networking.k8s.io and TargetRef.Kind:Gateway is supported.',
    );
  });

  it('reports the feature as disabled', () => {
    const { result } = translate([patch('p', 0)], { features: { backend: true, envoyPatchPolicy: false } });
    const condition = (result.xdsIR['default/gateway-1'].envoyPatchPolicies as any[])[0].status.ancestors[0].conditions[0];
    assert.equal(condition.reason, 'Disabled');
    assert.equal(condition.message, 'EnvoyPatchPolicy is disabled in the EnvoyGateway configuration');
  });
});

describe('BackendTLSPolicy', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const btls = (caName: string): KubeObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1alpha3',
    kind: 'BackendTLSPolicy',
    metadata: { name: 'policy-btls', namespace: 'default' },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: 'backend', sectionName: '8080' }],
      validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: caName }], hostname: 'example.com' },
    },
  });
  const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

  it('adds upstream TLS to the route destination and lists the route parent as ancestor', () => {
    const { routeFor, statusOf } = translate([httpRoute('route-1', 'www.foo.com'), configMap('ca', { 'ca.crt': pem }), btls('ca')]);
    assert.deepEqual(routeFor('www.foo.com').destination?.settings?.[0].tls, {
      sni: 'example.com',
      caCertificate: { name: 'policy-btls/default-ca', certificate: Buffer.from(pem).toString('base64') },
    });
    const ancestor = statusOf('BackendTLSPolicy', 'policy-btls').ancestors[0];
    assert.deepEqual(ancestor.ancestorRef, { name: 'gateway-1', sectionName: 'http', namespace: 'default' });
    assert.equal(ancestor.conditions[0].message, 'Policy has been accepted.');
  });

  it('rejects a ConfigMap without ca.crt', () => {
    const { routeFor, statusOf } = translate([httpRoute('route-1', 'www.foo.com'), configMap('no-ca', { 'garbage.crt': pem }), btls('no-ca')]);
    assert.equal(routeFor('www.foo.com').destination?.settings?.[0].tls, undefined);
    assert.equal(statusOf('BackendTLSPolicy', 'policy-btls').ancestors[0].conditions[0].message, 'No ca found in configmap no-ca.');
  });
});
