import { codes } from '../diagnostics/codes.js';
import { diagnosticAt } from '../diagnostics/at.js';
import type { KubeObject } from '../load/resource.js';
import { condition, setCondition, type Condition } from './conditions.js';
import type { ListenerContext, TranslationContext } from './context.js';
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
  refs.forEach((ref, refIndex) => {
    const gateway = ctx.gateways.find(
      (g) =>
        (ref.group ?? gatewayGroup) === gatewayGroup &&
        (ref.kind ?? 'Gateway') === 'Gateway' &&
        (ref.namespace ?? namespace) === g.namespace &&
        ref.name === g.name,
    );
    if (!gateway) return;
    const parent: RouteParent = {
      ref,
      refIndex,
      status: { conditions: [], controllerName: ctx.options.controllerName, parentRef: { ...ref } },
      listeners: [],
    };
    parents.push(parent);
    const selected = gateway.listeners.filter(
      (l) => (ref.sectionName === undefined || ref.sectionName === l.name) && (ref.port === undefined || ref.port === l.port),
    );
    if (selected.length === 0) {
      setParentCondition(parent, condition('Accepted', false, 'NoMatchingParent', 'No listeners match this parent ref'));
      return;
    }
    const allowed = selected.filter((l) => listenerAllows(ctx, l, route.kind, namespace));
    if (allowed.length === 0) {
      setParentCondition(parent, condition('Accepted', false, 'NotAllowedByListeners', 'No listeners included by this parent ref allowed this attachment.'));
      return;
    }
    for (const listener of allowed) listener.attachedRoutes++;
    if (!selected.some((l) => l.ready)) {
      setParentCondition(parent, condition('Accepted', false, 'NoReadyListeners', 'There are no ready listeners for this parent ref'));
      return;
    }
    parent.listeners = allowed;
    setParentCondition(parent, condition('Accepted', true, 'Accepted', 'Route is accepted'));
  });
  refs.forEach((ref, index) => {
    if ((ref.kind ?? 'Gateway') !== 'Gateway' || (ref.group ?? gatewayGroup) !== gatewayGroup) return;
    const gatewayNamespace = ref.namespace ?? namespace;
    if (ctx.resources.get('Gateway', gatewayNamespace, ref.name)) return;
    ctx.diagnostics.push(
      diagnosticAt(route, ['spec', 'parentRefs', index, 'name'], {
        code: codes.noGatewayForRoute,
        message: `${route.kind} ${namespace}/${route.metadata.name} refers to Gateway ${gatewayNamespace}/${ref.name}, which does not exist`,
      }),
    );
  });
  if (parents.length > 0) route.status = { ...(route.status ?? {}), parents: parents.map((p) => p.status) };
  return parents;
}

/** An error as statuses show it: first letter capitalised, ending in a full stop. */
export function conditionMessage(error: string): string {
  const sentence = error.charAt(0).toUpperCase() + error.slice(1);
  return sentence.endsWith('.') ? sentence : `${sentence}.`;
}
