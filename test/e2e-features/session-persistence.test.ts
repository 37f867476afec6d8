// Strong session persistence (examples/session-persistence.yaml): HTTPRoute rule
// `sessionPersistence`, translated to Envoy's stateful_session filter. With three backends:
// the first answer sets `Session-Cookie` (or, on /api, header `Session-Header`); later requests
// that carry it all reach the backend that set it; requests without it are load balanced. The
// cookie's Max-Age is `absoluteTimeout` for lifetimeType Permanent, and absent for Session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileAndRun, freePorts, readExample, rewrite, type CompiledProxy } from '../support/features-harness.js';
import { request, startHttpBackend, type Backend, type EchoBody, type Response } from '../support/index.js';

const host = 'www.example.com';

function backendOf(response: Response): string {
  assert.equal(response.status, 200, `${response.status} ${response.body}`);
  return (JSON.parse(response.body) as EchoBody).backend;
}

/** The one Set-Cookie for `name`, or undefined. */
function setCookie(response: Response, name: string): string | undefined {
  const cookies = (response.headers['set-cookie'] ?? []).filter((c) => c.startsWith(`${name}=`));
  assert.ok(cookies.length <= 1, `one ${name} cookie at most: ${cookies.join(' | ')}`);
  return cookies[0];
}

async function startStickyProxy(lifetimeType: 'Permanent' | 'Session'): Promise<{ proxy: CompiledProxy; backends: Backend[]; url: string }> {
  const backends = await Promise.all(['app-1', 'app-2', 'app-3'].map((name) => startHttpBackend({ name })));
  const [listenerPort] = await freePorts(1);
  const text = rewrite(readExample('session-persistence.yaml'), [
    ['port: 8888', `port: ${listenerPort}`],
    ['port: 3001', `port: ${backends[0]!.port}`],
    ['port: 3002', `port: ${backends[1]!.port}`],
    ['port: 3003', `port: ${backends[2]!.port}`],
    ['lifetimeType: Permanent', `lifetimeType: ${lifetimeType}`],
  ]);
  return { proxy: await compileAndRun(text), backends, url: `http://127.0.0.1:${listenerPort}` };
}

describe('HTTPRoute sessionPersistence, Cookie type, Permanent lifetime', () => {
  let proxy: CompiledProxy;
  let backends: Backend[];
  let url: string;

  before(async () => ({ proxy, backends, url } = await startStickyProxy('Permanent')));
  after(async () => {
    await proxy?.stop();
    for (const backend of backends ?? []) await backend.close();
  });

  it('sets Session-Cookie on the first answer, with Max-Age from absoluteTimeout', async () => {
    const first = await request(`${url}/`, { host });
    backendOf(first);
    const cookie = setCookie(first, 'Session-Cookie');
    assert.ok(cookie, `Set-Cookie: ${JSON.stringify(first.headers['set-cookie'])}`);
    assert.match(cookie, /; Max-Age=10(;|$)/);
    assert.match(cookie, /; Path=\/(;|$)/);
    assert.match(cookie, /; HttpOnly(;|$)/);
  });

  it('sends 20 requests carrying the cookie to the backend that set it, for each backend', async () => {
    // Collect a cookie per backend: requests without one are load balanced across all three.
    const cookieFor = new Map<string, string>();
    for (let i = 0; i < 60 && cookieFor.size < 3; i++) {
      const response = await request(`${url}/`, { host });
      const cookie = setCookie(response, 'Session-Cookie');
      assert.ok(cookie, 'a request without the cookie gets one');
      cookieFor.set(backendOf(response), cookie.split(';')[0]!);
    }
    assert.equal(cookieFor.size, 3, `requests without the cookie reached only ${[...cookieFor.keys()].join(', ')}`);
    for (const [backend, cookie] of cookieFor) {
      for (let i = 0; i < 20; i++) {
        const response = await request(`${url}/page/${i}`, { host, headers: { cookie } });
        assert.equal(backendOf(response), backend, `request ${i} with ${cookie}`);
        assert.equal(setCookie(response, 'Session-Cookie'), undefined, 'a valid cookie is not replaced');
      }
    }
  });

  it('sends requests with the Session-Header to the backend that named it (Header type, /api)', async () => {
    const first = await request(`${url}/api/start`, { host });
    const backend = backendOf(first);
    const session = first.headers['session-header'];
    assert.equal(typeof session, 'string', `Session-Header in ${JSON.stringify(first.headers)}`);
    assert.equal(setCookie(first, 'Session-Cookie'), undefined, 'the /api rule sets no cookie');
    for (let i = 0; i < 20; i++) {
      assert.equal(backendOf(await request(`${url}/api/call/${i}`, { host, headers: { 'session-header': session as string } })), backend);
    }
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add(backendOf(await request(`${url}/api/free/${i}`, { host })));
    assert.ok(seen.size > 1, 'without the header, requests are load balanced');
  });
});

describe('HTTPRoute sessionPersistence, Cookie type, Session lifetime', () => {
  let proxy: CompiledProxy;
  let backends: Backend[];
  let url: string;

  before(async () => ({ proxy, backends, url } = await startStickyProxy('Session')));
  after(async () => {
    await proxy?.stop();
    for (const backend of backends ?? []) await backend.close();
  });

  it('sets a session cookie (no Max-Age) that still pins the backend', async () => {
    const first = await request(`${url}/`, { host });
    const cookie = setCookie(first, 'Session-Cookie');
    assert.ok(cookie);
    assert.doesNotMatch(cookie, /Max-Age|Expires/i);
    for (let i = 0; i < 20; i++) {
      assert.equal(backendOf(await request(`${url}/`, { host, headers: { cookie: cookie.split(';')[0]! } })), backendOf(first));
    }
  });
});
