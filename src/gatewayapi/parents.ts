import { codes } from '../diagnostics/codes.js';
import { diagnosticAt } from '../diagnostics/at.js';
import type { KubeObject } from '../load/resource.js';
import { condition, setCondition, type Condition } from './conditions.js';
import type { GatewayContext, ListenerContext, TranslationContext } from './context.js';
import { listenerAllows } from './listener.js';
import { gatewayGroup } from './resources.js';

export interface RouteParentStatus {
  conditions: Condition[];
  controllerName: string;
  parentRef: Record<string, unknown>;
}

/** One parentRef of a route that points at a Gateway we translate. */
export interface RouteParent {
  ref: any;
  refIndex: number;
  status: RouteParentStatus;
  /** The listeners this route attached to through this parentRef (empty if not accepted). */
  listeners: ListenerContext[];
}

export function setParentCondition(parent: RouteParent, next: Condition): void {
  setCondition(parent.status.conditions, next);
}

export function parentHasCondition(parent: RouteParent, type: string, status: 'True' | 'False'): boolean {
  return parent.status.conditions.some((c) => c.type === type && c.status === status);
}

/**
 * Resolves a route's parentRefs to our gateways' listeners, applying allowedRoutes and counting
 * attached routes. Returns the relevant parents (those pointing at our gateways), each with its
 * status entry; the route's `status.parents` is set to them.
 */
export function resolveParents(ctx: TranslationContext, route: KubeObject): RouteParent[] {
  const namespace = route.metadata.namespace ?? 'default';
  const parents: RouteParent[] = [];
  const refs: any[] = route.spec?.parentRefs ?? [];
  // Plain loops and no closures: this runs once per route, mostly before the JIT has optimised it.
  for (let refIndex = 0; refIndex < refs.length; refIndex++) {
    const ref = refs[refIndex];
    if ((ref.group ?? gatewayGroup) !== gatewayGroup || (ref.kind ?? 'Gateway') !== 'Gateway') continue;
    const gatewayNamespace = ref.namespace ?? namespace;
    const gateway = ourGateway(ctx, gatewayNamespace, ref.name);
    if (gateway) {
      parents.push(attachParent(ctx, route, namespace, gateway, ref, refIndex));
      continue;
    }
    if (ctx.resources.get('Gateway', gatewayNamespace, ref.name)) continue;
    ctx.diagnostics.push(
      diagnosticAt(route, ['spec', 'parentRefs', refIndex, 'name'], {
        code: codes.noGatewayForRoute,
        message: `${route.kind} ${namespace}/${route.metadata.name} refers to Gateway ${gatewayNamespace}/${ref.name}, which does not exist`,
      }),
    );
  }
  if (parents.length > 0) route.status = { ...(route.status ?? {}), parents: parents.map((p) => p.status) };
  return parents;
}

function ourGateway(ctx: TranslationContext, namespace: string, name: string): GatewayContext | undefined {
  for (let index = 0; index < ctx.gateways.length; index++) {
    const gateway = ctx.gateways[index];
    if (gateway.namespace === namespace && gateway.name === name) return gateway;
  }
  return undefined;
}

/** One parentRef on one of our gateways: the listeners it selects that allow the route. */
function attachParent(ctx: TranslationContext, route: KubeObject, namespace: string, gateway: GatewayContext, ref: any, refIndex: number): RouteParent {
  const parent: RouteParent = {
    ref,
    refIndex,
    status: { conditions: [], controllerName: ctx.options.controllerName, parentRef: { ...ref } },
    listeners: [],
  };
  let selected = false;
  let ready = false;
  const allowed: ListenerContext[] = [];
  for (let index = 0; index < gateway.listeners.length; index++) {
    const listener = gateway.listeners[index];
    if ((ref.sectionName !== undefined && ref.sectionName !== listener.name) || (ref.port !== undefined && ref.port !== listener.port)) continue;
    selected = true;
    if (listener.ready) ready = true;
    if (listenerAllows(ctx, listener, route.kind, namespace)) allowed.push(listener);
  }
  if (!selected) {
    setParentCondition(parent, condition('Accepted', false, 'NoMatchingParent', 'No listeners match this parent ref'));
    return parent;
  }
  if (allowed.length === 0) {
    setParentCondition(parent, condition('Accepted', false, 'NotAllowedByListeners', 'No listeners included by this parent ref allowed this attachment.'));
    return parent;
  }
  for (let index = 0; index < allowed.length; index++) allowed[index].attachedRoutes++;
  if (!ready) {
    setParentCondition(parent, condition('Accepted', false, 'NoReadyListeners', 'There are no ready listeners for this parent ref'));
    return parent;
  }
  parent.listeners = allowed;
  setParentCondition(parent, condition('Accepted', true, 'Accepted', 'Route is accepted'));
  return parent;
}

/** An error as statuses show it: first letter capitalised, ending in a full stop. */
export function conditionMessage(error: string): string {
  const sentence = error.charAt(0).toUpperCase() + error.slice(1);
  return sentence.endsWith('.') ? sentence : `${sentence}.`;
}
