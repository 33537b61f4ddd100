/**
 * createApp: the facade as one Fetch handler. Wires the long-lived parts (config, CT transport,
 * refresher, sealer, pipeline, yoga) once, and routes /graphql, /auth/*, /healthz, /readyz,
 * /metrics and the /board example's files; each GraphQL request gets its context from context.ts. Listens nowhere (server.ts does).
 */
import { randomUUID } from 'node:crypto';
import { createApiTokens, type ApiTokens } from './auth/api-tokens.js';
import { createCanonicalRedirect } from './canonical-origin.js';
import { fetchCtUserId } from './auth/ct-user.js';
import { createDeviceGrants } from './auth/device-grants.js';
import { createDeviceRoutes, type DeviceRoutes } from './auth/device-routes.js';
import { createAuthRoutes } from './auth/routes.js';
import { createSignInStarter } from './auth/sign-in.js';
import { createSessionSealer, type SessionSealer } from './auth/session.js';
import { createNodeTransport, type CtTransport } from './ct/http.js';
import type { OAuthSettings } from './ct/oauth.js';
import { createReadinessProbe } from './ct/ping.js';
import { createRefresher, type Refresher } from './ct/refresher.js';
import { closeRedisClient, createRedisClient, createSharedRefresher } from './ct/shared-refresher.js';
import type { Config } from './config.js';
import { createRequestContext } from './context.js';
import { readSessionToken } from './auth/session.js';
import { createLive, type Live } from './live/registry.js';
import { redisCoordinator } from './live/redis.js';
import { createErrorMasker } from './errors.js';
import { corsPreflight, csrfViolation, decorateHeaders, logoutCsrfViolation } from './http-guards.js';
import { createLifecycle, type Lifecycle } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createGraphQLHandler } from './graphql-http.js';
import { createIdempotency } from './idempotency.js';
import { json, withHeaders } from './responses.js';
import { createPipeline } from './pipeline.js';
import { schema } from './schema/index.js';
import { PLAYGROUND_ASSETS_PATH, servePlaygroundAsset } from './playground/assets.js';
import { createBoard, defaultBoardDir } from './board/serve.js';
import { createYogaServer } from './yoga.js';
import { describeStore } from './store/describe.js';
import { createLazyStore, type LazyStore } from './store/lazy.js';
import { createCtBudget, type CtBudget } from './budget.js';
import { LRUCache } from 'lru-cache';
import { loadTracing, type RequestTrace, type Tracing } from './tracing.js';

export interface AppDeps {
  /** Must have ctApiUrl, ctOauthUrl, clientId and clientSecret set (server.ts fills them for the simulator). */
  config: Config;
  /** How the facade reaches CT; tests inject the simulator's handler here. */
  fetch?: typeof fetch;
  logger?: Logger;
  /**
   * Clock in ms (the /readyz cache, API token expiry and re-checks, device codes, subscriptions'
   * token expiry), for tests; defaults to Date.now.
   */
  now?: () => number;
  /** Where the built /board example is (board/serve.ts: dist/board/ by default); tests build one into a temporary folder. */
  boardDir?: string;
}

export interface App {
  fetch(request: Request): Promise<Response>;
  /** The session sealer, for tools and tests that mint sessions from CT tokens. */
  sessions(): Promise<SessionSealer>;
  readonly refresher: Refresher;
  readonly metrics: Metrics;
  /** The subscriptions' pollers (DESIGN.md "Live data"). */
  readonly live: Live;
  /** API tokens: verify, list, revoke, mint (tools and tests). */
  readonly apiTokens: ApiTokens;
  /** The durable store, opened on first use (tools and tests read it directly). */
  readonly store: LazyStore;
  /**
   * The CT-call budget per CT account (RATE_LIMIT_CT_CALLS), shared through Redis with REDIS_URL.
   * GraphQL operations spend it through pipeline.ts; work that calls CT outside an operation (a
   * subscription's polls) charges what it made with `budget.charge(ctUserId, calls)`.
   */
  readonly budget: CtBudget;
  /**
   * The draining flag and the drain and close hooks: whatever the app opens registers its release
   * here (the store when it was opened, the Redis connection when REDIS_URL is set), so close()
   * needs no list of its own.
   */
  readonly lifecycle: Lifecycle;
  /** Starts the drain of a shutdown: from now on /readyz answers 503; requests are still served. */
  drain(): Promise<void>;
  /** Drains (if not yet), then releases everything the app holds open, through its close hooks. */
  close(): Promise<void>;
}

