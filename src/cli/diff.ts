/**
 * `egc diff`: compiles the resources and compares the result with committed output (a file, or a
 * directory written by `translate --output-dir`), for GitOps drift checks. The comparison is
 * semantic: both sides are parsed and canonicalised (see `canonicalize`), and only then printed
 * as YAML and diffed, so key order and equivalent spellings never show up as drift.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { parseAllDocuments, stringify } from 'yaml';
import type { ResourceType } from '../bootstrap/configdump.js';
import { yamlLayout } from '../bootstrap/write.js';
import { compile, type CompileResult, type Proxy } from '../pipeline.js';
import { reportDiagnostics, useColor } from './report.js';
import { artifactOf, resourceTypes, selectProxies, targets, type Target } from './translate.js';
import { choice, collect, UsageError } from './usage.js';

export interface DiffFlags {
  file: string[];
  against: string;
  namespace?: string;
  to: Target;
  type: ResourceType;
  gateway?: string;
  bindDeclaredPorts?: boolean;
  adminPort?: number;
  color?: boolean;
}

const configExtensions = ['.yaml', '.yml', '.json'];


export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('compile resources and show how the result differs from committed output; exit 1 on drift')
    .requiredOption('-f, --file <path>', 'a file, a directory (recursive) or - for stdin; repeatable', collect, [] as string[])
    .requiredOption('--against <path>', 'the committed output: a file, or a directory written by translate --output-dir')
    .option('-n, --namespace <namespace>', 'namespace for objects that name none', 'default')
    .option('--to <target>', `what to compare: ${targets.join(', ')}`, 'bootstrap')
    .option('-t, --type <type>', `with --to xds, which resources: ${resourceTypes.join(', ')}`, 'all')
    .option('--gateway <namespace/name>', 'compare only the proxy of this Gateway (or merged GatewayClass name)')
    .option('--bind-declared-ports', 'bind privileged listener ports as declared instead of port+10000')
    .option('--admin-port <port>', 'port of the Envoy admin interface on 127.0.0.1', (v) => Number.parseInt(v, 10))
    .option('--no-color', 'plain output')
    .action((options: Record<string, any>) => {
      process.exitCode = runDiff({
        file: options.file,
        against: options.against,
        namespace: options.namespace,
        to: choice('--to', options.to, targets),
        type: choice('--type', options.type, resourceTypes),
        gateway: options.gateway,
        bindDeclaredPorts: options.bindDeclaredPorts,
        adminPort: options.adminPort,
        color: options.color,
      });
    });
}

// ---------------------------------------------------------------------------------------------
// Canonical form

const snakeKey = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;
const duration = /^(-?\d+)(?:\.(\d{1,9}))?s$/;
const integer = /^-?(0|[1-9]\d*)$/;

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * A canonical form of an Envoy config value, so equivalent configs compare equal:
 * - keys sorted, and proto field names in one spelling (`socket_address` and `socketAddress`
 *   are the same field in proto JSON);
 * - durations in their shortest form (`1.500s` is `1.5s`);
 * - integer strings as numbers (proto JSON writes 64-bit integers as strings).
 * Defaults are not dropped: without the proto schema, `false` and an absent wrapper differ.
 */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([key, child]) => [snakeKey.test(key) ? camel(key) : key, canonicalize(child)] as const);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  }
  if (typeof value === 'string') {
    const match = duration.exec(value);
    if (match) {
      const fraction = (match[2] ?? '').replace(/0+$/, '');
      return `${BigInt(match[1]!)}${fraction ? `.${fraction}` : ''}s`;
    }
    if (integer.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  }
  return value;
}

function canonicalYaml(values: readonly unknown[]): string {
  return values.map((value) => stringify(canonicalize(value), yamlLayout)).join('---\n');
}

// ---------------------------------------------------------------------------------------------
// Both sides

interface Comparison {
  /** Shown on the `---` line: the committed file. */
  oldName: string;
  /** Shown on the `+++` line: what egc produces now. */
  newName: string;
  committed: unknown[];
  compiled: unknown[];
}

