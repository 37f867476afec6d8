import { describe, type KubeObject } from '../load/resource.js';
import { locate, sourceOf } from '../load/source.js';
import { formatPath, type Diagnostic, type Severity } from './diagnostic.js';

export interface DiagnosticInit {
  code: string;
  severity?: Severity;
  message: string;
  /** Point at the key naming the last path segment instead of its value. */
  key?: boolean;
  notes?: Diagnostic['notes'];
}

/** A diagnostic located at `path` inside a loaded object (file:line:col from its YAML source). */
export function diagnosticAt(object: KubeObject, path: readonly (string | number)[], init: DiagnosticInit): Diagnostic {
  const diagnostic: Diagnostic = {
    code: init.code,
    severity: init.severity ?? 'error',
    message: init.message,
    resource: object.kind && object.metadata?.name ? describe(object) : undefined,
    path: path.length ? formatPath(path) : undefined,
  };
  if (init.notes) diagnostic.notes = init.notes;
  const source = sourceOf(object);
  if (source) {
    const position = locate(source, path, init.key);
    diagnostic.file = source.file;
    Object.assign(diagnostic, position);
  }
  return diagnostic;
}

/** A related location for a diagnostic's notes: "the Gateway is here". */
export function noteAt(object: KubeObject, path: readonly (string | number)[], message: string): NonNullable<Diagnostic['notes']>[number] {
  const source = sourceOf(object);
  if (!source) return { message };
  const { line, column } = locate(source, path);
  return { message, file: source.file, line, column };
}
