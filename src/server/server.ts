/**
 * egc server: compiles the resources under the configured paths, runs one Envoy per proxy on
 * this host, and applies every change to the files as an xDS update through the file-based
 * layout of dynamic.ts. A change that does not compile is reported and not applied.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { formatSummary, formatText } from '../diagnostics/format.js';
import type { KubeObject } from '../load/resource.js';
import { compile, type CompileResult, type Proxy } from '../pipeline.js';
import type { ServerConfig } from './config.js';
import { DynamicConfig, fileNameFor } from './dynamic.js';
import type { Logger } from './log.js';
import { EnvoySupervisor } from './supervisor.js';
import { watchPaths, type Watcher } from './watch.js';

export interface ServerOptions {
  config: ServerConfig;
  envoy: string;
  logger: Logger;
  /** Admin ports are taken from here upward, one per proxy. */
  adminPortBase: number;
  /** Where the current statuses are written (YAML), if anywhere. */
  statusFile?: string;
  /** Where the xDS files live; a temp directory (removed on stop) when unset. */
  workDir?: string;
  drainTimeS: number;
  envoyLogLevel: string;
  concurrency?: number;
  debounceMs?: number;
  pollMs?: number;
}

interface RunningProxy {
  name: string;
  adminPort: number;
  files: DynamicConfig;
  envoy: EnvoySupervisor;
  /** The config version Envoy was last given. */
  version: number;
}

type ChangeResult = 'Applied' | 'Rejected';

/** How long after writing files to look at Envoy's update_rejected counters. */
const rejectionCheckDelayMs = 300;

/** `Accepted=True ResolvedRefs=False(BackendNotFound)`: a resource's conditions on one line. */
function conditionSummary(conditions: readonly any[] | undefined): string {
  return (conditions ?? []).map((c) => `${c.type}=${c.status}${c.status === 'True' ? '' : `(${c.reason})`}`).join(' ');
}

/** One entry per status holder: the resource itself, each Gateway listener, each route parent. */
function statusLines(object: KubeObject): { ok: boolean; conditions: string; scope?: string }[] {
  const status = object.status ?? {};
  const ok = (conditions: readonly any[] | undefined) =>
    (conditions ?? []).every((c) => (c.type === 'Conflicted' ? c.status === 'False' : c.status === 'True'));
  const lines: { ok: boolean; conditions: string; scope?: string }[] = [];
  if (status.conditions) lines.push({ ok: ok(status.conditions), conditions: conditionSummary(status.conditions) });
  for (const listener of status.listeners ?? []) {
    lines.push({ ok: ok(listener.conditions), conditions: conditionSummary(listener.conditions), scope: `listener ${listener.name}` });
  }
  for (const parent of status.parents ?? []) {
    const ref = parent.parentRef ?? {};
    const section = ref.sectionName ? `/${ref.sectionName}` : '';
    lines.push({ ok: ok(parent.conditions), conditions: conditionSummary(parent.conditions), scope: `parent ${ref.namespace ?? object.metadata.namespace}/${ref.name}${section}` });
  }
  return lines;
}

function resourceName(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}

export class HostServer {
  private readonly proxies = new Map<string, RunningProxy>();
  private readonly workDir: string;
  private readonly ownsWorkDir: boolean;
  private watcher: Watcher | undefined;
  private version = 0;
  private lastSources: string | undefined;
  private lastResult: CompileResult | undefined;
  private lastChange: { time: string; result: ChangeResult; errors: number; warnings: number } | undefined;
  private running: Promise<void> | undefined;
  private pending = false;
  private stopped = false;

