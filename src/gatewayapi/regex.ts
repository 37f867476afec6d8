/**
 * Regex validation for patterns Envoy will compile with RE2. JavaScript's RegExp accepts a
 * superset in some places and rejects RE2 syntax in others, so RE2-only constructs are checked
 * first; the messages follow Go's regexp package, whose wording the reference's statuses carry.
 */
const repetitionAtStart = /^[*+?]|^\{\d/;
const unsupportedByRE2 = /\(\?<?[=!]|\\[1-9]/;

/** A Go-style error message for an invalid pattern, or undefined when it is valid. */
export function validateRegex(pattern: string): string | undefined {
  const leading = repetitionAtStart.exec(pattern);
  if (leading) return `error parsing regexp: missing argument to repetition operator: \`${leading[0]}\``;
  if (unsupportedByRE2.test(pattern)) return 'error parsing regexp: invalid or unsupported Perl syntax';
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `error parsing regexp: ${(error as Error).message}`;
  }
  return undefined;
}
