import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { caseObjects, impliedObjects } from '../src/conformance/context.js';
import { firstDifference, formatDiffPath, formatDifference, formatValue } from '../src/conformance/diff.js';
import { irNormalization, normalize, statusNormalization, xdsNormalization } from '../src/conformance/normalize.js';
import { formatRatchet, parseRatchet, passingIds, runConformance, summaryLine, UsageError } from '../src/conformance/run.js';
import { referenceKey, statusView } from '../src/conformance/status.js';

const corpus = fileURLToPath(new URL('../../../shared/conformance/eg-v1.2.0', import.meta.url));
const ratchetFile = fileURLToPath(new URL('../../test/conformance-passing.txt', import.meta.url));

const irDiff = (expected: unknown, actual: unknown) => firstDifference(normalize(expected, irNormalization), normalize(actual, irNormalization));
const xdsDiff = (expected: unknown, actual: unknown) => firstDifference(normalize(expected, xdsNormalization), normalize(actual, xdsNormalization));

describe('normaliser and differ', () => {
  it('ignores key order', () => {
    assert.equal(irDiff({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }), undefined);
  });

  it('treats absent, null and an empty list alike', () => {
    assert.equal(irDiff({ routes: [], tls: null, name: 'l' }, { name: 'l' }), undefined);
    assert.equal(xdsDiff({ filters: [] }, {}), undefined);
  });

  it('keeps an empty mapping significant (a present proto message or Go pointer)', () => {
    const difference = xdsDiff({ configSource: { ads: {} } }, { configSource: {} });
    assert.deepEqual(difference, { path: ['configSource', 'ads'], expected: {}, actual: undefined });
  });

  it('in the IR, drops the empty value structs Go prints in echoed EnvoyProxy objects', () => {
    assert.equal(irDiff({ config: { spec: { logging: {} }, status: {} } }, { config: { spec: {} } }), undefined);
    assert.ok(irDiff({ tcpKeepalive: {} }, {}), 'tcpKeepalive: {} turns keepalive on');
  });

  it('in the IR, an explicit false/0/"" equals absent, as Go prints non-omitempty zero fields', () => {
    assert.equal(irDiff({ isHTTP2: false, distinct: false, weight: 0, name: '' }, {}), undefined);
  });

  it('in the IR, keeps zeros of pointer fields whose default is not zero', () => {
    assert.ok(irDiff({ dns: { respectDnsTtl: false } }, { dns: {} }));
    assert.ok(irDiff({ alpnProtocols: [] }, {}), 'alpnProtocols: [] (no ALPN) differs from absent (defaults)');
    assert.equal(irDiff({ alpnProtocols: null }, {}), undefined);
  });

  it('in xDS resources, a printed zero is significant (wrappers and oneofs)', () => {
    assert.ok(xdsDiff({ consecutiveGatewayFailure: 0 }, {}));
  });

  it('ignores lastTransitionTime and creationTimestamp at any depth', () => {
    assert.equal(irDiff({ metadata: { creationTimestamp: null }, c: [{ lastTransitionTime: null, type: 'A' }] }, { metadata: {}, c: [{ type: 'A', lastTransitionTime: '2024-01-01T00:00:00Z' }] }), undefined);
  });

  it('reports the path and both values of a changed value', () => {
    const expected = { xdsIR: { 'envoy-gateway/gateway-1': { http: [{ routes: [{}, {}, { destination: { settings: [{ weight: 1 }] } }] }] } } };
    const actual = structuredClone(expected);
    actual.xdsIR['envoy-gateway/gateway-1'].http[0].routes[2].destination!.settings[0].weight = 2;
    const difference = irDiff(expected, actual);
    assert.ok(difference);
    assert.equal(formatDiffPath(difference.path), 'xdsIR["envoy-gateway/gateway-1"].http[0].routes[2].destination.settings[0].weight');
    assert.equal(formatDifference(difference), 'xdsIR["envoy-gateway/gateway-1"].http[0].routes[2].destination.settings[0].weight: expected 1, got 2');
  });

  it('reports a missing or extra list item and an extra key', () => {
    assert.deepEqual(xdsDiff({ a: [1, 2] }, { a: [1] }), { path: ['a', 1], expected: 2, actual: undefined });
    assert.deepEqual(xdsDiff({ a: [1] }, { a: [1, 3] }), { path: ['a', 1], expected: undefined, actual: 3 });
    assert.deepEqual(xdsDiff({ a: 1 }, { a: 1, b: 'x' }), { path: ['b'], expected: undefined, actual: 'x' });
  });

  it('keeps list order significant', () => {
    assert.ok(irDiff({ routes: [{ name: 'a' }, { name: 'b' }] }, { routes: [{ name: 'b' }, { name: 'a' }] }));
  });

  it('truncates long values and marks absent ones', () => {
    assert.equal(formatValue(undefined), '(absent)');
    const long = formatValue('x'.repeat(500), 40);
    assert.equal(long.length, 40);
    assert.ok(long.endsWith('…'));
  });
});

