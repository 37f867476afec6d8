/**
 * The fuzz loop: seeded, deterministic mutations of the seeds, each run in a worker thread under
 * a watchdog (an input that takes longer than the timeout is a hang; the worker is replaced).
 * Each new problem is saved once, as a reproducer (YAML) and a note, after shrinking the input.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseAllDocuments } from 'yaml';
import { signatureOf, type Problem } from './check.js';
import type { Seed } from './corpus.js';
import { buildVocabulary, mutate, toYamlStream } from './mutate.js';
import { iterationSeed, Random } from './random.js';

export interface FuzzOptions {
  seeds: Seed[];
  seed: number;
  seconds: number;
  /** Where reproducers go (test/fuzz-findings). */
  findingsDir: string;
  /** Per-input time limit. */
  timeoutMs?: number;
  /** Stop after this many executions (for tests); by default only time ends the run. */
  maxExecutions?: number;
  log?: (line: string) => void;
}

export interface SavedFinding {
  file: string;
  problem: Problem;
  signature: string;
}

export interface FuzzStats {
  executions: number;
  seconds: number;
  findings: SavedFinding[];
  /** Problems whose signature was already saved (this run or an earlier one). */
  repeats: number;
}

type Outcome = { problem?: Problem; timedOut?: boolean };

/** A worker thread with a watchdog: `run` resolves with the worker's answer, or a hang or crash. */
class Sandbox {
  private worker: Worker | undefined;

  constructor(private readonly timeoutMs: number) {}

