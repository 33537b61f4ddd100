/**
 * A real redis-server for the live tests, on a free loopback port, without persistence; skipped
 * (with a warning) where the binary is absent, like the shared refresher's tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from '../net.js';

export const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasRedis) console.warn('live Redis tests SKIPPED: no redis-server binary on PATH (apt-get install redis-server)');

export async function startRedis(): Promise<{ child: ChildProcess; url: string; port: number }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += String(chunk);
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${out}`));
    });
  });
  return { child, url: `redis://127.0.0.1:${port}`, port };
}
