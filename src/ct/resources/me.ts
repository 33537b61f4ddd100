// The signed-in account (`GET /me.json`, ct-api.md §5.5) read as the domain's Viewer. Its secrets
// (`key`, `api_token`, `user_hash`) are left behind here, so nothing past this module can expose them.
import type { ViewerModel } from '../../domain/viewer.js';
import type { CtMe } from '../types.js';
import { ctRead, type CtRead } from './read.js';

/** CT's id of the account (its slug or username where a CT omits the id), or null when it names none. */
export function accountIdOf(w: CtMe | null | undefined): string | null {
  const id = w?.id ?? w?.slug ?? w?.username;
  return id === undefined || id === null || id === '' ? null : String(id);
}

export function toViewer(w: CtMe): ViewerModel {
  return {
    key: String(w.slug ?? w.id ?? w.username ?? 'me'),
    accountId: accountIdOf(w),
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
