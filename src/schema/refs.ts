// Type references shared by the schema modules (and the mutation modules): object refs, enums and
// connection types. Declared here, implemented in location.ts / box.ts / voucher.ts / viewer.ts, so
// modules can point at each other's types without import cycles.
import { builder } from '../builder.js';
import type { CtMe } from '../ct/types.js';
import type { BoxModel, LocationModel, VoucherCodeModel, VoucherModel } from './models.js';

export const LocationRef = builder.objectRef<LocationModel>('Location');
export const BoxRef = builder.objectRef<BoxModel>('Box');
export const VoucherRef = builder.objectRef<VoucherModel>('Voucher');
export const VoucherCodeRef = builder.objectRef<VoucherCodeModel>('VoucherCode');
export const ViewerRef = builder.objectRef<CtMe>('Viewer');

export const BoxStateEnum = builder.enumType('BoxState', {
  description: 'What a box is doing, as CT reports it.',
  values: {
    ONLINE: { value: 'online', description: 'Connected and serving clients.' },
    OFFLINE: { value: 'offline', description: 'Not heard from recently.' },
    PROCESSING: { value: 'processing', description: 'Applying a job (for example a configuration change).' },
    REBOOTING: { value: 'rebooting', description: 'Restarting after a reboot request.' },
    UPGRADING: { value: 'upgrading', description: 'Installing new firmware.' },
    NEW: { value: 'new', description: 'Added or factory-reset, and not yet set up.' },
    INITIALIZING: { value: 'initializing', description: 'Setting itself up for the first time.' },
    UNKNOWN: { value: 'unknown', description: 'A state this API does not know yet (CT sent something new).' },
  } as const,
});

export const LocationStateEnum = builder.enumType('LocationState', {
  description: 'Whether a location is in use or archived.',
  values: {
    ACTIVE: { value: 'active', description: 'In use.' },
    ARCHIVED: { value: 'archived', description: 'Archived: hidden from day-to-day lists, can be restored.' },
  } as const,
});

export const VoucherAccessTypeEnum = builder.enumType('VoucherAccessType', {
  description: 'What limits the access a voucher code gives.',
  values: {
    TIME: { value: 1, description: 'Time-limited access (see `validityMinutes`).' },
    DATA: { value: 2, description: 'Data-limited access (see `dataLimitMb`).' },
  } as const,
});

export const VoucherRestrictPeriodEnum = builder.enumType('VoucherRestrictPeriod', {
  description: 'How often a code of the batch may be used.',
  values: {
    ALL_TIME: { value: '', description: 'Multi-use, with the limit counted over the whole validity.' },
    DAILY: { value: 'daily', description: 'Multi-use, with the limit reset every day.' },
    WEEKLY: { value: 'weekly', description: 'Multi-use, with the limit reset every week.' },
    MONTHLY: { value: 'monthly', description: 'Multi-use, with the limit reset every month.' },
    SINGLE_USE: { value: 'all', description: 'Single use: one session of `accessPeriodMinutes`.' },
  } as const,
});

export const VoucherFormatEnum = builder.enumType('VoucherFormat', {
  description: 'The characters voucher code usernames are made of.',
  values: {
    ALPHANUMERIC: { value: 'alphanumeric', description: 'Letters and digits.' },
    NUMERIC: { value: 'numeric', description: 'Digits only.' },
    ALPHA: { value: 'alpha', description: 'Letters only.' },
    WORDS: { value: 'words', description: 'Readable words followed by digits.' },
  } as const,
});

export const LocationConnection = builder.connectionObject(
  { type: LocationRef, name: 'LocationConnection', description: 'A page of locations.' },
  { name: 'LocationEdge', description: 'A location and its cursor.' },
);
export const BoxConnection = builder.connectionObject(
  { type: BoxRef, name: 'BoxConnection', description: 'A page of boxes.' },
  { name: 'BoxEdge', description: 'A box and its cursor.' },
);
export const VoucherConnection = builder.connectionObject(
  { type: VoucherRef, name: 'VoucherConnection', description: 'A page of voucher batches.' },
  { name: 'VoucherEdge', description: 'A voucher batch and its cursor.' },
);
export const VoucherCodeConnection = builder.connectionObject(
  { type: VoucherCodeRef, name: 'VoucherCodeConnection', description: 'A page of voucher codes.' },
  { name: 'VoucherCodeEdge', description: 'A voucher code and its cursor.' },
);
