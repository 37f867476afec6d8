/**
 * EnvoyExtensionPolicy: external processing (ext_proc) services and Wasm filters attached to
 * routes (the IR route's `envoyExtensions`). Attachment is SecurityPolicy's; unlike it, a policy
 * with any error is not applied at all.
 */
import { createHash } from 'node:crypto';
import { codes } from '../diagnostics/codes.js';
import { diagnosticAt } from '../diagnostics/at.js';
import type { KubeObject } from '../load/resource.js';
import { trafficFromClusterSettings } from './clustersettings.js';
import type { TranslationContext } from './context.js';
import { extServiceAuthority, extServiceDestination, extServiceRefs } from './extservice.js';
import { normalizeGoDuration } from './units.js';
import { PolicyError } from './policy.js';
import { policySecret } from './secretref.js';
import { attachRoutePolicies, type RoutePolicyKind } from './securitypolicy.js';
import { isHttpURL } from '../urls.js';

type Json = Record<string, unknown>;

function configName(policy: KubeObject): string {
  return `envoyextensionpolicy/${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
}

function buildExtProc(ctx: TranslationContext, policy: KubeObject, spec: any, index: number): Json {
  const refs = extServiceRefs(spec);
  if (refs.length === 0) throw new Error('backend refs must be specified');
  const extProc: Json = {
    name: `${configName(policy)}/extproc/${index}`,
    destination: extServiceDestination(ctx, policy, refs, 'GRPC', `${configName(policy)}/${index}`),
    authority: extServiceAuthority(policy, refs),
  };
  const traffic = trafficFromClusterSettings(spec.backendSettings, { irSources: ctx.irSources, object: policy, path: ['spec', 'extProc', index, 'backendSettings'] });
  if (traffic) extProc.traffic = traffic;
  if (spec.messageTimeout !== undefined) {
    const timeout = normalizeGoDuration(spec.messageTimeout);
    if (timeout === undefined) throw new Error(`invalid messageTimeout duration ${spec.messageTimeout}`);
    extProc.messageTimeout = timeout;
  }
  if (spec.failOpen !== undefined) extProc.failOpen = spec.failOpen;
  const mode = spec.processingMode;
  if (mode?.request) {
    extProc.requestHeaderProcessing = true;
    if (mode.request.body) extProc.requestBodyProcessingMode = mode.request.body;
    if (mode.request.attributes?.length) extProc.requestAttributes = [...mode.request.attributes];
  }
  if (mode?.response) {
    extProc.responseHeaderProcessing = true;
    if (mode.response.body) extProc.responseBodyProcessingMode = mode.response.body;
    if (mode.response.attributes?.length) extProc.responseAttributes = [...mode.response.attributes];
  }
  if (spec.metadata?.accessibleNamespaces?.length) extProc.forwardingNamespaces = { untyped: [...spec.metadata.accessibleNamespaces] };
  if (spec.metadata?.writableNamespaces?.length) extProc.receivingNamespaces = { untyped: [...spec.metadata.writableNamespaces] };
  return extProc;
}

/** `oci://host/repo:tag`, the tag defaulting to latest: how an image source is identified. */
function imageURL(url: string): string {
  const withScheme = url.startsWith('oci://') ? url : `oci://${url}`;
  const lastSegment = withScheme.slice(withScheme.lastIndexOf('/') + 1);
  return lastSegment.includes(':') || lastSegment.includes('@') ? withScheme : `${withScheme}:latest`;
}

/**
 * The Wasm module's source. The reference serves every module from its own cache at a URL
 * derived from the source's; the IR keeps both so the xDS stage can choose. A module whose
 * checksum is not given would have to be downloaded to compute it, which egc does not do.
 */
function wasmCode(ctx: TranslationContext, policy: KubeObject, code: any, path: (string | number)[]): Json {
  let original: string;
  let sha256: string | undefined;
  if (code?.type === 'Image') {
    const image = code.image ?? {};
    original = imageURL(String(image.url ?? ''));
    sha256 = image.sha256;
    if (image.pullSecretRef) policySecret(ctx, policy, image.pullSecretRef);
    ctx.diagnostics.push(
      diagnosticAt(policy, [...path, 'image', 'url'], {
        code: codes.policyNotAccepted,
        severity: 'warning',
        message: `Wasm image ${original} must be pulled from an OCI registry, which egc does not do; Envoy cannot load it from the image URL, so the filter fails closed (open with failOpen)`,
      }),
    );
  } else {
    const http = code?.http ?? {};
    original = String(http.url ?? '');
    sha256 = http.sha256;
    // The CRD's pattern for the URL lets almost anything through.
    if (!isHttpURL(original)) {
      ctx.diagnostics.push(
        diagnosticAt(policy, [...path, 'http', 'url'], {
          code: codes.policyNotAccepted,
          severity: 'warning',
          message: `Wasm module URL \`${original}\` is not an absolute http or https URL; Envoy cannot fetch the module from it, so the filter fails closed (open with failOpen)`,
        }),
      );
    } else if (sha256 === undefined) {
      ctx.diagnostics.push(
        diagnosticAt(policy, [...path, 'http', 'url'], {
          code: codes.policyNotAccepted,
          severity: 'warning',
          message: `Wasm module ${original} has no sha256; Envoy requires one to fetch a remote module and egc does not download it to compute it`,
        }),
      );
    }
  }
  const source: Json = {
    originalDownloadingURL: original,
    servingURL: `https://envoy-gateway:18002/${createHash('sha256').update(original).digest('hex')}.wasm`,
  };
  if (sha256 !== undefined) source.sha256 = sha256;
  return source;
}

function buildWasm(ctx: TranslationContext, policy: KubeObject, spec: any, index: number): Json {
  const name = `${configName(policy)}/wasm/${index}`;
  const wasm: Json = {
    name,
    wasmName: spec.name ?? name,
    config: spec.config ?? null,
    failOpen: spec.failOpen === true,
    httpWasmCode: wasmCode(ctx, policy, spec.code, ['spec', 'wasm', index, 'code']),
  };
  if (spec.rootID !== undefined) wasm.rootID = spec.rootID;
  ctx.irSources.set(wasm, { object: policy, path: ['spec', 'wasm', index, 'code'] });
  if (spec.env) wasm.hostKeys = [...(spec.env.hostKeys ?? [])];
  return wasm;
}

function buildExtensions(ctx: TranslationContext, policy: KubeObject): { value?: Json; errors: Error[] } {
  const spec = policy.spec ?? {};
  const extensions: Json = {};
  const errors: Error[] = [];
  try {
    const extProcs = (spec.extProc ?? []).map((extProc: any, index: number) => buildExtProc(ctx, policy, extProc, index));
    if (extProcs.length) extensions.extProcs = extProcs;
  } catch (error) {
    errors.push(PolicyError.within('ExtProc', error));
  }
  try {
    const wasms = (spec.wasm ?? []).map((wasm: any, index: number) => buildWasm(ctx, policy, wasm, index));
    if (wasms.length) extensions.wasms = wasms;
  } catch (error) {
    errors.push(PolicyError.within('Wasm', error));
  }
  return errors.length ? { errors } : { value: extensions, errors };
}

export const envoyExtensionPolicyKind: RoutePolicyKind = {
  kind: 'EnvoyExtensionPolicy',
  plural: 'envoyExtensionPolicies',
  field: 'envoyExtensions',
  build: buildExtensions,
};

export function processEnvoyExtensionPolicies(ctx: TranslationContext): void {
  attachRoutePolicies(ctx, envoyExtensionPolicyKind);
}
