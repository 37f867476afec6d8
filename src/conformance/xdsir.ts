/**
 * Stage 2 of the conformance run: one xds-ir case (one gateway's IR → Envoy resources)
 * translated by egc and compared with the reference's output files.
 *
 * Rules:
 * - A case without any output file, or one SETTINGS.md lists as rejected, is one the reference
 *   rejects: it passes when our translation reports errors.
 * - Otherwise each kind's resources are compared as a map from resource name (`clusterName` for
 *   endpoints): xDS resources are keyed by name, so their order in the list means nothing. Inside
 *   a resource, order is significant.
 * - A missing listeners/routes/clusters/endpoints file means the reference produced none of that
 *   kind, so ours must be empty. A missing secrets or envoypatchpolicies file means the reference
 *   did not record them (it writes secrets only for cases that ask: two jsonpatch cases hold TLS
 *   certificates yet have no secrets file), so they are not compared.
 * - Errors from our translation fail a case that has output, unless the reference reported an
 *   error too: a `*partial-invalid` case, or one whose expected EnvoyPatchPolicy status has a
 *   False condition (a patch that failed to apply).
 * - EnvoyPatchPolicy statuses are compared at the `status` level (type, status, reason): the
 *   reference's messages embed its own Go serialisation of the patched resource.
 */
import { canonicalizeIR } from '../ir/parse.js';
import type { Xds } from '../ir/types.js';
import { translateXds } from '../xds/translate.js';
import { firstDifference, formatDifference } from './diff.js';
import { defaultDnsDomain, dnsDomainByCase, rateLimitServiceUrl, wasmCacheCluster } from './context.js';
import { errorText } from './gatewayapi.js';
import { normalize, xdsNormalization } from './normalize.js';
import { statusView } from './status.js';

export const xdsKinds = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'] as const;
export type XdsKind = (typeof xdsKinds)[number];

/** The expected output of one case: each kind's resource list, as read from its file (if any). */
export interface XdsExpectation {
  resources: Partial<Record<XdsKind, unknown>>;
  envoyPatchPolicies?: unknown;
  /** SETTINGS.md names the case as one the reference rejects, whatever files it has. */
  listedAsRejected?: boolean;
}

export interface XdsIrCaseResult {
  pass: boolean;
  diff?: string;
}

/** Kinds whose absent file means "not recorded" rather than "none". */
const optionalKinds = new Set<XdsKind>(['secrets']);

export function isRejectedCase(expectation: XdsExpectation): boolean {
  if (expectation.listedAsRejected) return true;
  return Object.keys(expectation.resources).length === 0 && expectation.envoyPatchPolicies === undefined;
}

/**
 * The case names SETTINGS.md lists as rejected by the reference: the paragraph that starts
 * "Cases the reference REJECTS" and ends at the next blank-line-separated paragraph about
 * `partial-invalid`. Names are the hyphenated words in it.
 */
export function rejectedCasesFromSettings(settings: string): Set<string> {
  const start = settings.search(/Cases the reference REJECTS/i);
  if (start < 0) return new Set();
  const end = settings.slice(start).search(/Cases whose name ends/i);
  const paragraph = settings.slice(start, end < 0 ? undefined : start + end);
  return new Set(paragraph.match(/\b[a-z0-9]+(?:-[a-z0-9]+)+\b/g) ?? []);
}

/** Runs one case from its parsed IR and expectation; never throws. */
export function runXdsIrCase(name: string, ir: unknown, expectation: XdsExpectation): XdsIrCaseResult {
  if (typeof ir !== 'object' || ir === null || Array.isArray(ir)) {
    // An empty IR file is an empty IR.
    if (ir !== null && ir !== undefined) return { pass: false, diff: 'case input: the IR is not a mapping' };
    ir = {};
  }
  const xds = canonicalizeIR(ir as Xds);
  let result: ReturnType<typeof translateXds>;
  try {
    result = translateXds(xds, { rateLimitServiceUrl, dnsDomain: dnsDomainByCase[name] ?? defaultDnsDomain, wasmCacheCluster });
  } catch (error) {
    return { pass: false, diff: `translation threw: ${errorText(error)}` };
  }
  // The reference fails the translation for a patch it cannot apply and for input Envoy would
  // refuse; egc reports the first on the policy and leaves out the part the second concerns.
  const errors = [...(result.errors ?? []), ...(result.inputErrors ?? []).map((refused) => refused.message), ...(result.patchFailures ?? []).map((failure) => failure.message)];

  if (isRejectedCase(expectation)) {
    return errors.length > 0 ? { pass: true } : { pass: false, diff: 'the reference rejects this IR, but translation reported no error' };
  }

  const expectedView: Record<string, unknown> = {};
  const actualView: Record<string, unknown> = {};
  for (const kind of xdsKinds) {
    const expected = expectation.resources[kind];
    if (expected === undefined && optionalKinds.has(kind)) continue;
    expectedView[kind] = byName(normalize(expected, xdsNormalization));
    actualView[kind] = byName(normalize(result[kind], xdsNormalization));
  }
  if (expectation.envoyPatchPolicies !== undefined) {
    expectedView.envoyPatchPolicies = patchPolicyStatuses(expectation.envoyPatchPolicies);
    actualView.envoyPatchPolicies = patchPolicyStatuses(ourPatchPolicies(result, xds));
  }
  const difference = firstDifference(expectedView, actualView);
  if (difference) return { pass: false, diff: formatDifference(difference) };

  if (errors.length > 0 && !referenceReportsError(name, expectation)) {
    return { pass: false, diff: `unexpected translation errors: ${errors.join('; ').slice(0, 300)}` };
  }
  return { pass: true };
}

function referenceReportsError(name: string, expectation: XdsExpectation): boolean {
  if (name.endsWith('partial-invalid')) return true;
  return JSON.stringify(expectation.envoyPatchPolicies ?? []).includes('"status":"False"');
}

/**
 * The EnvoyPatchPolicy statuses after translation: the translator's own list if it returns one,
 * else the IR's policies, whose status the reference translator updates in place.
 */
function ourPatchPolicies(result: object, xds: Xds): unknown {
  if ('envoyPatchPolicies' in result) return (result as { envoyPatchPolicies: unknown }).envoyPatchPolicies;
  return xds.envoyPatchPolicies;
}

/** `ns/name` → comparable status, for a list of `{name, namespace, status}`. */
function patchPolicyStatuses(list: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: Record<string, unknown> = {};
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const policy = item as { name?: unknown; namespace?: unknown; status?: unknown };
    const namespace = typeof policy.namespace === 'string' ? policy.namespace : '';
    // Condition messages are left out: the reference's quote Go-serialised resources verbatim.
    out[`${namespace}/${String(policy.name)}`] = statusView(policy.status, namespace, 'status');
  }
  return out;
}

/** A resource list as a map from name; a repeated name gets ` (2)`, ` (3)`... so none is lost. */
function byName(list: unknown): unknown {
  if (!Array.isArray(list)) return list;
  const out: Record<string, unknown> = {};
  list.forEach((resource, index) => {
    const record = typeof resource === 'object' && resource !== null ? (resource as Record<string, unknown>) : {};
    const base = typeof record.name === 'string' ? record.name : typeof record.clusterName === 'string' ? record.clusterName : `#${index}`;
    let key = base;
    for (let n = 2; key in out; n++) key = `${base} (${n})`;
    out[key] = resource;
  });
  return out;
}
