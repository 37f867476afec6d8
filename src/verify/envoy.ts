// Runs the real Envoy: `envoy --mode validate` to check a bootstrap, and a managed Envoy process
// for end-to-end tests. Every run gets its own temp config file, hot restart disabled and a
// unique base id, so parallel runs never share Envoy's shared-memory or domain-socket names.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export interface FindEnvoyOptions {
  /** A path (or command name) the user chose, e.g. from `--envoy`; used as given. */
  explicit?: string;
}

export interface EnvoyValidation {
  /** True when Envoy exited 0, i.e. it accepted the configuration. */
  ok: boolean;
  /** Envoy's stdout and stderr, interleaved as they arrived. */
  output: string;
}

export interface ValidateOptions {
  /** Envoy binary to run; defaults to findEnvoy(). */
  envoy?: string;
  timeoutMs?: number;
}

export interface StartEnvoyOptions {
  envoy?: string;
  /** Admin port on 127.0.0.1; overrides the config's admin address. Without it and without an
   * admin address in the config, Envoy picks a free port itself. */
  adminPort?: number;
  /** Worker threads; one keeps tests light on small machines. */
  concurrency?: number;
  logLevel?: string;
  /** How long to wait for the admin `/ready` endpoint to answer 200. */
  readyTimeoutMs?: number;
}

export interface RunningEnvoy {
  process: ChildProcess;
  /** e.g. http://127.0.0.1:19000 */
  adminUrl: string;
  /** The config file Envoy was started with (removed by stop()). */
  configPath: string;
  /** Resolves once `/ready` answers 200; rejects if Envoy exits or the timeout passes first. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** GET an admin endpoint (e.g. `/clusters`, `/config_dump`); rejects unless it answers 200. */
  admin(path: string): Promise<string>;
  /** Everything Envoy has printed so far. */
  logs(): string;
  /** SIGTERM, then SIGKILL if Envoy has not exited in time; idempotent. */
  stop(): Promise<void>;
}

const defaultValidateTimeoutMs = 60_000;
const defaultReadyTimeoutMs = 30_000;
const stopGraceMs = 5_000;
/** Keep at most this much of a running Envoy's log, dropping the oldest part. */
const maxLogChars = 1_000_000;

/** The egc project root: the nearest ancestor of this module with package.json named "egc".
 * This module runs from build/src/verify (tests) and from dist/egc.js (bundled CLI). */
function projectRoot(): string | undefined {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'egc') return directory;
      } catch {
        // An unreadable package.json is not ours; keep walking up.
      }
    }
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The binary that scripts/ensure-envoy.mjs installs into the project's .venv. */
function projectVenvEnvoy(): string | undefined {
  const root = projectRoot();
  if (!root) return undefined;
  const lib = join(root, '.venv', 'lib');
  if (!existsSync(lib)) return undefined;
  for (const python of readdirSync(lib).filter((name) => /^python3\.\d+$/.test(name)).sort()) {
    const binary = join(lib, python, 'site-packages', 'envoy', '_bin', 'envoy');
    if (isExecutableFile(binary)) return binary;
  }
  return undefined;
}

function envoyOnPath(): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, 'envoy');
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds an Envoy binary: the explicit choice, then $EGC_ENVOY, then the project's pinned
 * .venv install, then `envoy` on PATH. Explicit and $EGC_ENVOY are returned as given, even if
 * they do not exist, so a wrong choice fails loudly instead of silently running another Envoy.
 */
export function findEnvoy(options: FindEnvoyOptions = {}): string | undefined {
  if (options.explicit) return options.explicit;
  if (process.env.EGC_ENVOY) return process.env.EGC_ENVOY;
  return projectVenvEnvoy() ?? envoyOnPath();
}

function requireEnvoy(explicit: string | undefined): string {
  const envoy = findEnvoy({ explicit });
  if (!envoy) {
    throw new Error(
      'no Envoy binary found: pass one explicitly, set EGC_ENVOY, run `npm run envoy` to install the pinned one into .venv, or put `envoy` on PATH',
    );
  }
  return envoy;
}

let runCounter = 0;

