/**
 * The EnvoyGateway config file of `egc server --config-path`: the same file Envoy Gateway's
 * standalone mode reads. egc server supports the Custom provider with File resources and Host
 * infrastructure; anything else is an error located in the file.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { parseTexts, readInputs } from '../load/load.js';
import type { KubeObject } from '../load/resource.js';
import { controllerName } from '../pipeline.js';
import { validateObjects } from '../schema/validate.js';

export interface ServerConfig {
  /** The config file, as given. */
  file: string;
  /** Where resources are read from: files or directories (recursive), absolute. */
  paths: string[];
}

export interface ServerConfigResult {
  /** Present when the file has no errors. */
  config?: ServerConfig;
  diagnostics: Diagnostic[];
  /** The config text by file name, for code frames. */
  sources: Map<string, string>;
}

/** Reads and checks the config file. Relative resource paths resolve against its directory. */
export function loadServerConfig(file: string): ServerConfigResult {
  const sources = new Map<string, string>();
  const fail = (message: string): ServerConfigResult => ({
    diagnostics: [{ code: codes.serverConfig, severity: 'error', message, file }],
    sources,
  });
  try {
    if (statSync(file).isDirectory()) return fail(`--config-path must be a file, ${file} is a directory`);
  } catch {
    return fail(`no such file: ${file}`);
  }
  const read = readInputs([file]);
  for (const text of read.texts) sources.set(text.file, text.text);
  const parsed = parseTexts(read.texts);
  const diagnostics = [...read.diagnostics, ...parsed.diagnostics];
  if (hasErrors(diagnostics)) return { diagnostics, sources };

  const configs: KubeObject[] = [];
  for (const object of parsed.objects) {
    if (object.kind !== 'EnvoyGateway') {
      diagnostics.push(diagnosticAt(object, ['kind'], { code: codes.serverConfig, message: `expected kind EnvoyGateway in the config file, got ${object.kind}` }));
    } else if (configs.length > 0) {
      diagnostics.push(diagnosticAt(object, ['kind'], { code: codes.serverConfig, message: 'the config file has more than one EnvoyGateway document' }));
    } else {
      configs.push(object);
    }
  }
  const [config] = configs;
  if (!config) {
    if (!hasErrors(diagnostics)) diagnostics.push({ code: codes.serverConfig, severity: 'error', message: `${file} has no EnvoyGateway document`, file });
    return { diagnostics, sources };
  }
  diagnostics.push(...validateObjects([config]).diagnostics);
  if (hasErrors(diagnostics)) return { diagnostics, sources };

  diagnostics.push(...checkSupported(config));
  if (hasErrors(diagnostics)) return { diagnostics, sources };
  const paths: string[] = config.provider.custom.resource.file.paths;
  const base = dirname(resolve(file));
  return { config: { file, paths: paths.map((path) => resolve(base, path)) }, diagnostics, sources };
}

/** What the schema allows but host mode cannot do. */
function checkSupported(config: KubeObject): Diagnostic[] {
  const error = (path: (string | number)[], message: string) => [diagnosticAt(config, path, { code: codes.serverConfig, message })];
  const provider = config.provider;
  if (provider === undefined) {
    return error([], 'no `provider`: Envoy Gateway then defaults to Kubernetes, which egc server does not support; set provider.type: Custom');
  }
  if (provider.type !== 'Custom') {
    return error(['provider', 'type'], `provider type ${provider.type} is not supported by egc server; use Custom (resources from files, Envoy on this host)`);
  }
  if (provider.custom === undefined) return error(['provider'], 'provider type Custom needs `custom.resource` (type File)');
  const resource = provider.custom.resource;
  if (resource.file === undefined) return error(['provider', 'custom', 'resource'], 'resource type File needs `file.paths`');
  if ((resource.file.paths ?? []).length === 0) {
    return error(['provider', 'custom', 'resource', 'file', 'paths'], '`paths` must name at least one file or directory');
  }
  if (provider.custom.infrastructure === undefined) {
    return error(['provider', 'custom'], 'egc server runs Envoy on this host: set `infrastructure: {type: Host}`');
  }
  const configured = config.gateway?.controllerName;
  if (configured !== undefined && configured !== controllerName) {
    return error(['gateway', 'controllerName'], `egc server only serves GatewayClasses of controller ${controllerName}; got ${configured}`);
  }
  // egc always translates Backend and EnvoyPatchPolicy; an explicit opt-out cannot be honoured.
  const warnings: Diagnostic[] = [];
  for (const flag of ['enableBackend', 'enableEnvoyPatchPolicy']) {
    if (config.extensionApis?.[flag] === false) {
      warnings.push(
        diagnosticAt(config, ['extensionApis', flag], {
          code: codes.serverConfig,
          severity: 'warning',
          message: `egc server always enables this API; \`${flag}: false\` is ignored`,
        }),
      );
    }
  }
  return warnings;
}
