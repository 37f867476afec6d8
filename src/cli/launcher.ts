/**
 * dist/egc.js, what `egc` runs: it loads the program (dist/egc.cjs, the whole CLI in one
 * CommonJS bundle) through V8's code cache. Compiling the 3 MB bundle is most of a short run's
 * start-up; with the cache (dist/egc.cjs.cache, written by scripts/build.mjs after a sample run,
 * so it also holds the functions a translation compiles) V8 deserialises the code instead.
 * Node 20 has no module compile cache (module.enableCompileCache is Node 22), hence vm.Script.
 *
 * The cache is only an optimisation: V8 checks it against the source, its own version and its
 * flags, and a missing or rejected cache just means a normal compile.
 *
 * The launcher itself is built as CommonJS (dist/package.json says so): Node starts a CommonJS
 * entry ~4 ms sooner than an ES module one. So it finds the bundle through `__dirname`.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

const directory = __dirname;
const program = join(directory, 'egc.cjs');
const cacheFile = `${program}.cache`;

let cachedData: Buffer | undefined;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // No cache: compile as usual.
}

// The bundle is already wrapped as a function of the CommonJS module's arguments, plus the URL it
// uses for `import.meta.url` (see scripts/build.mjs).
const script = new Script(readFileSync(program, 'utf8'), { filename: program, cachedData });
const run = script.runInThisContext() as (...args: unknown[]) => void;
const module = { exports: {} };

// The build writes the cache after a sample run, when the functions it used are compiled too.
if (process.env.EGC_WRITE_CODE_CACHE === '1') {
  process.on('exit', () => {
    writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
    renameSync(`${cacheFile}.tmp`, cacheFile);
  });
}

run(module.exports, createRequire(program), module, program, directory, pathToFileURL(program).href);
