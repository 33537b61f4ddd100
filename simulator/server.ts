// `npm run simulator`: serves createSimulator() on SIMULATOR_PORT (default 4010) with node:http and
// prints the authorize URL, the demo credentials and the getting-started curl steps.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSimulator, DEMO, SimulatedNetworkError } from './app.js';

const port = Number(process.env.SIMULATOR_PORT ?? 4010);
const host = process.env.SIMULATOR_HOST ?? '127.0.0.1';
const sim = createSimulator();

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
    else if (v !== undefined) headers.set(k, v);
  }
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' || chunks.length === 0 ? undefined : Buffer.concat(chunks);
  return new Request(new URL(req.url ?? '/', origin), { method, headers, body });
}

async function handle(req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
  try {
    const response = await sim.fetch(await toRequest(req, origin));
    res.statusCode = response.status;
    response.headers.forEach((value, key) => res.setHeader(key, value));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (e) {
    // an injected "drop" fault: cut the connection like a network failure would
    if (e instanceof SimulatedNetworkError) { req.socket.destroy(); return; }
    console.error('[ct-simulator]', e);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"message":"Internal Server Error"}');
  }
}

const origin = `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;
const server = createServer((req, res) => { void handle(req, res, origin); });
server.listen(port, host, () => {
  const authorize = new URL('/oauth/authorize', origin);
  authorize.search = new URLSearchParams({ client_id: DEMO.clientId, redirect_uri: DEMO.redirectUri, response_type: 'code', state: 'xyz' }).toString();
  console.log(`CT simulator listening on ${origin}  (REST ${origin}/api/v1, OAuth ${origin}/oauth, control ${origin}/__sim)

Demo app   client_id     ${DEMO.clientId}
           client_secret ${DEMO.clientSecret}
           redirect_uri  ${DEMO.redirectUri}
Accounts   ${DEMO.username} / ${DEMO.password}    ${DEMO.otherUsername} / ${DEMO.otherPassword}

1. Authorize (open in a browser and press Authorize; the code is in the redirect URL):
   ${authorize.toString()}
   or without a browser:
   curl -si -X POST ${origin}/oauth/authorize -d client_id=${DEMO.clientId} \\
     --data-urlencode redirect_uri=${DEMO.redirectUri} -d response_type=code -d state=xyz \\
     -d username=${DEMO.username} -d password=${DEMO.password} | grep -i '^location'
2. Exchange the code:
   curl -F grant_type=authorization_code -F client_id=${DEMO.clientId} \\
     -F client_secret=${DEMO.clientSecret} -F code=CODE -F redirect_uri=${DEMO.redirectUri} ${origin}/oauth/token
3. List locations:
   curl -H 'Authorization: Bearer ACCESS_TOKEN' ${origin}/api/v1/locations
4. Refresh:
   curl -F grant_type=refresh_token -F client_id=${DEMO.clientId} \\
     -F client_secret=${DEMO.clientSecret} -F refresh_token=REFRESH_TOKEN ${origin}/oauth/token
`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));
