/**
 * What the durable store holds and offers, engine-neutral: plain rows (times are epoch ms) and the
 * repositories over them. The store knows nothing of CT or crypto: a grant's `sealed` value is
 * opaque text to it, and every secret it holds is a hash. Type-only, so importing it loads nothing.
 */

/** `read`: queries only; `write`: queries and mutations. */
export type ApiTokenScope = 'read' | 'write';

export interface ApiTokenRow {
  /** Public id (the GraphQL ID's key); not secret. */
  id: string;
  /** sha256 (hex) of the token's secret; the secret itself is never stored. */
  tokenHash: string;
  grantId: string;
  /** The CT account the token acts as (from /me.json when it was created): tokens are listed per CT user. */
  ctUserId: string;
  name: string;
  scope: ApiTokenScope;
  createdAt: number;
  /** Updated coarsely (at most about once a minute per token and instance), not per request. */
  lastUsedAt: number | null;
  /** Null: the token does not expire. */
  expiresAt: number | null;
}

export interface GrantRow {
  id: string;
  ctUserId: string;
  /** The CT access + refresh token, encrypted by the caller; the store never opens it. */
  sealed: string;
  /** CT refused to refresh this grant: its tokens need a new sign-in. */
  needsSignIn: boolean;
  createdAt: number;
  updatedAt: number;
}

/**
 * pending: issued, nobody entered the user code yet; confirmed: a person entered it and is at CT's
 * sign-in (the code is used up); approved: CT said yes, a grant waits for the device's next poll;
 * denied: CT said no; claimed: the device got its API token (a device code answers once).
 */
export type DeviceCodeStatus = 'pending' | 'confirmed' | 'approved' | 'denied' | 'claimed';

export interface DeviceCodeRow {
  /** sha256 (hex) of the device_code; the code itself is never stored. */
  deviceCodeHash: string;
  /** sha256 (hex) of the normalised user_code. */
  userCodeHash: string;
  /** The name and scope asked for the API token this sign-in will create. */
  name: string | null;
  scope: ApiTokenScope;
  /** When the token created from this sign-in expires, in ms from its creation; null: never. */
  tokenLifetimeMs: number | null;
  status: DeviceCodeStatus;
  /** The poll interval the device must keep (grows by 5 s at each slow_down). */
  intervalSeconds: number;
  createdAt: number;
  expiresAt: number;
  lastPolledAt: number | null;
  /** Set when approved. */
  grantId: string | null;
  ctUserId: string | null;
}

export interface ApiTokenRepository {
  insert(row: ApiTokenRow): Promise<void>;
  get(id: string): Promise<ApiTokenRow | null>;
  /** A token by the hash of its secret, with its grant; one round trip. */
  findByHash(tokenHash: string): Promise<{ token: ApiTokenRow; grant: GrantRow } | null>;
  /** The CT user's tokens, newest first, each with its grant's needsSignIn. */
  listByCtUser(ctUserId: string): Promise<Array<{ token: ApiTokenRow; needsSignIn: boolean }>>;
  /** Records a use; only ever moves lastUsedAt forward. */
  touch(id: string, at: number): Promise<void>;
}

/** What may be done to a grant while its lock is held. */
export interface LockedGrant {
  /** Stores newly sealed tokens (after a refresh at CT) and clears needsSignIn. */
  update(sealed: string, at: number): Promise<void>;
  markNeedsSignIn(at: number): Promise<void>;
  /** Deletes the grant and every API token on it. */
  delete(): Promise<void>;
}

export interface GrantRepository {
  insert(row: GrantRow): Promise<void>;
  get(id: string): Promise<GrantRow | null>;
  /**
   * Runs `fn` inside a transaction that holds an exclusive lock on the grant's row (PostgreSQL:
   * SELECT ... FOR UPDATE; SQLite: BEGIN IMMEDIATE, a lock on the whole file), so that on every
   * instance at most one caller at a time reads, refreshes and rewrites one grant. `fn` gets the
   * row as it is once the lock is held (null when it no longer exists). Committed when `fn`
   * resolves, rolled back when it throws.
   */
  withLock<T>(id: string, fn: (grant: GrantRow | null, locked: LockedGrant) => Promise<T>): Promise<T>;
}

