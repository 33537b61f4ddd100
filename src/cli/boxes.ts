/**
 * `ct-graphql boxes list|reboot`: the boxes of a location or of the whole account, filtered by
 * state (one GraphQL query per 100 boxes), and rebooting them with the bulk mutation `rebootBoxes`
 * (one CT call per box, at most 100 boxes per request, each request with its own Idempotency-Key
 * part). A box CT will not take the job for is skipped with CT's reason and does not stop the others.
 */
import { InvalidArgumentError } from 'commander';
import { CliError } from './errors.js';
import { type Credential, dataOf, describeErrors, type GraphQLErrorShape, graphql, refusedAdvice, signInAdvice } from './facade.js';
import { partKey, sendWithKey } from './idempotency-key.js';

/** The facade's bulk limit: more per request is refused before anything is done. */
export const BULK_LIMIT = 100;

/** BoxState values a filter may use (UNKNOWN only stands for states the API does not know). */
const STATES = ['INITIALIZING', 'NEW', 'OFFLINE', 'ONLINE', 'PROCESSING', 'REBOOTING', 'UPGRADING'];

/** `--state offline`: any case, one of the states CT reports. */
export function parseState(text: string): string {
  const state = text.trim().toUpperCase();
  if (!STATES.includes(state)) throw new InvalidArgumentError(`one of ${STATES.map((s) => s.toLowerCase()).join(', ')}.`);
  return state;
}

export interface BoxRow {
  id: string;
  slug: string;
  description: string | null;
  mac: string;
  state: string;
  /** false: CT will refuse a reboot now. */
  acceptsJobs: boolean | null;
  lastHeartbeatAt: string | null;
  location: { slug: string; name: string };
}

export interface BoxFilter {
  location?: string;
  state?: string;
}

const FIELDS = 'id slug description mac state acceptsJobs lastHeartbeatAt';
const PAGE_INFO = 'totalCount pageInfo { hasNextPage endCursor }';
// A location's own boxes connection: its boxes' location costs nothing more, and an unknown slug is a null location.
const AT_LOCATION = `query LocationBoxes($slug: String!, $state: BoxState, $after: String) {
  location(slug: $slug) { slug name boxes(first: ${BULK_LIMIT}, after: $after, state: $state) { ${PAGE_INFO} nodes { ${FIELDS} } } }
}`;
const EVERYWHERE = `query AllBoxes($state: BoxState, $after: String) {
  boxes(first: ${BULK_LIMIT}, after: $after, state: $state) { ${PAGE_INFO} nodes { ${FIELDS} location { slug name } } }
}`;

interface Page<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}
type AtLocation = { location: { slug: string; name: string; boxes: Page<Omit<BoxRow, 'location'>> | null } | null };
type Everywhere = { boxes: Page<BoxRow> | null };

/** Every box that matches, in CT's order, a page (100) per query; `onPage` hears of each page as it comes. */
export async function listBoxes(
  baseUrl: string,
  credential: Credential,
  filter: BoxFilter,
  onPage: (rows: BoxRow[], totalCount: number) => void = () => {},
): Promise<BoxRow[]> {
  const rows: BoxRow[] = [];
  for (let after: string | null = null; ; ) {
    const variables = { state: filter.state ?? null, after };
    let page: Page<BoxRow>;
    if (filter.location) {
      const query = { ...variables, slug: filter.location };
      const { location } = dataOf(await graphql<AtLocation>(baseUrl, credential.token, AT_LOCATION, query), credential, baseUrl);
      if (!location) throw new CliError(`no location "${filter.location}" in your account (give its slug, as \`boxes list\` shows it).`);
      if (!location.boxes) throw new CliError('the facade answered without the boxes.');
      const at = { slug: location.slug, name: location.name };
      page = { ...location.boxes, nodes: location.boxes.nodes.map((box) => ({ ...box, location: at })) };
    } else {
      const { boxes } = dataOf(await graphql<Everywhere>(baseUrl, credential.token, EVERYWHERE, variables), credential, baseUrl);
      if (!boxes) throw new CliError('the facade answered without the boxes.');
      page = boxes;
    }
    rows.push(...page.nodes);
    onPage(page.nodes, page.totalCount);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return rows;
    after = page.pageInfo.endCursor;
  }
}

/** A box to reboot: its ID, and what is known of it when it came from a listing. */
export interface RebootTarget {
  id: string;
  slug?: string;
  description?: string | null;
  location?: string;
}

/**
 * What happened to one box: `rebooted` (CT took the job), `skipped` (CT refused it, e.g. FORBIDDEN
 * for a box that takes no jobs now; or the box is not there), `failed` (no answer from CT for it,
 * or its request failed: `outcomeUnknown` when CT may have acted).
 */
