import { stringify } from 'yaml';

export type OutputFormat = 'yaml' | 'json';

/** One value as YAML or pretty JSON; the same value always serialises to the same bytes. */
export function serialize(value: unknown, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Several values as one stream: a YAML multi-document stream, or a JSON array. */
export function serializeAll(values: readonly unknown[], format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(values, null, 2)}\n`;
  return values.map((value) => serialize(value, 'yaml')).join('---\n');
}
