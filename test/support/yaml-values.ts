import { parseAllDocuments } from 'yaml';

/** The document values as the `yaml` package gives them, empty documents left out. */
export function yamlValues(text: string): unknown[] {
  return parseAllDocuments(text, { uniqueKeys: true })
    .filter((document) => document.contents !== null)
    .map((document) => document.toJS())
    .filter((value) => value !== null);
}
