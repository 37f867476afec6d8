/**
 * SecurityPolicy: authentication and authorization features attached to routes (the IR route's
 * `security`), either through the route itself or through its Gateway.
 *
 * Attachment follows the reference: policies targeting routes are applied first, one per route
 * (a second one is Conflicted); then policies targeting Gateways fill in the routes that no
 * route-level policy claimed, and are marked Overridden for the routes they lost.
 */
import { cloneData } from '../ir/clone.js';
import type { HTTPRoute } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import type { TranslationContext } from './context.js';
import {
  ancestorRefFor,
  gatewayTargets,
  httpRoutesByPrefix,
  irRoutePrefix,
  joinErrors,
  PolicyError,
  policyErrorMessage,
  PolicyRun,
  policyTargetRefs,
  routeAncestorRefs,
  routeCandidates,
  routeTargetKey,
  routeTargets,
  setAcceptedIfUnsetOnEntry,
  setOverridden,
  setResolveError,
  setTranslationError,
} from './policy.js';
import { buildAuthorization, buildBasicAuth, buildCORS, buildExtAuth, buildJWT, buildOIDC } from './securityfeatures.js';

/** What a policy kind contributes to the IR routes it attaches to. */
export interface RoutePolicyKind {
  kind: 'SecurityPolicy' | 'EnvoyExtensionPolicy';
  /** The plural the reference uses in Overridden messages ("securityPolicies"). */
  plural: string;
  /** The IR route field the policy sets. */
  field: 'security' | 'envoyExtensions';
  /** Translates a policy's spec: the field's value, or undefined to leave routes untouched, plus errors. */
  build(ctx: TranslationContext, policy: KubeObject): { value?: Record<string, unknown>; errors: Error[] };
}

function httpRoutesOf(ctx: TranslationContext, irKey: string): { listenerName: string; route: HTTPRoute }[] {
  return (ctx.xdsIR[irKey]?.http ?? []).flatMap((listener) => (listener.routes ?? []).map((route) => ({ listenerName: listener.name, route })));
}

/**
 * Sets the policy's features on an IR route. A policy with errors makes the route answer 500:
 * serving it without (part of) its security or extensions would fail open.
 */
function applyToRoute(ctx: TranslationContext, route: HTTPRoute, field: RoutePolicyKind['field'], value: Record<string, unknown> | undefined, errors: readonly Error[]): void {
  if (value) route[field] = cloneData(value, ctx.irSources);
  if (errors.length) route.directResponse = { statusCode: 500 };
}

/**
 * Attaches every policy of `policyKind` to the IR routes it targets and writes its ancestor
 * statuses. Shared by SecurityPolicy and EnvoyExtensionPolicy, whose attachment rules are the same.
 */
