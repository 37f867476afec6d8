/**
 * The CRDs' CEL rules (x-kubernetes-validations), evaluated offline: every rule egc evaluates is
 * triggered by a minimal object below, which must produce exactly the expected EGC2008
 * diagnostics (message as written in the CRD, located on the node the rule is attached to).
 * When ../shared holds the v1.2.0 CRDs, the rules in schemas/*.json are checked against them.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseAllDocuments, parseDocument, stringify, isNode } from 'yaml';
import { codes } from '../src/diagnostics/codes.js';
import { parseTexts } from '../src/load/load.js';
import { groupOf } from '../src/load/resource.js';
import { celRulesOf, checkCelRules, failingCelRules } from '../src/schema/cel.js';
import type { CelRuleSpec } from '../src/schema/generated/cel-rules.js';
import { validateObjects } from '../src/schema/validate.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

const apiVersions: Record<string, string> = {
  GatewayClass: 'gateway.networking.k8s.io/v1',
  Gateway: 'gateway.networking.k8s.io/v1',
  HTTPRoute: 'gateway.networking.k8s.io/v1',
  GRPCRoute: 'gateway.networking.k8s.io/v1',
  TLSRoute: 'gateway.networking.k8s.io/v1alpha2',
  TCPRoute: 'gateway.networking.k8s.io/v1alpha2',
  UDPRoute: 'gateway.networking.k8s.io/v1alpha2',
  ReferenceGrant: 'gateway.networking.k8s.io/v1beta1',
  BackendTLSPolicy: 'gateway.networking.k8s.io/v1alpha3',
  Backend: 'gateway.envoyproxy.io/v1alpha1',
  HTTPRouteFilter: 'gateway.envoyproxy.io/v1alpha1',
  ClientTrafficPolicy: 'gateway.envoyproxy.io/v1alpha1',
  BackendTrafficPolicy: 'gateway.envoyproxy.io/v1alpha1',
  SecurityPolicy: 'gateway.envoyproxy.io/v1alpha1',
  EnvoyProxy: 'gateway.envoyproxy.io/v1alpha1',
  EnvoyPatchPolicy: 'gateway.envoyproxy.io/v1alpha1',
  EnvoyExtensionPolicy: 'gateway.envoyproxy.io/v1alpha1',
};

const groupKind = (kind: string) => `${groupOf(apiVersions[kind])}/${kind}`;

interface Case {
  name: string;
  kind: string;
  spec: unknown;
  /** [path of the node, message of the failing rule], in the order the rules are listed. */
  expected: [string, string][];
}

const cases: Case[] = [];
function add(name: string, kind: string, spec: unknown, ...expected: [string, string][]): void {
  cases.push({ name: `${kind}: ${name}`, kind, spec, expected });
}

/** `spec` with the value at `path` (dotted, numbers index lists) replaced; builds missing parents. */
function at(path: string, value: unknown, base: Record<string, unknown> = {}): Record<string, unknown> {
  const result = structuredClone(base);
  const keys = path.split('.');
  let node: any = result;
  keys.slice(0, -1).forEach((key, i) => {
    node[key] ??= /^\d+$/.test(keys[i + 1]) ? [] : {};
    node = node[key];
  });
  node[keys[keys.length - 1]] = value;
  return result;
}

/** `a.b.0.c` → `a.b[0].c`, as diagnostics print paths. */
const shown = (path: string) => path.replace(/\.(\d+)/g, '[$1]');

// ---------------------------------------------------------------------------------------------
// Rule groups the CRDs repeat in several places

const gatewayTarget = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'eg' };

/** The targetRef/targetRefs/targetSelectors rules of the Envoy Gateway policies. */
function policyTargetCases(kind: string, allowed: string | undefined, sectionRules: boolean): void {
  add('no target', kind, {}, ['spec', 'either targetRef or targetRefs must be used']);
  add('both targetRef and targetRefs', kind, { targetRef: gatewayTarget, targetRefs: [gatewayTarget] }, ['spec', 'either targetRef or targetRefs must be used']);
  add('targetRef group', kind, { targetRef: { ...gatewayTarget, group: 'example.com' } }, ['spec', 'this policy can only have a targetRef.group of gateway.networking.k8s.io']);
  add('targetRefs group', kind, { targetRefs: [{ ...gatewayTarget, group: 'example.com' }] }, [
    'spec',
    'this policy can only have a targetRefs[*].group of gateway.networking.k8s.io',
  ]);
  const kinds = allowed ?? 'Gateway';
  add('targetRef kind', kind, { targetRef: { ...gatewayTarget, kind: 'Service' } }, ['spec', `this policy can only have a targetRef.kind of ${kinds}`]);
  add('targetRefs kind', kind, { targetRefs: [{ ...gatewayTarget, kind: 'Service' }] }, ['spec', `this policy can only have a targetRefs[*].kind of ${kinds}`]);
  if (sectionRules) {
    add('targetRef sectionName', kind, { targetRef: { ...gatewayTarget, sectionName: 'http' } }, ['spec', 'this policy does not yet support the sectionName field']);
    add('targetRefs sectionName', kind, { targetRefs: [{ ...gatewayTarget, sectionName: 'http' }] }, ['spec', 'this policy does not yet support the sectionName field']);
  }
  add('targetSelectors group', kind, { targetSelectors: [{ group: 'example.com', kind: 'Gateway', matchLabels: { app: 'a' } }] }, [
    'spec.targetSelectors[0]',
    'group must be gateway.networking.k8s.io',
  ]);
}

