import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RE2JS } from 're2js';
import { sameInJavaScript } from '../src/schema/cel-regex.js';
import { celRulesOf } from '../src/schema/cel.js';
import { celKindTables } from '../src/schema/generated/cel-rules.js';
import { seededRandom } from '../src/bench/generate.js';

// Texts mix what the engines could read differently: line terminators, non-ASCII letters,
// characters outside the BMP, and characters near the class ranges the patterns use.
const alphabet = ['a', 'z', 'A', 'Z', '0', '9', '_', '-', '.', '/', ':', '%', 'f', 'G', ' ', '\n', '\r', '\t', '\u2028', 'é', 'ß', 'K', '\u212A', '😀', '*', '(', ')', '@', '~', '$', '[', ']'];

function texts(next: () => number, count: number): string[] {
  const result = ['', 'a', '/', '%2F', '%zz', 'a\nb', 'é', '😀'];
  for (let i = 0; i < count; i++) {
    const length = Math.floor(next() * 8);
    let text = '';
    for (let j = 0; j < length; j++) text += alphabet[Math.floor(next() * alphabet.length)];
    result.push(text);
  }
  return result;
}

function searchesAlike(pattern: string, samples: readonly string[]): void {
  const re2 = RE2JS.compile(pattern);
  const native = new RegExp(pattern, 'u');
  for (const text of samples) {
    assert.equal(native.test(text), re2.matcher(text).find(), `${JSON.stringify(pattern)} on ${JSON.stringify(text)}`);
  }
}

/** Patterns from the subset's pieces, and a few pieces outside it, so both answers occur. */
function generatedPattern(next: () => number): string {
  const pieces = ['a', 'z', '0', '-', '/', '%', '_', ':', '\\.', '\\d', '\\w', '\\W', '[a-z]', '[^0-9]', '[-a]', '[a-]', '[A-Za-z0-9_]', '[%][0-9a-fA-F]', '(', ')', '(?:', '|', '^', '$', '*', '+', '?', '*?', '{2}', '{1,3}', '{2,}', '.', '\\s', '\\b', '[[:alpha:]]', '[]a]', '(?i)', '{', '}', 'é', '\\-', '\\#', '\\/', '[\\d]', '[\\s]', '[a\\-z]', '[\\.#]'];
  const length = 1 + Math.floor(next() * 8);
  let pattern = '';
  for (let i = 0; i < length; i++) pattern += pieces[Math.floor(next() * pieces.length)];
  return pattern;
}

describe('CEL matches() with native regular expressions', () => {
  it('accepts the patterns of the CRD rules that need no RE2-only syntax, and no flag or named group', () => {
    const patterns = new Set<string>();
    for (const kind of Object.keys(celKindTables)) {
      for (const rule of celRulesOf(kind)) for (const match of rule.rule.matchAll(/matches\(r?"""(.*?)"""\)|matches\(r?"(.*?)"\)/g)) patterns.add(match[1] ?? match[2]);
    }
    const accepted = [...patterns].filter(sameInJavaScript);
    // The HTTPRoute path, header and GRPC method patterns at least.
    assert.ok(accepted.length >= 3, `accepted ${accepted.length} of ${patterns.size}`);
    assert.equal(sameInJavaScript('^(?i)abc$'), false);
    const next = seededRandom(7);
    for (const pattern of accepted) searchesAlike(pattern, texts(next, 3000));
  });

  it('never takes a pattern RE2 refuses, and searches like RE2 on every pattern it takes', () => {
    const next = seededRandom(20261126);
    const samples = texts(next, 300);
    let taken = 0;
    let refused = 0;
    for (let i = 0; i < 20000; i++) {
      const pattern = generatedPattern(next);
      if (!sameInJavaScript(pattern)) {
        refused++;
        continue;
      }
      taken++;
      assert.doesNotThrow(() => RE2JS.compile(pattern), `RE2 refuses ${JSON.stringify(pattern)}`);
      searchesAlike(pattern, samples);
    }
    assert.ok(taken > 2000 && refused > 2000, `taken ${taken}, refused ${refused}`);
  });
});
