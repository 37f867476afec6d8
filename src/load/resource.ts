/** A Kubernetes-style object as loaded from YAML; kinds are typed where the translator reads them. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string | null;
  generation?: number;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: any;
}

/** `Kind namespace/name`, the way every message names a resource. */
export function describe(object: { kind: string; metadata: ObjectMeta }): string {
  const ns = object.metadata.namespace;
  return ns ? `${object.kind} ${ns}/${object.metadata.name}` : `${object.kind} ${object.metadata.name}`;
}

export function namespacedName(object: { metadata: ObjectMeta }): string {
  const ns = object.metadata.namespace;
  return ns ? `${ns}/${object.metadata.name}` : object.metadata.name;
}

/** The API group of an apiVersion: `gateway.networking.k8s.io/v1` → `gateway.networking.k8s.io`, `v1` → ``. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