function readDocuments(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--against: cannot read ${path}: ${(error as Error).message}`);
  }
  const documents = parseAllDocuments(text);
  const values: unknown[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    if (document.errors.length) throw new UsageError(`--against: ${path} is not valid YAML or JSON: ${document.errors[0]!.message.split('\n')[0]}`);
    const value = document.toJS();
    // translate --to gateway-api with -o json writes one array of objects.
    if (Array.isArray(value) && extname(path) === '.json') values.push(...(value as unknown[]));
    else if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

/** Per proxy, the file `namespace.name.yaml` (or .yml/.json) that translate --output-dir writes. */
function directoryComparisons(directory: string, proxies: readonly Proxy[], flags: DiffFlags): Comparison[] {
  const files = readdirSync(directory)
    .filter((name) => configExtensions.includes(extname(name)) && statSync(join(directory, name)).isFile())
    .sort();
  const stemOf = (name: string) => basename(name, extname(name));
  const comparisons: Comparison[] = [];
  const matched = new Set<string>();
  for (const proxy of proxies) {
    const stem = proxy.name.replaceAll('/', '.');
    const file = files.find((name) => stemOf(name) === stem);
    if (file) matched.add(file);
    const path = join(directory, file ?? `${stem}.yaml`);
    comparisons.push({ oldName: file ? path : '/dev/null', newName: path, committed: file ? readDocuments(path) : [], compiled: [artifactOf(proxy, flags)] });
  }
  // With --gateway only that proxy is compared; otherwise a leftover file is a removed proxy.
  if (!flags.gateway) {
    for (const file of files.filter((name) => !matched.has(name))) {
      const path = join(directory, file);
      comparisons.push({ oldName: path, newName: '/dev/null', committed: readDocuments(path), compiled: [] });
    }
  }
  return comparisons;
}

function comparisonsFor(result: CompileResult, flags: DiffFlags): Comparison[] {
  if (!existsSync(flags.against)) throw new UsageError(`--against: no such file or directory: ${flags.against}`);
  const isDirectory = statSync(flags.against).isDirectory();
  if (flags.to === 'gateway-api') {
    if (isDirectory) throw new UsageError('--against must be a file with --to gateway-api (translate writes its resources to one stream)');
    return [{ oldName: flags.against, newName: flags.against, committed: readDocuments(flags.against), compiled: result.objects }];
  }
  const proxies = selectProxies(result, flags.gateway);
  if (isDirectory) return directoryComparisons(flags.against, proxies, flags);
  return [{ oldName: flags.against, newName: flags.against, committed: readDocuments(flags.against), compiled: proxies.map((p) => artifactOf(p, flags)) }];
}

// ---------------------------------------------------------------------------------------------
// Output

/** A unified diff of the canonical YAML of both sides; empty when they are equal. */
export function semanticDiff(oldName: string, newName: string, committed: readonly unknown[], compiled: readonly unknown[]): string {
  const before = canonicalYaml(committed);
  const after = canonicalYaml(compiled);
  if (before === after) return '';
  return createTwoFilesPatch(oldName, newName, before, after, 'committed', 'egc', { context: 3, headerOptions: FILE_HEADERS_ONLY });
}

/** A unified diff with headers bold, hunks cyan, additions green and removals red (signs stay). */
export function colorizePatch(patch: string): string {
  const chalk = new Chalk({ level: 1 });
  return patch
    .split('\n')
    .map((line) => {
      if (line.startsWith('---') || line.startsWith('+++')) return chalk.bold(line);
      if (line.startsWith('@@')) return chalk.cyan(line);
      if (line.startsWith('+')) return chalk.green(line);
      if (line.startsWith('-')) return chalk.red(line);
      return line;
    })
    .join('\n');
}

/** Writes the diff to stdout and diagnostics to stderr; returns 1 on drift, 0 when equal. */
export function runDiff(flags: DiffFlags): number {
  // -f has a default ([]), so commander never reports it missing.
  if (flags.file.length === 0) throw new UsageError('nothing to compare: give files or directories with -f');
  const result = compile({ inputs: flags.file, defaultNamespace: flags.namespace, bindDeclaredPorts: flags.bindDeclaredPorts, bootstrap: { adminPort: flags.adminPort } });
  reportDiagnostics(result.diagnostics, result.displaySources, useColor(flags.color));
  const patches = comparisonsFor(result, flags)
    .map((c) => semanticDiff(c.oldName, c.newName, c.committed, c.compiled))
    .filter(Boolean);
  const output = patches.join('');
  process.stdout.write(useColor(flags.color, process.stdout) ? colorizePatch(output) : output);
  return patches.length > 0 ? 1 : 0;
}
