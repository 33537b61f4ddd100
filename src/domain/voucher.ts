// A voucher batch and its codes as the facade speaks of them: the records the schema resolves from,
// their enums, and the settings a create or an update carries. No CT names here:
// src/ct/resources/vouchers.ts maps CT's records onto these shapes, and back for writes.

/** What limits a code's access; the GraphQL enum VoucherAccessType and the CT mapping both take this list. */
export const VOUCHER_ACCESS_TYPES = ['TIME', 'DATA'] as const;
export type VoucherAccessType = (typeof VOUCHER_ACCESS_TYPES)[number];

/** How often a code may be used; the GraphQL enum VoucherRestrictPeriod and the CT mapping both take this list. */
export const VOUCHER_RESTRICT_PERIODS = ['ALL_TIME', 'DAILY', 'WEEKLY', 'MONTHLY', 'SINGLE_USE'] as const;
export type VoucherRestrictPeriod = (typeof VOUCHER_RESTRICT_PERIODS)[number];

/** The characters code usernames are made of; the GraphQL enum VoucherFormat and the CT mapping both take this list. */
export const VOUCHER_FORMATS = ['ALPHANUMERIC', 'NUMERIC', 'ALPHA', 'WORDS'] as const;
export type VoucherFormat = (typeof VOUCHER_FORMATS)[number];

export interface VoucherModel {
  /** CT addresses a batch only under its location, so the slug travels with it (from the path it was read at). */
  locationSlug: string;
  uniqueId: number;
  name: string;
  description: string | null;
  quantity: number;
  accessType: VoucherAccessType;
  validityMinutes: number | null;
  dataLimitMb: number | null;
  accessRestrictPeriod: VoucherRestrictPeriod | null;
  accessPeriodMinutes: number | null;
  limitType: string | null;
  sessionTimeoutMinutes: number | null;
  idleTimeoutMinutes: number | null;
  simultaneousUse: number | null;
  downloadKbps: number | null;
  uploadKbps: number | null;
  format: VoucherFormat | null;
  codeLength: number | null;
  securePassword: boolean | null;
  splashPageId: string | null;
  active: boolean;
  completed: boolean;
  csvUrl: string | null;
  pdfUrl: string | null;
  /** Epoch seconds, as CT keeps time; the DateTime scalar writes them as ISO-8601. */
  createdAt: number | null;
  updatedAt: number | null;
}

/** Where a voucher batch is: CT addresses a batch only under its location. */
export interface VoucherKey {
  locationSlug: string;
  uniqueId: number;
}

export interface VoucherCodeModel {
  /**
   * The batch holding the code, when the read that returned it said so (a batch's own codes, or a
   * search narrowed to one batch); null when it has to be looked up by the code's username.
   */
  batch: VoucherKey | null;
  /** The key (slug or numeric id) of the code's location, when known; null when CT did not say. */
  locationKey: string | null;
  username: string;
  password: string | null;
  serial: number | null;
  active: boolean;
  activatedAt: number | null;
  createdAt: number | null;
}

/** What a create or update sets; absent leaves a setting alone (on create: CT's default). */
export interface VoucherSettings {
  name?: string | null;
  description?: string | null;
  quantity?: number | null;
  accessType?: VoucherAccessType | null;
  validityMinutes?: number | null;
  dataLimitMb?: number | null;
  accessRestrictPeriod?: VoucherRestrictPeriod | null;
  accessPeriodMinutes?: number | null;
  limitType?: string | null;
  sessionTimeoutMinutes?: number | null;
  idleTimeoutMinutes?: number | null;
  simultaneousUse?: number | null;
  downloadKbps?: number | null;
  uploadKbps?: number | null;
  format?: VoucherFormat | null;
  codeLength?: number | null;
  securePassword?: boolean | null;
  splashPageId?: string | null;
  active?: boolean | null;
}

/** Narrows a list of batches; an empty search is no filter. */
export interface VoucherFilter {
  search?: string | null;
}

/** Narrows a batch's codes: true only used ones, false only unused ones. */
export interface VoucherCodeFilter {
  activated?: boolean | null;
}

/** Narrows the search over every code of the account; absent values are no filter. */
export interface VoucherCodeSearch extends VoucherCodeFilter {
  /** Text the code's username contains. */
  search?: string | null;
  locationSlug?: string | null;
  /** Only the codes of this batch (its location then narrows the search too). */
  voucher?: VoucherKey | null;
  /** Epoch seconds: only codes created at or after. */
  from?: number | null;
  /** Epoch seconds: only codes created at or before. */
  to?: number | null;
}
