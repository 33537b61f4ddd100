// Serves a simulator over node:http: used by `npm run simulator`, by `npm start` for the embedded
// simulator, and by tests that need CT on a real socket. A "drop" fault cuts the connection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedNetworkError, type Simulator } from './app.js';

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

async function handle(sim: Simulator, req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
  try {
    const response = await sim.fetch(await toRequest(req, origin));
    res.statusCode = response.status;
    response.headers.forEach((value, key) => res.setHeader(key, value));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (e) {
    // an injected "drop" fault: cut the connection like a network failure would
    if (e instanceof SimulatedNetworkError) {
      req.socket.destroy();
      return;
    }
    console.error('[ct-simulator]', e);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end('{"message":"Internal Server Error"}');
  }
}

/** Listens on host:port (0 = a free port) and resolves with the server and its base URL. */
export function serveSimulator(sim: Simulator, o: { port: number; host: string }): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    let origin = '';
    const server = createServer((req, res) => {
      void handle(sim, req, res, origin);
    });
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const { port } = server.address() as AddressInfo;
      origin = `http://${o.host === '0.0.0.0' ? 'localhost' : o.host}:${port}`;
      resolve({ server, url: origin });
    });
  });
}
