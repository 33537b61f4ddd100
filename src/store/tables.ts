/**
 * The store's tables as Kysely sees them: column names as in SQL (snake_case), times as epoch ms
 * (bigint, read back as numbers on both engines), booleans as 0/1 integers so that one migration
 * and one query serve SQLite and PostgreSQL alike. repositories.ts maps them to the rows of types.ts.
 */
import type { Generated } from 'kysely';

export interface CtGrantsTable {
  id: string;
  ct_user_id: string;
  sealed: string;
  needs_sign_in: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface ApiTokensTable {
  id: string;
  token_hash: string;
  grant_id: string;
  ct_user_id: string;
  name: string;
  scope: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

export interface DeviceCodesTable {
  device_code_hash: string;
  user_code_hash: string;
  name: string | null;
  scope: string;
  token_lifetime_ms: number | null;
  status: string;
  interval_seconds: number;
  created_at: number;
  expires_at: number;
  last_polled_at: number | null;
  grant_id: string | null;
  ct_user_id: string | null;
}

export interface IdempotencyRecordsTable {
  ct_user_id: string;
  idem_key: string;
  fingerprint: string;
  status: string;
  response: string | null;
  attempts: number;
  first_started_at: number;
  lease_until: number;
  expires_at: number;
}

export interface Tables {
  ct_grants: CtGrantsTable;
  api_tokens: ApiTokensTable;
  device_codes: DeviceCodesTable;
  idempotency_records: IdempotencyRecordsTable;
}
