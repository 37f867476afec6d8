/**
 * A conservative subset of RE2 syntax, recognised by one pass over a pattern without compiling
 * it: every pattern in the subset is valid RE2 by construction (tests check each accepted
 * pattern against re2js). Callers use it to skip re2js where it is slow: validating a route's
 * regex (gatewayapi/regex.ts) and, for patterns without the features JavaScript reads
 * differently, searching with a native RegExp (schema/cel-regex.ts). requiredPrefix, for any
 * pattern, gives the literal text its matches start with.
 *
 * The subset: printable ASCII literals, escaped punctuation, `\d \s \w` and their negations,
 * `.`, `^`, `$`, bracket classes of plain characters, escapes, Perl classes and ascending
 * ranges, groups `( )` and `(?: )`, alternation, one `*`, `+` or `?` (optionally lazy) after a
 * literal, class, `.` or group, and at most one small counted repeat (`{n}`, `{n,}`, `{n,m}`,
 * n and m below 100). Everything else (flags, Unicode classes, named groups, letter escapes,
 * POSIX classes, long patterns, anything malformed) is outside.
 */

/** What a pattern of the subset uses among the things some readers treat specially. */
export interface SubsetFeatures {
  /** `.` outside a class. */
  dot: boolean;
  /** `\s` or `\S`, in or out of a class. */
  spaceClass: boolean;
  /** An escaped punctuation character that is not regex syntax (`\#`; `\-` outside a class). */
  plainPunctuationEscape: boolean;
  countedRepeat: boolean;
}

/** Longest pattern taken: far below RE2's size and nesting limits. */
const maxLength = 256;

const backslash = 0x5c;
const dot = 0x2e;
const star = 0x2a;
const plus = 0x2b;
const question = 0x3f;
const pipe = 0x7c;
const openParen = 0x28;
const closeParen = 0x29;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const caret = 0x5e;
const dollar = 0x24;
const dash = 0x2d;
const colon = 0x3a;
const letterQ = 0x51;

/** Printable ASCII other than the characters RE2 gives a meaning to outside a class. */
function isPlainLiteral(c: number): boolean {
  if (c < 0x20 || c > 0x7e) return false;
  switch (c) {
    case backslash: case dot: case star: case plus: case question: case pipe:
    case openParen: case closeParen: case openBracket: case closeBracket:
    case caret: case dollar: case openBrace: case closeBrace:
      return false;
    default:
      return true;
  }
}

