// The signed-in CT account as Query.viewer: null when nobody is signed in, so a client can ask "who
// am I" without handling an error. The account's secrets never reach this module (src/ct/resources/me.ts
// leaves them behind).
import { builder, encodeGlobalId } from '../builder.js';
import { ViewerRef } from './refs.js';

ViewerRef.implement({
  description: 'The CT account you are signed in with.',
  fields: (t) => ({
    id: t.id({
      nullable: false,
      description: 'Opaque ID of the account.',
      resolve: (me) => encodeGlobalId('Viewer', me.key),
    }),
    username: t.string({ description: 'CT username.', resolve: (me) => me.username }),
    email: t.string({ description: 'Email address of the account.', resolve: (me) => me.email }),
    locale: t.string({ description: 'Language of the CT dashboard for this account, e.g. "en".', resolve: (me) => me.locale }),
    plan: t.string({ description: 'Name of the CT plan the account is on.', resolve: (me) => me.plan }),
    paidPlan: t.boolean({ description: 'True when the plan is a paid one.', resolve: (me) => me.paidPlan }),
    subscriptionActive: t.boolean({ description: 'True when the subscription is active.', resolve: (me) => me.subscriptionActive }),
    reseller: t.boolean({ description: 'True for reseller accounts.', resolve: (me) => me.reseller }),
    currency: t.string({ description: 'Billing currency code, e.g. "GBP".', resolve: (me) => me.currency }),
    createdAt: t.field({ type: 'DateTime', description: 'When the account was created.', resolve: (me) => me.createdAt }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'The signed-in CT account; null when signed out (no error). One CT call.',
    resolve: (_root, _args, ctx) => (ctx.loaders ? ctx.loaders.viewer() : null),
  }),
);
