/** Checks of the URLs the input gives for services Envoy calls (key sets, token endpoints, Wasm modules). */

/** Whether `text` is an absolute http or https URL with a host: a URL Envoy can fetch from. */
export function isHttpURL(text: unknown): boolean {
  if (typeof text !== 'string' || !URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/**
 * Why Go's url.ParseRequestURI, which the reference checks some URLs with, refuses `text`, in its
 * words; undefined when it takes it. It takes an absolute URI (with a scheme) or an absolute path,
 * without control characters.
 */
export function requestURIProblem(text: string): string | undefined {
  if (text === '') return 'empty url';
  if (/[\x00-\x1f\x7f]/.test(text)) return 'net/url: invalid control character in URL';
  if (text.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(text)) return undefined;
  return 'invalid URI for request';
}
