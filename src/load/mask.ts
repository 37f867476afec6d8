import { isMap, isPair, isScalar, type Node } from 'yaml';
import type { SourceTexts } from '../diagnostics/format.js';
import type { KubeObject } from './resource.js';
import { sourceOf } from './source.js';

/** The Secret fields whose values are credentials (TLS keys, client secrets, htpasswd files). */
const secretFields = ['data', 'stringData'];

/**
 * The text with the values under each Secret's `data` and `stringData` replaced by `*`, keeping
 * line breaks, so code frames keep their positions but never show a credential.
 */
export function maskSecretValues(text: string, objects: readonly KubeObject[]): string {
  const ranges: [number, number][] = [];
  for (const object of objects) {
    if (object.kind !== 'Secret') continue;
    const contents = sourceOf(object)?.document?.contents;
    if (!isMap(contents)) continue;
    for (const pair of contents.items) {
      if (!isPair(pair) || !isScalar(pair.key) || !secretFields.includes(String(pair.key.value))) continue;
      if (!isMap(pair.value)) continue;
      for (const entry of pair.value.items) {
        const range = isPair(entry) ? (entry.value as Node | null)?.range : undefined;
        if (range) ranges.push([range[0], range[1]]);
      }
    }
  }
  if (ranges.length === 0) return text;
  const chars = text.split('');
  for (const [start, end] of ranges) {
    for (let index = start; index < end && index < chars.length; index++) {
      if (chars[index] !== '\n' && chars[index] !== '\r') chars[index] = '*';
    }
  }
  return chars.join('');
}

/**
 * Texts by file name as code frames quote them: with Secret values masked (maskSecretValues).
 * Masking needs the `yaml` package's AST of the file, so a file with a Secret is masked when its
 * text is first asked for, which a run without diagnostics in that file never does.
 */
export class DisplayTexts implements SourceTexts {
  private readonly texts = new Map<string, string>();
  /** The Secrets of each file whose text is not masked yet. */
  private readonly unmasked = new Map<string, KubeObject[]>();

  /** Adds the text of `file`, from which `objects` were read. */
  add(file: string, text: string, objects: readonly KubeObject[]): void {
    const secrets = objects.filter((object) => object.kind === 'Secret');
    this.texts.set(file, text);
    if (secrets.length > 0) this.unmasked.set(file, secrets);
    else this.unmasked.delete(file);
  }

  get(file: string): string | undefined {
    const secrets = this.unmasked.get(file);
    if (secrets !== undefined) {
      this.unmasked.delete(file);
      this.texts.set(file, maskSecretValues(this.texts.get(file)!, secrets));
    }
    return this.texts.get(file);
  }
}