/** Health check and load balancer rules, under `prefix` (a backendSettings, or the BackendTrafficPolicy spec). */
function clusterSettingsCases(kind: string, spec: Record<string, unknown>, prefix: string): void {
  const hc = prefix ? `${prefix}.healthCheck.active` : 'healthCheck.active';
  const lb = prefix ? `${prefix}.loadBalancer` : 'loadBalancer';
  const p = (path: string) => `spec.${shown(path)}`;
  add(`${prefix}: HTTP health check without http`, kind, at(hc, { type: 'HTTP' }, spec), [p(hc), 'If Health Checker type is HTTP, http field needs to be set.']);
  add(`${prefix}: TCP health check without tcp`, kind, at(hc, { type: 'TCP' }, spec), [p(hc), 'If Health Checker type is TCP, tcp field needs to be set.']);
  add(`${prefix}: grpc on an HTTP health check`, kind, at(hc, { type: 'HTTP', http: { path: '/' }, grpc: {} }, spec), [
    p(hc),
    'The grpc field can only be set if the Health Checker type is GRPC.',
  ]);
  for (const [where, check] of [
    ['http.expectedResponse', (payload: object) => ({ type: 'HTTP', http: { path: '/', expectedResponse: payload } })],
    ['tcp.receive', (payload: object) => ({ type: 'TCP', tcp: { receive: payload } })],
    ['tcp.send', (payload: object) => ({ type: 'TCP', tcp: { send: payload } })],
  ] as const) {
    add(`${prefix}: ${where} Text without text`, kind, at(hc, check({ type: 'Text' }), spec), [p(`${hc}.${where}`), 'If payload type is Text, text field needs to be set.']);
    add(`${prefix}: ${where} Binary without binary`, kind, at(hc, check({ type: 'Binary' }), spec), [
      p(`${hc}.${where}`),
      'If payload type is Binary, binary field needs to be set.',
    ]);
  }
  add(`${prefix}: ConsistentHash without consistentHash`, kind, at(lb, { type: 'ConsistentHash' }, spec), [
    p(lb),
    'If LoadBalancer type is consistentHash, consistentHash field needs to be set.',
  ]);
  add(`${prefix}: slowStart on Random`, kind, at(lb, { type: 'Random', slowStart: { window: '5s' } }, spec), [
    p(lb),
    'Currently SlowStart is only supported for RoundRobin and LeastRequest load balancers.',
  ]);
  add(`${prefix}: Header hash without header`, kind, at(lb, { type: 'ConsistentHash', consistentHash: { type: 'Header' } }, spec), [
    p(`${lb}.consistentHash`),
    'If consistent hash type is header, the header field must be set.',
  ]);
  add(`${prefix}: Cookie hash without cookie`, kind, at(lb, { type: 'ConsistentHash', consistentHash: { type: 'Cookie' } }, spec), [
    p(`${lb}.consistentHash`),
    'If consistent hash type is cookie, the cookie field must be set.',
  ]);
}

/**
 * The rules of an Envoy Gateway backend cluster (extProc, extAuth, OIDC provider, telemetry
 * sinks) at `prefix`, which `base` makes valid on its own.
 */
function backendClusterCases(
  kind: string,
  prefix: string,
  base: Record<string, unknown>,
  refRules: { kinds?: string; groups?: string } | undefined,
  wrap: (node: Record<string, unknown>) => Record<string, unknown>,
): void {
  const p = `spec.${shown(prefix)}`;
  const service = { name: 'svc', port: 9000 };
  add(`${prefix}: backendRef`, kind, wrap({ ...base, backendRefs: [service], backendRef: { name: 'svc' } }), [p, 'BackendRefs must be used, backendRef is not supported.'], [
    `${p}.backendRef`,
    'Must have port for Service reference',
  ]);
  add(`${prefix}: backendRefs without port`, kind, wrap({ ...base, backendRefs: [{ name: 'svc' }] }), [`${p}.backendRefs[0]`, 'Must have port for Service reference']);
  if (refRules?.kinds) {
    add(`${prefix}: backendRefs kind`, kind, wrap({ ...base, backendRefs: [{ kind: 'ConfigMap', name: 'svc', port: 9000 }] }), [p, refRules.kinds]);
  }
  if (refRules?.groups) {
    add(`${prefix}: backendRefs group`, kind, wrap({ ...base, backendRefs: [{ group: 'example.com', kind: 'Service', name: 'svc', port: 9000 }] }), [p, refRules.groups]);
  }
  // The settings cases build on a valid cluster; `wrap` places it.
  const valid = { ...base, backendRefs: base.backendRefs ?? [service] };
  const spec = wrap(valid);
  clusterSettingsCases(kind, spec, `${prefix}.backendSettings`);
}

/** The per-filter rules of HTTPRoute and GRPCRoute filters, for the filter list at `list`. */
function filterCases(kind: string, list: string, wrap: (filters: unknown[]) => unknown, types: Record<string, [string, unknown]>): void {
  const names = Object.keys(types);
  for (const [type, [field, value]] of Object.entries(types)) {
    const other = type === 'ExtensionRef' ? 'RequestHeaderModifier' : 'ExtensionRef';
    const [otherField, otherValue] = types[other];
    add(`${list}: ${field} on a ${other} filter`, kind, wrap([{ type: other, [otherField]: otherValue, [field]: value }]), [
      `${list}[0]`,
      `filter.${field} must be nil if the filter.type is not ${type}`,
    ]);
    add(`${list}: ${type} without ${field}`, kind, wrap([{ type }]), [`${list}[0]`, `filter.${field} must be specified for ${type} filter.type`]);
  }
  for (const type of ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite'].filter((t) => names.includes(t))) {
    const [field, value] = types[type];
    add(`${list}: ${type} twice`, kind, wrap([{ type, [field]: value }, { type, [field]: value }]), [list, `${type} filter cannot be repeated`]);
  }
  const mirror = (requestMirror: object) => wrap([{ type: 'RequestMirror', requestMirror }]);
  add(`${list}: mirror percent and fraction`, kind, mirror({ backendRef: { name: 'svc', port: 80 }, percent: 50, fraction: { numerator: 1 } }), [
    `${list}[0].requestMirror`,
    'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter',
  ]);
  add(`${list}: mirror without port`, kind, mirror({ backendRef: { name: 'svc' } }), [`${list}[0].requestMirror.backendRef`, 'Must have port for Service reference']);
  add(`${list}: mirror fraction above 1`, kind, mirror({ backendRef: { name: 'svc', port: 80 }, fraction: { numerator: 3, denominator: 2 } }), [
    `${list}[0].requestMirror.fraction`,
    'numerator must be less than or equal to denominator',
  ]);
}

/** The path-modifier rules of RequestRedirect and URLRewrite filters in the list at `list`. */
function pathModifierCases(kind: string, list: string, wrap: (filters: unknown[]) => unknown): void {
  for (const [type, field] of [
    ['RequestRedirect', 'requestRedirect'],
    ['URLRewrite', 'urlRewrite'],
  ]) {
    const filter = (path: object) => wrap([{ type, [field]: { path } }]);
    const where = `${list}[0].${field}.path`;
    add(`${list}: ${type} ReplaceFullPath without replaceFullPath`, kind, filter({ type: 'ReplaceFullPath' }), [
      where,
      "replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
    ]);
    add(`${list}: ${type} replaceFullPath with another type`, kind, filter({ type: 'ReplacePrefixMatch', replacePrefixMatch: '/a', replaceFullPath: '/b' }), [
      where,
      "type must be 'ReplaceFullPath' when replaceFullPath is set",
    ]);
    add(`${list}: ${type} ReplacePrefixMatch without replacePrefixMatch`, kind, filter({ type: 'ReplacePrefixMatch' }), [
      where,
      "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'",
    ]);
    add(`${list}: ${type} replacePrefixMatch with another type`, kind, filter({ type: 'ReplaceFullPath', replaceFullPath: '/b', replacePrefixMatch: '/a' }), [
      where,
      "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
    ]);
  }
}

