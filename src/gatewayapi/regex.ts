/**
 * Regex validation for patterns Envoy compiles with RE2. The check uses re2js, a JavaScript port
 * of RE2 (via RE2/J, which follows Go's regexp/syntax): it accepts exactly RE2's syntax (no
 * lookaround, no backreferences, repeat counts up to 1000) and its errors read like Go's
 * regexp package, whose wording the reference's statuses carry
 * (`error parsing regexp: missing argument to repetition operator: `*``).
 */
import { RE2JS } from 're2js';
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { KubeObject } from '../load/resource.js';

/**
 * Each pattern compiled once: a repository repeats the same few patterns across thousands of
 * routes. Holds the compiled pattern or the Go-style error message; as many entries as the input
 * has distinct patterns.
 */
const compiled = new Map<string, RE2JS | string>();

function compileCached(pattern: string): RE2JS | string {
  let result = compiled.get(pattern);
  if (result === undefined) {
    try {
      result = RE2JS.compile(pattern);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = message.startsWith('error parsing regexp') ? message : `error parsing regexp: ${message}`;
    }
    compiled.set(pattern, result);
  }
  return result;
}

/** A Go-style error message for an invalid pattern, or undefined when it is valid. */
export function validateRegex(pattern: string): string | undefined {
  // Compiling is the costly part of validation and most patterns are distinct per route: a
  // pattern of the simple subset below is valid without compiling it.
  if (isSimpleValidRegex(pattern)) return undefined;
  const result = compileCached(pattern);
  return typeof result === 'string' ? result : undefined;
}

/** Longest pattern the syntactic check takes: far below RE2's size and nesting limits. */
const simpleRegexMaxLength = 256;

// Character codes of RE2's metacharacters.
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
  // d D s S w W
  return c === 0x64 || c === 0x44 || c === 0x73 || c === 0x53 || c === 0x77 || c === 0x57;
}

/** An escaped printable ASCII punctuation character, which RE2 (like Go) takes literally. */
function isEscapablePunctuation(c: number): boolean {
  return c >= 0x21 && c <= 0x7e && !isAsciiAlphanumeric(c);
}

/**
 * Whether `pattern` is in a conservative subset of RE2 syntax that is valid by construction:
 * printable ASCII literals, escaped punctuation, `\d \s \w` and their negations, `.`, `^`,
 * `$`, bracket classes of plain characters and ascending ranges, groups `( )` and `(?: )`,
 * alternation, and one `*`, `+` or `?` (optionally followed by the lazy `?`) after a literal,
 * class, `.` or group. Everything else (counted repeats, flags, Unicode classes, named groups,
 * letter escapes, anything malformed) answers false and is left to re2js; tests check that
 * re2js accepts every pattern this accepts.
 */
export function isSimpleValidRegex(pattern: string): boolean {
  const length = pattern.length;
  if (length === 0 || length > simpleRegexMaxLength) return false;
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
        if (!repeatable) return false;
        index++;
        if (index < length && pattern.charCodeAt(index) === question) index++;
        repeatable = false;
        continue;
      case pipe:
        repeatable = false;
        index++;
        continue;
      case caret:
      case dollar:
        repeatable = false;
        index++;
        continue;
      case openParen:
        if (pattern.charCodeAt(index + 1) === question) {
          if (pattern.charCodeAt(index + 2) !== colon) return false;
          index += 3;
        } else {
          index++;
        }
        depth++;
        repeatable = false;
        continue;
      case closeParen:
        if (depth === 0) return false;
        depth--;
        repeatable = true;
        index++;
        continue;
      case openBracket: {
        const end = simpleClassEnd(pattern, index + 1);
        if (end < 0) return false;
        index = end;
        repeatable = true;
        continue;
      }
      case backslash: {
        const next = pattern.charCodeAt(index + 1);
        if (!(isPerlClassLetter(next) || isEscapablePunctuation(next))) return false;
        index += 2;
        repeatable = true;
        continue;
      }
      case dot:
        repeatable = true;
        index++;
        continue;
      default:
        if (!isPlainLiteral(c)) return false;
        repeatable = true;
        index++;
    }
  }
  return depth === 0;
}

/**
 * The index after the `]` closing a simple bracket class whose body starts at `start` (after
 * the `[`), or -1 when the class is outside the subset: a body of plain characters, escaped
 * punctuation, Perl classes and ascending ranges; `-` only as a range operator or at either
 * end; no `[` (POSIX classes) and no `]` first.
 */
function simpleClassEnd(pattern: string, start: number): number {
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
      const high = classCharacter(pattern, index + 1);
      if (high === undefined || high.char < previous) return -1;
      index = high.next;
      previous = -1;
      continue;
    }
    if (c === backslash) {
      const next = pattern.charCodeAt(index + 1);
      if (isPerlClassLetter(next)) {
        previous = -1;
        index += 2;
        continue;
      }
    }
    const single = classCharacter(pattern, index);
    if (single === undefined) return -1;
    previous = single.char;
    index = single.next;
  }
  return -1;
}

/** A single class character at `index`, plain or escaped punctuation (not `-`, `[`, `]`). */
function classCharacter(pattern: string, index: number): { char: number; next: number } | undefined {
  const c = pattern.charCodeAt(index);
  if (c === backslash) {
    const next = pattern.charCodeAt(index + 1);
    return isEscapablePunctuation(next) ? { char: next, next: index + 2 } : undefined;
  }
  if (c < 0x20 || c > 0x7e || c === dash || c === openBracket || c === closeBracket) return undefined;
  return { char: c, next: index + 1 };
}

