// The Voucher type (a batch of guest Wi-Fi codes) and VoucherCode. CT addresses a batch only under
// its location, so a voucher's key is `<locationSlug>/<unique_id>` and its codes list is read at
// /locations/{slug}/vouchers/{unique_id}/codes.
import { builder } from '../builder.js';
import { parseVoucherKey, voucherKey } from '../loaders.js';
import { loadVoucher, parentLocation, voucherCodeConnection } from './readers.js';
import {
  LocationRef,
  VoucherAccessTypeEnum,
  VoucherCodeConnection,
  VoucherCodeRef,
  VoucherFormatEnum,
  VoucherRef,
  VoucherRestrictPeriodEnum,
} from './refs.js';

builder.node(VoucherRef, {
  description: 'A voucher batch: a set of codes that give guests Wi-Fi access at one location.',
  id: { resolve: (voucher) => voucherKey(voucher.locationSlug, voucher.uniqueId) },
  loadWithoutCache: (key, ctx) => {
    const parsed = parseVoucherKey(key);
    return parsed ? loadVoucher(ctx, parsed.locationSlug, parsed.uniqueId) : null;
  },
  fields: (t) => ({
    uniqueId: t.exposeInt('uniqueId', { nullable: false, description: "CT's `unique_id` of the batch." }),
    name: t.exposeString('name', { nullable: false, description: 'Batch name.' }),
    description: t.exposeString('description', { description: 'Batch description.' }),
    quantity: t.exposeInt('quantity', { nullable: false, description: 'How many codes the batch has.' }),
    accessType: t.expose('accessType', {
      type: VoucherAccessTypeEnum,
      nullable: false,
      description: 'Whether codes are limited by time or by data.',
    }),
    validityMinutes: t.exposeInt('validityMinutes', { description: 'How long a code stays valid once used, in minutes.' }),
    dataLimitMb: t.exposeInt('dataLimitMb', { description: 'Data allowance per code in megabytes (data-limited batches).' }),
    accessRestrictPeriod: t.expose('accessRestrictPeriod', {
      type: VoucherRestrictPeriodEnum,
      description: 'How often a code may be used; null if CT reports something else.',
    }),
    accessPeriodMinutes: t.exposeInt('accessPeriodMinutes', { description: 'Length of the one session of a single-use code, in minutes.' }),
    limitType: t.exposeString('limitType', { description: 'CT limit type, e.g. "multi_use".' }),
    sessionTimeoutMinutes: t.exposeInt('sessionTimeoutMinutes', { description: 'Longest single session, in minutes.' }),
    idleTimeoutMinutes: t.exposeInt('idleTimeoutMinutes', { description: 'A session ends after this many idle minutes.' }),
    simultaneousUse: t.exposeInt('simultaneousUse', { description: 'How many devices may use one code at the same time.' }),
    downloadKbps: t.exposeInt('downloadKbps', { description: 'Download speed limit in kilobits per second.' }),
    uploadKbps: t.exposeInt('uploadKbps', { description: 'Upload speed limit in kilobits per second.' }),
    format: t.expose('format', {
      type: VoucherFormatEnum,
      description: 'Characters the code usernames are made of; null if CT reports something else.',
    }),
    codeLength: t.exposeInt('codeLength', { description: 'Length of each code username, in characters.' }),
    securePassword: t.exposeBoolean('securePassword', { description: 'True when each code has a separate random password.' }),
    splashPageId: t.exposeString('splashPageId', {
      description: 'CT id of the splash page the codes log in through ("external" for an external one).',
    }),
    active: t.exposeBoolean('active', { nullable: false, description: 'False when the batch (and so every code in it) is disabled.' }),
    completed: t.exposeBoolean('completed', {
      nullable: false,
      description: 'True once CT has generated the codes; until then `codes` is empty.',
    }),
    csvUrl: t.exposeString('csvUrl', { description: 'Download link of the codes as CSV, once completed.' }),
    pdfUrl: t.exposeString('pdfUrl', { description: 'Download link of the printable codes as PDF, once completed.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the batch was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the batch last changed.' }),
    location: t.field({
      type: LocationRef,
      nullable: false,
      description: 'The location the batch belongs to. Costs no CT call when the query already read that location.',
      resolve: (voucher, _args, ctx) => parentLocation(ctx, voucher.locationSlug, 'voucher batch'),
    }),
    codes: t.field({
      type: VoucherCodeConnection,
      description: "The batch's codes, in CT's order (by serial). One CT call per page.",
      args: {
        ...t.arg.connectionArgs(),
        activated: t.arg.boolean({ description: 'true: only codes already used; false: only unused codes.' }),
      },
      resolve: (voucher, args, ctx) => voucherCodeConnection(ctx, voucher, args),
    }),
  }),
});

VoucherCodeRef.implement({
  description: 'One guest Wi-Fi code of a voucher batch.',
  fields: (t) => ({
    username: t.exposeString('username', { nullable: false, description: 'The code itself (the login name guests type in).' }),
    password: t.exposeString('password', { description: 'The password of the code.' }),
    serial: t.exposeInt('serial', { description: 'Position of the code in its batch, from 1.' }),
    active: t.exposeBoolean('active', { nullable: false, description: 'False when the code is disabled.' }),
    activatedAt: t.expose('activatedAt', { type: 'DateTime', description: 'When the code was first used; null if never.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the code was generated.' }),
  }),
});
