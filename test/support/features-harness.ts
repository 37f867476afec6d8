// Shared by the feature end-to-end tests (test/e2e-features): take an example from examples/,
// put free ports into it, compile it with the real CLI, check it with `envoy --mode validate`
// and run it in a real Envoy.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEnvoy, validateWithEnvoy, type RunningEnvoy } from '../../src/verify/envoy.js';
import { cliPath, projectRoot, runCli, type CliRun } from '../golden-support.js';
import { freePort } from './net.js';

export function readExample(name: string): string {
  return readFileSync(join(projectRoot, 'examples', name), 'utf8');
}

/**
 * The text with each `from` replaced by its `to` (every occurrence). Fails loudly when the text
 * no longer contains a `from`, so an edited example cannot silently stop being what is tested.
 */
export function rewrite(text: string, replacements: readonly (readonly [string, string])[]): string {
  let result = text;
  for (const [from, to] of replacements) {
    assert.ok(result.includes(from), `expected the example to contain ${JSON.stringify(from)}`);
    result = result.replaceAll(from, to);
  }
  return result;
}

export interface CompiledProxy {
  /** The bootstrap YAML egc printed. */
  bootstrap: string;
  /** egc's stderr (diagnostics). */
  stderr: string;
  envoy: RunningEnvoy;
  stop(): Promise<void>;
}

/** Runs `egc translate -f FILE ...args` on the text; the compile must succeed without errors. */
export function translateText(text: string, args: readonly string[] = []): CliRun {
  const scratch = mkdtempSync(join(tmpdir(), 'egc-feature-'));
  const file = join(scratch, 'input.yaml');
  writeFileSync(file, text);
  try {
    return runCli(['translate', '-f', file, ...args], { env: { NO_COLOR: '1' } });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * translateText without blocking this process, for inputs that make egc call a server the test
 * itself runs (OIDC discovery).
 */
export async function translateTextAsync(text: string, args: readonly string[] = []): Promise<CliRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'egc-feature-'));
  const file = join(scratch, 'input.yaml');
  writeFileSync(file, text);
  try {
    const child = spawn(process.execPath, [cliPath, 'translate', '-f', file, ...args], { cwd: projectRoot, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const status = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? -1));
    });
    return { stdout, stderr, status };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Compiles the text, has `envoy --mode validate` accept the bootstrap, then starts Envoy on it
 * (admin on a free port) and waits until it is ready.
 */
export async function compileAndRun(text: string, args: readonly string[] = []): Promise<CompiledProxy> {
  const adminPort = await freePort();
  const run = translateText(text, [...args, '--admin-port', String(adminPort)]);
  assert.equal(run.status, 0, `egc translate failed:\n${run.stderr}`);
  const validation = await validateWithEnvoy(run.stdout);
  assert.ok(validation.ok, `envoy --mode validate rejected the bootstrap:\n${validation.output}`);
  const envoy = await startEnvoy(run.stdout, { logLevel: 'warn' });
  return { bootstrap: run.stdout, stderr: run.stderr, envoy, stop: () => envoy.stop() };
}

/** Several free ports at once (distinct from each other). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
