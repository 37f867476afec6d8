/**
 * The order of `String.prototype.localeCompare` (ICU's root collation), without ICU for ASCII
 * text. The first localeCompare of a process loads ICU's collator, ~8 ms: 6% of a short run, and
 * egc sorts objects, files and diagnostics in every run. Text with a character above ASCII is
 * still compared by localeCompare. test/collate.test.ts checks the two agree.
 */

/**
 * ASCII characters in root collation order; a letter and its capital share a primary weight.
 * The control characters missing here (all but tab to carriage return) are ignored.
 */
const rootOrder = '\t\n\v\f\r _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ';

/** Primary weight by character code, 0 for ignored characters. */
const primary = new Uint8Array(128);
/** Capitals weigh more than small letters at the third level (the second is for accents). */
const capital = new Uint8Array(128);
{
  let weight = 0;
  for (const char of rootOrder) {
    const code = char.charCodeAt(0);
    const isCapital = char >= 'A' && char <= 'Z';
    if (!isCapital) weight++;
    primary[code] = weight;
    capital[code] = isCapital ? 1 : 0;
  }
}

function isAsciiFrom(text: string, start: number): boolean {
  for (let index = start; index < text.length; index++) if (text.charCodeAt(index) > 0x7f) return false;
  return true;
}

/** Negative, zero or positive as `a` sorts before, with or after `b` (the signs of localeCompare). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  // Without contractions, as in ASCII, a common start weighs the same on every level: the order
  // is that of what follows it. Sorted names mostly differ near their end.
  const common = Math.min(a.length, b.length);
  let start = 0;
  for (; start < common; start++) {
    const code = a.charCodeAt(start);
    if (code !== b.charCodeAt(start)) break;
    if (code > 0x7f) return a.localeCompare(b);
  }
  if (!isAsciiFrom(a, start) || !isAsciiFrom(b, start)) return a.localeCompare(b);
  // First level: the characters' primary weights in order, ignored characters skipped. The
  // case of the first letter that differs only in case decides between equal ones.
  let caseOrder = 0;
  let i = start;
  let j = start;
  for (;;) {
    while (i < a.length && primary[a.charCodeAt(i)] === 0) i++;
    while (j < b.length && primary[b.charCodeAt(j)] === 0) j++;
    if (i === a.length || j === b.length) break;
    const codeA = a.charCodeAt(i++);
    const codeB = b.charCodeAt(j++);
    const difference = primary[codeA] - primary[codeB];
    if (difference !== 0) return difference < 0 ? -1 : 1;
    if (caseOrder === 0) caseOrder = capital[codeA] - capital[codeB];
  }
  // One ran out: the one with weighed characters left sorts after.
  if (i < a.length) return 1;
  if (j < b.length) return -1;
  return caseOrder;
}
