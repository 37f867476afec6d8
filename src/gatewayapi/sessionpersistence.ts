/**
 * HTTPRoute rule `sessionPersistence` (Gateway API v1.2): strong session affinity by cookie or
 * header, as the IR's `sessionPersistence` ({cookie: {name, ttl?}} or {header: {name}}).
 */
import type { HTTPRoute } from '../ir/types.js';
import { normalizeGoDuration } from './units.js';
import { FilterError } from './httpfilters.js';

export interface CookieSessionPersistence {
  cookie: { name: string; ttl?: string };
}

export interface HeaderSessionPersistence {
  header: { name: string };
}

export type SessionPersistence = CookieSessionPersistence | HeaderSessionPersistence;

/**
 * The IR session persistence of a rule, or undefined when the rule has none. Throws FilterError
 * for what Envoy cannot do (an idle timeout). `rulePrefix` is `httproute/ns/name/rule/N`.
 */
export function buildSessionPersistence(spec: any, rulePrefix: string): SessionPersistence | undefined {
  if (!spec) return undefined;
  // Envoy's stateful session has no idle expiry, only the cookie's own lifetime.
  if (spec.idleTimeout !== undefined) throw new FilterError('idle timeout is not supported in envoy gateway');
  // The name is optional in Gateway API but Envoy needs one: derive it from the rule, with `-`
  // for `/`, which a header name cannot contain.
  const name: string = spec.sessionName ?? rulePrefix.replaceAll('/', '-');
  // Envoy refuses an empty cookie or header name.
  if (name === '') throw new FilterError('session persistence needs a non-empty sessionName');
  if (spec.type === 'Header') return { header: { name } };
  const persistence: CookieSessionPersistence = { cookie: { name } };
  // Only a Permanent cookie carries a lifetime (Max-Age); a Session cookie ends with the browser.
  if (spec.absoluteTimeout !== undefined && spec.cookieConfig?.lifetimeType === 'Permanent') {
    const ttl = normalizeGoDuration(String(spec.absoluteTimeout));
    if (ttl === undefined) throw new FilterError(`invalid absoluteTimeout ${spec.absoluteTimeout}`);
    persistence.cookie.ttl = ttl;
  }
  return persistence;
}

/** Sets the rule's session persistence on one of its IR routes. */
export function applySessionPersistence(irRoute: HTTPRoute, spec: any, rulePrefix: string): void {
  const persistence = buildSessionPersistence(spec, rulePrefix);
  if (persistence) irRoute.sessionPersistence = { ...structuredClone(persistence) };
}