/** parentRefs, rule names and backendRef ports: the rules every route kind has. */
function routeCases(kind: string, rule: Record<string, unknown>): void {
  add('same parent twice, one with sectionName', kind, { parentRefs: [{ name: 'eg' }, { name: 'eg', sectionName: 'http' }], rules: [rule] }, [
    'spec.parentRefs',
    'sectionName or port must be specified when parentRefs includes 2 or more references to the same parent',
  ]);
  add('same parent and sectionName twice', kind, { parentRefs: [{ name: 'eg', sectionName: 'a' }, { name: 'eg', sectionName: 'a' }], rules: [rule] }, [
    'spec.parentRefs',
    'sectionName or port must be unique when parentRefs includes 2 or more references to the same parent',
  ]);
  add('rule names repeated', kind, { parentRefs: [{ name: 'eg' }], rules: [{ ...rule, name: 'a' }, { ...rule, name: 'a' }] }, [
    'spec.rules',
    'Rule name must be unique within the route',
  ]);
  add('Service backendRef without port', kind, { parentRefs: [{ name: 'eg' }], rules: [{ ...rule, backendRefs: [{ name: 'svc' }] }] }, [
    'spec.rules[0].backendRefs[0]',
    'Must have port for Service reference',
  ]);
}

// ---------------------------------------------------------------------------------------------
// Gateway API kinds

add('TCP listener with hostname', 'Gateway', {
  gatewayClassName: 'eg',
  listeners: [{ name: 'tcp', protocol: 'TCP', port: 9000, hostname: 'a.example.com' }],
}, ['spec.listeners', "hostname must not be specified for protocols ['TCP', 'UDP']"]);
add('HTTP listener with tls', 'Gateway', {
  gatewayClassName: 'eg',
  listeners: [{ name: 'http', protocol: 'HTTP', port: 80, tls: { certificateRefs: [{ name: 'cert' }] } }],
}, ['spec.listeners', "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"]);
add('HTTPS listener with Passthrough', 'Gateway', {
  gatewayClassName: 'eg',
  listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, tls: { mode: 'Passthrough' } }],
}, ['spec.listeners', 'tls mode must be Terminate for protocol HTTPS']);
add('listener names repeated', 'Gateway', {
  gatewayClassName: 'eg',
  listeners: [
    { name: 'http', protocol: 'HTTP', port: 80 },
    { name: 'http', protocol: 'HTTP', port: 81 },
  ],
}, ['spec.listeners', 'Listener name must be unique within the Gateway']);
add('listeners on the same port, protocol and hostname', 'Gateway', {
  gatewayClassName: 'eg',
  listeners: [
    { name: 'a', protocol: 'HTTP', port: 80 },
    { name: 'b', protocol: 'HTTP', port: 80 },
  ],
}, ['spec.listeners', 'Combination of port, protocol and hostname must be unique for each listener']);
add('Terminate without certificates or options', 'Gateway', {
  gatewayClassName: 'eg',
  listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, tls: { mode: 'Terminate', certificateRefs: [], options: {} } }],
}, ['spec.listeners[0].tls', 'certificateRefs or options must be specified when mode is Terminate']);
const listeners = [{ name: 'http', protocol: 'HTTP', port: 80 }];
add('IP address repeated', 'Gateway', {
  gatewayClassName: 'eg',
  listeners,
  addresses: [{ value: '10.0.0.1' }, { type: 'IPAddress', value: '10.0.0.1' }],
}, ['spec.addresses', 'IPAddress values must be unique']);
add('hostname address repeated', 'Gateway', {
  gatewayClassName: 'eg',
  listeners,
  addresses: [{ type: 'Hostname', value: 'a.example.com' }, { type: 'Hostname', value: 'a.example.com' }],
}, ['spec.addresses', 'Hostname values must be unique']);
add('hostname address with invalid characters', 'Gateway', { gatewayClassName: 'eg', listeners, addresses: [{ type: 'Hostname', value: 'A_B.example.com' }] }, [
  'spec.addresses[0]',
  'Hostname value must only contain valid characters (matching ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)',
]);
for (const [field, noun] of [
  ['labels', 'Label'],
  ['annotations', 'Annotation'],
]) {
  add(`infrastructure ${field} key`, 'Gateway', { gatewayClassName: 'eg', listeners, infrastructure: { [field]: { '-bad': 'x' } } }, [
    `spec.infrastructure.${field}`,
    `${noun} keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.`,
  ]);
  add(`infrastructure ${field} key prefix too long`, 'Gateway', { gatewayClassName: 'eg', listeners, infrastructure: { [field]: { [`${'a'.repeat(253)}/b`]: 'x' } } }, [
    `spec.infrastructure.${field}`,
    `If specified, the ${noun.toLowerCase()} key's prefix must be a DNS subdomain not longer than 253 characters in total.`,
  ]);
}

const backend = { name: 'svc', port: 80 };
routeCases('HTTPRoute', { backendRefs: [backend] });
routeCases('GRPCRoute', { backendRefs: [backend] });
routeCases('TLSRoute', { backendRefs: [backend] });
routeCases('TCPRoute', { backendRefs: [backend] });
routeCases('UDPRoute', { backendRefs: [backend] });

