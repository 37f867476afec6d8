/**
 * egc's fuzzer: `npm run fuzz -- [--seconds N] [--seed S] [--findings DIR]`.
 * Mutates the fixtures and the conformance inputs, runs the whole pipeline on each mutant, and
 * saves each new crash, hang (over 5 s) or proto-check failure under test/fuzz-findings/.
 * Exits 1 when it found something new, so CI fails on a new finding.
 *
 * `npm run fuzz -- --sweep [--each-field]` runs the one-leaf sweeps instead (src/fuzz/sweep.ts),
 * on every leaf or on the first of each field, and prints each distinct problem once; exits 1 on any.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkInput, signatureOf } from '../src/fuzz/check.js';
import { loadSeeds } from '../src/fuzz/corpus.js';
import { fuzz } from '../src/fuzz/run.js';
import { sweepCases } from '../src/fuzz/sweep.js';

// build/scripts/fuzz.js → the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseArgs(argv: string[]): { seconds: number; seed: number; findingsDir: string; sweep: boolean; eachField: boolean } {
  const args = { seconds: 60, seed: Date.now() % 2 ** 31, findingsDir: join(root, 'test', 'fuzz-findings'), sweep: false, eachField: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--seconds') args.seconds = Number(value());
    else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--findings') args.findingsDir = value();
    else if (flag === '--sweep') args.sweep = true;
    else if (flag === '--each-field') args.eachField = true;
    else throw new Error(`unknown flag ${flag}; flags: --seconds N, --seed S, --findings DIR, --sweep, --each-field`);
  }
  if (!(args.seconds > 0) || !Number.isInteger(args.seed) || args.seed < 0) throw new Error('--seconds must be positive and --seed a non-negative integer');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const seeds = loadSeeds(root);
if (args.sweep) {
  const started = Date.now();
  const signatures = new Set<string>();
  let runs = 0;
  for (const sweepCase of sweepCases(seeds, { eachField: args.eachField })) {
    runs++;
    const problem = checkInput(sweepCase.text, `${sweepCase.seed}.yaml`);
    if (!problem || signatures.has(signatureOf(problem))) continue;
    signatures.add(signatureOf(problem));
    console.log(`${sweepCase.seed} ${sweepCase.path.join('.')} ${sweepCase.mutation}: ${problem.kind}: ${problem.message}`);
  }
  console.log(`sweep: ${runs} mutations of ${seeds.length} seeds in ${((Date.now() - started) / 1000).toFixed(1)} s; ${signatures.size} distinct problems`);
  process.exitCode = signatures.size > 0 ? 1 : 0;
} else {
  console.log(`fuzz: seed ${args.seed}, ${args.seconds} s, ${seeds.length} seeds`);
  const stats = await fuzz({ ...args, seeds, log: (line) => console.log(line) });
  console.log(`fuzz: ${stats.executions} executions in ${stats.seconds.toFixed(1)} s (${(stats.executions / stats.seconds).toFixed(1)}/s); ${stats.findings.length} new findings, ${stats.repeats} repeats of known ones`);
  for (const finding of stats.findings) console.log(`  ${finding.file}: ${finding.problem.kind}: ${finding.problem.message}`);
  process.exitCode = stats.findings.length > 0 ? 1 : 0;
}
