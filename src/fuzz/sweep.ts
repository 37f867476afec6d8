/**
 * Systematic one-leaf mutations of the seeds, the fuzzer's deterministic counterpart: each string
 * under an object's body gets a line break, a NUL or a space added, or is emptied; each number
 * becomes -1, 0, 2^31-1 or 1.5. These found most of the input problems that once reached EGC5003
 * (a header value with a line break, an empty regex, a negative count). A sweep takes every
 * leaf, or only the first leaf of each field (of each kind), which covers the code the fields
 * reach in a few seconds.
 */
import type { Seed } from './corpus.js';
import { toYamlStream } from './mutate.js';

export interface SweepCase {
  seed: string;
  /** The document index, then the keys down to the leaf. */
  path: (string | number)[];
  mutation: string;
  text: string;
}

type Mutation = [name: string, change: (value: never) => string | number];

const stringMutations: Mutation[] = [
  ['CR/LF appended', (value: string) => `${value}\r\nx-injected: 1`],
  ['NUL appended', (value: string) => `${value}\0x`],
  ['space appended', (value: string) => `${value} x`],
  ['emptied', () => ''],
];
const numberMutations: Mutation[] = [
  ['-1', () => -1],
  ['0', () => 0],
  ['2^31-1', () => 2 ** 31 - 1],
  ['1.5', () => 1.5],
];

interface Leaf {
  path: (string | number)[];
  type: 'string' | 'number';
  /** The object's kind, the keys down to the leaf without list indices, and the leaf's type. */
  field: string;
}

/** The leaves of a seed's documents, metadata and status left out (the body is what egc translates). */
function leavesOf(documents: readonly unknown[]): Leaf[] {
  const leaves: Leaf[] = [];
  let kind = '';
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === 'string' || typeof value === 'number') {
      const type = typeof value as Leaf['type'];
      leaves.push({ path, type, field: `${kind}:${path.slice(1).filter((key) => typeof key === 'string').join('.')}:${type}` });
    } else if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index]));
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (path.length === 1 && ['apiVersion', 'kind', 'metadata', 'status'].includes(key)) continue;
        walk(item, [...path, key]);
      }
    }
  };
  documents.forEach((document, index) => {
    kind = String((document as { kind?: unknown } | null)?.kind ?? '');
    walk(document, [index]);
  });
  return leaves;
}

/** Every one-leaf mutation of the seeds in a fixed order, or with `eachField` those of the first leaf of each field. */
export function* sweepCases(seeds: readonly Seed[], options: { eachField?: boolean } = {}): Generator<SweepCase> {
  const seen = new Set<string>();
  for (const seed of seeds) {
    for (const { path, type, field } of leavesOf(seed.documents)) {
      if (options.eachField) {
        if (seen.has(field)) continue;
        seen.add(field);
      }
      const mutations = type === 'string' ? stringMutations : numberMutations;
      for (const [mutation, change] of mutations) {
        const copy = structuredClone(seed.documents);
        let parent: any = copy;
        for (const key of path.slice(0, -1)) parent = parent[key];
        const leaf = path[path.length - 1];
        parent[leaf] = change(parent[leaf] as never);
        yield { seed: seed.name, path, mutation, text: toYamlStream(copy) };
      }
    }
  }
}
