import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { checkAny, checkMessage, type ProtoIssue } from '../src/verify/proto.js';

const bootstrapType = 'envoy.config.bootstrap.v3.Bootstrap';
const hcmType = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const routerType = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const listenerPath = 'staticResources.listeners[0]';
const hcmPath = `${listenerPath}.filterChains[0].filters[0].typedConfig`;

// Fixtures are edited freely in each test, so they are loosely typed.
type Json = Record<string, any>;

/** A minimal static bootstrap in proto3 JSON (lowerCamelCase), as in Envoy's v3 API reference. */
function minimalBootstrap(): Json {
  return {
    admin: { address: { socketAddress: { address: '127.0.0.1', portValue: 19000 } } },
    staticResources: {
      listeners: [
        {
          name: 'http-10080',
          address: { socketAddress: { address: '0.0.0.0', portValue: 10080 } },
          filterChains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typedConfig: {
                    '@type': hcmType,
                    statPrefix: 'http-10080',
                    codecType: 'AUTO',
                    routeConfig: {
                      name: 'default/eg/http',
                      virtualHosts: [
                        {
                          name: 'www',
                          domains: ['www.example.com'],
                          routes: [
                            {
                              name: 'route-0',
                              match: { prefix: '/' },
                              route: { cluster: 'backend', timeout: '15s' },
                            },
                          ],
                        },
                      ],
                    },
                    httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': routerType } }],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'backend',
          type: 'STATIC',
          connectTimeout: '10s',
          lbPolicy: 'ROUND_ROBIN',
          loadAssignment: {
            clusterName: 'backend',
            endpoints: [
              { lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 8080 } } } }] },
            ],
          },
        },
      ],
    },
  };
}

function hcm(bootstrap: Json): Json {
  return bootstrap.staticResources.listeners[0].filterChains[0].filters[0].typedConfig;
}

function firstRoute(bootstrap: Json): Json {
  return hcm(bootstrap).routeConfig.virtualHosts[0].routes[0];
}

function cluster(bootstrap: Json): Json {
  return bootstrap.staticResources.clusters[0];
}

function check(bootstrap: Json): ProtoIssue[] {
  return checkMessage(bootstrapType, bootstrap);
}

/** Asserts exactly one issue, at `path`, whose message matches `pattern`. */
function assertOneIssue(issues: ProtoIssue[], path: string, pattern: RegExp): void {
  assert.equal(issues.length, 1, `expected one issue, got ${JSON.stringify(issues, null, 2)}`);
  assert.equal(issues[0].path, path);
  assert.match(issues[0].message, pattern);
}

/** The issues' paths, sorted (issues come in the order the checker meets the keys). */
function paths(issues: ProtoIssue[]): string[] {
  return issues.map((issue) => issue.path).sort();
}

function messageAt(issues: ProtoIssue[], path: string): string {
  const found = issues.find((issue) => issue.path === path);
  assert.ok(found, `no issue at ${path} in ${JSON.stringify(issues, null, 2)}`);
  return found.message;
}

function snakeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCase);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeCase(item)]),
  );
}

