// Which CT account a set of CT tokens belongs to: the id in CT's /me.json. API tokens are stored
// with it at creation and listed by it, so a person sees the tokens of their CT account from any
// sign-in (a session, or another API token).
import { createCtClient, type CtClientOptions } from '../ct/client.js';
import { CtAuthError } from '../ct/errors.js';
import type { CtTokens } from '../ct/tokens.js';
import { accountIdOf } from '../ct/resources/me.js';
import type { CtMe } from '../ct/types.js';

/** CT's user id as text; its slug or username when CT leaves the id out; null when it names nobody. */
export const ctUserIdOf = accountIdOf;

/**
 * Asks CT who the tokens belong to. The tokens were just issued, so a refresh is never right here:
 * a 401 means CT took them back, and that ends the sign-in.
 */
export async function fetchCtUserId(o: Omit<CtClientOptions, 'tokens' | 'refresher'>, tokens: CtTokens): Promise<string> {
  const ct = createCtClient({
    ...o,
    tokens,
    refresher: {
      refresh: () => Promise.reject(new CtAuthError('CT refused tokens it had just issued')),
    },
  });
  const id = ctUserIdOf(await ct.get<CtMe>('/me.json'));
  if (id === null) throw new CtAuthError('CT did not say which account signed in');
  return id;
}
