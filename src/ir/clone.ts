/**
 * A deep copy of IR data as structuredClone makes it (references shared within the value, and
 * cycles, stay shared in the copy), several times faster for the plain objects and arrays the
 * IR is made of: structuredClone serialises and deserialises. Anything else (a Map, a typed
 * array) is copied by structuredClone.
 */
export function cloneData<T>(value: T): T {
  return copy(value, new Map()) as T;
}

function copy(value: unknown, copies: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const known = copies.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const result: unknown[] = new Array(value.length);
    copies.set(value, result);
    for (let index = 0; index < value.length; index++) result[index] = copy(value[index], copies);
    return result;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    const result = structuredClone(value);
    copies.set(value, result);
    return result;
  }
  const result: Record<string, unknown> = {};
  copies.set(value, result);
  for (const key in value) result[key] = copy((value as Record<string, unknown>)[key], copies);
  return result;
}
