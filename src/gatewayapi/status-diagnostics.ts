import { diagnosticAt, noteAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { KubeObject } from '../load/resource.js';
import type { Condition } from './conditions.js';

const routeKinds = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);

function failed(conditions: readonly Condition[] | undefined): Condition[] {
  return (conditions ?? []).filter(
    (c) => (c.status === 'False' && c.type !== 'Conflicted') || (c.type === 'Conflicted' && c.status === 'True'),
  );
}

/** The field a route-parent condition is about: a backendRef problem points at the rules. */
function routePath(route: KubeObject, parentIndex: number, condition: Condition): (string | number)[] {
  if (condition.type === 'ResolvedRefs') return ['spec', 'rules'];
  const refs: any[] = route.spec?.parentRefs ?? [];
  const parentRef = route.status?.parents?.[parentIndex]?.parentRef;
  const index = refs.findIndex((r) => r.name === parentRef?.name && r.sectionName === parentRef?.sectionName && r.port === parentRef?.port);
  return ['spec', 'parentRefs', index >= 0 ? index : 0];
}

/**
 * Turns computed statuses into diagnostics, so a listener or route the reference would leave
 * unprogrammed fails a build with its location. The status itself stays the source of truth.
 */
export function diagnosticsFromStatuses(objects: readonly KubeObject[], gatewaysByName: (namespace: string, name: string) => KubeObject | undefined): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const object of objects) {
    if (object.kind === 'Gateway') {
      (object.status?.listeners ?? []).forEach((listener: any, index: number) => {
        const specIndex = (object.spec?.listeners ?? []).findIndex((l: any) => l.name === listener.name);
        const problems = failed(listener.conditions);
        // Programmed=False only repeats the cause given by another condition.
        const causes = problems.filter((c) => !(c.type === 'Programmed' && c.reason === 'Invalid' && problems.length > 1));
        for (const condition of causes) {
          diagnostics.push(
            diagnosticAt(object, ['spec', 'listeners', specIndex >= 0 ? specIndex : index], {
              code: condition.type === 'Conflicted' ? codes.listenerConflict : condition.type === 'ResolvedRefs' ? codes.refNotResolved : codes.listenerNotAccepted,
              message: `listener \`${listener.name}\`: ${condition.message} (${condition.type}: ${condition.reason})`,
            }),
          );
        }
      });
    } else if (routeKinds.has(object.kind)) {
      (object.status?.parents ?? []).forEach((parent: any, index: number) => {
        for (const condition of failed(parent.conditions)) {
          const ref = parent.parentRef ?? {};
          const gateway = gatewaysByName(ref.namespace ?? object.metadata.namespace, ref.name);
          const notes = gateway ? [noteAt(gateway, ['metadata', 'name'], `Gateway ${gateway.metadata.namespace}/${gateway.metadata.name} is here`)] : undefined;
          diagnostics.push(
            diagnosticAt(object, routePath(object, index, condition), {
              code: condition.type === 'ResolvedRefs' ? codes.refNotResolved : codes.routeNotAccepted,
              message: `${condition.message} (${condition.type}: ${condition.reason}, parent Gateway ${ref.namespace ?? object.metadata.namespace}/${ref.name})`,
              notes,
            }),
          );
        }
      });
    }
  }
  return diagnostics;
}

const conditionCodes: Record<string, string> = {
  GatewayClass: codes.gatewayClassNotAccepted,
  Gateway: codes.gatewayNotAccepted,
};

/**
 * Resource-level conditions (status.conditions, and policy status.ancestors[].conditions):
 * Accepted=False or ResolvedRefs=False on a GatewayClass, Gateway or policy, unless already
 * reported at the same place. Listener and route conditions are diagnosticsFromStatuses'.
 */
export function resourceStatusFindings(objects: readonly KubeObject[], known: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set(known.map((d) => `${d.code}|${d.file}|${d.line}|${d.column}`));
  const findings: Diagnostic[] = [];
  for (const object of objects) {
    const isPolicy = object.kind.endsWith('Policy');
    if (!conditionCodes[object.kind] && !isPolicy) continue;
    const conditionLists: any[][] = [object.status?.conditions ?? [], ...(object.status?.ancestors ?? []).map((a: any) => a.conditions ?? [])];
    for (const condition of conditionLists.flat()) {
      if (condition?.status !== 'False' || (condition.type !== 'Accepted' && condition.type !== 'ResolvedRefs')) continue;
      const code = condition.type === 'ResolvedRefs' ? codes.refNotResolved : isPolicy ? codes.policyNotAccepted : conditionCodes[object.kind];
      const finding = diagnosticAt(object, isPolicy ? ['spec'] : ['metadata', 'name'], {
        code,
        message: `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}: ${condition.message} (${condition.type}: ${condition.reason})`,
      });
      const key = `${finding.code}|${finding.file}|${finding.line}|${finding.column}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(finding);
    }
  }
  return findings;
}
