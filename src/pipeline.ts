/**
 * The whole batch pipeline: load → schema → gatewayapi → xds → bootstrap.
 * Each stage has its own entry point; this module only wires them and adds the checks that
 * span stages (unsupported kinds, order independence, statuses as diagnostics).
 */
import { buildBootstrap, emptyListeners, type BootstrapOptions } from './bootstrap/bootstrap.js';
import { compareText } from './collate.js';
import { codes } from './diagnostics/codes.js';
import { diagnosticAt } from './diagnostics/at.js';
import { sortDiagnostics, type Diagnostic } from './diagnostics/diagnostic.js';
import type { SourceTexts } from './diagnostics/format.js';
import type { GatewayApiOptions, IRSource } from './gatewayapi/context.js';
import type { OIDCDiscovery } from './gatewayapi/oidcdiscovery.js';
import { diagnosticsFromStatuses, resourceStatusFindings } from './gatewayapi/status-diagnostics.js';
import { shadowedRouteDiagnostics } from './gatewayapi/regex.js';
import { certificateDiagnostics } from './gatewayapi/tls.js';
import { withImpliedNamespaces } from './gatewayapi/resources.js';
import { translateGatewayApi } from './gatewayapi/translate.js';
import type { Infra, Xds } from './ir/types.js';
import { parseTexts, readInputs, type InputText, type LoadResult } from './load/load.js';
import type { KubeObject } from './load/resource.js';
import { applyDefaults } from './schema/defaults.js';
import { validateObjects } from './schema/validate.js';
import type { Json, RefusedPart } from './xds/resources.js';
import type { PatchFailure } from './xds/jsonpatch.js';
import { translateXds, type XdsResult } from './xds/translate.js';

export const controllerName = 'gateway.envoyproxy.io/gatewayclass-controller';

/** Kinds the translator reads. Anything else is reported, never dropped in silence. */
export const supportedKinds = new Set([
  'GatewayClass',
  'Gateway',
  'HTTPRoute',
  'GRPCRoute',
  'TLSRoute',
  'TCPRoute',
  'UDPRoute',
  'ReferenceGrant',
  'Service',
  'EndpointSlice',
  'ServiceImport',
  'Backend',
  'Namespace',
  'Secret',
  'ConfigMap',
  'HTTPRouteFilter',
  'EnvoyProxy',
  'ClientTrafficPolicy',
  'BackendTrafficPolicy',
  'SecurityPolicy',
  'EnvoyExtensionPolicy',
  'EnvoyPatchPolicy',
  'BackendTLSPolicy',
]);

export interface CompileOptions {
  /** Files, directories or `-`; or texts already read. */
  inputs: readonly string[] | readonly InputText[];
  defaultNamespace?: string;
  readStdin?: () => string;
  bootstrap?: BootstrapOptions;
  /** Bind privileged listener ports as declared instead of shifting them by 10000. */
  bindDeclaredPorts?: boolean;
  /** OIDC issuers' endpoints, fetched beforehand (see gatewayapi/oidcdiscovery.ts). */
  oidcDiscovery?: OIDCDiscovery;
  /**
   * The inputs already read and parsed by loadInputs(), for a caller that looks at the objects
   * before compiling (OIDC discovery); `inputs` is then not read again.
   */
  loaded?: LoadedInputs;
  /**
   * Called after each stage with its wall time, for benchmarks. `xds` and `bootstrap` run once
   * per proxy, so they are reported once per proxy.
   */
  onStage?: (stage: 'load' | 'schema' | 'gatewayapi' | 'xds' | 'bootstrap', ms: number) => void;
}

export interface Proxy {
  /** The xdsIR key: `namespace/gateway`, or the GatewayClass name for merged gateways. */
  name: string;
  xds: Xds;
  infra: Infra;
  resources: XdsResult;
  bootstrap: Json;
}

export interface CompileResult {
  objects: KubeObject[];
  xdsIR: Record<string, Xds>;
  infraIR: Record<string, Infra>;
  proxies: Proxy[];
  diagnostics: Diagnostic[];
  /** Input texts by file name, for code frames. */
  sources: Map<string, string>;
  /** The same texts with Secret values masked: what code frames shown to people should quote. */
  displaySources: SourceTexts;
}

