/**
 * Status views: a resource's status reshaped so that the generic differ compares what matters
 * and reports readable paths.
 *
 * Kubernetes keys these lists, so their order carries no meaning and they are compared as maps:
 * conditions by type, Gateway listeners by name, route parents by parentRef, policy ancestors by
 * ancestorRef, a listener's supportedKinds as a set. Everything else in a status (addresses,
 * controllerName, ...) is compared as it is, after normalisation.
 * Two levels: `status` compares condition type/status/reason (plus all other fields);
 * `messages` adds each condition's message.
 */
import { normalize, statusNormalization } from './normalize.js';

export type StatusLevel = 'status' | 'messages';

type Json = Record<string, unknown>;

const gatewayGroup = 'gateway.networking.k8s.io';

/** The comparable view of one object's status; `objectNamespace` defaults references' namespaces. */
export function statusView(status: unknown, objectNamespace: string, level: StatusLevel): unknown {
  const normalized = normalize(status, statusNormalization);
  if (!isRecord(normalized)) return normalized;
  const view: Json = {};
  for (const [key, value] of Object.entries(normalized)) {
    if (key === 'conditions') view.conditions = conditionsView(value, level);
    else if (key === 'listeners') view.listeners = keyedView(value, (item) => String(item.name ?? ''), (item) => listenerView(item, level));
    else if (key === 'parents') view.parents = keyedView(value, (item) => referenceKey(item.parentRef, objectNamespace), (item) => entryView(item, 'parentRef', level));
    else if (key === 'ancestors') view.ancestors = keyedView(value, (item) => referenceKey(item.ancestorRef, objectNamespace), (item) => entryView(item, 'ancestorRef', level));
    else view[key] = value;
  }
  // `status: {}` and no status at all say the same thing.
  return Object.keys(view).length === 0 ? undefined : view;
}

function conditionsView(conditions: unknown, level: StatusLevel): unknown {
  return keyedView(conditions, (condition) => String(condition.type ?? ''), (condition) => {
    const { message, type: _type, ...rest } = condition;
    return level === 'messages' && message !== undefined ? { ...rest, message } : rest;
  });
}

function listenerView(listener: Json, level: StatusLevel): Json {
  const { name: _name, conditions, supportedKinds, ...rest } = listener;
  const view: Json = { ...rest };
  if (conditions !== undefined) view.conditions = conditionsView(conditions, level);
  if (Array.isArray(supportedKinds)) {
    view.supportedKinds = supportedKinds.map((kind) => (isRecord(kind) ? `${kind.group ?? gatewayGroup}/${kind.kind ?? ''}` : String(kind))).sort();
  }
  return view;
}

function entryView(entry: Json, refKey: string, level: StatusLevel): Json {
  const { conditions, [refKey]: _ref, ...rest } = entry;
  const view: Json = { ...rest };
  if (conditions !== undefined) view.conditions = conditionsView(conditions, level);
  return view;
}

/**
 * `Gateway envoy-gateway/gateway-1` (plus `#section` and `:port` when set), with the API's
 * defaults filled in so that a reference written with or without them names the same thing.
 */
export function referenceKey(ref: unknown, objectNamespace: string): string {
  if (!isRecord(ref)) return '(no reference)';
  const group = typeof ref.group === 'string' && ref.group !== '' ? ref.group : gatewayGroup;
  const kind = typeof ref.kind === 'string' && ref.kind !== '' ? ref.kind : 'Gateway';
  const namespace = typeof ref.namespace === 'string' && ref.namespace !== '' ? ref.namespace : objectNamespace;
  let key = `${group === gatewayGroup ? '' : `${group}/`}${kind} ${namespace}/${String(ref.name ?? '')}`;
  if (ref.sectionName !== undefined) key += `#${String(ref.sectionName)}`;
  if (ref.port !== undefined) key += `:${String(ref.port)}`;
  return key;
}

/** A list as a map from each item's key; a repeated key gets ` (2)`, ` (3)`... so none is lost. */
function keyedView(list: unknown, keyOf: (item: Json) => string, view: (item: Json) => unknown): unknown {
  if (!Array.isArray(list)) return list;
  const out: Json = {};
  for (const item of list) {
    const record = isRecord(item) ? item : {};
    const base = keyOf(record);
    let key = base;
    for (let n = 2; key in out; n++) key = `${base} (${n})`;
    out[key] = view(record);
  }
  return out;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
