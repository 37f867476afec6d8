/**
 * The fuzzer's seeds: the fixtures (fixtures/*.yaml) and the conformance inputs
 * (../shared/conformance/eg-v1.2.0/gatewayapi/*.in.yaml, as the Kubernetes objects each case
 * stands for). Each seed is a list of documents, which the mutator changes structurally.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { caseObjects } from '../conformance/context.js';

export interface Seed {
  name: string;
  documents: unknown[];
}

export const conformanceInputs = join('..', 'shared', 'conformance', 'eg-v1.2.0', 'gatewayapi');

function yamlFiles(directory: string, suffix: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith(suffix))
    .sort();
}

/** Every seed under `root` (the repository), in a fixed order. */
export function loadSeeds(root: string): Seed[] {
  const seeds: Seed[] = [];
  const fixtures = join(root, 'fixtures');
  for (const name of yamlFiles(fixtures, '.yaml')) {
    const documents = parseAllDocuments(readFileSync(join(fixtures, name), 'utf8'));
    if (!Array.isArray(documents) || documents.some((d) => d.errors.length > 0)) continue;
    seeds.push({ name: `fixtures/${name}`, documents: documents.map((d) => d.toJS()).filter((d) => d !== null) });
  }
  const conformance = join(root, conformanceInputs);
  for (const name of yamlFiles(conformance, '.in.yaml')) {
    let document: unknown;
    try {
      document = parse(readFileSync(join(conformance, name), 'utf8'));
    } catch {
      continue;
    }
    const { objects } = caseObjects(document);
    if (objects.length > 0) seeds.push({ name: `conformance/${name}`, documents: objects });
  }
  return seeds;
}
