// One subscriber's stream: values pushed by the registry are buffered until the consumer (graphql's
// subscribe, then yoga's SSE writer) pulls them; `end` lets the buffered values out, then finishes.
// The consumer leaving (`return()`: the client went away, or the stream was ended) calls `onClose`
// once, which is where the registry forgets the subscriber. It never throws into the consumer:
// an error is a value (graphql's subscribe would turn a thrown error into a broken stream, not a
// coded event).

export interface LiveQueue<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
  /** No more values: the consumer gets what is buffered, then `done`. */
  end(): void;
  readonly ended: boolean;
}

/** Values a slow consumer may have waiting; past this the oldest are dropped (a box's newer change supersedes them). */
const MAX_BUFFERED = 1_000;

export function createQueue<T>(onClose: () => void): LiveQueue<T> {
  const buffer: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | null = null;
  let ended = false;
  let closed = false;

  function close(): void {
    if (closed) return;
    closed = true;
    onClose();
  }

  function done(): IteratorResult<T> {
    return { done: true, value: undefined };
  }

  const queue: LiveQueue<T> = {
    get ended() {
      return ended;
    },
    push(value) {
      if (ended) return;
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve({ done: false, value });
        return;
      }
      buffer.push(value);
      if (buffer.length > MAX_BUFFERED) buffer.shift();
    },
    end() {
      if (ended) return;
      ended = true;
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        close();
        resolve(done());
      }
    },
    next() {
      if (buffer.length > 0) return Promise.resolve({ done: false, value: buffer.shift() as T });
      if (ended) {
        close();
        return Promise.resolve(done());
      }
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return() {
      ended = true;
      buffer.length = 0;
      close();
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve(done());
      }
      return Promise.resolve(done());
    },
    [Symbol.asyncIterator]() {
      return queue;
    },
  };
  return queue;
}
