// egc schema: printed schemas must stand alone (no $ref into common.json) and still check objects
// the way the schema stage does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { kindIndex, selfContainedSchema } from '../src/cli/schema.js';
import { UsageError } from '../src/cli/usage.js';
import { knownKinds } from '../src/schema/validate.js';

const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

function refsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsOf);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => (key === '$ref' && typeof child === 'string' ? [child] : refsOf(child)));
}

const route: any = parse(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: backend
  namespace: default
spec:
  parentRefs:
    - name: eg
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /
      backendRefs:
        - name: backend
          port: 3000
`);

describe('egc schema', () => {
  it('prints every kind schema with only local references, and each compiles on its own', () => {
    for (const kind of new Set(knownKinds().map((k) => k.kind))) {
      const schema = selfContainedSchema(kind);
      const outside = refsOf(schema).filter((ref) => !ref.startsWith('#/$defs/'));
      assert.deepEqual(outside, [], kind);
      const ajv = new Ajv2020({ strict: false });
      addFormats(ajv);
      assert.doesNotThrow(() => ajv.compile(schema), kind);
    }
  });

  it('checks an HTTPRoute like the schema stage: accepts a valid one, rejects a bad path type', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const validate = ajv.compile(selfContainedSchema('httproute'));
    assert.ok(validate(route), JSON.stringify(validate.errors));
    const bad: any = structuredClone(route);
    bad.spec.rules[0].matches[0].path.type = 'Prefix';
    assert.equal(validate(bad), false);
    assert.equal(validate.errors?.[0]?.instancePath, '/spec/rules/0/matches/0/path/type');
  });

  it('lists each kind once with its apiVersions', () => {
    const lines = kindIndex().trimEnd().split('\n');
    const kinds = new Set(knownKinds().map((k) => k.kind));
    assert.equal(lines.length, kinds.size);
    assert.ok(lines.some((line) => /^HTTPRoute\s+gateway\.networking\.k8s\.io\/v1, gateway\.networking\.k8s\.io\/v1beta1$/.test(line)));
  });

  it('rejects an unknown kind as a usage error with a suggestion', () => {
    assert.throws(() => selfContainedSchema('Gatway'), (error: unknown) => error instanceof UsageError && /did you mean `Gateway`\?/.test(error.message));
  });
});
