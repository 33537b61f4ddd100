/**
 * The playground's default tabs: a few example queries, a mutation, and a subscription when the
 * schema has live data. GraphiQL opens them on a browser's first visit (later visits keep the
 * person's own tabs). A test validates every example against the schema, so they cannot rot.
 */
import { parse, validate, type GraphQLSchema } from 'graphql';

export interface ExampleTab {
  query: string;
  /** JSON text for the Variables pane. */
  variables?: string;
}

const FIRST_LOOK = `# Your CT account and a first look at your locations. Run it with ▶ (or Ctrl-Enter).
# extensions.cost in the answer says how many CT calls it took.
query FirstLook {
  viewer { username email }
  locations(first: 5) {
    totalCount
    nodes { id name town boxes(first: 3) { totalCount nodes { description state } } }
  }
}
`;

const BOXES = `# Boxes across all your locations, filtered by state (see the Variables pane below).
query BoxesByState($state: BoxState) {
  boxes(first: 10, state: $state) {
    totalCount
    nodes { id description state online lastHeartbeatAt location { name } }
  }
}
`;

const VOUCHERS = `# Voucher batches and their first codes, for your first locations.
query Vouchers {
  locations(first: 3) {
    nodes {
      name
      vouchers(first: 2) {
        nodes { name quantity accessType completed codes(first: 3) { nodes { username password active } } }
      }
    }
  }
}
`;

const CREATE_VOUCHER = `# Creates a real voucher batch in CT. First put a location's id (FirstLook: nodes { id })
# in the Variables pane. Expected refusals come back as userErrors, not as errors.
mutation CreateVoucher($input: CreateVoucherInput!) {
  createVoucher(input: $input) {
    voucher { id name quantity completed }
    userErrors { code field message }
  }
}
`;

const BOX_STATES = `# Live: every change of state of a box at one location, as it happens (Server-Sent Events).
# Put a location's id (FirstLook: nodes { id }) in the Variables pane; stop it with ■.
subscription BoxStates($locationId: ID!) {
  boxStateChanged(locationId: $locationId) {
    previousState
    box { description state }
  }
}
`;

function pretty(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * The tabs for this schema. The subscription tab appears only when the schema can run it:
 * live data (Subscription.boxStateChanged) is being added separately, and an example that does
 * not validate would only greet people with an error.
 */
export function playgroundTabs(schema: GraphQLSchema): ExampleTab[] {
  const tabs: ExampleTab[] = [
    { query: FIRST_LOOK },
    { query: BOXES, variables: pretty({ state: 'OFFLINE' }) },
    { query: VOUCHERS },
    {
      query: CREATE_VOUCHER,
      variables: pretty({
        input: {
          locationId: 'a Location id from FirstLook',
          name: 'Weekend guests',
          quantity: 5,
          accessType: 'TIME',
          validityMinutes: 1440,
        },
      }),
    },
  ];
  if (schema.getSubscriptionType()?.getFields().boxStateChanged && validate(schema, parse(BOX_STATES)).length === 0) {
    tabs.push({ query: BOX_STATES, variables: pretty({ locationId: 'a Location id from FirstLook' }) });
  }
  return tabs;
}
