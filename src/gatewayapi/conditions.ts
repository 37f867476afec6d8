/** Kubernetes status conditions, as the reference translator writes them. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: null;
  observedGeneration?: number;
}

export function condition(type: string, status: boolean, reason: string, message: string, generation?: number): Condition {
  const result: Condition = { lastTransitionTime: null, message, reason, status: status ? 'True' : 'False', type };
  if (generation !== undefined) result.observedGeneration = generation;
  return result;
}

/** Sets a condition, replacing one of the same type (Kubernetes' meta.SetStatusCondition). */
export function setCondition(conditions: Condition[], next: Condition): void {
  const index = conditions.findIndex((existing) => existing.type === next.type);
  if (index >= 0) conditions[index] = next;
  else conditions.push(next);
}

export function findCondition(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}
