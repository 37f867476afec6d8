/**
 * Shared machinery of Envoy Gateway's policy kinds (ClientTrafficPolicy, BackendTrafficPolicy,
 * SecurityPolicy, EnvoyExtensionPolicy...): target resolution, ancestor statuses and their
 * conditions, as the reference translator reports them.
 *
 * A policy's status is a list of ancestors (always Gateways, with the sectionName the policy or
 * the route's parentRef named), each with its own conditions. Typical processing loop:
 *
 *   const run = new PolicyRun(ctx, 'BackendTrafficPolicy');
 *   for (const policy of run.policies()) {
 *     for (const target of policyTargetRefs(policy, candidates)) {
 *       run.handle(policy);                          // the policy gets a status from now on
 *       ... resolve target, compute ancestors ...
 *       if (conflict) { setResolveError(...); continue; }
 *       try { translate(...) } catch (e) { setTranslationError(..., policyErrorMessage(e)) }
 *       setAcceptedIfUnset(...);
 *     }
 *   }
 *   run.finish();                                     // statuses become diagnostics
 */
import { compareText } from '../collate.js';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import type { HTTPRoute } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import { condition, setCondition, type Condition } from './conditions.js';
import type { GatewayContext, TranslationContext } from './context.js';
import { gatewayGroup } from './resources.js';
import { parseLabelSelector } from './selector.js';

/** A policy's reference to its target, always in the policy's own namespace. */
export interface PolicyTargetRef {
  group: string;
  kind: string;
  name: string;
  sectionName?: string;
}

/** A Gateway API ParentReference naming a Gateway (or one of its listeners). */
export interface AncestorRef {
  group: string;
  kind: string;
  name: string;
  namespace: string;
  sectionName?: string;
}

export interface PolicyAncestorStatus {
  ancestorRef: AncestorRef;
  conditions: Condition[];
  controllerName: string;
}

/** Route kinds a policy may target, in the order the reference processes them. */
export const policyRouteKinds = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] as const;

/**
 * An error found while translating a policy; its message becomes the Accepted=False message.
 * `within` prefixes the feature name the way the reference does ("Connection: invalid ...").
 */
