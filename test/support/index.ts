// Helpers shared by end-to-end tests (real Envoy, real sockets on 127.0.0.1).
export { startHttpBackend, type Backend, type BackendHandler, type BackendOptions, type EchoBody, type RecordedRequest } from './backend.js';
export { freePort, freePortRange, request, type RequestOptions, type Response } from './net.js';
export { waitFor } from './wait.js';
export { yamlFiles } from './files.js';
