// Runs `node dist/egc.js server ...` as a child process for end-to-end tests, collecting its
// output so tests can wait for log lines and find the Envoy processes it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

/** The project root: this file runs from build/test/support. */
function projectRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) directory = dirname(directory);
  return directory;
}

export const egcBundle = join(projectRoot(), 'dist', 'egc.js');

export interface ServerProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Waits until stderr matches; returns the match. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Pids of the Envoys the server reported starting, in order. */
  envoyPids(): number[];
  /** Sends SIGKILL to the server and any Envoy it started that is still alive (test cleanup). */
  kill(): void;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function startServerProcess(args: string[], cwd: string): ServerProcess {
  const child = spawn(process.execPath, [egcBundle, 'server', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  // Text logs say `envoy started ... pid=N`, JSON logs `"msg":"envoy started",..."pid":N`.
  const envoyPids = () => [...err.matchAll(/envoy started.*?\bpid"?[=:](\d+)/g)].map((m) => Number(m[1]));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLog: (pattern, timeoutMs = 10_000) => waitFor<RegExpMatchArray | undefined>(() => pattern.exec(err) ?? undefined, timeoutMs, 20) as Promise<RegExpMatchArray>,
    envoyPids,
    kill: () => {
      child.kill('SIGKILL');
      for (const pid of envoyPids()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    },
  };
}
