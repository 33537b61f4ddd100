/**
 * A facade on a real loopback port for tests that run the `ct-graphql` command or an installed
 * client as a separate process: the app over the in-process simulator (as test/harness.ts makes
 * it, with PUBLIC_URL set to the port), served by server.ts's `listen`, with a device sign-in
 * interval of 1 s so a login waits one second, not five.
 */
import type { Server } from 'node:http';
import { createSimulator, type Simulator } from '../../simulator/app.js';
import type { App } from '../../src/app.js';
import { listen } from '../../src/server.js';
import { disposeApp } from '../api-tokens.js';
import { createAppOver } from '../harness.js';
import { freePort } from '../net.js';

export interface FacadeOnPort {
  sim: Simulator;
  app: App;
  /** Every line the facade logged. */
  logs: string[];
  /** http://127.0.0.1:<port>, also its PUBLIC_URL. */
  base: string;
  close(): Promise<void>;
}

export async function startFacadeOnPort(env: Record<string, string> = {}): Promise<FacadeOnPort> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const sim = createSimulator({ redirectUris: [`${base}/auth/callback`] });
  const { app, logs, config } = createAppOver(sim, { PUBLIC_URL: base, DEVICE_POLL_INTERVAL_S: '1', ...env });
  let server: Server;
  try {
    server = (await listen((request) => app.fetch(request), port, '127.0.0.1')).server;
  } catch (error) {
    await disposeApp(app, config.dataDir);
    throw error;
  }
  return {
    sim,
    app,
    logs,
    base,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await disposeApp(app, config.dataDir);
    },
  };
}