describe('checkMessage on a static bootstrap', () => {
  it('accepts a minimal valid bootstrap', () => {
    assert.deepEqual(check(minimalBootstrap()), []);
  });

  it('accepts a leading dot on the type name', () => {
    assert.deepEqual(checkMessage(`.${bootstrapType}`, minimalBootstrap()), []);
  });

  it('accepts the original snake_case field names', () => {
    const snake = snakeCase(minimalBootstrap()) as Json;
    assert.equal(snake.static_resources.clusters[0].connect_timeout, '10s');
    assert.deepEqual(check(snake), []);
  });

  it('flags a field written both in snake_case and lowerCamelCase', () => {
    const bootstrap = minimalBootstrap();
    cluster(bootstrap).connect_timeout = '1s';
    assertOneIssue(check(bootstrap), 'staticResources.clusters[0].connect_timeout', /given twice/);
  });

  it('flags an unknown field with its path', () => {
    const bootstrap = minimalBootstrap();
    bootstrap.staticResources.listeners[0].perConnectionBufferLimit = 1024; // real name ends in Bytes
    assertOneIssue(check(bootstrap), `${listenerPath}.perConnectionBufferLimit`, /unknown field "perConnectionBufferLimit" in envoy\.config\.listener\.v3\.Listener/);
  });

  it('flags an unknown field inside an Any-typed config', () => {
    const bootstrap = minimalBootstrap();
    hcm(bootstrap).useRemoteAddr = true; // a BoolValue: valid
    hcm(bootstrap).useRemoteAddress = true; // the real field is use_remote_address
    hcm(bootstrap).httpFilters[0].typedConfig.suppressEnvoyHeader = true; // router: suppress_envoy_headers
    const issues = check(bootstrap);
    const [hcmField, routerField] = [`${hcmPath}.useRemoteAddr`, `${hcmPath}.httpFilters[0].typedConfig.suppressEnvoyHeader`];
    assert.deepEqual(paths(issues), [routerField, hcmField].sort());
    assert.match(messageAt(issues, hcmField), /unknown field "useRemoteAddr" in envoy\.extensions\.filters\.network\.http_connection_manager\.v3\.HttpConnectionManager/);
    assert.match(messageAt(issues, routerField), /unknown field "suppressEnvoyHeader" in envoy\.extensions\.filters\.http\.router\.v3\.Router/);
  });

  it('flags a bad enum name and accepts a valid enum number', () => {
    const bootstrap = minimalBootstrap();
    cluster(bootstrap).type = 'STATIC_DNS';
    assertOneIssue(check(bootstrap), 'staticResources.clusters[0].type', /not a value of enum envoy\.config\.cluster\.v3\.Cluster\.DiscoveryType.*STRICT_DNS/);

    cluster(bootstrap).type = 1; // STRICT_DNS
    assert.deepEqual(check(bootstrap), []);
    cluster(bootstrap).type = 9;
    assertOneIssue(check(bootstrap), 'staticResources.clusters[0].type', /not a value of enum/);
  });

  it('flags a string where a message belongs and a number where a string belongs', () => {
    const bootstrap = minimalBootstrap();
    bootstrap.admin.address = '127.0.0.1:19000';
    cluster(bootstrap).name = 5;
    const issues = check(bootstrap);
    assert.deepEqual(paths(issues), ['admin.address', 'staticResources.clusters[0].name']);
    assert.match(messageAt(issues, 'admin.address'), /expected an object \(envoy\.config\.core\.v3\.Address\), got the string/);
    assert.match(messageAt(issues, 'staticResources.clusters[0].name'), /expected a string, got the number 5/);
  });

  it('flags a number for a bool and an object for a repeated field', () => {
    const bootstrap = minimalBootstrap();
    bootstrap.enableDispatcherStats = 1;
    hcm(bootstrap).routeConfig.virtualHosts[0].domains = 'www.example.com';
    const issues = check(bootstrap);
    const domainsPath = `${hcmPath}.routeConfig.virtualHosts[0].domains`;
    assert.deepEqual(paths(issues), ['enableDispatcherStats', domainsPath].sort());
    assert.match(messageAt(issues, 'enableDispatcherStats'), /expected a boolean, got the number 1/);
    assert.match(messageAt(issues, domainsPath), /expected an array/);
  });

  it('checks uint32 range, including inside a UInt32Value wrapper', () => {
    const bootstrap = minimalBootstrap();
    bootstrap.admin.address.socketAddress.portValue = -1;
    assertOneIssue(check(bootstrap), 'admin.address.socketAddress.portValue', /uint32 cannot be negative/);

    bootstrap.admin.address.socketAddress.portValue = 19000;
    cluster(bootstrap).perConnectionBufferLimitBytes = 4294967296; // 2^32
    assertOneIssue(check(bootstrap), 'staticResources.clusters[0].perConnectionBufferLimitBytes', /out of range for uint32/);

    cluster(bootstrap).perConnectionBufferLimitBytes = 4294967295;
    assert.deepEqual(check(bootstrap), []);
    cluster(bootstrap).perConnectionBufferLimitBytes = 1.5;
    assertOneIssue(check(bootstrap), 'staticResources.clusters[0].perConnectionBufferLimitBytes', /expected an integer \(uint32\)/);
  });

  it('accepts 64-bit integers as decimal strings and numbers', () => {
    const bootstrap = minimalBootstrap();
    bootstrap.statsServerVersionOverride = '18446744073709551615'; // UInt64Value, 2^64-1
    assert.deepEqual(check(bootstrap), []);
    bootstrap.statsServerVersionOverride = 42;
    assert.deepEqual(check(bootstrap), []);
    bootstrap.statsServerVersionOverride = '-1';
    assertOneIssue(check(bootstrap), 'statsServerVersionOverride', /uint64 cannot be negative/);
    bootstrap.statsServerVersionOverride = '1e3';
    assertOneIssue(check(bootstrap), 'statsServerVersionOverride', /expected an integer or a decimal string \(uint64\)/);
  });

  it('requires a Duration to be a seconds string', () => {
    const bootstrap = minimalBootstrap();
    for (const good of ['0.25s', '10s', '0.000001s', '1.5s']) {
      cluster(bootstrap).connectTimeout = good;
      assert.deepEqual(check(bootstrap), [], good);
    }
    for (const bad of [10, '10', '10ms', '1.5 s', '1.0000000001s', { seconds: 10 }]) {
      cluster(bootstrap).connectTimeout = bad;
      assertOneIssue(check(bootstrap), 'staticResources.clusters[0].connectTimeout', /expected a duration string/);
    }
  });

  it('flags an @type that does not resolve', () => {
    const bootstrap = minimalBootstrap();
    hcm(bootstrap).httpFilters[0].typedConfig['@type'] = 'type.googleapis.com/envoy.extensions.filters.http.routr.v3.Router';
    assertOneIssue(check(bootstrap), `${hcmPath}.httpFilters[0].typedConfig.@type`, /unknown type "type\.googleapis\.com\/envoy\.extensions\.filters\.http\.routr\.v3\.Router"/);
  });

  it('flags two members of one oneof', () => {
    const bootstrap = minimalBootstrap();
    firstRoute(bootstrap).directResponse = { status: 200 };
    // Reported on the member met second.
    assertOneIssue(check(bootstrap), `${hcmPath}.routeConfig.virtualHosts[0].routes[0].directResponse`, /"directResponse" and "route" are both set.*oneof "action"/);
  });

  it('checks map values', () => {
    const bootstrap = minimalBootstrap();
    const route = firstRoute(bootstrap);
    route.typedPerFilterConfig = {
      'envoy.filters.http.local_ratelimit': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
        statPrefix: 'http_local_rate_limiter',
        tokenBucket: { maxTokens: 10, tokensPerFill: 10, fillInterval: '1s' },
      },
    };
    route.metadata = { filterMetadata: { 'envoy-gateway': { resources: [{ kind: 'HTTPRoute' }] } } };
    assert.deepEqual(check(bootstrap), []);

    route.typedPerFilterConfig['envoy.filters.http.local_ratelimit'].tokenBucket.fillInterval = 1;
    route.metadata.filterMetadata['envoy-gateway'] = 'not a Struct';
    const routePath = `${hcmPath}.routeConfig.virtualHosts[0].routes[0]`;
    const issues = check(bootstrap);
    const metadataPath = `${routePath}.metadata.filterMetadata["envoy-gateway"]`;
    const intervalPath = `${routePath}.typedPerFilterConfig["envoy.filters.http.local_ratelimit"].tokenBucket.fillInterval`;
    assert.deepEqual(paths(issues), [metadataPath, intervalPath].sort());
    assert.match(messageAt(issues, metadataPath), /expected an object \(google\.protobuf\.Struct\)/);
    assert.match(messageAt(issues, intervalPath), /expected a duration string/);
  });

  it('treats null as absent, but not inside a repeated field', () => {
    const bootstrap = minimalBootstrap();
    bootstrap.node = null;
    cluster(bootstrap).lbPolicy = null;
    assert.deepEqual(check(bootstrap), []);
    hcm(bootstrap).routeConfig.virtualHosts[0].domains = ['a.example.com', null];
    assertOneIssue(check(bootstrap), `${hcmPath}.routeConfig.virtualHosts[0].domains[1]`, /null is not allowed/);
  });

  it('checks TypedStruct values against the type they name', () => {
    const bootstrap = minimalBootstrap();
    hcm(bootstrap).httpFilters[0].typedConfig = {
      '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
      typeUrl: routerType,
      value: { suppressEnvoyHeaders: true },
    };
    assert.deepEqual(check(bootstrap), []);
    hcm(bootstrap).httpFilters[0].typedConfig.value = { suppressEnvoyHeader: true };
    assertOneIssue(check(bootstrap), `${hcmPath}.httpFilters[0].typedConfig.value.suppressEnvoyHeader`, /unknown field/);
  });
});