  private start(): Worker {
    // Limits close to the CLI's: a 1 GB heap, and about the main thread's stack.
    const worker = new Worker(new URL('./worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 1024, stackSizeMb: 1 } });
    worker.unref();
    return worker;
  }

  run(text: string): Promise<Outcome> {
    const worker = (this.worker ??= this.start());
    return new Promise((resolve) => {
      const finish = (outcome: Outcome, replace: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (replace) {
          void worker.terminate();
          this.worker = undefined;
        }
        resolve(outcome);
      };
      const onMessage = (message: { problem?: Problem }) => finish({ problem: message.problem }, false);
      const onError = (error: Error) => finish({ problem: { kind: 'crash', message: `${error.name}: ${error.message}`.slice(0, 300), detail: '' } }, true);
      const onExit = (code: number) => finish({ problem: { kind: 'crash', message: `worker exited with code ${code}`, detail: '' } }, true);
      const timer = setTimeout(() => finish({ timedOut: true, problem: { kind: 'hang', message: `no result within ${this.timeoutMs} ms`, detail: '' } }, true), this.timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ id: 0, text });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}

/** Signatures of the reproducers already saved, read from their notes. */
function savedSignatures(directory: string): Set<string> {
  const signatures = new Set<string>();
  if (!existsSync(directory)) return signatures;
  for (const name of readdirSync(directory).filter((n) => n.endsWith('.md'))) {
    const match = /^signature: (.*)$/m.exec(readFileSync(join(directory, name), 'utf8'));
    if (match) signatures.add(match[1]);
  }
  return signatures;
}

/**
 * A smaller input with the same problem: drops documents, then fields, one at a time, keeping
 * each drop that preserves the signature. Bounded, and skipped for hangs (each try would wait).
 */
async function shrink(text: string, signature: string, sandbox: Sandbox, budget: number): Promise<string> {
  const parsed = parseAllDocuments(text);
  if (!Array.isArray(parsed) || parsed.some((d) => d.errors.length > 0)) return text;
  let documents: unknown[] = parsed.map((d) => d.toJS());
  let best = text;
  const still = async (candidate: unknown[]) => {
    if (budget-- <= 0) return false;
    const candidateText = toYamlStream(candidate);
    const outcome = await sandbox.run(candidateText);
    if (outcome.problem && signatureOf(outcome.problem) === signature) {
      best = candidateText;
      return true;
    }
    return false;
  };
  for (let index = documents.length - 1; index >= 0; index--) {
    const candidate = documents.filter((_, i) => i !== index);
    if (await still(candidate)) documents = candidate;
  }
  // Then fields, deepest paths first is not needed: a top-down pass removes whole subtrees early.
  const pass = async (container: Record<string, unknown> | unknown[]) => {
    const keys = Array.isArray(container) ? container.map((_, i) => i).reverse() : Object.keys(container);
    for (const key of keys) {
      if (budget <= 0) return;
      const value = (container as Record<string | number, unknown>)[key];
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key as string];
      if (await still(documents)) continue;
      if (Array.isArray(container)) container.splice(key as number, 0, value);
      else container[key as string] = value;
      if (value !== null && typeof value === 'object') await pass(value as Record<string, unknown>);
    }
  };
  for (const document of documents) if (document !== null && typeof document === 'object') await pass(document as Record<string, unknown>);
  return best;
}

function saveFinding(directory: string, text: string, problem: Problem, signature: string, origin: string): string {
  mkdirSync(directory, { recursive: true });
  const id = createHash('sha256').update(signature).digest('hex').slice(0, 10);
  const base = `${problem.kind}-${id}`;
  writeFileSync(join(directory, `${base}.yaml`), text);
  const note = [
    `# ${problem.kind}: ${problem.message}`,
    '',
    `signature: ${signature}`,
    `found by: ${origin}`,
    problem.detail ? `where: ${problem.detail}` : '',
    '',
    `Reproduce: node -e "import('./build/src/fuzz/check.js').then(m => console.log(m.checkInput(require('fs').readFileSync('test/fuzz-findings/${base}.yaml', 'utf8'))))"`,
    `or: egc translate -f test/fuzz-findings/${base}.yaml`,
    '',
  ].filter((line, i, all) => line !== '' || all[i - 1] !== '');
  writeFileSync(join(directory, `${base}.md`), `${note.join('\n')}\n`);
  return join(directory, `${base}.yaml`);
}

export async function fuzz(options: FuzzOptions): Promise<FuzzStats> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 5000;
  const seeds = options.seeds;
  if (seeds.length === 0) throw new Error('no seeds: fixtures/*.yaml and the conformance inputs are missing');
  const vocabulary = buildVocabulary(seeds.map((s) => s.documents));
  const known = savedSignatures(options.findingsDir);
  const sandbox = new Sandbox(timeoutMs);
  const findings: SavedFinding[] = [];
  let repeats = 0;
  const started = Date.now();
  const deadline = started + options.seconds * 1000;
  let executions = 0;
  let nextReport = started + 10_000;
  try {
    for (let index = 0; Date.now() < deadline && executions < (options.maxExecutions ?? Infinity); index++) {
      const random = new Random(iterationSeed(options.seed, index));
      const seed = seeds[random.int(seeds.length)];
      const text = mutate(seed.documents, random, vocabulary);
      const outcome = await sandbox.run(text);
      executions++;
      if (Date.now() >= nextReport) {
        log(`fuzz: ${executions} executions, ${findings.length} new findings, ${Math.round((Date.now() - started) / 1000)} s`);
        nextReport += 10_000;
      }
      if (!outcome.problem) continue;
      const signature = signatureOf(outcome.problem);
      if (known.has(signature)) {
        repeats++;
        continue;
      }
      known.add(signature);
      const origin = `seed ${options.seed}, iteration ${index}, from ${seed.name}`;
      const reproducer = outcome.timedOut ? text : await shrink(text, signature, sandbox, 300);
      const file = saveFinding(options.findingsDir, reproducer, outcome.problem, signature, origin);
      findings.push({ file, problem: outcome.problem, signature });
      log(`fuzz: finding ${file}: ${outcome.problem.kind}: ${outcome.problem.message}`);
    }
  } finally {
    await sandbox.close();
  }
  return { executions, seconds: (Date.now() - started) / 1000, findings, repeats };
}
