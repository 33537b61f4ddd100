/**
 * The store as the app holds it: nothing is opened or even loaded until the first `get()` (an API
 * token, a device sign-in), so a facade that only serves browser sessions never creates a file,
 * connects to PostgreSQL or loads a database driver. Concurrent first callers share one opening;
 * a failed opening is forgotten, so the next caller tries again.
 */
import type { StoreSettings } from './open.js';
import type { Store } from './types.js';

export interface LazyStore {
  get(): Promise<Store>;
  /** True once an opening has started. */
  readonly opened: boolean;
  /** Closes the store if it was opened; waits for an opening in progress. */
  close(): Promise<void>;
}

export function createLazyStore(settings: StoreSettings, o: { onOpen?: (store: Store, ms: number) => void } = {}): LazyStore {
  let opening: Promise<Store> | null = null;
  return {
    get() {
      if (opening === null) {
        const started = performance.now();
        const attempt = import('./open.js').then((m) => m.openStore(settings));
        opening = attempt;
        attempt.then(
          (store) => o.onOpen?.(store, performance.now() - started),
          () => {
            if (opening === attempt) opening = null;
          },
        );
      }
      return opening;
    },
    get opened() {
      return opening !== null;
    },
    async close() {
      const current = opening;
      opening = null;
      if (current === null) return;
      const store = await current.catch(() => null);
      await store?.close();
    },
  };
}
