/**
 * Structured logs for `egc server`: one line per event on stderr, as text
 * (`2025-01-01T00:00:00.000Z INFO  message key=value`) or as JSON objects, filtered by level.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, unknown>;

export const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const logFormats: readonly LogFormat[] = ['text', 'json'];

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds these fields to every entry (e.g. the proxy an entry is about). */
  with(fields: LogFields): Logger;
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
}

/** A text value as it reads after `key=`: bare when it is one simple word, JSON-quoted otherwise. */
function textValue(value: unknown): string {
  if (typeof value === 'string' && /^[\w./:@-]+$/.test(value)) return value;
  return JSON.stringify(value) ?? String(value);
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = logLevels.indexOf(options.level ?? 'info');
  const format = options.format ?? 'text';
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const enabled = (level: LogLevel) => logLevels.indexOf(level) >= threshold;

  const log = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    if (!enabled(level)) return;
    const all = { ...bound, ...fields };
    const time = now().toISOString();
    if (format === 'json') {
      write(`${JSON.stringify({ time, level, msg: message, ...all })}\n`);
      return;
    }
    // A multi-line detail (diagnostics, Envoy output) follows the entry, indented, so the
    // first line stays one greppable event.
    const detail: string[] = [];
    const pairs: string[] = [];
    for (const [key, value] of Object.entries(all)) {
      if (value === undefined) continue;
      if (typeof value === 'string' && value.includes('\n')) detail.push(value.replace(/\n+$/, ''));
      else pairs.push(`${key}=${textValue(value)}`);
    }
    const head = `${time} ${level.toUpperCase().padEnd(5)} ${message}${pairs.length ? ` ${pairs.join(' ')}` : ''}`;
    const body = detail.map((text) => text.replace(/^/gm, '    ')).join('\n');
    write(`${head}\n${body ? `${body}\n` : ''}`);
  };

  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    with: (fields) => createLogger(options, { ...bound, ...fields }),
    enabled,
  };
}
