/**
 * The client half of device sign-in (RFC 8628) against the facade: ask for a device code, show the
 * person where to go, and poll `POST /auth/token` at the pace the facade sets until it hands over
 * an API token, says no, or the code expires.
 */
import { CliError } from './errors.js';

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
}

export interface IssuedToken {
  access_token: string;
  token_type: string;
  scope?: string;
}

/** A sign-in that did not end with a token; reported like any other failure of the command. */
export class LoginError extends CliError {}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.5: each slow_down adds five seconds to the polling interval. */
const SLOW_DOWN_STEP_S = 5;

export interface DeviceLoginOptions {
  baseUrl: string;
  name?: string;
  scope?: 'read' | 'write';
  /** The API token's lifetime in seconds; it never expires when not given. */
  tokenExpiresIn?: number;
  fetch?: typeof fetch;
  /** Shows the person the URL and the code (and may open a browser). */
  prompt(authorization: DeviceAuthorization): void | Promise<void>;
  /** Waits between polls; tests may shorten it. */
  sleep?: (ms: number) => Promise<void>;
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  try {
    return (await response.json()) as Record<string, unknown>;
  } catch {
    throw new LoginError(`the facade answered HTTP ${response.status} without JSON; is ${response.url} a ct-graphql facade?`);
  }
}

/**
 * Waits at least `ms` of real time. A timer alone may end a little early (it counts from the event
 * loop's cached clock), and a poll that comes before the interval is up costs five seconds more
 * for every later one (slow_down).
 */
async function atLeast(ms: number): Promise<void> {
  const due = performance.now() + ms;
  for (let left = ms; left > 0; left = due - performance.now()) await new Promise<void>((resolve) => setTimeout(resolve, Math.ceil(left)));
}

export async function deviceLogin(options: DeviceLoginOptions): Promise<IssuedToken> {
  const send = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? atLeast;
  const form = new URLSearchParams();
  if (options.name) form.set('name', options.name);
  if (options.scope) form.set('scope', options.scope);
  if (options.tokenExpiresIn !== undefined) form.set('token_expires_in', String(options.tokenExpiresIn));
  const started = await send(`${options.baseUrl}/auth/device`, { method: 'POST', body: form });
  const authorization = (await readJson(started)) as unknown as DeviceAuthorization & { error?: string; error_description?: string };
  if (!started.ok || typeof authorization.device_code !== 'string') {
    throw new LoginError(
      `the facade refused to start a sign-in: ${authorization.error_description ?? authorization.error ?? started.status}`,
    );
  }
  await options.prompt(authorization);

  let intervalS = authorization.interval ?? 5;
  const deadline = Date.now() + authorization.expires_in * 1000;
  while (Date.now() < deadline) {
    await sleep(intervalS * 1000);
    const body = new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: authorization.device_code });
    const polled = await send(`${options.baseUrl}/auth/token`, { method: 'POST', body });
    const answer = await readJson(polled);
    if (polled.ok && typeof answer.access_token === 'string') return answer as unknown as IssuedToken;
    switch (answer.error) {
      case 'authorization_pending':
        continue;
      case 'slow_down':
        intervalS += SLOW_DOWN_STEP_S;
        continue;
      case 'access_denied':
        throw new LoginError('the sign-in was denied.');
      case 'expired_token':
        throw new LoginError('the code expired before it was confirmed; run `ct-graphql login` again.');
      default:
        throw new LoginError(`the facade refused the sign-in: ${String(answer.error_description ?? answer.error ?? polled.status)}`);
    }
  }
  throw new LoginError('the code expired before it was confirmed; run `ct-graphql login` again.');
}
