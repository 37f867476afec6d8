/**
 * Synthetic but realistic egc inputs for benchmarks: a repository of YAML files with Gateways
 * (HTTP, HTTPS and an internal listener), team namespaces of Services with EndpointSlices,
 * HTTPRoutes with a mix of matches, filters and weighted backends, Envoy Gateway Backends,
 * ReferenceGrants and, when egc supports their kinds, a few policies.
 *
 * The output depends only on the options: the same seed and size give the same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface GenerateOptions {
  /** Number of HTTPRoutes. */
  routes: number;
  /** Number of Gateways; by default one per 2 000 routes, at least 2. */
  gateways?: number;
  seed?: number;
  /**
   * Policy kinds to emit (ClientTrafficPolicy, BackendTrafficPolicy, SecurityPolicy). Pass only
   * kinds the pipeline supports, or they turn into "unsupported kind" warnings.
   */
  policyKinds?: ReadonlySet<string>;
}

export interface GeneratedFile {
  /** Path relative to the repository root, with `/` separators. */
  path: string;
  text: string;
}

export interface GeneratedInputs {
  files: GeneratedFile[];
  /** How many objects of each kind were generated. */
  counts: Record<string, number>;
}

type Json = Record<string, any>;

const gatewayNamespace = 'infra';
const sharedNamespace = 'shared';
const gatewayClassName = 'eg';
const routesPerTeam = 200;
const routesPerApp = 2;

/**
 * A self-signed P-256 certificate for `*.example.com` and `example.com`, valid until 2126, made
 * for these benchmarks with `openssl req -x509 -newkey ec`. The key protects nothing.
 */
const certificatePem = `-----BEGIN CERTIFICATE-----
MIIBqTCCAVCgAwIBAgIUYhssutL0UuaaKup6cmGTp5LcPIYwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLZXhhbXBsZS5jb20wIBcNMjYxMTI2MDU1NTQ2WhgPMjEyNjEx
MDIwNTU1NDZaMBYxFDASBgNVBAMMC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEf+jQxv3eDrm8QLcekjNJi8cOB0FSTRA6ZSySfUiYEwbfZWRM
hfutjO3kne9Ih9c9STi6NwFHvOdsdC/Qvsjs9KN6MHgwHQYDVR0OBBYEFKgayYfh
xkXz1RegbTvuY6SBltVNMB8GA1UdIwQYMBaAFKgayYfhxkXz1RegbTvuY6SBltVN
MA8GA1UdEwEB/wQFMAMBAf8wJQYDVR0RBB4wHIINKi5leGFtcGxlLmNvbYILZXhh
bXBsZS5jb20wCgYIKoZIzj0EAwIDRwAwRAIgcEY4/0ztndJV1pSF+s6v0wdHnAeI
8camjUJU65XPNlgCIF/klotA1ZU2qW326Y7rRRQGY9apuYL+tw/kCFo2J77d
-----END CERTIFICATE-----
`;
const privateKeyPem = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgb7p909a24FnP9L3O
hL1PIGc28zxi424PsjfMPU24VdahRANCAAR/6NDG/d4OubxAtx6SM0mLxw4HQVJN
EDplLJJ9SJgTBt9lZEyF+62M7eSd70iH1z1JOLo3AUe852x0L9C+yOz0
-----END PRIVATE KEY-----
`;

/** mulberry32: small, fast and good enough to pick shapes; Math.random cannot be seeded. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Picker {
  constructor(private readonly random: () => number) {}
  /** True with probability p. */
  chance(p: number): boolean {
    return this.random() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  one<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }
}

export function defaultGatewayCount(routes: number): number {
  return Math.max(2, Math.ceil(routes / 2000));
}

function gatewayName(index: number): string {
  return `gw-${index}`;
}

function teamName(index: number): string {
  return `team-${index}`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

// Strings YAML reads back as strings without quotes; anything else is written as a JSON string,
// which is valid double-quoted YAML.
const plainString = /^[A-Za-z0-9/][A-Za-z0-9_./-]*$/;
const notPlain = /^(true|false|yes|no|on|off|null|y|n|~|[-+]?[0-9][0-9_.eExXoO+-]*)$/i;

function scalarYaml(value: unknown): string {
  if (typeof value === 'string') return plainString.test(value) && !notPlain.test(value) ? value : JSON.stringify(value);
  return String(value);
}

function isCollection(value: unknown): value is Json | unknown[] {
  return typeof value === 'object' && value !== null && (!Array.isArray(value) || value.length > 0) && (Array.isArray(value) || Object.keys(value).length > 0);
}

/**
 * Block-style YAML of plain data (objects, arrays, strings, numbers, booleans), as people write
 * it: the yaml package's stringify is far slower, and generating 50 000 routes must stay quick.
 */
function blockYaml(value: unknown, indent: string, lines: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (!isCollection(item) || Array.isArray(item)) {
        lines.push(`${indent}- ${isCollection(item) ? '' : emptyOrScalar(item)}`);
        if (isCollection(item)) blockYaml(item, `${indent}  `, lines);
        continue;
      }
      // The first key of a mapping item shares the line with its dash.
      const nested: string[] = [];
      blockYaml(item, `${indent}  `, nested);
      nested[0] = `${indent}- ${nested[0].slice(indent.length + 2)}`;
      lines.push(...nested);
    }
    return;
  }
  for (const [key, item] of Object.entries(value as Json)) {
    if (isCollection(item)) {
      lines.push(`${indent}${scalarYaml(key)}:`);
      blockYaml(item, Array.isArray(item) ? indent : `${indent}  `, lines);
    } else lines.push(`${indent}${scalarYaml(key)}: ${emptyOrScalar(item)}`);
  }
}

function emptyOrScalar(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object' && value !== null) return '{}';
  return scalarYaml(value);
}

function toYaml(objects: Json[]): string {
  return objects
    .map((object) => {
      const lines: string[] = [];
      blockYaml(object, '', lines);
      return `${lines.join('\n')}\n`;
    })
    .join('---\n');
}

function gatewayObjects(index: number): Json[] {
  const name = gatewayName(index);
  const secretName = `${name}-tls`;
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name, namespace: gatewayNamespace },
      spec: {
        gatewayClassName,
        listeners: [
          { name: 'http', protocol: 'HTTP', port: 80 + index * 1000, allowedRoutes: { namespaces: { from: 'All' } } },
          {
            name: 'https',
            protocol: 'HTTPS',
            port: 443 + index * 1000,
            hostname: '*.example.com',
            tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: secretName }] },
            allowedRoutes: { namespaces: { from: 'All' } },
          },
          {
            name: 'internal',
            protocol: 'HTTP',
            port: 8080 + index * 1000,
            allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { tier: 'internal' } } }, kinds: [{ kind: 'HTTPRoute' }] },
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName, namespace: gatewayNamespace },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(certificatePem).toString('base64'), 'tls.key': Buffer.from(privateKeyPem).toString('base64') },
    },
  ];
}

function serviceObjects(namespace: string, name: string, addressBase: number, endpointCount: number): Json[] {
  const addresses = Array.from({ length: endpointCount }, (_, i) => `10.${(addressBase >> 8) & 255}.${addressBase & 255}.${10 + i}`);
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels: { app: name } },
      spec: { selector: { app: name }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-abc12`, namespace, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
      // With three or more endpoints, one is not ready (draining), as in a rolling update.
      endpoints: addresses.map((address, i) => ({ addresses: [address], conditions: { ready: !(endpointCount >= 3 && i === endpointCount - 1) } })),
    },
  ];
}

