import type { HTTPListener, HTTPRoute } from '../../ir/types.js';
import { any, wrapToUint32, type Json } from '../resources.js';
import { protoDuration } from '../duration.js';
import { routesOf, type HttpFilterFeature } from './common.js';

export const faultFilterName = 'envoy.filters.http.fault';
const faultType = 'envoy.extensions.filters.http.fault.v3.HTTPFault';

interface FaultInjection {
  abort?: { httpStatus?: number; grpcStatus?: number; percentage?: number };
  delay?: { fixedDelay?: string; percentage?: number };
}

function faultOf(route: HTTPRoute): FaultInjection | undefined {
  return (route.traffic as { faultInjection?: FaultInjection } | undefined)?.faultInjection;
}

/**
 * A percentage as a fraction of a million, so 0.01% stays exact. Unset means every request; the
 * CRD sets no bounds, and a negative one wraps (Envoy takes a numerator above the denominator as 100%).
 */
function fraction(percentage: number | undefined): Json {
  return { denominator: 'MILLION', numerator: wrapToUint32(Math.round((percentage ?? 100) * 10000)) };
}

export const faultFeature: HttpFilterFeature = {
  routeFields: ['traffic'],
  listenerFilters(listener: HTTPListener): Json[] {
    if (!routesOf(listener).some((r) => faultOf(r))) return [];
    return [{ name: faultFilterName, typedConfig: any(faultType, {}) }];
  },
  routeConfig(route) {
    const fault = faultOf(route);
    const config: Json = {};
    if (fault?.abort) {
      const abort: Json = {};
      if (fault.abort.grpcStatus !== undefined) abort.grpcStatus = wrapToUint32(fault.abort.grpcStatus);
      else if (fault.abort.httpStatus !== undefined) abort.httpStatus = fault.abort.httpStatus;
      abort.percentage = fraction(fault.abort.percentage);
      config.abort = abort;
    }
    if (fault?.delay) {
      const delay: Json = {};
      const fixed = protoDuration(fault.delay.fixedDelay);
      if (fixed) delay.fixedDelay = fixed;
      delay.percentage = fraction(fault.delay.percentage);
      config.delay = delay;
    }
    return Object.keys(config).length ? { [faultFilterName]: any(faultType, config) } : undefined;
  },
};
