import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { codes } from '../src/diagnostics/codes.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { parseTexts } from '../src/load/load.js';
import type { KubeObject } from '../src/load/resource.js';
import { sourceOf } from '../src/load/source.js';
import { knownKinds, schemaFor, validateObjects } from '../src/schema/validate.js';
import { closest, editDistance } from '../src/schema/suggest.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

function check(text: string) {
  const loaded = parseTexts([{ file: 'input.yaml', text }]);
  assert.deepEqual(loaded.diagnostics, [], 'the test input itself must load cleanly');
  return validateObjects(loaded.objects);
}

/** The single diagnostic with this code; fails when there are none or several. */
function only(diagnostics: Diagnostic[], code: string): Diagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got: ${JSON.stringify(diagnostics, null, 1)}`);
  return found[0];
}

const quickstart = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: eg
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: eg
spec:
  gatewayClassName: eg
  listeners:
    - name: http
      protocol: HTTP
      port: 8888
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: backend
spec:
  parentRefs:
    - name: eg
  hostnames:
    - "www.example.com"
  rules:
    - backendRefs:
        - group: "gateway.envoyproxy.io"
          kind: Backend
          name: backend
      matches:
        - path:
            type: PathPrefix
            value: /
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: backend
spec:
  endpoints:
    - ip:
        address: 0.0.0.0
        port: 3000
`;

