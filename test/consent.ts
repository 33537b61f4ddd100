/**
 * Plays the browser on the simulator's OAuth consent page: loads it, submits its form the way a
 * browser would (every input with a name and a value, the submit button pressed included) and
 * returns the redirect CT answers with. The first submit button is pressed unless `press` names
 * the value of another (`deny`).
 */
type Fetch = (request: Request) => Promise<Response>;

function attr(tag: string, name: string): string | undefined {
  const match = new RegExp(`${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return match ? decodeEntities(match[2] ?? match[3] ?? '') : undefined;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x2F;|&#47;/g, '/');
}

export async function submitConsent(ctFetch: Fetch, authorizeUrl: string, press?: string): Promise<string> {
  const page = await ctFetch(new Request(authorizeUrl));
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  const html = await page.text();
  const formTag = /<form\b[^>]*>/i.exec(html)?.[0];
  if (!formTag) throw new Error('no form on the consent page');
  const action = new URL(attr(formTag, 'action') ?? authorizeUrl, authorizeUrl);
  const body = new URLSearchParams();
  for (const tag of html.match(/<(input|button)\b[^>]*>/gi) ?? []) {
    const name = attr(tag, 'name');
    const type = (attr(tag, 'type') ?? '').toLowerCase();
    if (!name) continue;
    if (/^<button/i.test(tag) && type !== 'submit' && type !== '') continue;
    if (/^<button/i.test(tag) && press !== undefined && attr(tag, 'value') !== press) continue;
    if (/^<button/i.test(tag) && body.has(name)) continue;
    body.append(name, attr(tag, 'value') ?? '');
  }
  const answer = await ctFetch(
    new Request(action, {
      method: (attr(formTag, 'method') ?? 'post').toUpperCase(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      redirect: 'manual',
    }),
  );
  const location = answer.headers.get('location');
  if (answer.status !== 302 || !location) throw new Error(`consent answered ${answer.status}`);
  return location;
}