describe('status views', () => {
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastTransitionTime: null });

  it('matches conditions by type and parents by parentRef, whatever their order', () => {
    const a = {
      parents: [
        { parentRef: { name: 'gw-1', namespace: 'envoy-gateway' }, controllerName: 'c', conditions: [condition('Accepted', 'True', 'Accepted', 'ok'), condition('ResolvedRefs', 'True', 'ResolvedRefs', 'ok')] },
        { parentRef: { name: 'gw-2', sectionName: 'http' }, controllerName: 'c', conditions: [] },
      ],
    };
    const b = {
      parents: [
        { parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw-2', namespace: 'default', sectionName: 'http' }, controllerName: 'c' },
        { parentRef: { name: 'gw-1', namespace: 'envoy-gateway' }, controllerName: 'c', conditions: [condition('ResolvedRefs', 'True', 'ResolvedRefs', 'ok'), condition('Accepted', 'True', 'Accepted', 'ok')] },
      ],
    };
    assert.equal(firstDifference(statusView(a, 'default', 'messages'), statusView(b, 'default', 'messages')), undefined);
  });

  it('compares messages only at the messages level', () => {
    const expected = { conditions: [condition('Accepted', 'False', 'Invalid', 'first message')] };
    const actual = { conditions: [condition('Accepted', 'False', 'Invalid', 'another message')] };
    assert.equal(firstDifference(statusView(expected, 'default', 'status'), statusView(actual, 'default', 'status')), undefined);
    const difference = firstDifference(statusView(expected, 'default', 'messages'), statusView(actual, 'default', 'messages'));
    assert.ok(difference);
    assert.equal(formatDiffPath(difference.path), 'conditions.Accepted.message');
  });

  it('catches a changed reason and keeps attachedRoutes: 0', () => {
    const listener = (attachedRoutes: number, reason: string) => ({
      listeners: [{ name: 'http', attachedRoutes, supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], conditions: [condition('Programmed', 'True', reason, '')] }],
    });
    const zero = firstDifference(statusView(listener(0, 'Programmed'), 'default', 'status'), statusView({ listeners: [{ name: 'http', supportedKinds: [{ kind: 'HTTPRoute' }], conditions: [condition('Programmed', 'True', 'Programmed', '')] }] }, 'default', 'status'));
    assert.deepEqual(zero, { path: ['listeners', 'http', 'attachedRoutes'], expected: 0, actual: undefined });
    const reason = firstDifference(statusView(listener(1, 'Programmed'), 'default', 'status'), statusView(listener(1, 'Invalid'), 'default', 'status'));
    assert.equal(reason && formatDiffPath(reason.path), 'listeners.http.conditions.Programmed.reason');
  });

  it('names references with the API defaults filled in', () => {
    assert.equal(referenceKey({ name: 'gw' }, 'default'), 'Gateway default/gw');
    assert.equal(referenceKey({ group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'b', namespace: 'x', sectionName: 's', port: 80 }, 'default'), 'gateway.envoyproxy.io/Backend x/b#s:80');
    assert.equal(statusView({}, 'default', 'status'), undefined);
    assert.equal(statusView({ parents: [] }, 'default', 'status'), undefined);
    assert.deepEqual(normalize({ controllerName: '', attachedRoutes: 0 }, statusNormalization), { attachedRoutes: 0 });
  });
});

