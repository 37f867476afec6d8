import { isIP } from 'node:net';
import { codes } from '../diagnostics/codes.js';
import { diagnosticAt } from '../diagnostics/at.js';
import type { KubeObject } from '../load/resource.js';
import { condition } from './conditions.js';
import type { GatewayApiOptions, TranslationContext } from './context.js';

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/**
 * Why a Backend cannot be used, or undefined. Loopback addresses are refused only for a proxy
 * in a cluster (where they would reach the proxy's own pod); on a host they are the common case.
 */
export function validateBackend(backend: KubeObject, options: GatewayApiOptions): string | undefined {
  for (const endpoint of backend.spec?.endpoints ?? []) {
    if (endpoint.fqdn) {
      const hostname: string = endpoint.fqdn.hostname ?? '';
      if (hostname.split('.').length < 2) return `hostname ${hostname} should be a domain with at least two segments separated by dots`;
      if (hostname.length > 253 || !dnsSubdomain.test(hostname)) return `hostname ${hostname} is not a valid FQDN`;
    } else if (endpoint.ip) {
      const address: string = endpoint.ip.address ?? '';
      if (isIP(address) === 0) return `IP address ${address} is invalid`;
      if (!options.runningOnHost && isLoopback(address)) return `IP address ${address} in the loopback range is not supported`;
    }
  }
  return undefined;
}

/** Sets every Backend's Accepted status, and reports unusable ones. */
export function processBackends(ctx: TranslationContext): void {
  for (const backend of ctx.resources.all('Backend')) {
    const problem = validateBackend(backend, ctx.options);
    if (problem === undefined) {
      backend.status = { conditions: [condition('Accepted', true, 'Accepted', 'The Backend was accepted')] };
      continue;
    }
    // The reference reports a rejected Backend with type Invalid and reason Accepted; kept as is.
    backend.status = { conditions: [condition('Invalid', false, 'Accepted', `The Backend was not accepted: ${problem}`)] };
    ctx.diagnostics.push(
      diagnosticAt(backend, ['spec', 'endpoints'], { code: codes.backendNotAccepted, message: `Backend was not accepted: ${problem}` }),
    );
  }
}
