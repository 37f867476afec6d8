import type { KubeObject } from '../load/resource.js';

/**
 * Defaults the API server writes into objects before anyone reads them, where an absent field
 * would otherwise mean something else to the translator (which, like the reference, reads
 * stored objects). Applied in place to objects that passed the schema stage.
 */
export function applyDefaults(objects: readonly KubeObject[]): void {
  for (const object of objects) {
    if (object.kind !== 'Gateway') continue;
    for (const listener of object.spec?.listeners ?? []) {
      for (const kind of listener.allowedRoutes?.kinds ?? []) kind.group ??= 'gateway.networking.k8s.io';
    }
  }
}
