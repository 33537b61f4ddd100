// `npm run simulator`: serves createSimulator() on SIMULATOR_PORT (default 4010) with node:http and
// prints the environment that points a facade at it, the authorize URL, the demo credentials and the
// getting-started curl steps. Its demo app accepts a facade's callback on any loopback port.

import { createSimulator, DEMO } from './app.js';
import { serveSimulator } from './serve.js';

const port = Number(process.env.SIMULATOR_PORT ?? 4010);
const host = process.env.SIMULATOR_HOST ?? '127.0.0.1';
// Any local facade (PUBLIC_URL http://localhost:<port>, the default) signs in without registering its port.
const sim = createSimulator({ loopbackCallbacks: true });

const { server, url: origin } = await serveSimulator(sim, { port, host });
const authorize = new URL('/oauth/authorize', origin);
authorize.search = new URLSearchParams({
  client_id: DEMO.clientId,
  redirect_uri: DEMO.redirectUri,
  response_type: 'code',
  state: 'xyz',
}).toString();
console.log(`CT simulator listening on ${origin}  (REST ${origin}/api/v1, OAuth ${origin}/oauth, control ${origin}/__sim)

Point a facade at it (the demo app accepts http://localhost:<any port>/auth/callback, and on 127.0.0.1 or [::1]):
   CT_API_URL=${origin}/api/v1 \\
   CT_OAUTH_URL=${origin} \\
   CT_CLIENT_ID=${DEMO.clientId} \\
   CT_CLIENT_SECRET=${DEMO.clientSecret} \\
   npm start

Demo app   client_id     ${DEMO.clientId}
           client_secret ${DEMO.clientSecret}
           redirect_uri  ${DEMO.redirectUri} (and /auth/callback on any loopback port)
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

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));
