// Starting a CT sign-in: a fresh state and PKCE verifier sealed into the short-lived ct_oauth
// cookie, and the 302 to CT's authorize page. /auth/login starts a browser session this way; the
// /device page starts a device sign-in the same way, with the device code's hash in the state so
// that /auth/callback finishes that device grant instead of making a session.
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { authorizeUrl, type OAuthSettings } from '../ct/oauth.js';
import { oauthStateCookie } from './cookies.js';
import type { SessionSealer } from './session.js';

export interface SignInStarter {
  /** `redirect`: where the person lands after a session sign-in; `device`: the device code hash a device sign-in approves. */
  begin(o: { redirect: string; device?: string }): Promise<Response>;
  /** The exact redirect_uri registered at CT. */
  readonly redirectUri: string;
}

export function createSignInStarter(d: { publicUrl: string; oauth: OAuthSettings; sealer: SessionSealer; logger: Logger }): SignInStarter {
  const publicUrl = d.publicUrl.replace(/\/+$/, '');
  const redirectUri = `${publicUrl}/auth/callback`;
  const secure = publicUrl.startsWith('https:');
  return {
    redirectUri,
    async begin({ redirect, device }) {
      const state = randomBytes(32).toString('base64url');
      const codeVerifier = randomBytes(32).toString('base64url');
      const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
      const cookie = await d.sealer.sealOAuthState({ state, codeVerifier, redirect, ...(device === undefined ? {} : { device }) });
      const location = authorizeUrl(d.oauth, { redirectUri, state, codeChallenge });
      d.logger.info({ event: 'login_start', kind: device === undefined ? 'session' : 'device' }, 'redirecting to CT sign-in');
      const headers = new Headers({ location, 'set-cookie': oauthStateCookie(cookie, secure), 'cache-control': 'no-store' });
      return new Response(null, { status: 302, headers });
    },
  };
}
