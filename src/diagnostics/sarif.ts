/**
 * Diagnostics as a SARIF 2.1.0 log, the format GitHub code scanning (and most CI dashboards)
 * ingest. One run, one rule per egc code; file locations are relative URIs, which code scanning
 * resolves against the repository root, so run `egc validate` from there.
 */
import { catalog } from './catalog.js';
import type { Diagnostic, RelatedLocation } from './diagnostic.js';

export interface SarifOptions {
  toolVersion: string;
}

type Json = Record<string, unknown>;

const schemaUri = 'https://json.schemastore.org/sarif-2.1.0.json';

/** `unknownField` → `UnknownField`: SARIF rule names are PascalCase identifiers. */
function ruleName(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

const rules: Json[] = catalog.map((info) => ({
  id: info.code,
  name: ruleName(info.key),
  shortDescription: { text: info.title },
  fullDescription: { text: info.help || info.title },
  help: { text: info.help || info.title, markdown: `**${info.code}: ${info.title}**\n\n${info.help || info.title}` },
  defaultConfiguration: { level: info.severity },
}));
const ruleIndex = new Map(catalog.map((info, index) => [info.code as string, index]));

/** A file name as a URI reference: relative paths stay relative, absolute ones become file URIs. */
function uriOf(file: string): string {
  const segments = file.replaceAll('\\', '/').split('/').map(encodeURIComponent);
  const path = segments.join('/');
  return file.startsWith('/') ? `file://${path}` : path;
}

interface Located {
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

/** Stdin has no file to point at, so it gets no physical location. */
function physicalLocation(where: Located): Json | undefined {
  if (!where.file || where.file === '<stdin>') return undefined;
  const location: Json = { artifactLocation: { uri: uriOf(where.file) } };
  if (where.line) {
    const startColumn = where.column ?? 1;
    const region: Json = { startLine: where.line, startColumn };
    const endLine = where.endLine && where.endLine >= where.line ? where.endLine : where.line;
    if (endLine > where.line) region.endLine = endLine;
    // SARIF's endColumn is exclusive, like ours; leave out an empty or reversed range.
    if (where.endColumn && (endLine > where.line || where.endColumn > startColumn)) region.endColumn = where.endColumn;
    location.region = region;
  }
  return location;
}

function relatedLocation(note: RelatedLocation, id: number): Json {
  const related: Json = { id, message: { text: note.message } };
  const physical = physicalLocation(note);
  if (physical) related.physicalLocation = physical;
  return related;
}

function resultOf(diagnostic: Diagnostic): Json {
  const result: Json = { ruleId: diagnostic.code, level: diagnostic.severity, message: { text: diagnostic.message } };
  const index = ruleIndex.get(diagnostic.code);
  if (index !== undefined) result.ruleIndex = index;
  const physical = physicalLocation(diagnostic);
  const logical = diagnostic.resource ? [{ fullyQualifiedName: [diagnostic.resource, diagnostic.path].filter(Boolean).join(' '), kind: 'object' }] : undefined;
  if (physical || logical) {
    const location: Json = {};
    if (physical) location.physicalLocation = physical;
    if (logical) location.logicalLocations = logical;
    result.locations = [location];
  }
  if (diagnostic.notes?.length) result.relatedLocations = diagnostic.notes.map((note, i) => relatedLocation(note, i + 1));
  return result;
}

/** The SARIF log for these diagnostics, as pretty-printed JSON text (never coloured). */
export function formatSarif(diagnostics: readonly Diagnostic[], options: SarifOptions): string {
  const log = {
    $schema: schemaUri,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'egc', version: options.toolVersion, semanticVersion: options.toolVersion, rules } },
        // Columns come from the yaml parser's offsets into JavaScript strings.
        columnKind: 'utf16CodeUnits',
        results: diagnostics.map(resultOf),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
