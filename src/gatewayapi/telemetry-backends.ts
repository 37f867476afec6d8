/**
 * backendRefs of an EnvoyProxy's telemetry sinks (ALS and OpenTelemetry access logs, tracing,
 * metrics): Services in the EnvoyProxy's namespace unless a namespace is given. The reference
 * checks no ReferenceGrant for them: the EnvoyProxy belongs to the cluster operator.
 */
import { codes, type Code } from '../diagnostics/codes.js';
import type { DestinationSetting } from '../ir/types.js';
import type { KubeObject } from '../load/resource.js';
import { serviceDestinationSetting } from './backendref.js';
import type { TranslationContext } from './context.js';

/**
 * A telemetry setting the reference rejects; the Gateway's ListenersNotValid condition quotes its
 * message. `path` locates the offending field in the EnvoyProxy.
 */
export class TelemetryError extends Error {
  constructor(
    message: string,
    readonly path: readonly (string | number)[],
    readonly code: Code = codes.refNotResolved,
  ) {
    super(message);
  }
}

/**
 * The destination settings of `refs` (empty when there are none). Throws TelemetryError
 * for the first reference that is not a TCP port of an existing Service.
 */
export function telemetryDestinationSettings(
  ctx: TranslationContext,
  envoyProxy: KubeObject,
  refs: readonly any[] | undefined,
  refsPath: readonly (string | number)[],
): DestinationSetting[] {
  const ownNamespace = envoyProxy.metadata.namespace ?? 'default';
  return (Array.isArray(refs) ? refs : []).map((ref, index) => {
    const namespace: string = ref.namespace ?? ownNamespace;
    const fail = (message: string) => new TelemetryError(message, [...refsPath, index]);
    if ((ref.kind ?? 'Service') !== 'Service') throw fail('only service kind is supported for backendRefs');
    if (ref.port === undefined) throw fail('A valid port number corresponding to a port on the Service must be specified');
    const service = ctx.resources.get('Service', namespace, ref.name);
    if (!service) throw fail(`Service ${namespace}/${ref.name} not found`);
    const port = (service.spec?.ports ?? []).find((p: any) => p.port === ref.port && (p.protocol ?? 'TCP') === 'TCP');
    if (!port) throw fail(`TCP Port ${ref.port} not found on service ${namespace}/${ref.name}`);
    return serviceDestinationSetting(ctx, namespace, ref, 'TCP', 'TCP', envoyProxy);
  });
}

/** The CRDs' default port of a sink given by host (OTLP over gRPC). */
export const defaultCollectorPort = 4317;

/** The destination of a sink given by `host` and `port` (the API's deprecated form). */
export function hostPortSettings(host: string, port: number): DestinationSetting[] {
  return [{ weight: 1, protocol: 'GRPC', endpoints: [{ host, port }] }];
}
