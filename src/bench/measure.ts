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
 * Without GNU time, a preloaded module reports the child's own getrusage maxRSS (kilobytes on
 * Linux) into the file named by EGC_BENCH_RSS_FILE when it exits.
 */
const rssReporter = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.EGC_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));",
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
      ? [gnuTime, ['-f', '%M', '-o', rssFile, process.execPath, ...nodeArgs]]
      : [process.execPath, ['--import', rssReporter, ...nodeArgs]];
    const start = performance.now();
    const result = spawnSync(command, args, {
      cwd: options.cwd,
      stdio: ['ignore', devNull, 'pipe'],
      env: { ...process.env, EGC_BENCH_RSS_FILE: rssFile, NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const ms = performance.now() - start;
    // GNU time writes "Command exited with non-zero status N" before the number when it fails.
    const rssText = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '' : '';
    const kilobytes = Number.parseInt(rssText, 10);
    return { ms, peakRss: Number.isFinite(kilobytes) ? kilobytes * 1024 : Number.NaN, status: result.status, stderr: result.stderr?.toString() ?? '' };
  } finally {
    closeSync(devNull);
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface RepeatedRun {
  ms: Stats;
  peakRss: Stats;
}

/** One warm-up run (page cache, disk), then `runs` measured runs; any failing run throws. */
export function measureNode(nodeArgs: readonly string[], runs: number, options: RunOptions = {}): RepeatedRun {
  const samples: ProcessSample[] = [];
  for (let i = 0; i <= runs; i++) {
    const sample = runNode(nodeArgs, options);
    if (sample.status !== 0) {
      throw new Error(`node ${nodeArgs.join(' ')} exited with ${sample.status}:\n${sample.stderr.slice(0, 2000)}`);
    }
    if (i > 0) samples.push(sample);
  }
  return { ms: stats(samples.map((s) => s.ms)), peakRss: stats(samples.map((s) => s.peakRss)) };
}
