/**
 * BackendTrafficPolicy: how a Gateway's routes talk to their backends. A policy targeting a
 * route wins over one targeting the route's Gateway; the older of two policies naming the same
 * target wins, the other is Conflicted.
 */
import { cloneData } from '../ir/clone.js';
import type { HTTPRoute, TCPRoute, TrafficFeatures, UDPListener, Xds } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import type { GatewayContext, TranslationContext } from './context.js';
import {
  ancestorRefFor,
  gatewayTargets,
  httpRoutesByPrefix,
  irRoutePrefix,
  policyErrorMessage,
  policyTargetRefs,
  PolicyRun,
  routeAncestorRefs,
  routeCandidates,
  routeTargetKey,
  routeTargets,
  setAcceptedIfUnset,
  setOverridden,
  setResolveError,
  setTranslationError,
} from './policy.js';
import { buildTrafficFeatures, mergeTimeouts, type BuiltTrafficFeatures } from './trafficfeatures.js';

type UDPRoute = NonNullable<UDPListener['route']>;

export function processBackendTrafficPolicies(ctx: TranslationContext): void {
  const run = new PolicyRun(ctx, 'BackendTrafficPolicy');
  const routes = routeTargets(ctx);
  const gateways = gatewayTargets(ctx);
  const routeObjects = routeCandidates(ctx);
  const gatewayObjects = ctx.gateways.map((g) => g.object);
  const policies = run.policies();
  /** IR routes a route-level policy configured: Gateway-level policies leave them alone. */
  const configured = new Set<object>();
  /** Gateway `ns/name` → routes (`ns/name`) on it that a route-level policy targets. */
  const overriddenRoutes = new Map<string, Set<string>>();
  const irRoutes = httpRoutesByPrefix(ctx);

  for (const policy of policies) {
    for (const target of policyTargetRefs(policy, routeObjects)) {
      if (target.kind === 'Gateway') continue;
      run.handle(policy);
      const routeTarget = routes.get(routeTargetKey(target.kind, policy.metadata.namespace!, target.name));
      if (!routeTarget) continue;
      const route = routeTarget.route;
      const ancestors = routeAncestorRefs(route);
      for (const ancestor of ancestors) {
        const key = `${ancestor.namespace}/${ancestor.name}`;
        if (!overriddenRoutes.has(key)) overriddenRoutes.set(key, new Set());
        overriddenRoutes.get(key)!.add(`${route.metadata.namespace}/${route.metadata.name}`);
      }
      if (routeTarget.attached) {
        setResolveError(policy, ancestors, run.controllerName, 'Conflicted', `Unable to target ${target.kind} ${target.name}, another BackendTrafficPolicy has already attached to it`);
        continue;
      }
      routeTarget.attached = true;
      const built = buildTrafficFeatures(ctx, policy);
      applyToRoute(ctx, irRoutes, policy, route, built, configured);
      if (built.error) setTranslationError(policy, ancestors, run.controllerName, policyErrorMessage(built.error));
      setAcceptedIfUnset(policy, ancestors, run.controllerName);
    }
  }

  for (const policy of policies) {
    for (const target of policyTargetRefs(policy, gatewayObjects)) {
      if (target.kind !== 'Gateway') continue;
      run.handle(policy);
      const key = `${policy.metadata.namespace}/${target.name}`;
      const gatewayTarget = gateways.get(key);
      if (!gatewayTarget) continue;
      const gateway = gatewayTarget.gateway;
      const ancestors = [ancestorRefFor(gateway.namespace, gateway.name)];
      if (gatewayTarget.attached) {
        setResolveError(policy, ancestors, run.controllerName, 'Conflicted', `Unable to target Gateway ${target.name}, another BackendTrafficPolicy has already attached to it`);
        continue;
      }
      gatewayTarget.attached = true;
      const built = buildTrafficFeatures(ctx, policy);
      applyToGateway(ctx, policy, gateway, built, configured);
      if (built.error) setTranslationError(policy, ancestors, run.controllerName, policyErrorMessage(built.error));
      setAcceptedIfUnset(policy, ancestors, run.controllerName);
      const overridden = overriddenRoutes.get(key);
      if (overridden) {
        const names = [...overridden].sort();
        setOverridden(policy, ancestors, run.controllerName, `This policy is being overridden by other backendTrafficPolicies for these routes: [${names.join(' ')}]`);
      }
    }
  }
  run.finish();
}

