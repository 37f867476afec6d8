/**
 * A fixed amount of memory-bound work, for telling how fast the machine's memory was during a
 * benchmark: egc's large runs spend most of their time waiting on memory (walking objects spread
 * over a heap far larger than the caches), and on a shared host that speed changes from minute
 * to minute with the neighbours' load, while Node's own start (`node -e 0`, nearly all
 * computation) barely moves. Run as a script (`node memory-probe.js`), it does the work and exits.
 */
import { pathToFileURL } from 'node:url';

interface ChainNode {
  next: ChainNode | null;
  value: number;
}

/**
 * Links `size` objects into one chain in a fixed pseudo-random order (so that each step lands
 * somewhere else in memory), walks it `passes` times and gives the number of steps taken.
 */
export function walkShuffledChain(size: number, passes: number): number {
  const nodes: ChainNode[] = new Array(size);
  for (let index = 0; index < size; index++) nodes[index] = { next: null, value: index };
  // Fisher-Yates with a fixed linear congruential generator: the same order on every run.
  const order = new Uint32Array(size);
  for (let index = 0; index < size; index++) order[index] = index;
  let seed = 1;
  for (let index = size - 1; index > 0; index--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const other = seed % (index + 1);
    const kept = order[index];
    order[index] = order[other];
    order[other] = kept;
  }
  for (let index = 0; index + 1 < size; index++) nodes[order[index]].next = nodes[order[index + 1]];
  let steps = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let node: ChainNode | null = nodes[order[0]]; node !== null; node = node.next) steps++;
  }
  return steps;
}

/** The benchmark's probe: half a million objects (about 16 MB), walked four times. */
export const probeSize = 1 << 19;
export const probePasses = 4;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const steps = walkShuffledChain(probeSize, probePasses);
  if (steps !== probeSize * probePasses) throw new Error(`memory probe took ${steps} steps, expected ${probeSize * probePasses}`);
}
