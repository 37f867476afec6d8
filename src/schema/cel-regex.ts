/**
 * CEL's `matches()` searches with RE2. For a pattern in the RE2 subset of re2/subset.ts that
 * uses none of the features whose meaning differs, JavaScript's own RegExp (with the `u` flag,
 * so it reads code points as RE2 does) finds exactly the same matches, many times faster than
 * re2js, which interprets the pattern in JavaScript. Left out: `.` (RE2 excludes only `\n`,
 * JavaScript all line terminators), `\s` (Unicode spaces in JavaScript), and escaped punctuation
 * that is not syntax (an error with the `u` flag). Texts with unpaired surrogates, which the two
 * engines read differently, are left to re2js by the caller.
 */
import { re2Subset } from '../re2/subset.js';

/** Whether `pattern` reads the same in RE2 and in JavaScript (`u` flag). */
export function sameInJavaScript(pattern: string): boolean {
  const features = re2Subset(pattern);
  return features !== undefined && !features.dot && !features.spaceClass && !features.plainPunctuationEscape;
}