/** creationTimestamp first (Gateway API's tie-break), then kind, namespace and name. */
function canonicalOrder(a: KubeObject, b: KubeObject): number {
  return (
    compareText(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '') ||
    compareText(a.kind, b.kind) ||
    compareText(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    compareText(a.metadata.name, b.metadata.name)
  );
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code}|${d.file}|${d.line}|${d.column}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Warns, at the Gateway listener, that a listener with nothing to serve is left out. */
function emptyListenerDiagnostic(irName: string, gateways: ReadonlyMap<string, KubeObject>): Diagnostic {
  const [namespace, name, section] = irName.split('/');
  const message = `listener \`${section ?? irName}\` has no route attached, and Envoy refuses a listener with nothing to serve; it is left out of the bootstrap`;
  const gateway = gateways.get(`${namespace}/${name}`);
  if (!gateway) return { code: codes.emptyListener, severity: 'warning', message };
  const index = (gateway.spec?.listeners ?? []).findIndex((l: any) => l.name === section);
  return diagnosticAt(gateway, ['spec', 'listeners', Math.max(index, 0)], { code: codes.emptyListener, severity: 'warning', message });
}

/** A part of the proxy left out (EGC3014), located on the input it comes from when the IR tells. */
function refusedPartDiagnostic(proxy: string, refused: RefusedPart, irSources: WeakMap<object, IRSource>): Diagnostic {
  const message = `proxy ${proxy}: ${refused.message}`;
  const source = refused.about && irSources.get(refused.about);
  if (!source) return { code: codes.envoyWouldRefuse, severity: 'error', message };
  return diagnosticAt(source.object, source.path, { code: codes.envoyWouldRefuse, message });
}

/** A patch the xds stage could not apply, on the patch in its EnvoyPatchPolicy, as its Programmed condition says. */
function patchFailureDiagnostic(failure: PatchFailure, patchPolicies: ReadonlyMap<string, KubeObject>): Diagnostic {
  const ancestors = failure.ancestors.map((ref: any) => `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`).join(', ');
  const init = {
    code: codes.policyNotAccepted,
    message: `patch ${failure.patchIndex} was not applied: ${failure.message} (Programmed: ${failure.reason}${ancestors ? `, ancestor ${ancestors}` : ''})`,
  };
  const policy = patchPolicies.get(`${failure.namespace}/${failure.name}`);
  if (!policy) return { ...init, severity: 'error', message: `EnvoyPatchPolicy ${failure.namespace}/${failure.name}: ${init.message}` };
  return diagnosticAt(policy, ['spec', 'jsonPatches', failure.patchIndex], init);
}

export const hostModeOptions: GatewayApiOptions = {
  controllerName,
  namespace: 'envoy-gateway-system',
  features: { backend: true, envoyPatchPolicy: true },
  runningOnHost: true,
};

/** Inputs read and parsed: the first stage of compile(), on its own. */
export interface LoadedInputs {
  texts: InputText[];
  /** Problems reading and parsing the inputs. */
  diagnostics: Diagnostic[];
  parsed: LoadResult;
}

export function loadInputs(inputs: readonly string[] | readonly InputText[], options: Pick<CompileOptions, 'defaultNamespace' | 'readStdin'> = {}): LoadedInputs {
  const loadOptions = { defaultNamespace: options.defaultNamespace, readStdin: options.readStdin };
  const diagnostics: Diagnostic[] = [];
  let texts: InputText[];
  if (inputs.length > 0 && typeof inputs[0] !== 'string') {
    texts = [...(inputs as InputText[])];
  } else {
    const read = readInputs(inputs as string[], loadOptions);
    texts = read.texts;
    diagnostics.push(...read.diagnostics);
  }
  const parsed = parseTexts(texts, loadOptions);
  diagnostics.push(...parsed.diagnostics);
  return { texts, diagnostics, parsed };
}

/**
 * What compile() knows once the gatewayapi stage is done: the IR of every proxy, and the
 * diagnostics so far. The proxies are built from it one by one (buildProxy), and
 * compileResult() puts it all together.
 */
export interface TranslatedInputs {
  texts: InputText[];
  loaded: LoadedInputs;
  /** Objects the schema stage accepted, in canonical order. */
  objects: KubeObject[];
  xdsIR: Record<string, Xds>;
  infraIR: Record<string, Infra>;
  diagnostics: Diagnostic[];
  /** Gateways by `namespace/name`, where diagnostics about a proxy's listeners point. */
  gateways: ReadonlyMap<string, KubeObject>;
  /** EnvoyPatchPolicies by `namespace/name`, where a patch the xds stage could not apply points. */
  patchPolicies: ReadonlyMap<string, KubeObject>;
  /** Where the IR parts come from that the xds stage may leave out (see TranslationContext.irSources). */
  irSources: WeakMap<object, IRSource>;
}

/** The objects that diagnostics about a built proxy point at (see TranslatedInputs). */
export type ProxySourceObjects = Pick<TranslatedInputs, 'gateways' | 'patchPolicies' | 'irSources'>;

type StageTimer = (stage: Parameters<NonNullable<CompileOptions['onStage']>>[0]) => void;

function stageTimer(onStage: CompileOptions['onStage']): StageTimer {
  let stageStart = onStage ? performance.now() : 0;
  return (stage) => {
    if (!onStage) return;
    const now = performance.now();
    onStage(stage, now - stageStart);
    stageStart = now;
  };
}

/** load → schema → gatewayapi: the IR of every proxy, with statuses and diagnostics. */
export function translateInputs(options: CompileOptions, stageDone: StageTimer = stageTimer(options.onStage)): TranslatedInputs {
  const loaded = options.loaded ?? loadInputs(options.inputs, { defaultNamespace: options.defaultNamespace, readStdin: options.readStdin });
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  stageDone('load');

  const checked = validateObjects(loaded.parsed.objects);
  diagnostics.push(...checked.diagnostics);
  applyDefaults(checked.valid);

  const objects: KubeObject[] = [];
  for (const object of checked.valid) {
    if (supportedKinds.has(object.kind)) {
      objects.push(object);
      continue;
    }
    diagnostics.push(
      diagnosticAt(object, ['kind'], {
        code: codes.unsupportedKind,
        severity: 'warning',
        message: `${object.kind} (${object.apiVersion}) is not supported yet; ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name} is not translated`,
      }),
    );
  }
  const withNamespaces = withImpliedNamespaces(objects);
  const impliedNamespaces = new Set(withNamespaces.slice(objects.length));
  withNamespaces.sort(canonicalOrder);
  // The accepted objects in canonical order are the sorted ones less the implied Namespaces
  // (sorting is stable, and those never tie with an object), unless some are of kinds left out.
  const sortedObjects =
    objects.length === checked.valid.length ? withNamespaces.filter((object) => !impliedNamespaces.has(object)) : [...checked.valid].sort(canonicalOrder);
  stageDone('schema');

  const translated = translateGatewayApi(withNamespaces, { ...hostModeOptions, bindDeclaredPorts: options.bindDeclaredPorts, oidcDiscovery: options.oidcDiscovery });
  diagnostics.push(...translated.diagnostics);
  const gateways = byNamespacedName(objects, 'Gateway');
  diagnostics.push(...diagnosticsFromStatuses(objects, (namespace, name) => gateways.get(`${namespace}/${name}`)));
  diagnostics.push(...resourceStatusFindings(objects, diagnostics));
  // What statuses do not report but the output would suffer: certificates Envoy or clients will
  // refuse, and routes an earlier regex route swallows.
  const irs = Object.values(translated.xdsIR);
  diagnostics.push(...certificateDiagnostics(irs, objects, new Date(), translated.routeCertificates), ...shadowedRouteDiagnostics(irs, objects));
  stageDone('gatewayapi');

  return {
    texts: loaded.texts,
    loaded,
    objects: sortedObjects,
    xdsIR: translated.xdsIR,
    infraIR: translated.infraIR,
    diagnostics,
    gateways,
    patchPolicies: byNamespacedName(objects, 'EnvoyPatchPolicy'),
    irSources: translated.irSources,
  };
}

function byNamespacedName(objects: readonly KubeObject[], kind: string): Map<string, KubeObject> {
  return new Map(objects.filter((o) => o.kind === kind).map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
}

/** One proxy's Envoy resources and bootstrap, from its IR: the xds and bootstrap stages. */
export interface BuiltProxy {
  resources: XdsResult;
  bootstrap: Json;
  /** Listeners left out of the bootstrap for having nothing to serve. */
  emptyListeners: string[];
}

export function buildProxy(name: string, xds: Xds, options: BootstrapOptions = {}, stageDone?: StageTimer): BuiltProxy {
  const resources = translateXds(xds);
  stageDone?.('xds');
  const bootstrap = buildBootstrap(resources, { ...options, proxyName: name });
  stageDone?.('bootstrap');
  return { resources, bootstrap, emptyListeners: emptyListeners(resources) };
}

/**
 * The diagnostics of building one proxy: xDS translation errors, listeners left out, and a
 * check that could not run (the same for every proxy, so reported once after dedupe).
 */
export function proxyDiagnostics(name: string, resources: XdsResult, emptyListenerNames: readonly string[], sources: ProxySourceObjects): Diagnostic[] {
  const diagnostics = [
    ...resources.errors.map((error): Diagnostic => ({ code: codes.internal, severity: 'error', message: `proxy ${name}: ${error}` })),
    ...resources.inputErrors.map((refused) => refusedPartDiagnostic(name, refused, sources.irSources)),
    ...emptyListenerNames.map((listener) => emptyListenerDiagnostic(listener, sources.gateways)),
    ...(resources.patchFailures ?? []).map((failure) => patchFailureDiagnostic(failure, sources.patchPolicies)),
  ];
  if (resources.uncheckedBecause !== undefined) {
    diagnostics.push({
      code: codes.protoCheckSkipped,
      severity: 'warning',
      message: `the Envoy resources were not checked against Envoy's protos and validation rules: ${resources.uncheckedBecause}`,
    });
  }
  return diagnostics;
}

/**
 * What building and writing the proxies one at a time needs of a translation: the IR, the
 * diagnostics so far and where to show them. The parsed objects are left behind: at R = 10 000
 * they are a third of the live heap, which each full garbage collection while the proxies are
 * built would walk again.
 */
export interface ProxyInputs extends ProxySourceObjects {
  xdsIR: Record<string, Xds>;
  infraIR: Record<string, Infra>;
  diagnostics: Diagnostic[];
  displaySources: SourceTexts;
}

export function proxyInputs({ xdsIR, infraIR, diagnostics, gateways, patchPolicies, irSources, loaded }: TranslatedInputs): ProxyInputs {
  return { xdsIR, infraIR, diagnostics, gateways, patchPolicies, irSources, displaySources: loaded.parsed.displayTexts };
}

/** The diagnostics of a compile in report order, each once: the translation's, then each proxy's. */
export function compileDiagnostics(translationDiagnostics: readonly Diagnostic[], proxyDiagnosticLists: readonly Diagnostic[][]): Diagnostic[] {
  return sortDiagnostics(dedupe([...translationDiagnostics, ...proxyDiagnosticLists.flat()]));
}

/** The result of a compile whose proxies were built by the caller. */
export function compileResult(translated: TranslatedInputs, proxies: Proxy[], proxyDiagnosticLists: readonly Diagnostic[][] = []): CompileResult {
  return {
    objects: translated.objects,
    xdsIR: translated.xdsIR,
    infraIR: translated.infraIR,
    proxies,
    diagnostics: compileDiagnostics(translated.diagnostics, proxyDiagnosticLists),
    sources: new Map(translated.texts.map((t) => [t.file, t.text])),
    displaySources: translated.loaded.parsed.displayTexts,
  };
}

export function compile(options: CompileOptions): CompileResult {
  const stageDone = stageTimer(options.onStage);
  const translated = translateInputs(options, stageDone);
  const proxies: Proxy[] = [];
  const proxyDiagnosticLists: Diagnostic[][] = [];
  for (const name of Object.keys(translated.xdsIR).sort()) {
    const xds = translated.xdsIR[name];
    const built = buildProxy(name, xds, options.bootstrap, stageDone);
    proxyDiagnosticLists.push(proxyDiagnostics(name, built.resources, built.emptyListeners, translated));
    proxies.push({ name, xds, infra: translated.infraIR[name], resources: built.resources, bootstrap: built.bootstrap });
  }
  return compileResult(translated, proxies, proxyDiagnosticLists);
}