function backendObject(namespace: string, name: string, pick: Picker, index: number): Json {
  const endpoints = pick.chance(0.5)
    ? [{ fqdn: { hostname: `api-${index}.partner.example.net`, port: 443 } }]
    : [{ ip: { address: `192.168.${index % 250}.${1 + (index % 200)}`, port: 8443 } }, { ip: { address: `192.168.${index % 250}.${201 + (index % 50)}`, port: 8443 } }];
  return { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: { name, namespace }, spec: { endpoints } };
}

interface TeamContext {
  namespace: string;
  apps: string[];
  backends: string[];
  gateways: number;
}

/** The matches of one rule: a path match, sometimes narrowed by headers, query or method. */
function matchesOf(pick: Picker, route: number, rule: number): { matches: Json[]; prefix?: string } {
  const kind = pick.one(['prefix', 'prefix', 'prefix', 'exact', 'regex']);
  let path: Json;
  let prefix: string | undefined;
  if (kind === 'prefix') {
    prefix = `/api/v${1 + (rule % 3)}/r${route}/s${rule}`;
    path = { type: 'PathPrefix', value: prefix };
  } else if (kind === 'exact') path = { type: 'Exact', value: `/r${route}/status-${rule}` };
  else path = { type: 'RegularExpression', value: `/r${route}/items/[0-9]+/rule${rule}` };
  const match: Json = { path };
  if (pick.chance(0.3)) {
    match.headers = [
      pick.chance(0.7)
        ? { type: 'Exact', name: 'x-tenant', value: `tenant-${pick.int(0, 50)}` }
        : { type: 'RegularExpression', name: 'x-canary', value: 'true|yes|1' },
    ];
  }
  if (pick.chance(0.15)) match.queryParams = [{ type: 'Exact', name: 'version', value: `v${pick.int(1, 4)}` }];
  if (pick.chance(0.2)) match.method = pick.one(['GET', 'POST', 'PUT', 'DELETE']);
  const matches = [match];
  // Some rules answer on a second path too, e.g. a legacy prefix.
  if (pick.chance(0.1)) matches.push({ path: { type: 'PathPrefix', value: `/legacy/r${route}/s${rule}` } });
  return { matches, prefix: matches.length === 1 ? prefix : undefined };
}

