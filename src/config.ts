/**
 * Reads and validates the facade's environment once (DESIGN.md "Runtime contract").
 * Everything else receives a typed `Config`; nothing else reads process.env.
 */
import { randomBytes } from 'node:crypto';

export interface Config {
  port: number;
  host: string;
  /** The facade's external URL; the OAuth redirect_uri is `publicUrl + /auth/callback`. */
  publicUrl: string;
  /** CT REST base, e.g. https://api.ctapp.io/api/v1. Undefined: server.ts starts the simulator. */
  ctApiUrl: string | undefined;
  /** Base of /oauth/authorize, /oauth/token, /oauth/revoke. */
  ctOauthUrl: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** First seals, all open. */
  sessionSecrets: string[];
  /** True when no SESSION_SECRET was configured and a random per-process key is used. */
  sessionSecretGenerated: boolean;
  sessionMaxAgeSeconds: number;
  logLevel: string;
  /** Timeout of every CT call. */
  ctTimeoutMs: number;
  /** Retries of an idempotent CT read (502/503/504, connection errors, 429). */
  ctMaxRetries: number;
  /** How many CT calls one request may have in flight at once. */
  ctConcurrency: number;
  /** Budget of estimated CT calls per GraphQL request; above it the query is refused. */
  maxCtCalls: number;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  /** Origins allowed by CORS; empty means no cross-origin access. */
  corsOrigins: string[];
  /** REDIS_URL: shared refresh coordination for several instances (DESIGN.md "Scale-out"). Undefined: in process. */
  redisUrl: string | undefined;
  /**
   * DATABASE_URL: the durable store (API tokens, their CT grants) in a PostgreSQL shared by every
   * instance. Undefined: the embedded SQLite store under `dataDir`. Holds a password: never log it
   * (store/describe.ts prints it without one).
   */
  databaseUrl: string | undefined;
  /** DATA_DIR: where the embedded store keeps its file when DATABASE_URL is unset. */
  dataDir: string;
  /** LIVE_POLL_INTERVAL_MS: how often CT is polled for a watched location or voucher batch (DESIGN.md "Live data"). */
  livePollIntervalMs: number;
  /** `CT_LOADERS=off` bypasses DataLoader batching and caching (benchmark baseline only). */
  loaders: boolean;
  /** After SIGTERM/SIGINT, how long requests in flight may take to finish before they are cut. */
  shutdownGraceMs: number;
  /** DEVICE_POLL_INTERVAL_S: the RFC 8628 `interval` a device sign-in asks the device to keep between polls. */
  devicePollIntervalSeconds: number;
  /** PERSISTED_OPERATIONS_FILE: the trusted documents (id -> document), checked against the schema at start-up. */
  persistedOperationsFile: string | undefined;
  /** PERSISTED_OPERATIONS_ONLY=true: documents sent in full are refused, but the playground's queries. */
  persistedOperationsOnly: boolean;
  /** RATE_LIMIT_CT_CALLS: CT calls one CT account may make through the facade per minute, across instances (budget.ts). */
  rateLimitCtCalls: number;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: where traces go over OTLP/HTTP. Undefined: no tracing (and the SDK is never loaded). */
  otelEndpoint: string | undefined;
  /** OTEL_SERVICE_NAME: the traces' `service.name`. */
  otelServiceName: string;
  production: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const DAY = 24 * 60 * 60;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min} (got "${raw}")`);
  }
  return value;
}

function bool(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${name} must be true or false (got "${env[name]}")`);
}

function url(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  try {
    return new URL(raw).toString().replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`${name} must be an absolute URL (got "${raw}")`);
  }
}

/**
 * A server URL that may hold a password (REDIS_URL, DATABASE_URL): one of `protocols`, with a host.
 * The message names the variable and the expected shape, never the value.
 */
