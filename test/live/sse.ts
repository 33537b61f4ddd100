/**
 * A small client of GraphQL over Server-Sent Events (the distinct-connections mode yoga serves) for
 * the live tests: POST (or GET) /graphql with `Accept: text/event-stream`, then read `next` and
 * `complete` messages from the body as they come. Keep-alive comments (`:`) are counted. Works over
 * app.fetch in-process and over a real socket alike (any Fetch function).
 */
import type { ExecutionResult } from 'graphql';

export interface SseMessage {
  event: 'next' | 'complete' | string;
  /** The parsed `data` of a `next` message (an execution result); null for `complete`. */
  data: ExecutionResult | null;
}

export interface SseStream {
  readonly response: Response;
  /** The next message; rejects when the stream closes without one. */
  next(): Promise<SseMessage>;
  /** The next `next` message's result, failing on `complete`. */
  nextResult(): Promise<ExecutionResult>;
  /** Every message until `complete` (included) or the end of the body. */
  rest(): Promise<SseMessage[]>;
  /** Keep-alive comments seen so far. */
  readonly comments: number;
  /** Reads (buffering any message) until `count` comments were seen. */
  untilComments(count: number): Promise<void>;
  /** The client leaves (cancels the body). */
  close(): Promise<void>;
}

type FetchFn = (request: Request) => Promise<Response>;

export interface OpenOptions {
  url?: string;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  signal?: AbortSignal;
}

export async function openStream(
  fetchFn: FetchFn,
  body: { query: string; variables?: Record<string, unknown>; operationName?: string },
  options: OpenOptions = {},
): Promise<SseStream> {
  const base = options.url ?? 'http://facade.test/graphql';
  const headers = { accept: 'text/event-stream', ...options.headers };
  const request =
    options.method === 'GET'
      ? new Request(`${base}?${new URLSearchParams({ query: body.query, variables: JSON.stringify(body.variables ?? {}) })}`, {
          headers,
          ...(options.signal ? { signal: options.signal } : {}),
        })
      : new Request(base, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
          ...(options.signal ? { signal: options.signal } : {}),
        });
  const response = await fetchFn(request);
  return readStream(response);
}

export function readStream(response: Response): SseStream {
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  const queue: SseMessage[] = [];
  let text = '';
  let ended = false;
  /** The body reached its end (the server ended the stream). */
  let finished = false;
  let comments = 0;
  let started = false;
  /** The server sent `complete`: the body ends right after it. */
  let completed = false;

  async function fill(): Promise<boolean> {
    if (!reader || ended) return false;
    started = true;
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      finished = true;
      return false;
    }
    text += decoder.decode(value, { stream: true });
    for (let at = text.indexOf('\n\n'); at >= 0; at = text.indexOf('\n\n')) {
      const block = text.slice(0, at);
      text = text.slice(at + 2);
      let event = 'message';
      const data: string[] = [];
      let comment = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comment = true;
        else if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (comment && data.length === 0 && event === 'message') {
        comments++;
        continue;
      }
      const payload = data.join('\n');
      if (event === 'complete') completed = true;
      queue.push({ event, data: payload === '' ? null : (JSON.parse(payload) as ExecutionResult) });
    }
    return true;
  }

  async function next(): Promise<SseMessage> {
    while (queue.length === 0) {
      if (!(await fill())) throw new Error(`the stream ended without another message (HTTP ${response.status})`);
    }
    return queue.shift() as SseMessage;
  }

  return {
    response,
    next,
    async nextResult() {
      const message = await next();
      if (message.event !== 'next' || !message.data) throw new Error(`expected a next message, got ${message.event}`);
      return message.data;
    },
    async rest() {
      const all: SseMessage[] = [];
      for (;;) {
        let message: SseMessage;
        try {
          message = await next();
        } catch {
          return all;
        }
        all.push(message);
        if (message.event === 'complete') return all;
      }
    },
    get comments() {
      return comments;
    },
    async untilComments(count) {
      while (comments < count) {
        if (!(await fill())) throw new Error(`the stream ended after ${comments} comments`);
      }
    },
    async close() {
      // yoga's stream starts on its first read (a server writing to a socket reads at once): a
      // stream never read would not reach yoga's cancel. Its first chunk, a comment, is there at once.
      if (!started && response.ok) await fill();
      // A completed stream is read to its end rather than cancelled (a cancel would wait for a close already past).
      if (completed) while (await fill());
      ended = true;
      if (finished) return;
      // A native stream (a real socket) cancels through its reader. app.fetch's body is a
      // @whatwg-node stream over a node Readable, whose reader waits for a pending read before it
      // cancels: cancelling the stream itself is what reaches yoga (a locked native stream refuses it).
      const body = response.body as (ReadableStream<Uint8Array> & { cancel(reason?: unknown): Promise<void> }) | null;
      await Promise.allSettled([reader?.cancel(), body?.cancel()]);
    },
  };
}