function headerModifier(pick: Picker, route: number): Json {
  const modifier: Json = { set: [{ name: 'x-route', value: `r${route}` }] };
  if (pick.chance(0.5)) modifier.add = [{ name: 'x-request-source', value: 'gateway' }];
  if (pick.chance(0.3)) modifier.remove = ['x-debug'];
  return modifier;
}

function ruleOf(pick: Picker, team: TeamContext, route: number, rule: number): Json {
  const { matches, prefix } = matchesOf(pick, route, rule);
  const shape = pick.int(0, 99);
  // A redirect rule forwards nowhere: no backendRefs.
  if (shape < 5) {
    const redirect = pick.chance(0.5) ? { scheme: 'https', statusCode: 301 } : { hostname: `new-r${route}.example.com`, statusCode: 302 };
    return { matches, filters: [{ type: 'RequestRedirect', requestRedirect: redirect }] };
  }
  // An external API through an Envoy Gateway Backend.
  if (shape < 12 && team.backends.length > 0) {
    return { matches, backendRefs: [{ group: 'gateway.envoyproxy.io', kind: 'Backend', name: pick.one(team.backends) }] };
  }
  const filters: Json[] = [];
  if (pick.chance(0.4)) filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: headerModifier(pick, route) });
  if (pick.chance(0.2)) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'cache-control', value: 'no-store' }] } });
  if (pick.chance(0.15)) {
    const urlRewrite: Json = { hostname: `internal-r${route}.svc.example.com` };
    if (prefix) urlRewrite.path = { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' };
    filters.push({ type: 'URLRewrite', urlRewrite });
  }
  if (pick.chance(0.05)) filters.push({ type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 80 } } });

  const backendRefs: Json[] = [];
  const primary = pick.one(team.apps);
  if (pick.chance(0.25)) {
    // A canary split.
    let canary = pick.one(team.apps);
    if (canary === primary) canary = team.apps[(team.apps.indexOf(primary) + 1) % team.apps.length];
    backendRefs.push({ name: primary, port: 80, weight: 90 }, { name: canary, port: 80, weight: 10 });
  } else if (pick.chance(0.05)) {
    // A shared service in another namespace, allowed by a ReferenceGrant.
    backendRefs.push({ name: `shared-${pick.int(0, 3)}`, namespace: sharedNamespace, port: 80 });
  } else {
    backendRefs.push({ name: primary, port: 80 });
  }
  const result: Json = { matches, backendRefs };
  if (filters.length > 0) result.filters = filters;
  return result;
}

function routeObject(pick: Picker, team: TeamContext, route: number): Json {
  const gateway = route % team.gateways;
  const parentRefs: Json[] = [{ name: gatewayName(gateway), namespace: gatewayNamespace }];
  // A few routes are served by two Gateways.
  if (team.gateways > 1 && pick.chance(0.05)) parentRefs.push({ name: gatewayName((gateway + 1) % team.gateways), namespace: gatewayNamespace });
  const spec: Json = { parentRefs };
  // About three routes per hostname, so virtual hosts gather several routes.
  if (!pick.chance(0.01)) spec.hostnames = [`app-${Math.floor(route / 3)}.example.com`];
  spec.rules = Array.from({ length: pick.int(1, 4) }, (_, rule) => ruleOf(pick, team, route, rule));
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: `route-${route}`, namespace: team.namespace }, spec };
}

