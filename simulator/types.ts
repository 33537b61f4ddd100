// The shapes that the simulator's handler (app.ts) and its /__sim control API (control.ts) both
// speak: the test switches and the request log. They live here, not in app.ts, so that control.ts
// never imports the module that imports it.

import type { FaultSpec } from './faults.js';
import type { TokenResponse } from './oauth.js';

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  time: number;
}

export interface SimulatorControl {
  setTokenLifetime(seconds: number): void;
  expireAllTokens(): void;
  revokeAllTokens(): void;
  setLatency(ms: number): void;
  addFault(f: FaultSpec): void;
  clearFaults(): void;
  setRateLimit(limit: { requests: number; windowSeconds: number } | null): void;
  setVoucherGenerationDelay(ms: number): void;
  completePendingVouchers(): void;
  setRebootDuration(ms: number): void;
  issueTokens(username?: string): TokenResponse;
  registerRedirectUri(uri: string): void;
  reset(): void;
}
