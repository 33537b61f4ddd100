// The "limit" line of `npm run bench`: the least any server can do for the two throughput
// scenarios. A bare node:http server that reads the request body, makes the same CT call
// ct-graphql makes (one keep-alive GET with the caller's CT bearer token), parses CT's JSON and
// writes the answer ct-graphql writes. No GraphQL, no session, no checks: it only knows the two
// operations by name. ct-graphql's distance from it is the price of everything it does besides
// HTTP and CT's payload. Plain JavaScript, run by node itself, so no loader is charged to it.
//
//   node bench/lib/limit-server.mjs PORT CT_API_URL
import { Agent, createServer, request } from 'node:http';

const [port, apiUrl] = process.argv.slice(2);
if (!port || !apiUrl) throw new Error('usage: node bench/lib/limit-server.mjs PORT CT_API_URL');
const api = new URL(apiUrl);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** GET `path` under the CT API with `authorization`; resolves to the parsed JSON. */
function ctGet(path, authorization) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: api.hostname, port: api.port, path: `${api.pathname}${path}`, agent, headers: { authorization, accept: 'application/json' } },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          try {
            if (res.statusCode !== 200) throw new Error(`CT answered ${res.statusCode}`);
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const globalId = (type, key) => Buffer.from(`${type}:${key}`).toString('base64url');

/** The two throughput scenarios of bench/lib/scenarios.ts, by operation name. */
const OPERATIONS = {
  async Flat(_variables, authorization) {
    const list = await ctGet('/locations?page=1&per=25', authorization);
    const nodes = list.locations.map((l) => ({
      id: globalId('Location', l.slug),
      slug: l.slug,
      name: l.location_name,
      town: l.town ?? null,
      country: l.country ?? null,
    }));
    return { locations: { totalCount: list._links.total_entries, nodes } };
  },
  async Same(variables, authorization) {
    const l = await ctGet(`/locations/${encodeURIComponent(variables.slug)}`, authorization);
    return {
      a: { name: l.location_name },
      b: { name: l.location_name, town: l.town ?? null },
      c: { slug: l.slug, boxesCount: l.boxes_count ?? null },
      d: { id: globalId('Location', l.slug), timezone: l.timezone ?? null },
    };
  },
};

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { ok: true });
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const name = /^\s*query\s+(\w+)/.exec(query)?.[1];
      const operation = name && OPERATIONS[name];
      if (!operation) return send(res, 400, { errors: [{ message: `the limit server only knows ${Object.keys(OPERATIONS).join(', ')}` }] });
      send(res, 200, { data: await operation(variables ?? {}, req.headers.authorization ?? '') });
    } catch (error) {
      send(res, 502, { errors: [{ message: String(error) }] });
    }
  });
}).listen(Number(port), '127.0.0.1');

// A clean exit on SIGTERM, so `--cpu-prof` (BENCH_CPU_PROF=1) gets to write its profile.
process.on('SIGTERM', () => process.exit(0));
