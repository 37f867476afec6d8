/**
 * Structure-aware mutation of Kubernetes documents: drop, duplicate, retype and rename fields
 * and documents, graft values seen under the same key elsewhere in the corpus, point references
 * at other objects (cycles, self-references), and now and then damage the YAML text itself.
 */
import { stringify } from 'yaml';
import type { Random } from './random.js';

type Container = Record<string, unknown> | unknown[];

interface Slot {
  container: Container;
  key: string | number;
}

/** Values that break assumptions: wrong types, bounds, separators, injection attempts. */
const oddValues: readonly unknown[] = [
  null,
  0,
  -1,
  65535,
  65536,
  4294967296,
  1.5,
  1e308,
  -1e308,
  '',
  ' ',
  '*',
  '.*',
  '*.',
  '(?=x)',
  '[',
  '\\',
  '/',
  '//',
  'no-slash',
  '/a/../b',
  '/%2F',
  'x\r\nX-Injected: 1',
  'a\u0000b',
  '\u{1F600}',
  'A'.repeat(300),
  'a'.repeat(70),
  'x'.repeat(5000),
  '0.0.0.0',
  '::',
  '127.0.0.1',
  '256.1.1.1',
  '*.example.com',
  '*.*.com',
  '-bad-.com',
  '80',
  '1ms',
  '0s',
  '99999h',
  'default',
  'gateway-1',
  'envoy-gateway',
  'Gateway',
  'HTTPRoute',
  'Exact',
  'PathPrefix',
  'RegularExpression',
  true,
  false,
  [],
  {},
  [null],
  [{}],
  { name: 'x' },
];

/** Field names that often hold object references. */
const referenceKeys = new Set(['name', 'namespace', 'sectionName', 'kind', 'group']);

/** Values grafted by key: every value the corpus holds under each key. */
export type Vocabulary = Map<string, unknown[]>;

export function buildVocabulary(documentSets: readonly (readonly unknown[])[]): Vocabulary {
  const vocabulary: Vocabulary = new Map();
  const visit = (value: unknown, depth: number) => {
    if (depth > 40 || value === null || typeof value !== 'object') return;
    const entries = Array.isArray(value) ? value.map((v) => ['', v] as const) : Object.entries(value);
    for (const [key, item] of entries) {
      if (key !== '') {
        let list = vocabulary.get(key);
        if (!list) vocabulary.set(key, (list = []));
        if (list.length < 200) list.push(item);
      }
      visit(item, depth + 1);
    }
  };
  for (const documents of documentSets) for (const document of documents) visit(document, 0);
  return vocabulary;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Every field and list item in the document, depth-first; the root is not a slot. */
function slotsOf(root: unknown): Slot[] {
  const slots: Slot[] = [];
  const walk = (value: unknown, depth: number) => {
    if (depth > 40 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        slots.push({ container: value, key: index });
        walk(item, depth + 1);
      });
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      slots.push({ container: value as Record<string, unknown>, key });
      walk(item, depth + 1);
    }
  };
  walk(root, 0);
  return slots;
}

function get(slot: Slot): unknown {
  return (slot.container as Record<string | number, unknown>)[slot.key];
}

function set(slot: Slot, value: unknown): void {
  (slot.container as Record<string | number, unknown>)[slot.key] = value;
}

function remove(slot: Slot): void {
  if (Array.isArray(slot.container)) slot.container.splice(slot.key as number, 1);
  else delete slot.container[slot.key as string];
}

function renamedKey(key: string, random: Random, vocabulary: Vocabulary): string {
  switch (random.int(5)) {
    case 0:
      return key.toUpperCase();
    case 1:
      return `${key}s`;
    case 2:
      return key.slice(0, Math.max(1, key.length - 1));
    case 3:
      return random.pick([...vocabulary.keys()]);
    default:
      return `${key}_`;
  }
}

function namesOf(documents: readonly unknown[]): string[] {
  return documents
    .map((d) => (d as { metadata?: { name?: unknown } })?.metadata?.name)
    .filter((name): name is string => typeof name === 'string');
}