/** A Gateway with one listener; `listener` is spliced in at the listener's indentation. */
function gateway(listener: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: eg
spec:
  gatewayClassName: eg
  listeners:
    - name: http
${listener}`;
}

describe('schema validation', () => {
  it('accepts the quick start unchanged', () => {
    const result = check(quickstart);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(
      result.valid.map((o) => o.kind),
      ['GatewayClass', 'Gateway', 'HTTPRoute', 'Backend'],
    );
  });

  it('reports an unknown field at its key, with the close field name', () => {
    const text = quickstart.replace('  hostnames:\n', '  hostname:\n');
    const d = only(check(text).diagnostics, codes.unknownField);
    assert.equal(d.message, 'unknown field `hostname` in `spec`, did you mean `hostnames`?');
    assert.equal(d.path, 'spec.hostname');
    // Line 26 of the input is "  hostname:"; the key starts in column 3.
    assert.equal(d.file, 'input.yaml');
    assert.equal(d.line, 26);
    assert.equal(d.column, 3);
    assert.equal(d.resource, 'HTTPRoute default/backend');
  });

  it('lists the allowed fields when nothing is close', () => {
    const d = only(check(gateway('      protocol: HTTP\n      port: 80\n      zzz: 1\n')).diagnostics, codes.unknownField);
    assert.match(d.message, /^unknown field `zzz` in `spec\.listeners\[0\]`; expected one of name, hostname, port, protocol, tls, allowedRoutes$/);
  });

  it('reports a wrong type, hinting at quoted numbers', () => {
    const d = only(check(gateway('      protocol: HTTP\n      port: "80"\n')).diagnostics, codes.wrongType);
    assert.equal(d.message, '`spec.listeners[0].port`: expected an integer, got the string `80` (write it without quotes)');
    assert.deepEqual([d.line, d.column], [10, 13]);
  });

  it('reports a mapping where a list belongs', () => {
    const text = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n  rules:\n    backendRefs:\n      - name: s\n';
    const d = only(check(text).diagnostics, codes.wrongType);
    assert.deepEqual([d.line, d.column], [7, 5]);
    assert.equal(d.message, '`spec.rules`: expected a list, got a mapping');
    assert.equal(d.path, 'spec.rules');
  });

  it('reports a bad enum value with the value it resembles', () => {
    const text = quickstart.replace('type: PathPrefix', 'type: Prefix');
    const d = only(check(text).diagnostics, codes.badEnum);
    assert.equal(
      d.message,
      '`spec.rules[0].matches[0].path.type` must be one of Exact, PathPrefix, RegularExpression; got `Prefix` — did you mean `PathPrefix`?',
    );
    assert.deepEqual([d.line, d.column], [35, 19]);
  });

  it('reports a port out of range with both bounds', () => {
    const d = only(check(gateway('      protocol: HTTP\n      port: 70000\n')).diagnostics, codes.outOfRange);
    assert.equal(d.message, '`spec.listeners[0].port` must be an integer between 1 and 65535, got 70000');
    assert.deepEqual([d.line, d.column], [10, 13]);
  });

  it('reports every missing required field of a node in one diagnostic', () => {
    const d = only(check(gateway('      hostname: foo.example.com\n')).diagnostics, codes.missingField);
    assert.equal(d.message, 'missing required fields `port` and `protocol` in `spec.listeners[0]`');
    // Points at the listener mapping, which starts at its first key on line 8.
    assert.deepEqual([d.line, d.column], [8, 7]);
  });

  it('reports a hostname that breaks the pattern, suggesting the lowercase form', () => {
    const text = quickstart.replace('"www.example.com"', '"WWW.Example.com"');
    const d = only(check(text).diagnostics, codes.badPattern);
    assert.match(d.message, /^`spec\.hostnames\[0\]` must be a lowercase hostname .*; got `WWW\.Example\.com` — did you mean `www\.example\.com`\?$/);
    assert.equal(d.line, 27);
  });

  it('reports one problem per node: an empty header name is empty, not also a bad pattern', () => {
    const text = quickstart.replace(
      '      matches:\n',
      '      filters:\n        - type: RequestHeaderModifier\n          requestHeaderModifier:\n            set:\n              - name: ""\n                value: x\n      matches:\n',
    );
    const { diagnostics } = check(text);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    assert.equal(diagnostics[0].message, '`spec.rules[0].filters[0].requestHeaderModifier.set[0].name` must not be empty');
  });

  it('bounds string lengths in code points, as Kubernetes counts them', () => {
    // A header value allows 1 to 4096 characters; an emoji is one code point in two UTF-16 units.
    const withValue = (value: string) =>
      check(
        quickstart.replace(
          '      matches:\n',
          `      filters:\n        - type: RequestHeaderModifier\n          requestHeaderModifier:\n            set:\n              - name: x-test\n                value: "${value}"\n      matches:\n`,
        ),
      ).diagnostics;
    const path = '`spec.rules[0].filters[0].requestHeaderModifier.set[0].value`';
    assert.deepEqual(withValue('\u{1F600}'.repeat(4096)), []);
    assert.deepEqual(withValue('a'.repeat(4096)), []);
    assert.equal(only(withValue('\u{1F600}'.repeat(4097)), codes.outOfRange).message.startsWith(`${path} must be at most 4096 characters long`), true);
    assert.equal(only(withValue('a'.repeat(4097)), codes.outOfRange).message.startsWith(`${path} must be at most 4096 characters long`), true);
    // One emoji is one character: not too short for a bound of 1, where the empty string is.
    assert.deepEqual(withValue('\u{1F600}'), []);
    assert.equal(only(withValue(''), codes.outOfRange).message, `${path} must not be empty`);
  });

  it('excludes the invalid object and keeps its valid sibling', () => {
    const text = quickstart.replace('port: 3000', 'port: -1');
    const result = check(text);
    const d = only(result.diagnostics, codes.outOfRange);
    assert.equal(d.message, '`spec.endpoints[0].ip.port` must be an integer between 0 and 65535, got -1');
    assert.deepEqual(
      result.valid.map((o) => o.kind),
      ['GatewayClass', 'Gateway', 'HTTPRoute'],
    );
  });

  it('rejects an apiVersion the kind was never served at, and warns on a retired one', () => {
    const unknown = check(quickstart.replace('gateway.networking.k8s.io/v1\nkind: HTTPRoute', 'gateway.networking.k8s.io/v2\nkind: HTTPRoute'));
    const d = only(unknown.diagnostics, codes.unknownApiVersion);
    assert.match(d.message, /^unknown apiVersion `gateway\.networking\.k8s\.io\/v2` for HTTPRoute; expected `gateway\.networking\.k8s\.io\/v1` or `gateway\.networking\.k8s\.io\/v1beta1`$/);
    assert.ok(!unknown.valid.some((o) => o.kind === 'HTTPRoute'));

    const legacy = check('apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: GRPCRoute\nmetadata:\n  name: g\nspec: {}\n');
    assert.equal(only(legacy.diagnostics, codes.legacyApiVersion).severity, 'warning');
    assert.equal(legacy.valid.length, 1);
  });

  it('passes kinds without a schema through untouched', () => {
    const result = check('apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  anything: [1, 2]\n');
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.valid.length, 1);
  });

  it('drops null fields the way the API server prunes them', () => {
    const text = quickstart.replace('      matches:\n', '      timeouts: null\n      matches:\n');
    const result = check(text);
    assert.deepEqual(result.diagnostics, []);
    const route = result.valid.find((o) => o.kind === 'HTTPRoute') as KubeObject;
    assert.ok(!('timeouts' in route.spec.rules[0]));
  });

  it('drops nested nulls the block reader finds, in every spelling, and leaves null-free objects as read', () => {
    for (const spelling of ['~', 'null', 'Null', 'NULL', '']) {
      const text = quickstart.replace('      matches:\n', `      timeouts:\n        request: ${spelling}\n      matches:\n`);
      const loaded = parseTexts([{ file: 'input.yaml', text }]);
      const route = loaded.objects.find((o) => o.kind === 'HTTPRoute') as KubeObject;
      assert.equal(route.spec.rules[0].timeouts.request, null, `read by the block reader: ${JSON.stringify(spelling)}`);
      assert.equal(sourceOf(route)?.holdsNoNull, false);
      assert.deepEqual(validateObjects(loaded.objects).diagnostics, []);
      assert.deepEqual(route.spec.rules[0].timeouts, {}, JSON.stringify(spelling));
    }
    const loaded = parseTexts([{ file: 'input.yaml', text: quickstart }]);
    const route = loaded.objects.find((o) => o.kind === 'HTTPRoute') as KubeObject;
    assert.equal(sourceOf(route)?.holdsNoNull, true);
    const before = structuredClone(route);
    validateObjects(loaded.objects);
    assert.deepEqual(route, before);
  });

  it('still drops nulls from objects the block reader did not read', () => {
    const route = parse(quickstart.split('---\n')[2]) as KubeObject;
    route.spec.rules[0].timeouts = { request: null };
    assert.equal(sourceOf(route), undefined);
    assert.deepEqual(validateObjects([route]).diagnostics, []);
    assert.deepEqual(route.spec.rules[0].timeouts, {});
  });
});

const standaloneConfig = join(root, '../shared/seed/examples/standalone.yaml');

describe('EnvoyGateway configuration', { skip: !existsSync(standaloneConfig) && 'no ../shared seed examples' }, () => {
  // The config file has no metadata, so it is validated as parsed rather than through the loader.
  const config = () => parse(readFileSync(standaloneConfig, 'utf8')) as KubeObject;

  it('accepts the host-mode standalone config', () => {
    assert.deepEqual(validateObjects([config()]).diagnostics, []);
  });

  it('names the setting a misspelt section most resembles', () => {
    const object = config();
    object.extensionAPIs = object.extensionApis;
    delete object.extensionApis;
    const d = only(validateObjects([object]).diagnostics, codes.unknownField);
    assert.equal(d.message, 'unknown field `extensionAPIs`, did you mean `extensionApis`?');
  });
});

describe('suggestions', () => {
  it('measures edits with adjacent swaps as one', () => {
    assert.equal(editDistance('hostname', 'hostnames'), 1);
    assert.equal(editDistance('prot', 'port'), 1);
    assert.equal(editDistance('abc', 'xyz'), 3);
  });

  it('offers only close candidates', () => {
    assert.equal(closest('protcol', ['name', 'port', 'protocol']), 'protocol');
    assert.equal(closest('exact', ['Exact', 'PathPrefix']), 'Exact');
    assert.equal(closest('banana', ['name', 'port', 'protocol']), undefined);
  });
});

describe('schemas', () => {
  it('every schema file compiles, and every kind has exactly one schema', async () => {
    const build = await import(pathToFileURL(join(root, 'scripts/build-validators.mjs')).href);
    const schemas = build.loadSchemas();
    const ajv = build.createAjv(schemas);
    for (const { file, schema } of schemas) {
      assert.doesNotThrow(() => ajv.getSchema(schema.$id), `schemas/${file} does not compile`);
      assert.ok(ajv.getSchema(schema.$id), `schemas/${file} did not compile`);
    }
    const names = knownKinds().map((k) => `${k.apiVersion} ${k.kind}`);
    assert.equal(new Set(names).size, names.length, 'a kind/version is listed twice');
    for (const { kind } of knownKinds()) {
      const schema = schemaFor(kind) as { title?: string } | undefined;
      assert.equal(schema?.title, kind, `no schema file for ${kind}`);
    }
    assert.equal(schemaFor('NoSuchKind'), undefined);
  });

  it('covers the kinds the brief names, at the Gateway API v1.2 versions', () => {
    const names = new Set(knownKinds().map((k) => `${k.apiVersion} ${k.kind}`));
    for (const expected of [
      'gateway.networking.k8s.io/v1 GatewayClass',
      'gateway.networking.k8s.io/v1beta1 GatewayClass',
      'gateway.networking.k8s.io/v1 Gateway',
      'gateway.networking.k8s.io/v1 HTTPRoute',
      'gateway.networking.k8s.io/v1beta1 HTTPRoute',
      'gateway.networking.k8s.io/v1 GRPCRoute',
      'gateway.networking.k8s.io/v1alpha2 TLSRoute',
      'gateway.networking.k8s.io/v1alpha2 TCPRoute',
      'gateway.networking.k8s.io/v1alpha2 UDPRoute',
      'gateway.networking.k8s.io/v1beta1 ReferenceGrant',
      'gateway.networking.k8s.io/v1alpha3 BackendTLSPolicy',
      'v1 Service',
      'discovery.k8s.io/v1 EndpointSlice',
      'v1 Secret',
      'v1 ConfigMap',
      'v1 Namespace',
      'multicluster.x-k8s.io/v1alpha1 ServiceImport',
      'gateway.envoyproxy.io/v1alpha1 Backend',
    ]) {
      assert.ok(names.has(expected), `missing ${expected}`);
    }
  });
});

/**
 * The Envoy Gateway v1.2.0 translator cases feed objects straight to the translator, bypassing
 * the API server, and a few break the CRDs on purpose. Every other object must validate: a
 * schema error anywhere else is a schema bug. Each entry below was checked against the CRD.
 */
function envoyProxyBackendTLSErrors(): string[] {
  const at = 'spec.backendTLS';
  return [`${at}.SignatureAlgorithms`, `${at}.minVersion`, `${at}.maxVersion`, `${at}.alpnProtocols[0]`, `${at}.alpnProtocols[1]`];
}

/** The four extProc backendRefs of two cases, each with its capitalised keys and no `name`. */
function capitalisedExtProcRefErrors(): string[] {
  const keys = [['Name', 'Namespace', 'Port'], ['Name', 'Port'], ['Name', 'Kind', 'Group'], ['Name', 'Namespace', 'Kind', 'Group']];
  return keys.flatMap((names, i) => [`spec.extProc[0].backendRefs[${i}]`, ...names.map((name) => `spec.extProc[0].backendRefs[${i}].${name}`)]);
}

function capitalisedExtAuthErrors(): string[] {
  const ref = 'spec.extAuth.http.backendRefs[0]';
  return ['spec.extAuth.http.Path', ref, `${ref}.Name`, `${ref}.Namespace`, `${ref}.Port`];
}

const corpusCaseErrors: Record<string, string[]> = {
  'backendtrafficpolicy-buffer-limit-with-invalid-value': ['spec.connection.bufferLimit'],
  'backendtrafficpolicy-status-fault-injection': ['spec.faultInjection.abort.httpStatus'],
  'backendtrafficpolicy-with-circuitbreakers-error': [
    'spec.circuitBreaker.maxConnections',
    'spec.circuitBreaker.maxParallelRetries',
    'spec.circuitBreaker.maxRequestsPerConnection',
  ],
  'backendtrafficpolicy-with-loadbalancer-invalid-consistent-hash-table-size': [
    'spec.loadBalancer.consistentHash',
    'spec.loadBalancer.consistentHash',
    'spec.loadBalancer.consistentHash.tableSize',
  ],
  'clienttrafficpolicy-connection-limit-error': ['spec.connection.connectionLimit.closeDelay'],
  'clienttrafficpolicy-headers-error': ['spec.headers.earlyRequestHeaders.set[0].name', 'spec.headers.earlyRequestHeaders.add[0].name'],
  'clienttrafficpolicy-http-health-check': ['spec.healthCheck.Path', 'spec.healthCheck'],
  'clienttrafficpolicy-idle-timeout-with-error': ['spec.timeout.http.requestReceivedTimeout'],
  'httproute-and-backendtrafficpolicy-with-timeout-error': ['spec.timeout.tcp.connectTimeout'],
  'httproute-with-urlrewrite-filter-regex-match-replace-http': ['spec.urlRewrite.path.replaceRegexMatch'],
  'httproute-with-urlrewrite-filter-regex-match-replace-invalid': ['spec.urlRewrite.path.replaceRegexMatch'],
  'backend-invalid-hostname-address': ['spec.endpoints[0].fqdn.hostname', 'spec.endpoints[0].ip.address'],
  'backendtlspolicy-default-ns': ['spec.targetRefs[0].sectionName'],
  // The EnvoyProxy's backendTLS: `SignatureAlgorithms` is not a field (the CRD's is
  // `signatureAlgorithms`), `tls1.2`/`tls1.3` are not in the version enum (Auto, 1.0 … 1.3), nor
  // `HTTP/1.1`/`HTTP/2` in the ALPN enum (http/1.0, http/1.1, h2).
  'envoyproxy-tls-settings-invalid': ['spec.listeners[0]', 'spec.listeners[1]', ...envoyProxyBackendTLSErrors()],
  'envoyproxy-tls-settings': ['spec.listeners[0]', 'spec.listeners[1]', ...envoyProxyBackendTLSErrors()],
  // `envoy.filters.http.basic_authn` is not in the CRD's filter name enum (it has `basic_auth`).
  'custom-filter-order': ['spec.filterOrder[1].after'],
  'gateway-with-two-listeners-with-same-port-http-udp-protocol': ['spec.listeners[0].hostname'],
  'httproute-attaching-to-listener-with-backend-and-core-backendrefs': ['addressType'],
  'httproute-with-header-filter-empty-header-values': [
    'spec.rules[0].filters[0].requestHeaderModifier.set[0].value',
    'spec.rules[0].filters[0].requestHeaderModifier.add[0].value',
  ],
  'httproute-with-header-filter-empty-headers': [
    'spec.rules[0].filters[0].requestHeaderModifier.set[0].name',
    'spec.rules[0].filters[0].requestHeaderModifier.add[0].name',
  ],
  'httproute-with-header-filter-invalid-headers': [
    'spec.rules[0].filters[0].requestHeaderModifier.set[0].name',
    'spec.rules[0].filters[0].requestHeaderModifier.add[0].name',
  ],
  'httproute-with-header-filter-no-valid-headers': ['spec.rules[0].filters[0].requestHeaderModifier.add[0].name'],
  'httproute-with-redirect-filter-invalid-scheme': ['spec.rules[0].filters[0].requestRedirect.scheme'],
  'httproute-with-redirect-filter-invalid-status': ['spec.rules[0].filters[0].requestRedirect.statusCode'],
  'httproute-with-response-header-filter-empty-header-values': [
    'spec.rules[0].filters[0].responseHeaderModifier.set[0].value',
    'spec.rules[0].filters[0].responseHeaderModifier.add[0].value',
  ],
  'httproute-with-response-header-filter-invalid-headers': [
    'spec.rules[0].filters[0].responseHeaderModifier.set[0].name',
    'spec.rules[0].filters[0].responseHeaderModifier.add[0].name',
  ],
  'httproute-with-response-header-filter-no-valid-headers': ['spec.rules[0].filters[0].responseHeaderModifier.add[0].name'],
  'httproute-with-urlrewrite-filter-invalid-hostname': ['spec.rules[0].filters[0].urlRewrite.hostname'],
  'httproute-with-urlrewrite-filter-invalid-path-type': ['spec.rules[0].filters[0].urlRewrite.path.type'],
  // CEL rules (EGC2008), each checked against the case's input.
  'clienttrafficpolicy-mtls-forward-client-cert-custom-data': ['spec.headers.xForwardedClientCert', 'spec.headers.xForwardedClientCert'],
  'clienttrafficpolicy-mtls-forward-client-cert': ['spec.headers.xForwardedClientCert'],
  'envoyextensionpolicy-with-extproc-invalid-no-port': ['spec.extProc[0].backendRefs[0]'],
  // The extProc/extAuth backendRefs written with capitalised keys (`Name`, `Port`, read by Go's
  // case-insensitive decoder) are unknown fields to the API server, and leave `name` missing.
  'envoyextensionpolicy-with-extproc-with-traffic-features': capitalisedExtProcRefErrors(),
  'envoyproxy-accesslog-file-json-no-format': ['spec.telemetry.accessLog.settings[0].format'],
  'envoyproxy-accesslog-with-bad-sinks': [
    'spec.telemetry.accessLog.settings[0].sinks[0]',
    'spec.telemetry.accessLog.settings[0].sinks[1]',
    'spec.telemetry.accessLog.settings[0].sinks[2]',
  ],
  'envoyproxy-priority-backend': capitalisedExtProcRefErrors(),
  'gateway-with-listener-with-invalid-tls-configuration-invalid-mode': ['spec.listeners'],
  'gateway-with-listener-with-invalid-tls-configuration-no-certificate-refs': ['spec.listeners[0].tls'],
  'gateway-with-listener-with-tcp-with-hostname': ['spec.listeners'],
  'gateway-with-two-listeners-on-same-udp-port': ['spec.listeners'],
  'gateway-with-two-listeners-with-same-port-and-hostname': ['spec.listeners'],
  'grpcroute-with-request-header-modifier': ['spec.rules[0].filters'],
  'httproute-attaching-to-listener-with-backend-backendref-mixed-address-type': ['spec.endpoints', 'spec.endpoints'],
  'httproute-with-header-filter-duplicate-remove-multiple-filters': ['spec.rules[0].filters'],
  'httproute-with-invalid-backend-ref-no-port': ['spec.rules[0].backendRefs[0]'],
  'httproute-with-mirror-filter-service-no-port': ['spec.rules[0].filters[0].requestMirror.backendRef'],
  'httproute-with-response-header-filter-duplicate-remove-multiple-filters': ['spec.rules[0].filters'],
  'httproute-with-urlrewrite-filter-invalid-multiple-filters': ['spec.rules[0].filters'],
  'httproute-with-urlrewrite-filter-invalid-path': ['spec.rules[0].filters[0].urlRewrite.path'],
  'httproute-with-urlrewrite-filter-missing-path': ['spec.rules[0].filters[0].urlRewrite.path'],
  'httproute-with-urlrewrite-hostname-filter-invalid': ['spec.urlRewrite.hostname'],
  // Likewise `Path`, `Name`, `Namespace` and `Port` in extAuth.http.
  'securitypolicy-with-extauth-backendref': capitalisedExtAuthErrors(),
  'securitypolicy-with-extauth-with-backendtlspolicy': capitalisedExtAuthErrors(),
  'securitypolicy-with-extauth': capitalisedExtAuthErrors(),
};

const corpusDir = join(root, '../shared/conformance/eg-v1.2.0/gatewayapi');

describe('Envoy Gateway v1.2.0 translator cases', { skip: !existsSync(corpusDir) && 'no ../shared corpus' }, () => {
  it('validate except where a case breaks the CRDs on purpose', () => {
    const found: Record<string, string[]> = {};
    for (const file of readdirSync(corpusDir).filter((f) => f.endsWith('.in.yaml'))) {
      const document = parse(readFileSync(join(corpusDir, file), 'utf8')) ?? {};
      const objects: KubeObject[] = [];
      for (const value of Object.values(document)) {
        for (const item of Array.isArray(value) ? value : [value]) {
          if (item && typeof item === 'object' && 'kind' in item) objects.push(item as KubeObject);
        }
      }
      const errors = validateObjects(objects).diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) found[file.replace(/\.in\.yaml$/, '')] = errors.map((d) => d.path ?? '');
    }
    const sorted = (map: Record<string, string[]>) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, [...v].sort()]));
    assert.deepEqual(sorted(found), sorted(corpusCaseErrors));
  });
});

describe('Envoy Gateway policy and proxy sections', () => {
  const policy = (kind: string, spec: string) =>
    `apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: p\nspec:\n  targetRefs:\n    - group: gateway.networking.k8s.io\n      kind: Gateway\n      name: eg\n${spec}`;
  const proxy = (spec: string) => `apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyProxy\nmetadata:\n  name: p\nspec:\n${spec}`;

  it('SecurityPolicy: a misspelt OIDC field, a quoted boolean and an unknown action', () => {
    const oidc = '  oidc:\n    provider:\n      issuer: https://idp.example.com\n    clientId: app\n    clientSecret:\n      name: s\n';
    const unknown = check(policy('SecurityPolicy', oidc)).diagnostics;
    assert.equal(only(unknown, codes.unknownField).message, 'unknown field `clientId` in `spec.oidc`, did you mean `clientID`?');
    // clientID is required, so its absence is reported too.
    assert.equal(only(unknown, codes.missingField).message, 'missing required field `clientID` in `spec.oidc`');

    const cors = check(policy('SecurityPolicy', '  cors:\n    allowCredentials: "true"\n')).diagnostics;
    const wrong = only(cors, codes.wrongType);
    assert.equal(wrong.path, 'spec.cors.allowCredentials');
    assert.deepEqual([wrong.line, wrong.column], [11, 23]);

    const authz = check(policy('SecurityPolicy', '  authorization:\n    defaultAction: Reject\n')).diagnostics;
    assert.equal(only(authz, codes.badEnum).message, '`spec.authorization.defaultAction` must be one of Allow, Deny; got `Reject`');
  });

  it('SecurityPolicy: the cluster settings of an extAuth backend are checked like a BackendTrafficPolicy', () => {
    const extAuth = '  extAuth:\n    http:\n      backendRefs:\n        - name: auth\n          port: 80\n      backendSettings:\n        retry:\n          numRetries: -1\n';
    const d = only(check(policy('SecurityPolicy', extAuth)).diagnostics, codes.outOfRange);
    assert.equal(d.path, 'spec.extAuth.http.backendSettings.retry.numRetries');
  });

  it('counts that are Go unsigned integers in Envoy Gateway\'s API are not negative, whatever the CRD\'s int32 says', () => {
    const passive = check(policy('BackendTrafficPolicy', '  healthCheck:\n    passive:\n      consecutiveLocalOriginFailures: -5\n      maxEjectionPercent: -5\n')).diagnostics;
    // maxEjectionPercent is an int32 there, which the reference wraps into Envoy's uint32.
    assert.equal(only(passive, codes.outOfRange).message, '`spec.healthCheck.passive.consecutiveLocalOriginFailures` must be an integer between 0 and 2147483647, got -5');
    const probes = check(policy('ClientTrafficPolicy', '  tcpKeepalive:\n    probes: -3\n')).diagnostics;
    assert.equal(only(probes, codes.outOfRange).path, 'spec.tcpKeepalive.probes');
    const hops = check(policy('ClientTrafficPolicy', '  clientIPDetection:\n    xForwardedFor:\n      numTrustedHops: -1\n')).diagnostics;
    assert.equal(only(hops, codes.outOfRange).path, 'spec.clientIPDetection.xForwardedFor.numTrustedHops');
    const requests = check(policy('BackendTrafficPolicy', '  rateLimit:\n    type: Local\n    local:\n      rules:\n        - limit:\n            requests: -1\n            unit: Second\n')).diagnostics;
    assert.equal(only(requests, codes.outOfRange).message, '`spec.rateLimit.local.rules[0].limit.requests` must be at least 0, got -1');
  });

  it('a fault delay must be a duration (a metav1.Duration Envoy Gateway could not decode otherwise)', () => {
    const d = only(check(policy('BackendTrafficPolicy', '  faultInjection:\n    delay:\n      fixedDelay: soon\n')).diagnostics, codes.badPattern);
    assert.equal(d.path, 'spec.faultInjection.delay.fixedDelay');
  });

  it('EnvoyExtensionPolicy: a misspelt processing mode, a numeric timeout and a ConfigMap wasm source', () => {
    const extProc = (mode: string) => `  extProc:\n    - backendRefs:\n        - name: proc\n          port: 9000\n${mode}`;
    const unknown = check(policy('EnvoyExtensionPolicy', extProc('      processingMode:\n        request:\n          bdy: Buffered\n'))).diagnostics;
    assert.equal(only(unknown, codes.unknownField).message, 'unknown field `bdy` in `spec.extProc[0].processingMode.request`, did you mean `body`?');

    const timeout = check(policy('EnvoyExtensionPolicy', extProc('      messageTimeout: 5\n'))).diagnostics;
    assert.equal(only(timeout, codes.wrongType).path, 'spec.extProc[0].messageTimeout');

    // The CRD's code type must satisfy both of its enums, [HTTP, Image] and [HTTP, Image, ConfigMap].
    const wasm = '  wasm:\n    - code:\n        type: ConfigMap\n';
    assert.equal(only(check(policy('EnvoyExtensionPolicy', wasm)).diagnostics, codes.badEnum).message, '`spec.wasm[0].code.type` must be one of HTTP, Image; got `ConfigMap`');
  });

  it('EnvoyProxy: a misspelt tracing field, a numeric drain timeout and an unknown log level', () => {
    const tracing = check(proxy('  telemetry:\n    tracing:\n      samplingrate: 10\n      provider:\n        type: OpenTelemetry\n        host: otel\n')).diagnostics;
    assert.equal(only(tracing, codes.unknownField).message, 'unknown field `samplingrate` in `spec.telemetry.tracing`, did you mean `samplingRate`?');

    const shutdown = check(proxy('  shutdown:\n    drainTimeout: 30\n')).diagnostics;
    assert.equal(only(shutdown, codes.wrongType).path, 'spec.shutdown.drainTimeout');

    const logging = check(proxy('  logging:\n    level:\n      default: Warn\n')).diagnostics;
    assert.equal(only(logging, codes.badEnum).message, '`spec.logging.level.default` must be one of debug, info, error, warn; got `Warn` — did you mean `warn`?');
  });

  it('EnvoyProxy: filter names come from the CRD list; Kubernetes deployment settings stay free-form', () => {
    const order = check(proxy('  filterOrder:\n    - name: envoy.filters.http.wasm\n      before: envoy.filters.http.jwt\n')).diagnostics;
    assert.equal(only(order, codes.badEnum).path, 'spec.filterOrder[0].before');

    const kubernetes = check(proxy('  provider:\n    type: Kubernetes\n    kubernetes:\n      envoyDeployment:\n        replicas: 2\n        pod:\n          annotations: {a: b}\n')).diagnostics;
    assert.deepEqual(kubernetes, []);
  });
});

describe('secret values in schema messages', () => {
  it('a Secret value that breaks a rule is named by its path, never quoted', () => {
    const secretValue = 'not base64 TOPSECRET!!';
    const result = check(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  tls.key: "${secretValue}"\n`);
    const d = only(result.diagnostics, codes.badPattern);
    assert.equal(d.path, 'data.tls.key');
    assert.ok(!d.message.includes('TOPSECRET'), d.message);
  });

  it('Secret data may break its base64 over lines, as the API server allows, but not hold spaces', () => {
    const lines = check('apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: |\n    YWRt\n    aW4=\n');
    assert.deepEqual(lines.diagnostics, []);
    const spaced = check('apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: "YWRt aW4="\n');
    assert.equal(only(spaced.diagnostics, codes.badPattern).path, 'data.a');
  });
});