function policyObjects(kinds: ReadonlySet<string>, pick: Picker, gateways: number, routeNames: { namespace: string; name: string }[]): Json[] {
  const policies: Json[] = [];
  const api = 'gateway.envoyproxy.io/v1alpha1';
  if (kinds.has('ClientTrafficPolicy')) {
    for (let g = 0; g < gateways; g++) {
      policies.push({
        apiVersion: api,
        kind: 'ClientTrafficPolicy',
        metadata: { name: `${gatewayName(g)}-clients`, namespace: gatewayNamespace },
        spec: {
          targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gatewayName(g) }],
          timeout: { http: { requestReceivedTimeout: '30s', idleTimeout: '120s' } },
          headers: { preserveXRequestID: true },
        },
      });
    }
  }
  // Route-level policies on about one route in fifty.
  const targets = routeNames.filter(() => pick.chance(0.02));
  targets.forEach((target, i) => {
    const targetRefs = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: target.name }];
    if (kinds.has('BackendTrafficPolicy') && i % 2 === 0) {
      policies.push({
        apiVersion: api,
        kind: 'BackendTrafficPolicy',
        metadata: { name: `${target.name}-backend`, namespace: target.namespace },
        spec: {
          targetRefs,
          timeout: { http: { requestTimeout: '5s' }, tcp: { connectTimeout: '2s' } },
          retry: { numRetries: 3, retryOn: { triggers: ['connect-failure', 'retriable-status-codes'], httpStatusCodes: [503] } },
          loadBalancer: { type: 'LeastRequest' },
        },
      });
    }
    if (kinds.has('SecurityPolicy') && i % 2 === 1) {
      policies.push({
        apiVersion: api,
        kind: 'SecurityPolicy',
        metadata: { name: `${target.name}-cors`, namespace: target.namespace },
        spec: { targetRefs, cors: { allowOrigins: ['https://*.example.com'], allowMethods: ['GET', 'POST'], allowHeaders: ['x-tenant'], maxAge: '600s' } },
      });
    }
  });
  return policies;
}

/** Generates the files of a synthetic repository with `options.routes` HTTPRoutes. */
export function generateInputs(options: GenerateOptions): GeneratedInputs {
  const pick = new Picker(seededRandom(options.seed ?? 1));
  const gateways = options.gateways ?? defaultGatewayCount(options.routes);
  const teams = Math.max(1, Math.ceil(options.routes / routesPerTeam));
  const files: GeneratedFile[] = [];
  const counts: Record<string, number> = {};
  const add = (path: string, objects: Json[]) => {
    for (const object of objects) counts[object.kind] = (counts[object.kind] ?? 0) + 1;
    files.push({ path, text: toYaml(objects) });
  };

  add('cluster/gatewayclass.yaml', [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: gatewayClassName }, spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' } },
  ]);
  const teamNames = Array.from({ length: teams }, (_, t) => teamName(t));
  add('cluster/namespaces.yaml', [gatewayNamespace, sharedNamespace, ...teamNames].map((name, i) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { tier: i % 3 === 0 ? 'internal' : 'public' } },
  })));
  for (let g = 0; g < gateways; g++) add(`infra/${gatewayName(g)}.yaml`, gatewayObjects(g));

  add('shared/services.yaml', [
    ...Array.from({ length: 4 }, (_, i) => serviceObjects(sharedNamespace, `shared-${i}`, 60000 + i, 3)).flat(),
    // A ReferenceGrant lists at most 16 sources, so teams are granted in groups.
    ...chunks(teamNames, 16).map((group, i) => ({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: `team-routes-${i}`, namespace: sharedNamespace },
      spec: { from: group.map((namespace) => ({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace })), to: [{ group: '', kind: 'Service' }] },
    })),
  ]);

  const routeNames: { namespace: string; name: string }[] = [];
  let route = 0;
  for (let t = 0; t < teams; t++) {
    const namespace = teamNames[t];
    const teamRoutes = Math.min(routesPerTeam, options.routes - route);
    const appCount = Math.max(2, Math.ceil(teamRoutes / routesPerApp));
    const team: TeamContext = {
      namespace,
      apps: Array.from({ length: appCount }, (_, a) => `app-${a}`),
      backends: Array.from({ length: Math.max(1, Math.floor(appCount / 20)) }, (_, b) => `external-${b}`),
      gateways,
    };
    add(`teams/${namespace}/common.yaml`, [
      ...serviceObjects(namespace, 'mirror', t * 256, 1),
      ...team.backends.map((name, b) => backendObject(namespace, name, pick, t * 100 + b)),
    ]);
    // One file per app, like a repository where each service owns its routing.
    for (let a = 0; a < appCount; a++) {
      const objects = serviceObjects(namespace, team.apps[a], t * 256 + a + 1, pick.int(1, 4));
      for (let r = 0; r < routesPerApp && route < options.routes && a * routesPerApp + r < teamRoutes; r++, route++) {
        const object = routeObject(pick, team, route);
        routeNames.push({ namespace, name: object.metadata.name });
        objects.push(object);
      }
      add(`teams/${namespace}/${team.apps[a]}.yaml`, objects);
    }
  }
  const policies = policyObjects(options.policyKinds ?? new Set(), pick, gateways, routeNames);
  if (policies.length > 0) add('policies/policies.yaml', policies);
  return { files, counts };
}

/** Writes generated files under `directory`. */
export function writeInputs(directory: string, files: readonly GeneratedFile[]): void {
  for (const file of files) {
    const path = join(directory, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
  }
}