describe('protoc-gen-validate rules', () => {
  it('flags a missing required message field', () => {
    const bootstrap = minimalBootstrap();
    delete firstRoute(bootstrap).match; // Route.match: (validate.rules).message.required
    assertOneIssue(check(bootstrap), `${hcmPath}.routeConfig.virtualHosts[0].routes[0].match`, /missing required field "match" of envoy\.config\.route\.v3\.Route/);
  });

  it('flags a required oneof left unset', () => {
    const bootstrap = minimalBootstrap();
    delete hcm(bootstrap).routeConfig; // route_specifier is (validate.required)
    assertOneIssue(check(bootstrap), hcmPath, /needs one of "rds", "routeConfig", "scopedRoutes"/);
  });

  it('flags an empty string that must not be empty, set or left out', () => {
    const bootstrap = minimalBootstrap();
    hcm(bootstrap).statPrefix = ''; // stat_prefix: min_len 1
    assertOneIssue(check(bootstrap), `${hcmPath}.statPrefix`, /must not be empty/);
    delete hcm(bootstrap).statPrefix;
    assertOneIssue(check(bootstrap), `${hcmPath}.statPrefix`, /not set, so "", which breaks a validation rule Envoy enforces: must not be empty/);
  });

  it('flags a port above 65535 and a Duration below its bound', () => {
    const bootstrap = minimalBootstrap();
    bootstrap.admin.address.socketAddress.portValue = 65536; // port_value: lte 65535
    bootstrap.statsFlushInterval = '0.0001s'; // stats_flush_interval: gte 1ms, lt 300s
    const issues = check(bootstrap);
    const portPath = 'admin.address.socketAddress.portValue';
    assert.deepEqual(paths(issues), [portPath, 'statsFlushInterval']);
    assert.match(messageAt(issues, portPath), /<= 65535, is 65536/);
    assert.match(messageAt(issues, 'statsFlushInterval'), /must be >= 0\.001s and < 300s, is 0\.0001s/);
  });

  it('gives a Duration the same verdict each time it is checked (verdicts are kept per text)', () => {
    for (const [interval, issue] of [['0.0001s', /must be >= 0\.001s and < 300s, is 0\.0001s/], ['5s', undefined], ['0.0001s', /is 0\.0001s/], ['5s', undefined]] as const) {
      const bootstrap = minimalBootstrap();
      bootstrap.statsFlushInterval = interval;
      const issues = check(bootstrap);
      if (issue) assert.match(messageAt(issues, 'statsFlushInterval'), issue);
      else assert.deepEqual(issues, []);
    }
  });

  it('checks the PathSeparatedPrefix pattern', () => {
    const bootstrap = minimalBootstrap();
    firstRoute(bootstrap).match = { pathSeparatedPrefix: '/api' };
    assert.deepEqual(check(bootstrap), []);
    firstRoute(bootstrap).match = { pathSeparatedPrefix: '/api/' }; // must not end in '/'
    assertOneIssue(check(bootstrap), `${hcmPath}.routeConfig.virtualHosts[0].routes[0].match.pathSeparatedPrefix`, /must match the pattern/);
  });
});

