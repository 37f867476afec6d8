/**
 * The schema stage: checks each loaded object against the JSON Schema of its kind (precompiled
 * from schemas/*.json by scripts/build-validators.mjs) and turns ajv's errors into diagnostics
 * a person can act on, each located on the offending YAML node; then evaluates the CRD's CEL
 * rules (cel.ts) on the objects the schema accepts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import { formatPath, type Diagnostic } from '../diagnostics/diagnostic.js';
import { groupOf, type KubeObject } from '../load/resource.js';
import { sourceOf } from '../load/source.js';
import { checkCelRules } from './cel.js';
import { kinds, validators, type GeneratedError, type GeneratedKind } from './generated/validators.js';
import { negativeUnsignedWarnings } from './negative-unsigned.js';
import { closest } from './suggest.js';

export interface ValidationResult {
  /** Objects the API server would accept, plus objects of kinds egc has no schema for. */
  valid: KubeObject[];
  diagnostics: Diagnostic[];
}

type Segment = string | number;

const kindsByGroupKind = new Map(kinds.map((k) => [`${k.group}/${k.kind}`, k]));

function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Every (apiVersion, kind) egc validates; legacy versions, accepted with a warning, are not listed. */
export function knownKinds(): { apiVersion: string; kind: string }[] {
  return kinds.flatMap((k) => k.versions.map((version) => ({ apiVersion: apiVersionOf(k.group, version), kind: k.kind })));
}

/**
 * The JSON Schema of a kind (matched case-insensitively), read from the package's schemas/
 * folder; its `$ref`s to `common.json` resolve against the same folder. Not used on the translate path.
 */
export function schemaFor(kind: string): object | undefined {
  const entry = kinds.find((k) => k.kind.toLowerCase() === kind.toLowerCase());
  const folder = schemaFolder();
  if (!entry || !folder) return undefined;
  return JSON.parse(readFileSync(join(folder, entry.file), 'utf8')) as object;
}

/** schemas/ in the package root: the nearest ancestor of this module that has one. */
function schemaFolder(): string | undefined {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(directory, 'schemas');
    if (existsSync(join(candidate, 'common.json'))) return candidate;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/**
 * Validates every object. Objects with schema errors, failing CEL rules (or an apiVersion their
 * kind was never served at) are left out of `valid`; objects of kinds without a schema pass through unchanged.
 * Like the API server, null values in an object's body are dropped (in place) before checking.
 */
export function validateObjects(objects: KubeObject[]): ValidationResult {
  const valid: KubeObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const object of objects) {
    const found = validateObject(object);
    if (found.length === 0) {
      valid.push(object);
      continue;
    }
    diagnostics.push(...found);
    if (!found.some((d) => d.severity === 'error')) valid.push(object);
  }
  return { valid, diagnostics };
}

function validateObject(object: KubeObject): Diagnostic[] {
  const group = groupOf(object.apiVersion);
  const version = object.apiVersion.slice(object.apiVersion.indexOf('/') + 1);
  const groupKind = `${group}/${object.kind}`;
  const entry = kindsByGroupKind.get(groupKind);
  if (!entry) {
    const sameName = kinds.find((k) => k.kind === object.kind);
    if (!sameName) return [];
    return [apiVersionDiagnostic(object, sameName)];
  }
  const diagnostics: Diagnostic[] = [];
  if (entry.legacyVersions.includes(version)) {
    diagnostics.push(
      diagnosticAt(object, ['apiVersion'], {
        code: codes.legacyApiVersion,
        severity: 'warning',
        message: `${object.apiVersion} is no longer served for ${object.kind} by Gateway API v1.2; read as ${expectedVersions(entry)}`,
      }),
    );
  } else if (!entry.versions.includes(version)) {
    return [apiVersionDiagnostic(object, entry)];
  }
  // Most objects come from the block reader, which knows whether they hold a null at all.
  if (sourceOf(object)?.holdsNoNull !== true) dropNulls(object);
  const validate = validators[entry.exportName];
  if (!validate(object)) diagnostics.push(...explain(object, validate.errors ?? []));
  // CEL rules read fields the schema guarantees; on an object with schema errors they would
  // mostly repeat those errors, so they run once the object has none.
  else {
    const failing = checkCelRules(object, groupKind);
    if (failing.length > 0) diagnostics.push(...failing);
    const negative = negativeUnsignedWarnings(object);
    if (negative.length > 0) diagnostics.push(...negative);
  }
  return diagnostics;
}

