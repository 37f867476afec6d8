/**
 * CEL's `matches()` searches with RE2. For patterns written in a small subset of the syntax,
 * JavaScript's own RegExp (with the `u` flag, so it reads code points as RE2 does) finds
 * exactly the same matches, many times faster than re2js, which interprets the pattern in
 * JavaScript. The subset leaves out everything whose meaning differs between the two: `.` (RE2
 * excludes only `\n`, JavaScript all line terminators), `\s` and `\b` (Unicode in JavaScript),
 * flags, named groups, backreferences and lookaround (JavaScript only), POSIX classes (RE2
 * only), and large repeat counts (an error in RE2). Texts with unpaired surrogates, which the two
 * engines read differently, are left to re2js by the caller.
 */

/** Characters that may follow a backslash: the same literal character in both. */
const escapable = new Set('^$\\.*+?()[]{}|/'.split(''));

/** A literal outside a class: printable ASCII that is not syntax in either engine. */
function isPlainLiteral(char: string): boolean {
  return /^[A-Za-z0-9 !"#%&',\-/:;<=>@_`~]$/.test(char);
}

/** Whether `pattern` reads the same in RE2 and in JavaScript (`u` flag), as far as this check can tell. */
export function sameInJavaScript(pattern: string): boolean {
  let depth = 0;
  let countedRepeats = 0;
  // Whether a quantifier may follow: after an atom or a group, not at a start or after `|`.
  let quantifiable = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      const next = pattern[++i];
      if (next === undefined || !(escapable.has(next) || next === 'd' || next === 'D' || next === 'w' || next === 'W')) return false;
      quantifiable = true;
    } else if (char === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) return false;
      i = end;
      quantifiable = true;
    } else if (char === '(') {
      if (pattern[i + 1] === '?') {
        if (pattern[i + 2] !== ':') return false;
        i += 2;
      }
      depth++;
      quantifiable = false;
    } else if (char === ')') {
      if (depth === 0) return false;
      depth--;
      quantifiable = true;
    } else if (char === '|') quantifiable = false;
    else if (char === '^' || char === '$') quantifiable = false;
    else if (char === '*' || char === '+' || char === '?' || char === '{') {
      if (!quantifiable) return false;
      if (char === '{') {
        // One small count per pattern: RE2 refuses programs that repeats make too large.
        const repeat = /^\{(\d{1,2})(,(\d{1,2})?)?\}/.exec(pattern.slice(i));
        if (!repeat || countedRepeats++ > 0 || (repeat[3] !== undefined && Number(repeat[3]) < Number(repeat[1]))) return false;
        i += repeat[0].length - 1;
      }
      if (pattern[i + 1] === '?') i++;
      quantifiable = false;
    } else if (isPlainLiteral(char)) quantifiable = true;
    else return false;
  }
  return depth === 0;
}

/**
 * The index of the `]` closing the class that opens at `start`, or -1 when the class is outside
 * the subset: only literals, escapes and ascending ranges of them; no `[` inside (a POSIX class
 * in RE2), and no `]` first (a literal in RE2, an empty class in JavaScript).
 */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') return -1;
  let previous: string | undefined;
  for (; i < pattern.length; i++) {
    let char = pattern[i];
    if (char === ']') return i;
    if (char === '[') return -1;
    if (char === '\\') {
      const next = pattern[++i];
      if (next === undefined || !(escapable.has(next) || next === '-')) return -1;
      char = next;
    } else if (char === '-' && previous === undefined && i > start + 1 && pattern[i - 1] !== '^' && pattern[i + 1] !== ']') {
      // A `-` right after a range (`[a-z-0]`): the engines disagree.
      return -1;
    } else if (char === '-' && previous !== undefined && pattern[i + 1] !== ']') {
      let high = pattern[++i];
      if (high === '\\') {
        high = pattern[++i];
        if (high === undefined || !(escapable.has(high) || high === '-')) return -1;
      } else if (high === undefined || high === '[' || high === ']') return -1;
      if (high < previous || high.charCodeAt(0) > 0x7e) return -1;
      previous = undefined;
      continue;
    } else if (char.charCodeAt(0) < 0x20 || char.charCodeAt(0) > 0x7e) return -1;
    previous = char;
  }
  return -1;
}