/** A base id no other run of this process uses, and unlikely to match another process's:
 * pid-based, kept below 2^31 (Envoy takes a uint32). */
function uniqueBaseId(): number {
  runCounter += 1;
  return (process.pid % 1_000_000) * 1000 + (runCounter % 1000);
}

/** Writes the config into a fresh temp dir: YAML text as .yaml, an object as .json (Envoy picks
 * the parser by extension). */
function writeConfig(config: string | object): { directory: string; path: string } {
  const directory = mkdtempSync(join(tmpdir(), 'egc-envoy-'));
  const path = join(directory, typeof config === 'string' ? 'envoy.yaml' : 'envoy.json');
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return { directory, path };
}

/** Envoy processes this process started and has not seen exit; killed if we exit first. */
const liveEnvoys = new Set<{ child: ChildProcess; directory: string }>();
let exitHookInstalled = false;

function killLiveEnvoys(): void {
  for (const live of liveEnvoys) {
    live.child.kill('SIGKILL');
    rmSync(live.directory, { recursive: true, force: true });
  }
  liveEnvoys.clear();
}

/** Never leave an Envoy behind: kill them when this process exits or is told to stop. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killLiveEnvoys);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killLiveEnvoys();
      // Re-raise so the process still ends the way the signal asked, unless someone else handles it.
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function track(child: ChildProcess, directory: string): { untrack(): void } {
  installExitHook();
  const entry = { child, directory };
  liveEnvoys.add(entry);
  return { untrack: () => liveEnvoys.delete(entry) };
}

/**
 * Envoy's stdout goes to a real file: bootstraps log to /dev/stdout, which Envoy cannot open
 * when its stdout is the socket Node uses for a pipe.
 */
function stdoutFile(directory: string): { fd: number; path: string } {
  const path = join(directory, 'stdout.log');
  return { fd: openSync(path, 'a'), path };
}

/** Runs `envoy --mode validate` on the config; ok is true iff Envoy accepted it. */
export async function validateWithEnvoy(config: string | object, options: ValidateOptions = {}): Promise<EnvoyValidation> {
  const envoy = requireEnvoy(options.envoy);
  const timeoutMs = options.timeoutMs ?? defaultValidateTimeoutMs;
  const { directory, path } = writeConfig(config);
  const args = ['--mode', 'validate', '-c', path, '--log-level', 'warn', '--disable-hot-restart', '--base-id', String(uniqueBaseId())];
  try {
    return await new Promise<EnvoyValidation>((resolve, reject) => {
      const stdout = stdoutFile(directory);
      const child = spawn(envoy, args, { stdio: ['ignore', stdout.fd, 'pipe'] });
      closeSync(stdout.fd);
      const tracked = track(child, directory);
      let output = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`envoy --mode validate did not finish within ${timeoutMs} ms\n${output}`));
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        tracked.untrack();
        reject(new Error(`could not run Envoy at ${envoy}: ${error.message}`));
      });
      // 'close' (not 'exit') so all of the output has been read.
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        tracked.untrack();
        if (signal && code === null) output += `\n[envoy killed by ${signal}]`;
        resolve({ ok: code === 0, output: (existsSync(stdout.path) ? readFileSync(stdout.path, 'utf8') : '') + output });
      });
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function parseConfig(config: string | object): Record<string, unknown> {
  const parsed: unknown = typeof config === 'string' ? parseYaml(config) : structuredClone(config);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('Envoy config must be a mapping (a Bootstrap object)');
  }
  return parsed as Record<string, unknown>;
}

/** GET http://host/path on the admin interface; resolves with status and body. */
function adminRequest(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { timeout: timeoutMs, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`admin request ${url} timed out`)));
    request.on('error', reject);
  });
}

