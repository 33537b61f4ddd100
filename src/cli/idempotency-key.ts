/**
 * The Idempotency-Key of the write commands. Each run sends one key, new and random unless
 * `--idempotency-key K` names the key of an earlier run; the facade answers a request it has seen
 * under that key from its record (CT is not called again) and refuses the key for any other
 * request. The key is printed on stderr before the first write, so a run cut short (a dropped
 * connection, a killed job) can be repeated without acting twice. A run that needs several
 * requests (more than 100 boxes) sends `K` with the first and `K/2`, `K/3`, … with the next, so the
 * same run repeated sends each request with the key it had the first time.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError } from 'commander';
import { CliError } from './errors.js';
import { type Credential, type GraphQLResult, graphql } from './facade.js';
import { err } from './output.js';

const HEADER = 'idempotency-key';
/** The facade takes 255 characters; the rest is room for the part suffix (`/100` and more). */
const MAX_LENGTH = 240;
/** IDEMPOTENCY_IN_PROGRESS: the first request with this key still runs; it ends within a request's time (CT timeouts). */
const IN_PROGRESS_TRIES = 60;

/** `--idempotency-key K`: the facade's rule (printable ASCII), checked here so a bad key costs no request. */
export function parseKey(text: string): string {
  if (text.length === 0 || text.length > MAX_LENGTH || !/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(text)) {
    throw new InvalidArgumentError(`1 to ${MAX_LENGTH} printable ASCII characters, not starting or ending with a space.`);
  }
  return text;
}

/** The run's key: the one given, or a new one; said on stderr either way, before anything is written. */
export function runKey(given: string | undefined): string {
  const key = given ?? randomUUID();
  err(
    given
      ? `idempotency key: ${key} (given: what a run with this key did is answered again, not done twice)`
      : `idempotency key: ${key}; rerun with --idempotency-key ${key} to retry without acting twice`,
  );
  return key;
}

/** The key of the run's `index`th request (from 0). */
export function partKey(key: string, index: number): string {
  return index === 0 ? key : `${key}/${index + 1}`;
}

/**
 * One mutation with its Idempotency-Key. A request still running under the key (another run, or
 * this run's request the facade has not finished) is waited for, then answered from its record;
 * a key used for another request is an error that says what to do.
 */
export async function sendWithKey<T>(
  baseUrl: string,
  credential: Credential,
  document: string,
  variables: Record<string, unknown>,
  key: string,
): Promise<GraphQLResult<T>> {
  for (let tries = 1; ; tries++) {
    const response = await graphql<T>(baseUrl, credential.token, document, variables, undefined, { [HEADER]: key });
    const error = response.errors?.[0];
    const code = error?.extensions?.code;
    if (code === 'IDEMPOTENCY_KEY_REUSED') {
      throw new CliError(
        `the idempotency key ${key} was used for a different request (other boxes or other options), so nothing was done: ` +
          'repeat the first run exactly, or leave out --idempotency-key for a new run.',
      );
    }
    if (code !== 'IDEMPOTENCY_IN_PROGRESS') return response;
    if (tries >= IN_PROGRESS_TRIES) {
      throw new CliError(`a request with the idempotency key ${key} is still running at the facade; rerun later with the same key.`);
    }
    await sleep(1000 * Math.max(1, Number(error?.extensions?.retryAfter) || 1));
  }
}