const pathPrefix = (value: string) => ({ path: { type: 'PathPrefix', value } });
add('more than 128 matches in all', 'HTTPRoute', {
  rules: [0, 1, 2].map(() => ({ matches: Array.from({ length: 43 }, (_, i) => pathPrefix(`/p${i}`)), backendRefs: [backend] })),
}, ['spec.rules', 'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128']);
add('more than 128 matches in all', 'GRPCRoute', {
  rules: [0, 1, 2].map(() => ({ matches: Array.from({ length: 43 }, (_, i) => ({ method: { service: `s${i}` } })), backendRefs: [backend] })),
}, ['spec.rules', 'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128']);
const redirect = { type: 'RequestRedirect', requestRedirect: { hostname: 'a.example.com' } };
add('RequestRedirect with backendRefs', 'HTTPRoute', { rules: [{ backendRefs: [backend], filters: [redirect] }] }, [
  'spec.rules[0]',
  'RequestRedirect filter must not be used together with backendRefs',
]);
const twoPrefixes = [pathPrefix('/a'), pathPrefix('/b')];
for (const [type, field] of [
  ['RequestRedirect', 'requestRedirect'],
  ['URLRewrite', 'urlRewrite'],
]) {
  const filter = { type, [field]: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } } };
  add(`${type} replacePrefixMatch with two matches`, 'HTTPRoute', { rules: [{ matches: twoPrefixes, filters: [filter] }] }, [
    'spec.rules[0]',
    `When using ${type} filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified`,
  ]);
  add(`backendRef ${type} replacePrefixMatch with two matches`, 'HTTPRoute', { rules: [{ matches: twoPrefixes, backendRefs: [{ ...backend, filters: [filter] }] }] }, [
    'spec.rules[0]',
    `Within backendRefs, ${type === 'URLRewrite' ? 'When' : 'when'} using ${type} filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified`,
  ]);
}

const header = { set: [{ name: 'x-a', value: 'b' }] };
const mirrorFilter = { backendRef: { name: 'svc', port: 80 } };
const extension = { group: 'gateway.envoyproxy.io', kind: 'HTTPRouteFilter', name: 'f' };
const httpFilters: Record<string, [string, unknown]> = {
  RequestHeaderModifier: ['requestHeaderModifier', header],
  ResponseHeaderModifier: ['responseHeaderModifier', header],
  RequestMirror: ['requestMirror', mirrorFilter],
  RequestRedirect: ['requestRedirect', { hostname: 'a.example.com' }],
  URLRewrite: ['urlRewrite', { hostname: 'a.example.com' }],
  ExtensionRef: ['extensionRef', extension],
};
const grpcFilters: Record<string, [string, unknown]> = {
  RequestHeaderModifier: ['requestHeaderModifier', header],
  ResponseHeaderModifier: ['responseHeaderModifier', header],
  RequestMirror: ['requestMirror', mirrorFilter],
  ExtensionRef: ['extensionRef', extension],
};
const ruleFilters = (filters: unknown[]) => ({ rules: [{ filters }] });
const backendFilters = (filters: unknown[]) => ({ rules: [{ backendRefs: [{ ...backend, filters }] }] });
filterCases('HTTPRoute', 'spec.rules[0].filters', ruleFilters, httpFilters);
filterCases('HTTPRoute', 'spec.rules[0].backendRefs[0].filters', backendFilters, httpFilters);
filterCases('GRPCRoute', 'spec.rules[0].filters', ruleFilters, grpcFilters);
filterCases('GRPCRoute', 'spec.rules[0].backendRefs[0].filters', backendFilters, grpcFilters);
pathModifierCases('HTTPRoute', 'spec.rules[0].filters', ruleFilters);
pathModifierCases('HTTPRoute', 'spec.rules[0].backendRefs[0].filters', backendFilters);
const rewrite = { type: 'URLRewrite', urlRewrite: { hostname: 'a.example.com' } };
add('RequestRedirect and URLRewrite together', 'HTTPRoute', ruleFilters([redirect, rewrite]), [
  'spec.rules[0].filters',
  'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
]);
// The CRD lists this rule twice for backendRef filters; the API server reports both.
add('backendRef RequestRedirect and URLRewrite together', 'HTTPRoute', backendFilters([redirect, rewrite]), [
  'spec.rules[0].backendRefs[0].filters',
  'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
], ['spec.rules[0].backendRefs[0].filters', 'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both']);

const pathCases: [string, string, string][] = [
  ['relative path', 'a', "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"],
  ['double slash', '/a//b', "must not contain '//' when type one of ['Exact', 'PathPrefix']"],
  ['dot segment', '/a/./b', "must not contain '/./' when type one of ['Exact', 'PathPrefix']"],
  ['dot-dot segment', '/a/../b', "must not contain '/../' when type one of ['Exact', 'PathPrefix']"],
  ['encoded slash', '/a%2fb', "must not contain '%2f' when type one of ['Exact', 'PathPrefix']"],
  ['encoded slash, upper case', '/a%2Fb', "must not contain '%2F' when type one of ['Exact', 'PathPrefix']"],
  ['trailing dot-dot', '/a/..', "must not end with '/..' when type one of ['Exact', 'PathPrefix']"],
  ['trailing dot', '/a/.', "must not end with '/.' when type one of ['Exact', 'PathPrefix']"],
  ['space', '/a b', "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']"],
];
for (const [name, value, message] of pathCases) {
  add(`path match: ${name}`, 'HTTPRoute', { rules: [{ matches: [{ path: { type: 'Exact', value } }] }] }, ['spec.rules[0].matches[0].path', message]);
}
add('path match: fragment', 'HTTPRoute', { rules: [{ matches: [{ path: { value: '/a#b' } }] }] }, [
  'spec.rules[0].matches[0].path',
  "must not contain '#' when type one of ['Exact', 'PathPrefix']",
], ['spec.rules[0].matches[0].path', pathCases[8][2]]);
add('path match: unknown type', 'HTTPRoute', { rules: [{ matches: [{ path: { type: 'Glob', value: '/a' } }] }] }, [
  'spec.rules[0].matches[0].path',
  "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']",
]);
for (const kind of ['HTTPRoute', 'GRPCRoute']) {
  add('Permanent cookie without absoluteTimeout', kind, { rules: [{ sessionPersistence: { sessionName: 's', cookieConfig: { lifetimeType: 'Permanent' } } }] }, [
    'spec.rules[0].sessionPersistence',
    'AbsoluteTimeout must be specified when cookie lifetimeType is Permanent',
  ]);
}
add('backendRequest timeout above request timeout', 'HTTPRoute', { rules: [{ timeouts: { request: '1s', backendRequest: '1m' } }] }, [
  'spec.rules[0].timeouts',
  'backendRequest timeout cannot be longer than request timeout',
]);
add('method match without service or method', 'GRPCRoute', { rules: [{ matches: [{ method: { type: 'Exact' } }] }] }, [
  'spec.rules[0].matches[0].method',
  "One or both of 'service' or 'method' must be specified",
]);
add('method match with invalid service', 'GRPCRoute', { rules: [{ matches: [{ method: { service: 'a-b' } }] }] }, [
  'spec.rules[0].matches[0].method',
  'service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)',
]);
add('method match with invalid method', 'GRPCRoute', { rules: [{ matches: [{ method: { service: 'a.B', method: 'a.b' } }] }] }, [
  'spec.rules[0].matches[0].method',
  'method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)',
]);

