/** The environment contract of DESIGN.md: defaults, validation and the production guard. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('defaults to the simulator and a generated session key outside production', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.publicUrl).toBe('http://localhost:4000');
    expect(config.ctApiUrl).toBeUndefined();
    expect(config.sessionSecretGenerated).toBe(true);
    expect(config.sessionMaxAgeSeconds).toBe(30 * 24 * 3600);
    expect(config.corsOrigins).toEqual([]);
  });

  it('takes several comma-separated secrets and refuses short ones', () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(40);
    expect(loadConfig({ SESSION_SECRET: `${a}, ${b}` }).sessionSecrets).toEqual([a, b]);
    expect(() => loadConfig({ SESSION_SECRET: 'short' })).toThrow(ConfigError);
  });

  it('refuses bad numbers and URLs with the variable name', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ CT_API_URL: 'not a url' })).toThrow(/CT_API_URL/);
  });

  it('takes DATABASE_URL (postgres only, never echoed when refused) and DATA_DIR with its default', () => {
    expect(loadConfig({}).databaseUrl).toBeUndefined();
    expect(loadConfig({}).dataDir).toBe('./data');
    expect(loadConfig({ DATA_DIR: '/var/lib/ct-graphql' }).dataDir).toBe('/var/lib/ct-graphql');
    const url = 'postgres://app:s3cret-pw@db.internal:5432/ct';
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    for (const bad of ['mysql://app:s3cret-pw@db/ct', 'postgres://', 'not a url s3cret-pw']) {
      let message = '';
      try {
        loadConfig({ DATABASE_URL: bad });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/DATABASE_URL/);
      expect(message).not.toContain('s3cret-pw');
    }
  });

  it('takes DEVICE_POLL_INTERVAL_S (default 5, at least 1) for the device sign-in interval', () => {
    expect(loadConfig({}).devicePollIntervalSeconds).toBe(5);
    expect(loadConfig({ DEVICE_POLL_INTERVAL_S: '1' }).devicePollIntervalSeconds).toBe(1);
    expect(() => loadConfig({ DEVICE_POLL_INTERVAL_S: '0' })).toThrow(/DEVICE_POLL_INTERVAL_S/);
  });

  it('refuses production without SESSION_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET is required/);
  });

  it('refuses production without CT_API_URL instead of serving the demo simulator', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32) })).toThrow(/CT_API_URL is required/);
    expect(
      loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32), CT_API_URL: 'https://api.ctapp.io/api/v1' }).production,
    ).toBe(true);
  });

  it('npm start refuses to start in production without SESSION_SECRET, with a clear message', () => {
    const env = { ...process.env, NODE_ENV: 'production', PORT: '0' } as Record<string, string | undefined>;
    delete env.SESSION_SECRET;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/SESSION_SECRET is required when NODE_ENV=production/);
  });
});
