// OIDC login with the ID token in a cookie, then JWT claims (examples/securitypolicy-oidc-jwt-cookie.yaml),
// against a mock identity provider on 127.0.0.1:
//   no session        → 302 to the provider's authorization endpoint (client_id, redirect_uri, scope, state);
//   callback + code   → Envoy redeems the code at the token endpoint (HTTP Basic client auth) and
//                       sets the session cookies, the ID token under MyIdTokenCookie;
//   with the cookies  → jwt_authn validates the ID token from the cookie and the claim rule allows it;
//   other claims      → 403.
// Discovery: without the endpoints in the policy egc reads the issuer's openid-configuration when
// compiling; with --offline that is an error. Without Secret envoy-oidc-hmac egc derives the key.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { compileAndRun, freePorts, readExample, rewrite, translateText, translateTextAsync, type CompiledProxy } from '../support/features-harness.js';
import { startIdentityProvider, type MockIdentityProvider } from '../support/features-idp.js';
import { request, startHttpBackend, type Backend, type EchoBody, type Response } from '../support/index.js';

const clientId = 'my-app';
const clientSecret = 'change-me-client-secret';
const allowedClaims = { sub: '1234567890', roles: ['admin', 'superuser'], scope: 'openid foo bar' };

function exampleFor(idp: MockIdentityProvider, listenerPort: number, backendPort: number): string {
  return rewrite(readExample('securitypolicy-oidc-jwt-cookie.yaml'), [
    ['port: 8888', `port: ${listenerPort}`],
    ['www.example.com:8888/', `www.example.com:${listenerPort}/`],
    ['port: 3000', `port: ${backendPort}`],
    ['http://127.0.0.1:9000', idp.issuer],
  ]);
}

/** `name=value` pairs of a response's Set-Cookie headers. */
function cookiesOf(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const line of response.headers['set-cookie'] ?? []) {
    const pair = line.split(';')[0]!;
    const equals = pair.indexOf('=');
    cookies.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  return cookies;
}

const cookieHeader = (cookies: Map<string, string>): string => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');

describe('SecurityPolicy OIDC with the ID token in a cookie, then JWT claims', () => {
  let idp: MockIdentityProvider;
  let backend: Backend;
  let proxy: CompiledProxy;
  let url: string;
  let host: string;

  /** The whole login for `code`: the redirect, the callback; returns the session cookies. */
  async function logIn(code: string, path = '/private'): Promise<{ redirect: Response; callback: Response; cookies: Map<string, string> }> {
    const redirect = await request(`${url}${path}`, { host });
    assert.equal(redirect.status, 302, redirect.body);
    const state = new URL(redirect.headers.location!).searchParams.get('state')!;
    const cookies = cookiesOf(redirect);
    const callback = await request(`${url}/oauth2/callback?code=${code}&state=${encodeURIComponent(state)}`, { host, headers: { cookie: cookieHeader(cookies) } });
    for (const [name, value] of cookiesOf(callback)) cookies.set(name, value);
    return { redirect, callback, cookies };
  }

  before(async () => {
    idp = await startIdentityProvider(clientId);
    idp.issue('good-code', allowedClaims);
    // A claim rule's values are alternatives: any one of admin or superuser will do, none won't.
    idp.issue('only-admin', { ...allowedClaims, roles: ['admin'] });
    idp.issue('no-role', { ...allowedClaims, roles: ['viewer'] });
    idp.issue('no-bar-scope', { ...allowedClaims, scope: 'openid foo' });
    idp.issue('other-subject', { ...allowedClaims, sub: '42' });
    backend = await startHttpBackend({ name: 'app' });
    const [listenerPort] = (await freePorts(1)) as [number];
    proxy = await compileAndRun(exampleFor(idp, listenerPort, backend.port));
    url = `http://127.0.0.1:${listenerPort}`;
    host = `www.example.com:${listenerPort}`;
  });

  after(async () => {
    await proxy?.stop();
    await backend?.close();
    await idp?.close();
  });

  it('redirects a request without a session to the authorization endpoint', async () => {
    const response = await request(`${url}/private?page=1`, { host });
    assert.equal(response.status, 302);
    const location = new URL(response.headers.location!);
    assert.equal(`${location.origin}${location.pathname}`, `${idp.issuer}/authorize`);
    assert.equal(location.searchParams.get('client_id'), clientId);
    assert.equal(location.searchParams.get('redirect_uri'), `http://${host}/oauth2/callback`);
    assert.equal(location.searchParams.get('response_type'), 'code');
    assert.deepEqual(location.searchParams.get('scope')!.split(' ').sort(), ['bar', 'foo', 'openid']);
    const state = JSON.parse(Buffer.from(location.searchParams.get('state')!, 'base64url').toString('utf8')) as { url: string };
    assert.equal(state.url, `http://${host}/private?page=1`, 'the state carries the original URL');
    assert.equal(backend.requests.length, 0);
  });

  it('redeems the code at the token endpoint and sets the ID token cookie MyIdTokenCookie', async () => {
    const before = idp.tokenRequests.length;
    const { callback, cookies } = await logIn('good-code', '/private?page=2');
    assert.equal(callback.status, 302, callback.body);
    assert.equal(callback.headers.location, `http://${host}/private?page=2`, 'back to the original URL');
    const token = idp.tokenRequests[before]!;
    assert.equal(token.authorization, `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`);
    assert.equal(token.form.get('grant_type'), 'authorization_code');
    assert.equal(token.form.get('code'), 'good-code');
    assert.equal(token.form.get('redirect_uri'), `http://${host}/oauth2/callback`);
    assert.ok(cookies.get('MyIdTokenCookie'), `cookies set: ${[...cookies.keys()].join(', ')}`);
  });

  it('lets the logged-in request through: the ID token from the cookie passes JWT and the claim rule', async () => {
    const { cookies } = await logIn('good-code');
    const response = await request(`${url}/private`, { host, headers: { cookie: cookieHeader(cookies) } });
    assert.equal(response.status, 200, response.body);
    const echoed = JSON.parse(response.body) as EchoBody;
    assert.equal(echoed.backend, 'app');
    // What the backend gets in MyIdTokenCookie is the provider's ID token itself.
    const idToken = /(?:^|; )MyIdTokenCookie=([^;]+)/.exec(String(echoed.headers.cookie))?.[1];
    assert.ok(idToken, `cookie header upstream: ${echoed.headers.cookie}`);
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(claims.sub, '1234567890');
    assert.equal(claims.iss, idp.issuer);
  });

  it('denies a logged-in user whose ID token does not meet the claim rule (403)', async () => {
    for (const code of ['no-role', 'other-subject', 'no-bar-scope']) {
      const { cookies } = await logIn(code);
      const response = await request(`${url}/private`, { host, headers: { cookie: cookieHeader(cookies) } });
      assert.equal(response.status, 403, `${code}: ${response.body}`);
    }
  });

  it('allows a user with one of the listed roles (claim values are alternatives)', async () => {
    const { cookies } = await logIn('only-admin');
    const response = await request(`${url}/private`, { host, headers: { cookie: cookieHeader(cookies) } });
    assert.equal(response.status, 200, response.body);
  });

  it('sends a forged ID token cookie back to the login (the HMAC no longer matches)', async () => {
    const { cookies } = await logIn('good-code');
    cookies.set('MyIdTokenCookie', idp.key.sign({ ...allowedClaims, iss: idp.issuer }));
    const response = await request(`${url}/private`, { host, headers: { cookie: cookieHeader(cookies) } });
    assert.equal(response.status, 302);
  });
});

