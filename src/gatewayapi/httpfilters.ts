import type { AddHeader, HTTPRoute, Redirect, RouteDestination, URLRewrite } from '../ir/types.js';
import { compact } from '../ir/clone.js';
import type { KubeObject } from '../load/resource.js';
import { resolveBackendRef } from './backendref.js';
import { condition } from './conditions.js';
import type { TranslationContext } from './context.js';
import { setParentCondition, type RouteParent } from './parents.js';
import { validateRegex } from './regex.js';
import { envoyGatewayGroup } from './resources.js';

/** What a rule's filters contribute to each of its IR routes. */
export type FilterResult = Pick<
  HTTPRoute,
  'addRequestHeaders' | 'removeRequestHeaders' | 'addResponseHeaders' | 'removeResponseHeaders' | 'redirect' | 'urlRewrite' | 'mirrors' | 'directResponse'
> & {
  /** Why the route cannot be accepted; the last problem found wins, as in the reference. */
  error?: string;
};

/** The lists of a FilterResult that filters push to: compacted once the rule's filters are applied. */
const pushedFilterLists = ['addRequestHeaders', 'removeRequestHeaders', 'addResponseHeaders', 'removeResponseHeaders', 'mirrors'] as const;

/** A filter the route cannot be accepted with; its message goes into the Accepted condition. */
export class FilterError extends Error {}

/** What the reference refuses in a header name a filter sets. */
export const invalidHeaderName = /[/:]/;
/** What Envoy refuses in a header value (its HTTP_HEADER_VALUE rule): a header with one could split the message. */
export const invalidHeaderValue = /[\r\n\0]/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Applies a rule's filters in order. A filter the route cannot carry is skipped and recorded in
 * `error`; processing goes on so every problem is seen.
 */
export function processFilters(ctx: TranslationContext, route: KubeObject, parent: RouteParent, filters: any[], destinationName: string): FilterResult {
  const result: FilterResult = {};
  filters.forEach((filter, filterIndex) => {
    try {
      applyFilter(ctx, route, parent, filter, filterIndex, destinationName, result);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      result.error = error.message;
    }
  });
  for (const key of pushedFilterLists) {
    const list = result[key];
    if (list) result[key] = compact(list as any[]);
  }
  return result;
}

function applyFilter(ctx: TranslationContext, route: KubeObject, parent: RouteParent, filter: any, filterIndex: number, destinationName: string, result: FilterResult): void {
  {
    switch (filter.type) {
      case 'RequestHeaderModifier':
        applyHeaderModifier('RequestHeaderModifier', filter.requestHeaderModifier, result, 'addRequestHeaders', 'removeRequestHeaders');
        break;
      case 'ResponseHeaderModifier':
        applyHeaderModifier('ResponseHeaderModifier', filter.responseHeaderModifier, result, 'addResponseHeaders', 'removeResponseHeaders');
        break;
      case 'RequestRedirect':
        result.redirect = redirectOf(filter.requestRedirect ?? {});
        break;
      case 'URLRewrite':
        mergeRewrite(result, rewriteOf(filter.urlRewrite ?? {}), 'replace');
        break;
      case 'RequestMirror': {
        const mirror = mirrorOf(ctx, route, parent, filter.requestMirror ?? {}, `${destinationName}-mirror-${filterIndex}`);
        if (mirror) (result.mirrors ??= []).push(mirror);
        break;
      }
      case 'ExtensionRef':
        applyExtensionRef(ctx, route, parent, filter.extensionRef ?? {}, result);
        break;
      default:
        throw new FilterError(`Unsupported filter type: ${filter.type}`);
    }
  }
}

