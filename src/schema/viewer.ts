// The signed-in CT account (`GET /me.json`) as Query.viewer: null when nobody is signed in, so a
// client can ask "who am I" without handling an error. Secrets in /me.json (key, api_token,
// user_hash) are never exposed.
import { builder, encodeGlobalId } from '../builder.js';
import { ViewerRef } from './refs.js';

ViewerRef.implement({
  description: 'The CT account you are signed in with.',
  fields: (t) => ({
    id: t.id({
      nullable: false,
      description: 'Opaque ID of the account.',
      resolve: (me) => encodeGlobalId('Viewer', me.slug ?? me.id ?? me.username ?? 'me'),
    }),
    username: t.string({ description: 'CT username.', resolve: (me) => me.username ?? null }),
    email: t.string({ description: 'Email address of the account.', resolve: (me) => me.email ?? null }),
    locale: t.string({ description: 'Language of the CT dashboard for this account, e.g. "en".', resolve: (me) => me.locale ?? null }),
    plan: t.string({ description: 'Name of the CT plan the account is on.', resolve: (me) => me.plan ?? null }),
    paidPlan: t.boolean({ description: 'True when the plan is a paid one.', resolve: (me) => me.paid_plan ?? null }),
    subscriptionActive: t.boolean({
      description: 'True when the subscription is active.',
      resolve: (me) => me.subscription_active ?? null,
    }),
    reseller: t.boolean({ description: 'True for reseller accounts.', resolve: (me) => me.reseller ?? null }),
    currency: t.string({ description: 'Billing currency code, e.g. "GBP".', resolve: (me) => me.currency ?? null }),
    createdAt: t.field({ type: 'DateTime', description: 'When the account was created.', resolve: (me) => me.created_at ?? null }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'The signed-in CT account; null when signed out (no error). One CT call.',
    resolve: (_root, _args, ctx) => (ctx.loaders ? ctx.loaders.me() : null),
  }),
);
