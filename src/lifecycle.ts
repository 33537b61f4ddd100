/**
 * The app's lifecycle: whether it is draining (shutting down), and the hooks that run when the
 * drain starts and when the app closes. Anything long-lived that the app owns registers here, so
 * `app.close()` releases all of it and server.ts needs to know none of it:
 * - `onDrain`: for work that would otherwise outlive the drain, e.g. a stream of server-sent
 *   events, which must end (with a final event) for its request to finish within the grace period;
 * - `onClose`: for connections and handles (Redis, a store), released after the last request.
 * Knows nothing of HTTP servers or signals (server.ts owns those).
 */

type Hook = () => void | Promise<void>;

export interface Lifecycle {
  /** True from drain() on: /readyz answers 503 so load balancers stop sending traffic. */
  readonly draining: boolean;
  /** Runs `hook` when the drain starts, or at once when it already has. */
  onDrain(hook: Hook): void;
  /** Runs `hook` on close(), in reverse order of registration (last opened, first closed). */
  onClose(hook: Hook): void;
  /** Marks the app draining and runs the drain hooks; idempotent. */
  drain(): Promise<void>;
  /** Drains if not yet draining, then runs the close hooks once; later calls share the first. */
  close(): Promise<void>;
}

/**
 * Runs every hook even when one fails: a failing hook must not leave the next resource open.
 * The first failure is reported after all hooks have run.
 */
async function runAll(hooks: readonly Hook[]): Promise<void> {
  const results = await Promise.allSettled(hooks.map(async (hook) => hook()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export function createLifecycle(): Lifecycle {
  let draining = false;
  let drained: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  const drainHooks: Hook[] = [];
  const closeHooks: Hook[] = [];

  const lifecycle: Lifecycle = {
    get draining() {
      return draining;
    },
    onDrain(hook) {
      // Registered mid-drain (a stream opened on a connection still open): it ends at once. Its
      // failure has no drain() caller left to report to, and must not crash the shutdown.
      if (draining)
        void Promise.resolve()
          .then(hook)
          .catch(() => {});
      else drainHooks.push(hook);
    },
    onClose(hook) {
      closeHooks.push(hook);
    },
    drain() {
      draining = true;
      drained ??= runAll(drainHooks.splice(0));
      return drained;
    },
    close() {
      closed ??= (async () => {
        // A failed drain hook must not keep the connections open.
        await lifecycle.drain().catch(() => {});
        // Sequentially, newest first: a resource opened later may depend on one opened earlier.
        const failures: unknown[] = [];
        for (const hook of closeHooks.splice(0).reverse()) {
          try {
            await hook();
          } catch (error) {
            failures.push(error);
          }
        }
        if (failures.length > 0) throw failures[0];
      })();
      return closed;
    },
  };
  return lifecycle;
}