function applyHeaderModifier(
  filterName: string,
  modifier: any,
  result: FilterResult,
  addKey: 'addRequestHeaders' | 'addResponseHeaders',
  removeKey: 'removeRequestHeaders' | 'removeResponseHeaders',
): void {
  if (!modifier) throw new FilterError(`${filterName} Filter did not provide valid configuration to add/set/remove any headers`);
  let emptyFilter = true;
  // A value Envoy would refuse is named in the error even when no other header is left to apply.
  let badValue: string | undefined;
  const adds = (result[addKey] ??= []);
  const collect = (headers: any[] | undefined, append: boolean) => {
    for (const header of headers ?? []) {
      const name = String(header.name ?? '');
      if (name === '') {
        result.error = `${filterName} Filter cannot set a header with an empty name`;
        continue;
      }
      if (invalidHeaderName.test(name)) {
        result.error = `${filterName} Filter cannot set headers with a '/' or ':' character in them. Header: '${name}'`;
        continue;
      }
      if (invalidHeaderValue.test(String(header.value ?? ''))) {
        badValue = `${filterName} Filter cannot set a header value with a CR, LF or NUL character in it. Header: '${name}'`;
        result.error = badValue;
        continue;
      }
      emptyFilter = false;
      // The first filter to name a header wins, as in the reference.
      if (adds.some((h: AddHeader) => h.name.toLowerCase() === name.toLowerCase())) continue;
      adds.push({ append, name, value: String(header.value ?? '').split(',') });
    }
  };
  collect(modifier.add, true);
  collect(modifier.set, false);
  const removes = (result[removeKey] ??= []);
  for (const name of modifier.remove ?? []) {
    // Envoy refuses an empty header name to remove.
    if (String(name) === '') {
      result.error = `${filterName} Filter cannot remove a header with an empty name`;
      continue;
    }
    emptyFilter = false;
    if (!removes.some((r) => r.toLowerCase() === String(name).toLowerCase())) removes.push(String(name));
  }
  if (adds.length === 0) delete result[addKey];
  if (removes.length === 0) delete result[removeKey];
  const declared = (modifier.add?.length ?? 0) + (modifier.set?.length ?? 0) + (modifier.remove?.length ?? 0);
  if (emptyFilter && declared > 0) throw new FilterError(badValue ?? `${filterName} Filter did not provide valid configuration to add/set/remove any headers`);
}

function pathModifierOf(path: any): { fullReplace?: string | null; prefixMatchReplace?: string | null } {
  switch (path.type) {
    case 'ReplaceFullPath':
      if (path.replacePrefixMatch !== undefined) throw new FilterError('ReplacePrefixMatch cannot be set when rewrite path type is "ReplaceFullPath"');
      if (path.replaceFullPath === undefined) throw new FilterError('ReplaceFullPath must be set when rewrite path type is "ReplaceFullPath"');
      return { fullReplace: path.replaceFullPath, prefixMatchReplace: null };
    case 'ReplacePrefixMatch':
      if (path.replaceFullPath !== undefined) throw new FilterError('ReplaceFullPath cannot be set when rewrite path type is "ReplacePrefixMatch"');
      if (path.replacePrefixMatch === undefined) throw new FilterError('ReplacePrefixMatch must be set when rewrite path type is "ReplacePrefixMatch"');
      return { fullReplace: null, prefixMatchReplace: path.replacePrefixMatch };
    default:
      throw new FilterError(`Rewrite path type: ${path.type} is invalid, only "ReplaceFullPath" and "ReplacePrefixMatch" are supported`);
  }
}

function redirectOf(spec: any): Redirect {
  const redirect: Record<string, unknown> = {};
  if (spec.scheme !== undefined) {
    if (spec.scheme !== 'http' && spec.scheme !== 'https') throw new FilterError(`Scheme: ${spec.scheme} is unsupported, only 'https' and 'http' are supported`);
    redirect.scheme = spec.scheme;
  }
  if (spec.hostname !== undefined) {
    if (!dnsSubdomain.test(spec.hostname)) throw new FilterError(`hostname "${spec.hostname}" is invalid`);
    redirect.hostname = spec.hostname;
  }
  redirect.path = spec.path ? pathModifierOf(spec.path) : null;
  if (spec.port !== undefined) redirect.port = spec.port;
  const statusCode = spec.statusCode ?? 302;
  if (statusCode !== 301 && statusCode !== 302) throw new FilterError(`Status code ${statusCode} is invalid, only 302 and 301 are supported`);
  redirect.statusCode = statusCode;
  return redirect as Redirect;
}

function rewriteOf(spec: any): URLRewrite {
  const rewrite: Record<string, unknown> = {};
  if (spec.hostname !== undefined) {
    if (!dnsSubdomain.test(spec.hostname)) {
      throw new FilterError(
        `hostname "${spec.hostname}" is invalid: [a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')]`,
      );
    }
    rewrite.host = { name: spec.hostname };
  }
  if (spec.path) rewrite.path = pathModifierOf(spec.path);
  return rewrite as URLRewrite;
}

