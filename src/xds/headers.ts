import type { AddHeader, HeaderSettings } from '../ir/types.js';
import { any, type Json } from './resources.js';

const underscoresActions: Record<string, string | undefined> = {
  // ALLOW is the enum's zero value: proto-JSON leaves it out.
  Allow: undefined,
  RejectRequest: 'REJECT_REQUEST',
  DropHeader: 'DROP_HEADER',
};

const clientCertModes: Record<string, string | undefined> = {
  Sanitize: undefined,
  ForwardOnly: 'FORWARD_ONLY',
  AppendForward: 'APPEND_FORWARD',
  SanitizeSet: 'SANITIZE_SET',
  AlwaysForwardOnly: 'ALWAYS_FORWARD_ONLY',
};

const clientCertDetails: Record<string, string> = { Subject: 'subject', Cert: 'cert', Chain: 'chain', DNS: 'dns', URI: 'uri' };

/** Headers with underscores are rejected unless the IR says otherwise. */
export function headersWithUnderscoresAction(headers: HeaderSettings | undefined): string | undefined {
  const action = headers?.withUnderscoresAction;
  return action === undefined ? 'REJECT_REQUEST' : underscoresActions[action];
}

/** Connection-manager fields for the x-forwarded-client-cert header and request ids. */
export function headerManagerFields(headers: HeaderSettings | undefined): Json {
  const fields: Json = {};
  const xfcc = headers?.xForwardedClientCert;
  if (xfcc?.mode) {
    const mode = clientCertModes[xfcc.mode];
    if (mode) fields.forwardClientCertDetails = mode;
    if (xfcc.certDetailsToAdd?.length) {
      const details: Json = {};
      for (const detail of xfcc.certDetailsToAdd) if (clientCertDetails[detail]) details[clientCertDetails[detail]] = true;
      fields.setCurrentClientCertDetails = details;
    }
  }
  if (headers?.preserveXRequestID) fields.preserveExternalRequestId = true;
  const early = earlyHeaderMutation(headers);
  if (early) fields.earlyHeaderMutationExtensions = [early];
  return fields;
}

/** One header value to add, as a HeaderValueOption-like mutation. */
function appendMutation(header: AddHeader, value: string): Json {
  const append: Json = {};
  if (!header.append) append.appendAction = 'OVERWRITE_IF_EXISTS_OR_ADD';
  append.header = value === '' ? { key: header.name } : { key: header.name, value };
  if (value === '') append.keepEmptyValue = true;
  return { append };
}

/** Header changes made before routing (so routes can match on them). */
function earlyHeaderMutation(headers: HeaderSettings | undefined): Json | undefined {
  const mutations: Json[] = [];
  for (const header of headers?.earlyAddRequestHeaders ?? []) {
    const values = header.value?.length ? header.value : [''];
    for (const value of values) mutations.push(appendMutation(header, value));
  }
  for (const name of headers?.earlyRemoveRequestHeaders ?? []) mutations.push({ remove: name });
  if (!mutations.length) return undefined;
  return {
    name: 'envoy.http.early_header_mutation.header_mutation',
    typedConfig: any('envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation', { mutations }),
  };
}
