/**
 * The file-based xDS layout egc server runs Envoy with. Envoy's bootstrap points LDS and CDS at
 * files, each route configuration is an RDS file and each secret an SDS file; Envoy watches the
 * directories and applies a file moved into one as an xDS update. So a route change touches one
 * RDS file and no listener (nothing drains), and a listener change drains only what changed.
 *
 *   <dir>/bootstrap.json
 *   <dir>/xds/lds.json  <dir>/xds/cds.json   (watched: <dir>/xds)
 *   <dir>/rds/<route config>.json            (watched: <dir>/rds)
 *   <dir>/sds/<secret>.json                  (watched: <dir>/sds)
 *
 * Every file is written to a temp name and renamed into place: Envoy reacts to the rename
 * (IN_MOVED_TO), so it never reads a half-written file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rewrite, toStreamAccessLog, withInlineEndpoints } from '../bootstrap/transform.js';
import { compareText } from '../collate.js';
import { any, type Json, type XdsResources } from '../xds/resources.js';

const types = {
  listener: 'envoy.config.listener.v3.Listener',
  cluster: 'envoy.config.cluster.v3.Cluster',
  route: 'envoy.config.route.v3.RouteConfiguration',
  secret: 'envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

/** A config source reading one file, reloaded whenever a file is moved into `directory`. */
function pathSource(path: string, directory: string): Json {
  return { pathConfigSource: { path, watchedDirectory: { path: directory } }, resourceApiVersion: 'V3' };
}

/** A file name for a resource name (which may hold `/`): readable, and unique thanks to a hash. */
export function fileNameFor(resourceName: string): string {
  const readable = resourceName.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(resourceName).digest('hex').slice(0, 10);
  return `${readable}-${hash}.json`;
}

/** True if any ADS config source is left: Envoy would wait forever for a control plane. */
function usesAds(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesAds);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, item]) => key === 'ads' || usesAds(item));
}

/**
 * The resources of one proxy as file-based xDS: ADS references in listeners and clusters are
 * pointed at RDS/SDS files, EDS clusters become STATIC with their endpoints inline.
 */
export function dynamicFiles(resources: XdsResources, directory: string): Map<string, Json[]> {
  const rdsDirectory = join(directory, 'rds');
  const sdsDirectory = join(directory, 'sds');
  const routeConfigs = new Map(resources.routes.map((r) => [r.name as string, r]));
  const referencedRoutes = new Set<string>();

  const pointAtFiles = (object: Json): Json | undefined => {
    if (object.rds && typeof object.rds === 'object' && typeof object.rds.routeConfigName === 'string') {
      const name: string = object.rds.routeConfigName;
      referencedRoutes.add(name);
      return { ...object, rds: { routeConfigName: name, configSource: pathSource(join(rdsDirectory, fileNameFor(name)), rdsDirectory) } };
    }
    if (object.sdsConfig !== undefined && typeof object.name === 'string' && Object.keys(object).length === 2) {
      return { name: object.name, sdsConfig: pathSource(join(sdsDirectory, fileNameFor(object.name)), sdsDirectory) };
    }
    return toStreamAccessLog(object);
  };

  const assignments = new Map(resources.endpoints.map((e) => [e.clusterName as string, e]));
  const listeners = resources.listeners.map((listener) => any(types.listener, rewrite(listener, pointAtFiles) as Json));
  const clusters = resources.clusters.map((cluster) => any(types.cluster, rewrite(withInlineEndpoints(cluster, assignments), pointAtFiles) as Json));
  if (usesAds(listeners) || usesAds(clusters)) throw new Error('a resource still refers to ADS after the file-based rewrite');

  const files = new Map<string, Json[]>();
  files.set('xds/lds.json', listeners);
  files.set('xds/cds.json', clusters);
  // Envoy's RDS and SDS file subscriptions take exactly one resource per file.
  for (const name of new Set([...routeConfigs.keys(), ...referencedRoutes])) {
    files.set(`rds/${fileNameFor(name)}`, [any(types.route, routeConfigs.get(name) ?? { name })]);
  }
  for (const secret of resources.secrets) files.set(`sds/${fileNameFor(secret.name)}`, [any(types.secret, secret)]);
  return files;
}

export interface BootstrapInput {
  directory: string;
  adminPort: number;
  /** Envoy's node id and cluster: the proxy's name. */
  node: string;
}

/** The bootstrap: the admin interface, and LDS/CDS from the files in `<dir>/xds`. */
export function dynamicBootstrap(input: BootstrapInput): Json {
  const xdsDirectory = join(input.directory, 'xds');
  return {
    node: { id: input.node, cluster: input.node },
    admin: { address: { socketAddress: { address: '127.0.0.1', portValue: input.adminPort } } },
    dynamicResources: {
      ldsConfig: pathSource(join(xdsDirectory, 'lds.json'), xdsDirectory),
      cdsConfig: pathSource(join(xdsDirectory, 'cds.json'), xdsDirectory),
    },
  };
}

/**
 * The files of one proxy on disk. apply() writes what changed, in the order that keeps every
 * reference resolvable: secrets and clusters first, then route configurations, then listeners
 * (which may subscribe to new route files); files no longer used are removed last.
 */
export class DynamicConfig {
  /** Serialized resources (without version) of every file written, to skip unchanged ones. */
  private readonly written = new Map<string, string>();

  constructor(readonly directory: string) {
    for (const sub of ['xds', 'rds', 'sds']) mkdirSync(join(directory, sub), { recursive: true });
  }

  get bootstrapPath(): string {
    return join(this.directory, 'bootstrap.json');
  }

  writeBootstrap(input: Omit<BootstrapInput, 'directory'>): void {
    this.writeAtomically('bootstrap.json', JSON.stringify(dynamicBootstrap({ ...input, directory: this.directory }), null, 2));
  }

  /** Writes the resources as version `version`; returns the files that changed. */
  apply(resources: XdsResources, version: string): string[] {
    const files = dynamicFiles(resources, this.directory);
    const rank = (path: string) => ['sds/', 'xds/cds', 'rds/', 'xds/lds'].findIndex((prefix) => path.startsWith(prefix));
    const changed: string[] = [];
    for (const path of [...files.keys()].sort((a, b) => rank(a) - rank(b) || compareText(a, b))) {
      const body = JSON.stringify(files.get(path));
      // LDS and CDS are rewritten every time so Envoy's version_text tracks the applied version.
      if (this.written.get(path) === body && !path.startsWith('xds/')) continue;
      this.writeAtomically(path, JSON.stringify({ versionInfo: version, resources: files.get(path) }, null, 2));
      if (this.written.get(path) !== body) changed.push(path);
      this.written.set(path, body);
    }
    for (const path of [...this.written.keys()]) {
      if (files.has(path)) continue;
      rmSync(join(this.directory, path), { force: true });
      this.written.delete(path);
      changed.push(path);
    }
    return changed;
  }

  private writeAtomically(path: string, text: string): void {
    // The temp file sits outside the watched directories, so only the rename is an event.
    const temp = join(this.directory, `.${path.replace(/\//g, '_')}.tmp`);
    writeFileSync(temp, text);
    renameSync(temp, join(this.directory, path));
  }
}

