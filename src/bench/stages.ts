/**
 * In-process timing of one compile, stage by stage, plus what the CLI does after compile():
 * the strict output check of every bootstrap, writing the bootstrap YAML (`translate`), and
 * the config dump YAML of `translate --to xds`, credentials redacted as the CLI does.
 */
import { configDump } from '../bootstrap/configdump.js';
import { redactCredentials } from '../bootstrap/secrets.js';
import { serialize } from '../bootstrap/write.js';
import { compile } from '../pipeline.js';
import { checkMessage } from '../verify/proto.js';

export const stageNames = ['load', 'schema', 'gatewayapi', 'xds', 'bootstrap', 'check', 'output', 'xdsOutput'] as const;
export type StageName = (typeof stageNames)[number];
export type StageTimes = Record<StageName, number>;

export interface StageRun {
  times: StageTimes;
  /** compile() alone: load through bootstrap. */
  compileMs: number;
  errors: number;
  protoIssues: number;
  proxies: number;
  outputBytes: number;
}

/**
 * The YAML stream of the values, made one document at a time as the CLI writes it (the whole
 * stream of a large repository is longer than the longest string V8 makes); its size in bytes.
 */
function yamlBytes(values: readonly unknown[]): number {
  return values.reduce<number>((bytes, value, index) => bytes + (index > 0 ? '---\n'.length : 0) + Buffer.byteLength(serialize(value, 'yaml')), 0);
}

export function measureStages(inputs: readonly string[]): StageRun {
  const times = Object.fromEntries(stageNames.map((name) => [name, 0])) as StageTimes;
  const result = compile({ inputs, onStage: (stage, ms) => (times[stage] += ms) });
  const compileMs = times.load + times.schema + times.gatewayapi + times.xds + times.bootstrap;

  let start = performance.now();
  let protoIssues = 0;
  for (const proxy of result.proxies) protoIssues += checkMessage('envoy.config.bootstrap.v3.Bootstrap', proxy.bootstrap).length;
  times.check = performance.now() - start;

  start = performance.now();
  const outputBytes = yamlBytes(result.proxies.map((proxy) => proxy.bootstrap));
  times.output = performance.now() - start;

  start = performance.now();
  yamlBytes(result.proxies.map((proxy) => redactCredentials({ name: proxy.name, xds: configDump(proxy.resources, 'all') })));
  times.xdsOutput = performance.now() - start;

  return {
    times,
    compileMs,
    errors: result.diagnostics.filter((d) => d.severity === 'error').length,
    protoIssues,
    proxies: result.proxies.length,
    outputBytes,
  };
}
