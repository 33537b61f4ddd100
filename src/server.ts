/**
 * The only module that listens. Reads the environment, starts the bundled CT simulator
 * in-process when no CT_API_URL is set, and serves the facade over node:http.
 */
import { createServer, type Server } from 'node:http';
import { createServerAdapter } from '@whatwg-node/server';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createSimulator, DEMO } from '../simulator/app.js';
import { serveSimulator } from '../simulator/serve.js';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';

type FetchHandler = (request: Request) => Promise<Response>;

export function listen(handler: FetchHandler, port: number, host: string): Promise<{ server: Server; url: string }> {
  // @whatwg-node/server builds its light Request from node's request lazily and writes the
  // Response without web-stream copies; undici's Request cost more per call than our own code.
  const server = createServer(createServerAdapter(handler));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}` });
    });
  });
}

export async function main(env: Record<string, string | undefined> = process.env): Promise<{ close(): Promise<void>; url: string }> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`ct-graphql: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const closers: Array<() => Promise<void>> = [];
  const banner: string[] = [];

  if (!config.ctApiUrl) {
    // No CT configured: run the bundled simulator beside the facade so `npm start` just works.
    const sim = createSimulator({ redirectUris: [`${config.publicUrl}/auth/callback`] });
    const simServer = await serveSimulator(sim, { port: 0, host: '127.0.0.1' });
    closers.push(() => new Promise((r) => simServer.server.close(() => r())));
    config = {
      ...config,
      ctApiUrl: `${simServer.url}/api/v1`,
      ctOauthUrl: config.ctOauthUrl ?? simServer.url,
      clientId: config.clientId ?? DEMO.clientId,
      clientSecret: config.clientSecret ?? DEMO.clientSecret,
    };
    banner.push(`CT simulator:  ${simServer.url} (demo data; no CT_API_URL set)`, `demo sign-in:  ${DEMO.username} / ${DEMO.password}`);
  } else if (!config.ctOauthUrl || !config.clientId || !config.clientSecret) {
    console.error('ct-graphql: with CT_API_URL set, CT_OAUTH_URL, CT_CLIENT_ID and CT_CLIENT_SECRET are required too.');
    process.exit(1);
  }
  if (config.sessionSecretGenerated) {
    logger.warn('SESSION_SECRET is not set: using a random key for this process; sessions end when it restarts.');
  }

  const app = createApp({ config, logger });
  const facade = await listen((request) => app.fetch(request), config.port, config.host);
  closers.push(() => new Promise((r) => facade.server.close(() => r())));
  // Runs first (closers run in reverse): the app ends its subscription streams, which the listener would wait for forever.
  closers.push(() => app.close());
  // A banner for the person who ran `npm start`, not a log line.
  console.log(
    [
      '',
      `ct-graphql listening on ${facade.url}`,
      `playground:    ${config.publicUrl}/graphql`,
      `sign in:       ${config.publicUrl}/auth/login?redirect=/graphql`,
      ...banner,
      '',
    ].join('\n'),
  );
  return {
    url: facade.url,
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const running = await main();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void running.close().then(() => process.exit(0)));
  }
}