/**
 * No two filters may rewrite the same part (host or path). Beyond that the reference is
 * asymmetric, and so are we: Gateway API's URLRewrite replaces an earlier rewrite outright,
 * while an HTTPRouteFilter rewrite adds to it.
 */
function mergeRewrite(result: FilterResult, rewrite: URLRewrite, mode: 'replace' | 'merge'): void {
  const current = result.urlRewrite;
  if (current && ((current.host && rewrite.host) || (current.path && rewrite.path))) {
    throw new FilterError('Cannot configure multiple urlRewrite filters for a single HTTPRouteRule');
  }
  result.urlRewrite = mode === 'replace' ? rewrite : { ...(current ?? {}), ...rewrite };
}

function mirrorOf(ctx: TranslationContext, route: KubeObject, parent: RouteParent, spec: any, name: string): RouteDestination | undefined {
  const setting = resolveBackendRef(ctx, route, parent, { ...(spec.backendRef ?? {}), weight: undefined });
  if (!setting?.endpoints) return undefined;
  return { name, settings: [setting] };
}

/** HTTPRouteFilter (Envoy Gateway's extension filter): direct responses and regex rewrites. */
function applyExtensionRef(ctx: TranslationContext, route: KubeObject, parent: RouteParent, ref: any, result: FilterResult): void {
  if (ref.group !== envoyGatewayGroup || ref.kind !== 'HTTPRouteFilter') {
    throw new FilterError(`Invalid filter ExtensionRef: unknown kind ${ref.group}/${ref.kind}`);
  }
  const filter = ctx.resources.get('HTTPRouteFilter', route.metadata.namespace, ref.name);
  if (!filter) {
    const message = `Unable to translate HTTPRouteFilter: ${route.metadata.namespace}/${ref.name}`;
    setParentCondition(parent, condition('ResolvedRefs', false, 'BackendNotFound', message));
    throw new FilterError(message);
  }
  const spec = filter.spec ?? {};
  if (spec.directResponse) {
    const response: { statusCode: number; body?: string } = { statusCode: spec.directResponse.statusCode ?? 200 };
    // The CRD sets no bounds; Envoy answers with a status from 200 to 599 only.
    if (!(response.statusCode >= 200 && response.statusCode < 600)) {
      throw new FilterError(`HTTPRouteFilter ${route.metadata.namespace}/${ref.name}: direct response status ${response.statusCode} is outside 200 to 599, which Envoy allows`);
    }
    const body = spec.directResponse.body;
    if (body?.type === 'Inline' || (body && body.type === undefined)) response.body = body.inline;
    else if (body?.type === 'ValueRef') {
      const configMap = ctx.resources.get('ConfigMap', route.metadata.namespace, body.valueRef?.name);
      const value = configMap?.data && Object.values(configMap.data)[0];
      if (typeof value !== 'string') throw new FilterError(`Unable to translate HTTPRouteFilter: ${route.metadata.namespace}/${ref.name}`);
      response.body = value;
    }
    result.directResponse = response;
  }
  if (spec.urlRewrite) {
    const rewrite: URLRewrite = {};
    const path = spec.urlRewrite.path;
    if (path?.type === 'ReplaceRegexMatch') {
      const regex = path.replaceRegexMatch;
      if (!regex?.pattern) throw new FilterError('ReplaceRegexMatch Pattern must be set when rewrite path type is "ReplaceRegexMatch"');
      if (validateRegex(regex.pattern) !== undefined) throw new FilterError('ReplaceRegexMatch must be a valid RE2 regular expression');
      rewrite.path = { regexMatchReplace: { pattern: regex.pattern, substitution: regex.substitution ?? '' } };
    }
    const hostname = spec.urlRewrite.hostname;
    if (hostname?.type === 'Header') {
      if (!hostname.header) throw new FilterError('Header must be set when rewrite path type is "Header"');
      rewrite.host = { header: hostname.header };
    } else if (hostname?.type === 'Backend') {
      rewrite.host = { backend: true };
    }
    mergeRewrite(result, rewrite, 'merge');
  }
}
