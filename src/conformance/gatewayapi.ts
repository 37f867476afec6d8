/**
 * Stage 1 of the conformance run: one gatewayapi case (Gateway API resources → statuses + IR)
 * translated by egc and compared with the reference's expectation at three levels.
 */
import { translateGatewayApi } from '../gatewayapi/translate.js';
import type { KubeObject } from '../load/resource.js';
import { firstDifference, formatDifference } from './diff.js';
import { caseObjects, controllerName, featuresDisabledCases, installNamespace, kindForKey } from './context.js';
import { irNormalization, normalize } from './normalize.js';
import { statusView, type StatusLevel } from './status.js';

export interface GatewayApiCaseResult {
  status: boolean;
  messages: boolean;
  ir: boolean;
  /** The first difference of the first level that failed, or why the case could not run. */
  diff?: string;
}

/** Keys of the expectation whose objects carry a status the translator computes. */
const statusKeys = [
  'gateways',
  'httpRoutes',
  'grpcRoutes',
  'tlsRoutes',
  'tcpRoutes',
  'udpRoutes',
  'backendTLSPolicies',
  'backendTrafficPolicies',
  'clientTrafficPolicies',
  'securityPolicies',
  'envoyExtensionPolicies',
  'backends',
];

/** Translates one case's input with the settings the reference ran under; throws what translation throws. */
export function translateCase(name: string, objects: KubeObject[]): ReturnType<typeof translateGatewayApi> {
  const enabled = !featuresDisabledCases.has(name);
  return translateGatewayApi(objects, {
    controllerName,
    namespace: installNamespace,
    features: { backend: enabled, envoyPatchPolicy: enabled },
    globalRateLimit: true,
  });
}

/** Runs one case from its parsed input and expectation documents; never throws. */
export function runGatewayApiCase(name: string, input: unknown, expected: unknown): GatewayApiCaseResult {
  const failed = (diff: string): GatewayApiCaseResult => ({ status: false, messages: false, ir: false, diff });
  const { objects, problems } = caseObjects(input);
  if (problems.length > 0) return failed(`case input: ${problems.join('; ')}`);
  if (!isRecord(expected)) return failed('case expectation: not a mapping');

  let result: ReturnType<typeof translateGatewayApi>;
  try {
    result = translateCase(name, objects);
  } catch (error) {
    return failed(`translation threw: ${errorText(error)}`);
  }

  const statusDiff = compareStatuses(expected, result.objects, 'status');
  const messagesDiff = statusDiff ?? compareStatuses(expected, result.objects, 'messages');
  const irDiff = compareIr(expected, { xdsIR: result.xdsIR, infraIR: result.infraIR });
  return {
    status: statusDiff === undefined,
    messages: messagesDiff === undefined,
    ir: irDiff === undefined,
    diff: statusDiff ?? messagesDiff ?? irDiff,
  };
}

/**
 * Compares the status of every object the expectation lists (by kind, namespace and name), and
 * checks that objects of those kinds the expectation leaves out got no status from us.
 */
export function compareStatuses(expected: Record<string, unknown>, ours: readonly KubeObject[], level: StatusLevel): string | undefined {
  // A few cases define two objects with the same kind and name; the nth expected one is matched
  // with our nth one.
  const oursByIdentity = new Map<string, KubeObject[]>();
  for (const object of ours) {
    const id = identity(object.kind, object.metadata.namespace, object.metadata.name);
    oursByIdentity.set(id, [...(oursByIdentity.get(id) ?? []), object]);
  }
  const seen = new Map<string, number>();

  const expectedView: Record<string, Record<string, unknown>> = {};
  const actualView: Record<string, Record<string, unknown>> = {};
  const listed = new Set<string>();
  for (const [key, list] of Object.entries(expected)) {
    const info = kindForKey(key);
    if (!info || !Array.isArray(list)) continue;
    for (const item of list) {
      if (!isRecord(item) || !isRecord(item.metadata)) continue;
      const kind = typeof item.kind === 'string' ? item.kind : info.kind;
      const namespace = typeof item.metadata.namespace === 'string' ? item.metadata.namespace : 'default';
      const name = String(item.metadata.name);
      const id = identity(kind, namespace, name);
      listed.add(id);
      const occurrence = (seen.get(id) ?? 0) + 1;
      seen.set(id, occurrence);
      const label = occurrence === 1 ? `${namespace}/${name}` : `${namespace}/${name} (${occurrence})`;
      (expectedView[key] ??= {})[label] = { status: statusView(item.status, namespace, level) };
      const mine = oursByIdentity.get(id)?.[occurrence - 1];
      (actualView[key] ??= {})[label] = mine ? { status: statusView(mine.status, namespace, level) } : undefined;
    }
  }
  // An object of a status-bearing kind the reference left out must have no status from us either.
  for (const key of statusKeys) {
    const kind = kindForKey(key)?.kind;
    for (const object of ours) {
      if (object.kind !== kind || listed.has(identity(object.kind, object.metadata.namespace, object.metadata.name))) continue;
      const namespace = object.metadata.namespace ?? 'default';
      const view = statusView(object.status, namespace, level);
      if (view === undefined) continue;
      (actualView[key] ??= {})[`${namespace}/${object.metadata.name}`] = { status: view };
    }
  }
  const difference = firstDifference(expectedView, actualView);
  return difference && formatDifference(difference);
}

export function compareIr(expected: Record<string, unknown>, actual: { xdsIR: unknown; infraIR: unknown }): string | undefined {
  const expectedIr = normalize({ xdsIR: expected.xdsIR, infraIR: expected.infraIR }, irNormalization);
  const actualIr = normalize(actual, irNormalization);
  const difference = firstDifference(expectedIr, actualIr);
  return difference && formatDifference(difference);
}

function identity(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}|${namespace ?? ''}|${name}`;
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const frame = error.stack?.split('\n').find((line) => line.trim().startsWith('at '));
    return frame ? `${error.message} (${frame.trim()})` : error.message;
  }
  return String(error);
}
