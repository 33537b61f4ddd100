// CT's guest codes across batches (ct-api.md §4.4, §5.4): the account-wide search `GET /codes`, its
// wire -> domain mapping, and the one write on a single code, enabling or disabling it. A code is
// addressed by its username under its location; a change to CT's code API is made here and nowhere else.
import type { VoucherCodeModel, VoucherCodeSearch } from '../../domain/voucher.js';
import { pageOf, type Page, type PageRequest } from '../paging.js';
import { ctPath } from '../paths.js';
import type { CtCodeSearchList, CtSearchedCode } from '../types.js';
import { ctRead, filterQuery, type CtRead } from './read.js';
import { toVoucherCode } from './vouchers.js';
import { isRecord, str, text } from './wire.js';
import { writeInDomainTerms, type CtSender, type FieldNames } from './write.js';

/** CT attribute => domain field, for CT's validation messages. */
const FIELD_NAMES: FieldNames = { active: 'active', username: 'username', location_id: 'location' };

/**
 * A searched code: its location is the one the search was narrowed to, else the one CT names on the
 * record (slug preferred, as every location path takes it). Its batch is known only when the search
 * was narrowed to one batch.
 */
function toSearchedCode(w: CtSearchedCode, filter: VoucherCodeSearch): VoucherCodeModel {
  const batch = filter.voucher ?? null;
  const locationKey = batch?.locationSlug ?? filter.locationSlug ?? text(w.location_slug) ?? str(w.location_id);
  return toVoucherCode(w, { batch, locationKey });
}

function searchQuery(filter: VoucherCodeSearch) {
  return filterQuery({
    q: filter.search,
    location_id: filter.voucher?.locationSlug ?? filter.locationSlug,
    voucher_id: filter.voucher ? String(filter.voucher.uniqueId) : null,
    activated: filter.activated,
    start: filter.from === null || filter.from === undefined ? null : String(filter.from),
    end: filter.to === null || filter.to === undefined ? null : String(filter.to),
  });
}

export const codeReads = {
  /** One page of the account's codes, across every batch and location, as narrowed by `filter`. */
  search: (filter: VoucherCodeSearch, page: PageRequest): CtRead<Page<VoucherCodeModel>> =>
    ctRead('/codes', { ...searchQuery(filter), page: page.page, per: page.per }, (list: CtCodeSearchList) =>
      pageOf(list.codes, list._links, page, (w) => toSearchedCode(w, filter)),
    ),
};

function isCode(value: unknown): value is CtSearchedCode {
  return isRecord(value) && typeof value.username === 'string';
}

export type CodeWrites = ReturnType<typeof codeWrites>;

/** The write, one CT call and never retried; validation refusals come back in domain terms. */
export function codeWrites(ct: CtSender) {
  return {
    /**
     * Enables or disables one code. CT's route names the code twice, as a client and as a code
     * (ct-api.md §4.4). The code as CT now has it, or null when CT answered without it.
     */
    async setActive(locationSlug: string, username: string, active: boolean): Promise<VoucherCodeModel | null> {
      const path = ctPath`/locations/${locationSlug}/clients/${username}/codes/${username}`;
      const answer = await writeInDomainTerms(FIELD_NAMES, () => ct.send<CtSearchedCode>('PATCH', path, { code: { active } }));
      return isCode(answer) ? toVoucherCode(answer, { batch: null, locationKey: locationSlug }) : null;
    },
  };
}
