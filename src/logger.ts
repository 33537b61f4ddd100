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
    // Asynchronous stdout: under load, lines written while a write is in flight go out together
    // instead of one write(2) per request. pino flushes it when the process exits.
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