describe('checkAny', () => {
  it('checks a typed_config on its own', () => {
    assert.deepEqual(checkAny({ '@type': routerType, suppressEnvoyHeaders: true }), []);
    assertOneIssue(checkAny({ '@type': routerType, dynamicStats: 'yes' }), 'dynamicStats', /expected a boolean/);
  });

  it('needs a resolvable @type', () => {
    assertOneIssue(checkAny({ suppressEnvoyHeaders: true }), '', /needs a string "@type"/);
    assertOneIssue(checkAny({ '@type': 'envoy.extensions.filters.http.router.v3.Router' }), '@type', /must look like type\.googleapis\.com/);
  });

  it('reads a well-known type from "value"', () => {
    assert.deepEqual(checkAny({ '@type': 'type.googleapis.com/google.protobuf.Duration', value: '3s' }), []);
    assertOneIssue(checkAny({ '@type': 'type.googleapis.com/google.protobuf.Duration', value: 3 }), 'value', /duration string/);
    assert.deepEqual(checkAny({ '@type': 'type.googleapis.com/google.protobuf.Struct', value: { any: ['json'] } }), []);
  });

  it('resolves the extension types egc emits', () => {
    const types = [
      'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
      'envoy.extensions.filters.http.oauth2.v3.OAuth2',
      'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
      'envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor',
      'envoy.extensions.filters.http.wasm.v3.Wasm',
      'envoy.extensions.filters.http.lua.v3.Lua',
      'envoy.extensions.filters.http.cors.v3.Cors',
      'envoy.extensions.filters.http.fault.v3.HTTPFault',
      'envoy.extensions.filters.http.ratelimit.v3.RateLimit',
      'envoy.extensions.filters.http.rbac.v3.RBAC',
      'envoy.extensions.filters.http.custom_response.v3.CustomResponse',
      'envoy.extensions.filters.http.credential_injector.v3.CredentialInjector',
      'envoy.extensions.filters.http.compressor.v3.Compressor',
      'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
      'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol',
      'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
      'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      'envoy.extensions.access_loggers.file.v3.FileAccessLog',
      'envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig',
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      'envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState',
      'envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState',
      'envoy.config.trace.v3.OpenTelemetryConfig',
    ];
    for (const type of types) {
      const issues = checkAny({ '@type': `type.googleapis.com/${type}` });
      assert.ok(issues.every((issue) => !/unknown type/.test(issue.message)), `${type}: ${JSON.stringify(issues)}`);
    }
  });
});

