/**
 * The only module that listens. Reads the environment, starts the bundled CT simulator
 * in-process when no CT_API_URL is set, serves the facade over node:http, and shuts down
 * gracefully on SIGTERM/SIGINT: /readyz turns 503, no new connections, requests in flight finish
 * (up to SHUTDOWN_GRACE_MS), then everything the app holds is closed; a second signal exits at once.
 */
import { createServer, type Server } from 'node:http';
import { createServerAdapter } from '@whatwg-node/server';
import type { AddressInfo } from 'node:net';
import { constants } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createSimulator, DEMO } from '../simulator/app.js';
import { serveSimulator } from '../simulator/serve.js';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createHttpDrainer, type DrainResult } from './http-drain.js';
import { createLogger, type Logger } from './logger.js';

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

export interface Running {
  url: string;
  logger: Logger;
  /**
   * The graceful shutdown: the app drains (/readyz 503), the listener closes, requests in flight
   * finish (up to SHUTDOWN_GRACE_MS; later ones are cut and counted), then the app and the
   * embedded simulator close. Later calls share the first. `signal`: what asked for it, for the log.
   */
  close(signal?: NodeJS.Signals): Promise<DrainResult>;
}

export async function main(env: Record<string, string | undefined> = process.env): Promise<Running> {
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
    closers.push(
      () =>
        new Promise((r) => {
          simServer.server.close(() => r());
          // The facade's requests are done (or were cut): a CT call left is no one's to wait for.
          simServer.server.closeAllConnections();
        }),
    );
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

  let app: ReturnType<typeof createApp>;
  try {
    app = createApp({ config, logger });
  } catch (error) {
    // A file the configuration names (PERSISTED_OPERATIONS_FILE) is read here: same exit as a bad variable.
    if (!(error instanceof ConfigError)) throw error;
    console.error(`ct-graphql: ${error.message}`);
    process.exit(1);
  }
  closers.push(() => app.close());
  const facade = await listen((request) => app.fetch(request), config.port, config.host);
  const drainer = createHttpDrainer(facade.server);
  // A banner for the person who ran `npm start`, not a log line. The PUBLIC_URL links come first:
  // sign-in only works on that origin, and the bind address (often 127.0.0.1) is not it.
  console.log(
    [
      '',
      `playground:    ${config.publicUrl}/graphql`,
      `sign in:       ${config.publicUrl}/auth/login?redirect=/graphql`,
      `ct-graphql listening on ${facade.url} (bind address; open the links above)`,
      ...banner,
      '',
    ].join('\n'),
  );
  let closing: Promise<DrainResult> | undefined;
  return {
    url: facade.url,
    logger,
    close(signal) {
      closing ??= (async () => {
        const started = performance.now();
        // Readiness first, synchronously, so the instance leaves the load balancer at once.
        const appDrained = app.drain();
        const result = drainer.drain(config.shutdownGraceMs);
        logger.info({ signal, graceMs: config.shutdownGraceMs, inFlight: drainer.inFlight() }, 'shutting down: draining');
        await appDrained.catch((error: unknown) => logger.warn({ err: errorSummary(error) }, 'a drain hook failed'));
        const { cut } = await result;
        if (cut > 0) logger.warn({ cut, graceMs: config.shutdownGraceMs }, 'grace period over: requests in flight were cut');
        for (const close of closers.reverse()) await close();
        logger.info({ cut, durationMs: Math.round(performance.now() - started) }, 'shut down');
        return { cut };
      })();
      return closing;
    },
  };
}

function errorSummary(error: unknown): { name: string; message: string } | string {
  return error instanceof Error ? { name: error.name, message: error.message } : String(error);
}

/**
 * Signals this close together are one: Ctrl-C under `npm start` reaches node twice (from the
 * terminal, to the whole process group, and forwarded by npm), and so does systemd's SIGTERM to
 * every process of a unit. Either would otherwise turn a graceful shutdown into an abrupt one.
 */
export const SAME_SIGNAL_MS = 500;

/**
 * SIGTERM/SIGINT: the graceful shutdown, then exit 0 (1 when requests had to be cut at the end of
 * the grace period, or closing failed). A second signal (SAME_SIGNAL_MS or more after the first)
 * exits at once with 128 + its number (130 for SIGINT, 143 for SIGTERM), as a shell reports a
 * process killed by it.
 */
export function exitOnSignals(running: Running): void {
  let firstAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (firstAt !== undefined) {
        if (performance.now() - firstAt < SAME_SIGNAL_MS) return;
        running.logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(128 + constants.signals[signal]);
      }
      firstAt = performance.now();
      // The log goes out asynchronously: flush it, or the last lines could land out of order
      // (a stuck stdout gets a second, not forever).
      const exit = (code: number) => {
        setTimeout(() => process.exit(code), 1_000).unref();
        running.logger.flush(() => process.exit(code));
      };
      running.close(signal).then(
        ({ cut }) => exit(cut > 0 ? 1 : 0),
        (error: unknown) => {
          running.logger.error({ err: errorSummary(error) }, 'shutdown failed');
          exit(1);
        },
      );
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  exitOnSignals(await main());
}
