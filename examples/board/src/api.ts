/**
 * The board's GraphQL over HTTP: one POST per operation with the session cookie and the CSRF header,
 * naming the operation by its persisted id (codegen's `sha256:` hash), never sending its text. Also
 * hands every response's `extensions.cost` to whoever shows it (the corner of the page).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/** The facade refuses cookie requests that a form could forge unless they carry this header. */
export const CSRF_HEADER = { 'x-csrf-protection': '1' } as const;

/** `extensions.cost` of a response: the CT calls it made, its estimate, and this account's CT-call budget (null signed out). */
export interface Cost {
  ctCalls: number;
  estimated: number;
  budget: { limit: number; remaining: number; resetAt: string } | null;
}

export interface ApiError {
  message: string;
  extensions?: { code?: string; reauthenticate?: string };
}

export interface Result<TData> {
  data: TData | null;
  errors: ApiError[];
}

/** codegen's replaceDocumentWithHash mode: a document is only `{ __meta__: { hash } }`. */
export function documentId(document: TypedDocumentNode<unknown, never>): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string') throw new Error('Not a persisted document: run `npm run codegen`.');
  return hash;
}

const costListeners: Array<(cost: Cost) => void> = [];

export function onCost(listener: (cost: Cost) => void): void {
  costListeners.push(listener);
}

export async function request<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<Result<TData>> {
  const response = await fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...CSRF_HEADER },
    body: JSON.stringify({ documentId: documentId(document as TypedDocumentNode<unknown, never>), variables }),
  });
  let body: { data?: TData | null; errors?: ApiError[]; extensions?: { cost?: Cost } };
  try {
    body = await response.json();
  } catch {
    return { data: null, errors: [{ message: `The API answered ${response.status} without a GraphQL response.` }] };
  }
  const cost = body.extensions?.cost;
  if (cost) for (const listener of costListeners) listener(cost);
  return { data: body.data ?? null, errors: body.errors ?? [] };
}

/** True when an answer says the caller is signed out (or their CT sign-in ended). */
export function signedOut(errors: ApiError[]): boolean {
  return errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

/** Sign-out with the cookie: the facade wants the CSRF header (or our Origin) on it. */
export async function signOut(): Promise<void> {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: { ...CSRF_HEADER } });
}

/** Where sign-in starts, coming back to the board. */
export const SIGN_IN_HREF = '/auth/login?redirect=/board';
