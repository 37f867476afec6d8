import { accessSync, constants } from 'node:fs';
import type { Command } from 'commander';
import { formatText } from '../diagnostics/format.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { loadServerConfig } from '../server/config.js';
import { createLogger, logFormats, logLevels, type LogFormat, type LogLevel } from '../server/log.js';
import { HostServer } from '../server/server.js';
import { findEnvoy } from '../verify/envoy.js';
import { styleFor, useColor } from './report.js';
import { UsageError } from './usage.js';

const defaultAdminPortBase = 19000;
const defaultDrainTimeS = 10;

function choice<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}; got \`${value}\``);
  return value as T;
}

function integer(name: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}; got \`${value}\``);
  return parsed;
}

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('run Envoy on this host from the resources the EnvoyGateway config names, and apply every change to them without restarting it')
    .requiredOption('--config-path <file>', 'the EnvoyGateway config (provider Custom, File resources, Host infrastructure)')
    .option('--envoy <path>', 'the Envoy binary (default: $EGC_ENVOY, the project\'s pinned Envoy, then envoy on PATH)')
    .option('--admin-port-base <port>', 'admin port of the first proxy on 127.0.0.1; the next proxies take the following ports', String(defaultAdminPortBase))
    .option('--status-file <path>', 'keep the statuses of all resources in this YAML file')
    .option('--work-dir <dir>', 'where the xDS files Envoy reads are kept (default: a temp directory removed on exit)')
    .option('--drain-time-s <seconds>', 'how long Envoy drains listeners on a listener change and at shutdown', String(defaultDrainTimeS))
    .option('--concurrency <n>', 'Envoy worker threads (default: one per CPU)')
    .option('--log-format <format>', `${logFormats.join(' or ')}`, 'text')
    .option('--log-level <level>', `${logLevels.join(', ')}`, 'info')
    .option('--envoy-log-level <level>', "Envoy's own log level; its warnings and errors are forwarded", 'warn')
    .option('--no-color', 'plain diagnostics')
    .action((options: Record<string, any>) => {
      const format: LogFormat = choice('--log-format', options.logFormat, logFormats);
      const level: LogLevel = choice('--log-level', options.logLevel, logLevels);
      const adminPortBase = integer('--admin-port-base', options.adminPortBase, 1, 65535);
      const drainTimeS = integer('--drain-time-s', options.drainTimeS, 0, 3600);
      const concurrency = options.concurrency === undefined ? undefined : integer('--concurrency', options.concurrency, 1, 1024);
      const envoyLogLevel = choice('--envoy-log-level', options.envoyLogLevel, ['trace', 'debug', 'info', 'warning', 'warn', 'error', 'critical', 'off']);

      const loaded = loadServerConfig(options.configPath);
      if (loaded.diagnostics.length > 0) {
        const style = styleFor(format === 'text' && useColor(options.color));
        process.stderr.write(formatText(loaded.diagnostics, { style, sources: loaded.sources }));
      }
      if (!loaded.config || hasErrors(loaded.diagnostics)) {
        process.exitCode = 1;
        return;
      }
      const envoy = findEnvoy({ explicit: options.envoy });
      if (!envoy) throw new UsageError('no Envoy binary found: pass --envoy, set EGC_ENVOY, run `npm run envoy`, or put envoy on PATH');
      try {
        accessSync(envoy, constants.X_OK);
      } catch {
        throw new UsageError(`Envoy binary ${envoy} does not exist or is not executable`);
      }

      const logger = createLogger({ level, format });
      const server = new HostServer({
        config: loaded.config,
        envoy,
        logger,
        adminPortBase,
        statusFile: options.statusFile,
        workDir: options.workDir,
        drainTimeS,
        envoyLogLevel,
        concurrency,
      });
      runUntilSignal(server, logger);
    });
}

/** Runs the server until SIGINT/SIGTERM/SIGHUP, then stops it gracefully and exits 0. A second signal
 * exits at once (the exit hook still kills every Envoy). */
function runUntilSignal(server: HostServer, logger: ReturnType<typeof createLogger>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn('second signal; exiting without waiting for the drain', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('stopping', { signal });
    server.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error('stop failed', { error: error.message });
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  server.start().catch((error: Error) => {
    logger.error('egc server failed', { error: error.stack ?? error.message });
    void server.stop().finally(() => process.exit(1));
  });
}