/** Turns Envoy's written admin address ("0.0.0.0:19000", "[::]:19000") into a URL we can reach. */
function adminUrlFrom(address: string): string {
  const match = /^(.*):(\d+)$/.exec(address.trim());
  if (!match) throw new Error(`unexpected admin address from Envoy: ${address}`);
  let host = match[1]!;
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '[::]') host = '[::1]';
  return `http://${host}:${match[2]}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts Envoy with the config and resolves once it is ready (admin `/ready` answers 200).
 * Rejects, with Envoy's output, if it exits or does not become ready in time.
 */
export async function startEnvoy(config: string | object, options: StartEnvoyOptions = {}): Promise<RunningEnvoy> {
  const envoy = requireEnvoy(options.envoy);
  const bootstrap = parseConfig(config);
  if (options.adminPort !== undefined || bootstrap.admin === undefined) {
    // Port 0 lets Envoy choose; --admin-address-path tells us which port it took.
    const admin = (bootstrap.admin ?? {}) as Record<string, unknown>;
    bootstrap.admin = { ...admin, address: { socket_address: { address: '127.0.0.1', port_value: options.adminPort ?? 0 } } };
  }
  const { directory, path } = writeConfig(bootstrap);
  const adminAddressPath = join(directory, 'admin-address');
  const args = [
    '-c', path,
    '--log-level', options.logLevel ?? 'warn',
    '--disable-hot-restart',
    '--base-id', String(uniqueBaseId()),
    '--concurrency', String(options.concurrency ?? 1),
    '--admin-address-path', adminAddressPath,
  ];

  const stdout = stdoutFile(directory);
  const child = spawn(envoy, args, { stdio: ['ignore', stdout.fd, 'pipe'] });
  closeSync(stdout.fd);
  const tracked = track(child, directory);
  // A forgotten stop() must not keep the test process alive; the exit hook still kills Envoy.
  child.unref();
  let log = '';
  const append = (chunk: string): void => {
    log += chunk;
    if (log.length > maxLogChars) log = log.slice(log.length - maxLogChars);
  };
  child.stderr!.setEncoding('utf8').on('data', append);
  (child.stderr as unknown as { unref(): void }).unref();

  let exited = false;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      spawnError = error;
      exited = true;
      tracked.untrack();
      resolve();
    });
    // 'close' rather than 'exit': by then all of Envoy's output has been read into the log.
    child.on('close', (code, signal) => {
      exited = true;
      tracked.untrack();
      append(`\n[envoy exited with ${signal ?? code}]\n`);
      resolve();
    });
  });

  /** Whether Envoy exits within ms. The timer is ref'd, so this process stays up until Envoy is
   * really gone, and cleared, so it does not hold the process up afterwards. */
  const exitWithin = (ms: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    return Promise.race([exitPromise.then(() => true), timeout]).finally(() => clearTimeout(timer));
  };

  let adminUrl = '';
  const failure = (reason: string): Error =>
    new Error(spawnError ? `could not run Envoy at ${envoy}: ${spawnError.message}` : `${reason}\nEnvoy output:\n${log}`);

  const waitReady = async (timeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (exited) throw failure('Envoy exited before it became ready');
      if (!adminUrl && existsSync(adminAddressPath)) {
        const written = readFileSync(adminAddressPath, 'utf8');
        if (written.trim()) adminUrl = adminUrlFrom(written);
      }
      if (adminUrl) {
        try {
          const { status, body } = await adminRequest(`${adminUrl}/ready`, 1000);
          if (status === 200) return;
          last = `/ready answered ${status} ${body.trim()}`;
        } catch (error) {
          last = (error as Error).message;
        }
      }
      await sleep(25);
    }
    throw failure(`Envoy did not become ready within ${timeoutMs} ms (${last})`);
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        if (!(await exitWithin(stopGraceMs))) {
          child.kill('SIGKILL');
          await exitWithin(stopGraceMs);
        }
      }
      rmSync(directory, { recursive: true, force: true });
    })();
    return stopping;
  };

  const running: RunningEnvoy = {
    process: child,
    get adminUrl() {
      return adminUrl;
    },
    configPath: path,
    waitReady,
    admin: async (adminPath) => {
      const { status, body } = await adminRequest(`${adminUrl}${adminPath}`, 5000);
      if (status !== 200) throw new Error(`admin ${adminPath} answered ${status}: ${body}`);
      return body;
    },
    logs: () => (existsSync(stdout.path) ? readFileSync(stdout.path, 'utf8') : '') + log,
    stop,
  };

  try {
    await waitReady();
  } catch (error) {
    await stop();
    throw error;
  }
  return running;
}
