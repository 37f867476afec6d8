/** A mistake in how egc was called (exit code 2), as opposed to a problem in the input (exit 1). */
export class UsageError extends Error {}