/**
 * The routes whose requests get a span: the API and sign-in, each by its own name. Probes, metrics
 * and the playground's files would only bury them (and unknown paths would make names unbounded).
 */
const TRACED_ROUTES = new Set(['/graphql', '/auth/login', '/auth/callback', '/auth/logout', '/auth/device', '/auth/token', '/device']);

/** GraphQL requests are small; a larger body is refused before it is parsed. */
const MAX_BODY_BYTES = 1_000_000;

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`createApp: config.${name} is not set`);
  return value;
}

export function createApp(deps: AppDeps): App {
  const { config } = deps;
  const upstreamFetch = deps.fetch ?? globalThis.fetch;
  // An injected fetch (the simulator in tests) is used as given; otherwise REST calls take node:http.
  const transport: CtTransport | undefined = deps.fetch ? undefined : createNodeTransport({ maxSockets: 256 });
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  // The line every request logs holds only the fields app.fetch names below (an id, the method, the
  // path without its query, numbers), never a credential: it skips the redaction pass, which cost
  // about 8 µs a line against 1 µs for the rest of the line (bench/README.md, issue 18).
  const requestLog = logger.child({}, { redact: { paths: [] } });
  const apiUrl = required(config.ctApiUrl, 'ctApiUrl');
  const oauth: OAuthSettings = {
    oauthUrl: required(config.ctOauthUrl, 'ctOauthUrl'),
    clientId: required(config.clientId, 'clientId'),
    clientSecret: required(config.clientSecret, 'clientSecret'),
    fetch: upstreamFetch,
    timeoutMs: config.ctTimeoutMs,
  };
  // REDIS_URL: the refresh single flight and its kept result are shared by all instances (DESIGN.md "Scale-out").
  const lifecycle = createLifecycle();
  const redis = config.redisUrl ? createRedisClient(config.redisUrl, { logger }) : undefined;
  if (redis) lifecycle.onClose(() => closeRedisClient(redis));
  const refresher = redis ? createSharedRefresher(oauth, { redis, secrets: config.sessionSecrets, logger }) : createRefresher(oauth);
  const now = deps.now ?? Date.now;
  // Opened the first time an API token or a device sign-in needs it; a browser-only facade never does.
  const store = createLazyStore(
    {
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      onError: (error) => logger.warn({ err: error.message }, 'store connection error'),
    },
    {
      onOpen: (opened, ms) =>
        logger.info({ event: 'store_open', engine: opened.engine, ms: Math.round(ms) }, `store opened: ${describeStore(config)}`),
    },
  );
  const apiTokens = createApiTokens({
    store: store.get,
    secrets: config.sessionSecrets,
    oauth,
    now,
    warn: (what, details) => logger.warn(details, what),
  });
  lifecycle.onClose(async () => {
    await apiTokens.flush();
    await store.close();
  });
  const ctOptions = {
    apiUrl,
    fetch: upstreamFetch,
    ...(transport ? { transport } : {}),
    timeoutMs: config.ctTimeoutMs,
    maxRetries: config.ctMaxRetries,
  };
  const loaderOptions = { concurrency: config.ctConcurrency, cache: config.loaders };
  const metrics = createMetrics({
    refresher,
    grants: { stats: apiTokens.refreshStats },
    live: {
      get stats() {
        return live.stats;
      },
    },
  });
  // With REDIS_URL one instance polls each topic and the others hear its findings (a SUBSCRIBE needs a connection of its own).
  const liveSubscriber = redis?.duplicate();
  liveSubscriber?.on('error', () => {
    // Reported (rate-limited) by the coordinator when a command fails; ioredis reconnects by itself.
  });
  const budget = createCtBudget({
    limit: config.rateLimitCtCalls,
    ...(redis ? { redis } : {}),
    now,
    warn: (message, details) => logger.warn(details, message),
  });
  const live: Live = createLive({
    intervalMs: config.livePollIntervalMs,
    // A poll's CT calls count against the budget of the user it polls for (issue 16).
    budget,
    ct: { ...ctOptions, onCall: metrics.ctCall },
    loaders: loaderOptions,
    logger,
    ...(deps.now ? { now: deps.now } : {}),
    ...(redis && liveSubscriber
      ? {
          coordinator: ({ onSignOut }) =>
            redisCoordinator({
              redis,
              subscriber: liveSubscriber,
              // Renewed every half interval, a dead holder's lease lapses within 1.5 intervals and the
              // others look every half interval: polling resumes within two intervals.
              leaseMs: Math.floor(config.livePollIntervalMs * 1.5),
              snapshotMs: config.livePollIntervalMs * 4,
              onSignOut,
              logger,
            }),
        }
      : {}),
  });
  // A drain ends every stream (each with a final event, its lease released) before requests finish.
  lifecycle.onDrain(() => live.close());
  if (liveSubscriber) lifecycle.onClose(() => closeRedisClient(liveSubscriber));
  const corsOrigins = new Set(config.corsOrigins);
  const trustedOrigins = new Set([new URL(config.publicUrl).origin, ...config.corsOrigins]);
  const sealerPromise = createSessionSealer({ secrets: config.sessionSecrets, maxAgeSeconds: config.sessionMaxAgeSeconds });
  const secureCookies = config.publicUrl.startsWith('https:');
  // An operation that could need more calls than a whole minute's budget could never run: refused
  // as too costly (no retry helps), not as rate limited.
  const maxCtCalls = Math.min(config.maxCtCalls, config.rateLimitCtCalls);
  const limits = { maxDepth: config.maxDepth, maxAliases: config.maxAliases, maxCtCalls, maxTokens: config.maxTokens };
  const maskError = createErrorMasker({ logger, production: config.production });
  // The /board example, when built: its files, and its operations trusted beside PERSISTED_OPERATIONS_FILE's.
  const board = createBoard({ dir: deps.boardDir ?? defaultBoardDir() });
  const boardManifest = board.manifestFile();
  const persisted = {
    file: config.persistedOperationsFile,
    builtInFiles: boardManifest ? [boardManifest] : [],
    warn: (message: string) => logger.warn(message),
    only: config.persistedOperationsOnly,
    publicOrigin: new URL(config.publicUrl).origin,
  };
  // Idempotency-Key records live in the durable store, opened the first time a mutation carries the header.
  const idempotency = createIdempotency({
    store: store.get,
    secrets: config.sessionSecrets,
    now,
    warn: (what, details) => logger.warn(details, what),
  });
  // Sessions sealed before sessions carried their CT account: the account, once asked, per token.
  const knownCtUsers = new LRUCache<string, Promise<string | null>>({ max: 10_000 });
  const pipeline = createPipeline({ schema, limits, maskError, persisted, idempotency, budget });
  // The SDK is loaded only when tracing is configured; until it is, and without it, requests go untraced.
  let tracing: Tracing | null = null;
  const tracingLoaded = config.otelEndpoint
    ? loadTracing({ endpoint: config.otelEndpoint, serviceName: config.otelServiceName }).then(
        (loaded) => {
          tracing = loaded;
          return loaded;
        },
        (error: unknown) => {
          logger.error({ err: error instanceof Error ? error.message : String(error) }, 'tracing could not start; serving untraced');
          return null;
        },
      )
    : null;
  if (tracingLoaded) lifecycle.onClose(async () => (await tracingLoaded)?.shutdown());
  const yoga = createYogaServer({ pipeline, maskError, maxBodyBytes: MAX_BODY_BYTES });
  const executeGraphQL = createGraphQLHandler({
    pipeline,
    maxBodyBytes: MAX_BODY_BYTES,
    fallback: async (request, context) => yoga.fetch(request, context),
  });
  let authRoutes: ((request: Request) => Promise<Response | null>) | undefined;
  let deviceRoutes: DeviceRoutes | undefined;
  async function devices(): Promise<DeviceRoutes> {
    deviceRoutes ??= createDeviceRoutes({
      publicUrl: config.publicUrl,
      trustedOrigins: new Set([new URL(config.publicUrl).origin]),
      ctOrigin: new URL(oauth.oauthUrl).origin,
      grants: createDeviceGrants({
        store: store.get,
        apiTokens,
        pollIntervalSeconds: config.devicePollIntervalSeconds,
        now,
        warn: (what, details) => logger.warn(details, what),
      }),
      signIn: createSignInStarter({ publicUrl: config.publicUrl, oauth, sealer: await sealerPromise, logger }),
      whoIs: (tokens) => fetchCtUserId(ctOptions, tokens),
      logger,
    });
    return deviceRoutes;
  }
  // Browser pages on another host than PUBLIC_URL's go there first: one origin for every sign-in cookie.
  const toPublicOrigin = createCanonicalRedirect(config.publicUrl, logger);
  const ctReadiness = createReadinessProbe({ apiUrl, fetch: upstreamFetch, timeoutMs: config.ctTimeoutMs, now });

  async function graphql(request: Request, trace: RequestTrace | null): Promise<{ response: Response; ctCalls: number }> {
    const started = performance.now();
    const csrf = csrfViolation(request, trustedOrigins);
    if (csrf) {
      const body = {
        errors: [
          { message: `Refused: ${csrf}. Send the header "x-csrf-protection: 1" with cookie sessions.`, extensions: { code: 'FORBIDDEN' } },
        ],
      };
      metrics.request(metrics.operationLabel(null), 403, (performance.now() - started) / 1000);
      return { response: json(body, 403), ctCalls: 0 };
    }
    const { context, finish } = await createRequestContext(
      request,
      {
        sealer: await sealerPromise,
        ct: { ...ctOptions, refresher },
        loaders: loaderOptions,
        metrics,
        secureCookies,
        apiTokens,
        live,
        knownCtUsers,
      },
      trace,
    );
    const response = await finish(await executeGraphQL(request, context));
    if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      const stream = withHeaders(response, (headers) => {
        // Proxies such as nginx must pass each event on at once instead of buffering the body.
        headers.set('x-accel-buffering', 'no');
        // The socket ends with the stream: a shutdown ends every stream, then need not wait for idle keep-alives.
        headers.delete('connection');
        headers.set('connection', 'close');
      });
      return { response: stream, ctCalls: context.ct?.stats.calls ?? 0 };
    }
    return { response, ctCalls: context.ct?.stats.calls ?? 0 };
  }

  async function readiness(): Promise<Response> {
    // Draining: answer at once, without asking CT, so a load balancer takes this instance out
    // of rotation while the requests already in flight finish.
    if (lifecycle.draining) return json({ status: 'unavailable', reason: 'DRAINING' }, 503);
    const state = await ctReadiness();
    if (state === 'ready') return json({ status: 'ready' }, 200);
    return json({ status: 'unavailable', reason: state === 'unhealthy' ? 'CT_UNHEALTHY' : 'CT_UNREACHABLE' }, 503);
  }

  async function route(request: Request, path: string, trace: RequestTrace | null): Promise<{ response: Response; ctCalls: number }> {
    // A CORS preflight never reaches a handler: it is answered from the allow-list alone.
    if (request.method === 'OPTIONS') return { response: corsPreflight(request, corsOrigins), ctCalls: 0 };
    const canonical = toPublicOrigin(request, path);
    if (canonical) return { response: canonical, ctCalls: 0 };
    if (path === '/graphql') return graphql(request, trace);
    if (path.startsWith(PLAYGROUND_ASSETS_PATH) && (request.method === 'GET' || request.method === 'HEAD')) {
      const asset = await servePlaygroundAsset(path, { acceptEncoding: request.headers.get('accept-encoding') });
      if (asset) return { response: asset, ctCalls: 0 };
    }
    const boardFile = await board.serve(request, path);
    if (boardFile) return { response: boardFile, ctCalls: 0 };
    if (path === '/healthz') return { response: json({ status: 'ok' }, 200), ctCalls: 0 };
    if (path === '/readyz') return { response: await readiness(), ctCalls: 0 };
    if (path === '/metrics' && request.method === 'GET') {
      const rendered = await metrics.render();
      return { response: new Response(rendered.body, { status: 200, headers: { 'content-type': rendered.contentType } }), ctCalls: 0 };
    }
    if (path === '/' && request.method === 'GET') {
      return { response: new Response(null, { status: 302, headers: { location: '/graphql' } }), ctCalls: 0 };
    }
    // The person's page of a device sign-in; it guards its own form against CSRF.
    if (path === '/device') {
      const response = await (await devices()).handle(request);
      if (response) return { response, ctCalls: 0 };
    }
    if (path.startsWith('/auth/')) {
      const csrf =
        request.method !== 'POST'
          ? null
          : path === '/auth/logout'
            ? logoutCsrfViolation(request, trustedOrigins)
            : csrfViolation(request, trustedOrigins);
      if (csrf) return { response: json({ error: 'csrf', message: `Refused: ${csrf}.` }, 403), ctCalls: 0 };
      const device = path === '/auth/device' || path === '/auth/token' ? await (await devices()).handle(request) : null;
      if (device) return { response: device, ctCalls: 0 };
      authRoutes ??= createAuthRoutes({
        config,
        oauth,
        sealer: await sealerPromise,
        refresher,
        logger,
        device: await devices(),
        apiTokens,
        whoIs: (tokens) => fetchCtUserId(ctOptions, tokens),
      });
      // Sign-out ends the streams opened with this session, on every instance.
      const signingOut =
        path === '/auth/logout' && request.method === 'POST' ? await (await sealerPromise).open(readSessionToken(request)) : null;
      const response = await authRoutes(request);
      if (signingOut?.session && response && response.status < 400) await live.signedOut(signingOut.session.tokens);
      if (response) return { response, ctCalls: 0 };
    }
    return { response: json({ error: 'not_found' }, 404), ctCalls: 0 };
  }

  return {
    refresher,
    metrics,
    live,
    apiTokens,
    store,
    budget,
    sessions: () => sealerPromise,
    lifecycle,
    drain: () => lifecycle.drain(),
    close: () => lifecycle.close(),
    async fetch(request: Request): Promise<Response> {
      const started = performance.now();
      const requestId = randomUUID();
      const path = new URL(request.url).pathname;
      // The first requests may come before the SDK has loaded: they wait for it rather than go untraced.
      if (tracingLoaded && !tracing) await tracingLoaded;
      const trace = tracing && TRACED_ROUTES.has(path) ? tracing.startRequest(request, path) : null;
      let status = 500;
      let ctCalls = 0;
      try {
        const result = await route(request, path, trace);
        ctCalls = result.ctCalls;
        status = result.response.status;
        return withHeaders(result.response, (headers) => {
          headers.set('x-request-id', requestId);
          decorateHeaders(headers, request, corsOrigins);
        });
      } catch (error) {
        logger.error(
          { requestId, err: error instanceof Error ? { name: error.name, message: error.message } : String(error) },
          'request failed',
        );
        return json({ error: 'internal_error', requestId }, 500);
      } finally {
        trace?.end(status);
        const durationMs = Math.round(performance.now() - started);
        const traceId = trace ? { traceId: trace.traceId } : {};
        requestLog.info({ requestId, method: request.method, path, status, durationMs, ctCalls, ...traceId }, 'request');
      }
    },
  };
}
