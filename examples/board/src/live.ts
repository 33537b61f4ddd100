/**
 * Subscriptions over GraphQL over SSE with the graphql-sse client in distinct-connections mode (one
 * streamed POST per subscription, what yoga serves; no page polling anywhere): the cookie, the CSRF
 * header, and the operation's persisted id in place of its text.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type RequestParams } from 'graphql-sse';
import { type ApiError, CSRF_HEADER, documentId } from './api.js';

const client = createClient({
  url: '/graphql',
  credentials: 'same-origin',
  headers: { ...CSRF_HEADER },
  // Distinct connections (the default, said aloud): each subscription is its own stream, ended by the facade's `complete`.
  singleConnection: false,
  // A stream the facade ended with an error (signed out, location gone) is not retried blindly.
  retryAttempts: 2,
});

export interface LiveHandlers<TData> {
  next(data: TData): void;
  error(message: string, code?: string): void;
  complete?(): void;
}

/** Starts a subscription; the returned function stops it. */
export function subscribe<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  handlers: LiveHandlers<TData>,
): () => void {
  // graphql-sse types `query` as required; the facade resolves `documentId` instead (persisted operations).
  const params = { documentId: documentId(document as TypedDocumentNode<unknown, never>), variables } as unknown as RequestParams;
  return client.subscribe<TData>(params, {
    next(result) {
      const errors = (result.errors ?? []) as readonly ApiError[];
      if (errors.length > 0) handlers.error(errors[0]!.message, errors[0]!.extensions?.code);
      else if (result.data) handlers.next(result.data);
    },
    error(error) {
      handlers.error(error instanceof Error ? error.message : 'The live connection failed.');
    },
    complete() {
      handlers.complete?.();
    },
  });
}
