/**
 * In-process timing of one compile, stage by stage, plus what the CLI does after compile():
 * the strict output check of every bootstrap, writing the bootstrap YAML (`translate`), and
 * the config dump YAML of `translate --to xds`, credentials redacted as the CLI does.
 */
import { configDump } from '../bootstrap/configdump.js';
import { redactCredentials } from '../bootstrap/secrets.js';
import { writeYaml } from '../bootstrap/write.js';
import { compile, type Proxy } from '../pipeline.js';
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
 * The size in bytes of the YAML stream of the proxies' artifacts, written as the CLI writes
 * them (one document at a time, repeated routes copied) into a sink that only counts.
 */
function yamlBytes(proxies: readonly Proxy[], artifact: (proxy: Proxy) => unknown): number {
  let bytes = 0;
  const counter = { write: (chunk: Uint8Array) => void (bytes += chunk.length) };
  for (const [index, proxy] of proxies.entries()) {
    if (index > 0) bytes += '---\n'.length;
    writeYaml(artifact(proxy), counter, proxy.resources.sharedRoutes);
  }
  return bytes;
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
  const outputBytes = yamlBytes(result.proxies, (proxy) => proxy.bootstrap);
  times.output = performance.now() - start;

  start = performance.now();
  yamlBytes(result.proxies, (proxy) => redactCredentials({ name: proxy.name, xds: configDump(proxy.resources, 'all') }));
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
