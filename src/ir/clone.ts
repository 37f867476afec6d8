/**
 * A deep copy of IR data: plain objects and arrays copied field by field, several times faster
 * than structuredClone (which serialises and deserialises). IR data is a tree, so an object
 * reached twice is copied twice and cycles are not expected. Anything else (a Map, a typed
 * array) is copied by structuredClone.
 */
export function cloneData<T>(value: T, sources?: WeakMap<object, unknown>): T {
  return copy(value, sources) as T;
}

/** `sources`: each copy of an object with an entry there gets the same entry (see TranslationContext.irSources). */
function copy(value: unknown, sources: WeakMap<object, unknown> | undefined): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const result: unknown[] = new Array(value.length);
    for (let index = 0; index < value.length; index++) result[index] = copy(value[index], sources);
    return result;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value);
  const result: Record<string, unknown> = {};
  for (const key in value) result[key] = copy((value as Record<string, unknown>)[key], sources);
  const source = sources?.get(value);
  if (source !== undefined) sources!.set(result, source);
  return result;
}

/**
 * An exact-size copy of an array built by push: a pushed-to array keeps room for 17 items,
 * and a large IR holds tens of thousands of one-item lists (destination settings, header
 * changes, status conditions) that would otherwise each carry that spare room.
 */
export function compact<T>(items: T[]): T[] {
  return items.slice();
}
