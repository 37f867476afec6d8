import type { HTTPListener, HTTPRoute } from '../../ir/types.js';
import { isHttpURL } from '../../urls.js';
import { any, type Json } from '../resources.js';
import { addUrlCluster, noPolicies, perPolicyFilters, perPolicyRouteConfig, routeItems, routesOf, urlClusterName, type FilterOptions, type HttpFilterFeature } from './common.js';

export const wasmFilterType = 'envoy.filters.http.wasm';

interface Wasm {
  name: string;
  wasmName: string;
  config?: unknown;
  failOpen?: boolean;
  httpWasmCode?: { servingURL: string; originalDownloadingURL?: string; sha256?: string };
}

function wasmsOf(route: HTTPRoute): Wasm[] {
  return (route.envoyExtensions as { wasms?: Wasm[] } | undefined)?.wasms ?? noPolicies;
}

/** JSON with object keys sorted, as Go's encoding/json writes a map. */
function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(value));
}

type HttpWasmCode = NonNullable<Wasm['httpWasmCode']>;

/**
 * The module's own URL when Envoy fetches it from there: without a module cache, for an http or
 * https URL with a checksum (Envoy fetches nothing without one). Otherwise undefined, and the
 * module comes from the cache's serving URL, as under Envoy Gateway: an OCI image or a URL of
 * another kind needs the cache's download, which nothing does without it, so Envoy's fetch fails
 * and the filter fails closed (or open, as configured).
 */
function originURL(code: HttpWasmCode, options: FilterOptions): string | undefined {
  const url = code.originalDownloadingURL;
  return options.wasmCacheCluster === undefined && code.sha256 && isHttpURL(url) ? url : undefined;
}

/** Where Envoy fetches the module from: the `remote.httpUri` of its code. */
function fetchFrom(code: HttpWasmCode, options: FilterOptions): Json {
  const origin = originURL(code, options);
  if (origin !== undefined) return { cluster: urlClusterName(origin), timeout: fetchTimeout, uri: origin };
  return { cluster: options.wasmCacheCluster ?? envoyGatewayCacheCluster, timeout: fetchTimeout, uri: code.servingURL };
}

/** The cluster of Envoy Gateway's module cache in its bootstrap. */
const envoyGatewayCacheCluster = 'wasm_cluster';
const fetchTimeout = '10s';

function buildWasm(wasm: Wasm, options: FilterOptions): Json {
  const plugin: Json = {};
  if (wasm.config !== undefined && wasm.config !== null) {
    plugin.configuration = any('google.protobuf.StringValue', { value: sortedJson(wasm.config) });
  }
  if (wasm.failOpen) plugin.failOpen = true;
  plugin.name = wasm.wasmName;
  const code = wasm.httpWasmCode;
  plugin.vmConfig = {
    code: code ? { remote: { httpUri: fetchFrom(code, options), sha256: code.sha256 } } : undefined,
    runtime: 'envoy.wasm.runtime.v8',
    vmId: wasm.name,
  };
  if (!code) delete plugin.vmConfig.code;
  return any('envoy.extensions.filters.http.wasm.v3.Wasm', { config: plugin });
}

/** A Wasm module of the listener's routes that Envoy could not fetch for want of a checksum. */
export function wasmWithoutChecksum(listener: HTTPListener): Wasm | undefined {
  // Indexed: see routeItems.
  const routes = routesOf(listener);
  for (let route = 0; route < routes.length; route++) {
    const wasms = wasmsOf(routes[route]);
    for (let index = 0; index < wasms.length; index++) {
      const code = wasms[index].httpWasmCode;
      if (code && !code.sha256) return wasms[index];
    }
  }
  return undefined;
}

export const wasmFeature: HttpFilterFeature = {
  routeFields: ['envoyExtensions'],
  listenerFilters: (listener, _xds, options) => perPolicyFilters(listener, wasmFilterType, wasmsOf, (wasm) => buildWasm(wasm, options)),
  routeConfig: (route) => perPolicyRouteConfig(route, wasmFilterType, wasmsOf),
  // The clusters Envoy fetches modules from by their own URLs.
  resources(xds, options, out) {
    for (const wasm of routeItems(xds, wasmsOf)) {
      const origin = wasm.httpWasmCode && originURL(wasm.httpWasmCode, options);
      if (origin !== undefined) addUrlCluster(out, origin, xds);
    }
  },
};
