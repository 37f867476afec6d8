import { parse } from 'yaml';
import type { Xds } from './types.js';

/**
 * IR written by hand (and the reference's test IR) may spell keys in any case, because the
 * reference reads IR with Go's case-insensitive JSON field matching. These are the spellings
 * that differ from ours by more than the first letter.
 */
const keyAliases: Record<string, string> = {
  accesslog: 'accessLog',
  cacertificate: 'caCertificate',
  sni: 'sni',
};

function canonicalKey(key: string): string {
  const alias = keyAliases[key.toLowerCase()];
  if (alias && key !== alias) return alias;
  return /^[A-Z][a-z]/.test(key) ? key[0].toLowerCase() + key.slice(1) : key;
}

function canonicalize(value: unknown, insideFreeForm: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => canonicalize(item, insideFreeForm));
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Maps of user data (labels, JSON log fields, custom tags) keep their keys as written.
    const freeForm = insideFreeForm || key === 'json' || key === 'labels' || key === 'annotations' || key === 'customTags';
    result[insideFreeForm ? key : canonicalKey(key)] = canonicalize(item, freeForm);
  }
  return result;
}

/** Reads one xds IR from YAML, folding key spellings to ours. */
export function parseXdsIR(text: string): Xds {
  return (canonicalize(parse(text) ?? {}, false) ?? {}) as Xds;
}

export function canonicalizeIR<T>(value: T): T {
  return canonicalize(value, false) as T;
}
