// A small OpenID Connect provider for the OIDC end-to-end test: discovery document, JWKS and a
// token endpoint that trades an authorization code for an RS256-signed ID token. Each code
// names the claims its ID token carries (registered by the test with `issue`).
import { createServer, type IncomingMessage } from 'node:http';
import { newSigningKey, nowSeconds, type SigningKey } from './features-jwt.js';

export interface TokenRequest {
  authorization: string | undefined;
  form: URLSearchParams;
}

export interface MockIdentityProvider {
  issuer: string;
  port: number;
  key: SigningKey;
  /** Paths requested, in order. */
  requests: string[];
  /** Bodies and Authorization headers of the token requests. */
  tokenRequests: TokenRequest[];
  /** Makes `code` redeemable for an ID token with these claims (iss, aud, iat, exp added). */
  issue(code: string, claims: Record<string, unknown>): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startIdentityProvider(clientId: string): Promise<MockIdentityProvider> {
  const key = newSigningKey();
  const codes = new Map<string, Record<string, unknown>>();
  const requests: string[] = [];
  const tokenRequests: TokenRequest[] = [];
  let issuer = '';
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://idp').pathname;
    requests.push(path);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (path === '/.well-known/openid-configuration') {
      json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks.json`,
        response_types_supported: ['code'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } else if (path === '/jwks.json') {
      json(200, key.jwks);
    } else if (path === '/token' && request.method === 'POST') {
      const form = new URLSearchParams(await readBody(request));
      tokenRequests.push({ authorization: request.headers.authorization, form });
      const claims = codes.get(form.get('code') ?? '');
      if (form.get('grant_type') !== 'authorization_code' || !claims) {
        json(400, { error: 'invalid_grant' });
        return;
      }
      const idToken = key.sign({ iss: issuer, aud: clientId, iat: nowSeconds(), exp: nowSeconds() + 3600, ...claims });
      json(200, { access_token: `access-${form.get('code')}`, id_token: idToken, token_type: 'Bearer', expires_in: 3600 });
    } else {
      json(404, { error: 'not_found' });
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    port,
    key,
    requests,
    tokenRequests,
    issue: (code, claims) => codes.set(code, claims),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