function expectedVersions(entry: GeneratedKind): string {
  return orList(entry.versions.map((v) => `\`${apiVersionOf(entry.group, v)}\``));
}

function apiVersionDiagnostic(object: KubeObject, entry: GeneratedKind): Diagnostic {
  return diagnosticAt(object, ['apiVersion'], {
    code: codes.unknownApiVersion,
    message: `unknown apiVersion \`${object.apiVersion}\` for ${object.kind}; expected ${expectedVersions(entry)}`,
  });
}

/** Removes null-valued fields outside metadata and status, as the API server prunes them. */
function dropNulls(object: KubeObject): void {
  for (const key in object) {
    if (key === 'metadata' || key === 'status') continue;
    if ((object as Record<string, unknown>)[key] === null) delete (object as Record<string, unknown>)[key];
    else pruneNulls((object as Record<string, unknown>)[key]);
  }
}

/** Only mappings and lists can hold nulls: the checks below skip the call for scalar values. */
function pruneNulls(value: unknown): void {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item = value[index];
      if (typeof item === 'object' && item !== null) pruneNulls(item);
    }
  } else if (isMapping(value)) {
    for (const key in value) {
      const item = value[key];
      if (item === null) delete value[key];
      else if (typeof item === 'object') pruneNulls(item);
    }
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// From ajv errors to diagnostics

/** Which error to report when one node fails several keywords: the most basic problem first. */
const keywordRank: Record<string, number> = {
  type: 0,
  enum: 1,
  const: 1,
  minLength: 2,
  maxLength: 3,
  pattern: 4,
  minimum: 5,
  maximum: 5,
  minItems: 6,
  maxItems: 6,
  minProperties: 6,
  maxProperties: 6,
};

/**
 * Turns the errors of one object into one diagnostic per offending node. The schemas use no
 * anyOf/oneOf (the build refuses them), so each error belongs to the one form a node can take.
 */
function explain(object: KubeObject, errors: readonly GeneratedError[]): Diagnostic[] {
  const missing = new Map<string, { path: Segment[]; fields: string[] }>();
  const byNode = new Map<string, GeneratedError>();
  const unknown = new Map<string, GeneratedError>();
  for (const error of errors) {
    if (error.keyword === 'required') {
      const entry = missing.get(error.instancePath) ?? { path: segmentsOf(object, error.instancePath), fields: [] };
      if (!entry.fields.includes(error.params.missingProperty)) entry.fields.push(error.params.missingProperty);
      missing.set(error.instancePath, entry);
    } else if (error.keyword === 'additionalProperties') {
      unknown.set(`${error.instancePath}/${error.params.additionalProperty}`, error);
    } else {
      const current = byNode.get(error.instancePath);
      if (!current || rank(error) < rank(current)) byNode.set(error.instancePath, error);
    }
  }
  const diagnostics: Diagnostic[] = [];
  for (const error of unknown.values()) diagnostics.push(unknownField(object, error));
  for (const { path, fields } of missing.values()) {
    const names = andList(fields.map((f) => `\`${f}\``));
    const where = path.length ? ` in \`${formatPath(path)}\`` : '';
    diagnostics.push(
      diagnosticAt(object, path, { code: codes.missingField, message: `missing required field${fields.length > 1 ? 's' : ''} ${names}${where}` }),
    );
  }
  for (const error of byNode.values()) diagnostics.push(valueProblem(object, error));
  return diagnostics;
}

function rank(error: GeneratedError): number {
  return keywordRank[error.keyword] ?? 10;
}

/** JSON pointer → path segments; a segment is a number where the data there is a list. */
function segmentsOf(object: KubeObject, pointer: string): Segment[] {
  if (pointer === '') return [];
  const segments: Segment[] = [];
  let node: unknown = object;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(part);
      segments.push(index);
      node = node[index];
    } else {
      segments.push(part);
      node = isMapping(node) ? node[part] : undefined;
    }
  }
  return segments;
}

function unknownField(object: KubeObject, error: GeneratedError): Diagnostic {
  const parent = segmentsOf(object, error.instancePath);
  const field: string = error.params.additionalProperty;
  const allowed = Object.keys(error.parentSchema?.properties ?? {});
  const suggestion = closest(field, allowed);
  let message = `unknown field \`${field}\``;
  if (parent.length) message += ` in \`${formatPath(parent)}\``;
  if (suggestion) message += `, did you mean \`${suggestion}\`?`;
  else if (allowed.length > 0 && allowed.length <= 12) message += `; expected one of ${allowed.join(', ')}`;
  return diagnosticAt(object, [...parent, field], { code: codes.unknownField, message, key: true });
}