export interface DeviceCodeRepository {
  insert(row: DeviceCodeRow): Promise<void>;
  byDeviceCode(deviceCodeHash: string): Promise<DeviceCodeRow | null>;
  byUserCode(userCodeHash: string): Promise<DeviceCodeRow | null>;
  /**
   * Moves a code from `from` to `to` (with the grant when approving) only if it is still in `from`:
   * true when this call made the change, so two racing callers cannot both use one code.
   */
  transition(
    deviceCodeHash: string,
    from: DeviceCodeStatus,
    to: DeviceCodeStatus,
    grant?: { grantId: string; ctUserId: string },
  ): Promise<boolean>;
  /** Remembers a poll (and a grown interval after slow_down). */
  recordPoll(deviceCodeHash: string, at: number, intervalSeconds: number): Promise<void>;
  /**
   * approved -> claimed and the API token inserted, in one transaction: false (and nothing
   * inserted) when the code was not approved any more, so a device code yields one token at most.
   */
  claim(deviceCodeHash: string, token: ApiTokenRow): Promise<boolean>;
  /**
   * Deletes codes that expired before `before`, and returns the grants of those that were approved
   * but never claimed: nobody holds a token for them, so the caller revokes them at CT.
   */
  deleteExpired(before: number): Promise<string[]>;
}

/**
 * running: an attempt holds the key until `leaseUntil` (past it, the attempt is taken to have died);
 * done: the response is final and is replayed; incomplete: the last attempt ended without a final
 * response (an unknown outcome, CT unavailable), so the next one runs again, looking on CT first.
 */
export type IdempotencyStatus = 'running' | 'done' | 'incomplete';

export interface IdempotencyRecordRow {
  /** The CT account the key belongs to: keys of different accounts never meet. */
  ctUserId: string;
  key: string;
  /** sha256 (hex) of the operation and its variables: the same key with another request is refused. */
  fingerprint: string;
  status: IdempotencyStatus;
  /** The response to replay, as the caller stored it (sealed: the store never reads it); only when done. */
  response: string | null;
  /** Attempts so far, the running one included; also what a takeover compares and sets. */
  attempts: number;
  /** When the first attempt began: what a later one looks on CT for objects created since. */
  firstStartedAt: number;
  leaseUntil: number;
  expiresAt: number;
}

export interface IdempotencyRepository {
  /** Inserts the record unless (ctUserId, key) has one: true when this call inserted it. */
  insert(row: IdempotencyRecordRow): Promise<boolean>;
  get(ctUserId: string, key: string): Promise<IdempotencyRecordRow | null>;
  /**
   * Starts another attempt on a record that is incomplete, or running past its lease (or, with
   * `evenDone`, done: its response can no longer be read): only if it is still at `attempts` (two
   * retries cannot both take it). True when this call took it.
   */
  takeOver(ctUserId: string, key: string, attempts: number, now: number, leaseUntil: number, evenDone?: boolean): Promise<boolean>;
  /** Ends attempt `attempts` as done (with its response) or incomplete; nothing if another attempt took the record. */
  finish(ctUserId: string, key: string, attempts: number, status: 'done' | 'incomplete', response: string | null): Promise<void>;
  /** Deletes the record if it is still at attempt `attempts` (a first attempt that never ran, an expired record). */
  remove(ctUserId: string, key: string, attempts: number): Promise<void>;
  /** Deletes every record that expired before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;
}

export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  readonly apiTokens: ApiTokenRepository;
  readonly grants: GrantRepository;
  readonly deviceCodes: DeviceCodeRepository;
  readonly idempotency: IdempotencyRepository;
  close(): Promise<void>;
}