  constructor(private readonly options: ServerOptions) {
    this.ownsWorkDir = options.workDir === undefined;
    this.workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'egc-server-'));
    mkdirSync(this.workDir, { recursive: true });
  }

  /** Compiles and starts Envoy for the current files, then watches them. */
  async start(): Promise<void> {
    const { logger, config } = this.options;
    logger.info('egc server starting', { config: config.file, paths: config.paths.join(','), workDir: this.workDir });
    await this.reload();
    this.watcher = watchPaths({
      paths: config.paths,
      debounceMs: this.options.debounceMs,
      pollMs: this.options.pollMs,
      onChange: () => void this.reload(),
    });
    logger.info('watching for changes', { paths: config.paths.join(',') });
  }

  /**
   * Recompiles and applies. Reloads never overlap: a change arriving during one is picked up
   * by one more run right after it.
   */
  reload(): Promise<void> {
    if (this.running) {
      this.pending = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.pending = false;
        try {
          await this.reloadOnce();
        } catch (error) {
          this.options.logger.error('reload failed', { error: (error as Error).stack ?? String(error) });
        }
      } while (this.pending && !this.stopped);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async reloadOnce(): Promise<void> {
    if (this.stopped) return;
    const { logger } = this.options;
    const startedAt = Date.now();
    const result = compile({ inputs: this.options.config.paths });
    const sources = JSON.stringify([...result.sources]);
    if (sources === this.lastSources) {
      logger.debug('files changed on disk but not in content; nothing to do');
      return;
    }
    this.lastSources = sources;
    this.lastResult = result;
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
    const time = new Date().toISOString();
    this.reportDiagnostics(result);

    if (hasErrors(result.diagnostics)) {
      this.lastChange = { time, result: 'Rejected', errors, warnings };
      logger.error(
        this.version === 0
          ? 'configuration does not compile; Envoy starts once it does'
          : 'change rejected: it does not compile; Envoy keeps running the previous configuration',
        { errors, warnings, runningVersion: this.version || undefined },
      );
      this.logStatuses(result);
      this.writeStatus();
      return;
    }

    this.version += 1;
    const version = this.version;
    await this.applyProxies(result.proxies, version);
    this.lastChange = { time, result: 'Applied', errors, warnings };
    logger.info('configuration applied', {
      version,
      proxies: result.proxies.map((p) => p.name).join(',') || 'none',
      tookMs: Date.now() - startedAt,
      warnings,
    });
    this.logStatuses(result);
    this.writeStatus();
  }

  private reportDiagnostics(result: CompileResult): void {
    const shown = result.diagnostics.filter((d) => d.severity !== 'note');
    if (shown.length === 0) return;
    const level = hasErrors(shown) ? 'error' : 'warn';
    this.options.logger[level]('diagnostics', {
      summary: formatSummary(shown),
      diagnostics: this.options.logger.enabled(level) ? formatText(shown, { sources: result.displaySources }) : undefined,
    });
  }

  private logStatuses(result: CompileResult): void {
    for (const object of result.objects) {
      for (const line of statusLines(object)) {
        this.options.logger[line.ok ? 'info' : 'warn']('status', {
          kind: object.kind,
          name: resourceName(object),
          scope: line.scope,
          conditions: line.conditions,
        });
      }
    }
  }

  /** Brings the running Envoys in line with the compiled proxies: update, start new, stop gone. */
  private async applyProxies(proxies: readonly Proxy[], version: number): Promise<void> {
    const wanted = new Set(proxies.map((p) => p.name));
    for (const [name, running] of this.proxies) {
      if (wanted.has(name)) continue;
      this.proxies.delete(name);
      this.options.logger.info('proxy removed; stopping its envoy', { proxy: name });
      await running.envoy.stop();
      rmSync(running.files.directory, { recursive: true, force: true });
    }
    for (const proxy of proxies) {
      const running = this.proxies.get(proxy.name);
      if (running) {
        const before = await running.envoy.rejectedUpdates().catch(() => undefined);
        const changed = running.files.apply(proxy.resources, String(version));
        running.version = version;
        this.options.logger.debug('xds files written', { proxy: proxy.name, version, changed: changed.join(',') || 'none' });
        if (before !== undefined) this.checkAccepted(running, before);
      } else {
        await this.startProxy(proxy, version);
      }
    }
  }

  private async startProxy(proxy: Proxy, version: number): Promise<void> {
    const used = new Set([...this.proxies.values()].map((p) => p.adminPort));
    let adminPort = this.options.adminPortBase;
    while (used.has(adminPort)) adminPort += 1;
    const files = new DynamicConfig(join(this.workDir, fileNameFor(proxy.name).replace(/\.json$/, '')));
    files.apply(proxy.resources, String(version));
    files.writeBootstrap({ adminPort, node: proxy.name });
    const logger = this.options.logger.with({ proxy: proxy.name });
    const envoy = new EnvoySupervisor({
      envoy: this.options.envoy,
      bootstrapPath: files.bootstrapPath,
      adminPort,
      logger,
      drainTimeS: this.options.drainTimeS,
      envoyLogLevel: this.options.envoyLogLevel,
      concurrency: this.options.concurrency,
    });
    this.proxies.set(proxy.name, { name: proxy.name, adminPort, files, envoy, version });
    try {
      await envoy.start();
      logger.info('envoy ready', { admin: envoy.adminUrl, version });
      this.checkAccepted(this.proxies.get(proxy.name)!, 0);
    } catch (error) {
      // The supervisor keeps restarting it with backoff; the reason is in the log.
      logger.error('envoy did not become ready', { error: (error as Error).message });
    }
  }

  /** Envoy applies files asynchronously; a refused one only shows in its counters and log. */
  private checkAccepted(proxy: RunningProxy, before: number): void {
    setTimeout(() => {
      proxy.envoy
        .rejectedUpdates()
        .then((after) => {
          if (after > before) {
            this.options.logger.error('envoy rejected part of the update; it keeps the previous version of those resources', {
              proxy: proxy.name,
              version: proxy.version,
              output: `${proxy.envoy.recentOutput()}\n`,
            });
          }
        })
        .catch(() => undefined);
    }, rejectionCheckDelayMs).unref();
  }

  /** The status file: the last change, its diagnostics, the proxies and every resource's status. */
  statusDocument(): object {
    const result = this.lastResult;
    const diagnostic = (d: Diagnostic) => {
      const { notes, ...rest } = d;
      return notes?.length ? { ...rest, notes } : rest;
    };
    return {
      appliedVersion: this.version,
      lastChange: this.lastChange ?? null,
      diagnostics: (result?.diagnostics ?? []).map(diagnostic),
      proxies: [...this.proxies.values()].map((p) => ({
        name: p.name,
        admin: p.envoy.adminUrl,
        state: p.envoy.state,
        version: p.version,
        restarts: p.envoy.restarts,
      })),
      resources: (result?.objects ?? []).map((o) => ({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) },
        status: o.status ?? {},
      })),
    };
  }

  private writeStatus(): void {
    const path = this.options.statusFile;
    if (!path) return;
    try {
      mkdirSync(dirname(path), { recursive: true });
      const temp = `${path}.tmp-${process.pid}`;
      writeFileSync(temp, `# egc server status; resources are as compiled from the files now on disk\n${stringify(this.statusDocument())}`);
      renameSync(temp, path);
    } catch (error) {
      this.options.logger.warn('cannot write the status file', { path, error: (error as Error).message });
    }
  }

  /** Stops watching, drains and stops every Envoy, and removes the temp work directory. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watcher?.close();
    await this.running;
    await Promise.all([...this.proxies.values()].map((p) => p.envoy.stop()));
    this.proxies.clear();
    if (this.ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
    this.options.logger.info('egc server stopped');
  }
}
