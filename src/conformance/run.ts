/**
 * The conformance run: every case of a corpus laid out like the reference's test data
 *   gatewayapi/NAME.in.yaml → gatewayapi/NAME.out.yaml
 *   xds-ir/in/NAME.yaml     → xds-ir/out/NAME.{listeners,routes,clusters,endpoints,secrets,envoypatchpolicies}.yaml
 * translated by egc and scored. Either half may be missing. A case never stops the run: an
 * unreadable file or a translator exception fails that case, with the reason as its diff.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { errorText, runGatewayApiCase } from './gatewayapi.js';
import { rejectedCasesFromSettings, runXdsIrCase, xdsKinds, type XdsExpectation } from './xdsir.js';

export type Stage = 'gatewayapi' | 'xds-ir';

export interface CaseReport {
  /** `gatewayapi/NAME` or `xds-ir/NAME`. */
  name: string;
  stage: Stage;
  /** Stage-1 levels; null for xds-ir cases. */
  status: boolean | null;
  messages: boolean | null;
  ir: boolean | null;
  /** Every level passed. */
  pass: boolean;
  /** The first difference (path, expected and actual value), or why the case could not run. */
  diff: string | null;
}

export interface ConformanceReport {
  gatewayapi: { total: number; status: number; messages: number; ir: number };
  xdsir: { total: number; pass: number };
  cases: CaseReport[];
}

export interface ConformanceOptions {
  corpus: string;
  /** Only cases whose id (`gatewayapi/NAME`, `xds-ir/NAME`) contains this. */
  filter?: string;
}

/** A problem with how the run was asked for (not with a case); the CLI exits 2 on it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function runConformance(options: ConformanceOptions): ConformanceReport {
  const { corpus, filter } = options;
  if (!existsSync(corpus) || !statSync(corpus).isDirectory()) throw new UsageError(`corpus directory not found: ${corpus}`);
  const gatewayApiDir = join(corpus, 'gatewayapi');
  const xdsIrDir = join(corpus, 'xds-ir');
  if (!isDirectory(gatewayApiDir) && !isDirectory(xdsIrDir)) {
    throw new UsageError(`${corpus} is not a conformance corpus: it has neither gatewayapi/ nor xds-ir/`);
  }
  const selected = (id: string) => !filter || id.includes(filter);
  const cases: CaseReport[] = [];
  for (const name of gatewayApiCaseNames(gatewayApiDir)) {
    const id = `gatewayapi/${name}`;
    if (selected(id)) cases.push(gatewayApiCase(gatewayApiDir, name));
  }
  const settingsPath = join(xdsIrDir, 'SETTINGS.md');
  const rejected = existsSync(settingsPath) ? rejectedCasesFromSettings(readFileSync(settingsPath, 'utf8')) : new Set<string>();
  for (const name of xdsIrCaseNames(xdsIrDir)) {
    const id = `xds-ir/${name}`;
    if (selected(id)) cases.push(xdsIrCase(xdsIrDir, name, rejected));
  }
  return summarize(cases);
}

function summarize(cases: CaseReport[]): ConformanceReport {
  const stage1 = cases.filter((c) => c.stage === 'gatewayapi');
  const stage2 = cases.filter((c) => c.stage === 'xds-ir');
  return {
    gatewayapi: {
      total: stage1.length,
      status: stage1.filter((c) => c.status).length,
      messages: stage1.filter((c) => c.messages).length,
      ir: stage1.filter((c) => c.ir).length,
    },
    xdsir: { total: stage2.length, pass: stage2.filter((c) => c.pass).length },
    cases,
  };
}

export function summaryLine(report: ConformanceReport): string {
  const g = report.gatewayapi;
  return `conformance: gatewayapi status ${g.status}/${g.total} messages ${g.messages}/${g.total} ir ${g.ir}/${g.total}; xds-ir ${report.xdsir.pass}/${report.xdsir.total}`;
}

/** One line per failing case: its id, the first failing level and the first difference. */
export function failureLines(report: ConformanceReport): string[] {
  return report.cases
    .filter((c) => !c.pass)
    .map((c) => {
      const level = c.stage === 'xds-ir' ? '' : c.status === false ? ' [status]' : c.messages === false ? ' [messages]' : ' [ir]';
      return `FAIL ${c.name}${level}: ${c.diff ?? 'failed'}`;
    });
}

/** The ratchet's ids of what passes: `gatewayapi/NAME:status|messages|ir`, `xds-ir/NAME`; sorted. */
export function passingIds(report: ConformanceReport): string[] {
  const ids: string[] = [];
  for (const c of report.cases) {
    if (c.stage === 'xds-ir') {
      if (c.pass) ids.push(c.name);
      continue;
    }
    if (c.status) ids.push(`${c.name}:status`);
    if (c.messages) ids.push(`${c.name}:messages`);
    if (c.ir) ids.push(`${c.name}:ir`);
  }
  return ids.sort();
}

/** Ratchet file contents → ids (blank lines and `#` comments ignored). */
export function parseRatchet(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export function formatRatchet(ids: readonly string[]): string {
  return ids.length === 0 ? '' : `${[...ids].sort().join('\n')}\n`;
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function gatewayApiCaseNames(dir: string): string[] {
  if (!isDirectory(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.in.yaml'))
    .map((file) => file.slice(0, -'.in.yaml'.length))
    .sort();
}

function xdsIrCaseNames(dir: string): string[] {
  const inDir = join(dir, 'in');
  if (!isDirectory(inDir)) return [];
  return readdirSync(inDir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.slice(0, -'.yaml'.length))
    .sort();
}

function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'), { maxAliasCount: -1 });
}

function gatewayApiCase(dir: string, name: string): CaseReport {
  const report: CaseReport = { name: `gatewayapi/${name}`, stage: 'gatewayapi', status: false, messages: false, ir: false, pass: false, diff: null };
  let input: unknown;
  let expected: unknown;
  try {
    input = readYaml(join(dir, `${name}.in.yaml`));
    const outPath = join(dir, `${name}.out.yaml`);
    if (!existsSync(outPath)) return { ...report, diff: `no expectation: ${name}.out.yaml is missing` };
    expected = readYaml(outPath);
  } catch (error) {
    return { ...report, diff: `cannot read the case: ${errorText(error)}` };
  }
  const result = runGatewayApiCase(name, input, expected);
  return { ...report, ...result, pass: result.status && result.messages && result.ir, diff: result.diff ?? null };
}

function xdsIrCase(dir: string, name: string, rejected: ReadonlySet<string>): CaseReport {
  const report: CaseReport = { name: `xds-ir/${name}`, stage: 'xds-ir', status: null, messages: null, ir: null, pass: false, diff: null };
  let ir: unknown;
  const expectation: XdsExpectation = { resources: {}, listedAsRejected: rejected.has(name) };
  try {
    ir = readYaml(join(dir, 'in', `${name}.yaml`));
    for (const kind of xdsKinds) {
      const path = join(dir, 'out', `${name}.${kind}.yaml`);
      // An existing but empty file is an empty list.
      if (existsSync(path)) expectation.resources[kind] = readYaml(path) ?? [];
    }
    const policies = join(dir, 'out', `${name}.envoypatchpolicies.yaml`);
    if (existsSync(policies)) expectation.envoyPatchPolicies = readYaml(policies) ?? [];
  } catch (error) {
    return { ...report, diff: `cannot read the case: ${errorText(error)}` };
  }
  const result = runXdsIrCase(name, ir, expectation);
  return { ...report, pass: result.pass, diff: result.diff ?? null };
}
