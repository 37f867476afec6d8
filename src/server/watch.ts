/**
 * Watches the resource paths and calls back once a burst of changes has settled. fs.watch gives
 * the speed; a slow poll of file stats is the safety net for what inotify misses (a path that
 * does not exist yet, a directory replaced as a whole, editors' rename dances).
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface WatchOptions {
  paths: readonly string[];
  /** Quiet time after the last event before onChange runs. */
  debounceMs?: number;
  /** How often the stat poll runs. */
  pollMs?: number;
  onChange: () => void;
}

export interface Watcher {
  close(): void;
}

const inputExtensions = new Set(['.yaml', '.yml', '.json']);

/** Name, size and mtime of every input file under the paths: changes whenever their content may have. */
export function fingerprint(paths: readonly string[]): string {
  const parts: string[] = [];
  const visit = (path: string): void => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      parts.push(`${path}:missing`);
      return;
    }
    if (stat.isDirectory()) {
      let entries: string[] = [];
      try {
        entries = readdirSync(path).sort();
      } catch {
        parts.push(`${path}:unreadable`);
      }
      for (const entry of entries) {
        const child = join(path, entry);
        try {
          if (statSync(child).isDirectory() || inputExtensions.has(extname(entry).toLowerCase())) visit(child);
        } catch {
          // Gone between readdir and stat: the next poll sees the new state.
        }
      }
      return;
    }
    parts.push(`${path}:${stat.size}:${stat.mtimeMs}`);
  };
  for (const path of paths) visit(path);
  return parts.join('\n');
}

export function watchPaths(options: WatchOptions): Watcher {
  const debounceMs = options.debounceMs ?? 100;
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let last = fingerprint(options.paths);

  const fire = (): void => {
    timer = undefined;
    if (closed) return;
    last = fingerprint(options.paths);
    options.onChange();
  };
  const schedule = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  };

  const startWatchers = (): void => {
    for (const watcher of watchers) watcher.close();
    watchers = [];
    for (const path of options.paths) {
      let isDirectory: boolean;
      try {
        isDirectory = statSync(path).isDirectory();
      } catch {
        continue; // not there yet: the poll notices when it appears
      }
      try {
        // A file is watched through its directory: editors and atomic writers replace it.
        const watcher = isDirectory
          ? watch(path, { recursive: true }, schedule)
          : watch(dirname(path), (_event, name) => {
              if (name === null || name === basename(path)) schedule();
            });
        watcher.on('error', () => watcher.close());
        watchers.push(watcher);
      } catch {
        // Watching failed (e.g. inotify limits): the poll still sees changes, only slower.
      }
    }
  };
  startWatchers();

  const poll = setInterval(() => {
    const now = fingerprint(options.paths);
    if (now === last) return;
    last = now;
    startWatchers();
    schedule();
  }, options.pollMs ?? 1000);

  return {
    close: () => {
      closed = true;
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