/** A route whose policy is invalid answers 500 rather than run without the policy. */
function failRoute(route: HTTPRoute): void {
  route.directResponse = { statusCode: 500 };
}

function applyToHTTPRoute(ctx: TranslationContext, policy: KubeObject, route: HTTPRoute, built: BuiltTrafficFeatures): void {
  if (built.error) {
    failRoute(route);
    return;
  }
  const traffic: TrafficFeatures = cloneData(built.features, ctx.irSources);
  const timeout = mergeTimeouts(built.timeout, route.traffic?.timeout);
  if (timeout) traffic.timeout = timeout;
  // An active HTTP health check without a host asks for the route's own hostname.
  const http = traffic.healthCheck?.active?.http;
  if (http && !http.host) http.host = route.hostname;
  route.traffic = traffic;
  if (policy.spec?.useClientProtocol !== undefined) route.useClientProtocol = policy.spec.useClientProtocol;
}

/** The settings of a TCP route (its cluster's), from the policy's features. */
function applyToTCPRoute(ctx: TranslationContext, route: TCPRoute, built: BuiltTrafficFeatures): void {
  const { loadBalancer, proxyProtocol, healthCheck, circuitBreaker, tcpKeepalive, backendConnection, dns } = built.features;
  const settings: Record<string, unknown> = { loadBalancer, proxyProtocol, healthCheck, circuitBreaker, tcpKeepalive, timeout: built.timeout, backendConnection, dns };
  for (const [key, value] of Object.entries(settings)) {
    if (value !== undefined) route[key] = cloneData(value, ctx.irSources);
  }
  const http = (route.healthCheck as TrafficFeatures['healthCheck'])?.active?.http;
  if (http && http.host === undefined) http.host = '';
}

function applyToUDPRoute(route: UDPRoute, built: BuiltTrafficFeatures): void {
  if (built.features.loadBalancer) route.loadBalancer = cloneData(built.features.loadBalancer);
}

function applyToRoute(
  ctx: TranslationContext,
  irRoutes: ReadonlyMap<string, HTTPRoute[]>,
  policy: KubeObject,
  route: KubeObject,
  built: BuiltTrafficFeatures,
  configured: Set<object>,
): void {
  const prefix = irRoutePrefix(route);
  for (const irRoute of irRoutes.get(prefix) ?? []) {
    configured.add(irRoute);
    applyToHTTPRoute(ctx, policy, irRoute, built);
  }
  if (built.error) return;
  for (const xds of Object.values(ctx.xdsIR)) {
    for (const listener of xds.tcp ?? []) {
      for (const irRoute of listener.routes ?? []) {
        if (!irRoute.destination?.name.startsWith(prefix)) continue;
        configured.add(irRoute);
        applyToTCPRoute(ctx, irRoute, built);
      }
    }
    for (const listener of xds.udp ?? []) {
      const irRoute = listener.route;
      if (!irRoute?.destination?.name.startsWith(prefix)) continue;
      configured.add(irRoute);
      applyToUDPRoute(irRoute, built);
    }
  }
}

/** Every route of the Gateway that no route-level policy configured gets the policy's settings. */
function applyToGateway(ctx: TranslationContext, policy: KubeObject, gateway: GatewayContext, built: BuiltTrafficFeatures, configured: Set<object>): void {
  const xds: Xds | undefined = ctx.xdsIR[gateway.irKey];
  if (!xds) return;
  // Merged gateways share one IR: only this Gateway's listeners are its own.
  const ownListener = (name: string) => name.slice(0, name.lastIndexOf('/')) === `${gateway.namespace}/${gateway.name}`;
  for (const listener of xds.http ?? []) {
    if (!ownListener(listener.name)) continue;
    for (const irRoute of listener.routes ?? []) {
      if (configured.has(irRoute)) continue;
      applyToHTTPRoute(ctx, policy, irRoute, built);
    }
  }
  if (built.error) return;
  for (const listener of xds.tcp ?? []) {
    if (!ownListener(listener.name)) continue;
    for (const irRoute of listener.routes ?? []) {
      if (!configured.has(irRoute)) applyToTCPRoute(ctx, irRoute, built);
    }
  }
  for (const listener of xds.udp ?? []) {
    if (!ownListener(listener.name) || !listener.route || configured.has(listener.route)) continue;
    applyToUDPRoute(listener.route, built);
  }
}
