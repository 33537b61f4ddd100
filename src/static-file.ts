/**
 * A static file kept in memory and its HTTP answer, for the facade's own pages (the playground's
 * assets, the /board example): the bytes read once, a gzip copy made once on first demand, and
 * the response with its length, type and cache policy.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

const gzip = promisify(gzipCallback);

/** Smaller files are sent as they are: gzip would save little and cost a copy. */
const GZIP_ABOVE_BYTES = 1024;

export interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  gzipped?: Promise<Uint8Array<ArrayBuffer>>;
}

/** A file whose bytes are a copy that owns a plain ArrayBuffer (what BodyInit takes); made once per file. */
export function staticFile(buffer: Uint8Array): StaticFile {
  return { body: bytes(buffer) };
}

function bytes(buffer: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(buffer.byteLength);
  copy.set(buffer);
  return copy;
}

export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** A 200 with the file, gzipped when the client accepts it and the file is worth it; `headers` add type and caching. */
export async function staticResponse(
  file: StaticFile,
  headers: Record<string, string>,
  acceptEncoding: string | null | undefined,
): Promise<Response> {
  const all: Record<string, string> = { ...headers, vary: 'accept-encoding' };
  let body = file.body;
  if (acceptsGzip(acceptEncoding) && body.length > GZIP_ABOVE_BYTES) {
    file.gzipped ??= gzip(body, { level: 6 }).then(bytes);
    body = await file.gzipped;
    all['content-encoding'] = 'gzip';
  }
  all['content-length'] = String(body.length);
  return new Response(body, { status: 200, headers: all });
}