function isAsciiAlphanumeric(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** `\d \D \s \S \w \W`: Perl classes, valid inside and outside a bracket class. */
function isPerlClassLetter(c: number): boolean {
  return c === 0x64 || c === 0x44 || c === 0x73 || c === 0x53 || c === 0x77 || c === 0x57;
}

function isSpaceClassLetter(c: number): boolean {
  return c === 0x73 || c === 0x53;
}

/** An escaped printable ASCII punctuation character, which RE2 (like Go) takes literally. */
function isEscapablePunctuation(c: number): boolean {
  return c >= 0x21 && c <= 0x7e && !isAsciiAlphanumeric(c);
}

/** Punctuation that is regex syntax, and so has a meaning escaped in every engine. */
const syntaxCharacters = new Set('^$\\.*+?()[]{}|/'.split('').map((char) => char.charCodeAt(0)));

/** The features of `pattern` when it is in the subset; undefined when it is not. */
export function re2Subset(pattern: string): SubsetFeatures | undefined {
  const length = pattern.length;
  if (length > maxLength) return undefined;
  const features: SubsetFeatures = { dot: false, spaceClass: false, plainPunctuationEscape: false, countedRepeat: false };
  let depth = 0;
  // Whether the previous item may take a repetition operator.
  let repeatable = false;
  let index = 0;
  while (index < length) {
    const c = pattern.charCodeAt(index);
    switch (c) {
      case star:
      case plus:
      case question:
      case openBrace: {
        if (!repeatable) return undefined;
        if (c === openBrace) {
          const repeat = /^\{(\d{1,2})(,(\d{1,2})?)?\}/.exec(pattern.slice(index));
          if (!repeat || features.countedRepeat || (repeat[3] !== undefined && Number(repeat[3]) < Number(repeat[1]))) return undefined;
          features.countedRepeat = true;
          index += repeat[0].length;
        } else index++;
        if (index < length && pattern.charCodeAt(index) === question) index++;
        repeatable = false;
        continue;
      }
      case pipe:
      case caret:
      case dollar:
        repeatable = false;
        index++;
        continue;
      case openParen:
        if (pattern.charCodeAt(index + 1) === question) {
          if (pattern.charCodeAt(index + 2) !== colon) return undefined;
          index += 3;
        } else {
          index++;
        }
        depth++;
        repeatable = false;
        continue;
      case closeParen:
        if (depth === 0) return undefined;
        depth--;
        repeatable = true;
        index++;
        continue;
      case openBracket: {
        const end = classEnd(pattern, index + 1, features);
        if (end < 0) return undefined;
        index = end;
        repeatable = true;
        continue;
      }
      case backslash: {
        const next = pattern.charCodeAt(index + 1);
        if (isPerlClassLetter(next)) features.spaceClass ||= isSpaceClassLetter(next);
        else if (isEscapablePunctuation(next)) features.plainPunctuationEscape ||= !syntaxCharacters.has(next);
        else return undefined;
        index += 2;
        repeatable = true;
        continue;
      }
      case dot:
        features.dot = true;
        repeatable = true;
        index++;
        continue;
      default:
        if (!isPlainLiteral(c)) return undefined;
        repeatable = true;
        index++;
    }
  }
  return depth === 0 ? features : undefined;
}

/**
 * The index after the `]` closing a bracket class whose body starts at `start` (after the `[`),
 * or -1 when the class is outside the subset: a body of plain characters, escaped punctuation,
 * Perl classes and ascending ranges; `-` only as a range operator or at either end; no `[`
 * (POSIX classes) and no `]` first.
 */
function classEnd(pattern: string, start: number, features: SubsetFeatures): number {
  let index = start;
  if (pattern.charCodeAt(index) === caret) index++;
  const bodyStart = index;
  // The last single character read, a possible range start; -1 after a range or Perl class.
  let previous = -1;
  while (index < pattern.length) {
    const c = pattern.charCodeAt(index);
    if (c === closeBracket) return index === bodyStart ? -1 : index + 1;
    if (c === openBracket || c < 0x20 || c > 0x7e) return -1;
    if (c === dash) {
      const atEnd = pattern.charCodeAt(index + 1) === closeBracket;
      if (index === bodyStart || atEnd) {
        previous = -1;
        index++;
        continue;
      }
      if (previous < 0) return -1;
      const high = classCharacter(pattern, index + 1, features);
      if (high === undefined || high.char < previous) return -1;
      index = high.next;
      previous = -1;
      continue;
    }
    if (c === backslash) {
      const next = pattern.charCodeAt(index + 1);
      if (isPerlClassLetter(next)) {
        features.spaceClass ||= isSpaceClassLetter(next);
        previous = -1;
        index += 2;
        continue;
      }
    }
    const single = classCharacter(pattern, index, features);
    if (single === undefined) return -1;
    previous = single.char;
    index = single.next;
  }
  return -1;
}

/** A single class character at `index`, plain or escaped punctuation (not `-`, `[`, `]`). */
function classCharacter(pattern: string, index: number, features: SubsetFeatures): { char: number; next: number } | undefined {
  const c = pattern.charCodeAt(index);
  if (c === backslash) {
    const next = pattern.charCodeAt(index + 1);
    if (!isEscapablePunctuation(next)) return undefined;
    // In a class, `\-` is syntax too.
    features.plainPunctuationEscape ||= !syntaxCharacters.has(next) && next !== dash;
    return { char: next, next: index + 2 };
  }
  if (c < 0x20 || c > 0x7e || c === dash || c === openBracket || c === closeBracket) return undefined;
  return { char: c, next: index + 1 };
}

/**
 * Literal text every full match of `pattern` starts with: its leading plain characters, less
 * the last one when a repetition operator follows it; nothing when the pattern has a top-level
 * alternative (`a|b`), which may start otherwise.
 */
export function requiredPrefix(pattern: string): string {
  let end = 0;
  while (end < pattern.length && isPlainLiteral(pattern.charCodeAt(end))) end++;
  if (end === 0) return '';
  const next = pattern.charCodeAt(end);
  if (next === star || next === plus || next === question || next === openBrace) end--;
  return hasTopLevelAlternative(pattern) ? '' : pattern.slice(0, end);
}

/** Whether a `|` outside any group or class may split the pattern (any `\Q` quoting counts). */
function hasTopLevelAlternative(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const c = pattern.charCodeAt(index);
    if (c === backslash) {
      // Inside \Q...\E brackets and parentheses are literal: no telling without parsing.
      if (pattern.charCodeAt(++index) === letterQ) return true;
    } else if (inClass) inClass = c !== closeBracket;
    else if (c === openBracket) inClass = true;
    else if (c === openParen) depth++;
    else if (c === closeParen) depth--;
    else if (c === pipe && depth <= 0) return true;
  }
  return false;
}
