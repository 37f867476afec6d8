import type { HTTPListener, HTTPRoute } from '../../ir/types.js';
import { any, type Json } from '../resources.js';
import { noPolicies, perPolicyFilters, perPolicyRouteConfig, routesOf, type HttpFilterFeature } from './common.js';

export const wasmFilterType = 'envoy.filters.http.wasm';
/** Envoy Gateway serves Wasm modules from its own cache over this cluster. */
export const wasmClusterName = 'wasm_cluster';

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

function buildWasm(wasm: Wasm): Json {
  const plugin: Json = {};
  if (wasm.config !== undefined && wasm.config !== null) {
    plugin.configuration = any('google.protobuf.StringValue', { value: sortedJson(wasm.config) });
  }
  if (wasm.failOpen) plugin.failOpen = true;
  plugin.name = wasm.wasmName;
  const code = wasm.httpWasmCode;
  plugin.vmConfig = {
    code: code ? { remote: { httpUri: { cluster: wasmClusterName, timeout: '10s', uri: code.servingURL }, sha256: code.sha256 } } : undefined,
    runtime: 'envoy.wasm.runtime.v8',
    vmId: wasm.name,
  };
  if (!code) delete plugin.vmConfig.code;
  return any('envoy.extensions.filters.http.wasm.v3.Wasm', { config: plugin });
}

/** A Wasm module of the listener's routes that Envoy could not fetch for want of a checksum, by its URL. */
export function wasmWithoutChecksum(listener: HTTPListener): string | undefined {
  // Indexed: see routeItems.
  const routes = routesOf(listener);
  for (let route = 0; route < routes.length; route++) {
    const wasms = wasmsOf(routes[route]);
    for (let index = 0; index < wasms.length; index++) {
      const code = wasms[index].httpWasmCode;
      if (code && !code.sha256) return code.originalDownloadingURL ?? code.servingURL;
    }
  }
  return undefined;
}

export const wasmFeature: HttpFilterFeature = {
  routeFields: ['envoyExtensions'],
  listenerFilters: (listener) => perPolicyFilters(listener, wasmFilterType, wasmsOf, buildWasm),
  routeConfig: (route) => perPolicyRouteConfig(route, wasmFilterType, wasmsOf),
};
