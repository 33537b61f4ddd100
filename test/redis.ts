/**
 * A real redis-server for the tests of what REDIS_URL shares between instances (the refresh
 * single flight, the CT-call budget, the live pollers' lease): started on a free loopback port,
 * nothing saved to disk.
 * `hasRedis` is false when the binary is absent; those tests then skip and say so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './net.js';

export const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

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
