import type { KubeObject } from '../load/resource.js';

export const gatewayGroup = 'gateway.networking.k8s.io';
export const envoyGatewayGroup = 'gateway.envoyproxy.io';
export const multiclusterGroup = 'multicluster.x-k8s.io';

/**
 * Every input object, indexed by kind and namespaced name, in input order.
 * The translator reads resources only through this index.
 */
export class ResourceIndex {
  private readonly byKind = new Map<string, KubeObject[]>();
  /** kind → namespace → name → object: lookups need no key string built per call. */
  private readonly byKey = new Map<string, Map<string, Map<string, KubeObject>>>();
  private readonly endpointSlicesByService = new Map<string, KubeObject[]>();

  constructor(readonly objects: readonly KubeObject[]) {
    for (const object of objects) {
      const kind = object.kind;
      let list = this.byKind.get(kind);
      if (!list) this.byKind.set(kind, (list = []));
      list.push(object);
      let byNamespace = this.byKey.get(kind);
      if (!byNamespace) this.byKey.set(kind, (byNamespace = new Map()));
      const namespace = object.metadata.namespace ?? '';
      let byName = byNamespace.get(namespace);
      if (!byName) byNamespace.set(namespace, (byName = new Map()));
      if (!byName.has(object.metadata.name)) byName.set(object.metadata.name, object);
      if (kind === 'EndpointSlice') {
        const service = object.metadata.labels?.['kubernetes.io/service-name'];
        if (service) {
          const serviceKey = `${object.metadata.namespace}/${service}`;
          let slices = this.endpointSlicesByService.get(serviceKey);
          if (!slices) this.endpointSlicesByService.set(serviceKey, (slices = []));
          slices.push(object);
        }
      }
    }
  }

  all(kind: string): KubeObject[] {
    return this.byKind.get(kind) ?? [];
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.byKey.get(kind)?.get(namespace ?? '')?.get(name);
  }

  endpointSlicesFor(namespace: string, service: string): readonly KubeObject[] {
    return this.endpointSlicesByService.get(`${namespace}/${service}`) ?? noSlices;
  }

  namespaceLabels(namespace: string): Record<string, string> {
    return this.get('Namespace', '', namespace)?.metadata.labels ?? {};
  }
}

/** What endpointSlicesFor answers for a Service without slices: one list, never added to. */
const noSlices: readonly KubeObject[] = [];

/**
 * In a cluster every object's namespace exists; in files it usually goes unsaid. Returns the
 * objects plus a Namespace (without labels) for each namespace used but not defined.
 */
export function withImpliedNamespaces(objects: readonly KubeObject[]): KubeObject[] {
  const defined = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const used = new Set(objects.map((o) => o.metadata.namespace).filter((ns): ns is string => !!ns && !defined.has(ns)));
  return [...objects, ...[...used].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))];
}