export interface RebootOutcome extends RebootTarget {
  status: 'rebooted' | 'skipped' | 'failed';
  state?: string;
  code?: string;
  reason?: string;
  outcomeUnknown?: true;
}

const REBOOT = `mutation RebootBoxes($input: RebootBoxesInput!) {
  rebootBoxes(input: $input) {
    results { id box { slug description state } userErrors { code message } }
    userErrors { code field message }
  }
}`;

type Rebooted = {
  rebootBoxes: {
    results: Array<{
      id: string;
      box: { slug: string; description: string | null; state: string } | null;
      userErrors: Array<{ code: string; message: string }>;
    }>;
    userErrors: Array<{ code: string; field: string[] | null; message: string }>;
  } | null;
};

/** Auth and permission errors end the run (exit 1): no other part could do better. */
const FATAL = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'QUERY_TOO_COSTLY']);

/**
 * Reboots the boxes, 100 per request, one request after another; `onPart` hears of each part's
 * outcomes as they come (with `replayed` when the facade answered from an earlier run's record).
 * A part the facade could not run at all (CT unavailable, over the budget) makes its boxes and
 * every later one `failed` and ends the run, so a rerun with the same key picks up from there.
 */
export async function rebootBoxes(
  baseUrl: string,
  credential: Credential,
  targets: RebootTarget[],
  key: string,
  onPart: (outcomes: RebootOutcome[], replayed: boolean) => void,
): Promise<RebootOutcome[]> {
  const all: RebootOutcome[] = [];
  for (let index = 0, start = 0; start < targets.length; index++, start += BULK_LIMIT) {
    const part = targets.slice(start, start + BULK_LIMIT);
    const input = { ids: part.map((target) => target.id) };
    const response = await sendWithKey<Rebooted>(baseUrl, credential, REBOOT, { input }, partKey(key, index));
    if (response.refused) throw new CliError(refusedAdvice(credential, baseUrl));
    const payload = response.data?.rebootBoxes;
    if (!payload) {
      const errors: GraphQLErrorShape[] = response.errors ?? [{ message: 'the facade answered without a result' }];
      if (errors.some((e) => FATAL.has(e.extensions?.code ?? ''))) throw new CliError(describeErrors(errors, signInAdvice(credential)));
      const [first] = errors;
      const rest = targets.slice(start).map(
        (target): RebootOutcome => ({
          ...target,
          status: 'failed',
          code: first?.extensions?.code ?? 'ERROR',
          reason: `not sent: ${first?.message}`,
        }),
      );
      all.push(...rest);
      onPart(rest, false);
      return all;
    }
    if (payload.userErrors.length > 0) {
      // Input problems are found before anything is done; say which of the given IDs each one is about.
      const lines = payload.userErrors.map((e) => {
        const at = e.field?.[2] !== undefined ? part[Number(e.field[2])]?.id : undefined;
        return `${e.code}: ${e.message}${at ? ` (${at})` : ''}`;
      });
      throw new CliError(`nothing was rebooted:\n${lines.join('\n')}`);
    }
    const outcomes = part.map((target, i) => outcome(target, payload.results[i], i, response.errors ?? []));
    all.push(...outcomes);
    onPart(outcomes, response.replayed);
  }
  return all;
}

function outcome(
  target: RebootTarget,
  result: NonNullable<Rebooted['rebootBoxes']>['results'][number] | undefined,
  i: number,
  errors: GraphQLErrorShape[],
): RebootOutcome {
  if (!result) return { ...target, status: 'failed', code: 'ERROR', reason: 'the facade answered without a result for this box' };
  const known = { ...target, ...(result.box ? { slug: result.box.slug, description: result.box.description } : {}) };
  if (result.userErrors.length > 0) {
    return { ...known, status: 'skipped', code: result.userErrors[0]!.code, reason: result.userErrors.map((e) => e.message).join('; ') };
  }
  if (result.box) return { ...known, status: 'rebooted', state: result.box.state };
  // An unexpected failure of this box's CT call is an error at its path: ["rebootBoxes", "results", i, "box"].
  const error = errors.find((e) => e.path?.[0] === 'rebootBoxes' && e.path[1] === 'results' && e.path[2] === i);
  return {
    ...known,
    status: 'failed',
    code: error?.extensions?.code ?? 'ERROR',
    reason: error?.message ?? 'CT gave no answer for this box',
    ...(error?.extensions?.outcomeUnknown === true ? { outcomeUnknown: true as const } : {}),
  };
}
