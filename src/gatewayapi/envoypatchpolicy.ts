/**
 * EnvoyPatchPolicy: JSON patches applied to the generated Envoy resources of one Gateway (or,
 * with merged gateways, of the GatewayClass). The IR carries each policy with its status, so the
 * xDS stage can report a patch that does not apply; patches run in priority order.
 */
import type { KubeObject } from '../load/resource.js';
import { condition } from './conditions.js';
import type { TranslationContext } from './context.js';
import { type AncestorRef, PolicyRun, setAncestorCondition } from './policy.js';
import { gatewayGroup } from './resources.js';

export function processEnvoyPatchPolicies(ctx: TranslationContext): void {
  const run = new PolicyRun(ctx, 'EnvoyPatchPolicy');
  // A stable sort: among equal priorities, the oldest policy patches first.
  const policies = run.policies().sort((a, b) => (a.spec?.priority ?? 0) - (b.spec?.priority ?? 0));
  const targetKind = ctx.mergeGateways ? 'GatewayClass' : 'Gateway';
  for (const policy of policies) {
    const namespace = policy.metadata.namespace ?? 'default';
    const targetRef = policy.spec?.targetRef ?? {};
    // The IR the policy patches, named after its target. With merged gateways a target of the
    // wrong kind is still reported, on the class's IR.
    const irKey = !ctx.mergeGateways
      ? `${namespace}/${targetRef.name}`
      : targetRef.kind === 'GatewayClass'
        ? targetRef.name
        : ctx.gatewayClass!.metadata.name;
    const xds = ctx.xdsIR[irKey];
    if (!xds) continue;
    run.handle(policy);
    const ancestor: AncestorRef = ctx.mergeGateways
      ? ({ group: gatewayGroup, kind: 'GatewayClass', name: targetRef.name } as AncestorRef)
      : { group: gatewayGroup, kind: 'Gateway', name: targetRef.name, namespace };
    const entry: Record<string, unknown> = { name: policy.metadata.name, namespace };
    const problem = patchPolicyProblem(ctx, policy, targetKind);
    if (problem) {
      setAncestorCondition(policy, ancestor, run.controllerName, condition('Accepted', false, problem.reason, problem.message));
    } else {
      entry.jsonPatches = structuredClone(policy.spec?.jsonPatches ?? []);
      setAncestorCondition(policy, ancestor, run.controllerName, condition('Accepted', true, 'Accepted', 'Policy has been accepted.'));
    }
    entry.status = structuredClone(policy.status);
    (xds.envoyPatchPolicies ??= []).push(entry);
  }
  run.finish();
}

function patchPolicyProblem(ctx: TranslationContext, policy: KubeObject, targetKind: string): { reason: string; message: string } | undefined {
  if (!ctx.options.features.envoyPatchPolicy) {
    return { reason: 'Disabled', message: 'EnvoyPatchPolicy is disabled in the EnvoyGateway configuration' };
  }
  const targetRef = policy.spec?.targetRef ?? {};
  if ((targetRef.group ?? '') !== gatewayGroup || targetRef.kind !== targetKind) {
    return {
      reason: 'Invalid',
      message: `TargetRef.Group:${targetRef.group ?? ''} TargetRef.Kind:${targetRef.kind}, only TargetRef.Group:${gatewayGroup} and TargetRef.Kind:${targetKind} is supported.`,
    };
  }
  if ((policy.spec?.type ?? 'JSONPatch') !== 'JSONPatch') {
    return { reason: 'Invalid', message: `Type ${policy.spec.type} is not supported, only JSONPatch is.` };
  }
  return undefined;
}
