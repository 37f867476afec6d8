/**
 * compareText (src/collate.ts) must order text exactly as localeCompare does: it decides the
 * order of objects, input files and diagnostics, so any difference would change output.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../src/bench/generate.js';
import { compareText } from '../src/collate.js';

const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));

function agrees(a: string, b: string): void {
  assert.equal(Math.sign(compareText(a, b)), Math.sign(a.localeCompare(b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

describe('compareText', () => {
  it('orders every pair of ASCII characters as localeCompare does, alone and before other text', () => {
    for (const a of ascii) {
      for (const b of ascii) {
        agrees(a, b);
        agrees(`${a}x`, `${b}X`);
        agrees(`k${a}`, `K${b}`);
      }
    }
  });

  it('orders random ASCII text as localeCompare does', () => {
    // Letters of both cases, digits, punctuation, ignored control characters and whitespace,
    // often equal up to case or to ignored characters: where the lower levels decide.
    const alphabet = 'aAbBzZ09-._/:\u0000\u0001\u007f\t \n';
    const random = seededRandom(20261126);
    const next = (bound: number) => Math.floor(random() * bound);
    const word = () => Array.from({ length: next(7) }, () => alphabet[next(alphabet.length)]).join('');
    for (let i = 0; i < 50_000; i++) {
      const a = word();
      // Half the pairs are variations of one word: changed case, or a character left out.
      const b = next(2) === 0 ? word() : next(2) === 0 ? a.toUpperCase() : a.slice(0, next(a.length + 1)) + a.slice(next(a.length + 1));
      agrees(a, b);
    }
  });

  it('orders the names egc sorts as localeCompare does', () => {
    const names = [
      'GRPCRoute', 'Gateway', 'GatewayClass', 'HTTPRoute', 'HTTPRouteFilter', 'BackendTLSPolicy', 'Backend',
      'team-1', 'team-10', 'team-2', 'team.a', 'team_a', 'route-9', 'route-10',
      'EGC1001', 'EGC2001', 'egc1001', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.5Z', '',
      'deploy/gateway/a.yaml', 'deploy/gateway-b.yaml', 'deploy/Gateway/a.yaml', 'deploy/gateway.yaml',
    ];
    for (const a of names) for (const b of names) agrees(a, b);
  });

  it('leaves text beyond ASCII to localeCompare', () => {
    const words = ['é', 'e', 'f', 'E', 'ée', 'éf', 'ß', 'ss', 'ä', 'z', 'Ω', '中', 'a\u0301', 'á'];
    for (const a of words) for (const b of words) agrees(a, b);
  });
});
