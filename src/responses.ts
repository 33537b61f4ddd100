/**
 * Small helpers for the Fetch responses the facade builds itself: a JSON body, and header edits
 * that avoid copying the body.
 */
import { Response } from '@whatwg-node/fetch';

export function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/**
 * Edits a response's headers in place. Re-wrapping the body in a new Response would pipe it
 * through another stream on every request; only an immutable-headers response is copied.
 */
export function withHeaders(response: Response, edit: (headers: Headers) => void): Response {
  try {
    edit(response.headers);
    return response;
  } catch {
    const copy = new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: new Headers(response.headers),
    });
    edit(copy.headers);
    return copy;
  }
}
