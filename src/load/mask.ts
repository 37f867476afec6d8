import { isMap, isPair, isScalar, type Node } from 'yaml';
import type { KubeObject } from './resource.js';
import { sourceOf } from './source.js';

/** The Secret fields whose values are credentials (TLS keys, client secrets, htpasswd files). */
const secretFields = ['data', 'stringData'];

/**
 * The text with the values under each Secret's `data` and `stringData` replaced by `*`, keeping
 * line breaks, so code frames keep their positions but never show a credential.
 */
export function maskSecretValues(text: string, objects: readonly KubeObject[]): string {
  const ranges: [number, number][] = [];
  for (const object of objects) {
    if (object.kind !== 'Secret') continue;
    const contents = sourceOf(object)?.document?.contents;
    if (!isMap(contents)) continue;
    for (const pair of contents.items) {
      if (!isPair(pair) || !isScalar(pair.key) || !secretFields.includes(String(pair.key.value))) continue;
      if (!isMap(pair.value)) continue;
      for (const entry of pair.value.items) {
        const range = isPair(entry) ? (entry.value as Node | null)?.range : undefined;
        if (range) ranges.push([range[0], range[1]]);
      }
    }
  }
  if (ranges.length === 0) return text;
  const chars = text.split('');
  for (const [start, end] of ranges) {
    for (let index = start; index < end && index < chars.length; index++) {
      if (chars[index] !== '\n' && chars[index] !== '\r') chars[index] = '*';
    }
  }
  return chars.join('');
}
