/**
 * IR durations are Go duration strings ("500ms", "1m30s", "24h0m0s"); Envoy's proto-JSON wants a
 * Duration: seconds with 0, 3, 6 or 9 fractional digits ("0.500s", "90s").
 */
const nanosPerUnit: Record<string, bigint> = {
  h: 3_600_000_000_000n,
  m: 60_000_000_000n,
  s: 1_000_000_000n,
  ms: 1_000_000n,
  us: 1_000n,
  µs: 1_000n,
  ns: 1n,
};

/** Nanoseconds of a Go duration, or undefined when the text is not one. */
export function goDurationNanos(text: string): bigint | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0n;
  const parts = [...trimmed.matchAll(/(\d+)(?:\.(\d+))?(h|ms|m|s|us|\u00b5s|ns)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== trimmed) return undefined;
  let total = 0n;
  for (const [, whole, fraction = '', unit] of parts) {
    const scale = nanosPerUnit[unit];
    total += BigInt(whole) * scale;
    if (fraction) total += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
  }
  return total;
}

/** A Go duration (or a number of seconds) as a proto-JSON Duration; undefined when absent or malformed. */
export function protoDuration(value: string | number | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const nanos = typeof value === 'number' ? BigInt(Math.round(value * 1e9)) : goDurationNanos(value);
  if (nanos === undefined) return undefined;
  const seconds = nanos / 1_000_000_000n;
  const fraction = nanos % 1_000_000_000n;
  if (fraction === 0n) return `${seconds}s`;
  let digits = fraction.toString().padStart(9, '0');
  if (digits.endsWith('000000')) digits = digits.slice(0, 3);
  else if (digits.endsWith('000')) digits = digits.slice(0, 6);
  return `${seconds}.${digits}s`;
}

/** Whole seconds of a Go duration (or a number of seconds), truncated; undefined when absent or malformed. */
export function wholeSeconds(value: string | number | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Math.trunc(value);
  const nanos = goDurationNanos(value);
  return nanos === undefined ? undefined : Number(nanos / 1_000_000_000n);
}
