/**
 * EnvoyPatchPolicy: RFC 6902 JSON patches applied to the generated resources. Patches address
 * fields by proto name (snake_case); a patch may locate its targets with a JSONPath, whose matches
 * become JSON pointers that the patch's `path` is appended to. Each policy gets a Programmed
 * condition per ancestor: True, or False with reason ResourceNotFound or Invalid.
 */
import type { Xds } from '../ir/types.js';
import { checkMessage } from '../verify/proto.js';
import { convertMessage, ProtoNameError } from './protonames.js';
import type { Json, XdsResources } from './resources.js';

interface PatchOperation {
  op: string;
  path?: string;
  jsonPath?: string;
  from?: string;
  value?: unknown;
}

interface JSONPatch {
  type: string;
  name: string;
  operation: PatchOperation;
}

interface PatchPolicy {
  name: string;
  namespace: string;
  jsonPatches?: JSONPatch[];
  status?: { ancestors?: { ancestorRef: Json; conditions?: Json[]; controllerName?: string }[] };
  [key: string]: unknown;
}

const kindsByType: Record<string, { kind: keyof XdsResources; message: string }> = {
  'type.googleapis.com/envoy.config.listener.v3.Listener': { kind: 'listeners', message: 'envoy.config.listener.v3.Listener' },
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': { kind: 'routes', message: 'envoy.config.route.v3.RouteConfiguration' },
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': { kind: 'clusters', message: 'envoy.config.cluster.v3.Cluster' },
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': { kind: 'endpoints', message: 'envoy.config.endpoint.v3.ClusterLoadAssignment' },
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret': { kind: 'secrets', message: 'envoy.extensions.transport_sockets.tls.v3.Secret' },
};

class PatchError extends Error {}

// ---- JSON pointers (RFC 6901) and operations (RFC 6902) ----

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}"`);
  return pointer.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function containerAt(doc: unknown, tokens: string[]): unknown {
  let node = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      const index = Number(token);
      if (!/^[0-9]+$/.test(token) || index >= node.length) throw new PatchError(`path element "${token}" not found`);
      node = node[index];
    } else if (node && typeof node === 'object' && token in (node as Json)) {
      node = (node as Json)[token];
    } else {
      throw new PatchError(`path element "${token}" not found`);
    }
  }
  return node;
}

function getAt(doc: unknown, pointer: string): unknown {
  return containerAt(doc, parsePointer(pointer));
}

function arrayIndex(array: unknown[], token: string, forInsert: boolean): number {
  if (forInsert && token === '-') return array.length;
  const index = Number(token);
  if (!/^[0-9]+$/.test(token) || index > array.length || (!forInsert && index === array.length)) throw new PatchError(`array index "${token}" out of range`);
  return index;
}

function addAt(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (!tokens.length) return value;
  const parent = containerAt(doc, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true), 0, value);
  else if (parent && typeof parent === 'object') (parent as Json)[last] = value;
  else throw new PatchError(`cannot add at "${pointer}"`);
  return doc;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (!tokens.length) throw new PatchError('cannot remove the whole resource');
  const parent = containerAt(doc, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false), 1);
  else if (parent && typeof parent === 'object' && last in (parent as Json)) delete (parent as Json)[last];
  else throw new PatchError(`path "${pointer}" not found`);
  return doc;
}

function applyOperation(doc: unknown, op: PatchOperation, path: string): unknown {
  const hasValue = op.value !== undefined && op.value !== null;
  switch (op.op) {
    case 'add':
      if (!hasValue) throw new PatchError('add operation requires a value');
      return addAt(doc, path, structuredClone(op.value));
    case 'replace':
      if (!hasValue) throw new PatchError('replace operation requires a value');
      getAt(doc, path);
      return addAt(removeOrKeep(doc, path), path, structuredClone(op.value));
    case 'remove':
      if (hasValue) throw new PatchError('remove operation must not have a value');
      return removeAt(doc, path);
    case 'move': {
      if (op.from === undefined) throw new PatchError('move operation requires "from"');
      if (hasValue) throw new PatchError('move operation must not have a value');
      const moved = getAt(doc, op.from);
      return addAt(removeAt(doc, op.from), path, moved);
    }
    case 'copy': {
      if (op.from === undefined) throw new PatchError('copy operation requires "from"');
      if (hasValue) throw new PatchError('copy operation must not have a value');
      return addAt(doc, path, structuredClone(getAt(doc, op.from)));
    }
    case 'test':
      if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) throw new PatchError(`test failed at "${path}"`);
      return doc;
    default:
      throw new PatchError(`unsupported patch operation "${op.op}"`);
  }
}

