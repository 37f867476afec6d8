import type { Retry } from '../ir/types.js';
import { protoDuration } from './duration.js';
import { any, wrapToUint32, type Json } from './resources.js';

/** Envoy's `retry_on` conditions an IR retry trigger may name. */
const retryTriggers = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

// Envoy Gateway's defaults: retry twice on connection-level and gRPC failures and on 503.
const defaultRetryOn = ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'];
const defaultRetriableStatusCodes = [503];
const defaultNumRetries = 2;

/** The route's retry policy; throws on a trigger Envoy does not know. */
export function retryPolicy(retry: Retry): Json {
  let retryOn = defaultRetryOn;
  let statusCodes = defaultRetriableStatusCodes;
  if (retry.retryOn) {
    // Policies' retry settings are not schema-checked inside: a non-list is no triggers.
    const triggers: string[] = Array.isArray(retry.retryOn.triggers) ? retry.retryOn.triggers : [];
    for (const trigger of triggers) {
      if (!retryTriggers.has(trigger)) throw new Error(`unsupported retry trigger "${trigger}"`);
    }
    retryOn = [...triggers];
    statusCodes = Array.isArray(retry.retryOn.httpStatusCodes) ? retry.retryOn.httpStatusCodes : [];
    if (statusCodes.length && !retryOn.includes('retriable-status-codes')) retryOn.push('retriable-status-codes');
  }
  const policy: Json = {
    hostSelectionRetryMaxAttempts: '5',
    // A Go int in the route's API (int32 in the policy's), converted as the reference does.
    numRetries: wrapToUint32(retry.numRetries ?? defaultNumRetries),
    retryHostPredicate: [
      {
        name: 'envoy.retry_host_predicates.previous_hosts',
        typedConfig: any('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate', {}),
      },
    ],
    retryOn: retryOn.join(','),
  };
  if (statusCodes.length) policy.retriableStatusCodes = [...statusCodes];
  const perTryTimeout = protoDuration(retry.perRetry?.timeout);
  if (perTryTimeout) policy.perTryTimeout = perTryTimeout;
  const backoff = retry.perRetry?.backOff ?? retry.perRetry?.backoff;
  if (backoff) {
    const retryBackOff: Json = {};
    const base = protoDuration(backoff.baseInterval);
    const max = protoDuration(backoff.maxInterval);
    if (base) retryBackOff.baseInterval = base;
    if (max) retryBackOff.maxInterval = max;
    policy.retryBackOff = retryBackOff;
  }
  return policy;
}
