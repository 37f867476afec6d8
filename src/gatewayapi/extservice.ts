/**
 * Backends of the services a policy calls out to (ext_authz, ext_proc, an OIDC provider): their
 * backendRefs resolved to an IR destination, with BackendTLSPolicy applied and the policy as the
 * TLS policy's ancestor. Errors are thrown as plain messages for the caller to prefix with the
 * feature name ("ExtAuth: ...").
 */
import type { DestinationAddressType, DestinationEndpoint, DestinationSetting, RouteDestination } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import { backendSetting } from './backendref.js';
import { validateBackend } from './backend.js';
import { applyBackendTLS } from './backendtlspolicy.js';
import type { TranslationContext } from './context.js';
import { referenceAllowed } from './referencegrant.js';
import { envoyGatewayGroup } from './resources.js';

export interface ExtServiceRef {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
  port?: number;
  /** A standby: used only when the other backends are unhealthy. */
  fallback?: boolean;
}

/**
 * Reads a field the way the reference's JSON decoding does: exact name first, then any casing
 * (Go's encoding/json matches struct fields case-insensitively, and manifests rely on it).
 */
export function fieldOf(object: any, name: string): any {
  if (object === null || typeof object !== 'object') return undefined;
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

export function extServiceRef(raw: any): ExtServiceRef {
  const ref: ExtServiceRef = { group: fieldOf(raw, 'group') ?? '', kind: fieldOf(raw, 'kind') ?? 'Service', name: fieldOf(raw, 'name') };
  const namespace = fieldOf(raw, 'namespace');
  const port = fieldOf(raw, 'port');
  if (namespace !== undefined) ref.namespace = namespace;
  if (port !== undefined) ref.port = port;
  if (fieldOf(raw, 'fallback') === true) ref.fallback = true;
  return ref;
}

/** The backendRefs of an external service spec, including the deprecated single `backendRef`. */
export function extServiceRefs(spec: any): ExtServiceRef[] {
  const listed = fieldOf(spec, 'backendRefs');
  const refs: any[] = Array.isArray(listed) ? listed : [];
  const single = fieldOf(spec, 'backendRef');
  return (refs.length ? refs : single ? [single] : []).map(extServiceRef);
}

/** Endpoints of a Service port; the address type counts slices, as the reference does. */
function serviceEndpoints(ctx: TranslationContext, namespace: string, name: string, portName: string | undefined): { endpoints?: DestinationEndpoint[]; addressType?: DestinationAddressType } {
  const slices = ctx.resources.endpointSlicesFor(namespace, name);
  const endpoints: DestinationEndpoint[] = [];
  const types = new Set<DestinationAddressType>();
  for (const slice of slices) {
    types.add(slice.addressType === 'FQDN' ? 'FQDN' : 'IP');
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false) continue;
      for (const port of slice.ports ?? []) {
        if ((port.name ?? '') !== (portName ?? '') || (port.protocol ?? 'TCP') !== 'TCP') continue;
        for (const address of endpoint.addresses ?? []) endpoints.push({ host: address, port: port.port });
      }
    }
  }
  const result: { endpoints?: DestinationEndpoint[]; addressType?: DestinationAddressType } = {};
  if (endpoints.length) result.endpoints = endpoints;
  if (types.size === 1) result.addressType = [...types][0];
  else if (types.size > 1) result.addressType = 'Mixed';
  return result;
}

function checkRef(ctx: TranslationContext, policy: KubeObject, ref: ExtServiceRef, namespace: string): void {
  if (ref.group !== '' && ref.group !== envoyGatewayGroup) throw new Error(`group ${ref.group} is not supported, only the core group and ${envoyGatewayGroup} are`);
  if (ref.kind !== 'Service' && ref.kind !== 'Backend') throw new Error(`kind ${ref.kind} is not supported, only Service and Backend are`);
  if (ref.kind === 'Backend') {
    if (!ctx.options.features.backend) throw new Error('the Backend API is disabled; enable it to use Backend references');
    const backend = ctx.resources.get('Backend', namespace, ref.name);
    if (!backend) throw new Error(`backend ${namespace}/${ref.name} not found`);
    const problem = validateBackend(backend, ctx.options);
    if (problem) throw new Error(`invalid Backend ${namespace}/${ref.name}: ${problem}`);
  } else {
    if (ref.port === undefined) throw new Error('a valid port number corresponding to a port on the Service must be specified');
    const service = ctx.resources.get('Service', namespace, ref.name);
    if (!service) throw new Error(`service ${namespace}/${ref.name} not found`);
    const port = (service.spec?.ports ?? []).find((p: any) => p.port === ref.port && (p.protocol ?? 'TCP') === 'TCP');
    if (!port) throw new Error(`TCP Port ${ref.port} not found on service ${namespace}/${ref.name}`);
  }
  // Checked last, as the reference does: a missing object is reported before a missing grant.
  if (namespace !== policy.metadata.namespace) {
    const allowed = referenceAllowed(
      ctx.resources,
      { group: envoyGatewayGroup, kind: policy.kind, namespace: policy.metadata.namespace ?? 'default' },
      { group: ref.group, kind: ref.kind, namespace, name: ref.name },
    );
    if (!allowed) throw new Error(`backend ref to ${ref.kind} ${namespace}/${ref.name} not permitted by any ReferenceGrant`);
  }
}

/**
 * One destination for all of `refs`, named `destinationName`, speaking `protocol` (a Service's
 * appProtocol may refine it). Throws the first reference problem.
 */
export function extServiceDestination(
  ctx: TranslationContext,
  policy: KubeObject,
  refs: readonly ExtServiceRef[],
  protocol: NonNullable<DestinationSetting['protocol']>,
  destinationName: string,
): RouteDestination {
  const policyNamespace = policy.metadata.namespace ?? 'default';
  const ancestor = { group: envoyGatewayGroup, kind: policy.kind, name: policy.metadata.name, namespace: policyNamespace };
  const settings: DestinationSetting[] = refs.map((ref) => {
    const namespace = ref.namespace ?? policyNamespace;
    checkRef(ctx, policy, ref, namespace);
    let setting: DestinationSetting;
    if (ref.kind === 'Backend') {
      setting = { ...backendSetting(ctx.resources.get('Backend', namespace, ref.name)!), protocol };
    } else {
      const service = ctx.resources.get('Service', namespace, ref.name)!;
      const port = (service.spec?.ports ?? []).find((p: any) => p.port === ref.port && (p.protocol ?? 'TCP') === 'TCP');
      let refined = protocol;
      if (port?.appProtocol === 'kubernetes.io/h2c') refined = 'HTTP2';
      else if (port?.appProtocol === 'grpc') refined = 'GRPC';
      setting = { protocol: refined, ...serviceEndpoints(ctx, namespace, ref.name, port?.name) };
    }
    setting.weight = 1;
    if (ref.fallback) setting.priority = 1;
    applyBackendTLS(ctx, setting, { group: ref.group, kind: ref.kind, name: ref.name, namespace, port: ref.port }, ancestor);
    return setting;
  });
  return { name: destinationName, settings };
}

/** `name.namespace:port` of the first backendRef: the :authority the proxy sends to the service. */
export function extServiceAuthority(policy: KubeObject, refs: readonly ExtServiceRef[]): string {
  const first = refs[0];
  const host = `${first.name}.${first.namespace ?? policy.metadata.namespace ?? 'default'}`;
  return first.port === undefined ? host : `${host}:${first.port}`;
}