export class PolicyError extends Error {
  static within(feature: string, error: unknown): PolicyError {
    return new PolicyError(`${feature}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The reference's condition text for an error: first letter capitalised, ending with a period. */
export function policyErrorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (text === '') return text;
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return capitalised.endsWith('.') ? capitalised : `${capitalised}.`;
}

/** Several errors of one policy, one per line (Go's errors.Join). */
export function joinErrors(errors: readonly unknown[]): PolicyError | undefined {
  if (errors.length === 0) return undefined;
  return new PolicyError(errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n'));
}

/**
 * The targets of a policy: `targetRef`, else `targetRefs`, followed by the objects among
 * `candidates` that a `targetSelectors` entry selects by kind, group and labels (oldest first).
 */
export function policyTargetRefs(policy: KubeObject, candidates: readonly KubeObject[]): PolicyTargetRef[] {
  const spec = policy.spec ?? {};
  const explicit: any[] = spec.targetRef ? [spec.targetRef] : (spec.targetRefs ?? []);
  const refs: PolicyTargetRef[] = explicit.map((ref) => {
    const target: PolicyTargetRef = { group: ref.group ?? '', kind: ref.kind, name: ref.name };
    if (ref.sectionName !== undefined) target.sectionName = ref.sectionName;
    return target;
  });
  const selected: KubeObject[] = [];
  for (const selector of (spec.targetSelectors ?? []) as any[]) {
    const matches = parseLabelSelector({ matchLabels: selector.matchLabels ?? {}, matchExpressions: selector.matchExpressions });
    if (typeof matches === 'string') continue;
    for (const candidate of candidates) {
      if (candidate.metadata.namespace !== policy.metadata.namespace) continue;
      if (candidate.kind !== selector.kind || groupOfObject(candidate) !== (selector.group ?? gatewayGroup)) continue;
      if (matches(candidate.metadata.labels ?? {}) && !selected.includes(candidate)) selected.push(candidate);
    }
  }
  selected.sort((a, b) => compareText(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? ''));
  for (const object of selected) refs.push({ group: groupOfObject(object), kind: object.kind, name: object.metadata.name });
  return refs;
}

function groupOfObject(object: KubeObject): string {
  const slash = object.apiVersion.indexOf('/');
  return slash < 0 ? '' : object.apiVersion.slice(0, slash);
}

export function ancestorRefFor(namespace: string, name: string, sectionName?: string): AncestorRef {
  const ref: AncestorRef = { group: gatewayGroup, kind: 'Gateway', name, namespace };
  if (sectionName !== undefined) ref.sectionName = sectionName;
  return ref;
}

function sameAncestor(a: AncestorRef, b: AncestorRef): boolean {
  return a.name === b.name && a.namespace === b.namespace && a.sectionName === b.sectionName && a.kind === b.kind && a.group === b.group;
}

function ancestorsOf(policy: KubeObject): PolicyAncestorStatus[] {
  policy.status ??= {};
  return (policy.status.ancestors ??= []);
}

/** Sets one condition on the policy's status entry for `ancestor`, creating the entry if needed. */
export function setAncestorCondition(policy: KubeObject, ancestor: AncestorRef, controllerName: string, next: Condition): void {
  const ancestors = ancestorsOf(policy);
  const existing = ancestors.find((a) => sameAncestor(a.ancestorRef, ancestor));
  if (existing) {
    setCondition(existing.conditions, next);
    return;
  }
  // Gateway API caps a policy's ancestor list at 16 entries.
  if (ancestors.length >= 16) return;
  ancestors.push({ ancestorRef: { ...ancestor }, conditions: [next], controllerName });
}

function generationOf(policy: KubeObject): number | undefined {
  return policy.metadata.generation;
}

/** Accepted=False with `reason` (Conflicted, Invalid...) on each ancestor: the target could not be used. */
export function setResolveError(policy: KubeObject, ancestors: readonly AncestorRef[], controllerName: string, reason: string, message: string): void {
  for (const ancestor of ancestors) {
    setAncestorCondition(policy, ancestor, controllerName, condition('Accepted', false, reason, message, generationOf(policy)));
  }
}

/** Accepted=False, reason Invalid: the policy's settings could not be translated. */
export function setTranslationError(policy: KubeObject, ancestors: readonly AncestorRef[], controllerName: string, message: string): void {
  setResolveError(policy, ancestors, controllerName, 'Invalid', message);
}

/**
 * Accepted=True on each ancestor that has no Accepted condition yet. Like the reference, an
 * ancestor counts as already decided when any entry for the same Gateway (whatever its
 * sectionName) has an Accepted condition.
 */
export function setAcceptedIfUnset(policy: KubeObject, ancestors: readonly AncestorRef[], controllerName: string): void {
  for (const ancestor of ancestors) {
    const decided = ancestorsOf(policy).some(
      (a) => a.ancestorRef.name === ancestor.name && a.ancestorRef.namespace === ancestor.namespace && a.conditions.some((c) => c.type === 'Accepted'),
    );
    if (decided) continue;
    setAncestorCondition(policy, ancestor, controllerName, condition('Accepted', true, 'Accepted', 'Policy has been accepted.'));
  }
}

/**
 * Accepted=True on each ancestor whose own entry (same Gateway and sectionName) has no Accepted
 * condition yet. SecurityPolicy and EnvoyExtensionPolicy report a policy that targets both a
 * Gateway and a route under it as accepted on both entries.
 */
export function setAcceptedIfUnsetOnEntry(policy: KubeObject, ancestors: readonly AncestorRef[], controllerName: string): void {
  for (const ancestor of ancestors) {
    const entry = ancestorsOf(policy).find((a) => sameAncestor(a.ancestorRef, ancestor));
    if (entry?.conditions.some((c) => c.type === 'Accepted')) continue;
    setAncestorCondition(policy, ancestor, controllerName, condition('Accepted', true, 'Accepted', 'Policy has been accepted.'));
  }
}

/** Overridden=True: a more specific policy takes precedence on part of the target. */
export function setOverridden(policy: KubeObject, ancestors: readonly AncestorRef[], controllerName: string, message: string): void {
  for (const ancestor of ancestors) {
    setAncestorCondition(policy, ancestor, controllerName, condition('Overridden', true, 'Overridden', message, generationOf(policy)));
  }
}

/** A Gateway a policy may target, with whether a policy of the kind being processed already did. */
export interface GatewayTarget {
  gateway: GatewayContext;
  attached: boolean;
}

/** A route a policy may target: one that names at least one of this class's Gateways. */
export interface RouteTarget {
  route: KubeObject;
  attached: boolean;
}

export function gatewayTargets(ctx: TranslationContext): Map<string, GatewayTarget> {
  return new Map(ctx.gateways.map((gateway) => [`${gateway.namespace}/${gateway.name}`, { gateway, attached: false }]));
}

/** Whether any parentRef of `route` names one of the Gateways being translated. */
export function routeIsRelevant(ctx: TranslationContext, route: KubeObject): boolean {
  const namespace = route.metadata.namespace ?? 'default';
  return (route.spec?.parentRefs ?? []).some(
    (ref: any) =>
      (ref.group ?? gatewayGroup) === gatewayGroup &&
      (ref.kind ?? 'Gateway') === 'Gateway' &&
      ctx.gateways.some((g) => g.namespace === (ref.namespace ?? namespace) && g.name === ref.name),
  );
}

/**
 * The routes of policyRouteKinds, in that order, that name one of this class's Gateways: worked
 * out once per translation, as every policy kind asks.
 */
function relevantRoutes(ctx: TranslationContext): readonly KubeObject[] {
  let routes = relevantRoutesCache.get(ctx);
  if (!routes) {
    routes = [];
    for (const kind of policyRouteKinds) {
      for (const route of ctx.resources.all(kind)) if (routeIsRelevant(ctx, route)) routes.push(route);
    }
    relevantRoutesCache.set(ctx, routes);
  }
  return routes;
}

const relevantRoutesCache = new WeakMap<TranslationContext, KubeObject[]>();

export function routeTargets(ctx: TranslationContext): Map<string, RouteTarget> {
  const targets = new Map<string, RouteTarget>();
  for (const route of relevantRoutes(ctx)) {
    targets.set(routeTargetKey(route.kind, route.metadata.namespace ?? 'default', route.metadata.name), { route, attached: false });
  }
  return targets;
}

export function routeTargetKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** Every relevant route, for targetSelectors. */
export function routeCandidates(ctx: TranslationContext): KubeObject[] {
  return [...relevantRoutes(ctx)];
}

/**
 * The Gateways (with the parentRef's sectionName) a route hangs off: the ancestors a policy
 * targeting the route reports on, whether or not the Gateway is ours.
 */
export function routeAncestorRefs(route: KubeObject): AncestorRef[] {
  const namespace = route.metadata.namespace ?? 'default';
  return (route.spec?.parentRefs ?? [])
    .filter((ref: any) => (ref.kind ?? 'Gateway') === 'Gateway')
    .map((ref: any) => ancestorRefFor(ref.namespace ?? namespace, ref.name, ref.sectionName));
}

/** The prefix of every IR route (and destination) name produced from `route`. */
export function irRoutePrefix(route: KubeObject): string {
  return `${route.kind.toLowerCase()}/${route.metadata.namespace ?? 'default'}/${route.metadata.name}/`;
}

/**
 * Every HTTP IR route of the translation keyed by the irRoutePrefix of its name (`kind/ns/name/`,
 * names and namespaces having no `/`), in the order they were attached: a policy finds its
 * route's IR routes without scanning all of them. attachToListeners fills it as it adds routes
 * (policies run after every route is in the IR and add none).
 */
export function httpRoutesByPrefix(ctx: TranslationContext): ReadonlyMap<string, HTTPRoute[]> {
  return ctx.httpRoutesByPrefix ?? new Map();
}

/**
 * Policies of one kind processed for one GatewayClass: they are taken oldest first, and each one
 * gets a fresh status the first time it is handled.
 */
export class PolicyRun {
  private readonly handled = new Set<KubeObject>();

  constructor(
    readonly ctx: TranslationContext,
    readonly kind: string,
  ) {}

  get controllerName(): string {
    return this.ctx.options.controllerName;
  }

  /** The policies of this kind, oldest first (input order among equals). */
  policies(): KubeObject[] {
    return [...this.ctx.resources.all(this.kind)].sort((a, b) =>
      compareText(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? ''),
    );
  }

  /** Marks `policy` as handled by this class: its status is reset the first time. */
  handle(policy: KubeObject): void {
    if (this.handled.has(policy)) return;
    this.handled.add(policy);
    policy.status = { ancestors: [] };
  }

  /** Reports every ancestor on which a handled policy was not accepted as a diagnostic. */
  finish(): void {
    for (const policy of this.handled) {
      for (const ancestor of (policy.status?.ancestors ?? []) as PolicyAncestorStatus[]) {
        const accepted = ancestor.conditions.find((c) => c.type === 'Accepted');
        if (!accepted || accepted.status !== 'False') continue;
        const ref = ancestor.ancestorRef;
        const on = `Gateway ${ref.namespace}/${ref.name}${ref.sectionName ? ` listener ${ref.sectionName}` : ''}`;
        this.ctx.diagnostics.push(
          diagnosticAt(policy, ['spec'], {
            code: codes.policyNotAccepted,
            message: `${this.kind} ${policy.metadata.namespace}/${policy.metadata.name} is not accepted on ${on}: ${accepted.message} (Accepted: ${accepted.reason})`,
          }),
        );
      }
    }
  }
}
