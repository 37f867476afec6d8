/**
 * Measurement helpers for the benchmark: whole-process wall time and peak RSS of a command,
 * and median/min/max of repeated samples.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProcessSample {
  ms: number;
  /** User plus system CPU time: less sensitive than wall time to other load on the machine. */
  cpuMs: number;
  /** Peak resident set size (VmHWM) in bytes. */
  peakRss: number;
  status: number | null;
  stderr: string;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], samples: [...samples] };
}

const gnuTime = '/usr/bin/time';

/**
 * Both ways write "user-seconds system-seconds max-RSS-kilobytes" into EGC_BENCH_RSS_FILE: GNU
 * time, or else a preloaded module reading the child's own getrusage when it exits.
 */
const gnuTimeFormat = '%U %S %M';
const rssReporter = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.EGC_BENCH_RSS_FILE, `${u.userCPUTime / 1e6} ${u.systemCPUTime / 1e6} ${u.maxRSS}`); });",
)}`;

export interface RunOptions {
  cwd?: string;
  /** Force the preload fallback even when GNU time exists (for testing it). */
  withoutGnuTime?: boolean;
}

/**
 * Runs `node ...nodeArgs` once with stdout discarded (to /dev/null, as a file: Node writes files
 * synchronously, as it does for a redirected stdout) and measures it from spawn to exit.
 */
export function runNode(nodeArgs: readonly string[], options: RunOptions = {}): ProcessSample {
  const scratch = mkdtempSync(join(tmpdir(), 'egc-bench-rss-'));
  const rssFile = join(scratch, 'rss');
  const devNull = openSync('/dev/null', 'w');
  try {
    const useGnuTime = !options.withoutGnuTime && existsSync(gnuTime);
    const [command, args] = useGnuTime
      ? [gnuTime, ['-f', gnuTimeFormat, '-o', rssFile, process.execPath, ...nodeArgs]]
      : [process.execPath, ['--import', rssReporter, ...nodeArgs]];
    const start = performance.now();
    const result = spawnSync(command, args, {
      cwd: options.cwd,
      stdio: ['ignore', devNull, 'pipe'],
      env: { ...process.env, EGC_BENCH_RSS_FILE: rssFile, NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const ms = performance.now() - start;
    // GNU time writes "Command exited with non-zero status N" before the numbers when it fails.
    const usage = existsSync(rssFile) ? (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '') : '';
    const [user, system, kilobytes] = usage.split(' ').map(Number);
    return {
      ms,
      cpuMs: (user + system) * 1000,
      peakRss: kilobytes * 1024,
      status: result.status,
      stderr: result.stderr?.toString() ?? '',
    };
  } finally {
    closeSync(devNull);
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface RepeatedRun {
  ms: Stats;
  cpuMs: Stats;
  peakRss: Stats;
}

/** One warm-up run (page cache, disk), then `runs` measured runs; any failing run throws. */
export function measureNode(nodeArgs: readonly string[], runs: number, options: RunOptions = {}): RepeatedRun {
  return measureNodeInterleaved([{ nodeArgs, runs }], options)[0];
}

/**
 * measureNode for several commands, their runs taken in turns (a warm-up each first): the speed
 * of a shared machine drifts from minute to minute, and commands timed one after the other
 * would each see a different machine.
 */
export function measureNodeInterleaved(commands: readonly { nodeArgs: readonly string[]; runs: number }[], options: RunOptions = {}): RepeatedRun[] {
  const samples: ProcessSample[][] = commands.map(() => []);
  const rounds = Math.max(...commands.map((command) => command.runs));
  for (let round = 0; round <= rounds; round++) {
    commands.forEach(({ nodeArgs, runs }, index) => {
      if (round > runs) return;
      const sample = runNode(nodeArgs, options);
      if (sample.status !== 0) {
        throw new Error(`node ${nodeArgs.join(' ')} exited with ${sample.status}:\n${sample.stderr.slice(0, 2000)}`);
      }
      if (round > 0) samples[index].push(sample);
    });
  }
  return samples.map((taken) => ({ ms: stats(taken.map((s) => s.ms)), cpuMs: stats(taken.map((s) => s.cpuMs)), peakRss: stats(taken.map((s) => s.peakRss)) }));
}
