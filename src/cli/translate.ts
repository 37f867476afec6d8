import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { configDump, type ResourceType } from '../bootstrap/configdump.js';
import { redactCredentials, redactSecretObjects, secretFiles, writeSecretFiles, type SecretFile } from '../bootstrap/secrets.js';
import { FileSink, serialize, serializeAll, writeFileWith, writeYaml, type ByteSink, type OutputFormat } from '../bootstrap/write.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { discoverOIDCIssuers } from '../gatewayapi/oidcdiscovery.js';
import { buildProxy, compile, compileDiagnostics, loadInputs, proxyDiagnostics, proxyInputs, translateInputs, type CompileOptions, type CompileResult, type Proxy, type ProxyInputs } from '../pipeline.js';
import { reportDiagnostics, useColor } from './report.js';
import { choice, collect, UsageError } from './usage.js';
import { codes } from '../diagnostics/codes.js';

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
  /** Write secrets as SDS files here; the bootstrap refers to them instead of inlining them. */
  secretsDir?: string;
  /** Never fetch over the network (OIDC discovery); what would need it is an error instead. */
  offline?: boolean;
  color?: boolean;
}

export const targets: Target[] = ['bootstrap', 'gateway-api', 'ir', 'xds'];
export const resourceTypes: ResourceType[] = ['listener', 'route', 'cluster', 'endpoint', 'secret', 'all'];

export function registerTranslate(program: Command): void {
  program
    .command('translate')
    .description('compile Gateway API and Envoy Gateway resources into Envoy configuration')
    .option('-f, --file <path>', 'a file, a directory (recursive) or - for stdin; repeatable', collect, [] as string[])
    .option('-n, --namespace <namespace>', 'namespace for objects that name none', 'default')
    .option('--to <target>', `what to emit: ${targets.join(', ')}`, 'bootstrap')
    .option('-t, --type <type>', `with --to xds, which resources: ${resourceTypes.join(', ')}`, 'all')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .option('--output-dir <dir>', 'write one file per proxy into this directory instead of stdout')
    .option('--gateway <namespace/name>', 'emit only the proxy of this Gateway (or merged GatewayClass name)')
    .option('--bind-declared-ports', 'bind privileged listener ports as declared instead of port+10000')
    .option('--admin-port <port>', 'port of the Envoy admin interface on 127.0.0.1', (v) => Number.parseInt(v, 10))
    .option('--secrets-dir <dir>', 'write TLS keys and other secrets as SDS files (mode 0600) into this directory; the bootstrap refers to them')
    .option('--offline', 'fetch nothing: an OIDC provider that gives only its issuer is an error instead of a discovery fetch')
    .option('--no-color', 'plain diagnostics')
    .action((options: Record<string, any>) =>
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
        secretsDir: options.secretsDir,
        offline: options.offline,
        color: options.color,
      }),
    );
}

export function selectProxies(result: CompileResult, gateway: string | undefined): Proxy[] {
  if (!gateway) return result.proxies;
  const selected = result.proxies.filter((p) => p.name === gateway);
  if (selected.length === 0) {
    const known = result.proxies.map((p) => p.name).join(', ') || 'none';
    throw new UsageError(`no proxy for Gateway \`${gateway}\`; proxies: ${known}`, codes.gatewayNotFound);
  }
  return selected;
}

export function artifactOf(proxy: Proxy, flags: Pick<TranslateFlags, 'to' | 'type'>): unknown {
  switch (flags.to) {
    // Views for reading, like Envoy's own config dump: credentials redacted.
    case 'ir':
      return redactCredentials({ name: proxy.name, xdsIR: proxy.xds, infraIR: proxy.infra });
    case 'xds':
      return redactCredentials({ name: proxy.name, xds: configDump(proxy.resources, flags.type) });
    default:
      return proxy.bootstrap;
  }
}

/** `namespace.name.yaml`: namespaces cannot contain dots, so the name is unambiguous. */
function fileNameOf(proxyName: string, format: OutputFormat): string {
  return `${proxyName.replaceAll('/', '.')}.${format}`;
}

/** Where output goes: standard output or a file, as bytes and as text. */
type OutputSink = ByteSink & { writeText(text: string): void };

/**
 * One value in the chosen format, as serialize writes it; YAML goes out piece by piece
 * (`repeated`: see writeYaml).
 */
function writeArtifact(sink: OutputSink, value: unknown, format: OutputFormat, repeated?: ReadonlySet<object>): void {
  if (format === 'json') sink.writeText(serialize(value, format));
  else writeYaml(value, sink, repeated);
}

/** Several values in the chosen format, as serializeAll writes them; YAML goes out piece by piece. */
function writeArtifacts(sink: OutputSink, values: readonly unknown[], format: OutputFormat): void {
  if (format === 'json') {
    sink.writeText(serializeAll(values, format));
    return;
  }
  for (let index = 0; index < values.length; index++) {
    if (index > 0) sink.writeText('---\n');
    writeYaml(values[index], sink);
  }
}

function writeAtomically(path: string, write: (sink: OutputSink) => void): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileWith(temporary, write);
  renameSync(temporary, path);
}

/**
 * Standard output, written synchronously a megabyte at a time. process.stdout.write on a pipe
 * would queue in memory all the reader has not taken yet (the output can be hundreds of
 * megabytes); libuv made the pipe non-blocking when process.stdout was opened, so it is made
 * blocking again. A reader that goes away (`| head`) ends the output quietly.
 */
class StdoutSink implements OutputSink {
  private readonly file = new FileSink(1);
  private closed = false;

  constructor() {
    const handle = (process.stdout as unknown as { _handle?: { setBlocking?: (blocking: boolean) => unknown } })._handle;
    handle?.setBlocking?.(true);
  }

