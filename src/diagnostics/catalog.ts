/**
 * What each diagnostic code means, for people: a short title and a one-line hint on how to fix
 * it. SARIF rules and docs/diagnostics.md are built from this table.
 */
import { compareText } from '../collate.js';
import { codes, type Code } from './codes.js';
import type { Severity } from './diagnostic.js';

export interface CodeInfo {
  /** The key in `codes`, e.g. `unknownField`. */
  key: keyof typeof codes;
  code: Code;
  title: string;
  help: string;
  /** The severity the code is usually reported with (some are raised as warnings in context). */
  severity: Severity;
}

type Entry = Omit<CodeInfo, 'key' | 'code'>;

// Partial so a code added to codes.ts elsewhere does not break the build; test/sarif.test.ts
// fails until it has an entry here.
const entries: Partial<Record<keyof typeof codes, Entry>> = {
  fileNotFound: { title: 'Input not found', help: 'Check the path given to -f; it must name an existing file or directory, or be - for stdin.', severity: 'error' },
  fileUnreadable: { title: 'Input unreadable', help: 'The file exists but could not be read; check its permissions and that it is UTF-8 text.', severity: 'error' },
  yamlSyntax: { title: 'YAML syntax error', help: 'Fix the YAML at the reported position; indentation and unclosed quotes are the usual causes.', severity: 'error' },
  notAnObject: { title: 'Document is not a mapping', help: 'Each YAML document must be a Kubernetes object: a mapping with apiVersion, kind and metadata.', severity: 'error' },
  missingKind: { title: 'Missing kind or apiVersion', help: 'Add `kind` and `apiVersion` to the document, e.g. `apiVersion: gateway.networking.k8s.io/v1` and `kind: Gateway`.', severity: 'error' },
  unsupportedKind: { title: 'Kind not translated', help: 'egc reads this kind but does not translate it yet; remove it, or expect it to have no effect on the output.', severity: 'warning' },
  missingName: { title: 'Missing metadata.name', help: 'Give the object a `metadata.name`; every Kubernetes object needs one.', severity: 'error' },
  duplicateResource: { title: 'Duplicate resource', help: 'Two documents define the same kind, namespace and name; only the first is used. Rename or remove one.', severity: 'error' },
  noInput: { title: 'No input files', help: 'The directory has no .yaml, .yml or .json files; point -f at the files holding your resources.', severity: 'warning' },
  inputLimit: { title: 'Input over a limit', help: 'The document exceeds a safety limit (e.g. too many YAML alias expansions); simplify it.', severity: 'error' },
  ignoredGatewayClass: { title: 'Gateway or GatewayClass ignored', help: 'Only GatewayClasses with controllerName gateway.envoyproxy.io/gatewayclass-controller, and their Gateways, are translated.', severity: 'warning' },
  yamlWarning: { title: 'YAML warning', help: 'The YAML parses but is ambiguous or unusual; rewrite the reported node as plain YAML.', severity: 'warning' },

  unknownField: { title: 'Unknown field', help: 'The field is not part of the kind\'s schema; check its spelling and indentation (the message suggests the closest known field).', severity: 'error' },
  wrongType: { title: 'Wrong value type', help: 'The value has the wrong type, e.g. a string where a number or a list is expected; quoting or indentation is often the cause.', severity: 'error' },
  badEnum: { title: 'Value not allowed', help: 'Use one of the values the message lists; enum values are case-sensitive.', severity: 'error' },
  outOfRange: { title: 'Value out of range', help: 'The number, string length or list size is outside the bounds the API allows.', severity: 'error' },
  badPattern: { title: 'Value has the wrong format', help: 'The string does not have the required format (e.g. a DNS name, a duration like 10s, a path starting with /).', severity: 'error' },
  missingField: { title: 'Required field missing', help: 'Add the required field the message names.', severity: 'error' },
  schemaOther: { title: 'Schema violation', help: 'The object does not satisfy its kind\'s schema; the message says which rule failed.', severity: 'error' },
  celRule: { title: 'Validation rule failed', help: 'The object breaks one of the API\'s cross-field validation rules (CEL); the message says which.', severity: 'error' },
  unknownApiVersion: { title: 'Unknown apiVersion', help: 'Use an apiVersion at which this kind is served; the message lists them.', severity: 'error' },
  legacyApiVersion: { title: 'Legacy apiVersion', help: 'This apiVersion is no longer served; it is read as the current one, but update the manifest.', severity: 'warning' },
  negativeUnsigned: { title: 'Negative number Envoy reads as unsigned', help: 'The API allows a negative number here, but Envoy takes an unsigned one: Envoy Gateway converts it to uint32, so -1 becomes 4294967295 (retry attempts, a fault\'s gRPC status), and a negative fault percentage means every request. egc writes the same value and says what Envoy will do; use a number from 0 up.', severity: 'warning' },

  gatewayClassNotAccepted: { title: 'GatewayClass not accepted', help: 'The GatewayClass status is Accepted=False; the message gives the reason. Its Gateways are not programmed.', severity: 'error' },
  gatewayNotAccepted: { title: 'Gateway not accepted', help: 'The Gateway status is Accepted=False; the message gives the reason. None of its listeners are programmed.', severity: 'error' },
  listenerNotAccepted: { title: 'Listener not accepted', help: 'A listener\'s status is Accepted=False or Programmed=False; it gets no Envoy listener. The message gives the reason.', severity: 'error' },
  routeNotAccepted: { title: 'Route not accepted', help: 'The route was not accepted by its parent Gateway (e.g. hostname or sectionName mismatch, not allowed by the listener); it has no effect there.', severity: 'error' },
  refNotResolved: { title: 'Reference not resolved', help: 'A referenced object (Service, Secret, Backend, ...) is missing, of an unsupported kind, or in another namespace without a ReferenceGrant.', severity: 'error' },
  backendNotAccepted: { title: 'Backend not accepted', help: 'The Backend\'s endpoints are invalid; routes to it get no endpoints. The message says which endpoint is wrong.', severity: 'error' },
  listenerConflict: { title: 'Listener conflict', help: 'Two listeners of the Gateway clash (same port with incompatible protocol or hostname); change the port or hostname of one.', severity: 'error' },
  noGatewayForRoute: { title: 'Parent Gateway not found', help: 'The route\'s parentRef names a Gateway that is not in the input; check its name and namespace, or add the Gateway.', severity: 'error' },
  portRemapped: { title: 'Privileged port remapped', help: 'Ports below 1024 are shifted by 10000, as Envoy Gateway does; pass --bind-declared-ports to bind the declared port.', severity: 'note' },
  policyNotAccepted: { title: 'Policy not accepted', help: 'The policy\'s status is Accepted=False (e.g. its target does not exist or conflicts with another policy); it has no effect.', severity: 'error' },
  certificateProblem: { title: 'Certificate problem', help: 'A served certificate does not match its private key (Envoy refuses to load it), or is expired or not yet valid (clients reject it); replace the Secret\'s tls.crt and tls.key.', severity: 'error' },
  emptyListener: { title: 'Listener left out: nothing to serve', help: 'A TCP or TLS listener with no route attached has no filter chain, and Envoy refuses a listener without one (the reference\'s Envoy rejects it over xDS). egc leaves it out of the bootstrap; attach a route to serve the port.', severity: 'warning' },
  envoyWouldRefuse: { title: 'Part of a proxy left out: Envoy would refuse it', help: 'The input asks for something Envoy refuses when it loads the configuration, such as a tracing or access log collector whose Service has no endpoints, a remote Wasm module without a sha256, a local rate limit of 0 requests, a health check with a period of 0 or an ejection share above 100%, or a line break or NUL in a header name or value. egc leaves that part out of the bootstrap (a listener, a route, a cluster, the tracing or the log sink, as the message says) and points at the field of the EnvoyProxy or policy it comes from; the reference rejects the proxy\'s whole configuration. Fix the input as the message says.', severity: 'error' },
  routeShadowed: { title: 'Route shadowed by another', help: 'An earlier route (in Envoy\'s match order) matches every request this one matches, so this one never receives traffic; narrow the earlier match (e.g. its regex) or give this one a more specific match.', severity: 'warning' },

  protoMismatch: { title: 'Output fails the proto check', help: 'The generated Envoy configuration does not match Envoy\'s protobuf schema. This is a bug in egc; please report it with the input.', severity: 'error' },
  protoCheckSkipped: { title: 'Output not checked against Envoy\'s API', help: 'egc checks every resource it emits against Envoy\'s protos and their validation rules, read from a build/envoy-protos.json in a directory above the program. None was found (a copy of dist/ without build/?), so nothing was checked; run node scripts/build.mjs in the egc checkout, or run egc from there.', severity: 'warning' },
  envoyRejected: { title: 'Envoy rejected the configuration', help: 'envoy --mode validate refused the generated bootstrap; Envoy\'s own message follows. Usually a bug in egc; please report it with the input.', severity: 'error' },

  usage: { title: 'Command-line usage error', help: 'Check the command\'s flags with egc <command> --help.', severity: 'error' },
  gatewayNotFound: { title: 'Gateway not found', help: 'The Gateway named by --gateway has no proxy; the message lists the proxies that exist.', severity: 'error' },
  serverConfig: { title: 'Server configuration not supported', help: 'The EnvoyGateway configuration given to egc server asks for something host mode cannot do; the message says what.', severity: 'error' },
  internal: { title: 'Internal error', help: 'egc hit a bug; please report it with the input that caused it.', severity: 'error' },
};

/** Every code with its title and help, in code order. */
export const catalog: readonly CodeInfo[] = (Object.keys(codes) as (keyof typeof codes)[])
  .map((key) => ({ key, code: codes[key], ...(entries[key] ?? { title: key, help: '', severity: 'error' as const }) }))
  .sort((a, b) => compareText(a.code, b.code));

const byCode = new Map<string, CodeInfo>(catalog.map((info) => [info.code, info]));

export function codeInfo(code: string): CodeInfo | undefined {
  return byCode.get(code);
}
