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

/** Each resource's writes are bound on first use: most requests only read, and pay nothing for them. */
export function createCtApi(client: CtClient): CtApi {
  let locations: LocationWrites | undefined;
  let boxes: BoxWrites | undefined;
  let vouchers: VoucherWrites | undefined;
  let codes: CodeWrites | undefined;
  return {
    get locations() {
      locations ??= locationWrites(client);
      return locations;
    },
    get boxes() {
      boxes ??= boxWrites(client);
      return boxes;
    },
    get vouchers() {
      vouchers ??= voucherWrites(client);
      return vouchers;
    },
    get codes() {
      codes ??= codeWrites(client);
      return codes;
    },
    stats: client.stats,
  };
}
