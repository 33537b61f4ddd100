// An OTLP/HTTP receiver that takes every export and keeps nothing but a count, in a process of
// its own, so that a benchmark of the facade with tracing on counts the facade's span work and
// export (in its process) and not the collector's. The count shows that spans were exported,
// not dropped by a full batch queue.
import { freePort } from '../../test/net.js';
import { spawnServer } from './proc.js';

const SINK = `
const { createServer } = require('node:http');
let exports = 0;
let spans = 0;
createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    if (req.method === 'POST') {
      exports += 1;
      spans += body.split('"spanId"').length - 1;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  process.stdout.write(JSON.stringify({ exports, spans }) + '\\n', () => process.exit(0));
});
`;

export interface OtlpSink {
  url: string;
  pid: number;
  /** Stops it; what it received. */
  stop(): Promise<{ exports: number; spans: number }>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const spawned = await spawnServer({
    name: 'otlp-sink',
    command: process.execPath,
    args: ['-e', SINK],
    cwd: process.cwd(),
    env: { PORT: String(port) },
    readyUrl: `${url}/`,
  });
  return {
    url,
    pid: spawned.pid,
    async stop() {
      await spawned.stop();
      const line = spawned.output().trim().split('\n').at(-1) ?? '{}';
      return { exports: 0, spans: 0, ...JSON.parse(line) };
    },
  };
}
