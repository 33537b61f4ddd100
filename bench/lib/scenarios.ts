// The benchmark's fixed scenarios: the same question asked of ct-graphql (and its naive twin) and of
// GraphQL Mesh in each one's own schema, with the smallest number of CT calls CT's endpoints allow
// for it and the critical path in CT round trips. Data-dependent minimums are computed from a probe
// of the simulator's seeded data taken before any timing.

/** What the runner learned from the simulator before the runs (through the REST API directly). */
export interface Probe {
  /** Location used for the alias scenario. */
  aliasSlug: string;
  /** Distinct locations of the first 20 boxes of the account. */
  boxLocations20: number;
  /** Location whose voucher batches are read, and how many batches a page of 5 returns. */
  voucherSlug: string;
  voucherBatches5: number;
  /** Location that receives the vouchers created by the mutation scenario (not voucherSlug). */
  createSlug: string;
  locationsTotal: number;
  /** Slugs of 40 boxes that take jobs (allowed_job), for the bulk reboot. */
  rebootSlugs: string[];
}

export type Data = Record<string, any>;

export interface Step {
  /** The document, or a function of the probe for one written from the seeded data. */
  query: string | ((probe: Probe) => string);
  /** Variables from the probe and the previous step's `data` (for a read after a write). */
  variables?: (probe: Probe, previous: Data | null) => Record<string, unknown>;
  /** A problem with the answer, or null when it is the expected shape. */
  check?: (data: Data, probe: Probe) => string | null;
}

export interface Scenario {
  id: string;
  title: string;
  /** CT round trips that must happen one after another (the floor of the latency at N ms per call). */
  depth: number;
  minCalls: (probe: Probe) => number;
  /** How the minimum is counted, for the report. */
  minWhy: (probe: Probe) => string;
  /** One of the two lightest scenarios: also measured for throughput. */
  throughput: boolean;
  facade: Step[];
  mesh: Step[];
}

/** DESIGN.md: opaque base64url of `Type:key`. */
export const globalId = (type: string, key: string): string => Buffer.from(`${type}:${key}`).toString('base64url');

/** A step's document for this probe. */
export const queryOf = (step: Step, probe: Probe): string => (typeof step.query === 'function' ? step.query(probe) : step.query);

const count = (list: unknown): number => (Array.isArray(list) ? list.length : -1);
const expectCount = (what: string, list: unknown, n: number): string | null =>
  count(list) === n ? null : `expected ${n} ${what}, got ${count(list)}`;

/** How many boxes the bulk scenario reboots, and the facade's default CT_CONCURRENCY it runs them under. */
export const BULK_BOXES = 40;
const CT_CONCURRENCY = 8;

