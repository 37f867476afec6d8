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
  const isolating = siblingHostnames.filter((sibling) => isMoreSpecific(sibling, listenerHostname));
  const hosts = new Set<string>();
  for (const routeHostname of routeHostnames) {
    if (!listenerHostname) hosts.add(routeHostname);
    else if (listenerHostname === routeHostname) hosts.add(routeHostname);
    else if (listenerHostname.startsWith('*')) {
      if (matchesWildcard(routeHostname, listenerHostname)) hosts.add(routeHostname);
    } else if (routeHostname.startsWith('*')) {
      if (matchesWildcard(listenerHostname, routeHostname)) hosts.add(listenerHostname);
    }
  }
  return [...hosts].filter((host) => !isolating.some((sibling) => host === sibling || (sibling.startsWith('*') && matchesWildcard(host, sibling)))).sort();
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
