/**
 * The pino logger. Redaction is a second line of defence: call sites never pass tokens,
 * cookies, codes or secrets, and these paths are censored if one slips through anyway.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'code',
  'state',
  'secret',
  'clientSecret',
  'client_secret',
  'cookie',
  'authorization',
  'password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.code',
  '*.secret',
  '*.cookie',
  '*.authorization',
  '*.password',
  'headers.cookie',
  'headers.authorization',
  'req.headers.cookie',
  'req.headers.authorization',
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    { level: options.level ?? 'info', redact: { paths: REDACT, censor: '[redacted]' }, base: undefined },
    // Asynchronous, buffered stdout: lines go out together once 4 KB wait, or every 250 ms. One
    // write per line (each a copy into a request for libuv) was up to 11 % of a request's CPU in
    // the benchmark's profile, and 1 % this way (bench/README.md). pino flushes the buffer when the
    // process exits; a process killed outright loses at most the last 250 ms of lines.
    options.destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 }),
  );
}