const btlsTarget = { targetRefs: [{ group: '', kind: 'Service', name: 'svc' }] };
add('both CA certificates and well-known CAs', 'BackendTLSPolicy', {
  ...btlsTarget,
  validation: { hostname: 'a.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }], wellKnownCACertificates: 'System' },
}, ['spec.validation', 'must not contain both CACertificateRefs and WellKnownCACertificates']);
add('neither CA certificates nor well-known CAs', 'BackendTLSPolicy', { ...btlsTarget, validation: { hostname: 'a.example.com' } }, [
  'spec.validation',
  'must specify either CACertificateRefs or WellKnownCACertificates',
]);
const sanCase = (name: string, san: object, message: string) =>
  add(name, 'BackendTLSPolicy', { ...btlsTarget, validation: { hostname: 'a.example.com', wellKnownCACertificates: 'System', subjectAltNames: [san] } }, [
    'spec.validation.subjectAltNames[0]',
    message,
  ]);
sanCase('Hostname SAN without hostname', { type: 'Hostname' }, 'SubjectAltName element must contain Hostname, if Type is set to Hostname');
sanCase('URI SAN with hostname', { type: 'URI', uri: 'spiffe://a', hostname: 'a.example.com' }, 'SubjectAltName element must not contain Hostname, if Type is not set to Hostname');
sanCase('URI SAN without uri', { type: 'URI' }, 'SubjectAltName element must contain URI, if Type is set to URI');
sanCase('Hostname SAN with uri', { type: 'Hostname', hostname: 'a.example.com', uri: 'spiffe://a' }, 'SubjectAltName element must not contain URI, if Type is not set to URI');

// ---------------------------------------------------------------------------------------------
// Envoy Gateway kinds

add('fqdn mixed with ip', 'Backend', { endpoints: [{ fqdn: { hostname: 'a.example.com', port: 80 } }, { ip: { address: '10.0.0.1', port: 80 } }] }, [
  'spec.endpoints',
  'fqdn addresses cannot be mixed with other address types',
]);
add('endpoint without address', 'Backend', { endpoints: [{}] }, ['spec.endpoints[0]', 'one of fqdn, ip or unix must be specified'], [
  'spec.endpoints[0]',
  'only one of fqdn, ip or unix can be specified',
]);
add('endpoint with ip and unix', 'Backend', { endpoints: [{ ip: { address: '10.0.0.1', port: 80 }, unix: { path: '/run/a.sock' } }] }, [
  'spec.endpoints[0]',
  'only one of fqdn, ip or unix can be specified',
]);

const anyRoute = 'Gateway/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute';
policyTargetCases('BackendTrafficPolicy', anyRoute, true);
policyTargetCases('ClientTrafficPolicy', undefined, false);
policyTargetCases('EnvoyExtensionPolicy', anyRoute, true);
policyTargetCases('SecurityPolicy', 'Gateway/HTTPRoute/GRPCRoute', true);

const targeted = { targetRefs: [gatewayTarget] };
clusterSettingsCases('BackendTrafficPolicy', targeted, '');
add('fault injection without delay or abort', 'BackendTrafficPolicy', { ...targeted, faultInjection: {} }, [
  'spec.faultInjection',
  'Delay and abort faults are set at least one.',
]);
add('abort with httpStatus and grpcStatus', 'BackendTrafficPolicy', { ...targeted, faultInjection: { abort: { httpStatus: 503, grpcStatus: 14 } } }, [
  'spec.faultInjection.abort',
  'httpStatus and grpcStatus cannot be simultaneously defined.',
]);
add('abort without a status', 'BackendTrafficPolicy', { ...targeted, faultInjection: { abort: { percentage: 50 } } }, [
  'spec.faultInjection.abort',
  'httpStatus and grpcStatus are set at least one.',
]);
const override = (match: object, response: object) => ({ ...targeted, responseOverride: [{ match, response }] });
const okResponse = { contentType: 'text/plain', body: { inline: 'oops' } };
const okMatch = { statusCodes: [{ value: 500 }] };
add('status code Value without value', 'BackendTrafficPolicy', override({ statusCodes: [{ type: 'Value' }] }, okResponse), [
  'spec.responseOverride[0].match.statusCodes[0]',
  'value must be set for type Value',
]);
add('status code Range without range', 'BackendTrafficPolicy', override({ statusCodes: [{ type: 'Range' }] }, okResponse), [
  'spec.responseOverride[0].match.statusCodes[0]',
  'range must be set for type Range',
]);
add('status code range backwards', 'BackendTrafficPolicy', override({ statusCodes: [{ type: 'Range', range: { start: 504, end: 500 } }] }, okResponse), [
  'spec.responseOverride[0].match.statusCodes[0].range',
  'end must be greater than start',
]);
for (const [where, wrap] of [
  ['spec.responseOverride[0].response.body', (body: object) => override(okMatch, { body })],
  ['spec.directResponse.body', (body: object) => ({ directResponse: { body } })],
] as const) {
  const kind = where.startsWith('spec.direct') ? 'HTTPRouteFilter' : 'BackendTrafficPolicy';
  add('Inline body without inline', kind, wrap({}), [where, 'inline must be set for type Inline']);
  add('ValueRef body without valueRef', kind, wrap({ type: 'ValueRef' }), [where, 'valueRef must be set for type ValueRef']);
  add('ValueRef body to a Secret', kind, wrap({ type: 'ValueRef', valueRef: { group: '', kind: 'Secret', name: 'body' } }), [
    where,
    'only ConfigMap is supported for ValueRef',
  ]);
}
add('hostname rewrite header with Backend type', 'HTTPRouteFilter', { urlRewrite: { hostname: { type: 'Backend', header: 'x-host' } } }, [
  'spec.urlRewrite.hostname',
  'header must be nil if the type is not Header',
]);
add('hostname rewrite Header without header', 'HTTPRouteFilter', { urlRewrite: { hostname: { type: 'Header' } } }, [
  'spec.urlRewrite.hostname',
  'header must be specified for Header type',
]);
add('ReplaceRegexMatch without replaceRegexMatch', 'HTTPRouteFilter', { urlRewrite: { path: { type: 'ReplaceRegexMatch' } } }, [
  'spec.urlRewrite.path',
  'If HTTPPathModifier type is ReplaceRegexMatch, replaceRegexMatch field needs to be set.',
]);

add('xForwardedFor and customHeader', 'ClientTrafficPolicy', { ...targeted, clientIPDetection: { xForwardedFor: { numTrustedHops: 1 }, customHeader: { name: 'x-ip' } } }, [
  'spec.clientIPDetection',
  'customHeader cannot be used in conjunction with xForwardedFor',
]);
add('certDetailsToAdd with ForwardOnly', 'ClientTrafficPolicy', { ...targeted, headers: { xForwardedClientCert: { mode: 'ForwardOnly', certDetailsToAdd: ['Cert'] } } }, [
  'spec.headers.xForwardedClientCert',
  'certDetailsToAdd can only be set when mode is AppendForward or SanitizeSet',
]);
for (const kind of ['ClientTrafficPolicy', 'EnvoyProxy']) {
  const tls = kind === 'EnvoyProxy' ? 'backendTLS' : 'tls';
  const spec = (value: object) => (kind === 'EnvoyProxy' ? { [tls]: value } : { ...targeted, [tls]: value });
  add('ciphers with TLS 1.3 minimum', kind, spec({ minVersion: '1.3', ciphers: ['ECDHE-RSA-AES128-GCM-SHA256'] }), [
    `spec.${tls}`,
    'setting ciphers has no effect if the minimum possible TLS version is 1.3',
  ]);
  add('minVersion above maxVersion', kind, spec({ minVersion: '1.3', maxVersion: '1.2' }), [`spec.${tls}`, 'minVersion must be smaller or equal to maxVersion']);
}

const service = { name: 'svc', port: 9000 };
const kindsAndBackends = 'BackendRefs only supports Service and Backend kind.';
const coreOrEnvoy = 'BackendRefs only supports Core and gateway.envoyproxy.io group.';
backendClusterCases('EnvoyExtensionPolicy', 'extProc.0', {}, { kinds: kindsAndBackends, groups: coreOrEnvoy }, (extProc) => ({ ...targeted, extProc: [extProc] }));
add('wasm HTTP code without http', 'EnvoyExtensionPolicy', { ...targeted, wasm: [{ code: { type: 'HTTP' } }] }, ['spec.wasm[0].code', 'If type is HTTP, http field needs to be set.']);
add('wasm Image code without image', 'EnvoyExtensionPolicy', { ...targeted, wasm: [{ code: { type: 'Image' } }] }, [
  'spec.wasm[0].code',
  'If type is Image, image field needs to be set.',
]);
add('wasm image pull secret of another kind', 'EnvoyExtensionPolicy', {
  ...targeted,
  wasm: [{ code: { type: 'Image', image: { url: 'oci://a/b', pullSecretRef: { kind: 'ConfigMap', name: 'pull' } } } }],
}, ['spec.wasm[0].code.image.pullSecretRef', 'only support Secret kind.']);

for (const protocol of ['grpc', 'http']) {
  backendClusterCases('SecurityPolicy', `extAuth.${protocol}`, {}, { kinds: kindsAndBackends, groups: coreOrEnvoy }, (node) => ({
    ...targeted,
    extAuth: { [protocol]: node },
  }));
  add(`extAuth ${protocol} without backends`, 'SecurityPolicy', { ...targeted, extAuth: { [protocol]: { backendRefs: [] } } }, [
    `spec.extAuth.${protocol}`,
    'backendRef or backendRefs needs to be set',
  ]);
}
add('extAuth without grpc or http', 'SecurityPolicy', { ...targeted, extAuth: {} }, ['spec.extAuth', 'one of grpc or http must be specified'], [
  'spec.extAuth',
  'only one of grpc or http can be specified',
]);
add('extAuth with grpc and http', 'SecurityPolicy', { ...targeted, extAuth: { grpc: { backendRefs: [service] }, http: { backendRefs: [service] } } }, [
  'spec.extAuth',
  'only one of grpc or http can be specified',
]);
const oidc = (provider: object) => ({ ...targeted, oidc: { provider, clientID: 'c', clientSecret: { name: 's' } } });
const issuer = { issuer: 'https://idp.example.com' };
backendClusterCases('SecurityPolicy', 'oidc.provider', issuer, undefined, (provider) => oidc(provider));
add('OIDC provider retry with timeout', 'SecurityPolicy', oidc({ ...issuer, backendSettings: { retry: { perRetry: { timeout: '1s' } } } }), [
  'spec.oidc.provider',
  'Retry timeout is not supported.',
]);
add('OIDC provider retry on status codes', 'SecurityPolicy', oidc({ ...issuer, backendSettings: { retry: { retryOn: { httpStatusCodes: [503] } } } }), [
  'spec.oidc.provider',
  'HTTPStatusCodes is not supported.',
]);
const jwt = { providers: [{ name: 'p', remoteJWKS: { uri: 'https://idp.example.com/jwks' } }] };
add('JWT principal without jwt', 'SecurityPolicy', { ...targeted, authorization: { rules: [{ action: 'Allow', principal: { jwt: { provider: 'p', scopes: ['a'] } } }] } }, [
  'spec',
  'if authorization.rules.principal.jwt is used, jwt must be defined',
]);
add('principal without clientCIDRs or jwt', 'SecurityPolicy', { ...targeted, authorization: { rules: [{ action: 'Allow', principal: {} }] } }, [
  'spec.authorization.rules[0].principal',
  'at least one of clientCIDRs or jwt must be specified',
]);
add('JWT principal without claims or scopes', 'SecurityPolicy', { ...targeted, jwt, authorization: { rules: [{ action: 'Allow', principal: { jwt: { provider: 'p' } } }] } }, [
  'spec.authorization.rules[0].principal.jwt',
  'at least one of claims or scopes must be specified',
]);
add('recomputeRoute without claimToHeaders', 'SecurityPolicy', { ...targeted, jwt: { providers: [{ ...jwt.providers[0], recomputeRoute: true, claimToHeaders: [] }] } }, [
  'spec.jwt.providers[0]',
  'claimToHeaders must be specified if recomputeRoute is enabled',
]);

// EnvoyProxy
add('JSONPatch bootstrap without patches', 'EnvoyProxy', { bootstrap: { type: 'JSONPatch', jsonPatches: [] } }, [
  'spec.bootstrap',
  "provided bootstrap patch doesn't match the configured patch type",
]);
add('filterOrder without before or after', 'EnvoyProxy', { filterOrder: [{ name: 'envoy.filters.http.jwt_authn' }] }, ['spec.filterOrder[0]', 'one of before or after must be specified'], [
  'spec.filterOrder[0]',
  'only one of before or after can be specified',
]);
add('filterOrder with before and after', 'EnvoyProxy', { filterOrder: [{ name: 'envoy.filters.http.jwt_authn', before: 'a', after: 'b' }] }, [
  'spec.filterOrder[0]',
  'only one of before or after can be specified',
]);
const kubernetes = (value: object) => ({ provider: { type: 'Kubernetes', kubernetes: value } });
add('Deployment and DaemonSet', 'EnvoyProxy', kubernetes({ envoyDeployment: {}, envoyDaemonSet: {} }), [
  'spec.provider.kubernetes',
  'only one of envoyDeployment or envoyDaemonSet can be specified',
]);
add('HPA with DaemonSet', 'EnvoyProxy', kubernetes({ envoyDaemonSet: {}, envoyHpa: { maxReplicas: 2 } }), [
  'spec.provider.kubernetes',
  'cannot use envoyHpa if envoyDaemonSet is used',
]);
add('HPA max below min', 'EnvoyProxy', kubernetes({ envoyHpa: { minReplicas: 3, maxReplicas: 2 } }), [
  'spec.provider.kubernetes.envoyHpa',
  'maxReplicas cannot be less than minReplicas',
]);
add('HPA zero replicas', 'EnvoyProxy', kubernetes({ envoyHpa: { minReplicas: 0, maxReplicas: 0 } }), [
  'spec.provider.kubernetes.envoyHpa.maxReplicas',
  'maxReplicas must be greater than 0',
], ['spec.provider.kubernetes.envoyHpa.minReplicas', 'minReplicas must be greater than 0']);
for (const [field, value] of [
  ['allocateLoadBalancerNodePorts', false],
  ['loadBalancerSourceRanges', ['10.0.0.0/8']],
  ['loadBalancerIP', '10.0.0.1'],
] as const) {
  add(`${field} on a ClusterIP service`, 'EnvoyProxy', kubernetes({ envoyService: { type: 'ClusterIP', [field]: value } }), [
    'spec.provider.kubernetes.envoyService',
    `${field} can only be set for LoadBalancer type`,
  ]);
}
add('loadBalancerIP not IPv4', 'EnvoyProxy', kubernetes({ envoyService: { type: 'LoadBalancer', loadBalancerIP: '::1' } }), [
  'spec.provider.kubernetes.envoyService.loadBalancerIP',
  'loadBalancerIP must be a valid IPv4 address',
]);
const accessLog = (sink: object, format: object = { type: 'Text', text: '%REQ(:PATH)%' }) => ({ telemetry: { accessLog: { settings: [{ format, sinks: [sink] }] } } });
const fileSink = { type: 'File', file: { path: '/dev/stdout' } };
add('Text access log format without text', 'EnvoyProxy', accessLog(fileSink, { type: 'Text' }), [
  'spec.telemetry.accessLog.settings[0].format',
  'If AccessLogFormat type is Text, text field needs to be set.',
]);
add('JSON access log format without json', 'EnvoyProxy', accessLog(fileSink, { type: 'JSON' }), [
  'spec.telemetry.accessLog.settings[0].format',
  'If AccessLogFormat type is JSON, json field needs to be set.',
]);
for (const [type, field] of [
  ['ALS', 'als'],
  ['File', 'file'],
  ['OpenTelemetry', 'openTelemetry'],
]) {
  add(`${type} sink without ${field}`, 'EnvoyProxy', accessLog({ type }), [
    'spec.telemetry.accessLog.settings[0].sinks[0]',
    `If AccessLogSink type is ${type}, ${field} field needs to be set.`,
  ]);
}
add('metrics OpenTelemetry sink without openTelemetry', 'EnvoyProxy', { telemetry: { metrics: { sinks: [{ type: 'OpenTelemetry' }] } } }, [
  'spec.telemetry.metrics.sinks[0]',
  'If MetricSink type is OpenTelemetry, openTelemetry field needs to be set.',
]);
const coreService = { kinds: 'BackendRefs only supports Service kind.', groups: 'BackendRefs only supports Core group.' };
const serviceOnly = { kinds: 'only supports Service kind.', groups: 'BackendRefs only supports Core group.' };
const als = (node: object) => accessLog({ type: 'ALS', als: node });
backendClusterCases('EnvoyProxy', 'telemetry.accessLog.settings.0.sinks.0.als', { type: 'HTTP' }, coreService, als);
add('ALS http on a GRPC sink', 'EnvoyProxy', als({ type: 'GRPC', http: {}, backendRefs: [service] }), [
  'spec.telemetry.accessLog.settings[0].sinks[0].als',
  'The http field may only be set when type is HTTP.',
]);
add('ALS without backends', 'EnvoyProxy', als({ type: 'GRPC' }), ['spec.telemetry.accessLog.settings[0].sinks[0].als', 'must have at least one backend in backendRefs']);
const accessLogOtel = (node: object) => accessLog({ type: 'OpenTelemetry', openTelemetry: node });
const metricsOtel = (node: object) => ({ telemetry: { metrics: { sinks: [{ type: 'OpenTelemetry', openTelemetry: node }] } } });
const tracing = (node: object) => ({ telemetry: { tracing: { provider: { type: 'OpenTelemetry', ...node } } } });
for (const [prefix, wrap, refs] of [
  ['telemetry.accessLog.settings.0.sinks.0.openTelemetry', accessLogOtel, coreService],
  ['telemetry.metrics.sinks.0.openTelemetry', metricsOtel, serviceOnly],
  ['telemetry.tracing.provider', tracing, serviceOnly],
] as const) {
  backendClusterCases('EnvoyProxy', prefix, {}, refs, wrap);
  add(`${prefix}: neither host nor backends`, 'EnvoyProxy', wrap({ backendRefs: [] }), [`spec.${shown(prefix)}`, 'host or backendRefs needs to be set']);
}

// ---------------------------------------------------------------------------------------------

function load(kind: string, spec: unknown) {
  const object = { apiVersion: apiVersions[kind], kind, metadata: { name: 'test', namespace: 'default' }, spec };
  const text = stringify(object, { lineWidth: 0 });
  const loaded = parseTexts([{ file: 'input.yaml', text }]);
  assert.deepEqual(loaded.diagnostics, [], 'the test input itself must load cleanly');
  return { object: loaded.objects[0], text };
}

/** The 1-based line:col of the node at `path` in `text`, found with the yaml library's own lookup. */
function positionOf(text: string, path: string): { line: number; column: number } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const keys = path.split(/\.|\[(\d+)\]/).filter((key) => key !== undefined && key !== '').map((key) => (/^\d+$/.test(key) ? Number(key) : key));
  const node = document.getIn(keys, true);
  assert.ok(isNode(node) && node.range, `no node at ${path}`);
  const { line, col } = lineCounter.linePos(node.range[0]);
  return { line, column: col };
}