/** Mesh has no bulk field: its user sends one aliased updateBox per box, which GraphQL runs one after another. */
function meshReboots(slugs: string[]): string {
  const fields = slugs.map(
    (slug, i) => `b${i}: updateBox(slug: ${JSON.stringify(slug)}, input: { box: { action: "reboot" } }) { slug state }`,
  );
  return `mutation Reboot {\n${fields.join('\n')}\n}`;
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'flat',
    title: 'flat list: 25 locations',
    depth: 1,
    minCalls: () => 1,
    minWhy: () => 'one list page',
    throughput: true,
    facade: [
      {
        query: 'query Flat { locations(first: 25) { totalCount nodes { id slug name town country } } }',
        check: (d) => expectCount('locations', d.locations?.nodes, 25),
      },
    ],
    mesh: [
      {
        query: 'query Flat { locations(per: 25) { _links { total_entries } locations { id slug location_name town country } } }',
        check: (d) => expectCount('locations', d.locations?.locations, 25),
      },
    ],
  },
  {
    id: 'same-object',
    title: 'one location asked 4 times (aliases)',
    depth: 1,
    minCalls: () => 1,
    minWhy: () => 'one GET, deduplicated',
    throughput: true,
    facade: [
      {
        query: `query Same($slug: String!) {
        a: location(slug: $slug) { name }
        b: location(slug: $slug) { name town }
        c: location(slug: $slug) { slug boxesCount }
        d: location(slug: $slug) { id timezone }
      }`,
        variables: (p) => ({ slug: p.aliasSlug }),
        check: (d, p) => (d.a?.name && d.c?.slug === p.aliasSlug && d.d?.id ? null : 'missing location fields'),
      },
    ],
    mesh: [
      {
        query: `query Same($slug: String!) {
        a: location(slug: $slug) { location_name }
        b: location(slug: $slug) { location_name town }
        c: location(slug: $slug) { slug boxes_count }
        d: location(slug: $slug) { id timezone }
      }`,
        variables: (p) => ({ slug: p.aliasSlug }),
        check: (d, p) => (d.a?.location_name && d.c?.slug === p.aliasSlug && d.d?.id ? null : 'missing location fields'),
      },
    ],
  },
  {
    id: 'locations-boxes',
    title: '5 locations, each with its first 10 boxes',
    depth: 2,
    minCalls: () => 1 + 5,
    minWhy: () => '1 list + 5 box lists',
    throughput: false,
    facade: [
      {
        query: `query LocBoxes { locations(first: 5) { nodes { slug name
        boxes(first: 10) { totalCount nodes { slug mac state } } } } }`,
        check: (d) =>
          expectCount('locations', d.locations?.nodes, 5) ??
          (d.locations.nodes.every((l: Data) => Array.isArray(l.boxes?.nodes)) ? null : 'a box list is missing'),
      },
    ],
    mesh: [
      {
        query: `query LocBoxes { locations(per: 5) { locations { slug location_name
        boxes(per: 10) { _links { total_entries } boxes { slug mac state } } } } }`,
        check: (d) =>
          expectCount('locations', d.locations?.locations, 5) ??
          (d.locations.locations.every((l: Data) => Array.isArray(l.boxes?.boxes)) ? null : 'a box list is missing'),
      },
    ],
  },
  {
    id: 'boxes-locations',
    title: '20 boxes (account-wide) to their location names',
    depth: 2,
    minCalls: (p) => 1 + p.boxLocations20,
    minWhy: (p) => `1 list + ${p.boxLocations20} distinct locations`,
    throughput: false,
    facade: [
      {
        query: 'query BoxLoc { boxes(first: 20) { nodes { slug state location { slug name } } } }',
        check: (d) =>
          expectCount('boxes', d.boxes?.nodes, 20) ??
          (d.boxes.nodes.every((b: Data) => b.location?.name) ? null : 'a box has no location name'),
      },
    ],
    mesh: [
      {
        query: 'query BoxLoc { boxes(per: 20) { boxes { slug state location { slug location_name } } } }',
        check: (d) =>
          expectCount('boxes', d.boxes?.boxes, 20) ??
          (d.boxes.boxes.every((b: Data) => b.location?.location_name) ? null : 'a box has no location name'),
      },
    ],
  },
  {
    id: 'vouchers-codes',
    title: "a location's voucher batches (first 5) with 10 codes each",
    depth: 3,
    minCalls: (p) => 2 + p.voucherBatches5,
    minWhy: (p) => `1 location + 1 batch list + ${p.voucherBatches5} code lists`,
    throughput: false,
    facade: [
      {
        query: `query VoucherCodes($slug: String!) { location(slug: $slug) { name
        vouchers(first: 5) { nodes { uniqueId name codes(first: 10) { nodes { username active } } } } } }`,
        variables: (p) => ({ slug: p.voucherSlug }),
        check: (d, p) =>
          expectCount('batches', d.location?.vouchers?.nodes, p.voucherBatches5) ??
          (d.location.vouchers.nodes.every((v: Data) => Array.isArray(v.codes?.nodes)) ? null : 'a code list is missing'),
      },
    ],
    mesh: [
      {
        query: `query VoucherCodes($slug: String!) { location(slug: $slug) { location_name
        vouchers(per: 5) { vouchers { unique_id batch_name codes(per: 10) { codes { username active } } } } } }`,
        variables: (p) => ({ slug: p.voucherSlug }),
        check: (d, p) =>
          expectCount('batches', d.location?.vouchers?.vouchers, p.voucherBatches5) ??
          (d.location.vouchers.vouchers.every((v: Data) => Array.isArray(v.codes?.codes)) ? null : 'a code list is missing'),
      },
    ],
  },
  {
    id: 'create-read',
    title: 'createVoucher, then read it back (2 requests)',
    depth: 2,
    minCalls: () => 2,
    minWhy: () => '1 POST + 1 GET',
    throughput: false,
    facade: [
      {
        query: `mutation Create($input: CreateVoucherInput!) { createVoucher(input: $input) {
          voucher { id uniqueId name } userErrors { message field code } } }`,
        variables: (p) => ({
          input: { locationId: globalId('Location', p.createSlug), name: 'bench', description: 'benchmark batch', quantity: 1 },
        }),
        check: (d) => (d.createVoucher?.voucher?.id ? null : `no voucher: ${JSON.stringify(d.createVoucher?.userErrors ?? d)}`),
      },
      {
        query: 'query Read($id: ID!) { node(id: $id) { id ... on Voucher { uniqueId name quantity completed } } }',
        variables: (_p, prev) => ({ id: prev?.createVoucher?.voucher?.id }),
        check: (d) => (d.node?.name === 'bench' ? null : 'voucher not read back'),
      },
    ],
    mesh: [
      {
        query: `mutation Create($slug: String!, $input: VoucherCreateBody_Input) {
          createVoucher(slug: $slug, input: $input) { unique_id batch_name } }`,
        variables: (p) => ({
          slug: p.createSlug,
          input: { voucher: { batch_name: 'bench', batch_description: 'benchmark batch', quantity: 1 } },
        }),
        check: (d) => (d.createVoucher?.unique_id ? null : 'no voucher created'),
      },
      {
        query: `query Read($slug: String!, $id: Int!) {
          voucher(slug: $slug, unique_id: $id) { unique_id batch_name quantity completed } }`,
        variables: (p, prev) => ({ slug: p.createSlug, id: prev?.createVoucher?.unique_id }),
        check: (d) => (d.voucher?.batch_name === 'bench' ? null : 'voucher not read back'),
      },
    ],
  },
  {
    id: 'bulk-reboot',
    title: `rebootBoxes: ${BULK_BOXES} boxes in one request`,
    // One PATCH per box; at CT_CONCURRENCY 8 at once, 40 / 8 round trips follow one another.
    depth: Math.ceil(BULK_BOXES / CT_CONCURRENCY),
    minCalls: () => BULK_BOXES,
    minWhy: () => `one PATCH per box (${Math.ceil(BULK_BOXES / CT_CONCURRENCY)} round trips at CT_CONCURRENCY ${CT_CONCURRENCY})`,
    throughput: false,
    facade: [
      {
        query: `mutation Reboot($input: RebootBoxesInput!) {
          rebootBoxes(input: $input) { results { id box { state } userErrors { code message } } userErrors { message } } }`,
        variables: (p) => ({ input: { ids: p.rebootSlugs.map((slug) => globalId('Box', slug)) } }),
        check: (d) => {
          const results = d.rebootBoxes?.results;
          if (!Array.isArray(results) || results.length !== BULK_BOXES) return `expected ${BULK_BOXES} results, got ${count(results)}`;
          const refused = results.find((r: Data) => r.userErrors.length > 0 || r.box?.state !== 'REBOOTING');
          return refused ? `a box was not rebooted: ${JSON.stringify(refused)}` : null;
        },
      },
    ],
    mesh: [
      {
        query: (p) => meshReboots(p.rebootSlugs),
        check: (d) => {
          const answers = Object.values(d);
          return answers.length === BULK_BOXES && answers.every((b: Data) => b?.state === 'rebooting') ? null : 'a box was not rebooted';
        },
      },
    ],
  },
];
