// Builds build/envoy-protos.json: a flat, pre-resolved descriptor of Envoy's v3 API that
// src/verify/proto.ts uses to check emitted config strictly. protobufjs parses the .proto files
// and resolves every type reference here, at build time, so the checker only has to read a map of
// fully qualified names (fast to load, no scoping rules at run time): one line per type, parsed
// only when the type is first checked.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const deps = join(root, 'node_modules/@grpc/grpc-js-xds/deps');
const includeDirs = [
  join(deps, 'envoy-api'),
  join(deps, 'googleapis'),
  join(deps, 'protoc-gen-validate'),
  join(deps, 'xds'),
  // google/protobuf/descriptor.proto (extended by the validate and udpa annotations)
  join(root, 'node_modules/protobufjs'),
];
const outFile = join(root, 'build/envoy-protos.json');

// The OpenTelemetry access logger imports opentelemetry/proto/common/v1/common.proto, which the
// grpc-js-xds bundle does not ship. These are the messages it uses, per the OpenTelemetry proto
// spec (AnyValue, ArrayValue, KeyValueList, KeyValue, InstrumentationScope).
const openTelemetryCommon = `
syntax = "proto3";
package opentelemetry.proto.common.v1;
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
`;
protobuf.common(
  'opentelemetry/proto/common/v1/common.proto',
  protobuf.parse(openTelemetryCommon, { keepCase: true }).root.toJSON(),
);

// Files protobufjs provides itself (google/protobuf/any.proto, duration.proto, ...).
const bundled = new Set(Object.keys(protobuf.common).filter((name) => name.endsWith('.proto')));

function locate(name) {
  if (bundled.has(name)) return name;
  for (const dir of includeDirs) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function protoFilesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return protoFilesUnder(path);
    return entry.name.endsWith('.proto') ? [path] : [];
  });
}

// A file that fails half-way leaves half-defined types in a protobufjs Root and poisons every
// later load, so decide up front which files have all their (transitive) imports on disk.
const importable = new Map();
function isLoadable(name, visiting = new Set()) {
  if (importable.has(name)) return importable.get(name);
  const path = locate(name);
  if (!path) {
    importable.set(name, false);
    return false;
  }
  if (bundled.has(name) || visiting.has(name)) return true;
  visiting.add(name);
  const source = readFileSync(path, 'utf8');
  const imports = [...source.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)].map((m) => m[1]);
  const ok = imports.every((imported) => isLoadable(imported, visiting));
  visiting.delete(name);
  importable.set(name, ok);
  return ok;
}

const [envoyDir, , , xdsDir] = includeDirs;
const candidates = [
  ...protoFilesUnder(join(envoyDir, 'envoy')).map((path) => relative(envoyDir, path)),
  // cncf/xds: TypedStruct, the xds matchers (CEL, IP, domain) Envoy configs embed, udpa annotations
  ...protoFilesUnder(xdsDir).map((path) => relative(xdsDir, path)),
];
const loadable = candidates.filter((name) => isLoadable(name));
const skipped = candidates.filter((name) => !loadable.includes(name));

function loadAll(files) {
  const protoRoot = new protobuf.Root();
  protoRoot.resolvePath = (_origin, target) => locate(target) ?? target;
  protoRoot.loadSync(files, { keepCase: true });
  protoRoot.resolveAll();
  return protoRoot;
}

let protoRoot;
let loaded = loadable;
try {
  protoRoot = loadAll(loadable);
} catch (error) {
  // Some file is broken in a way the import scan cannot see: find the ones that load on their own.
  console.warn(`build-protos: loading all at once failed (${error.message.slice(0, 200)}); retrying file by file`);
  loaded = loadable.filter((name) => {
    try {
      loadAll([name]);
      return true;
    } catch {
      skipped.push(name);
      return false;
    }
  });
  protoRoot = loadAll(loaded);
}

