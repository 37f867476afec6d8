import { codes } from '../diagnostics/codes.js';

/** A mistake in how egc was called (exit code 2), as opposed to a problem in the input (exit 1). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly code: string = codes.usage,
  ) {
    super(message);
  }
}

/** An option value that must be one of a fixed set. */
export function choice<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}; got \`${value}\``);
  return value as T;
}

/** Commander collector for a repeatable option. */
export function collect(value: string, all: string[]): string[] {
  return [...all, value];
}
