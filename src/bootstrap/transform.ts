/**
 * Rewrites that turn the reference's xDS form (served over ADS) into configuration Envoy loads
 * without a control plane; shared by the static bootstrap and host mode's file-based xDS.
 */
import { any, typeUrlPrefix, type Json } from '../xds/resources.js';

/**
 * The value tree with every object for which `replace` returns a value replaced (and the
 * replacement rewritten in turn). `replace` returns the object itself to keep it and everything
 * under it as they are, unvisited. Subtrees with nothing to replace are shared with `value`, not
 * copied: a bootstrap's route tables are most of its size and rarely change.
 */
export function rewrite(value: unknown, replace: (object: Json) => Json | undefined): unknown {
  if (Array.isArray(value)) {
    let items: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item = value[index];
      const rewritten = rewrite(item, replace);
      if (rewritten !== item) (items ??= value.slice())[index] = rewritten;
    }
    return items ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  const replaced = replace(value as Json);
  if (replaced === value) return value;
  const source = replaced ?? (value as Json);
  let result: Json | undefined = replaced === undefined ? undefined : { ...replaced };
  for (const key in source) {
    const item = source[key];
    if (item === null || typeof item !== 'object') continue;
    const rewritten = rewrite(item, replace);
    if (rewritten !== item) (result ??= { ...source })[key] = rewritten;
  }
  return result ?? source;
}

const fileAccessLogType = `${typeUrlPrefix}envoy.extensions.access_loggers.file.v3.FileAccessLog`;
const streamAccessLogTypes: Record<string, string> = {
  '/dev/stdout': 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  '/dev/stderr': 'envoy.extensions.access_loggers.stream.v3.StderrAccessLog',
};

/**
 * A file access log on /dev/stdout or /dev/stderr becomes the stream logger writing to the
 * same descriptor: Envoy opens the file by path, which fails (ENXIO) when its output is a
 * socket (under systemd's journal, or a Node parent); the stream loggers write to the
 * descriptor itself, with the same format.
 */
export function toStreamAccessLog(object: Json): Json | undefined {
  const config = object.typedConfig;
  if (!config || config['@type'] !== fileAccessLogType || !streamAccessLogTypes[config.path]) return undefined;
  const { path, '@type': _type, ...format } = config;
  return { ...object, name: `envoy.access_loggers.${path === '/dev/stdout' ? 'stdout' : 'stderr'}`, typedConfig: any(streamAccessLogTypes[path], format) };
}

/** An EDS cluster as a STATIC one with its endpoints inline; other clusters as they are. */
export function withInlineEndpoints(cluster: Json, assignments: ReadonlyMap<string, Json>): Json {
  if (cluster.type !== 'EDS') return cluster;
  const name: string = cluster.edsClusterConfig?.serviceName ?? cluster.name;
  // A copy without edsClusterConfig, key by key: much cheaper than a rest pattern and a spread.
  const inline: Json = {};
  for (const key in cluster) if (key !== 'edsClusterConfig') inline[key] = cluster[key];
  inline.type = 'STATIC';
  inline.loadAssignment = assignments.get(name) ?? { clusterName: cluster.name, endpoints: [] };
  return inline;
}