function serverUrl(raw: string | undefined, protocols: readonly string[], problem: string): string | undefined {
  if (!raw) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !protocols.includes(parsed.protocol) || !parsed.hostname) throw new ConfigError(problem);
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const port = int(env, 'PORT', 4000);
  const secretsRaw = (env.SESSION_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (secretsRaw.length === 0 && production) {
    throw new ConfigError(
      'SESSION_SECRET is required when NODE_ENV=production (one or more comma-separated secrets of at least 32 bytes; the first seals, ' +
        'all open).',
    );
  }
  for (const secret of secretsRaw) {
    if (Buffer.byteLength(secret) < 32) {
      throw new ConfigError('every SESSION_SECRET entry must be at least 32 bytes long');
    }
  }
  if (production && !env.CT_API_URL) {
    throw new ConfigError(
      'CT_API_URL is required when NODE_ENV=production (with CT_OAUTH_URL, CT_CLIENT_ID and CT_CLIENT_SECRET); without it the facade ' +
        'would serve the demo simulator.',
    );
  }
  const sessionSecrets = secretsRaw.length > 0 ? secretsRaw : [randomBytes(32).toString('base64url')];
  const persistedOperationsOnly = bool(env, 'PERSISTED_OPERATIONS_ONLY');
  if (persistedOperationsOnly && !env.PERSISTED_OPERATIONS_FILE) {
    throw new ConfigError(
      'PERSISTED_OPERATIONS_ONLY=true needs PERSISTED_OPERATIONS_FILE: without an allow-list no client could run anything.',
    );
  }
  return {
    port,
    host: env.HOST || '127.0.0.1',
    publicUrl: url(env, 'PUBLIC_URL') ?? `http://localhost:${port}`,
    ctApiUrl: url(env, 'CT_API_URL'),
    ctOauthUrl: url(env, 'CT_OAUTH_URL'),
    clientId: env.CT_CLIENT_ID || undefined,
    clientSecret: env.CT_CLIENT_SECRET || undefined,
    sessionSecrets,
    sessionSecretGenerated: secretsRaw.length === 0,
    sessionMaxAgeSeconds: int(env, 'SESSION_MAX_AGE', 30 * DAY, 1),
    logLevel: env.LOG_LEVEL || 'info',
    ctTimeoutMs: int(env, 'CT_TIMEOUT_MS', 10_000, 1),
    ctMaxRetries: int(env, 'CT_MAX_RETRIES', 2),
    ctConcurrency: int(env, 'CT_CONCURRENCY', 8, 1),
    maxCtCalls: int(env, 'MAX_CT_CALLS', 200, 1),
    maxDepth: int(env, 'MAX_DEPTH', 10, 1),
    maxAliases: int(env, 'MAX_ALIASES', 30, 1),
    maxTokens: int(env, 'MAX_TOKENS', 2000, 1),
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    redisUrl: serverUrl(env.REDIS_URL, ['redis:', 'rediss:'], 'REDIS_URL must be a redis:// or rediss:// URL with a host'),
    databaseUrl: serverUrl(
      env.DATABASE_URL,
      ['postgres:', 'postgresql:'],
      'DATABASE_URL must be a postgres:// or postgresql:// URL with a host (unset it to use the embedded store under DATA_DIR)',
    ),
    dataDir: env.DATA_DIR || './data',
    livePollIntervalMs: int(env, 'LIVE_POLL_INTERVAL_MS', 15_000, 10),
    loaders: env.CT_LOADERS !== 'off',
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000),
    devicePollIntervalSeconds: int(env, 'DEVICE_POLL_INTERVAL_S', 5, 1),
    persistedOperationsFile: env.PERSISTED_OPERATIONS_FILE || undefined,
    persistedOperationsOnly,
    rateLimitCtCalls: int(env, 'RATE_LIMIT_CT_CALLS', 1200, 1),
    otelEndpoint: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
    otelServiceName: env.OTEL_SERVICE_NAME || 'ct-graphql',
    production,
  };
}
