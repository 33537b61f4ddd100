/**
 * One GraphQL subscription over Server-Sent Events, as the facade serves it (the distinct
 * connections mode of GraphQL over SSE): a POST /graphql with `Accept: text/event-stream`, then
 * `next` messages (a GraphQL result each) until `complete`. Keep-alive comments are skipped. A
 * stream that breaks before `complete` (a dropped connection, a facade going away) is a
 * `StreamBroken`, which the caller may retry; a refusal before the stream (an invalid token, over
 * the budget) comes back as a plain GraphQL response.
 */
import type { GraphQLResponse } from './facade.js';

export class StreamBroken extends Error {}

export interface SubscriptionResponse<T> extends GraphQLResponse<T> {
  /** The token was refused (`WWW-Authenticate: Bearer error="invalid_token"`). */
  refused: boolean;
}

/** The results of a subscription, as they come; ends at `complete`. */
export async function* subscribe<T>(
  baseUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
): AsyncGenerator<SubscriptionResponse<T>> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new StreamBroken(`cannot reach the facade at ${baseUrl} (${(error as { cause?: { code?: string } }).cause?.code ?? error})`);
  }
  const refused = /\berror="invalid_token"/.test(response.headers.get('www-authenticate') ?? '');
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    let body: GraphQLResponse<T>;
    try {
      body = (await response.json()) as GraphQLResponse<T>;
    } catch {
      throw new StreamBroken(`the facade answered HTTP ${response.status} without a stream or a GraphQL response`);
    }
    yield { ...body, refused };
    return;
  }
  if (!response.body) throw new StreamBroken('the facade answered with an empty stream');
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true }).replace(/\r\n?/g, '\n');
      for (let at = text.indexOf('\n\n'); at >= 0; at = text.indexOf('\n\n')) {
        const block = text.slice(0, at);
        text = text.slice(at + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (event === 'complete') return;
        if (event === 'next' && data.length > 0) yield { ...(JSON.parse(data.join('\n')) as GraphQLResponse<T>), refused };
      }
    }
  } catch (error) {
    throw new StreamBroken(`the stream broke (${(error as Error).message})`);
  }
  throw new StreamBroken('the stream ended before the facade completed it');
}
