import type { ResourceIndex } from './resources.js';

export interface CrossNamespaceFrom {
  group: string;
  kind: string;
  namespace: string;
}

export interface CrossNamespaceTo {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** True when a ReferenceGrant in the target's namespace lets `from` refer to `to`. */
export function referenceAllowed(resources: ResourceIndex, from: CrossNamespaceFrom, to: CrossNamespaceTo): boolean {
  for (const grant of resources.all('ReferenceGrant')) {
    if (grant.metadata.namespace !== to.namespace) continue;
    const spec = grant.spec ?? {};
    const fromMatches = (spec.from ?? []).some(
      (f: any) => (f.group ?? '') === from.group && f.kind === from.kind && f.namespace === from.namespace,
    );
    if (!fromMatches) continue;
    const toMatches = (spec.to ?? []).some(
      (t: any) => (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name),
    );
    if (toMatches) return true;
  }
  return false;
}
