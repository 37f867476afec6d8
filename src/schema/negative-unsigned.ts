/**
 * Numbers the API lets be negative where Envoy takes an unsigned one. Envoy Gateway converts
 * them to uint32, so -1 becomes 4294967295, and egc does the same (xds/resources.ts
 * wrapToUint32) for the same output. The schema cannot refuse them, so each gets a warning that
 * says what Envoy will do.
 */
import { diagnosticAt } from '../diagnostics/at.js';
import { codes } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { KubeObject } from '../load/resource.js';

const isNegative = (value: unknown): value is number => typeof value === 'number' && value < 0;

export function negativeUnsignedWarnings(object: KubeObject): Diagnostic[] {
  const found: Diagnostic[] = [];
  const warn = (path: (string | number)[], message: string) => {
    found.push(diagnosticAt(object, path, { code: codes.negativeUnsigned, severity: 'warning', message }));
  };
  if (object.kind === 'HTTPRoute') {
    const rules: unknown = object.spec?.rules;
    if (!Array.isArray(rules)) return found;
    rules.forEach((rule, index) => {
      const attempts = rule?.retry?.attempts;
      if (isNegative(attempts)) {
        warn(['spec', 'rules', index, 'retry', 'attempts'], `retry attempts ${attempts} is negative; Envoy Gateway converts it to an unsigned number, so Envoy retries a failed request up to ${attempts >>> 0} times`);
      }
    });
  } else if (object.kind === 'BackendTrafficPolicy') {
    const fault = object.spec?.faultInjection;
    for (const [part, verb] of [['abort', 'aborted'], ['delay', 'delayed']] as const) {
      const percentage = fault?.[part]?.percentage;
      // In millionths, as Envoy gets it: a share that rounds to 0 is no share at all.
      if (typeof percentage === 'number' && isNegative(Math.round(percentage * 10000))) {
        warn(['spec', 'faultInjection', part, 'percentage'], `fault ${part} percentage ${percentage} is negative; Envoy Gateway converts it to an unsigned share, which Envoy reads as above 100%: every request is ${verb}`);
      }
    }
    const grpcStatus = fault?.abort?.grpcStatus;
    if (isNegative(grpcStatus)) {
      warn(['spec', 'faultInjection', 'abort', 'grpcStatus'], `fault abort grpcStatus ${grpcStatus} is negative; Envoy Gateway converts it to an unsigned number, so aborted gRPC requests get grpc-status ${grpcStatus >>> 0}`);
    }
  }
  return found;
}