describe('CEL rules', () => {
  for (const { name, kind, spec, expected } of cases) {
    it(name, () => {
      const { object, text } = load(kind, spec);
      const found = checkCelRules(object, groupKind(kind)).map((d) => ({ code: d.code, message: d.message, line: d.line, column: d.column }));
      const wanted = expected.map(([path, message]) => ({ code: codes.celRule, message: `\`${path}\`: ${message}`, ...positionOf(text, path) }));
      assert.deepEqual(found, wanted);
    });
  }

  it('every rule egc evaluates is triggered by a case above', () => {
    const triggered = new Set<CelRuleSpec>();
    for (const { kind, spec } of cases) for (const failure of failingCelRules(load(kind, spec).object, groupKind(kind))) triggered.add(failure.rule);
    const missing: string[] = [];
    for (const kind of Object.keys(apiVersions)) {
      for (const rule of celRulesOf(groupKind(kind))) if (!rule.skip && !triggered.has(rule)) missing.push(`${kind} ${rule.path}: ${rule.message}`);
    }
    assert.deepEqual(missing, []);
  });

  it('accepts valid objects of every kind', () => {
    const valid: [string, unknown][] = [
      ['Gateway', {
        gatewayClassName: 'eg',
        listeners: [
          { name: 'http', protocol: 'HTTP', port: 80, hostname: 'a.example.com' },
          { name: 'http-b', protocol: 'HTTP', port: 80, hostname: 'b.example.com' },
          { name: 'https', protocol: 'HTTPS', port: 443, tls: { certificateRefs: [{ name: 'cert' }] } },
          { name: 'tcp', protocol: 'TCP', port: 9000 },
        ],
        addresses: [{ value: '10.0.0.1' }, { type: 'Hostname', value: '*.example.com' }],
        infrastructure: { labels: { 'example.com/team': 'a' }, annotations: { note: 'x' } },
      }],
      ['HTTPRoute', {
        parentRefs: [{ name: 'eg', sectionName: 'http' }, { name: 'eg', sectionName: 'https' }],
        rules: [
          {
            name: 'one',
            matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
            filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
            backendRefs: [{ name: 'svc', port: 80 }, { group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'b' }],
            timeouts: { request: '10s', backendRequest: '5s' },
          },
          { name: 'two', filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }] },
        ],
      }],
      ['GRPCRoute', { parentRefs: [{ name: 'eg' }], rules: [{ matches: [{ method: { service: 'pkg.Svc', method: 'Get' } }], backendRefs: [{ name: 'svc', port: 9000 }] }] }],
      ['Backend', { endpoints: [{ ip: { address: '10.0.0.1', port: 80 } }, { unix: { path: '/run/a.sock' } }] }],
      ['BackendTrafficPolicy', {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'r' }],
        loadBalancer: { type: 'ConsistentHash', consistentHash: { type: 'Header', header: { name: 'x-user' } } },
        healthCheck: { active: { type: 'HTTP', http: { path: '/healthz' } } },
        responseOverride: [{ match: { statusCodes: [{ value: 500 }, { type: 'Range', range: { start: 501, end: 599 } }] }, response: { body: { inline: 'x' } } }],
      }],
      ['ClientTrafficPolicy', { targetRef: gatewayTarget, tls: { minVersion: '1.2', maxVersion: '1.3' }, headers: { xForwardedClientCert: { mode: 'SanitizeSet', certDetailsToAdd: ['Cert'] } } }],
      ['SecurityPolicy', { targetRefs: [gatewayTarget], jwt, authorization: { rules: [{ action: 'Allow', principal: { jwt: { provider: 'p', scopes: ['a'] } } }] }, extAuth: { http: { backendRefs: [service] } } }],
      ['EnvoyExtensionPolicy', { targetRefs: [gatewayTarget], extProc: [{ backendRefs: [service, { group: 'gateway.envoyproxy.io', kind: 'Backend', name: 'b' }] }] }],
      ['EnvoyProxy', { backendTLS: { maxVersion: '1.3' }, telemetry: { accessLog: { settings: [{ format: { type: 'JSON', json: { path: '%REQ(:PATH)%' } }, sinks: [fileSink] }] } } }],
    ];
    for (const [kind, spec] of valid) assert.deepEqual(checkCelRules(load(kind, spec).object, groupKind(kind)), [], kind);
  });

  it('rejects the object in the schema stage, after the schema checks pass', () => {
    const { object } = load('HTTPRoute', { parentRefs: [{ name: 'eg' }], rules: [{ backendRefs: [{ name: 'svc', port: 80 }], filters: [redirect] }] });
    const result = validateObjects([object]);
    assert.deepEqual(result.valid, []);
    assert.deepEqual(result.diagnostics.map((d) => d.code), [codes.celRule]);
  });
});

