/**
 * Runs one Envoy process for one proxy: starts it, restarts it with backoff when it dies on its
 * own, forwards its warnings to the log, and stops it gracefully (drain, then SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import type { Logger, LogLevel } from './log.js';

export interface SupervisorOptions {
  envoy: string;
  bootstrapPath: string;
  adminPort: number;
  logger: Logger;
  /** Envoy's --drain-time-s: how long listeners drain on an LDS change and at shutdown. */
  drainTimeS: number;
  /** Envoy's own --log-level. */
  envoyLogLevel: string;
  /** Envoy's --concurrency; unset lets Envoy use one worker per CPU. */
  concurrency?: number;
}

export type EnvoyState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

const firstBackoffMs = 500;
const maxBackoffMs = 30_000;
/** An Envoy that stayed up this long is healthy again: the next crash restarts it quickly. */
const healthyAfterMs = 10_000;
const readyTimeoutMs = 30_000;
const killGraceMs = 5_000;
const keptLogLines = 40;

/** Every Envoy started and not yet seen exiting, to be killed if egc itself exits first. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

let spawnCounter = 0;

/** A base id unique to this spawn (Envoy takes a uint32), so Envoys never share domain sockets. */
function uniqueBaseId(): number {
  spawnCounter += 1;
  return (process.pid % 1_000_000) * 1000 + (spawnCounter % 1000);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An admin request on 127.0.0.1; resolves with status and body. */
export function adminCall(port: number, method: 'GET' | 'POST', path: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, method, path, agent: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`admin ${path} timed out`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Envoy's log level names → ours; Envoy logs `[time][thread][level][logger] message`. */
function levelOf(line: string): LogLevel {
  const match = /\]\[(trace|debug|info|warning|error|critical)\]/.exec(line);
  switch (match?.[1]) {
    case 'warning':
      return 'warn';
    case 'error':
    case 'critical':
      return 'error';
    case 'info':
      return 'info';
    default:
      return 'debug';
  }
}

export class EnvoySupervisor {
  private child: ChildProcess | undefined;
  private stateValue: EnvoyState = 'stopped';
  private backoffMs = firstBackoffMs;
  private restartTimer: NodeJS.Timeout | undefined;
  private recentLines: string[] = [];
  private exited: Promise<void> = Promise.resolve();
  restarts = 0;

  constructor(private readonly options: SupervisorOptions) {}

  get state(): EnvoyState {
    return this.stateValue;
  }

  get adminUrl(): string {
    return `http://127.0.0.1:${this.options.adminPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines Envoy printed, for error reports. */
  recentOutput(): string {
    return this.recentLines.join('\n');
  }

  /** Starts Envoy and resolves once its admin /ready answers 200. */
  async start(): Promise<void> {
    this.stateValue = 'starting';
    this.spawnEnvoy();
    await this.waitReady();
    this.stateValue = 'running';
  }

  private spawnEnvoy(): void {
    const { options } = this;
    const args = [
      '-c', options.bootstrapPath,
      '--log-level', options.envoyLogLevel,
      '--disable-hot-restart',
      '--base-id', String(uniqueBaseId()),
      '--drain-time-s', String(options.drainTimeS),
      // Every request on a draining listener is told to close its connection at once, so
      // clients move to the new listener instead of trickling over the whole drain time.
      '--drain-strategy', 'immediate',
    ];
    if (options.concurrency !== undefined) args.push('--concurrency', String(options.concurrency));
    // Envoy's stdout carries access logs: they go straight to ours. Its stderr is its own log.
    const child = spawn(options.envoy, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    installExitHook();
    live.add(child);
    this.child = child;
    const startedAt = Date.now();
    options.logger.info('envoy started', { pid: child.pid, admin: this.adminUrl });

    let partial = '';
    const onData = (chunk: string): void => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.onEnvoyLine(line);
    };
    child.stderr!.setEncoding('utf8').on('data', onData);

    this.exited = new Promise<void>((resolve) => {
      child.on('error', (error) => {
        live.delete(child);
        options.logger.error('cannot run envoy', { envoy: options.envoy, error: error.message });
        resolve();
      });
      child.on('close', (code, signal) => {
        live.delete(child);
        if (partial) this.onEnvoyLine(partial);
        resolve();
        if (this.child === child) this.onExit(code, signal, Date.now() - startedAt);
      });
    });
  }

  private onEnvoyLine(line: string): void {
    if (!line.trim()) return;
    this.recentLines.push(line);
    if (this.recentLines.length > keptLogLines) this.recentLines.shift();
    const level = levelOf(line);
    if (this.options.logger.enabled(level)) this.options.logger[level]('envoy', { line });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, upMs: number): void {
    if (this.stateValue === 'stopping' || this.stateValue === 'stopped') return;
    if (upMs >= healthyAfterMs) this.backoffMs = firstBackoffMs;
    const delayMs = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, maxBackoffMs);
    this.stateValue = 'restarting';
    this.options.logger.error('envoy exited unexpectedly; restarting', {
      exit: signal ?? code,
      restartInMs: delayMs,
      output: this.recentOutput() ? `${this.recentOutput()}\n` : undefined,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restarts += 1;
      this.start().then(
        () => this.options.logger.info('envoy restarted and ready', { restarts: this.restarts }),
        (error: Error) => this.options.logger.warn('envoy restart did not become ready', { error: error.message }),
      );
    }, delayMs);
  }

  private async waitReady(): Promise<void> {
    const child = this.child;
    const deadline = Date.now() + readyTimeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() < deadline) {
      if (exited || this.child !== child) throw new Error(`envoy exited before it became ready:\n${this.recentOutput()}`);
      try {
        if ((await adminCall(this.options.adminPort, 'GET', '/ready', 1000)).status === 200) return;
      } catch {
        // Not listening yet.
      }
      await sleep(50);
    }
    throw new Error(`envoy did not become ready within ${readyTimeoutMs} ms`);
  }

  /** Active downstream requests, over all HTTP connection managers except the admin's own. */
  private async activeRequests(): Promise<number> {
    const { body } = await adminCall(this.options.adminPort, 'GET', '/stats?filter=downstream_rq_active%24');
    let total = 0;
    for (const line of body.split('\n')) {
      const match = /^http\.(.+)\.downstream_rq_active: (\d+)$/.exec(line.trim());
      if (match && match[1] !== 'admin') total += Number(match[2]);
    }
    return total;
  }

  /** Sum of the update_rejected counters (LDS, CDS, RDS, SDS): grows when Envoy refuses a file. */
  async rejectedUpdates(): Promise<number> {
    const { body } = await adminCall(this.options.adminPort, 'GET', '/stats?filter=update_rejected%24');
    return body
      .split('\n')
      .map((line) => /: (\d+)$/.exec(line.trim()))
      .reduce((sum, match) => sum + (match ? Number(match[1]) : 0), 0);
  }

  /**
   * Graceful stop: listeners start draining (responses ask clients to close), in-flight
   * requests finish or the drain time runs out, then SIGTERM; SIGKILL if Envoy lingers.
   */
  async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    this.stateValue = 'stopping';
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.stateValue = 'stopped';
      return;
    }
    // Drain even an Envoy not yet seen ready: it may already be serving.
    const deadline = Date.now() + this.options.drainTimeS * 1000;
    try {
      await adminCall(this.options.adminPort, 'POST', '/drain_listeners?graceful');
      while (Date.now() < deadline && (await this.activeRequests()) > 0) await sleep(100);
    } catch (error) {
      this.options.logger.warn('could not drain envoy; stopping it now', { error: (error as Error).message });
    }
    child.kill('SIGTERM');
    const exitedInTime = await Promise.race([this.exited.then(() => true), sleep(killGraceMs).then(() => false)]);
    if (!exitedInTime) {
      child.kill('SIGKILL');
      await this.exited;
    }
    this.stateValue = 'stopped';
    this.options.logger.info('envoy stopped', { pid: child.pid });
  }
}
