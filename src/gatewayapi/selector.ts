/**
 * Kubernetes label selectors (matchLabels + matchExpressions), parsed once into a predicate.
 * Parse errors carry the wording Kubernetes uses, since they surface in listener statuses.
 */
export type LabelPredicate = (labels: Record<string, string>) => boolean;

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

export function parseLabelSelector(selector: { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] }): LabelPredicate | string {
  const checks: LabelPredicate[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    checks.push((labels) => labels[key] === value);
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return 'values: Invalid value: []string(nil): for \'in\', \'notin\' operators, values set can\'t be empty';
        checks.push(
          requirement.operator === 'In'
            ? (labels) => requirement.key in labels && values.includes(labels[requirement.key])
            : (labels) => !(requirement.key in labels) || !values.includes(labels[requirement.key]),
        );
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          return `values: Invalid value: []string{${values.map((v) => JSON.stringify(v)).join(', ')}}: values set must be empty for exists and does not exist`;
        }
        checks.push(requirement.operator === 'Exists' ? (labels) => requirement.key in labels : (labels) => !(requirement.key in labels));
        break;
      default:
        return `operator: Invalid value: ${JSON.stringify(requirement.operator)}: not a valid selector operator`;
    }
  }
  return (labels) => checks.every((check) => check(labels));
}
