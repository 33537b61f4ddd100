/**
 * The CT-call budget (RATE_LIMIT_CT_CALLS): how many calls to CT one CT account may make through
 * the facade per window (a minute), counted in real CT calls, the currency the cost estimator
 * prices queries in. With REDIS_URL every instance counts in one Redis hash per account, changed
 * only by Lua scripts (atomic); without it, or while Redis is unreachable, this process counts.
 *
 * A GraphQL operation reserves its estimate before it runs and is refused when fewer calls remain,
 * so a refusal costs no CT call and concurrent requests cannot overshoot together; afterwards the
 * reservation is settled to the calls really made (the estimate is an upper bound, so usually a
 * refund). Calls made outside an operation (a subscription's polls) are charged as they happen.
 *
 * Windows are fixed and start with an account's first call, so a test or a script sees a whole
 * window however the clock falls. rate-limiter-flexible was the candidate, but its consume adds the
 * points before it compares them with the limit, so a refused request would still spend the
 * budget (and starve smaller requests that fit); the scripts below reserve only what fits.
 */
import { createHash, randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Where an account stands in its current window. */
export interface BudgetState {
  /** Calls allowed per window. */
  limit: number;
  /** Calls left in this window (never below 0, even when retries overran a reservation). */
  remaining: number;
  /** Epoch ms when the window ends and `remaining` returns to `limit`. */
  resetAt: number;
  /** The window's length in ms (for the RateLimit-Policy header). */
  windowMs: number;
  /** Ms from when this state was read to `resetAt`, so headers need no clock of their own. */
  msLeft: number;
}

/** Calls set aside for one operation, to be settled once it has run. */
export interface Reservation {
  readonly account: string;
  readonly calls: number;
  /** The window the calls were set aside in: a settlement after it ended changes nothing. */
  readonly window: string;
  readonly state: BudgetState;
}

export type ReserveResult = { granted: true; reservation: Reservation } | { granted: false; state: BudgetState };

export interface CtBudget {
  readonly limit: number;
  readonly windowMs: number;
  /** Sets aside `calls` for the CT account, or refuses (setting nothing aside) when fewer remain. */
  reserve(account: string, calls: number): Promise<ReserveResult>;
  /** Replaces a reservation with the calls really made; the state after it. */
  settle(reservation: Reservation, actualCalls: number): Promise<BudgetState>;
  /**
   * Charges calls already made for the account (a subscription's poll of CT), past the limit if
   * need be: they happened. The caller decides from the state what to do next (poll more slowly).
   */
  charge(account: string, calls: number): Promise<BudgetState>;
}

/** The slice of an ioredis client the budget uses. */
export interface BudgetRedis {
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
}

export interface BudgetOptions {
  /** Calls per window per CT account. */
  limit: number;
  /** Window length; a minute unless a test says otherwise. */
  windowMs?: number;
  /** Shared counting; absent: in this process only. */
  redis?: BudgetRedis;
  /** Clock in ms (window ends are reported from it); Date.now by default. */
  now?: () => number;
  /** Told (at most every 30 s) when Redis failed and this process counted instead. */
  warn?: (message: string, details: Record<string, unknown>) => void;
  /** Accounts the in-process counter remembers at once (the least recently used is forgotten first). */
  maxAccounts?: number;
}

export const BUDGET_KEY_PREFIX = 'ct-graphql:budget:';
export const BUDGET_WINDOW_MS = 60_000;
/** The policy's name in the RateLimit headers; its unit is a CT call, not a request. */
export const BUDGET_POLICY = 'ct-calls';

/**
 * KEYS[1]: the account's window (a hash: used, id). ARGV: calls, limit, window ms, id for a new
 * window, "1" to charge past the limit. Returns { granted 0/1, used, ms left, window id }. Nothing
 * is refused that asks for no call: an operation that needs no CT call runs even on a spent budget.
 */
const RESERVE = `
local calls = tonumber(ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  redis.call('DEL', KEYS[1])
  if calls > tonumber(ARGV[2]) and ARGV[5] ~= '1' then return {0, 0, tonumber(ARGV[3]), ''} end
  redis.call('HSET', KEYS[1], 'used', calls, 'id', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, calls, tonumber(ARGV[3]), ARGV[4]}
end
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
local id = redis.call('HGET', KEYS[1], 'id') or ''
if calls > 0 and used + calls > tonumber(ARGV[2]) and ARGV[5] ~= '1' then return {0, used, ttl, id} end
return {1, redis.call('HINCRBY', KEYS[1], 'used', calls), ttl, id}
`;

/** KEYS[1]: the account's window. ARGV: window id, change. Returns { used, ms left }, or { -1, 0 } when that window is over. */
const SETTLE = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return {-1, 0} end
local used = redis.call('HINCRBY', KEYS[1], 'used', ARGV[2])
return {used, redis.call('PTTL', KEYS[1])}
`;

interface Counted {
  granted: boolean;
  used: number;
  msLeft: number;
  window: string;
}

interface Counter {
  add(account: string, calls: number, force: boolean): Promise<Counted>;
  /** The window's new count, or null when that window is over. */
  adjust(account: string, window: string, change: number): Promise<{ used: number; msLeft: number } | null>;
}

function memoryCounter(limit: number, windowMs: number, now: () => number, maxAccounts: number): Counter {
  const windows = new LRUCache<string, { used: number; endsAt: number; id: string }>({ max: maxAccounts });
  return {
    async add(account, calls, force) {
      const at = now();
      let window = windows.get(account);
      if (!window || window.endsAt <= at) {
        if (calls > limit && !force) return { granted: false, used: 0, msLeft: windowMs, window: '' };
        window = { used: 0, endsAt: at + windowMs, id: randomUUID() };
        windows.set(account, window);
      }
      if (calls > 0 && window.used + calls > limit && !force) {
        return { granted: false, used: window.used, msLeft: window.endsAt - at, window: window.id };
      }
      window.used += calls;
      return { granted: true, used: window.used, msLeft: window.endsAt - at, window: window.id };
    },
    async adjust(account, id, change) {
      const window = windows.get(account);
      if (!window || window.id !== id || window.endsAt <= now()) return null;
      window.used += change;
      return { used: window.used, msLeft: window.endsAt - now() };
    },
  };
}

function redisCounter(redis: BudgetRedis, limit: number, windowMs: number): Counter {
  // The account id is CT's and harmless, but hashed it has one shape whatever CT puts in it.
  const key = (account: string) => BUDGET_KEY_PREFIX + createHash('sha256').update(account).digest('hex');
  return {
    async add(account, calls, force) {
      const reply = (await redis.eval(
        RESERVE,
        1,
        key(account),
        String(calls),
        String(limit),
        String(windowMs),
        randomUUID(),
        force ? '1' : '0',
      )) as [number, number, number, string];
      return { granted: reply[0] === 1, used: Number(reply[1]), msLeft: Number(reply[2]), window: String(reply[3]) };
    },
    async adjust(account, window, change) {
      const reply = (await redis.eval(SETTLE, 1, key(account), window, String(change))) as [number, number];
      return reply[0] === -1 ? null : { used: Number(reply[0]), msLeft: Number(reply[1]) };
    },
  };
}

export function createCtBudget(o: BudgetOptions): CtBudget {
  const { limit } = o;
  const windowMs = o.windowMs ?? BUDGET_WINDOW_MS;
  const now = o.now ?? Date.now;
  const local = memoryCounter(limit, windowMs, now, o.maxAccounts ?? 100_000);
  const shared = o.redis ? redisCounter(o.redis, limit, windowMs) : null;
  let warnedAt = Number.NEGATIVE_INFINITY;

  /** Redis when configured; this process while Redis fails, so an outage of the counter is not one of the API. */
  async function counted<T>(use: (counter: Counter) => Promise<T>): Promise<T> {
    if (!shared) return use(local);
    try {
      return await use(shared);
    } catch (error) {
      if (now() - warnedAt >= 30_000) {
        warnedAt = now();
        o.warn?.('CT-call budget: Redis failed; this process counts on its own until it is back', {
          err: error instanceof Error ? error.message : String(error),
        });
      }
      return use(local);
    }
  }

  const state = (used: number, msLeft: number): BudgetState => ({
    limit,
    remaining: Math.max(0, limit - used),
    // Whole seconds, as the headers say it: every answer in one window names the same instant.
    resetAt: Math.ceil((now() + Math.max(0, msLeft)) / 1000) * 1000,
    windowMs,
    msLeft: Math.max(0, msLeft),
  });

  return {
    limit,
    windowMs,
    async reserve(account, calls) {
      const c = await counted((counter) => counter.add(account, calls, false));
      const current = state(c.used, c.msLeft);
      if (!c.granted) return { granted: false, state: current };
      return { granted: true, reservation: { account, calls, window: c.window, state: current } };
    },
    async settle(reservation, actualCalls) {
      const change = actualCalls - reservation.calls;
      if (change === 0) return reservation.state;
      const adjusted = await counted((counter) => counter.adjust(reservation.account, reservation.window, change));
      if (adjusted) return state(adjusted.used, adjusted.msLeft);
      // The window ended while the operation ran: its calls belong to a count that is gone. The
      // state now is the new window's, with nothing added.
      const c = await counted((counter) => counter.add(reservation.account, 0, true));
      return state(c.used, c.msLeft);
    },
    async charge(account, calls) {
      const c = await counted((counter) => counter.add(account, calls, true));
      return state(c.used, c.msLeft);
    },
  };
}

/** Whole seconds until the window ends (at least 1: "retry now" would only be refused again). */
export function secondsToReset(state: BudgetState): number {
  return Math.max(1, Math.ceil(state.msLeft / 1000));
}

/** The budget as `extensions.cost.budget` reports it. */
export function budgetExtension(state: BudgetState): { limit: number; remaining: number; resetAt: string } {
  return { limit: state.limit, remaining: state.remaining, resetAt: new Date(state.resetAt).toISOString() };
}

/**
 * The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers, structured fields): the policy
 * (`q` calls per `w` seconds) and where the caller stands (`r` left, `t` seconds to the reset).
 */
export function setRateLimitHeaders(headers: Headers, state: BudgetState): void {
  headers.set('ratelimit-policy', `"${BUDGET_POLICY}";q=${state.limit};w=${Math.round(state.windowMs / 1000)}`);
  headers.set('ratelimit', `"${BUDGET_POLICY}";r=${state.remaining};t=${Math.ceil(state.msLeft / 1000)}`);
}