describe('OIDC provider endpoints: discovery, --offline, the HMAC key', () => {
  let idp: MockIdentityProvider;

  before(async () => {
    idp = await startIdentityProvider(clientId);
  });
  after(async () => idp?.close());

  /** The example with only the issuer in the provider. */
  function issuerOnly(): string {
    return rewrite(exampleFor(idp, 10080, 3000), [
      [`      authorizationEndpoint: ${idp.issuer}/authorize\n`, ''],
      [`      tokenEndpoint: ${idp.issuer}/token\n`, ''],
    ]);
  }

  function oauth2Config(bootstrap: string): any {
    const text = JSON.stringify(parseYaml(bootstrap));
    const match = /"config":(\{"authScopes".*?"useRefreshToken":(?:true|false)\})/.exec(text);
    assert.ok(match, 'an OAuth2 filter in the bootstrap');
    return JSON.parse(match[1]!);
  }

  it('uses the endpoints the policy gives without fetching anything', () => {
    const run = translateText(exampleFor(idp, 10080, 3000));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(oauth2Config(run.stdout).authorizationEndpoint, `${idp.issuer}/authorize`);
    assert.ok(!idp.requests.includes('/.well-known/openid-configuration'));
  });

  it('fetches the discovery document when only the issuer is given', async () => {
    // Asynchronously: the identity provider runs in this process and must be free to answer.
    const { status, stdout, stderr } = await translateTextAsync(issuerOnly());
    assert.equal(status, 0, stderr);
    assert.ok(idp.requests.includes('/.well-known/openid-configuration'));
    const config = oauth2Config(stdout);
    assert.equal(config.authorizationEndpoint, `${idp.issuer}/authorize`);
    assert.equal(config.tokenEndpoint.uri, `${idp.issuer}/token`);
  });

  it('makes discovery an error with --offline', async () => {
    const fetchesBefore = idp.requests.length;
    const run = await translateTextAsync(issuerOnly(), ['--offline']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, new RegExp(`--offline forbids fetching ${idp.issuer.replaceAll('.', '\\.')}/\\.well-known/openid-configuration`));
    assert.equal(idp.requests.length, fetchesBefore, 'nothing fetched');
  });

  it('reports an issuer whose discovery document cannot be fetched', async () => {
    const [closedPort] = await freePorts(1);
    const run = translateText(issuerOnly().replaceAll(idp.issuer, `http://127.0.0.1:${closedPort}`));
    assert.equal(run.status, 1);
    assert.match(run.stderr, new RegExp(`OpenID discovery for issuer http://127\\.0\\.0\\.1:${closedPort} failed: .*ECONNREFUSED`));
  });

  it('derives the same HMAC key on every compile when Secret envoy-oidc-hmac is absent, and uses the Secret when present', () => {
    const hmacOf = (bootstrap: string): string => {
      const secrets = (parseYaml(bootstrap) as any).staticResources.secrets as any[];
      return secrets.find((s) => s.name.startsWith('oauth2/hmac_secret/')).genericSecret.secret.inlineBytes;
    };
    const text = exampleFor(idp, 10080, 3000);
    const first = translateText(text);
    const second = translateText(text);
    assert.equal(first.status, 0, first.stderr);
    const derived = hmacOf(first.stdout);
    assert.equal(Buffer.from(derived, 'base64').length, 32, 'a 256-bit key');
    assert.equal(hmacOf(second.stdout), derived);
    const own = Buffer.from('an operator-chosen hmac key').toString('base64');
    const withSecret = translateText(`${text}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: envoy-oidc-hmac\n  namespace: envoy-gateway-system\ndata:\n  hmac-secret: ${own}\n`);
    assert.equal(withSecret.status, 0, withSecret.stderr);
    assert.equal(hmacOf(withSecret.stdout), own);
  });
});
