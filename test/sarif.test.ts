// SARIF output: checked against the SARIF 2.1.0 JSON schema (the copy @microsoft/jest-sarif ships),
// plus the fields GitHub code scanning reads. Also: every code has catalog text for its rule.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { catalog } from '../src/diagnostics/catalog.js';
import { codes } from '../src/diagnostics/codes.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { formatSarif } from '../src/diagnostics/sarif.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * The schema is draft-04; ajv 8 reads it once the draft-04 `$schema` and `id` are dropped (it
 * uses no keyword whose meaning changed after draft-04, e.g. no boolean exclusiveMinimum).
 */
function sarifValidator() {
  const path = createRequire(import.meta.url).resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json', { paths: [root] });
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  assert.match(String(schema.title), /SARIF\) Version 2\.1\.0/);
  delete schema.$schema;
  delete schema.id;
  // Its language pattern has a stray `]`, legal only without the u flag.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}
const validate = sarifValidator();

function assertValidSarif(text: string): any {
  const log = JSON.parse(text);
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  return log;
}

const sample: Diagnostic[] = [
  {
    code: codes.refNotResolved,
    severity: 'error',
    message: 'Service default/web not found (ResolvedRefs: BackendNotFound, parent Gateway default/eg)',
    file: 'deploy/gateway api/routes.yaml',
    line: 27,
    column: 5,
    endLine: 30,
    endColumn: 1,
    path: 'spec.rules',
    resource: 'HTTPRoute default/backend',
    notes: [{ message: 'Gateway default/eg is here', file: 'deploy/gateway api/gateway.yaml', line: 11, column: 9 }, { message: 'a note without a place' }],
  },
  { code: codes.unsupportedKind, severity: 'warning', message: 'Deployment is not supported yet', file: '/abs/path/app.yaml', line: 2, column: 7, endLine: 2, endColumn: 17 },
  { code: codes.portRemapped, severity: 'note', message: 'listener `http` declares privileged port 80', file: 'gw.yaml', line: 9, column: 13, endLine: 9, endColumn: 13 },
  { code: codes.yamlSyntax, severity: 'error', message: 'bad YAML', file: '<stdin>', line: 1, column: 1 },
  { code: codes.internal, severity: 'error', message: 'no location at all' },
];

describe('formatSarif', () => {
  const log = assertValidSarif(formatSarif(sample, { toolVersion: '1.2.3' }));
  const run = log.runs[0];

  it('is a SARIF 2.1.0 log with egc as the tool and one rule per code', () => {
    assert.equal(log.version, '2.1.0');
    assert.equal(run.tool.driver.name, 'egc');
    assert.equal(run.tool.driver.version, '1.2.3');
    const ids = run.tool.driver.rules.map((r: any) => r.id);
    assert.deepEqual([...ids].sort(), Object.values(codes).sort());
    const rule = run.tool.driver.rules.find((r: any) => r.id === 'EGC3005');
    assert.equal(rule.name, 'RefNotResolved');
    assert.equal(rule.shortDescription.text, 'Reference not resolved');
    assert.ok(rule.help.text.length > 20);
  });

  it('maps severities to levels and points each result at its rule', () => {
    assert.deepEqual(run.results.map((r: any) => r.level), ['error', 'warning', 'note', 'error', 'error']);
    for (const result of run.results) assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId);
  });

  it('writes relative URIs, 1-based regions and related locations', () => {
    const [first, second, third, stdin, unplaced] = run.results;
    assert.deepEqual(first.locations[0].physicalLocation, {
      artifactLocation: { uri: 'deploy/gateway%20api/routes.yaml' },
      region: { startLine: 27, startColumn: 5, endLine: 30, endColumn: 1 },
    });
    assert.deepEqual(first.locations[0].logicalLocations, [{ fullyQualifiedName: 'HTTPRoute default/backend spec.rules', kind: 'object' }]);
    assert.deepEqual(first.relatedLocations, [
      { id: 1, message: { text: 'Gateway default/eg is here' }, physicalLocation: { artifactLocation: { uri: 'deploy/gateway%20api/gateway.yaml' }, region: { startLine: 11, startColumn: 9 } } },
      { id: 2, message: { text: 'a note without a place' } },
    ]);
    assert.deepEqual(second.locations[0].physicalLocation, { artifactLocation: { uri: 'file:///abs/path/app.yaml' }, region: { startLine: 2, startColumn: 7, endColumn: 17 } });
    // An empty range is left out rather than written as endColumn == startColumn.
    assert.deepEqual(third.locations[0].physicalLocation.region, { startLine: 9, startColumn: 13 });
    assert.equal(stdin.locations, undefined);
    assert.equal(unplaced.locations, undefined);
  });

  it('is valid for no diagnostics too', () => {
    assert.deepEqual(assertValidSarif(formatSarif([], { toolVersion: '0.1.0' })).runs[0].results, []);
  });
});

describe('catalog', () => {
  it('has a title and help for every code, in code order, with no duplicates', () => {
    assert.deepEqual(catalog.map((info) => info.code), Object.values(codes).sort());
    for (const info of catalog) {
      assert.ok(info.title && info.title !== info.key, `${info.code} (${info.key}) has no title in src/diagnostics/catalog.ts`);
      assert.ok(info.help.endsWith('.'), `${info.code} needs a one-line help sentence`);
    }
  });
});

describe('egc validate --format sarif', () => {
  it('writes a valid log with the findings located in the input', () => {
    const result = spawnSync(process.execPath, [join(root, 'dist', 'egc.js'), 'validate', '--format', 'sarif', '-f', 'test/cli-scenarios/EGC2001-unknown-field/gateway.yaml'], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '1' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 1, result.stderr);
    assert.doesNotMatch(result.stdout, /\u001b\[/);
    const log = assertValidSarif(result.stdout);
    assert.deepEqual(
      log.runs[0].results.map((r: any) => [r.ruleId, r.locations[0].physicalLocation.artifactLocation.uri, r.locations[0].physicalLocation.region.startLine]),
      [['EGC2001', 'test/cli-scenarios/EGC2001-unknown-field/gateway.yaml', 8]],
    );
  });
});