  write(bytes: Uint8Array): void {
    this.guarded(() => this.file.write(bytes));
  }

  writeText(text: string): void {
    this.guarded(() => this.file.writeText(text));
  }

  private guarded(write: () => void): void {
    if (this.closed) return;
    try {
      write();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
      this.closed = true;
    }
  }
}

function writeSecrets(directory: string, files: readonly SecretFile[]): void {
  try {
    writeSecretFiles(directory, files);
  } catch (error) {
    throw new UsageError(`cannot write secrets to ${directory}: ${(error as Error).message}`);
  }
}

/**
 * Writes the artifacts of proxies one after another: to one file each in --output-dir, or to
 * standard output as serializeAll would write them all (a YAML stream, or a JSON array when
 * there are several).
 */
class ArtifactWriter {
  private readonly stdout?: StdoutSink;
  private written = 0;

  constructor(
    private readonly flags: TranslateFlags,
    private readonly count: number,
  ) {
    if (flags.outputDir) mkdirSync(flags.outputDir, { recursive: true });
    else this.stdout = new StdoutSink();
  }

  /** `repeated`: objects that occur more than once in the artifact (see writeYaml). */
  write(name: string, artifact: unknown, repeated?: ReadonlySet<object>): void {
    const index = this.written++;
    const format = this.flags.output;
    if (!this.stdout) {
      writeAtomically(join(this.flags.outputDir!, fileNameOf(name, format)), (sink) => writeArtifact(sink, artifact, format, repeated));
      return;
    }
    if (format === 'yaml' || this.count === 1) {
      if (index > 0) this.stdout.writeText('---\n');
      writeArtifact(this.stdout, artifact, format, repeated);
      return;
    }
    // An element of JSON.stringify(artifacts, null, 2): indented one level, comma-separated.
    const element = JSON.stringify(artifact, null, 2).replaceAll('\n', '\n  ');
    this.stdout.writeText(`${index === 0 ? '[\n' : ',\n'}  ${element}${index === this.count - 1 ? '\n]\n' : ''}`);
  }
}

/**
 * The artifacts of every proxy, streamed: each proxy is built, written and dropped in turn, so
 * that one proxy's resources are in memory at a time, not all of them. Each proxy's IR is let go
 * once its proxy is written, for the same reason. Returns the diagnostics of building them.
 */
function writeProxies(inputs: ProxyInputs, flags: TranslateFlags): Diagnostic[][] {
  const irs = inputs.xdsIR;
  const names = Object.keys(irs).sort();
  const writer = new ArtifactWriter(flags, names.length);
  const secretsDir = flags.to === 'bootstrap' ? flags.secretsDir : undefined;
  if (secretsDir) writeSecrets(secretsDir, []);
  return names.map((name) => {
    const xds = irs[name];
    const built = buildProxy(name, xds, { adminPort: flags.adminPort, secretsDir: flags.secretsDir });
    if (secretsDir) writeSecrets(secretsDir, secretFiles(built.resources, secretsDir));
    const proxy: Proxy = { name, xds, infra: inputs.infraIR[name], resources: built.resources, bootstrap: built.bootstrap };
    writer.write(name, artifactOf(proxy, flags), built.resources.sharedRoutes);
    delete irs[name];
    return proxyDiagnostics(name, built.resources, built.emptyListeners, inputs);
  });
}

export async function runTranslate(flags: TranslateFlags): Promise<void> {
  if (flags.file.length === 0) throw new UsageError('nothing to translate: give files or directories with -f');
  const options = await compileOptions(flags);
  if (flags.to === 'gateway-api' || flags.gateway !== undefined) {
    writeCompiled(compile(options), flags);
    return;
  }
  const inputs = proxyInputs(translateInputs(options));
  // The proxies need only the IR: the parsed inputs go, which a reference left here would keep.
  options.loaded = undefined;
  const diagnostics = compileDiagnostics(inputs.diagnostics, writeProxies(inputs, flags));
  reportDiagnostics(diagnostics, inputs.displaySources, useColor(flags.color));
  process.exitCode = hasErrors(diagnostics) ? 1 : 0;
}

/** The inputs parsed once: OIDC discovery looks for issuers in them, then the compile goes on. */
async function compileOptions(flags: TranslateFlags): Promise<CompileOptions> {
  const loaded = loadInputs(flags.file, { defaultNamespace: flags.namespace });
  const oidcDiscovery = await discoverOIDCIssuers(loaded.parsed.objects, { offline: flags.offline });
  return { inputs: flags.file, loaded, defaultNamespace: flags.namespace, bindDeclaredPorts: flags.bindDeclaredPorts, oidcDiscovery, bootstrap: { adminPort: flags.adminPort, secretsDir: flags.secretsDir } };
}

/** The Gateway API resources with their statuses, and one Gateway's proxy: compiled whole, then written. */
function writeCompiled(result: CompileResult, flags: TranslateFlags): void {
  reportDiagnostics(result.diagnostics, result.displaySources, useColor(flags.color));
  process.exitCode = hasErrors(result.diagnostics) ? 1 : 0;

  if (flags.to === 'gateway-api') {
    const objects = redactSecretObjects(result.objects);
    writeArtifacts(new StdoutSink(), objects, flags.output);
    return;
  }
  const proxies = selectProxies(result, flags.gateway);
  if (flags.secretsDir && flags.to === 'bootstrap') {
    const secretsDir = flags.secretsDir;
    writeSecrets(secretsDir, proxies.flatMap((proxy) => secretFiles(proxy.resources, secretsDir)));
  }
  const writer = new ArtifactWriter(flags, proxies.length);
  for (const proxy of proxies) writer.write(proxy.name, artifactOf(proxy, flags), proxy.resources.sharedRoutes);
}
