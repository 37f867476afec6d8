import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { configDump, type ResourceType } from '../bootstrap/configdump.js';
import { serialize, serializeAll, type OutputFormat } from '../bootstrap/write.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { compile, type CompileResult, type Proxy } from '../pipeline.js';
import { reportDiagnostics, useColor } from './report.js';
import { UsageError } from './usage.js';

export type Target = 'bootstrap' | 'gateway-api' | 'ir' | 'xds';

export interface TranslateFlags {
  file: string[];
  namespace?: string;
  to: Target;
  type: ResourceType;
  output: OutputFormat;
  outputDir?: string;
  gateway?: string;
  bindDeclaredPorts?: boolean;
  adminPort?: number;
  color?: boolean;
}

const targets: Target[] = ['bootstrap', 'gateway-api', 'ir', 'xds'];
const resourceTypes: ResourceType[] = ['listener', 'route', 'cluster', 'endpoint', 'secret', 'all'];

function choice<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}; got \`${value}\``);
  return value as T;
}

export function registerTranslate(program: Command): void {
  program
    .command('translate')
    .description('compile Gateway API and Envoy Gateway resources into Envoy configuration')
    .requiredOption('-f, --file <path>', 'a file, a directory (recursive) or - for stdin; repeatable', (value: string, all: string[]) => [...all, value], [] as string[])
    .option('-n, --namespace <namespace>', 'namespace for objects that name none', 'default')
    .option('--to <target>', `what to emit: ${targets.join(', ')}`, 'bootstrap')
    .option('-t, --type <type>', `with --to xds, which resources: ${resourceTypes.join(', ')}`, 'all')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .option('--output-dir <dir>', 'write one file per proxy into this directory instead of stdout')
    .option('--gateway <namespace/name>', 'emit only the proxy of this Gateway (or merged GatewayClass name)')
    .option('--bind-declared-ports', 'bind privileged listener ports as declared instead of port+10000')
    .option('--admin-port <port>', 'port of the Envoy admin interface on 127.0.0.1', (v) => Number.parseInt(v, 10))
    .option('--no-color', 'plain diagnostics')
    .action((options: Record<string, any>) => {
      runTranslate({
        file: options.file,
        namespace: options.namespace,
        to: choice('--to', options.to, targets),
        type: choice('--type', options.type, resourceTypes),
        output: choice('--output', options.output, ['yaml', 'json'] as const),
        outputDir: options.outputDir,
        gateway: options.gateway,
        bindDeclaredPorts: options.bindDeclaredPorts,
        adminPort: options.adminPort,
        color: options.color,
      });
    });
}

function selectProxies(result: CompileResult, gateway: string | undefined): Proxy[] {
  if (!gateway) return result.proxies;
  const selected = result.proxies.filter((p) => p.name === gateway);
  if (selected.length === 0) {
    const known = result.proxies.map((p) => p.name).join(', ') || 'none';
    throw new UsageError(`no proxy for Gateway \`${gateway}\`; proxies: ${known}`);
  }
  return selected;
}

function artifactOf(proxy: Proxy, flags: TranslateFlags): unknown {
  switch (flags.to) {
    case 'ir':
      return { name: proxy.name, xdsIR: proxy.xds, infraIR: proxy.infra };
    case 'xds':
      return { name: proxy.name, xds: configDump(proxy.resources, flags.type) };
    default:
      return proxy.bootstrap;
  }
}

/** `namespace.name.yaml`: namespaces cannot contain dots, so the name is unambiguous. */
function fileNameOf(proxy: Proxy, format: OutputFormat): string {
  return `${proxy.name.replaceAll('/', '.')}.${format}`;
}

function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, content, { mode: 0o644 });
  renameSync(temporary, path);
}

export function runTranslate(flags: TranslateFlags): void {
  const result = compile({ inputs: flags.file, defaultNamespace: flags.namespace, bindDeclaredPorts: flags.bindDeclaredPorts, bootstrap: { adminPort: flags.adminPort } });
  reportDiagnostics(result.diagnostics, result.sources, useColor(flags.color));
  process.exitCode = hasErrors(result.diagnostics) ? 1 : 0;

  if (flags.to === 'gateway-api') {
    process.stdout.write(serializeAll(result.objects, flags.output));
    return;
  }
  const proxies = selectProxies(result, flags.gateway);
  if (flags.outputDir) {
    mkdirSync(flags.outputDir, { recursive: true });
    for (const proxy of proxies) writeAtomically(join(flags.outputDir, fileNameOf(proxy, flags.output)), serialize(artifactOf(proxy, flags), flags.output));
    return;
  }
  if (proxies.length === 1) process.stdout.write(serialize(artifactOf(proxies[0], flags), flags.output));
  else if (proxies.length > 1) process.stdout.write(serializeAll(proxies.map((p) => artifactOf(p, flags)), flags.output));
}