const crdDir = join(root, '../shared/reference/crds');

describe('CEL rules against the v1.2.0 CRDs', { skip: !existsSync(crdDir) && 'no ../shared CRDs' }, () => {
  it('schemas/*.json carry exactly the rules of each CRD (storage version)', () => {
    const fromCrds: Record<string, string[]> = {};
    for (const file of readdirSync(crdDir)) {
      for (const document of parseAllDocuments(readFileSync(join(crdDir, file), 'utf8'))) {
        const crd = document.toJS();
        const kind: string | undefined = crd?.spec?.names?.kind;
        if (crd?.kind !== 'CustomResourceDefinition' || !kind || !apiVersions[kind]) continue;
        const version = crd.spec.versions.find((v: { storage: boolean }) => v.storage);
        const rules: string[] = [];
        const walk = (schema: any, path: string) => {
          if (!schema || typeof schema !== 'object') return;
          for (const rule of schema['x-kubernetes-validations'] ?? []) rules.push(`${path} ${rule.rule.trim()} ${rule.message}`);
          for (const [name, child] of Object.entries(schema.properties ?? {})) walk(child, path ? `${path}.${name}` : name);
          if (schema.items) walk(schema.items, `${path}[*]`);
          if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${path}[*]`);
        };
        walk(version.schema.openAPIV3Schema, '');
        fromCrds[kind] = rules.sort();
      }
    }
    const ours = Object.fromEntries(
      Object.keys(fromCrds).map((kind) => [kind, celRulesOf(groupKind(kind)).map((r) => `${r.path} ${r.rule} ${r.message}`).sort()]),
    );
    assert.deepEqual(ours, fromCrds);
  });
});
