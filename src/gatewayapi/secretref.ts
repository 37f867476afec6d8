/**
 * Secrets referenced by policies (basic-auth users, OIDC client secret...). Errors name the
 * Secret and key only: secret values never reach a message.
 */
import type { KubeObject } from '../load/resource.js';
import type { TranslationContext } from './context.js';
import { referenceAllowed } from './referencegrant.js';
import { envoyGatewayGroup } from './resources.js';

/**
 * The Secret a policy's SecretObjectReference names. A Secret in another namespace needs a
 * ReferenceGrant from the policy's kind.
 */
export function policySecret(ctx: TranslationContext, policy: KubeObject, ref: any): KubeObject {
  const policyNamespace = policy.metadata.namespace ?? 'default';
  if ((ref?.group ?? '') !== '') throw new Error('secret ref group must be unspecified/empty');
  if ((ref?.kind ?? 'Secret') !== 'Secret') throw new Error('secret ref kind must be Secret');
  const namespace = ref?.namespace ?? policyNamespace;
  if (namespace !== policyNamespace) {
    const allowed = referenceAllowed(
      ctx.resources,
      { group: envoyGatewayGroup, kind: policy.kind, namespace: policyNamespace },
      { group: '', kind: 'Secret', namespace, name: ref.name },
    );
    if (!allowed) throw new Error(`secret ref namespace must be unspecified/empty or ${policyNamespace}`);
  }
  const secret = ctx.resources.get('Secret', namespace, ref?.name);
  if (!secret) throw new Error(`secret ${namespace}/${ref?.name} does not exist`);
  return secret;
}

/** A Secret key's value as base64 (the IR's form of Go []byte), from `data` or `stringData`. */
export function secretValue(secret: KubeObject, key: string): string | undefined {
  const data = secret.data?.[key];
  if (typeof data === 'string' && data !== '') return data;
  const text = secret.stringData?.[key];
  if (typeof text === 'string' && text !== '') return Buffer.from(text, 'utf8').toString('base64');
  return undefined;
}
