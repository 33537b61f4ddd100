// The signed-in account (`GET /me.json`, ct-api.md §5.5) read as the domain's Viewer. Its secrets
// (`key`, `api_token`, `user_hash`) are left behind here, so nothing past this module can expose them.
import type { ViewerModel } from '../../domain/viewer.js';
import type { CtMe } from '../types.js';
import { ctRead, type CtRead } from './read.js';

export function toViewer(w: CtMe): ViewerModel {
  return {
    key: String(w.slug ?? w.id ?? w.username ?? 'me'),
    username: w.username ?? null,
    email: w.email ?? null,
    locale: w.locale ?? null,
    plan: w.plan ?? null,
    paidPlan: w.paid_plan ?? null,
    subscriptionActive: w.subscription_active ?? null,
    reseller: w.reseller ?? null,
    currency: w.currency ?? null,
    createdAt: w.created_at ?? null,
  };
}

export const meReads = {
  /** The account the caller's tokens belong to. */
  viewer: (): CtRead<ViewerModel> => ctRead('/me.json', {}, toViewer),
};
