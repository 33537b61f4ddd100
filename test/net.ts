/**
 * Loopback networking for the tests that open real sockets (the e2e smoke test, the browser
 * playground test, the redis-server the shared refresher tests start) and for the benchmark's
 * child processes: a free TCP port. The one copy; bench/ imports it from here.
 */
import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago: listen on port 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
