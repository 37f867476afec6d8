import type { HTTPListener, HTTPRoute } from '../../ir/types.js';
import { any, type Json } from '../resources.js';
import { routesOf, type HttpFilterFeature } from './common.js';
import { jwtFilterName } from './jwt.js';

export const rbacFilterName = 'envoy.filters.http.rbac';
const metadataMatcherType = 'envoy.extensions.matching.input_matchers.metadata.v3.Metadata';
const metadataInputType = 'envoy.extensions.matching.common_inputs.network.v3.DynamicMetadataInput';

interface Principal {
  clientCIDRs?: { ip: string; maskLen: number; cidr?: string }[];
  jwt?: { provider: string; scopes?: string[]; claims?: { name: string; valueType?: string; values: string[] }[] };
}

interface Authorization {
  defaultAction?: 'Allow' | 'Deny';
  rules?: { name: string; action: 'Allow' | 'Deny'; principal: Principal }[];
}

function authorizationOf(route: HTTPRoute): Authorization | undefined {
  return (route.security as { authorization?: Authorization } | undefined)?.authorization;
}

function action(name: string, verdict: 'Allow' | 'Deny'): Json {
  // ALLOW is the enum's zero value, so proto JSON leaves it out.
  const config = verdict === 'Deny' ? { action: 'DENY', name: 'DENY' } : { name: 'ALLOW' };
  return { action: { name, typedConfig: any('envoy.config.rbac.v3.Action', config) } };
}

/** A predicate on a JWT payload field that the jwt_authn filter left in dynamic metadata. */
function claimPredicate(matcherName: string, inputName: string, provider: string, path: string[], value: string, list: boolean): Json {
  const stringMatch = { exact: value };
  return {
    singlePredicate: {
      customMatch: { name: matcherName, typedConfig: any(metadataMatcherType, { value: list ? { listMatch: { oneOf: { stringMatch } } } : { stringMatch } }) },
      input: { name: inputName, typedConfig: any(metadataInputType, { filter: jwtFilterName, path: [provider, ...path].map((key) => ({ key })) }) },
    },
  };
}

/** All of a principal's conditions: client CIDRs, then each JWT scope, then each claim (any of its values). */
function principalPredicates(principal: Principal): Json[] {
  const predicates: Json[] = [];
  if (principal.clientCIDRs?.length) {
    predicates.push({
      singlePredicate: {
        customMatch: {
          name: 'ip_matcher',
          typedConfig: any('envoy.extensions.matching.input_matchers.ip.v3.Ip', {
            cidrRanges: principal.clientCIDRs.map((c) => ({ addressPrefix: c.ip, prefixLen: c.maskLen })),
            statPrefix: 'client_ip',
          }),
        },
        input: { name: 'client_ip', typedConfig: any('envoy.extensions.matching.common_inputs.network.v3.SourceIPInput', {}) },
      },
    });
  }
  const jwt = principal.jwt;
  if (jwt) {
    for (const scope of jwt.scopes ?? []) predicates.push(claimPredicate('scope_matcher', 'scope', jwt.provider, ['scope'], scope, true));
    // Lists and strings only: the SecurityPolicy schema does not check inside authorization.
    for (const claim of Array.isArray(jwt.claims) ? jwt.claims : []) {
      // Fail closed: skipping a malformed claim would widen who the rule matches.
      if (typeof claim?.name !== 'string' || !Array.isArray(claim.values)) throw new Error('an authorization JWT claim needs a name and a list of values');
      const path = claim.name.split('.');
      const list = claim.valueType === 'StringArray';
      const values = claim.values.map((v) => claimPredicate('claim_matcher', 'claim', jwt.provider, path, v, list));
      predicates.push(values.length === 1 ? values[0] : { orMatcher: { predicate: values } });
    }
  }
  return predicates;
}

function combined(predicates: Json[]): Json {
  return predicates.length === 1 ? predicates[0] : { andMatcher: { predicate: predicates } };
}

export const authorizationFeature: HttpFilterFeature = {
  routeFields: ['security'],
  listenerFilters(listener: HTTPListener): Json[] {
    if (!routesOf(listener).some((r) => authorizationOf(r))) return [];
    return [{ name: rbacFilterName, typedConfig: any('envoy.extensions.filters.http.rbac.v3.RBAC', {}) }];
  },
  routeConfig(route) {
    const authorization = authorizationOf(route);
    if (!authorization) return undefined;
    const matcher: Json = {};
    const matchers = (authorization.rules ?? []).map((rule) => ({ onMatch: action(rule.name, rule.action), predicate: combined(principalPredicates(rule.principal)) }));
    if (matchers.length) matcher.matcherList = { matchers };
    matcher.onNoMatch = action('default', authorization.defaultAction ?? 'Deny');
    return { [rbacFilterName]: any('envoy.extensions.filters.http.rbac.v3.RBACPerRoute', { rbac: { matcher } }) };
  },
};