export function attachRoutePolicies(ctx: TranslationContext, policyKind: RoutePolicyKind): void {
  const run = new PolicyRun(ctx, policyKind.kind);
  const routes = routeTargets(ctx);
  const gateways = gatewayTargets(ctx);
  const candidates = routeCandidates(ctx);
  // Per Gateway (ns/name): the routes under it that a route-level policy claimed.
  const claimedRoutes = new Map<string, Set<string>>();
  const built = new Map<KubeObject, ReturnType<RoutePolicyKind['build']>>();
  const build = (policy: KubeObject) => {
    if (!built.has(policy)) built.set(policy, policyKind.build(ctx, policy));
    return built.get(policy)!;
  };
  const policies = run.policies();
  const irRoutes = httpRoutesByPrefix(ctx);

  for (const policy of policies) {
    const namespace = policy.metadata.namespace ?? 'default';
    for (const target of policyTargetRefs(policy, candidates)) {
      if (target.kind === 'Gateway') continue;
      run.handle(policy);
      const routeTarget = routes.get(routeTargetKey(target.kind, namespace, target.name));
      // A route this class does not translate may be another controller's business.
      if (!routeTarget) continue;
      const route = routeTarget.route;
      const ancestors = routeAncestorRefs(route);
      for (const ancestor of ancestors) {
        const key = `${ancestor.namespace}/${ancestor.name}`;
        if (!claimedRoutes.has(key)) claimedRoutes.set(key, new Set());
        claimedRoutes.get(key)!.add(`${route.metadata.namespace ?? 'default'}/${route.metadata.name}`);
      }
      if (routeTarget.attached) {
        const message = `Unable to target ${target.kind} ${target.name}, another ${policyKind.kind} has already attached to it`;
        setResolveError(policy, ancestors, run.controllerName, 'Conflicted', message);
        continue;
      }
      routeTarget.attached = true;
      const { value, errors } = build(policy);
      for (const irRoute of irRoutes.get(irRoutePrefix(route)) ?? []) applyToRoute(ctx, irRoute, policyKind.field, value, errors);
      const error = joinErrors(errors);
      if (error) setTranslationError(policy, ancestors, run.controllerName, policyErrorMessage(error));
      setAcceptedIfUnsetOnEntry(policy, ancestors, run.controllerName);
    }
  }

  for (const policy of policies) {
    const namespace = policy.metadata.namespace ?? 'default';
    for (const target of policyTargetRefs(policy, ctx.gateways.map((g) => g.object))) {
      if (target.kind !== 'Gateway') continue;
      run.handle(policy);
      const gatewayTarget = gateways.get(`${namespace}/${target.name}`);
      if (!gatewayTarget) continue;
      const gateway = gatewayTarget.gateway;
      const ancestors = [ancestorRefFor(gateway.namespace, gateway.name, target.sectionName)];
      if (gatewayTarget.attached) {
        const message = `Unable to target Gateway ${target.name}, another ${policyKind.kind} has already attached to it`;
        setResolveError(policy, ancestors, run.controllerName, 'Conflicted', message);
        continue;
      }
      gatewayTarget.attached = true;
      const { value, errors } = build(policy);
      const listenerPrefix = `${gateway.namespace}/${gateway.name}/`;
      for (const { listenerName, route } of httpRoutesOf(ctx, gateway.irKey)) {
        if (!listenerName.startsWith(listenerPrefix)) continue;
        if (target.sectionName !== undefined && listenerName !== `${listenerPrefix}${target.sectionName}`) continue;
        // A policy on the route itself is more specific and wins.
        if (route[policyKind.field] !== undefined) continue;
        applyToRoute(ctx, route, policyKind.field, value, errors);
      }
      const error = joinErrors(errors);
      if (error) setTranslationError(policy, ancestors, run.controllerName, policyErrorMessage(error));
      const claimed = claimedRoutes.get(`${gateway.namespace}/${gateway.name}`);
      if (claimed?.size) {
        const list = [...claimed].sort().join(' ');
        setOverridden(policy, ancestors, run.controllerName, `This policy is being overridden by other ${policyKind.plural} for these routes: [${list}]`);
      }
      setAcceptedIfUnsetOnEntry(policy, ancestors, run.controllerName);
    }
  }
  run.finish();
}

/**
 * The IR `security` of a SecurityPolicy. Features that fail are left out and reported; the
 * others still apply, as in the reference.
 */
function buildSecurity(ctx: TranslationContext, policy: KubeObject): { value: Record<string, unknown>; errors: Error[] } {
  const spec = policy.spec ?? {};
  const security: Record<string, unknown> = {};
  const errors: Error[] = [];
  const features: [string, string, () => Record<string, unknown>][] = [
    ['cors', 'CORS', () => buildCORS(spec.cors)],
    ['jwt', 'JWT', () => buildJWT(spec.jwt)],
    ['oidc', 'OIDC', () => buildOIDC(ctx, policy, spec.oidc)],
    ['basicAuth', 'BasicAuth', () => buildBasicAuth(ctx, policy, spec.basicAuth)],
    ['extAuth', 'ExtAuth', () => buildExtAuth(ctx, policy, spec.extAuth)],
    ['authorization', 'Authorization', () => buildAuthorization(policy, spec.authorization)],
  ];
  for (const [field, label, translate] of features) {
    if (spec[field] === undefined || spec[field] === null) continue;
    try {
      security[field] = translate();
    } catch (error) {
      errors.push(PolicyError.within(label, error));
    }
  }
  return { value: security, errors };
}

export const securityPolicyKind: RoutePolicyKind = {
  kind: 'SecurityPolicy',
  plural: 'securityPolicies',
  field: 'security',
  build: buildSecurity,
};

export function processSecurityPolicies(ctx: TranslationContext): void {
  attachRoutePolicies(ctx, securityPolicyKind);
}
