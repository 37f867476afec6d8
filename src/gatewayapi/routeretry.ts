/**
 * HTTPRoute rule `retry` (Gateway API v1.2): attempts, the status codes to retry on and the
 * backoff between attempts, as the IR route's `traffic.retry`.
 */
import type { HTTPRoute, Retry } from '../ir/types.js';
import { normalizeGoDuration } from './units.js';
import { FilterError } from './httpfilters.js';

export function buildRouteRetry(spec: any): Retry | undefined {
  if (!spec) return undefined;
  const retry: Retry = {};
  if (spec.attempts !== undefined) retry.numRetries = spec.attempts;
  if (spec.codes?.length) retry.retryOn = { httpStatusCodes: [...spec.codes] };
  if (spec.backoff !== undefined) {
    const baseInterval = normalizeGoDuration(String(spec.backoff));
    if (baseInterval === undefined) throw new FilterError(`invalid retry backoff ${spec.backoff}`);
    retry.perRetry = { backOff: { baseInterval } };
  }
  return retry;
}

/** Sets the rule's retry on one of its IR routes, next to what the rule's timeouts set. */
export function applyRouteRetry(irRoute: HTTPRoute, spec: any): void {
  const retry = buildRouteRetry(spec);
  if (retry) irRoute.traffic = { ...irRoute.traffic, retry };
}
