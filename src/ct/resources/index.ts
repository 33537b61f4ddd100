// The caller's CT API for one request: the writes grouped by resource (`ct.boxes.reboot(slug)`),
// bound to the caller's CT client, and that client's counters (the CT calls a request made, for its
// cost and metrics). Reads are not here: they go through the loaders (src/loaders.ts), which run each
// resource's read descriptions once per request.
import type { CtClient } from '../client.js';
import { boxWrites, type BoxWrites } from './boxes.js';
import { codeWrites, type CodeWrites } from './codes.js';
import { locationWrites, type LocationWrites } from './locations.js';
import { voucherWrites, type VoucherWrites } from './vouchers.js';

export interface CtApi {
  readonly locations: LocationWrites;
  readonly boxes: BoxWrites;
  readonly vouchers: VoucherWrites;
  readonly codes: CodeWrites;
  readonly stats: CtClient['stats'];
}

export function createCtApi(client: CtClient): CtApi {
  return {
    locations: locationWrites(client),
    boxes: boxWrites(client),
    vouchers: voucherWrites(client),
    codes: codeWrites(client),
    stats: client.stats,
  };
}
