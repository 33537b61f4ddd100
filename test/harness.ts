/**
 * createHarness: the CT simulator and the facade wired together in-process (the simulator is
 * the facade's fetch), a graphql-request client pointed at app.fetch, and quick sign-in.
 * createAppOver: just the facade app over a simulator the caller already has.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { GraphQLClient } from 'graphql-request';
import { createSimulator, DEMO, type Simulator, type SimulatorOptions } from '../simulator/app.js';
import { createApp, type App } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';

export const FACADE_URL = 'http://facade.test';
export const CT_URL = 'http://ct.test';
export const TEST_SECRET = 'test-session-secret-0123456789-abcdefghijklmnop';

export interface Harness {
  sim: Simulator;
  app: App;
  config: Config;
  /** Every line the facade logged, as text: for redaction assertions. */
  logs: string[];
  /** A session token for a simulator user, minted from CT tokens issued by the simulator. */
  login(username?: string): Promise<string>;
  /** graphql-request pointed at app.fetch; with a session token as bearer when given. */
  client(token?: string, headers?: Record<string, string>): GraphQLClient;
  /** Raw POST /graphql through app.fetch. */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** The CT REST calls (not OAuth) the simulator has seen since the last resetLog(). */
  ctCalls(): ReturnType<Simulator['apiCalls']>;
}

/**
 * A facade app over an existing simulator (the simulator is its fetch), configured with the
 * harness defaults overridden by `env`, logging into `logs` as text.
 */
export function createAppOver(
  sim: Simulator,
  env: Record<string, string | undefined> = {},
  /** Stands between the facade and the simulator, e.g. to reshape CT's answers the way another CT could. */
  ctFetch: (request: Request) => Promise<Response> = (request) => sim.fetch(request),
  /** The facade's clock in ms; Date.now when not given. */
  now?: () => number,
  /** Where the facade finds the built /board example. */
  boardDir?: string,
): { app: App; config: Config; logs: string[] } {
  const config = loadConfig({
    PUBLIC_URL: FACADE_URL,
    CT_API_URL: `${CT_URL}/api/v1`,
    CT_OAUTH_URL: CT_URL,
    CT_CLIENT_ID: DEMO.clientId,
    CT_CLIENT_SECRET: DEMO.clientSecret,
    SESSION_SECRET: TEST_SECRET,
    LOG_LEVEL: 'info',
    // A directory of its own that nothing creates until the store is first used (never ./data in the repository).
    DATA_DIR: join(tmpdir(), `ct-graphql-test-${randomUUID()}`),
    ...env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: config.logLevel, destination });
  const app = createApp({
    config,
    fetch: (input, init) => ctFetch(new Request(input, init)),
    logger,
    ...(now ? { now } : {}),
    ...(boardDir ? { boardDir } : {}),
  });
  return { app, config, logs };
}

/** The id /me.json gives a simulator user, read from the simulator's records (no CT call). */
export function simulatorUserId(sim: Simulator, username: string = DEMO.username): string {
  const store = sim.store as { userByLogin(login: string): { id: number } | undefined };
  const user = store.userByLogin(username);
  if (!user) throw new Error(`no such simulator user: ${username}`);
  return String(user.id);
}

/**
 * A session token for a simulator user on `app`, minted from CT tokens the simulator issues, and
 * sealed with the user's CT account as sign-in through /auth/callback seals it (so no /me.json
 * call shows in a test's log). `withAccount: false` seals it as sessions were before they carried one.
 */
export async function sessionFor(
  app: Pick<App, 'sessions'>,
  sim: Simulator,
  o: { username?: string; withAccount?: boolean } = {},
): Promise<string> {
  const issued = sim.control.issueTokens(o.username);
  const tokens = {
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: (issued.created_at + issued.expires_in) * 1000,
  };
  const sealer = await app.sessions();
  const sealed = await (o.withAccount === false
    ? sealer.seal(tokens)
    : sealer.seal(tokens, { ctUserId: simulatorUserId(sim, o.username) }));
  return sealed.token;
}

/**
 * Just enough of a Harness (sim, app, client, ctCalls) over an app made with createAppOver, for the
 * shared helpers that need no more; the other members are absent.
 */
export function harnessOver(sim: Simulator, app: App): Harness {
  const client = (token?: string) =>
    new GraphQLClient(`${FACADE_URL}/graphql`, {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init)),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  return { sim, app, client, ctCalls: () => sim.apiCalls() } as Partial<Harness> as Harness;
}

export function createHarness(
  options: { sim?: SimulatorOptions; env?: Record<string, string | undefined>; now?: () => number } = {},
): Harness {
  const sim = createSimulator({ ...options.sim, redirectUris: [`${FACADE_URL}/auth/callback`, ...(options.sim?.redirectUris ?? [])] });
  const { app, config, logs } = createAppOver(sim, options.env, undefined, options.now);

  return {
    sim,
    app,
    config,
    logs,
    login: (username?: string) => sessionFor(app, sim, { username }),
    client(token?: string, headers: Record<string, string> = {}) {
      return new GraphQLClient(`${FACADE_URL}/graphql`, {
        fetch: (input: RequestInfo | URL, init?: RequestInit) => app.fetch(new Request(input, init)),
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      });
    },
    post(body: unknown, headers: Record<string, string> = {}) {
      return app.fetch(
        new Request(`${FACADE_URL}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
          body: JSON.stringify(body),
        }),
      );
    },
    ctCalls: () => sim.apiCalls(),
  };
}