// Envoy Gateway v1.2.0's own xDS output (accepted by Envoy) must pass without a single issue:
// this is what keeps the checker from flagging valid config.
const xdsOutDir = fileURLToPath(new URL('../../../shared/conformance/eg-v1.2.0/xds-ir/out', import.meta.url));
const resourceTypes: Record<string, string> = {
  listeners: 'envoy.config.listener.v3.Listener',
  clusters: 'envoy.config.cluster.v3.Cluster',
  endpoints: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  routes: 'envoy.config.route.v3.RouteConfiguration',
  secrets: 'envoy.extensions.transport_sockets.tls.v3.Secret',
};

describe('Envoy Gateway v1.2.0 xDS output', { skip: !existsSync(xdsOutDir) && 'no ../shared corpus' }, () => {
  it('passes the check with no issues', () => {
    let checked = 0;
    const failures: string[] = [];
    for (const file of readdirSync(xdsOutDir).sort()) {
      const kind = /\.([a-z]+)\.yaml$/.exec(file)?.[1];
      const type = kind ? resourceTypes[kind] : undefined;
      if (!type) continue;
      const resources = (parse(readFileSync(`${xdsOutDir}/${file}`, 'utf8')) ?? []) as unknown[];
      resources.forEach((resource, index) => {
        checked++;
        for (const issue of checkMessage(type, resource)) failures.push(`${file}[${index}] ${issue.path}: ${issue.message}`);
      });
    }
    assert.ok(checked > 500, `only ${checked} resources found`);
    assert.deepEqual(failures, []);
  });

  it('still catches a mistake planted in one of them', () => {
    const listeners = parse(readFileSync(`${xdsOutDir}/http-route-regex.listeners.yaml`, 'utf8')) as Json[];
    listeners[0].defaultFilterChain.filters[0].typedConfig.httpFilters[0].typedConfig.suppressEnvoyHeaders = 'true';
    assertOneIssue(
      checkMessage(resourceTypes.listeners, listeners[0]),
      'defaultFilterChain.filters[0].typedConfig.httpFilters[0].typedConfig.suppressEnvoyHeaders',
      /expected a boolean, got the string "true"/,
    );
  });
});