// The grpc-js-xds snapshot of Envoy's API predates Envoy 1.32, the Envoy that Envoy Gateway v1.2
// runs. These are the 1.32 types and fields its output uses that the snapshot lacks (each added
// only when missing, so a newer snapshot simply supersedes them).
const addedTypes = [
  {
    name: 'envoy.extensions.matching.input_matchers.metadata.v3.Metadata',
    source: `syntax = "proto3";
package envoy.extensions.matching.input_matchers.metadata.v3;
message Metadata {
  .envoy.type.matcher.v3.ValueMatcher value = 1 [(validate.rules).message = {required: true}];
  bool invert = 4;
}`,
  },
  {
    name: 'envoy.extensions.matching.common_inputs.network.v3.DynamicMetadataInput',
    source: `syntax = "proto3";
package envoy.extensions.matching.common_inputs.network.v3;
message DynamicMetadataInput {
  message PathSegment {
    oneof segment {
      option (validate.required) = true;
      string key = 1 [(validate.rules).string = {min_len: 1}];
    }
  }
  string filter = 1 [(validate.rules).string = {min_len: 1}];
  repeated PathSegment path = 2 [(validate.rules).repeated = {min_items: 1}];
}`,
  },
];
const addedFields = [
  ['envoy.extensions.filters.http.oauth2.v3.OAuth2Config', 'retry_policy', 'envoy.config.core.v3.RetryPolicy'],
  ['envoy.extensions.filters.http.oauth2.v3.OAuth2Credentials', 'cookie_domain', 'string'],
  ['envoy.extensions.filters.http.oauth2.v3.OAuth2Credentials.CookieNames', 'oauth_nonce', 'string'],
];
let additions = 0;
for (const { name, source } of addedTypes) {
  if (protoRoot.lookup(name)) continue;
  protobuf.parse(source, protoRoot, { keepCase: true });
  protoRoot.lookupType(name).resolveAll();
  additions++;
}
for (const [typeName, fieldName, fieldType] of addedFields) {
  const type = protoRoot.lookupType(typeName);
  if (type.fields[fieldName]) continue;
  const nextId = Math.max(0, ...type.fieldsArray.map((field) => field.id)) + 1;
  const field = new protobuf.Field(fieldName, nextId, scalarOrQualified(fieldType));
  type.add(field);
  field.resolve();
  additions++;
}

function scalarOrQualified(type) {
  return /^[a-z0-9]+$/.test(type) ? type : `.${type}`;
}

const scalarTypes = new Set([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);

const stripDot = (name) => name.replace(/^\./, '');

// Merges protobufjs's parsedOptions entries for one option name into one nested object;
// repeated values (e.g. `in: [...]` written as separate statements) are concatenated.
function mergeOption(target, source) {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (Array.isArray(existing)) target[key] = existing.concat(value);
    else if (existing && typeof existing === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
      mergeOption(existing, value);
    } else target[key] = value;
  }
  return target;
}

function parsedOption(reflection, name) {
  let result;
  for (const entry of reflection.parsedOptions ?? []) {
    if (entry && Object.prototype.hasOwnProperty.call(entry, name)) {
      const value = entry[name];
      if (value && typeof value === 'object' && !Array.isArray(value)) result = mergeOption(result ?? {}, value);
      else result = value;
    }
  }
  return result;
}

const messages = {};
const enums = {};

function describeField(field) {
  const described = {};
  if (scalarTypes.has(field.type)) described.type = field.type;
  else if (field.resolvedType) described.type = stripDot(field.resolvedType.fullName);
  else throw new Error(`unresolved type ${field.type} of ${field.fullName}`);
  if (field.map) described.keyType = field.keyType;
  if (field.repeated) described.repeated = true;
  if (field.partOf) described.oneof = field.partOf.name;
  const jsonName = field.options?.json_name;
  if (typeof jsonName === 'string') described.jsonName = jsonName;
  const rules = parsedOption(field, '(validate.rules)');
  if (rules && typeof rules === 'object') described.rules = rules;
  return described;
}

// Types only the .proto files themselves use (option extensions and their targets).
const annotationNamespaces = /^\.(validate|udpa\.annotations|envoy\.annotations|xds\.annotations)\./;

function visit(namespace) {
  for (const nested of namespace.nestedArray) {
    if (annotationNamespaces.test(nested.fullName)) continue;
    if (nested.filename?.endsWith('google/protobuf/descriptor.proto')) continue;
    if (nested instanceof protobuf.Type) {
      const message = { fields: {} };
      for (const field of nested.fieldsArray) message.fields[field.name] = describeField(field);
      const requiredOneofs = nested.oneofsArray
        .filter((oneof) => parsedOption(oneof, '(validate.required)') === true)
        .map((oneof) => oneof.name);
      if (requiredOneofs.length > 0) message.requiredOneofs = requiredOneofs;
      messages[stripDot(nested.fullName)] = message;
    } else if (nested instanceof protobuf.Enum) {
      enums[stripDot(nested.fullName)] = { ...nested.values };
    }
    if (nested instanceof protobuf.Namespace) visit(nested);
  }
}
visit(protoRoot);

mkdirSync(dirname(outFile), { recursive: true });
// A header line, then one line per type (`M` message or `E` enum, its name, its JSON), so that
// a run reads the JSON of only the types it checks.
const lines = [JSON.stringify({ version: 2, files: loaded.length })];
for (const [name, message] of Object.entries(messages)) lines.push(`M\t${name}\t${JSON.stringify(message)}`);
for (const [name, values] of Object.entries(enums)) lines.push(`E\t${name}\t${JSON.stringify(values)}`);
writeFileSync(outFile, `${lines.join('\n')}\n`);
if (process.env.EGC_PROTOS_VERBOSE) console.log(`skipped:\n  ${skipped.join('\n  ')}`);
console.log(
  `build-protos: ${loaded.length} proto files loaded, ${skipped.length} skipped, ${additions} Envoy 1.32 additions; ` +
    `${Object.keys(messages).length} messages, ${Object.keys(enums).length} enums -> ${relative(root, outFile)}`,
);
