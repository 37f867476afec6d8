import type { HTTPRoute } from '../../ir/types.js';
import { any, type Json } from '../resources.js';
import { noPolicies, perPolicyFilters, perPolicyRouteConfig, type HttpFilterFeature } from './common.js';

export const customResponseFilterType = 'envoy.filters.http.custom_response';

interface ResponseOverride {
  name: string;
  rules?: {
    name: string;
    match: { statusCodes?: { value?: number; range?: { start: number; end: number } }[] };
    response: { body?: string; contentType?: string; statusCode?: number };
  }[];
}

function overridesOf(route: HTTPRoute): ResponseOverride[] {
  const override = (route.traffic as { responseOverride?: ResponseOverride } | undefined)?.responseOverride;
  return override ? [override] : noPolicies;
}

const statusCodeInput = {
  name: 'http-response-status-code-match-input',
  typedConfig: any('envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput', {}),
};

/** `response.code >= start && response.code <= end` as a parsed CEL expression (ids in CEL's numbering). */
function rangeExpression(start: number, end: number): Json {
  const comparison = (firstId: number, fn: string, bound: number): Json => ({
    callExpr: {
      args: [
        { id: String(firstId + 1), selectExpr: { field: 'code', operand: { id: String(firstId), identExpr: { name: 'response' } } } },
        { constExpr: { int64Value: String(bound) }, id: String(firstId + 3) },
      ],
      function: fn,
    },
    id: String(firstId + 2),
  });
  return { callExpr: { args: [comparison(1, '_>=_', start), comparison(5, '_<=_', end)], function: '_&&_' }, id: '9' };
}

function statusPredicate(code: { value?: number; range?: { start: number; end: number } }): Json {
  if (code.range) {
    return {
      singlePredicate: {
        customMatch: {
          name: 'cel-matcher',
          typedConfig: any('xds.type.matcher.v3.CelMatcher', { exprMatch: { parsedExpr: { expr: rangeExpression(code.range.start, code.range.end) } } }),
        },
        input: { name: 'http-attributes-cel-match-input', typedConfig: any('xds.type.matcher.v3.HttpAttributesCelMatchInput', {}) },
      },
    };
  }
  return { singlePredicate: { input: statusCodeInput, valueMatch: { exact: String(code.value) } } };
}

function buildCustomResponse(override: ResponseOverride): Json {
  const matchers = (override.rules ?? []).map((rule) => {
    const predicates = (rule.match.statusCodes ?? []).map(statusPredicate);
    const policy: Json = {};
    if (rule.response.body !== undefined) policy.body = { inlineString: rule.response.body };
    if (rule.response.contentType) {
      policy.responseHeadersToAdd = [{ appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'Content-Type', value: rule.response.contentType } }];
    }
    if (rule.response.statusCode) policy.statusCode = rule.response.statusCode;
    return {
      onMatch: {
        action: { name: rule.name, typedConfig: any('envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy', policy) },
      },
      predicate: predicates.length === 1 ? predicates[0] : { orMatcher: { predicate: predicates } },
    };
  });
  return any('envoy.extensions.filters.http.custom_response.v3.CustomResponse', { customResponseMatcher: { matcherList: { matchers } } });
}

export const customResponseFeature: HttpFilterFeature = {
  routeFields: ['traffic'],
  listenerFilters: (listener) => perPolicyFilters(listener, customResponseFilterType, overridesOf, buildCustomResponse),
  routeConfig: (route) => perPolicyRouteConfig(route, customResponseFilterType, overridesOf),
};
