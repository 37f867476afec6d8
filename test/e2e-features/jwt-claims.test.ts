// JWT claims and scopes authorization (examples/securitypolicy-jwt-claims.yaml). Envoy fetches the
// signing key from a JWKS server on 127.0.0.1 (through the cluster egc makes for the URL), checks
// the token, then the authorization rule: `user.name` must be "John Doe", the `user.roles` array
// must hold "admin", and `scope` must have read, add and modify; anything else is denied.
// Authentication failures are 401 (jwt_authn), authorization failures 403 (rbac).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileAndRun, freePorts, readExample, rewrite, type CompiledProxy } from '../support/features-harness.js';
import { newSigningKey, nowSeconds, type SigningKey } from '../support/features-jwt.js';
import { request, startHttpBackend, type Backend, type EchoBody } from '../support/index.js';

const issuer = 'https://issuer.example.com';

describe('SecurityPolicy JWT with claim and scope authorization', () => {
  let proxy: CompiledProxy;
  let backend: Backend;
  let jwksServer: Backend;
  let key: SigningKey;
  let url: string;

  /** Claims that meet the rule; `changes` replaces or (with undefined) removes top-level claims. */
  function token(changes: Record<string, unknown> = {}, signer: SigningKey = key): string {
    const claims: Record<string, unknown> = {
      iss: issuer,
      sub: 'john',
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
      user: { name: 'John Doe', roles: ['reader', 'admin'] },
      scope: 'read add modify delete',
    };
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    return signer.sign(claims);
  }

  async function send(bearer?: string): Promise<{ status: number; body: string }> {
    const headers = bearer === undefined ? {} : { authorization: `Bearer ${bearer}` };
    return request(`${url}/private`, { host: 'www.example.com', headers });
  }

  before(async () => {
    key = newSigningKey();
    backend = await startHttpBackend({ name: 'protected' });
    jwksServer = await startHttpBackend({
      name: 'jwks',
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(key.jwks));
      },
    });
    const [listenerPort] = await freePorts(1);
    const text = rewrite(readExample('securitypolicy-jwt-claims.yaml'), [
      ['port: 8888', `port: ${listenerPort}`],
      ['port: 3000', `port: ${backend.port}`],
      ['http://127.0.0.1:9000/jwks.json', `http://127.0.0.1:${jwksServer.port}/jwks.json`],
    ]);
    proxy = await compileAndRun(text);
    url = `http://127.0.0.1:${listenerPort}`;
  });

  after(async () => {
    await proxy?.stop();
    await backend?.close();
    await jwksServer?.close();
  });

  it('lets a token with the name, the role and all three scopes through (200)', async () => {
    const response = await send(token());
    assert.equal(response.status, 200, response.body);
    assert.equal((JSON.parse(response.body) as EchoBody).backend, 'protected');
    assert.ok(jwksServer.requests.some((r) => r.path === '/jwks.json'), 'Envoy fetched the JWKS from the server');
  });

  it('denies a token with the wrong user.name (403)', async () => {
    const response = await send(token({ user: { name: 'Jane Doe', roles: ['admin'] } }));
    assert.equal(response.status, 403, response.body);
    assert.equal(response.body, 'RBAC: access denied');
  });

  it('denies a token whose user.roles lacks admin (403)', async () => {
    assert.equal((await send(token({ user: { name: 'John Doe', roles: ['reader'] } }))).status, 403);
  });

  it('denies a token missing one of the scopes (403)', async () => {
    assert.equal((await send(token({ scope: 'read add' }))).status, 403);
    assert.equal((await send(token({ scope: undefined }))).status, 403);
  });

  it('rejects an expired token (401)', async () => {
    const response = await send(token({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }));
    assert.equal(response.status, 401);
    assert.equal(response.body, 'Jwt is expired');
  });

  it('rejects a token signed by another key (401)', async () => {
    const response = await send(token({}, newSigningKey()));
    assert.equal(response.status, 401);
    assert.equal(response.body, 'Jwks doesn\'t have key to match kid or alg from Jwt');
  });

  it('rejects a token whose signature does not verify (401)', async () => {
    const [header, payload] = token().split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const response = await send(forged);
    assert.equal(response.status, 401);
    assert.equal(response.body, 'Jwt verification fails');
  });

  it('rejects a token from another issuer (401)', async () => {
    assert.equal((await send(token({ iss: 'https://other.example.com' }))).status, 401);
  });

  it('rejects a request without a token (401)', async () => {
    const response = await send();
    assert.equal(response.status, 401);
    assert.equal(response.body, 'Jwt is missing');
  });

  it('never lets a refused request reach the backend', () => {
    assert.equal(backend.requests.length, 1);
  });
});
