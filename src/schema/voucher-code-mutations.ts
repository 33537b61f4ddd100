// setVoucherCodeActive: enable or disable one guest code (one CT write). A code is addressed by its
// username at its location, as CT addresses it; what CT answers is the payload, and it is read back
// (one search call) only when CT answers without it. CT's refusals (422/403/404) become userErrors.
import { builder } from '../builder.js';
import { requireUser, type GraphQLContext } from '../context.js';
import type { VoucherCodeModel } from '../domain/voucher.js';
import { byIdSpec, ctWrite } from './ct-refusals.js';
import { decodeSlugInput } from './ids.js';
import { at, InputCheck } from './input-checks.js';
import { type MutationObject, objectMutation } from './mutation-fields.js';
import { failed, type Payload, succeeded, userError } from './payload.js';
import { VoucherCodeRef } from './refs.js';

const USERNAME_PATH = at('username');

/** Every code field CT may refuse, at its input; a 404 or 403 is about the code the username names. */
const SPEC = byIdSpec({ active: at('active'), username: USERNAME_PATH, location: at('locationId') }, USERNAME_PATH);

const SetVoucherCodeActiveInput = builder.inputType('SetVoucherCodeActiveInput', {
  description: 'One guest code, by its location and username, and whether it may be used.',
  fields: (t) => ({
    locationId: t.id({ required: true, description: 'Global ID of the location the code belongs to (see `VoucherCode.location`).' }),
    username: t.string({ required: true, description: 'The code itself: the username guests type in, exactly as CT lists it.' }),
    active: t.boolean({ required: true, description: 'false disables the code (guests can no longer log in with it); true enables it.' }),
  }),
});

const VOUCHER_CODE: MutationObject<VoucherCodeModel> = { type: VoucherCodeRef, field: 'voucherCode', noun: 'voucher code' };

/** The code read back by an exact username match in CT's code search at its location. */
async function readBack(ctx: GraphQLContext, locationSlug: string, username: string): Promise<VoucherCodeModel | null> {
  const page = await requireUser(ctx).loaders.voucherCodeSearchPage({ search: username, locationSlug }, { page: 1, per: 100 });
  return page.items.find((code) => code.username === username) ?? null;
}

async function setVoucherCodeActive(
  ctx: GraphQLContext,
  input: { locationId: string; username: string; active: boolean },
): Promise<Payload<VoucherCodeModel>> {
  const { ct, loaders } = requireUser(ctx);
  const check = new InputCheck();
  const location = decodeSlugInput(input.locationId, 'Location', at('locationId'));
  if ('error' in location) check.errors.push(location.error);
  const username = input.username.trim();
  check.text(USERNAME_PATH, username, { required: true });
  if (!check.ok || 'error' in location) return failed(check.errors);

  const written = await ctWrite(SPEC, () => ct.codes.setActive(location.slug, username, input.active));
  if (!written.ok) return failed(written.userErrors);
  // Every list of codes this request read (a batch's, a search) may now show the code's old state.
  loaders.clearLists();
  const code = written.value ?? (await readBack(ctx, location.slug, username));
  return code ? succeeded(code) : failed([userError('NOT_FOUND', USERNAME_PATH, 'The code no longer exists in CT')]);
}

objectMutation('setVoucherCodeActive', VOUCHER_CODE, {
  description:
    'Enable or disable one guest code (one CT write, never retried). Find the code and its location first with `voucherCodes(search:)`.',
  payloadDescription: 'Result of setVoucherCodeActive: the code as CT now has it.',
  input: SetVoucherCodeActiveInput,
  inputDescription: 'The code and its new state.',
  resolve: setVoucherCodeActive,
});
