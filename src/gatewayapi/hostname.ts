/** `foo.example.com` matches `*.example.com`; the wildcard must cover at least one label part. */
export function matchesWildcard(hostname: string, wildcard: string): boolean {
  const suffix = wildcard.slice(1);
  return hostname.endsWith(suffix) && hostname.length > suffix.length;
}

/**
 * The hostnames a route serves on a listener: the intersection of the route's hostnames with the
 * listener's (Gateway API's rules), sorted and unique. No route hostnames means the listener's.
 */
export function computeHosts(routeHostnames: readonly string[], listenerHostname: string | undefined, siblingHostnames: readonly string[] = []): string[] {
  if (routeHostnames.length === 0) return [listenerHostname || '*'];
  // Hostnames a more specific listener on the same port serves belong to that listener alone.
  const isolating = siblingHostnames.length ? siblingHostnames.filter((sibling) => isMoreSpecific(sibling, listenerHostname)) : siblingHostnames;
  // A list, not a Set: a route has few hostnames, and this runs for every route and listener.
  const hosts: string[] = [];
  for (let index = 0; index < routeHostnames.length; index++) {
    const host = intersection(routeHostnames[index], listenerHostname);
    if (host !== undefined && !hosts.includes(host) && !isolatedBy(host, isolating)) hosts.push(host);
  }
  return hosts.length > 1 ? hosts.sort() : hosts;
}

/** The hostname a route hostname and a listener hostname both serve, if any. */
function intersection(routeHostname: string, listenerHostname: string | undefined): string | undefined {
  if (!listenerHostname || listenerHostname === routeHostname) return routeHostname;
  if (listenerHostname.startsWith('*')) return matchesWildcard(routeHostname, listenerHostname) ? routeHostname : undefined;
  if (routeHostname.startsWith('*')) return matchesWildcard(listenerHostname, routeHostname) ? listenerHostname : undefined;
  return undefined;
}

function isolatedBy(host: string, isolating: readonly string[]): boolean {
  return isolating.some((sibling) => host === sibling || (sibling.startsWith('*') && matchesWildcard(host, sibling)));
}

/** Exact beats wildcard beats none; a longer wildcard suffix beats a shorter one. */
function isMoreSpecific(hostname: string, than: string | undefined): boolean {
  if (!than) return true;
  if (hostname === than) return false;
  const wild = hostname.startsWith('*');
  const thanWild = than.startsWith('*');
  if (wild !== thanWild) return !wild;
  return wild && matchesWildcard(hostname.slice(2), than);
}
