import type { KubeObject } from '../load/resource.js';

/**
 * What the API server writes into objects before anyone reads them, where the text as written
 * would otherwise mean something else to the translator (which, like the reference, reads
 * stored objects): defaults for absent fields, and Secret data in its canonical form (the
 * server skips line breaks in base64; Envoy's bytes fields do not). Applied in place to objects
 * that passed the schema stage.
 */
export function applyDefaults(objects: readonly KubeObject[]): void {
  for (const object of objects) {
    if (object.kind === 'Gateway') {
      for (const listener of object.spec?.listeners ?? []) {
        for (const kind of listener.allowedRoutes?.kinds ?? []) kind.group ??= 'gateway.networking.k8s.io';
      }
    } else if (object.kind === 'Secret' && object.data) {
      const data = object.data as Record<string, unknown>;
      for (const key of Object.keys(data)) {
        const value = data[key];
        if (typeof value === 'string' && /[\r\n]/.test(value)) data[key] = Buffer.from(value, 'base64').toString('base64');
      }
    }
  }
}
