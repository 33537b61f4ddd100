// Signing in for the benchmark through real OAuth round trips over HTTP: a raw CT access token from
// the simulator (what a Mesh user forwards), a ct-graphql session token via the facade's own
// /auth/login -> CT consent form -> /auth/callback (Accept: application/json) flow, and a
// ct-graphql API token via device sign-in (POST /auth/device, the person's /device form and CT
// consent, then POST /auth/token), as `ct-graphql login` gets one.

export interface Account {
  username: string;
  password: string;
}

const decode = (s: string): string =>
  s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The named <input> fields of the first form of a page, and its action. */
function readForm(page: string): { action: string | null; fields: Record<string, string> } {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(page);
  const action = form ? (/action="([^"]*)"/i.exec(form[0])?.[1] ?? null) : null;
  const fields: Record<string, string> = {};
  for (const input of (form?.[1] ?? '').matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(input[0])?.[1];
    if (!name) continue;
    fields[decode(name)] = decode(/\bvalue="([^"]*)"/i.exec(input[0])?.[1] ?? '');
  }
  return { action: action === null ? null : decode(action), fields };
}

function cookiesOf(res: Response): string[] {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .filter(Boolean);
}

function redirectOf(res: Response, what: string): string {
  const location = res.headers.get('location');
  if (res.status < 300 || res.status >= 400 || !location) {
    throw new Error(`${what}: expected a redirect, got HTTP ${res.status}`);
  }
  return location;
}

/**
 * Follows CT's consent page at `authorizeUrl` as the given account; returns the URL CT redirects
 * to (the client's redirect_uri with `code` and `state`).
 */
async function consent(authorizeUrl: string, account: Account): Promise<string> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  if (page.status !== 200) throw new Error(`CT authorize page answered HTTP ${page.status}`);
  const { action, fields } = readForm(await page.text());
  const body = new URLSearchParams({ ...fields, username: account.username, password: account.password, decision: 'allow' });
  const posted = await fetch(new URL(action ?? '/oauth/authorize', authorizeUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  await posted.arrayBuffer();
  return redirectOf(posted, 'CT consent');
}

/** A CT access token for `account`, through the authorization-code flow of a registered app. */
export async function ctAccessToken(
  oauthUrl: string,
  app: { clientId: string; clientSecret: string; redirectUri: string },
  account: Account,
): Promise<string> {
  const authorize = new URL('/oauth/authorize', oauthUrl);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: app.redirectUri,
    state: 'bench',
  }).toString();
  const back = new URL(await consent(authorize.toString(), account));
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`CT refused the authorization: ${back.searchParams.get('error') ?? 'no code'}`);
  const res = await fetch(new URL('/oauth/token', oauthUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.redirectUri,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    }),
  });
  const token = (await res.json()) as { access_token?: string };
  if (!res.ok || !token.access_token) throw new Error(`CT token exchange answered HTTP ${res.status}`);
  return token.access_token;
}

/** A ct-graphql session token: /auth/login, CT consent, then /auth/callback with Accept: application/json. */
export async function facadeSessionToken(facadeBase: string, account: Account): Promise<string> {
  const start = await fetch(new URL('/auth/login', facadeBase), { redirect: 'manual' });
  await start.arrayBuffer();
  const cookies = cookiesOf(start);
  const callback = await consent(redirectOf(start, 'facade /auth/login'), account);
  const res = await fetch(new URL(callback, facadeBase), {
    redirect: 'manual',
    headers: { accept: 'application/json', cookie: cookies.join('; ') },
  });
  const text = await res.text();
  let body: { token?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // reported below
  }
  if (res.status !== 200 || !body.token) {
    throw new Error(`facade /auth/callback answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
  return body.token;
}

/**
 * A ct-graphql API token (`ctg_…`) through device sign-in over HTTP: the device starts, the person
 * confirms the code on /device and consents at CT, then the device's first poll gets the token
 * (polled once, after the person is done, so the interval never makes it wait).
 */
export async function facadeApiToken(facadeBase: string, account: Account, name: string): Promise<string> {
  const started = await fetch(new URL('/auth/device', facadeBase), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name, scope: 'write' }),
  });
  const device = (await started.json()) as { device_code?: string; verification_uri_complete?: string };
  if (!started.ok || !device.device_code || !device.verification_uri_complete) {
    throw new Error(`facade /auth/device answered HTTP ${started.status}`);
  }
  // The person: the /device page (its form carries a CSRF value that its cookie must match) ...
  const page = await fetch(device.verification_uri_complete);
  const { fields } = readForm(await page.text());
  const confirmed = await fetch(new URL('/device', facadeBase), {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookiesOf(page).join('; '),
      origin: new URL(facadeBase).origin,
    },
    body: new URLSearchParams(fields),
  });
  await confirmed.arrayBuffer();
  // ... CT's consent, and back to the facade's callback with the sign-in's state cookie.
  const callback = await consent(redirectOf(confirmed, 'facade /device'), account);
  const end = await fetch(new URL(callback, facadeBase), { redirect: 'manual', headers: { cookie: cookiesOf(confirmed).join('; ') } });
  const endPage = await end.text();
  if (end.status !== 200) throw new Error(`facade /auth/callback (device) answered HTTP ${end.status}: ${endPage.slice(0, 200)}`);
  const polled = await fetch(new URL('/auth/token', facadeBase), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code }),
  });
  const token = (await polled.json()) as { access_token?: string; error?: string };
  if (!polled.ok || !token.access_token) throw new Error(`facade /auth/token answered HTTP ${polled.status}: ${token.error ?? 'no token'}`);
  return token.access_token;
}
