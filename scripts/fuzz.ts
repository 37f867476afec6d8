/**
 * egc's fuzzer: `npm run fuzz -- [--seconds N] [--seed S] [--findings DIR]`.
 * Mutates the fixtures and the conformance inputs, runs the whole pipeline on each mutant, and
 * saves each new crash, hang (over 5 s) or proto-check failure under test/fuzz-findings/.
 * Exits 1 when it found something new, so CI fails on a new finding.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSeeds } from '../src/fuzz/corpus.js';
import { fuzz } from '../src/fuzz/run.js';

// build/scripts/fuzz.js → the repository root.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseArgs(argv: string[]): { seconds: number; seed: number; findingsDir: string } {
  const args = { seconds: 60, seed: Date.now() % 2 ** 31, findingsDir: join(root, 'test', 'fuzz-findings') };
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
    else throw new Error(`unknown flag ${flag}; flags: --seconds N, --seed S, --findings DIR`);
  }
  if (!(args.seconds > 0) || !Number.isInteger(args.seed) || args.seed < 0) throw new Error('--seconds must be positive and --seed a non-negative integer');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const seeds = loadSeeds(root);
console.log(`fuzz: seed ${args.seed}, ${args.seconds} s, ${seeds.length} seeds`);
const stats = await fuzz({ ...args, seeds, log: (line) => console.log(line) });
console.log(`fuzz: ${stats.executions} executions in ${stats.seconds.toFixed(1)} s (${(stats.executions / stats.seconds).toFixed(1)}/s); ${stats.findings.length} new findings, ${stats.repeats} repeats of known ones`);
for (const finding of stats.findings) console.log(`  ${finding.file}: ${finding.problem.kind}: ${finding.problem.message}`);
process.exitCode = stats.findings.length > 0 ? 1 : 0;
