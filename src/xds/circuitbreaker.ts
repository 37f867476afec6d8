import type { CircuitBreaker } from '../ir/types.js';
import type { Json } from './resources.js';

/** Envoy's default of 3 concurrent retries is too low for a gateway; the reference raises it. */
const defaultMaxRetries = 1024;

// What clusters without a circuit breaker share (never mutated: emitted resources are copied, not changed).
const defaultCircuitBreakers: Json = { thresholds: [{ maxRetries: defaultMaxRetries }] };

/** The cluster's circuit-breaker thresholds (one set, for the default priority). */
export function circuitBreakers(breaker: CircuitBreaker | undefined | null): Json {
  if (breaker === undefined || breaker === null) return defaultCircuitBreakers;
  const threshold: Json = {};
  if (breaker.maxConnections != null) threshold.maxConnections = breaker.maxConnections;
  if (breaker.maxPendingRequests != null) threshold.maxPendingRequests = breaker.maxPendingRequests;
  if (breaker.maxParallelRequests != null) threshold.maxRequests = breaker.maxParallelRequests;
  threshold.maxRetries = breaker.maxParallelRetries ?? defaultMaxRetries;
  return { thresholds: [threshold] };
}
