// The facade as `npm start` runs it (src/server.ts main), for bench/live.ts, plus one IPC hook: on
// { type: 'memory' } it collects garbage and answers process.memoryUsage(), so the benchmark can
// read the heap of an idle server without its own clients in the same process. Run it with
// --expose-gc.
import { main } from '../../src/server.js';

const running = await main();
const collect = (globalThis as { gc?: () => void }).gc;

process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'memory') return;
  collect?.();
  collect?.();
  process.send?.({ type: 'memory', usage: process.memoryUsage() });
});
process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
