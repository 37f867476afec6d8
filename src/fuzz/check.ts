/**
 * One fuzz execution: the whole pipeline in process on one input text, then every way it can
 * go wrong that is a bug in egc rather than a problem with the input.
 */
import { serialize, serializeAll } from '../bootstrap/write.js';
import { codes } from '../diagnostics/codes.js';
import { compile } from '../pipeline.js';
import { checkMessage } from '../verify/proto.js';

export type FindingKind = 'throw' | 'hang' | 'proto' | 'internal' | 'crash';

export interface Problem {
  kind: FindingKind;
  message: string;
  /** Where it happened: the top stack frames in egc's own code, or the proto path. */
  detail: string;
}

/** Messages of JavaScript runtime errors: in a diagnostic they mean an exception was caught and reported as if it were the input's fault. */
const runtimeErrorText = /Cannot read propert|Cannot set propert|Cannot convert|is not a function|is not iterable|Maximum call stack|Invalid array length|Invalid time value|Invalid string length|could not be translated/;

export const bootstrapType = 'envoy.config.bootstrap.v3.Bootstrap';

function ownFrames(stack: string | undefined): string {
  return (stack ?? '')
    .split('\n')
    .filter((line) => /\bsrc\/|\/build\/src\//.test(line))
    .slice(0, 3)
    .map((line) => line.trim().replace(/^at /, '').replace(/\(?(?:file:\/\/)?[^ ]*\/(build\/)?src\//, 'src/').replace(/\)$/, ''))
    .join(' <- ');
}

/** Runs the pipeline on `text`; the first problem found, or undefined when all is well. */
export function checkInput(text: string, file = 'fuzz.yaml'): Problem | undefined {
  let result;
  try {
    result = compile({ inputs: [{ file, text }] });
    // The CLI prints these; a value YAML or JSON cannot serialise is a crash too.
    serializeAll(result.objects, 'yaml');
    for (const proxy of result.proxies) {
      serialize(proxy.bootstrap, 'yaml');
      JSON.stringify(proxy.xds);
    }
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { kind: 'throw', message: message.split('\n')[0].slice(0, 300), detail: ownFrames((error as Error)?.stack) };
  }
  const leaked = result.diagnostics.find((d) => runtimeErrorText.test(d.message));
  if (leaked) {
    // The expression before the error text names the failing code (`extract.headers.map is not a function`).
    const at = leaked.message.search(runtimeErrorText);
    const fragment = leaked.message.slice(Math.max(0, leaked.message.lastIndexOf(' ', at - 2) + 1), at + 80);
    return { kind: 'internal', message: `${leaked.code} ${leaked.message}`.slice(0, 300), detail: fragment.slice(0, 120) };
  }
  // EGC5003 says egc hit a bug: an xDS resource that failed Envoy's rules was dropped, so input
  // that egc accepted has no place in the output and no location in the message.
  const internal = result.diagnostics.find((d) => d.code === codes.internal);
  if (internal) {
    const detail = internal.message.replace(/^proxy [^:]*: /, '').replace(/"[^"]*"/g, 'Q').replace(/\[\d+\]/g, '[]').slice(0, 200);
    return { kind: 'internal', message: `${internal.code} ${internal.message}`.slice(0, 300), detail };
  }
  for (const proxy of result.proxies) {
    const issues = checkMessage(bootstrapType, proxy.bootstrap);
    if (issues.length > 0) return { kind: 'proto', message: `${issues[0].path}: ${issues[0].message}`.slice(0, 300), detail: `proxy ${proxy.name}` };
  }
  return undefined;
}

/**
 * A stable name for a problem, so the same bug found through many inputs is saved once: its
 * kind, its message with names and numbers blanked out, and where it happened.
 */
export function signatureOf(problem: Problem): string {
  const message = problem.message
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, 'Q')
    .replace(/\d+/g, 'N')
    .replace(/\[[^\]]*\]/g, '[]');
  if (problem.kind === 'proto') return `proto|${message.slice(message.indexOf(':') + 1).slice(0, 80)}|${message.replace(/:.*/, '')}`;
  // A caught runtime error is known by the error itself; the names around it vary with the input.
  if (problem.kind === 'internal') return `internal|${problem.detail.replace(/'[^']*'/g, 'Q')}`;
  return `${problem.kind}|${message.slice(0, 120)}|${problem.detail}`;
}