/** Replace removes the old member first so an array element is replaced, not shifted. */
function removeOrKeep(doc: unknown, path: string): unknown {
  return parsePointer(path).length ? removeAt(doc, path) : doc;
}

// ---- JSONPath → JSON pointers ----

type PathStep = { kind: 'child'; name: string } | { kind: 'descend'; name: string } | { kind: 'index'; index: number } | { kind: 'wildcard' } | { kind: 'filter'; key: string; value: unknown };

function parseJsonPath(expression: string): PathStep[] {
  let text = expression.trim();
  if (text.startsWith('$')) text = text.slice(1);
  const steps: PathStep[] = [];
  let i = 0;
  const name = (): string => {
    const match = /^[A-Za-z0-9_@-]+/.exec(text.slice(i));
    if (!match) throw new PatchError(`invalid JSONPath "${expression}" at ${i}`);
    i += match[0].length;
    return match[0];
  };
  // A path without "$" starts with a field name.
  if (text && text[0] !== '.' && text[0] !== '[') steps.push({ kind: 'child', name: name() });
  while (i < text.length) {
    if (text.startsWith('..', i)) {
      i += 2;
      if (text[i] === '*') { i++; steps.push({ kind: 'descend', name: '*' }); } else steps.push({ kind: 'descend', name: name() });
    } else if (text[i] === '.') {
      i++;
      if (text[i] === '*') { i++; steps.push({ kind: 'wildcard' }); } else steps.push({ kind: 'child', name: name() });
    } else if (text[i] === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) throw new PatchError(`invalid JSONPath "${expression}": unclosed [`);
      const inner = text.slice(i + 1, close).trim();
      i = close + 1;
      let filter: RegExpExecArray | null;
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (/^-?[0-9]+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push({ kind: 'child', name: inner.slice(1, -1) });
      else if ((filter = /^\?\(@\.([A-Za-z0-9_]+)\s*==\s*(?:'([^']*)'|"([^"]*)"|(-?[0-9.]+|true|false))\)$/.exec(inner))) {
        const literal = filter[2] ?? filter[3] ?? JSON.parse(filter[4]);
        steps.push({ kind: 'filter', key: filter[1], value: literal });
      } else throw new PatchError(`unsupported JSONPath "${expression}"`);
    } else throw new PatchError(`invalid JSONPath "${expression}" at ${i}`);
  }
  return steps;
}

function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function children(node: unknown): [string, unknown][] {
  if (Array.isArray(node)) return node.map((v, i) => [String(i), v]);
  if (node && typeof node === 'object') return Object.entries(node as Json);
  return [];
}

/** JSON pointers of every node the JSONPath selects, in document order. */
export function jsonPathToPointers(doc: unknown, expression: string): string[] {
  let current: { node: unknown; pointer: string }[] = [{ node: doc, pointer: '' }];
  for (const step of parseJsonPath(expression)) {
    const next: { node: unknown; pointer: string }[] = [];
    for (const { node, pointer } of current) {
      const at = (key: string, value: unknown) => next.push({ node: value, pointer: `${pointer}/${escapeToken(key)}` });
      switch (step.kind) {
        case 'child':
          if (node && typeof node === 'object' && !Array.isArray(node) && step.name in (node as Json)) at(step.name, (node as Json)[step.name]);
          break;
        case 'index':
          if (Array.isArray(node)) {
            const index = step.index < 0 ? node.length + step.index : step.index;
            if (index >= 0 && index < node.length) at(String(index), node[index]);
          }
          break;
        case 'wildcard':
          for (const [key, value] of children(node)) at(key, value);
          break;
        case 'filter':
          if (Array.isArray(node)) {
            node.forEach((item, index) => {
              if (item && typeof item === 'object' && (item as Json)[step.key] === step.value) at(String(index), item);
            });
          }
          break;
        case 'descend': {
          const walk = (value: unknown, valuePointer: string) => {
            for (const [key, child] of children(value)) {
              const childPointer = `${valuePointer}/${escapeToken(key)}`;
              if (!Array.isArray(value) && (step.name === '*' || key === step.name)) next.push({ node: child, pointer: childPointer });
              walk(child, childPointer);
            }
          };
          walk(node, pointer);
          break;
        }
      }
    }
    current = next;
  }
  return current.map((c) => c.pointer);
}

// ---- Policies ----

function resourceName(resource: Json): string | undefined {
  return resource.name ?? resource.clusterName;
}

function targetPaths(doc: unknown, op: PatchOperation): string[] {
  const path = op.path ?? '';
  if (!op.jsonPath) return [path];
  const pointers = jsonPathToPointers(doc, op.jsonPath);
  if (!pointers.length) throw new PatchError(`jsonPath "${op.jsonPath}" selects nothing`);
  const suffix = path === '' || path.startsWith('/') ? path : `/${path}`;
  return pointers.map((p) => `${p}${suffix}`);
}

/** The names a patch could have meant, since the usual mistake is the form of the name. */
function namesHint(list: readonly Json[]): string {
  const names = list.map(resourceName).filter((name): name is string => typeof name === 'string' && name !== '');
  if (names.length === 0) return '; the proxy has none of that type';
  const shown = names.slice(0, 5).map((name) => JSON.stringify(name)).join(', ');
  return `; the proxy has ${shown}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;
}

/** Applies one patch to the resources in place. */
function applyPatch(resources: XdsResources, patch: JSONPatch): void {
  const target = kindsByType[patch.type];
  if (!target) throw new PatchError(`unsupported resource type "${patch.type}"`);
  const list = resources[target.kind];
  const index = list.findIndex((r) => resourceName(r) === patch.name);
  const op = patch.operation ?? ({} as PatchOperation);
  // An explicit empty path means the whole resource; leaving both out is a mistake.
  if (op.path === undefined && op.jsonPath === undefined) throw new PatchError('a patch needs a path or a jsonPath');
  let doc: unknown;
  if (index < 0) {
    // Only an add of a whole resource may name one that does not exist yet.
    if (!(op.op === 'add' && !op.jsonPath && (op.path ?? '') === '')) throw new ResourceNotFound(`${patch.type} ${patch.name} not found${namesHint(list)}`);
    doc = {};
  } else {
    doc = convertMessage(target.message, structuredClone(list[index]), 'proto');
  }
  for (const path of targetPaths(doc, op)) doc = applyOperation(doc, op, path);
  let patched: Json;
  try {
    patched = convertMessage(target.message, doc, 'json') as Json;
  } catch (error) {
    if (error instanceof ProtoNameError) throw new PatchError(`unable to unmarshal the patched ${patch.type}: ${error.message}`);
    throw error;
  }
  const issues = checkMessage(target.message, patched);
  if (issues.length) throw new PatchError(`validation failed for xds resource ${patch.name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  if (index < 0) list.push(patched);
  else list[index] = patched;
}

class ResourceNotFound extends Error {}

/** A patch of an EnvoyPatchPolicy that was not applied, and why. */
export interface PatchFailure {
  namespace: string;
  name: string;
  /** The patch's index in the policy's jsonPatches. */
  patchIndex: number;
  /** The reason of the policy's Programmed condition: ResourceNotFound or Invalid. */
  reason: string;
  message: string;
  /** The Gateways (or GatewayClass) the policy applies to, as its status names them. */
  ancestors: Json[];
}

function programmed(status: 'True' | 'False', reason: string, message: string): Json {
  return { type: 'Programmed', status, reason, message };
}

/**
 * Applies every EnvoyPatchPolicy of the IR to the resources (in place) and returns the policies
 * with their statuses, plus each patch that could not be applied.
 */
export function applyPatchPolicies(xds: Xds, resources: XdsResources): { policies: Json[]; failures: PatchFailure[] } {
  const failures: PatchFailure[] = [];
  const policies: Json[] = [];
  for (const raw of (xds.envoyPatchPolicies ?? []) as PatchPolicy[]) {
    let condition = programmed('True', 'Programmed', 'Patches have been successfully applied.');
    const ancestorRefs = (raw.status?.ancestors ?? []).map((ancestor) => ancestor.ancestorRef);
    (raw.jsonPatches ?? []).forEach((patch, patchIndex) => {
      try {
        applyPatch(resources, patch);
      } catch (error) {
        if (!(error instanceof PatchError || error instanceof ResourceNotFound || error instanceof ProtoNameError)) throw error;
        const reason = error instanceof ResourceNotFound ? 'ResourceNotFound' : 'Invalid';
        condition = programmed('False', reason, error.message);
        failures.push({ namespace: raw.namespace, name: raw.name, patchIndex, reason, message: error.message, ancestors: ancestorRefs });
      }
    });
    const ancestors = (raw.status?.ancestors ?? []).map((ancestor) => ({
      ancestorRef: ancestor.ancestorRef,
      conditions: [condition],
      controllerName: ancestor.controllerName ?? '',
    }));
    policies.push({ ...raw, status: { ancestors } });
  }
  return { policies, failures };
}
