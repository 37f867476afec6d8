/**
 * A deep comparison that stops at the first difference and says where it is, with a readable
 * path such as `xdsIR["envoy-gateway/gateway-1"].http[0].routes[2].destination.settings[0].weight`.
 * Both sides are expected to be normalised already (see normalize.ts): `undefined` is "absent".
 */
export type PathSegment = string | number;

export interface Difference {
  path: PathSegment[];
  expected: unknown;
  actual: unknown;
}

/** The first difference between `expected` and `actual`, walking keys in the expectation's order. */
export function firstDifference(expected: unknown, actual: unknown, path: PathSegment[] = []): Difference | undefined {
  if (expected === actual) return undefined;
  // Against an absent side, a non-empty list or mapping is reported by its first entry, so that
  // the path names it (`listeners["first-listener"]`) rather than the whole collection.
  if (actual === undefined && isNonEmpty(expected)) {
    const [key, value] = firstEntry(expected);
    return { path: [...path, key], expected: value, actual: undefined };
  }
  if (expected === undefined && isNonEmpty(actual)) {
    const [key, value] = firstEntry(actual);
    return { path: [...path, key], expected: undefined, actual: value };
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const shared = Math.min(expected.length, actual.length);
    for (let index = 0; index < shared; index++) {
      const found = firstDifference(expected[index], actual[index], [...path, index]);
      if (found) return found;
    }
    if (expected.length === actual.length) return undefined;
    const index = shared;
    return { path: [...path, index], expected: expected[index], actual: actual[index] };
  }
  if (isRecord(expected) && isRecord(actual)) {
    for (const key of Object.keys(expected)) {
      const found = firstDifference(expected[key], actual[key], [...path, key]);
      if (found) return found;
    }
    for (const key of Object.keys(actual)) {
      if (!(key in expected)) return { path: [...path, key], expected: undefined, actual: actual[key] };
    }
    return undefined;
  }
  return { path, expected, actual };
}

function firstEntry(collection: unknown): [PathSegment, unknown] {
  if (Array.isArray(collection)) return [0, collection[0]];
  const [key, value] = Object.entries(collection as Record<string, unknown>)[0];
  return [key, value];
}

function isNonEmpty(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : isRecord(value) && Object.keys(value).length > 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `a.b[0]["x/y"]`: identifiers after dots, indexes and other keys in brackets. */
export function formatDiffPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (identifier.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(root)' : out;
}

/** A value for a one-line message: JSON, cut to `limit` characters; absent shows as `(absent)`. */
export function formatValue(value: unknown, limit = 120): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

export function formatDifference(difference: Difference): string {
  return `${formatDiffPath(difference.path)}: expected ${formatValue(difference.expected)}, got ${formatValue(difference.actual)}`;
}
