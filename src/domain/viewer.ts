// The signed-in CT account as the facade speaks of it. No CT names here: src/ct/resources/me.ts
// maps CT's account record onto this shape, leaving its secrets behind.

export interface ViewerModel {
  /** What identifies the account in its global ID. */
  key: string;
  /** CT's id of the account, the same across sign-ins: what API tokens are filed under. */
  accountId: string | null;
  username: string | null;
  email: string | null;
  locale: string | null;
  plan: string | null;
  paidPlan: boolean | null;
  subscriptionActive: boolean | null;
  reseller: boolean | null;
  currency: string | null;
  /** Epoch seconds, as CT keeps time. */
  createdAt: number | null;
}