describe('negative numbers Envoy reads as unsigned (EGC2011)', () => {
  const policy = (abort: string) => `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: chaos
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: app
  faultInjection:
    abort:
${abort}
`;

  it('warns, keeping the object, for a negative gRPC status and delay percentage', () => {
    const result = check(`${policy('      grpcStatus: -2\n      percentage: 50')}    delay:\n      fixedDelay: 1s\n      percentage: -0.5\n`);
    assert.equal(result.valid.length, 1);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.severity, d.path, d.message]),
      [
        ['EGC2011', 'warning', 'spec.faultInjection.delay.percentage', 'fault delay percentage -0.5 is negative; Envoy Gateway converts it to an unsigned share, which Envoy reads as above 100%: every request is delayed'],
        ['EGC2011', 'warning', 'spec.faultInjection.abort.grpcStatus', 'fault abort grpcStatus -2 is negative; Envoy Gateway converts it to an unsigned number, so aborted gRPC requests get grpc-status 4294967294'],
      ],
    );
  });

  it('says nothing of a negative share too small for Envoy to see, nor of numbers from 0 up', () => {
    assert.deepEqual(check(policy('      httpStatus: 503\n      percentage: -0.00001')).diagnostics, []);
    assert.deepEqual(check(policy('      grpcStatus: 0\n      percentage: 0')).diagnostics, []);
  });
});
