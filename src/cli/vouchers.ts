/**
 * `ct-graphql vouchers create`: a voucher batch at a location (its slug read once, then one
 * `createVoucher` with the run's Idempotency-Key) and, with --wait, its codes once CT has made
 * them. The wait is the `voucherCompleted` subscription over SSE: one open request that the facade
 * answers when its shared poll of CT sees the batch complete (at once when it already is), instead
 * of this command polling CT through the facade on a timer of its own. The codes come with the
 * event, 100 at a time, and the rest of a larger batch is read page by page.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError } from 'commander';
import { CliError } from './errors.js';
import { type Credential, dataOf, describeErrors, graphql, refusedAdvice, signInAdvice } from './facade.js';
import { sendWithKey } from './idempotency-key.js';
import { StreamBroken, subscribe } from './sse.js';

/** `--quantity 50`: a whole number; the facade checks the range (1 to 1000) and says so at `--quantity`. */
export function parseQuantity(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError('a whole number of codes, e.g. 50.');
  return Number(text.trim());
}

/** `--validity 1d`: how long a code stays valid once used, in minutes; the unit is required (30m, 12h, 1d, 2w). */
export function parseValidity(text: string): number {
  const match = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError('a duration with its unit, such as 30m, 12h, 1d or 2w.');
  return Number(match[1]) * { m: 1, h: 60, d: 1440, w: 10_080 }[match[2] as 'm' | 'h' | 'd' | 'w'];
}

export interface Batch {
  id: string;
  uniqueId: number;
  name: string;
  quantity: number;
  completed: boolean;
  location: { slug: string; name: string };
}

export interface Code {
  username: string;
  password: string | null;
  serial: number | null;
}

export interface NewBatch {
  location: string;
  name: string;
  quantity: number;
  validityMinutes?: number;
}

const LOCATION = 'query Location($slug: String!) { location(slug: $slug) { id slug name } }';
const BATCH = 'id uniqueId name quantity completed location { slug name }';
const CREATE = `mutation CreateVoucher($input: CreateVoucherInput!) {
  createVoucher(input: $input) { voucher { ${BATCH} } userErrors { code field message } }
}`;
const CODES = 'codes(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { username password serial } }';
const COMPLETED = `subscription VoucherCodes($id: ID!, $after: String) { voucherCompleted(id: $id) { completed ${CODES} } }`;
const MORE_CODES = `query VoucherCodes($id: ID!, $after: String) { node(id: $id) { ... on Voucher { ${CODES} } } }`;

type CodePage = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Code[] };
type Created = {
  createVoucher: { voucher: Batch | null; userErrors: Array<{ code: string; field: string[] | null; message: string }> };
};

/** The input fields the options fill, by the option a person typed. */
const OPTION_OF: Record<string, string> = {
  locationId: '--location',
  name: '--name',
  quantity: '--quantity',
  validityMinutes: '--validity',
};

/** Creates the batch with the run's key; `replayed` when the facade answered from an earlier run with that key. */
export async function createBatch(
  baseUrl: string,
  credential: Credential,
  batch: NewBatch,
  key: string,
): Promise<{ voucher: Batch; replayed: boolean }> {
  const { location } = dataOf(
    await graphql<{ location: { id: string } | null }>(baseUrl, credential.token, LOCATION, { slug: batch.location }),
    credential,
    baseUrl,
  );
  if (!location) throw new CliError(`no location "${batch.location}" in your account (give its slug, as \`boxes list\` shows it).`);
  const input = {
    locationId: location.id,
    name: batch.name,
    quantity: batch.quantity,
    ...(batch.validityMinutes !== undefined ? { validityMinutes: batch.validityMinutes } : {}),
  };
  const response = await sendWithKey<Created>(baseUrl, credential, CREATE, { input }, key);
  const { createVoucher } = dataOf(response, credential, baseUrl);
  if (createVoucher.userErrors.length > 0 || !createVoucher.voucher) {
    const lines = createVoucher.userErrors.map((e) => {
      const field = e.field?.[1];
      return `${e.code}: ${e.message}${field ? ` (${OPTION_OF[field] ?? e.field!.join('.')})` : ''}`;
    });
    throw new CliError(`the batch was not created:\n${lines.join('\n') || 'the facade answered without it.'}`);
  }
  return { voucher: createVoucher.voucher, replayed: response.replayed };
}

/** How often a broken stream is opened again (a restarted facade, a proxy's idle cut) before the wait gives up. */
const STREAM_TRIES = 5;

/**
 * The batch's codes, once CT has made them: the subscription's event carries the first 100, and
 * the rest are read 100 per query. `onCodes` hears of each page (for the progress bar).
 */
export async function waitForCodes(
  baseUrl: string,
  credential: Credential,
  id: string,
  onCodes: (count: number, total: number) => void = () => {},
): Promise<Code[]> {
  let first: CodePage | null = null;
  for (let tries = 1; !first; tries++) {
    try {
      first = await completedCodes(baseUrl, credential, id);
    } catch (error) {
      if (!(error instanceof StreamBroken)) throw error;
      if (tries >= STREAM_TRIES) throw new CliError(`waiting for the codes failed: ${error.message}.`);
      await sleep(1000 * 2 ** (tries - 1));
    }
  }
  const codes = [...first.nodes];
  onCodes(codes.length, first.totalCount);
  for (let page = first; page.pageInfo.hasNextPage && page.pageInfo.endCursor; ) {
    const variables = { id, after: page.pageInfo.endCursor };
    type More = { node: { codes: CodePage | null } | null };
    const { node } = dataOf(await graphql<More>(baseUrl, credential.token, MORE_CODES, variables), credential, baseUrl);
    if (!node?.codes) throw new CliError('the facade answered without the rest of the codes.');
    page = node.codes;
    codes.push(...page.nodes);
    onCodes(codes.length, page.totalCount);
  }
  return codes;
}

async function completedCodes(baseUrl: string, credential: Credential, id: string): Promise<CodePage> {
  type Event = { voucherCompleted: { completed: boolean; codes: CodePage | null } | null };
  for await (const event of subscribe<Event>(baseUrl, credential.token, COMPLETED, { id, after: null })) {
    if (event.refused) throw new CliError(refusedAdvice(credential, baseUrl));
    if (event.errors?.length) throw new CliError(describeErrors(event.errors, signInAdvice(credential)));
    const codes = event.data?.voucherCompleted?.codes;
    if (!codes) throw new CliError('the facade completed the batch without its codes.');
    return codes;
  }
  throw new StreamBroken('the stream ended without the batch');
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The codes as CSV: a header line, then one line per code. */
export function toCsv(codes: Code[]): string {
  const lines = [['code', 'password'], ...codes.map((c) => [c.username, c.password ?? ''])];
  return `${lines.map((line) => line.map(csvField).join(',')).join('\n')}\n`;
}
