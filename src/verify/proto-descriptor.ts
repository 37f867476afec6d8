// Loads build/envoy-protos.json (written by scripts/build-protos.mjs) on first use and turns its
// entries into lookup-friendly shapes, cached per type.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FieldRules } from './proto-rules.js';

/** One field as scripts/build-protos.mjs writes it. Type names are fully qualified, no leading dot. */
interface FieldEntry {
  type: string;
  keyType?: string;
  repeated?: boolean;
  oneof?: string;
  jsonName?: string;
  rules?: FieldRules;
}

interface MessageEntry {
  fields: Record<string, FieldEntry>;
  requiredOneofs?: string[];
}

/** The descriptor file: the JSON of each type, parsed when the type is first looked up. */
interface DescriptorIndex {
  messages: Map<string, string>;
  enums: Map<string, string>;
}

export type FieldKind = 'scalar' | 'enum' | 'message';

export interface ProtoField {
  /** The field's name in the .proto file (snake_case). */
  name: string;
  /** The proto3 JSON name (lowerCamelCase unless json_name says otherwise). */
  jsonName: string;
  type: string;
  kind: FieldKind;
  repeated: boolean;
  /** Set for map fields: the key's scalar type. */
  keyType?: string;
  oneof?: string;
  rules?: FieldRules;
}

export interface ProtoMessage {
  name: string;
  fields: ProtoField[];
  /** Both the JSON name and the proto name of every field. */
  byKey: Map<string, ProtoField>;
  /** Oneof name -> JSON names of its members. */
  oneofMembers: Map<string, string[]>;
  requiredOneofs: string[];
  /** Fields whose rules can fail when the field is left out (rules set, not in a oneof). */
  ruledFields: ProtoField[];
}

export interface ProtoEnum {
  name: string;
  values: Record<string, number>;
  numbers: Set<number>;
}

const descriptorFileName = 'envoy-protos.json';
let descriptor: DescriptorIndex | undefined;
const messageCache = new Map<string, ProtoMessage | undefined>();
const enumCache = new Map<string, ProtoEnum | undefined>();

// The module runs from build/src/verify (tests), from dist/egc.js (the bundled CLI) or from src
// (tooling), so walk up from this file to the first directory that has build/envoy-protos.json.
function findDescriptorFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'build', descriptorFileName);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`build/${descriptorFileName} not found; run "node scripts/build.mjs" (it runs scripts/build-protos.mjs)`);
}

/**
 * Why the descriptor could not be read, kept: callers that carry on without it (the xds stage
 * checks every resource) would otherwise search the file system again on every call.
 */
let loadError: Error | undefined;

/** Why Envoy's API descriptor cannot be read (so nothing can be checked against it); undefined when it can. */
export function descriptorProblem(): string | undefined {
  try {
    load();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Line 1: `{"version":2,...}`; then `M` or `E`, a tab, the type's name, a tab, its JSON. */
function load(): DescriptorIndex {
  if (loadError) throw loadError;
  if (!descriptor) {
    try {
      descriptor = readDescriptor();
    } catch (error) {
      loadError = error as Error;
      throw error;
    }
  }
  return descriptor;
}

function readDescriptor(): DescriptorIndex {
  const text = readFileSync(findDescriptorFile(), 'utf8');
  let lineEnd = text.indexOf('\n');
  const header = JSON.parse(text.slice(0, lineEnd)) as { version?: number };
  if (header.version !== 2) throw new Error(`unsupported ${descriptorFileName} version ${String(header.version)}; run "node scripts/build.mjs"`);
  const index: DescriptorIndex = { messages: new Map(), enums: new Map() };
  for (let start = lineEnd + 1; start < text.length; start = lineEnd + 1) {
    lineEnd = text.indexOf('\n', start);
    if (lineEnd < 0) lineEnd = text.length;
    const nameEnd = text.indexOf('\t', start + 2);
    (text[start] === 'M' ? index.messages : index.enums).set(text.slice(start + 2, nameEnd), text.slice(nameEnd + 1, lineEnd));
  }
  return index;
}

/** protoc's default JSON name: drop each underscore and upper-case the character after it. */
export function jsonNameOf(protoName: string): string {
  let out = '';
  let upperNext = false;
  for (const char of protoName) {
    if (char === '_') upperNext = true;
    else {
      out += upperNext ? char.toUpperCase() : char;
      upperNext = false;
    }
  }
  return out;
}

const scalarTypes = new Set([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);

export function normalizeTypeName(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

export function lookupMessage(typeName: string): ProtoMessage | undefined {
  const name = normalizeTypeName(typeName);
  if (messageCache.has(name)) return messageCache.get(name);
  const json = load().messages.get(name);
  const message = json === undefined ? undefined : resolveMessage(name, JSON.parse(json) as MessageEntry);
  messageCache.set(name, message);
  return message;
}

export function lookupEnum(typeName: string): ProtoEnum | undefined {
  const name = normalizeTypeName(typeName);
  if (enumCache.has(name)) return enumCache.get(name);
  const json = load().enums.get(name);
  const values = json === undefined ? undefined : (JSON.parse(json) as Record<string, number>);
  const found = values ? { name, values, numbers: new Set(Object.values(values)) } : undefined;
  enumCache.set(name, found);
  return found;
}

function resolveMessage(name: string, entry: MessageEntry): ProtoMessage {
  const { enums } = load();
  const fields: ProtoField[] = [];
  const byKey = new Map<string, ProtoField>();
  const oneofMembers = new Map<string, string[]>();
  for (const [fieldName, raw] of Object.entries(entry.fields)) {
    const kind: FieldKind = scalarTypes.has(raw.type) ? 'scalar' : enums.has(raw.type) ? 'enum' : 'message';
    const field: ProtoField = {
      name: fieldName,
      jsonName: raw.jsonName ?? jsonNameOf(fieldName),
      type: raw.type,
      kind,
      repeated: raw.repeated === true && raw.keyType === undefined,
      keyType: raw.keyType,
      oneof: raw.oneof,
      rules: raw.rules,
    };
    fields.push(field);
    byKey.set(field.name, field);
    byKey.set(field.jsonName, field);
    if (field.oneof) oneofMembers.set(field.oneof, [...(oneofMembers.get(field.oneof) ?? []), field.jsonName]);
  }
  const ruledFields = fields.filter((field) => field.rules !== undefined && field.oneof === undefined);
  return { name, fields, byKey, oneofMembers, requiredOneofs: entry.requiredOneofs ?? [], ruledFields };
}
