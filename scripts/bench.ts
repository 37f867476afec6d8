/**
 * `npm run bench`: performance of egc on synthetic repositories of 10 to 10 000 HTTPRoutes
 * (50 000 with --large), and cold start on the quick start example.
 *
 *   node build/scripts/bench.js [--large] [--sizes 10,1000] [--runs 5] [--json FILE] [--profile]
 *
 * Whole-process numbers run the bundled CLI (dist/egc.js) as users do; stage times are measured
 * in this process through compile()'s onStage hook. --profile also CPU-profiles the largest size
 * (the tsc output, so frames name source files) and prints the hot spots.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateInputs, writeInputs } from '../src/bench/generate.js';
import { measureNode, measureNodeInterleaved, runNode, type RepeatedRun } from '../src/bench/measure.js';
import { summarizeProfile, type ProfileSummary } from '../src/bench/profile.js';
import { measureStages, stageNames, type StageRun } from '../src/bench/stages.js';
import { supportedKinds } from '../src/pipeline.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist/egc.js');
const unbundledCli = join(root, 'build/src/cli/main.js');
const quickstart = join(root, 'examples/quickstart.yaml');

interface Args {
  sizes: number[];
  runs: number;
  json?: string;
  profile: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizes: [10, 100, 1000, 10000], runs: 5, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--large') args.sizes = [...new Set([...args.sizes, 50000])];
    else if (flag === '--sizes') args.sizes = value().split(',').map((s) => Number.parseInt(s, 10));
    else if (flag === '--runs') args.runs = Number.parseInt(value(), 10);
    else if (flag === '--json') args.json = value();
    else if (flag === '--profile') args.profile = true;
    else throw new Error(`unknown flag ${flag}; flags: --large, --sizes N,N, --runs N, --json FILE, --profile`);
  }
  if (args.sizes.some((n) => !(n > 0)) || !(args.runs > 0)) throw new Error('--sizes and --runs must be positive numbers');
  return args;
}

interface SizeResult {
  routes: number;
  files: number;
  inputBytes: number;
  objects: number;
  translate: RepeatedRun;
  /** `translate --to xds`, measured at the largest size only. */
  translateXds?: RepeatedRun;
  stages: StageRun;
  profile?: ProfileSummary;
}

interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
  holds: boolean;
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

