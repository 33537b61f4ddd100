/**
 * The progress bar of the task commands (cli-progress), on stderr, only for a person at a terminal
 * (stdout and stderr both terminals, no --json), and only once the work has lasted a second: a
 * quick command prints its result and nothing else, and a bar never mixes with JSON lines.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  setTotal(total: number): void;
  update(value: number, payload?: Record<string, string>): void;
  increment(by: number): void;
  /** Removes the bar (if it was shown) so that what follows starts on a clean line. */
  stop(): void;
}

export interface ProgressOptions {
  /** False: a bar that never shows (JSON lines, a pipe). */
  show: boolean;
  total: number;
  /** cli-progress format; `{phase}` and the other payload keys come from `payload` and `update`. */
  format: string;
  payload?: Record<string, string>;
  /** How long the work may last before the bar appears. */
  delayMs?: number;
}

/** Whether a bar may show: a person watches both streams, and stdout carries a table, not JSON. */
export function canShowProgress(jsonLines: boolean): boolean {
  return !jsonLines && Boolean(process.stdout.isTTY) && Boolean(process.stderr.isTTY);
}

export function startProgress(options: ProgressOptions): Progress {
  let total = options.total;
  let value = 0;
  let payload = { ...options.payload };
  let bar: cliProgress.SingleBar | null = null;
  let timer: NodeJS.Timeout | null = null;
  if (options.show) {
    timer = setTimeout(() => {
      timer = null;
      bar = new cliProgress.SingleBar(
        // The cursor stays visible: a Ctrl-C would otherwise leave the terminal without one.
        { stream: process.stderr, format: options.format, hideCursor: false, clearOnComplete: true, barsize: 30 },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, value, payload);
    }, options.delayMs ?? 1000);
    // The bar never keeps the process alive by itself.
    timer.unref();
  }
  return {
    setTotal(next) {
      total = next;
      bar?.setTotal(next);
    },
    update(next, more) {
      value = next;
      if (more) payload = { ...payload, ...more };
      bar?.update(next, payload);
    },
    increment(by) {
      value += by;
      bar?.update(value, payload);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      bar?.stop();
      bar = null;
    },
  };
}
