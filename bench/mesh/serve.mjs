// Serves the composed supergraph (.work/supergraph.graphql) with the Hive gateway runtime on
// node:http: the route the Mesh docs give for embedding, one process, one worker.
// Usage: node serve.mjs <supergraph path> <port>; prints "ready <port>" once listening.
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';

const [supergraph = '.work/supergraph.graphql', portArg = '0'] = process.argv.slice(2);

const gateway = createGatewayRuntime({
  supergraph,
  logging: process.env['MESH_LOG_LEVEL'] ?? 'warn',
});

const server = createServer(gateway);
server.listen(Number(portArg), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`ready ${typeof address === 'object' && address ? address.port : portArg}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close();
    void gateway.dispose().finally(() => process.exit(0));
  });
}
