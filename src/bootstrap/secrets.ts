/**
 * Keeping credentials out of what egc prints. With `--secrets-dir`, every SDS secret (TLS
 * certificates and keys, CA bundles, OAuth2 client and HMAC secrets) is written to its own SDS
 * file there, and the bootstrap refers to it through a `path_config_source` instead of inlining
 * it; basic-auth htpasswd data becomes a `filename` data source. Files are created mode 0600 in
 * a directory of mode 0700, written to a temporary name and renamed, so no reader ever sees a
 * partial or world-readable file. Printed forms that are not meant to run (gateway-api, ir, xds)
 * show secret values as `<redacted: N bytes>`.
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KubeObject } from '../load/resource.js';
import { typeUrlPrefix, type Json, type XdsResources } from '../xds/resources.js';

export const secretType = 'envoy.extensions.transport_sockets.tls.v3.Secret';
const basicAuthTypes = new Set([
  `${typeUrlPrefix}envoy.extensions.filters.http.basic_auth.v3.BasicAuth`,
  `${typeUrlPrefix}envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute`,
]);

export interface SecretFile {
  path: string;
  content: string | Buffer;
}

/** A file name for a secret: readable, without path separators, and unique per name. */
function fileNameFor(name: string): string {
  const readable = name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${readable}-${digest}.json`;
}

/** Where the SDS file of the secret named `name` lives. */
export function sdsPath(directory: string, name: string): string {
  return join(resolve(directory), fileNameFor(name));
}

/** The ConfigSource that makes Envoy read the secret `name` from its SDS file. */
export function sdsFileConfigSource(directory: string, name: string): Json {
  return { pathConfigSource: { path: sdsPath(directory, name) }, resourceApiVersion: 'V3' };
}

/** Where basic-auth data goes: named by its digest, so equal user lists share a file. */
export function basicAuthPath(directory: string, base64: string): string {
  const digest = createHash('sha256').update(base64).digest('hex').slice(0, 16);
  return join(resolve(directory), `basic-auth-${digest}.htpasswd`);
}

/** A basic-auth filter config whose users are inline: the same config reading them from a file. */
export function basicAuthFromFile(object: Json, directory: string): Json | undefined {
  if (!basicAuthTypes.has(object['@type']) || typeof object.users?.inlineBytes !== 'string') return undefined;
  return { ...object, users: { filename: basicAuthPath(directory, object.users.inlineBytes) } };
}

function walk(value: unknown, visit: (object: Json) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  visit(value as Json);
  for (const item of Object.values(value)) walk(item, visit);
}

/** Every file the bootstrap of `resources` refers to when built with `secretsDir: directory`. */
export function secretFiles(resources: XdsResources, directory: string): SecretFile[] {
  const files = new Map<string, SecretFile>();
  for (const secret of resources.secrets) {
    const path = sdsPath(directory, secret.name);
    // An SDS file holds a DiscoveryResponse; Envoy picks the resource by the secret's name.
    const content = `${JSON.stringify({ resources: [{ '@type': `${typeUrlPrefix}${secretType}`, ...secret }] }, null, 2)}\n`;
    files.set(path, { path, content });
  }
  walk([resources.listeners, resources.routes], (object) => {
    if (!basicAuthTypes.has(object['@type']) || typeof object.users?.inlineBytes !== 'string') return;
    const path = basicAuthPath(directory, object.users.inlineBytes);
    files.set(path, { path, content: Buffer.from(object.users.inlineBytes, 'base64') });
  });
  return [...files.values()];
}

/**
 * Creates the directory (mode 0700 when new) and writes each file atomically with mode 0600.
 * Refuses a directory that others can write to, where someone could swap a file in.
 */
export function writeSecretFiles(directory: string, files: readonly SecretFile[]): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const mode = statSync(directory).mode;
  if ((mode & 0o022) !== 0) throw new Error(`secrets directory ${directory} is writable by others (mode ${(mode & 0o777).toString(8)}); use a private directory`);
  for (const file of files) {
    const temporary = `${file.path}.tmp-${process.pid}-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 8)}`;
    // O_EXCL: never write through a file (or symlink) someone placed at the temporary name.
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, typeof file.content === 'string' ? Buffer.from(file.content) : file.content);
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      unlinkSync(temporary);
      throw error;
    }
    closeSync(fd);
    // The umask can only remove bits; make the mode exact anyway.
    chmodSync(temporary, 0o600);
    renameSync(temporary, file.path);
  }
}

export function redacted(value: string): string {
  return `<redacted: ${Buffer.from(value, 'base64').length} bytes>`;
}

function redactedText(value: string): string {
  return `<redacted: ${Buffer.byteLength(value)} bytes>`;
}

/** Secrets as the gateway-api output shows them: every `data` and `stringData` value redacted. */
export function redactSecretObjects(objects: readonly KubeObject[]): KubeObject[] {
  return objects.map((object) => {
    if (object.kind !== 'Secret') return object;
    const copy: KubeObject = { ...object };
    if (object.data && typeof object.data === 'object') {
      copy.data = Object.fromEntries(Object.entries(object.data).map(([key, value]) => [key, typeof value === 'string' ? redacted(value) : '<redacted>']));
    }
    if (object.stringData && typeof object.stringData === 'object') {
      copy.stringData = Object.fromEntries(Object.entries(object.stringData).map(([key, value]) => [key, typeof value === 'string' ? redactedText(value) : '<redacted>']));
    }
    return copy;
  });
}

/** Fields that hold credentials, in the IR and in Envoy resources. */
const credentialFields = new Set(['privateKey', 'clientSecret', 'hmacSecret', 'users', 'password']);

/**
 * An IR or xDS value with credentials redacted: private keys, OAuth2 client and HMAC secrets (SDS
 * generic secrets), basic-auth users. Certificates and CA bundles are public and stay. Only the
 * objects on the way to a credential are copied; the rest is shared with the input, so redacting
 * a large config dump walks it once and allocates next to nothing.
 */
export function redactCredentials(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      const result = redactCredentials(item);
      if (result !== item) (copy ??= value.slice())[index] = result;
    }
    return copy ?? value;
  }
  let copy: Json | undefined;
  for (const key in value) {
    const item: unknown = (value as Json)[key];
    const credential = credentialFields.has(key) || (key === 'secret' && (item as Json | null)?.inlineBytes !== undefined);
    const result = credential ? redactedCredential(item) : redactCredentials(item);
    if (result !== item) (copy ??= { ...value })[key] = result;
  }
  return copy ?? value;
}

/** A credential, redacted whole except what only refers to a secret. */
function redactedCredential(value: unknown): unknown {
  // The IR may hold bytes as a list of numbers.
  if (Array.isArray(value)) return value.every((item) => typeof item === 'number') ? `<redacted: ${value.length} bytes>` : value.map(redactedCredential);
  if (typeof value === 'string') return redacted(value);
  if (value === null || typeof value !== 'object') return value;
  // A DataSource keeps its shape as Envoy's own config dump does: the inline bytes become an
  // inline string that says what was there, so the dump still passes the proto check.
  if (typeof (value as Json).inlineBytes === 'string') return { inlineString: redacted((value as Json).inlineBytes) };
  if (typeof (value as Json).inlineString === 'string') return { inlineString: redactedText((value as Json).inlineString) };
  const result: Json = {};
  for (const key in value) {
    const item: unknown = (value as Json)[key];
    // A reference to a secret (file name, SDS name and config source) is not the secret itself.
    result[key] = key === 'filename' || key === 'name' || key === 'sdsConfig' ? redactCredentials(item) : redactedCredential(item);
  }
  return result;
}
