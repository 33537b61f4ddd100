/**
 * The playground's content: its example tabs validate against the schema (so they cannot rot), the
 * subscription tab appears exactly when the schema can run it, and the page hands GraphiQL those
 * tabs and starts its bar neutral (boot.js fills in who is signed in).
 */
import { buildSchema, extendSchema, getOperationAST, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { playgroundTabs } from '../src/playground/examples.js';
import { VIEWER_QUERY } from '../src/playground/page.js';
import { schema } from '../src/schema/index.js';
import { createHarness, FACADE_URL } from './harness.js';

/** DESIGN.md's live data, as the subscriptions work will add it. */
const LIVE = parse(`
  type BoxStateChange { box: Box! previousState: BoxState! }
  type Subscription {
    boxStateChanged(locationId: ID!): BoxStateChange!
    voucherCompleted(id: ID!): Voucher!
  }
  extend schema { subscription: Subscription }
`);

function operations(tabs: ReturnType<typeof playgroundTabs>): string[] {
  return tabs.map((tab) => {
    const operation = getOperationAST(parse(tab.query));
    return `${operation?.operation} ${operation?.name?.value}`;
  });
}

describe('the example tabs', () => {
  it('are named queries, one mutation and the live subscription, each valid against the schema, with variables that parse', () => {
    const tabs = playgroundTabs(schema);
    expect(operations(tabs)).toEqual([
      'query FirstLook',
      'query BoxesByState',
      'query Vouchers',
      'mutation CreateVoucher',
      'subscription BoxStates',
    ]);
    for (const tab of tabs) {
      expect(validate(schema, parse(tab.query)).map((e) => e.message)).toEqual([]);
      if (tab.variables !== undefined) expect(() => JSON.parse(tab.variables!)).not.toThrow();
    }
  });

  it('add the subscription tab only when the schema has Subscription.boxStateChanged as designed', () => {
    const hasSubscription = schema.getSubscriptionType()?.getFields().boxStateChanged !== undefined;
    expect(operations(playgroundTabs(schema)).includes('subscription BoxStates')).toBe(hasSubscription);

    const live = hasSubscription ? schema : extendSchema(schema, LIVE);
    const tabs = playgroundTabs(live);
    expect(operations(tabs).at(-1)).toBe('subscription BoxStates');
    expect(validate(live, parse(tabs.at(-1)!.query))).toEqual([]);

    // Another shape of live data: no tab rather than one that greets people with an error.
    const other = buildSchema('type Query { a: Int } type Subscription { boxStateChanged(location: String): Int }');
    expect(operations(playgroundTabs(other)).includes('subscription BoxStates')).toBe(false);
  });

  it("are what the playground page gives GraphiQL, the first one open; the bar's viewer query is valid", async () => {
    const h = createHarness();
    const page = await (await h.app.fetch(new Request(`${FACADE_URL}/graphql`, { headers: { accept: 'text/html' } }))).text();
    const config = JSON.parse(/<script id="ct-playground-config" type="application\/json">([\s\S]*?)<\/script>/.exec(page)![1]!);
    expect(config.graphiql.defaultTabs).toEqual(playgroundTabs(schema));
    expect(config.graphiql.defaultQuery).toBe(playgroundTabs(schema)[0]!.query);
    expect(config.graphiql.defaultQuery).not.toMatch(/sign in first/i);
    expect(config.viewerQuery).toBe(VIEWER_QUERY);
    expect(validate(schema, parse(VIEWER_QUERY))).toEqual([]);
    // Neither button shows before boot.js knows who is signed in.
    expect(page).toContain('<a id="ct-signin" href="/auth/login?redirect=/graphql" hidden>Sign in with CT</a>');
    expect(page).toContain('<button id="ct-signout" type="button" hidden>Sign out</button>');
    expect(page).toContain('<div id="ct-notice" role="alert" hidden></div>');
  });
});
