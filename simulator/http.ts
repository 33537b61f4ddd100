// Wire conventions shared by every simulator route (ct-api.md §6, §7, §10): JSON responses, the
// CT error shapes, will_paginate-style `_links` paging, a tiny path router and Rails-like params.

export type Json = Record<string, unknown>;
export type FieldErrors = Record<string, string[]>;

const JSON_TYPE = 'application/json; charset=utf-8';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': JSON_TYPE, ...headers } });
}

export function html(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

export const noContent = (): Response => new Response(null, { status: 204 });
export const notFound = (): Response => json(404, { message: 'Not found' });
export const forbidden = (message: string): Response => json(403, { message });
export const unprocessable = (errors: FieldErrors | string[]): Response => json(422, { errors });
export const badRequest = (message = 'Bad request'): Response => json(400, { message });

/** ct-api.md §10: the 401 every API route answers for a missing, expired or revoked token. */
export function unauthorized(description: string): Response {
  return json(
    401,
    { error: 'invalid_token', error_description: description },
    {
      'www-authenticate': 'Bearer realm="CT", error="invalid_token"',
    },
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
export const statusText = (status: number): string => STATUS_TEXT[status] ?? 'Error';

// ---------------------------------------------------------------- paging

export interface Links {
  current_page: number;
  total_pages: number;
  next_page: number | null;
  total_entries: number;
  size: number;
}
export interface Paging {
  page: number;
  per: number;
}

export const DEFAULT_PER = 15;
export const MAX_PER = 100;

/** `page` is 1-based; `per` defaults to 15 and is clamped to 100 (ct-api.md §10). Junk falls back to defaults. */
export function readPaging(query: URLSearchParams): Paging {
  const page = Number.parseInt(query.get('page') ?? '', 10);
  const per = Number.parseInt(query.get('per') ?? '', 10);
  return {
    page: Number.isFinite(page) && page >= 1 ? page : 1,
    per: Number.isFinite(per) && per >= 1 ? Math.min(per, MAX_PER) : DEFAULT_PER,
  };
}

/** will_paginate semantics: an empty list still has one (empty) page; no previous_page. */
export function paginate<T>(items: readonly T[], { page, per }: Paging): { items: T[]; _links: Links } {
  const total = items.length;
  const totalPages = total === 0 ? 1 : Math.ceil(total / per);
  return {
    items: items.slice((page - 1) * per, page * per),
    _links: {
      current_page: page,
      total_pages: totalPages,
      next_page: page < totalPages ? page + 1 : null,
      total_entries: total,
      size: per,
    },
  };
}

// ---------------------------------------------------------------- router

export interface RouteMatch<H> {
  handler: H;
  params: Record<string, string>;
}
interface RouteDef<H> {
  method: string;
  segments: string[];
  handler: H;
}

/** Minimal method + `/a/:param/b` router; PUT is served by PATCH routes, as in Rails. */
export class Router<H> {
  private readonly routes: RouteDef<H>[] = [];

  on(method: string, pattern: string, handler: H): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, path: string): RouteMatch<H> | null {
    const want = method === 'PUT' ? 'PATCH' : method;
    const parts = path.split('/').filter(Boolean);
    for (const r of this.routes) {
      if (r.method !== want || r.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = r.segments[i] as string;
        const part = decodeURIComponent(parts[i] as string);
        if (seg.startsWith(':')) params[seg.slice(1)] = part;
        else ok = seg === part;
      }
      if (ok) return { handler: r.handler, params };
    }
    return null;
  }
}

// ---------------------------------------------------------------- params

export class BadRequestError extends Error {}

/** Nests Rails-style keys: `box[description]=x` => {box:{description:'x'}}, `tags[]=a` => {tags:['a']}. */
export function nestParams(entries: Iterable<[string, string]>): Json {
  const out: Json = {};
  for (const [rawKey, value] of entries) {
    const m = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(rawKey);
    const keys = m ? [m[1] as string, ...[...(m[2] ?? '').matchAll(/\[([^\]]*)\]/g)].map((x) => x[1] as string)] : [rawKey];
    let node: Json = out;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const next = keys[i + 1];
      if (next === undefined) {
        node[key] = value;
        break;
      }
      if (next === '') {
        // `key[]=v`: an array of scalars; deeper nesting after [] is not needed here
        const existing = node[key];
        const arr: unknown[] = Array.isArray(existing) ? existing : [];
        arr.push(value);
        node[key] = arr;
        break;
      }
      const child = node[key];
      if (isRecord(child)) node = child;
      else {
        const fresh: Json = {};
        node[key] = fresh;
        node = fresh;
      }
    }
  }
  return out;
}

/** Request body as params: JSON, x-www-form-urlencoded or multipart/form-data (text parts only). */
export async function readBody(request: Request): Promise<Json> {
  if (request.method === 'GET' || request.method === 'HEAD') return {};
  const type = (request.headers.get('content-type') ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      throw new BadRequestError('malformed multipart body');
    }
    const pairs: [string, string][] = [];
    form.forEach((v, k) => {
      if (typeof v === 'string') pairs.push([k, v]);
    });
    return nestParams(pairs);
  }
  const text = await request.text();
  if (text.trim() === '') return {};
  if (type.startsWith('application/x-www-form-urlencoded')) return nestParams(new URLSearchParams(text));
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Json;
  } catch {
    if (type.includes('json')) throw new BadRequestError('malformed JSON body');
    return nestParams(new URLSearchParams(text));
  }
}

export function queryObject(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams);
}

// ---------------------------------------------------------------- value coercion (Rails-ish casting)

export const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 1 || v === 'yes' || v === 'yep') return true;
  if (v === 'false' || v === '0' || v === 0 || v === 'no' || v === '') return false;
  return undefined;
}

/** Integer cast: number or numeric string; `null` for "present but not a number". */
export function int(v: unknown): number | null | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return Number.isInteger(v) ? v : null;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
  return null;
}

export function float(v: unknown): number | null | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

export const epochSeconds = (ms: number): number => Math.floor(ms / 1000);
