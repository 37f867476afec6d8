// The regex shortcuts of src/gatewayapi/regex.ts, checked against re2js itself (the validator
// they stand in for): the syntactic subset must never call a pattern valid that re2js refuses,
// and the literal start used to skip shadow probes must begin every string the pattern matches.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RE2JS } from 're2js';
import { isSimpleValidRegex, validateRegex } from '../src/gatewayapi/regex.js';
import { requiredPrefix } from '../src/re2/subset.js';
import { seededRandom } from '../src/bench/generate.js';

/** Pieces of RE2 syntax, valid and not, glued at random into patterns of up to 12 pieces. */
const pieces = [
  'a', 'b', '/', '1', '-', '_', ' ', '#', ':', '.', '*', '+', '?', '|', '(', ')', '(?:', '(?i)', '(?P<n>', '(?=',
  '[', ']', '^', '$', '{', '}', '{2}', '{1,3}', '{1001}', '\\', '\\d', '\\D', '\\w', '\\s', '\\.', '\\/', '\\-',
  '\\[', '\\]', '\\1', '\\n', '\\Q', '\\E', '\\pL', '[a-z]', '[z-a]', '[0-9]', '[^/]', '[-a]', '[a-]', '[]a]',
  '[^]', '[\\d-z]', '[a-c-e]', '[[:alpha:]]', '[\\]]', '[a\\-z]', '[!--]', 'é', '\t', '**', '*?', '+?', '??', '*??',
];

function randomPattern(next: () => number): string {
  let pattern = '';
  const count = 1 + Math.floor(next() * 12);
  for (let i = 0; i < count; i++) pattern += pieces[Math.floor(next() * pieces.length)];
  return pattern;
}

function re2jsAccepts(pattern: string): boolean {
  try {
    RE2JS.compile(pattern);
    return true;
  } catch {
    return false;
  }
}

describe('regex validation shortcut', () => {
  it('accepts only patterns re2js compiles, and most simple ones of both kinds', () => {
    const next = seededRandom(1);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 60000; i++) {
      const pattern = randomPattern(next);
      const valid = re2jsAccepts(pattern);
      if (isSimpleValidRegex(pattern)) {
        assert.ok(valid, `the shortcut accepts ${JSON.stringify(pattern)}, which re2js refuses`);
        accepted++;
      } else if (!valid) {
        refused++;
      }
    }
    // The generator must exercise both sides for the check above to mean anything.
    assert.ok(accepted > 3000, `only ${accepted} patterns took the shortcut`);
    assert.ok(refused > 10000, `only ${refused} invalid patterns`);
  });

  it('takes the shapes routes use, and leaves the rest to re2js with its messages', () => {
    for (const pattern of ['/r123/items/[0-9]+/rule0', 'true|yes|1', '/api/v[0-9]+/.*', '^/(users|groups)/[^/]+$', '(?:a|b)*?c', '\\d+\\.\\d+', '[-_a-zA-Z0-9]+']) {
      assert.ok(isSimpleValidRegex(pattern), pattern);
      assert.equal(validateRegex(pattern), undefined, pattern);
    }
    for (const pattern of ['', 'a{2}', '(?i)abc', '\\pN', '[[:alpha:]]', 'é', '*a', 'a**', '(a', 'a)', '[z-a]', '[]a]']) {
      assert.equal(isSimpleValidRegex(pattern), false, pattern);
    }
    assert.equal(validateRegex('a**'), 'error parsing regexp: invalid nested repetition operator: `**`');
    assert.equal(validateRegex('[z-a]'), 'error parsing regexp: invalid character class range: `z-a`');
  });
});

describe('literal start of a regex', () => {
  it('is the plain text before the first metacharacter, less a repeated last character', () => {
    assert.equal(requiredPrefix('/r123/items/[0-9]+/rule0'), '/r123/items/');
    assert.equal(requiredPrefix('/api/v1*'), '/api/v');
    assert.equal(requiredPrefix('/api/v1{2}'), '/api/v');
    assert.equal(requiredPrefix('/a(b|c)'), '/a');
    assert.equal(requiredPrefix('/a|/b'), '');
    assert.equal(requiredPrefix('/a\\Q(\\E|c'), '');
    assert.equal(requiredPrefix('.*'), '');
  });

  it('starts every string the pattern fully matches', () => {
    const next = seededRandom(2);
    const alphabet = ['a', 'b', '/', '1', '(', '|'];
    let checked = 0;
    for (let i = 0; i < 4000; i++) {
      const pattern = randomPattern(next);
      if (!re2jsAccepts(pattern)) continue;
      const regex = RE2JS.compile(pattern);
      const start = requiredPrefix(pattern);
      for (let j = 0; j < 40; j++) {
        let input = '';
        const length = Math.floor(next() * 6);
        for (let k = 0; k < length; k++) input += alphabet[Math.floor(next() * alphabet.length)];
        // Half the inputs start with the literal start, so that matches are common.
        if (next() < 0.5) input = start + input;
        if (!regex.matches(input)) continue;
        checked++;
        assert.ok(input.startsWith(start), `${JSON.stringify(pattern)} matches ${JSON.stringify(input)}, which does not start with ${JSON.stringify(start)}`);
      }
    }
    assert.ok(checked > 1000, `only ${checked} matches checked`);
  });
});