/** One structural change to one field of a document. */
function mutateField(document: unknown, documents: unknown[], random: Random, vocabulary: Vocabulary): void {
  const slots = slotsOf(document);
  if (slots.length === 0) return;
  const slot = random.pick(slots);
  const value = get(slot);
  switch (random.int(8)) {
    case 0:
      remove(slot);
      return;
    case 1: {
      // Duplicate: a list item twice, or a field under a second, similar name.
      if (Array.isArray(slot.container)) slot.container.splice(slot.key as number, 0, clone(value));
      else slot.container[renamedKey(String(slot.key), random, vocabulary)] = clone(value);
      return;
    }
    case 2:
    case 3:
      set(slot, clone(random.pick(oddValues)));
      return;
    case 4: {
      // Retype the value itself: wrap it, unwrap it, or turn it into a string.
      if (Array.isArray(value) && value.length > 0) set(slot, clone(value[0]));
      else if (value !== null && typeof value === 'object') set(slot, [clone(value)]);
      else if (typeof value === 'number') set(slot, random.chance(0.5) ? String(value) : -value);
      else if (typeof value === 'string') set(slot, random.chance(0.5) ? Number(value.length) : [value]);
      else set(slot, String(value));
      return;
    }
    case 5: {
      if (Array.isArray(slot.container)) return;
      const renamed = renamedKey(String(slot.key), random, vocabulary);
      delete slot.container[slot.key as string];
      slot.container[renamed] = value;
      return;
    }
    case 6: {
      // Graft a value the corpus has under the same key.
      const candidates = vocabulary.get(String(slot.key));
      if (candidates?.length) set(slot, clone(random.pick(candidates)));
      return;
    }
    default: {
      // Point a reference at another object, or at the document itself.
      const names = namesOf(documents);
      if (names.length > 0 && referenceKeys.has(String(slot.key)) && typeof value === 'string') set(slot, random.pick(names));
      else if (typeof value === 'number') set(slot, random.pick([0, -1, 65536, value + 1, 2 ** 31]));
      else set(slot, clone(random.pick(oddValues)));
    }
  }
}

/** One change to the list of documents as a whole. */
function mutateDocuments(documents: unknown[], random: Random): void {
  if (documents.length === 0) return;
  const index = random.int(documents.length);
  switch (random.int(4)) {
    case 0:
      documents.splice(index, 1);
      return;
    case 1:
      documents.splice(index, 0, clone(documents[index]));
      return;
    case 2: {
      // A copy under a new name: many objects of a kind, competing for the same parents.
      const copy = clone(documents[index]) as { metadata?: { name?: unknown } } | null;
      if (copy?.metadata && typeof copy.metadata === 'object') copy.metadata.name = `${String(copy.metadata.name)}-copy`;
      documents.push(copy);
      return;
    }
    default: {
      const other = random.int(documents.length);
      [documents[index], documents[other]] = [documents[other], documents[index]];
    }
  }
}

/** Byte-level damage to the YAML text: what a bad editor, a truncated copy or a bad merge leaves. */
function mutateText(text: string, random: Random): string {
  const lines = text.split('\n');
  const at = random.int(Math.max(1, lines.length));
  switch (random.int(6)) {
    case 0:
      return text.slice(0, random.int(text.length + 1));
    case 1:
      lines.splice(at, 1);
      break;
    case 2:
      lines.splice(at, 0, lines[at] ?? '');
      break;
    case 3:
      lines[at] = `\t${lines[at] ?? ''}`;
      break;
    case 4:
      lines[at] = `${lines[at] ?? ''}${random.pick([' "', " '", ' &a', ' *a', ' !!binary', ' {', ' [', ': x', ' # ', '\r', '\u0000', '\uFEFF'])}`;
      break;
    default:
      lines[at] = ` ${lines[at] ?? ''}`;
  }
  return lines.join('\n');
}

export function toYamlStream(documents: readonly unknown[]): string {
  return documents.map((document) => stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/** A mutated copy of the seed's documents as YAML text: 1 to 4 structural changes, sometimes text damage. */
export function mutate(seedDocuments: readonly unknown[], random: Random, vocabulary: Vocabulary): string {
  const documents = clone([...seedDocuments]);
  const changes = 1 + random.int(4);
  for (let i = 0; i < changes; i++) {
    if (random.chance(0.15)) mutateDocuments(documents, random);
    else if (documents.length > 0) mutateField(random.pick(documents), documents, random, vocabulary);
  }
  const text = toYamlStream(documents);
  return random.chance(0.1) ? mutateText(text, random) : text;
}
