// What the pollers watch and how one poll reads and compares, in domain terms: a location's boxes
// (every page of `boxReads.page` for that location, compared by box slug against the states seen
// last time) and one voucher batch (`voucherReads.one`, done once CT says `completed`). Routes stay
// in src/ct/resources/; this module only says which reads a poll makes.
import { CT_MAX_PER } from '../ct/paging.js';
import { boxReads } from '../ct/resources/boxes.js';
import { voucherReads } from '../ct/resources/vouchers.js';
import type { BoxModel, BoxState } from '../domain/box.js';
import type { VoucherModel } from '../domain/voucher.js';
import type { LiveReader } from './reader.js';

/** Who watches what: a poller is shared by everyone with the same spec (one CT user, one thing). */
export type TopicSpec =
  | { kind: 'boxes'; userKey: string; locationSlug: string }
  | { kind: 'voucher'; userKey: string; locationSlug: string; uniqueId: string };

export type TopicKind = TopicSpec['kind'];

/** A box whose state differs from the last poll's. */
export interface BoxChange {
  box: BoxModel;
  previousState: BoxState;
}

/** The states seen by the last poll, by box slug: all a poll needs to say what changed. */
export type BoxSnapshot = Record<string, BoxState>;

/** The key that names a topic (private to the registry; hashed wherever it leaves the process). */
export function topicKey(spec: TopicSpec): string {
  const parts =
    spec.kind === 'boxes' ? [spec.kind, spec.userKey, spec.locationSlug] : [spec.kind, spec.userKey, spec.locationSlug, spec.uniqueId];
  return JSON.stringify(parts);
}

/** A location with more boxes than this many pages is read no further (CT lists 100 per page). */
const MAX_PAGES = 50;

/** Every box of a location, page by page (one CT call per 100 boxes). CT's 404 for the location passes through. */
export async function readLocationBoxes(reader: LiveReader, locationSlug: string): Promise<BoxModel[]> {
  const boxes: BoxModel[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { items, total } = await reader.read(boxReads.page({ locationSlug }, { page, per: CT_MAX_PER }));
    boxes.push(...items);
    if (items.length < CT_MAX_PER || (total !== null && page * CT_MAX_PER >= total)) break;
  }
  return boxes;
}

/**
 * The changes since `previous` and the snapshot to keep. Without a previous snapshot this poll is
 * the baseline: nothing changed yet. A box seen for the first time (added, or moved here) has no
 * previous state, so it is no change either; a box gone from the list is forgotten.
 */
export function diffBoxes(previous: BoxSnapshot | null, boxes: readonly BoxModel[]): { changes: BoxChange[]; snapshot: BoxSnapshot } {
  const snapshot: BoxSnapshot = {};
  const changes: BoxChange[] = [];
  for (const box of boxes) {
    snapshot[box.slug] = box.state;
    const before = previous?.[box.slug];
    if (before !== undefined && before !== box.state) changes.push({ box, previousState: before });
  }
  return { changes, snapshot };
}

/** One voucher batch as CT has it now. */
export function readVoucher(reader: LiveReader, locationSlug: string, uniqueId: string): Promise<VoucherModel> {
  return reader.read(voucherReads.one(locationSlug, uniqueId));
}