interface PathMatchLike {
  exact?: string;
  prefix?: string;
  safeRegex?: string;
}

interface RouteLike {
  name: string;
  hostname: string;
  pathMatch?: PathMatchLike;
  headerMatches?: unknown[];
  queryParamMatches?: unknown[];
}

export interface ShadowedRoute {
  /** The route that never gets the traffic it asks for. */
  route: string;
  /** The earlier route, with a path regex, that takes it. */
  by: string;
  pattern: string;
  path: string;
}

/**
 * Routes swallowed by an earlier regex route on the same host. Envoy tries routes in order and
 * the reference orders regex matches before prefix matches, so a broad regex (`/.*`) with no
 * other condition takes every request of the later exact or prefix routes it fully matches.
 * A prefix route counts as swallowed when the regex matches both the prefix and a path below it.
 */
export function shadowedRoutes(routes: readonly RouteLike[]): ShadowedRoute[] {
  const found: ShadowedRoute[] = [];
  // Only routes of the same host can shadow each other: compare within each host's routes.
  const indexesByHost = new Map<string, number[]>();
  routes.forEach((route, index) => {
    const indexes = indexesByHost.get(route.hostname);
    if (indexes) indexes.push(index);
    else indexesByHost.set(route.hostname, [index]);
  });
  routes.forEach((earlier, index) => {
    const pattern = earlier.pathMatch?.safeRegex;
    if (typeof pattern !== 'string' || earlier.headerMatches?.length || earlier.queryParamMatches?.length) return;
    // Compiled once for all later routes, and only when one has a path to probe that starts
    // with the literal text every match starts with (most do not); null when invalid.
    let regex: RE2JS | null | undefined;
    let literalStart: string | undefined;
    for (const laterIndex of indexesByHost.get(earlier.hostname)!) {
      if (laterIndex <= index) continue;
      const later = routes[laterIndex];
      if (!later.pathMatch) continue;
      const { exact, prefix } = later.pathMatch;
      const path = typeof exact === 'string' ? exact : prefix;
      if (typeof path !== 'string') continue;
      literalStart ??= requiredPrefix(pattern);
      if (!path.startsWith(literalStart)) continue;
      const probes = typeof exact === 'string' ? [exact] : [path, `${path.replace(/\/$/, '')}/egc-probe`];
      if (!probes.every((probe) => probe.startsWith(literalStart!))) continue;
      regex ??= compileOrNull(pattern);
      if (!regex || !probes.every((probe) => regex!.matches(probe))) continue;
      found.push({ route: later.name, by: earlier.name, pattern, path: probes[0] });
    }
  });
  return found;
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

function compileOrNull(pattern: string): RE2JS | null {
  const result = compileCached(pattern);
  return typeof result === 'string' ? null : result;
}

/** `httproute/ns/name/rule/R/match/M/...` → the route object's kind, namespace, name and match path. */
function routeOrigin(name: string): { kind: string; namespace: string; name: string; path: (string | number)[] } | undefined {
  const match = /^(httproute|grpcroute)\/([^/]+)\/([^/]+)\/rule\/(\d+)(?:\/match\/(-?\d+))?/.exec(name);
  if (!match) return undefined;
  const path: (string | number)[] = ['spec', 'rules', Number(match[4])];
  if (match[5] !== undefined && Number(match[5]) >= 0) path.push('matches', Number(match[5]));
  return { kind: match[1] === 'httproute' ? 'HTTPRoute' : 'GRPCRoute', namespace: match[2], name: match[3], path };
}

/** A warning for each route an earlier regex route swallows, at the swallowed route's match. */
export function shadowedRouteDiagnostics(irs: readonly { http?: { routes?: RouteLike[] }[] }[], objects: readonly KubeObject[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const ir of irs) {
    for (const listener of ir.http ?? []) {
      for (const shadow of shadowedRoutes(listener.routes ?? [])) {
        const origin = routeOrigin(shadow.route);
        const by = routeOrigin(shadow.by);
        const message = `route ${shadow.route} never matches ${shadow.path} on ${listener.routes?.find((r) => r.name === shadow.route)?.hostname ?? '*'}: the earlier route ${shadow.by} with regex \`${shadow.pattern}\` takes those requests`;
        const object = origin && objects.find((o) => o.kind === origin.kind && o.metadata.namespace === origin.namespace && o.metadata.name === origin.name);
        const byObject = by && objects.find((o) => o.kind === by.kind && o.metadata.namespace === by.namespace && o.metadata.name === by.name);
        const notes = byObject ? [{ message: 'the regex route', ...locationOf(diagnosticAt(byObject, by.path, { code: codes.routeShadowed, message: '' })) }] : undefined;
        diagnostics.push(
          object
            ? diagnosticAt(object, origin.path, { code: codes.routeShadowed, severity: 'warning', message, notes })
            : { code: codes.routeShadowed, severity: 'warning', message },
        );
      }
    }
  }
  return diagnostics;
}

function locationOf(diagnostic: Diagnostic): { file?: string; line?: number; column?: number } {
  return { file: diagnostic.file, line: diagnostic.line, column: diagnostic.column };
}
