// Small network helpers for end-to-end tests: free ports and raw HTTP requests.
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type Server } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (bind :0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the bound port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Binds `port` on 127.0.0.1; the bound server, or undefined when the port is taken. */
function tryBind(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * The first of `count` consecutive TCP ports on 127.0.0.1 that were all free a moment ago, for
 * what takes a base port and counts up from it (`egc server --admin-port-base`). Another test
 * may hold the port after a free one, which freePort() alone would not notice.
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = await freePort();
    if (base + count - 1 > 65535) continue;
    const bound: Server[] = [];
    for (let port = base; port < base + count; port++) {
      const server = await tryBind(port);
      if (!server) break;
      bound.push(server);
    }
    await Promise.all(bound.map((server) => new Promise((resolve) => server.close(resolve))));
    if (bound.length === count) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

export interface RequestOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  /** Host header to send; the URL still decides where the connection goes. */
  host?: string;
  body?: string | Buffer;
  timeoutMs?: number;
  /** For https URLs: trusted CA (PEM), SNI name, and whether to check the certificate. */
  ca?: string | Buffer;
  servername?: string;
  rejectUnauthorized?: boolean;
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP(S) request on a fresh connection (no keep-alive pool between tests). Unlike fetch,
 * this can set the Host header, which virtual-host routing tests need.
 */
export function request(url: string, options: RequestOptions = {}): Promise<Response> {
  const target = new URL(url);
  const headers: OutgoingHttpHeaders = { ...options.headers };
  if (options.host !== undefined) headers.host = options.host;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(
      target,
      {
        method: options.method ?? 'GET',
        headers,
        agent: false,
        timeout: options.timeoutMs ?? 5000,
        ca: options.ca,
        servername: options.servername,
        rejectUnauthorized: options.rejectUnauthorized,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`request to ${url} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}
