import type { DestinationSetting, TCPListener, TCPRoute, UDPListener } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import { resolveBackendRef, type BackendRef } from './backendref.js';
import { condition } from './conditions.js';
import type { TranslationContext } from './context.js';
import { computeHosts } from './hostname.js';
import { parentHasCondition, resolveParents, setParentCondition, type RouteParent } from './parents.js';

/**
 * Translates TLSRoutes, TCPRoutes and UDPRoutes (in that order, as the reference does) into
 * routes on the IR's TCP and UDP listeners.
 */
export function processLayer4Routes(ctx: TranslationContext): void {
  for (const route of ctx.resources.all('TLSRoute')) {
    for (const parent of resolveParents(ctx, route)) translateTLSRoute(ctx, route, parent);
  }
  for (const route of ctx.resources.all('TCPRoute')) {
    for (const parent of resolveParents(ctx, route)) translateTCPRoute(ctx, route, parent);
  }
  for (const route of ctx.resources.all('UDPRoute')) {
    for (const parent of resolveParents(ctx, route)) translateUDPRoute(ctx, route, parent);
  }
}

/** IR names: the route is `kind/ns/name`; its single destination uses rule index -1. */
function routeName(route: KubeObject): string {
  return `${route.kind.toLowerCase()}/${route.metadata.namespace ?? 'default'}/${route.metadata.name}`;
}

function destinationName(route: KubeObject): string {
  return `${routeName(route)}/rule/-1`;
}

function resolveSettings(ctx: TranslationContext, route: KubeObject, parent: RouteParent, refs: BackendRef[]): DestinationSetting[] {
  const settings: DestinationSetting[] = [];
  for (const ref of refs) {
    const setting = resolveBackendRef(ctx, route, parent, ref);
    if (setting) settings.push(setting);
  }
  return settings;
}

/** Sets ResolvedRefs=True unless a reference already failed; returns whether the parent accepted the route. */
function finishRefs(parent: RouteParent): boolean {
  if (!parentHasCondition(parent, 'ResolvedRefs', 'False')) {
    setParentCondition(parent, condition('ResolvedRefs', true, 'ResolvedRefs', 'Resolved all the Object references for the Route'));
  }
  return parentHasCondition(parent, 'Accepted', 'True');
}

/**
 * TCP and UDP routes forward a whole connection (or datagram stream), so they carry exactly one
 * rule; every rule's backends would otherwise be ambiguous.
 */
function singleRule(route: KubeObject, parent: RouteParent): any | undefined {
  const rules: any[] = route.spec?.rules ?? [];
  if (rules.length !== 1) {
    setParentCondition(parent, condition('ResolvedRefs', false, 'InvalidRule', 'One and only one rule is supported'));
    return undefined;
  }
  return rules[0];
}

function tcpListenerFor(ctx: TranslationContext, irKey: string, name: string): TCPListener | undefined {
  return ctx.xdsIR[irKey]?.tcp?.find((l) => l.name === name);
}

function udpListenerFor(ctx: TranslationContext, irKey: string, name: string): UDPListener | undefined {
  return ctx.xdsIR[irKey]?.udp?.find((l) => l.name === name);
}

/**
 * TLS passthrough: the backends of all rules share one destination, selected by the SNI names
 * the route and the listener have in common.
 */
function translateTLSRoute(ctx: TranslationContext, route: KubeObject, parent: RouteParent): void {
  const refs: BackendRef[] = (route.spec?.rules ?? []).flatMap((rule: any) => rule.backendRefs ?? []);
  const settings = resolveSettings(ctx, route, parent, refs);
  if (!finishRefs(parent)) return;

  let intersects = false;
  for (const listener of parent.listeners) {
    const hosts = computeHosts(route.spec?.hostnames ?? [], listener.hostname);
    if (hosts.length === 0) continue;
    intersects = true;
    const irListener = tcpListenerFor(ctx, listener.gateway.irKey, listener.irName);
    if (!irListener) continue;
    const irRoute: TCPRoute = {
      name: routeName(route),
      tls: { inspector: { snis: hosts } },
      destination: { name: destinationName(route), settings },
    };
    (irListener.routes ??= []).push(irRoute);
  }
  if (!intersects) {
    setParentCondition(
      parent,
      condition('Accepted', false, 'NoMatchingListenerHostname', "There were no hostname intersections between the HTTPRoute and this parent ref's Listener(s)."),
    );
  }
}

/**
 * A TCP listener forwards every connection to one destination, so only the first route attached
 * to it is programmed. On a TLS-terminating listener the route terminates with the listener's
 * certificates, selected by the listener's hostname when it has one.
 */
function translateTCPRoute(ctx: TranslationContext, route: KubeObject, parent: RouteParent): void {
  const rule = singleRule(route, parent);
  const settings = rule ? resolveSettings(ctx, route, parent, rule.backendRefs ?? []) : [];
  if (!finishRefs(parent) || !rule) return;

  let programmed = false;
  for (const listener of parent.listeners) {
    if (listener.attachedRoutes > 1 || !listener.ready) continue;
    programmed = true;
    const irListener = tcpListenerFor(ctx, listener.gateway.irKey, listener.irName);
    if (!irListener) continue;
    const irRoute: TCPRoute = { name: routeName(route), destination: { name: destinationName(route), settings } };
    if (irListener.tls) {
      // Shared, not copied: listener TLS settings applied later (ClientTrafficPolicy) apply to the route too.
      irRoute.tls = { terminate: irListener.tls };
      if (listener.hostname) irRoute.tls.inspector = { snis: [listener.hostname] };
    }
    (irListener.routes ??= []).push(irRoute);
  }
  if (!programmed) {
    setParentCondition(parent, condition('Accepted', false, 'UnsupportedValue', 'Multiple routes on the same TCP listener'));
  }
}

/** Like TCP: a UDP listener has a single route, the first attached. */
function translateUDPRoute(ctx: TranslationContext, route: KubeObject, parent: RouteParent): void {
  const rule = singleRule(route, parent);
  const settings = rule ? resolveSettings(ctx, route, parent, rule.backendRefs ?? []) : [];
  if (!finishRefs(parent) || !rule) return;

  let programmed = false;
  for (const listener of parent.listeners) {
    if (listener.attachedRoutes > 1 || !listener.ready) continue;
    programmed = true;
    const irListener = udpListenerFor(ctx, listener.gateway.irKey, listener.irName);
    if (irListener) irListener.route = { name: routeName(route), destination: { name: destinationName(route), settings } };
  }
  if (!programmed) {
    setParentCondition(parent, condition('Accepted', false, 'UnsupportedValue', 'Multiple routes on the same UDP listener'));
  }
}