function valueProblem(object: KubeObject, error: GeneratedError): Diagnostic {
  const path = segmentsOf(object, error.instancePath);
  const subject = path.length ? `\`${formatPath(path)}\`` : 'the document';
  // A Secret's values never appear in a message, even when they are the mistake.
  const secretValue = object.kind === 'Secret' && (path[0] === 'data' || path[0] === 'stringData') && path.length > 1;
  const data = secretValue && typeof error.data === 'string' ? '<redacted>' : error.data;
  const schema = error.parentSchema ?? {};
  const at = (code: string, message: string) => diagnosticAt(object, path, { code, message });
  switch (error.keyword) {
    case 'type': {
      const expected = ([] as string[]).concat(error.schema as string | string[]);
      let message = `${subject}: expected ${orList(expected.map(typeNoun))}, got ${describeValue(data)}`;
      if (expected.includes('integer') && typeof data === 'string' && /^-?\d+$/.test(data.trim())) message += ' (write it without quotes)';
      if (expected.includes('integer') && typeof data === 'number') message = `${subject} must be a whole number, got ${data}`;
      return at(codes.wrongType, message);
    }
    case 'enum':
    case 'const': {
      const allowed: unknown[] = error.keyword === 'enum' ? error.params.allowedValues : [error.params.allowedValue];
      let message = `${subject} must be ${allowed.length === 1 ? '' : 'one of '}${allowed.map(String).join(', ')}; got ${typeof data === 'string' ? `\`${data}\`` : describeValue(data)}`;
      const suggestion = typeof data === 'string' ? closest(data, allowed.map(String)) : undefined;
      if (suggestion) message += ` — did you mean \`${suggestion}\`?`;
      return at(codes.badEnum, message);
    }
    case 'minimum':
    case 'maximum': {
      const noun = schema.type === 'integer' ? 'an integer' : 'a number';
      const { minimum, maximum } = schema;
      let bound: string;
      if (minimum !== undefined && maximum !== undefined) bound = `${noun} between ${minimum} and ${maximum}`;
      else if (minimum !== undefined) bound = `at least ${minimum}`;
      else bound = `at most ${maximum}`;
      return at(codes.outOfRange, `${subject} must be ${bound}, got ${String(data)}`);
    }
    case 'minLength':
    case 'maxLength': {
      const length = typeof data === 'string' ? [...data].length : 0;
      if (error.keyword === 'minLength' && error.params.limit === 1) return at(codes.outOfRange, `${subject} must not be empty`);
      const bound = error.keyword === 'minLength' ? 'at least' : 'at most';
      return at(codes.outOfRange, `${subject} must be ${bound} ${plural(error.params.limit, 'character')} long, got ${length}`);
    }
    case 'minItems':
    case 'maxItems': {
      const bound = error.keyword === 'minItems' ? 'at least' : 'at most';
      const count = Array.isArray(data) ? data.length : 0;
      return at(codes.outOfRange, `${subject} must have ${bound} ${plural(error.params.limit, 'item')}, got ${count}`);
    }
    case 'minProperties':
    case 'maxProperties': {
      const bound = error.keyword === 'minProperties' ? 'at least' : 'at most';
      const count = isMapping(data) ? Object.keys(data).length : 0;
      return at(codes.outOfRange, `${subject} must have ${bound} ${plural(error.params.limit, 'entry', 'entries')}, got ${count}`);
    }
    case 'pattern': {
      const shape = typeof schema.title === 'string' ? schema.title : `a string matching \`${error.params.pattern}\``;
      let message = `${subject} must be ${shape}; got \`${String(data)}\``;
      if (typeof data === 'string' && data !== data.toLowerCase() && new RegExp(error.params.pattern, 'u').test(data.toLowerCase())) {
        message += ` — did you mean \`${data.toLowerCase()}\`?`;
      }
      return at(codes.badPattern, message);
    }
    default:
      return at(codes.schemaOther, `${subject} ${error.message ?? 'is not valid'}`);
  }
}

function typeNoun(type: string): string {
  switch (type) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    default:
      return `a ${type}`;
  }
}

/** How a value reads in a message: its YAML shape, with the value itself when it is short. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isMapping(value)) return 'a mapping';
  if (typeof value === 'string') return value.length > 40 ? 'a string' : `the string \`${value}\``;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `\`${value}\``;
  return typeof value;
}

function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

function andList(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function orList(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
