import { descriptorProblem } from '../verify/proto-descriptor.js';
import { checkMessage, ruleViolation, type ProtoIssue } from '../verify/proto.js';
import { headerLineBreak } from '../verify/proto-rules.js';
import type { Json } from './resources.js';

/** The xDS message type of each kind of resource we emit. */
export const resourceTypes = {
  listener: 'envoy.config.listener.v3.Listener',
  routeConfiguration: 'envoy.config.route.v3.RouteConfiguration',
  cluster: 'envoy.config.cluster.v3.Cluster',
  clusterLoadAssignment: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type ResourceKind = keyof typeof resourceTypes;

/**
 * Like the reference, which checks every resource against its protoc-gen-validate rules as it
 * adds it, a resource that breaks Envoy's rules (an empty listener address, an endpoint without a
 * host...) is an error: the message names the resource and the first offending field.
 */
export function validationError(kind: ResourceKind, resource: Json): string | undefined {
  const issues = issuesOf(kind, resource);
  return issues.length ? describeIssues(kind, resource, issues) : undefined;
}

function issuesOf(kind: ResourceKind, resource: Json): ProtoIssue[] {
  try {
    return checkMessage(resourceTypes[kind], resource);
  } catch (error) {
    // Without the compiled Envoy protos (build/envoy-protos.json) there is nothing to check
    // against, which the xds stage reports once (XdsResult.uncheckedBecause). Any other failure
    // is the check's own, and no pass.
    if (descriptorProblem() !== undefined) return [];
    throw error;
  }
}

function describeIssues(kind: ResourceKind, resource: Json, issues: readonly ProtoIssue[]): string {
  const name = resource.name ?? resource.clusterName ?? '';
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `validation failed for xds resource ${kind} "${name}": ${first.path || '(root)'}: ${first.message}${more}`;
}

/**
 * Whether an issue is the input's: a line break or NUL in a header name or value, which egc never
 * writes itself, so the input put it there (the CRDs let most such strings through).
 */
function fromInput(issue: ProtoIssue): boolean {
  return issue.message.includes(headerLineBreak);
}

/** Where and why, for an issue fromInput: `headers[0].key holds a line break or NUL, ...`. */
function refusal(path: string, issue: ProtoIssue): string {
  return `${path || '(root)'} ${issue.message.replace(ruleViolation, '')}`;
}

/** A resource's check: it passes, breaks Envoy's rules through egc's fault (`error`), or through the input's (`refused`, EGC3014). */
export interface ResourceCheck {
  error?: string;
  refused?: string;
}

export function checkResource(kind: ResourceKind, resource: Json): ResourceCheck {
  const issues = issuesOf(kind, resource);
  if (!issues.length) return {};
  if (!issues.every(fromInput)) return { error: describeIssues(kind, resource, issues) };
  const first = issues[0];
  return { refused: `${kind} ${resource.name ?? resource.clusterName ?? ''} is left out: ${refusal(first.path, first)}` };
}

/**
 * routeConfigurationError, with the routes that fail only through the input (see fromInput) left
 * out of the configuration and reported (`refused`) rather than failing it: one header with a
 * line break costs its route, not the listener's whole route table.
 */
export function routeConfigurationCheck(config: Json, checkedRoutes: Set<object>): { error?: string; refused: string[] } {
  const error = routeConfigurationError(config, checkedRoutes);
  if (!error) return { refused: [] };
  const issues = issuesOf('routeConfiguration', config);
  const places = issues.map((issue) => (fromInput(issue) ? routePlace.exec(issue.path) : null));
  if (places.some((place) => place === null)) return { error, refused: [] };
  const refused: string[] = [];
  const leftOut = new Map<Json[], Set<number>>();
  places.forEach((place, index) => {
    const routes: Json[] = config.virtualHosts[Number(place![1])].routes;
    const at = Number(place![2]);
    let indexes = leftOut.get(routes);
    if (!indexes) leftOut.set(routes, (indexes = new Set()));
    if (indexes.has(at)) return;
    indexes.add(at);
    refused.push(`route ${routes[at].name} is left out: ${refusal(place![3], issues[index])}`);
  });
  for (const [routes, indexes] of leftOut) {
    for (const at of [...indexes].sort((a, b) => b - a)) routes.splice(at, 1);
  }
  const after = routeConfigurationError(config, checkedRoutes);
  return after ? { error: after, refused } : { refused };
}

/** `virtualHosts[i].routes[j]` and the rest of an issue's path. */
const routePlace = /^virtualHosts\[(\d+)\]\.routes\[(\d+)\]\.?(.*)$/;

/**
 * validationError for a route configuration whose routes may be shared with other route
 * configurations (see RouteBuilder): routes in `checkedRoutes` are known to pass and are not
 * walked again. A message's check does not depend on where it sits, and VirtualHost.routes has no
 * rules of its own, so the configuration passes exactly when the same configuration without its
 * checked routes passes; that is what is checked (the configuration itself when none of its
 * routes was checked before). On any issue, the whole configuration is checked as usual, so the
 * message is the one validationError gives.
 */
export function routeConfigurationError(config: Json, checkedRoutes: Set<object>): string | undefined {
  const hosts: unknown = config.virtualHosts;
  if (!Array.isArray(hosts) || 'virtual_hosts' in config) return validationError('routeConfiguration', config);
  let uncheckedHosts: Json[] | undefined;
  for (let index = 0; index < hosts.length; index++) {
    const host: unknown = hosts[index];
    if (!isPlainObject(host) || !Array.isArray(host.routes)) return validationError('routeConfiguration', config);
    let uncheckedRoutes: Json[] | undefined;
    const routes: unknown[] = host.routes;
    for (let at = 0; at < routes.length; at++) {
      const route = routes[at];
      if (!isPlainObject(route)) return validationError('routeConfiguration', config);
      if (checkedRoutes.has(route)) uncheckedRoutes ??= routes.slice(0, at) as Json[];
      else uncheckedRoutes?.push(route);
    }
    // Copies only where checked routes are left out.
    if (uncheckedRoutes) (uncheckedHosts ??= hosts.slice(0, index))[index] = { ...host, routes: uncheckedRoutes };
    else uncheckedHosts?.push(host);
  }
  const checked = uncheckedHosts ? { ...config, virtualHosts: uncheckedHosts } : config;
  const error = validationError('routeConfiguration', checked);
  if (error) return checked === config ? error : validationError('routeConfiguration', config);
  for (const host of checked.virtualHosts) for (const route of host.routes) checkedRoutes.add(route);
  return undefined;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}
