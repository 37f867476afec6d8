/**
 * In-process timing of one compile, stage by stage, plus what the CLI does after compile():
 * the strict output check of every bootstrap, writing the bootstrap YAML (`translate`), and
 * the config dump YAML of `translate --to xds`.
 */
import { configDump } from '../bootstrap/configdump.js';
import { serialize, serializeAll } from '../bootstrap/write.js';
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

function asYaml(values: readonly unknown[]): string {
  return values.length === 1 ? serialize(values[0], 'yaml') : serializeAll(values, 'yaml');
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
  const output = asYaml(result.proxies.map((proxy) => proxy.bootstrap));
  times.output = performance.now() - start;

  start = performance.now();
  asYaml(result.proxies.map((proxy) => ({ name: proxy.name, xds: configDump(proxy.resources, 'all') })));
  times.xdsOutput = performance.now() - start;

  return {
    times,
    compileMs,
    errors: result.diagnostics.filter((d) => d.severity === 'error').length,
    protoIssues,
    proxies: result.proxies.length,
    outputBytes: Buffer.byteLength(output),
  };
}
