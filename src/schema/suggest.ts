/**
 * "Did you mean" for field names and enum values: the closest candidate by edit distance
 * (with adjacent transpositions), offered only when it is close enough to be a likely typo.
 */

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[rows - 1][cols - 1];
}

/** How many edits still count as a typo of a word this long. */
function tolerance(length: number): number {
  if (length <= 3) return 1;
  if (length <= 8) return 2;
  return 3;
}

/**
 * The candidate the user most likely meant by `value`, or undefined when none is close.
 * A case-only difference wins; then the smallest edit distance within tolerance; then a
 * single candidate that contains the value (`Prefix` → `PathPrefix`).
 */
export function closest(value: string, candidates: readonly string[]): string | undefined {
  const lower = value.toLowerCase();
  const sameIgnoringCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameIgnoringCase !== undefined) return sameIgnoringCase;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= tolerance(Math.min(value.length, best.length))) return best;
  if (value.length >= 3) {
    const containing = candidates.filter((c) => c.toLowerCase().includes(lower));
    if (containing.length === 1) return containing[0];
  }
  return undefined;
}
