// Type references shared by the schema modules (and the mutation modules): object refs, enums and
// connection types. Declared here, implemented in location.ts / box.ts / voucher.ts / viewer.ts, so
// modules can point at each other's types without import cycles.
import { builder } from '../builder.js';
import type { BoxModel, BoxState } from '../domain/box.js';
import type { LocationModel, LocationOrderField, LocationState, LocationStatsModel, OrderDirection } from '../domain/location.js';
import type { SplashPageModel } from '../domain/splash-page.js';
import type { ViewerModel } from '../domain/viewer.js';
import type { VoucherAccessType, VoucherCodeModel, VoucherFormat, VoucherModel, VoucherRestrictPeriod } from '../domain/voucher.js';

export const LocationRef = builder.objectRef<LocationModel>('Location');
export const BoxRef = builder.objectRef<BoxModel>('Box');
export const VoucherRef = builder.objectRef<VoucherModel>('Voucher');
export const VoucherCodeRef = builder.objectRef<VoucherCodeModel>('VoucherCode');
export const ViewerRef = builder.objectRef<ViewerModel>('Viewer');
export const SplashPageRef = builder.objectRef<SplashPageModel>('SplashPage');
export const LocationStatsRef = builder.objectRef<LocationStatsModel>('LocationStats');

/**
 * An enum's GraphQL values from the domain's values, each its own name and value: the set is the
 * domain's (src/domain/), and the Record type makes a value without a description a type error.
 */
function enumValues<V extends string>(descriptions: Readonly<Record<V, string>>): { [K in V]: { value: K; description: string } } {
  return Object.fromEntries(Object.entries<string>(descriptions).map(([value, description]) => [value, { value, description }])) as {
    [K in V]: { value: K; description: string };
  };
}

export const BoxStateEnum = builder.enumType('BoxState', {
  description: 'What a box is doing, as CT reports it.',
  values: enumValues<BoxState>({
    ONLINE: 'Connected and serving clients.',
    OFFLINE: 'Not heard from recently.',
    PROCESSING: 'Applying a job (for example a configuration change).',
    REBOOTING: 'Restarting after a reboot request.',
    UPGRADING: 'Installing new firmware.',
    NEW: 'Added or factory-reset, and not yet set up.',
    INITIALIZING: 'Setting itself up for the first time.',
    UNKNOWN: 'A state this API does not know yet (CT sent something new).',
  }),
});

export const LocationStateEnum = builder.enumType('LocationState', {
  description: 'Whether a location is in use or archived.',
  values: enumValues<LocationState>({
    ACTIVE: 'In use.',
    ARCHIVED: 'Archived: hidden from day-to-day lists, can be restored.',
  }),
});

export const VoucherAccessTypeEnum = builder.enumType('VoucherAccessType', {
  description: 'What limits the access a voucher code gives.',
  values: enumValues<VoucherAccessType>({
    TIME: 'Time-limited access (see `validityMinutes`).',
    DATA: 'Data-limited access (see `dataLimitMb`).',
  }),
});

export const VoucherRestrictPeriodEnum = builder.enumType('VoucherRestrictPeriod', {
  description: 'How often a code of the batch may be used.',
  values: enumValues<VoucherRestrictPeriod>({
    ALL_TIME: 'Multi-use, with the limit counted over the whole validity.',
    DAILY: 'Multi-use, with the limit reset every day.',
    WEEKLY: 'Multi-use, with the limit reset every week.',
    MONTHLY: 'Multi-use, with the limit reset every month.',
    SINGLE_USE: 'Single use: one session of `accessPeriodMinutes`.',
  }),
});

export const VoucherFormatEnum = builder.enumType('VoucherFormat', {
  description: 'The characters voucher code usernames are made of.',
  values: enumValues<VoucherFormat>({
    ALPHANUMERIC: 'Letters and digits.',
    NUMERIC: 'Digits only.',
    ALPHA: 'Letters only.',
    WORDS: 'Readable words followed by digits.',
  }),
});

export const LocationOrderFieldEnum = builder.enumType('LocationOrderField', {
  description: 'What a list of locations can be ordered by.',
  values: enumValues<LocationOrderField>({
    NAME: 'By name, alphabetically.',
    CREATED_AT: 'By when the location was created.',
    UPDATED_AT: 'By when the location last changed.',
  }),
});

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Which way an ordered list runs.',
  values: enumValues<OrderDirection>({
    ASC: 'Smallest (or earliest, or A) first.',
    DESC: 'Largest (or latest, or Z) first.',
  }),
});

export const LocationOrderInput = builder.inputType('LocationOrder', {
  description: 'How to order a list of locations.',
  fields: (t) => ({
    field: t.field({ type: LocationOrderFieldEnum, required: true, description: 'What to order by.' }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'ASC', description: 'Which way (ASC when not given).' }),
  }),
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
