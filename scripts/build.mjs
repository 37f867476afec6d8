// Builds everything the CLI and the tests run: generated validators and proto descriptors,
// the TypeScript (type-checked) into build/, and the CLI: the bundle dist/egc.cjs, its launcher
// dist/egc.js and the launcher's code cache dist/egc.cjs.cache.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (script) => execFileSync(process.execPath, [join(root, script)], { stdio: 'inherit', cwd: root });

run('scripts/build-validators.mjs');
run('scripts/build-protos.mjs');
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });

// The program, as CommonJS so that dist/egc.js (src/cli/launcher.ts) can load it through V8's
// code cache; `import.meta.url` becomes the URL the launcher passes in.
await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: join(root, 'dist/egc.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // Cold start: V8 parses the whole bundle on every run, and whitespace and syntax minification
  // cut its size by a third. Identifiers are kept, so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  define: { 'import.meta.url': '__egcModuleUrl' },
  logLevel: 'warning',
});
// The CommonJS module wrapper, plus the URL the bundle uses for `import.meta.url`, written into
// the file rather than added by the launcher: V8 then compiles the file's text as it was read,
// where a string joined at run time had first to be copied into one piece (4 ms of every start).
// All on the first line, so line numbers in stack traces stay right.
const bundle = join(root, 'dist/egc.cjs');
const program = readFileSync(bundle, 'utf8');
// esbuild escapes non-ASCII characters in strings but not in regex literals. One such character
// makes the whole text UTF-16 to V8, which then decodes 3 MB at every start (8 ms, not 1).
const nonAscii = /[^\x00-\x7f]/.exec(program);
if (nonAscii) {
  const line = program.slice(0, nonAscii.index).split('\n').length;
  throw new Error(`dist/egc.cjs line ${line} holds the non-ASCII character U+${nonAscii[0].codePointAt(0).toString(16).padStart(4, '0')}: write it as an escape (\\u....) in the source`);
}
writeFileSync(bundle, `(function (exports, require, module, __filename, __dirname, __egcModuleUrl) {${program}\n})`);
await build({
  entryPoints: [join(root, 'src/cli/launcher.ts')],
  outfile: join(root, 'dist/egc.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync(join(root, 'dist/egc.js'), 0o755);
// dist/egc.js is CommonJS though the package is "type": "module".
writeFileSync(join(root, 'dist/package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
// The code cache, written by a sample translation (see src/cli/launcher.ts).
rmSync(join(root, 'dist/egc.cjs.cache'), { force: true });
execFileSync(process.execPath, [join(root, 'dist/egc.js'), 'translate', '-f', join(root, 'examples/quickstart.yaml')], {
  cwd: root,
  env: { ...process.env, EGC_WRITE_CODE_CACHE: '1' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
