/**
 * `egc validate`: the whole pipeline up to the bootstrap, without writing any configuration,
 * reporting every problem found as text, JSON or SARIF. Meant for CI and pre-commit hooks.
 */
import type { Command } from 'commander';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import { sortDiagnostics, type Diagnostic, type Severity } from '../diagnostics/diagnostic.js';
import { formatJson, formatSummary, formatText } from '../diagnostics/format.js';
import { formatSarif } from '../diagnostics/sarif.js';
import type { KubeObject } from '../load/resource.js';
import { compile, type CompileResult, type Proxy } from '../pipeline.js';
import { findEnvoy, validateWithEnvoy } from '../verify/envoy.js';
import { styleFor, useColor } from './report.js';
import { choice, collect, UsageError } from './usage.js';

export type ReportFormat = 'text' | 'json' | 'sarif';

export interface ValidateFlags {
  file: string[];
  namespace?: string;
  format: ReportFormat;
  failOn: 'error' | 'warning';
  /** Also run `envoy --mode validate` on each proxy's bootstrap. */
  envoy?: boolean;
  /** The Envoy binary for --envoy; otherwise $EGC_ENVOY, the project's .venv, then PATH. */
  envoyBinary?: string;
  bindDeclaredPorts?: boolean;
  color?: boolean;
}

const formats: ReportFormat[] = ['text', 'json', 'sarif'];
const failLevels = ['error', 'warning'] as const;

export function registerValidate(program: Command): void {
  const toolVersion = program.version() ?? '0.0.0';
  program
    .command('validate')
    .description('check resources (load, schema, references, translation) without writing configuration')
    .argument('[paths...]', 'more files or directories, as pre-commit passes them')
    .option('-f, --file <path>', 'a file, a directory (recursive) or - for stdin; repeatable', collect, [] as string[])
    .option('-n, --namespace <namespace>', 'namespace for objects that name none', 'default')
    .option('--format <format>', `report format: ${formats.join(', ')}`, 'text')
    .option('--fail-on <severity>', 'exit 1 on findings of this severity or worse: error or warning', 'error')
    .option('--envoy', 'also run `envoy --mode validate` on each generated bootstrap')
    .option('--envoy-binary <path>', 'the Envoy binary for --envoy (implies --envoy)')
    .option('--bind-declared-ports', 'bind privileged listener ports as declared instead of port+10000')
    .option('--no-color', 'plain text output')
    .action(async (paths: string[], options: Record<string, any>) => {
      process.exitCode = await runValidate(
          {
            file: [...options.file, ...paths],
            namespace: options.namespace,
            format: choice('--format', options.format, formats),
            failOn: choice('--fail-on', options.failOn, failLevels),
            envoy: options.envoy || options.envoyBinary !== undefined,
            envoyBinary: options.envoyBinary,
            bindDeclaredPorts: options.bindDeclaredPorts,
            color: options.color,
          },
          toolVersion,
      );
    });
}


/** The object a proxy was built from: its Gateway, or the GatewayClass of merged Gateways. */
function ownerOf(proxy: Proxy, objects: readonly KubeObject[]): KubeObject | undefined {
  const [namespace, name] = proxy.name.includes('/') ? proxy.name.split('/') : [undefined, proxy.name];
  const kind = namespace === undefined ? 'GatewayClass' : 'Gateway';
  return objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
}

async function envoyFindings(result: CompileResult, envoyBinary: string | undefined): Promise<Diagnostic[]> {
  const envoy = findEnvoy({ explicit: envoyBinary });
  if (!envoy) throw new UsageError('--envoy: no Envoy binary found; pass --envoy-binary, set EGC_ENVOY, or put `envoy` on PATH');
  const findings: Diagnostic[] = [];
  for (const proxy of result.proxies) {
    let verdict;
    try {
      verdict = await validateWithEnvoy(proxy.bootstrap, { envoy });
    } catch (error) {
      // A missing or broken binary, or a timeout: the environment, not the input, is at fault.
      throw new UsageError(`--envoy: ${(error as Error).message}`);
    }
    if (verdict.ok) continue;
    const message = `Envoy rejected the bootstrap of proxy ${proxy.name}:\n${verdict.output.trim()}`;
    const owner = ownerOf(proxy, result.objects);
    findings.push(owner ? diagnosticAt(owner, ['metadata', 'name'], { code: codes.envoyRejected, message }) : { code: codes.envoyRejected, severity: 'error', message });
  }
  return findings;
}

const failingSeverities: Record<ValidateFlags['failOn'], readonly Severity[]> = { error: ['error'], warning: ['error', 'warning'] };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Runs the checks, writes the report to stdout and returns the exit code (0 clean, 1 findings). */
export async function runValidate(flags: ValidateFlags, toolVersion: string): Promise<number> {
  if (flags.file.length === 0) throw new UsageError('nothing to validate: give files or directories with -f (or as arguments)');
  const result = compile({ inputs: flags.file, defaultNamespace: flags.namespace, bindDeclaredPorts: flags.bindDeclaredPorts });
  const found = result.diagnostics;
  if (flags.envoy) found.push(...(await envoyFindings(result, flags.envoyBinary)));
  const diagnostics = sortDiagnostics(found);

  if (flags.format === 'json') process.stdout.write(formatJson(diagnostics));
  else if (flags.format === 'sarif') process.stdout.write(formatSarif(diagnostics, { toolVersion }));
  else {
    const text = formatText(diagnostics, { style: styleFor(useColor(flags.color, process.stdout)), sources: result.displaySources });
    process.stdout.write(`${text}${text ? '\n' : ''}checked ${plural(result.sources.size, 'file')}: ${formatSummary(diagnostics)}\n`);
  }
  const failing = failingSeverities[flags.failOn];
  return diagnostics.some((d) => failing.includes(d.severity)) ? 1 : 0;
}