describe('case objects (context.yaml)', () => {
  it('maps keys to kinds without regard to case, defaults namespaces and adds the implied objects', () => {
    const { objects, problems } = caseObjects({
      gateways: [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g' }, spec: {} }],
      envoyextensionpolicies: [{ metadata: { name: 'p', namespace: 'x' }, spec: {} }],
      envoyProxyForGatewayClass: { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyProxy', metadata: { name: 'ep', namespace: 'envoy-gateway-system' }, spec: {} },
      services: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'service-1', namespace: 'default' }, spec: { clusterIP: '9.9.9.9' } }],
    });
    assert.deepEqual(problems, []);
    const find = (kind: string, name: string) => objects.filter((o) => o.kind === kind && o.metadata.name === name);
    assert.equal(find('Gateway', 'g')[0].metadata.namespace, 'default');
    assert.equal(find('EnvoyExtensionPolicy', 'p')[0].apiVersion, 'gateway.envoyproxy.io/v1alpha1');
    const [gatewayClass] = find('GatewayClass', 'envoy-gateway-class');
    assert.equal(gatewayClass.spec.controllerName, 'gateway.envoyproxy.io/gatewayclass-controller');
    assert.deepEqual(gatewayClass.spec.parametersRef, { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'ep', namespace: 'envoy-gateway-system' });
    assert.equal(gatewayClass.metadata.namespace, undefined);
    // The case's own service-1 wins over the implied one.
    assert.deepEqual(find('Service', 'service-1').map((s) => s.spec.clusterIP), ['9.9.9.9']);
    assert.deepEqual(find('Service', 'service-2').map((s) => s.spec.clusterIP), ['1.1.1.1']);
  });

  it('implies the services and endpoint slices context.yaml lists', () => {
    const implied = impliedObjects();
    const names = implied.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    for (const expected of ['Namespace /envoy-gateway', 'Namespace /default', 'Service default/service-4', 'EndpointSlice default/endpointslice-4', 'Service default/mirror-service', 'Service monitoring/otel-collector']) {
      assert.ok(names.includes(expected), expected);
    }
    const otel = implied.find((o) => o.kind === 'Service' && o.metadata.name === 'otel-collector')!;
    assert.deepEqual(otel.spec.ports[0], { name: 'grpc', port: 4317, protocol: 'TCP', appProtocol: 'grpc', targetPort: 4317 });
    const slice = implied.find((o) => o.kind === 'EndpointSlice' && o.metadata.name === 'mirror-service-endpointslice')!;
    assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'mirror-service');
    assert.deepEqual(slice.endpoints, [{ addresses: ['7.6.5.4'], conditions: { ready: true } }]);
  });

  it('reports an unknown key', () => {
    assert.match(caseObjects({ widgets: [] }).problems.join(), /unknown key "widgets"/);
  });
});

describe('harness robustness', () => {
  it('rejects a missing corpus directory as a usage error', () => {
    assert.throws(() => runConformance({ corpus: join(tmpdir(), 'egc-no-such-corpus') }), UsageError);
  });

  it('fails a broken case with its reason and keeps going', () => {
    const dir = mkdtempSync(join(tmpdir(), 'egc-corpus-'));
    try {
      mkdirSync(join(dir, 'gatewayapi'));
      mkdirSync(join(dir, 'xds-ir', 'in'), { recursive: true });
      writeFileSync(join(dir, 'gatewayapi', 'bad-yaml.in.yaml'), 'gateways: [\n');
      writeFileSync(join(dir, 'gatewayapi', 'bad-yaml.out.yaml'), '{}\n');
      writeFileSync(join(dir, 'gatewayapi', 'unknown-key.in.yaml'), 'widgets: []\n');
      writeFileSync(join(dir, 'gatewayapi', 'unknown-key.out.yaml'), '{}\n');
      writeFileSync(join(dir, 'gatewayapi', 'no-expectation.in.yaml'), '{}\n');
      writeFileSync(join(dir, 'xds-ir', 'in', 'not-a-map.yaml'), '- 1\n');
      const report = runConformance({ corpus: dir });
      const diff = (name: string) => report.cases.find((c) => c.name === name)?.diff ?? '';
      assert.match(diff('gatewayapi/bad-yaml'), /cannot read the case/);
      assert.match(diff('gatewayapi/unknown-key'), /unknown key "widgets"/);
      assert.match(diff('gatewayapi/no-expectation'), /no expectation/);
      assert.match(diff('xds-ir/not-a-map'), /not a mapping/);
      assert.equal(summaryLine(report), 'conformance: gatewayapi status 0/3 messages 0/3 ir 0/3; xds-ir 0/1');
      assert.deepEqual(passingIds(report), []);
      assert.equal(runConformance({ corpus: dir, filter: 'xds-ir/' }).cases.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads and writes the ratchet list sorted, ignoring blanks and comments', () => {
    assert.deepEqual(parseRatchet('# passing\nxds-ir/b\n\ngatewayapi/a:ir\n'), ['xds-ir/b', 'gatewayapi/a:ir']);
    assert.equal(formatRatchet(['xds-ir/b', 'gatewayapi/a:ir']), 'gatewayapi/a:ir\nxds-ir/b\n');
  });
});

describe('conformance ratchet (reference corpus)', () => {
  it('still passes every case listed in test/conformance-passing.txt', (t) => {
    if (!existsSync(corpus)) {
      t.skip(`reference corpus not found at ${corpus}; the ratchet is not checked`);
      return;
    }
    const report = runConformance({ corpus });
    const passing = new Set(passingIds(report));
    const listed = existsSync(ratchetFile) ? parseRatchet(readFileSync(ratchetFile, 'utf8')) : [];
    const diffs = new Map(report.cases.map((c) => [c.name, c.diff]));
    const regressed = listed.filter((id) => !passing.has(id));
    const explain = regressed.map((id) => `  ${id}: ${diffs.get(id.replace(/:[a-z]+$/, '')) ?? 'case not found in the corpus'}`);
    assert.deepEqual(regressed, [], `${regressed.length} case(s) in the ratchet no longer pass (${summaryLine(report)}):\n${explain.join('\n')}`);
  });
});
