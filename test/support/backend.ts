// A tiny HTTP backend for end-to-end tests: records every request and, by default, answers
// 200 with JSON naming itself and echoing the request, so a test can tell which backend
// Envoy routed to and what Envoy sent upstream.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  /** Path plus query, as received. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The default answer's body. */
export interface EchoBody extends RecordedRequest {
  backend: string;
}

export type BackendHandler = (request: RecordedRequest, response: ServerResponse, raw: IncomingMessage) => void;

export interface BackendOptions {
  name: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Replaces the default echo answer. */
  handler?: BackendHandler;
}

export interface Backend {
  name: string;
  host: string;
  port: number;
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export function startHttpBackend(options: BackendOptions): Promise<Backend> {
  const host = options.host ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  const server = createServer((raw, response) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const recorded: RecordedRequest = {
        method: raw.method ?? '',
        path: raw.url ?? '',
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      if (options.handler) {
        options.handler(recorded, response, raw);
        return;
      }
      const body: EchoBody = { backend: options.name, ...recorded };
      response.writeHead(200, { 'content-type': 'application/json', 'x-backend': options.name });
      response.end(JSON.stringify(body));
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('backend has no TCP address'));
        return;
      }
      const urlHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        name: options.name,
        host,
        port: address.port,
        url: `http://${urlHost}:${address.port}`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            // Envoy keeps upstream connections open; drop them or close() would wait forever.
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
