/**
 * `ct-graphql codes find|disable`: which batch and location a guest code belongs to and whether it
 * was used (one GraphQL query over CT's cross-batch code search), and turning it off (that query,
 * then one mutation: one CT write). A code is matched whole, ignoring case, as guests type it.
 */
import { CliError } from './errors.js';
import { type Credential, dataOf, graphql } from './facade.js';

/**
 * How many codes containing the text one query reads, with their batch and location. CT's search
 * matches any part of a code, so a whole code meets only itself and a few longer ones; more than a
 * page means the text was not a whole code, and a duplicate could hide on the next page.
 */
const PAGE = 25;

export interface FoundCode {
  username: string;
  /** false: disabled, guests can no longer sign in with it. */
  active: boolean;
  /** When a guest first used it; null if never. */
  activatedAt: string | null;
  createdAt: string | null;
  voucher: { id: string; uniqueId: number; name: string } | null;
  location: { id: string; slug: string; name: string } | null;
}

const FIND = `query FindCode($search: String!, $locationId: ID, $first: Int) {
  voucherCodes(search: $search, locationId: $locationId, first: $first) {
    totalCount
    pageInfo { hasNextPage }
    nodes { username active activatedAt createdAt voucher { id uniqueId name } location { id slug name } }
  }
}`;

const DISABLE = `mutation DisableCode($input: SetVoucherCodeActiveInput!) {
  setVoucherCodeActive(input: $input) {
    voucherCode { username active activatedAt }
    userErrors { code message }
  }
}`;

type Found = { voucherCodes: { totalCount: number; pageInfo: { hasNextPage: boolean }; nodes: FoundCode[] } | null };
type Disabled = {
  setVoucherCodeActive: {
    voucherCode: Pick<FoundCode, 'username' | 'active' | 'activatedAt'> | null;
    userErrors: Array<{ code: string; message: string }>;
  };
};

/** "Café Central (location TG9j…), batch "Summer" (#1234)": enough to tell two places apart and to pick one with --location. */
export function describePlace(code: FoundCode): string {
  const location = code.location ? `${code.location.name} (location ${code.location.id})` : 'an unknown location';
  return code.voucher ? `${location}, batch "${code.voucher.name}" (#${code.voucher.uniqueId})` : location;
}

/** Every code that is exactly `text` (ignoring case), with its batch and location; none is an error. */
export async function findCode(baseUrl: string, credential: Credential, text: string, locationId?: string): Promise<FoundCode[]> {
  const wanted = text.trim();
  if (!wanted) throw new CliError('give the guest code, e.g. `ct-graphql codes find K7P2QX`.');
  const variables = { search: wanted, first: PAGE, ...(locationId ? { locationId } : {}) };
  const { voucherCodes } = dataOf(await graphql<Found>(baseUrl, credential.token, FIND, variables), credential, baseUrl);
  if (!voucherCodes) throw new CliError('the facade answered without the code search.');
  const where = locationId ? 'at that location' : 'in your locations';
  if (voucherCodes.pageInfo.hasNextPage) {
    throw new CliError(`${voucherCodes.totalCount} codes ${where} contain "${wanted}": give the whole code.`);
  }
  const exact = voucherCodes.nodes.filter((code) => code.username.toLowerCase() === wanted.toLowerCase());
  if (exact.length > 0) return exact;
  const near = [...new Set(voucherCodes.nodes.map((code) => code.username))];
  throw new CliError(`no guest code "${wanted}" ${where}${near.length ? `; codes that contain it: ${near.join(', ')}` : ''}.`);
}

/** Disables the one code that is exactly `text`: the code as CT now has it, in its place. */
export async function disableCode(baseUrl: string, credential: Credential, text: string, locationId?: string): Promise<FoundCode> {
  const found = await findCode(baseUrl, credential, text, locationId);
  if (found.length > 1) {
    // CT addresses a code by its location and username: --location tells apart codes of different locations.
    const hint = new Set(found.map((f) => f.location?.id)).size > 1 ? ' Say which with --location <location id>.' : '';
    const places = found.map(describePlace).join('; ');
    throw new CliError(`"${text.trim()}" is a code in ${found.length} places, so nothing was disabled: ${places}.${hint}`);
  }
  const code = found[0]!;
  if (!code.location) throw new CliError('the facade did not say which location the code belongs to; nothing was disabled.');
  const input = { locationId: code.location.id, username: code.username, active: false };
  const { setVoucherCodeActive: payload } = dataOf(
    await graphql<Disabled>(baseUrl, credential.token, DISABLE, { input }),
    credential,
    baseUrl,
  );
  if (payload.userErrors.length || !payload.voucherCode) {
    throw new CliError(payload.userErrors.map((e) => `${e.code}: ${e.message}`).join('\n') || 'the facade answered without the code.');
  }
  return { ...code, ...payload.voucherCode };
}