function pad(cells: string[][]): string {
  const widths = cells[0].map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ')).join('\n');
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function profileLargest(directory: string): ProfileSummary {
  const profileDir = mkdtempSync(join(tmpdir(), 'egc-bench-prof-'));
  try {
    const run = runNode(['--cpu-prof', `--cpu-prof-dir=${profileDir}`, unbundledCli, 'translate', '-f', directory]);
    if (run.status !== 0) throw new Error(`profiled translate exited with ${run.status}:\n${run.stderr.slice(0, 2000)}`);
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('node --cpu-prof wrote no profile');
    return summarizeProfile(join(profileDir, file), `${root}/`, 15);
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
}

function benchSize(routes: number, args: Args, largest: boolean): SizeResult {
  const generated = generateInputs({ routes, policyKinds: supportedKinds });
  const directory = mkdtempSync(join(tmpdir(), `egc-bench-${routes}-`));
  try {
    writeInputs(directory, generated.files);
    log(`R=${routes}: ${generated.files.length} files; timing the CLI...`);
    const translateArgs = [cli, 'translate', '-f', directory];
    // Only the overhead of --to xds is wanted: three runs, in turns with translate's, keep the
    // benchmark within its budget and compare the two on the same machine.
    const [translate, translateXds] = largest
      ? measureNodeInterleaved([
          { nodeArgs: translateArgs, runs: args.runs },
          { nodeArgs: [cli, 'translate', '--to', 'xds', '-f', directory], runs: Math.min(args.runs, 3) },
        ])
      : [measureNode(translateArgs, args.runs), undefined];
    log(`R=${routes}: stages in process...`);
    // Small sizes run in a few ms, so the JIT warm-up would dominate a single run.
    if (routes <= 1000) measureStages([directory]);
    const stages = measureStages([directory]);
    if (stages.errors > 0 || stages.protoIssues > 0) {
      throw new Error(`R=${routes}: generated inputs gave ${stages.errors} error diagnostics and ${stages.protoIssues} proto issues`);
    }
    const profile = largest && args.profile ? (log(`R=${routes}: profiling...`), profileLargest(directory)) : undefined;
    return {
      routes,
      files: generated.files.length,
      inputBytes: generated.files.reduce((sum, file) => sum + Buffer.byteLength(file.text), 0),
      objects: Object.values(generated.counts).reduce((a, b) => a + b, 0),
      translate,
      translateXds,
      stages,
      profile,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function targetsOf(sizes: SizeResult[], coldStart: Record<string, RepeatedRun>): Target[] {
  const targets: Target[] = [];
  const add = (name: string, value: number, limit: number, unit: string) => targets.push({ name, value, limit, unit, holds: value <= limit });
  for (const [command, run] of Object.entries(coldStart)) add(`cold start ${command}`, run.ms.median, 150, 'ms');
  const bySize = new Map(sizes.map((s) => [s.routes, s]));
  const r10k = bySize.get(10000);
  const r1k = bySize.get(1000);
  const r50k = bySize.get(50000);
  if (r10k) {
    add('R=10 000 time', r10k.translate.ms.median, 2500, 'ms');
    add('R=10 000 peak RSS', r10k.translate.peakRss.median / 2 ** 20, 600, 'MB');
    const compileMs = r10k.stages.compileMs;
    add('R=10 000 output check overhead', (100 * r10k.stages.times.check) / compileMs, 30, '% of compile');
    if (r10k.translateXds) add('R=10 000 --to xds overhead', (100 * (r10k.translateXds.ms.median - r10k.translate.ms.median)) / r10k.translate.ms.median, 30, '% of translate');
  }
  if (r10k && r1k) add('time(10 000) / time(1 000)', r10k.translate.ms.median / r1k.translate.ms.median, 11, 'x');
  if (r50k) {
    add('R=50 000 time', r50k.translate.ms.median, 15000, 'ms');
    add('R=50 000 peak RSS', r50k.translate.peakRss.median / 2 ** 20, 2560, 'MB');
  }
  return targets;
}

/** Node's own start, timed before and after the benchmark: how fast the machine was meanwhile. */
interface HostSpeed {
  before: RepeatedRun;
  after: RepeatedRun;
}

function report(sizes: SizeResult[], coldStart: Record<string, RepeatedRun>, targets: Target[], host: HostSpeed): string {
  const lines: string[] = [];
  // Wall times on a busy machine are not comparable; the load average says how busy it was, and
  // Node's own start time (a fixed amount of work) how fast the machine ran before and after.
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  lines.push(`egc benchmark: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average ${load}`);
  lines.push(`Node itself (\`node -e 0\`, median of 10): ${ms(host.before.ms.median)} before, ${ms(host.after.ms.median)} after`, '');
  lines.push('Whole process, `egc translate -f DIR` (wall time median, min, max of runs; CPU time (user+sys) and peak RSS medians):');
  lines.push(
    pad([
      ['routes', 'objects', 'input', 'time', 'min', 'max', 'cpu', 'peak RSS', 'output'],
      ...sizes.map((s) => [
        String(s.routes),
        String(s.objects),
        mb(s.inputBytes),
        ms(s.translate.ms.median),
        ms(s.translate.ms.min),
        ms(s.translate.ms.max),
        ms(s.translate.cpuMs.median),
        mb(s.translate.peakRss.median),
        mb(s.stages.outputBytes),
      ]),
    ]),
  );
  for (const s of sizes.filter((s) => s.translateXds)) {
    lines.push(`  R=${s.routes} --to xds: ${ms(s.translateXds!.ms.median)} [${ms(s.translateXds!.ms.min)}-${ms(s.translateXds!.ms.max)}], CPU ${ms(s.translateXds!.cpuMs.median)}, peak RSS ${mb(s.translateXds!.peakRss.median)}`);
  }
  lines.push('', 'Stages in process (ms; check = strict proto check of every bootstrap, output/xdsOutput = YAML of translate / --to xds):');
  lines.push(pad([['routes', ...stageNames, 'compile'], ...sizes.map((s) => [String(s.routes), ...stageNames.map((n) => s.stages.times[n].toFixed(0)), s.stages.compileMs.toFixed(0)])]));
  lines.push('', 'Cold start on examples/quickstart.yaml (median [min-max]):');
  for (const [command, run] of Object.entries(coldStart)) {
    lines.push(`  egc ${command}: ${ms(run.ms.median)} [${ms(run.ms.min)}-${ms(run.ms.max)}], CPU ${ms(run.cpuMs.median)}, peak RSS ${mb(run.peakRss.median)}`);
  }
  for (const s of sizes.filter((s) => s.profile)) {
    const profile = s.profile!;
    lines.push('', `CPU profile of translate at R=${s.routes} (${ms(profile.totalMs)} sampled), by self time:`);
    for (const spot of profile.bySelf) lines.push(`  ${(100 * spot.selfShare).toFixed(1).padStart(5)}%  ${ms(spot.selfMs).padStart(9)}  ${spot.name}`);
    lines.push('by total time (inclusive):');
    for (const spot of profile.byTotal) lines.push(`  ${(100 * spot.totalShare).toFixed(1).padStart(5)}%  ${ms(spot.totalMs).padStart(9)}  ${spot.name}`);
  }
  lines.push('', 'Targets:');
  for (const t of targets) lines.push(`  ${t.holds ? 'ok  ' : 'MISS'}  ${t.name}: ${t.value.toFixed(t.unit === 'x' ? 2 : 0)} ${t.unit} (limit ${t.limit})`);
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const nodeStart = () => measureNode(['-e', '0'], 10);
  const before = nodeStart();
  const sizes = [...args.sizes].sort((a, b) => a - b);
  const results = sizes.map((routes, i) => benchSize(routes, args, i === sizes.length - 1));

  log('cold start...');
  const coldStart: Record<string, RepeatedRun> = {
    translate: measureNode([cli, 'translate', '-f', quickstart], 10),
    validate: measureNode([cli, 'validate', '-f', quickstart], 10),
  };
  const host: HostSpeed = { before, after: nodeStart() };
  const targets = targetsOf(results, coldStart);
  process.stdout.write(report(results, coldStart, targets, host));
  process.stdout.write(`\nbenchmark took ${(Math.round(performance.now() - started) / 1000).toFixed(0)} s\n`);

  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    const document = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, loadAverage: loadavg(), nodeStart: host, runs: args.runs, sizes: results, coldStart, targets };
    writeFileSync(args.json, `${JSON.stringify(document, null, 2)}\n`);
  }
}

main();
