/**
 * The fast way to read plain YAML: js-yaml builds values about ten times faster than the `yaml`
 * package builds its AST, and keeps no positions (the loader finds those later, only for the
 * few objects a diagnostic points at).
 *
 * It is used only where both parsers must give the same values and no diagnostic: texts without
 * tags, anchors, aliases, directives, complex keys, `__proto__`, or flow collections or quoted
 * scalars that span lines (where the `yaml` package warns or is stricter), and that js-yaml
 * accepts. Every other text goes to the `yaml` package, whose errors, warnings, positions and
 * alias limits the diagnostics are written for.
 */
import { FAILSAFE_SCHEMA, loadAll, Type } from 'js-yaml';

/*
 * The YAML 1.2 core schema as the `yaml` package resolves plain scalars (the same patterns and
 * conversions), so that both parsers give the same value: `0b1`, `1_000` and `yes` stay strings,
 * timestamps stay strings, and there is no `<<` merge. The number tests look at the first
 * character before their pattern, as most scalars are names that no pattern matches.
 */
const intPattern = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const floatPattern = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/;

/** Whether a character code may start a number: a digit, a sign or a dot. */
function mayStartNumber(code: number): boolean {
  return (code >= 48 && code <= 57) || code === 43 || code === 45 || code === 46;
}

/** `^(?:~|[Nn]ull|NULL)?$`, spelled out. */
function isNull(data: string): boolean {
  return data === '' || data === '~' || data === 'null' || data === 'Null' || data === 'NULL';
}

/** `^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$`, spelled out. */
function isBool(data: string): boolean {
  return data === 'true' || data === 'True' || data === 'TRUE' || data === 'false' || data === 'False' || data === 'FALSE';
}

function isInt(data: string): boolean {
  return mayStartNumber(data.charCodeAt(0)) && intPattern.test(data);
}

function isFloat(data: string): boolean {
  return mayStartNumber(data.charCodeAt(0)) && floatPattern.test(data);
}

function intValue(data: string): number {
  return data.startsWith('0o') ? Number.parseInt(data.slice(2), 8) : data.startsWith('0x') ? Number.parseInt(data.slice(2), 16) : Number.parseInt(data, 10);
}

function floatValue(data: string): number {
  if (/nan$/i.test(data)) return Number.NaN;
  if (/inf$/i.test(data)) return data[0] === '-' ? -Infinity : Infinity;
  return Number.parseFloat(data);
}

/**
 * The value of a plain (unquoted) scalar under this schema. The four types match disjoint sets of
 * strings, so the order js-yaml tries them in does not matter.
 */
export function plainScalarValue(data: string): unknown {
  if (isNull(data)) return null;
  if (isBool(data)) return data[0] === 't' || data[0] === 'T';
  if (isInt(data)) return intValue(data);
  if (isFloat(data)) return floatValue(data);
  return data;
}

const nullType = new Type('tag:yaml.org,2002:null', { kind: 'scalar', resolve: isNull, construct: () => null });
const boolType = new Type('tag:yaml.org,2002:bool', { kind: 'scalar', resolve: isBool, construct: (data: string) => data[0] === 't' || data[0] === 'T' });
const intType = new Type('tag:yaml.org,2002:int', { kind: 'scalar', resolve: isInt, construct: intValue });
const floatType = new Type('tag:yaml.org,2002:float', { kind: 'scalar', resolve: isFloat, construct: floatValue });
const coreSchema = FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, intType, floatType] });

/**
 * Indicators that only the `yaml` path handles: a directive (`%YAML`), a tag, anchor or alias or
 * explicit key (`!`, `&`, `*`, `? `) where a node may start, a collection as a key (`[a]: b`),
 * and `__proto__`. Over-matching (say `a *b` in a string) only costs speed.
 */
const needsYamlPackage = /^%|(?:^|[\s[{,:])[!&*]|(?:^|[\s[{,])\?(?:[ \t\r\n]|$)|[\]}][ \t]*:|__proto__/m;

/** Lines with a character that may open a flow collection or a quoted scalar. */
const linesWithFlowOrQuotes = /^.*["'[{].*$/gm;

/**
 * Whether a flow collection or quoted scalar may continue past the end of this line. Quotes are
 * recognised where a scalar may start (so `it's` is text), as the input limit scan does; a
 * wrong guess only sends the text to the `yaml` path.
 */
function lineLeavesOpen(line: string): boolean {
  let depth = 0;
  let quote = '';
  let previous = '';
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (quote) {
      if (char === '\\' && quote === '"') index++;
      else if (char === quote) {
        if (quote === "'" && line[index + 1] === "'") index++;
        else quote = '';
      }
      continue;
    }
    if (char === '#' && (index === 0 || line[index - 1] === ' ' || line[index - 1] === '\t')) break;
    if ((char === '"' || char === "'") && (previous === '' || ':-?,[{'.includes(previous))) quote = char;
    else if (char === '[' || char === '{') depth++;
    else if (char === ']' || char === '}') depth--;
    if (char !== ' ' && char !== '\t') previous = char;
  }
  return quote !== '' || depth !== 0;
}

function isPlainYaml(text: string): boolean {
  if (needsYamlPackage.test(text)) return false;
  for (const match of text.matchAll(linesWithFlowOrQuotes)) {
    if (lineLeavesOpen(match[0])) return false;
  }
  return true;
}

/**
 * Whether a value holds a key the two parsers name differently: js-yaml turns a null key (`~:`)
 * into "null" where the `yaml` package makes it "". A real key "null" is sent along too.
 */
function hasNullKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasNullKey);
  for (const key in value) {
    if (key === 'null' || hasNullKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/**
 * The values of the documents in a text, in order, empty documents left out; or undefined when
 * the text must be read by the `yaml` package instead.
 */
export function readPlainYaml(text: string): unknown[] | undefined {
  if (!isPlainYaml(text)) return undefined;
  let documents: unknown[];
  try {
    documents = loadAll(text, undefined, { schema: coreSchema });
  } catch {
    // The `yaml` package reports the problem, in its words and at its position.
    return undefined;
  }
  const values = documents.filter((document) => document !== null && document !== undefined);
  return values.some(hasNullKey) ? undefined : values;
}
