/**
 * Strong session persistence: Envoy's stateful_session filter. The listener carries one disabled
 * filter per route that persists sessions, named `envoy.filters.http.stateful_session/<route>`
 * (the cookie's path depends on the route), and each such route turns its own filter on.
 */
import type { HTTPRoute, StringMatch } from '../../ir/types.js';
import { any, type Json } from '../resources.js';
import { protoDuration } from '../duration.js';
import { enableFilter, routesOf, type HttpFilterFeature } from './common.js';

export const statefulSessionFilterType = 'envoy.filters.http.stateful_session';

interface SessionPersistence {
  cookie?: { name: string; ttl?: string };
  header?: { name: string };
}

function persistenceOf(route: HTTPRoute): SessionPersistence | undefined {
  const persistence = route.sessionPersistence as SessionPersistence | undefined;
  return persistence?.cookie || persistence?.header ? persistence : undefined;
}

function filterName(route: HTTPRoute): string {
  return `${statefulSessionFilterType}/${route.name}`;
}

/** The literal start of a regex: everything before its first metacharacter. */
function literalPrefix(regex: string): string {
  const end = regex.search(/[\\^$.|?*+()[\]{}]/);
  return end < 0 ? regex : regex.slice(0, end);
}

/** The cookie is scoped to the route's path, so it is only sent where it means something. */
function cookiePath(match: StringMatch | undefined): string {
  if (match?.exact !== undefined) return match.exact;
  if (match?.prefix !== undefined) return match.prefix;
  if (match?.safeRegex !== undefined) return literalPrefix(match.safeRegex) || '/';
  return '/';
}

function sessionState(route: HTTPRoute, persistence: SessionPersistence): Json {
  if (persistence.cookie) {
    const cookie: Json = { name: persistence.cookie.name, path: cookiePath(route.pathMatch) };
    // Without a TTL Envoy sets a session cookie (no Max-Age).
    const ttl = protoDuration(persistence.cookie.ttl);
    if (ttl) cookie.ttl = ttl;
    return {
      name: 'envoy.http.stateful_session.cookie',
      typedConfig: any('envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState', { cookie }),
    };
  }
  return {
    name: 'envoy.http.stateful_session.header',
    typedConfig: any('envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState', { name: persistence.header!.name }),
  };
}

export const sessionPersistenceFeature: HttpFilterFeature = {
  routeFields: ['sessionPersistence'],
  listenerFilters(listener) {
    const filters: Json[] = [];
    for (const route of routesOf(listener)) {
      const persistence = persistenceOf(route);
      if (!persistence) continue;
      const config = { sessionState: sessionState(route, persistence) };
      filters.push({ disabled: true, name: filterName(route), typedConfig: any('envoy.extensions.filters.http.stateful_session.v3.StatefulSession', config) });
    }
    return filters;
  },
  routeConfig(route) {
    if (!persistenceOf(route)) return undefined;
    return { [filterName(route)]: enableFilter() };
  },
};
