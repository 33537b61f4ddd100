/**
 * The `ct-graphql` command as a real process against a facade on a real loopback port (the app
 * over the in-process simulator, served by server.ts's `listen`, polled at a 1 s device interval).
 * The test plays the person of `login`: it reads the URL and the code the command prints on
 * stderr, confirms them on /device and presses Authorize at the simulator, while the command
 * polls. Then every command with the stored token and with CT_GRAPHQL_TOKEN, revocation (the
 * token stops working, CT's grant is revoked at the simulator), sign-out, and the error cases: a
 * facade that is down, a revoked token, a GraphQL error (data on stdout, errors on stderr, exit 1).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, type Simulator } from '../../simulator/app.js';
import type { Store } from '../../simulator/store.js';
import type { App } from '../../src/app.js';
import { secretHash } from '../../src/auth/api-token-secret.js';
import { grantTokens, issueApiToken } from '../api-tokens.js';
import { signInDevice } from '../device.js';
import { childEnv, finished, ROOT, type Run, until } from '../e2e/processes.js';
import { CT_URL } from '../harness.js';
import { freePort } from '../net.js';
import { type FacadeOnPort, startFacadeOnPort } from './facade.js';

let facade: FacadeOnPort;
let sim: Simulator;
let app: App;
let logs: string[];
let base: string;
let configHome: string;

/** The command's environment: this facade, a config folder of its own, and no token unless given. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = childEnv({ CT_GRAPHQL_URL: base, XDG_CONFIG_HOME: configHome, ...extra });
  if (!('CT_GRAPHQL_TOKEN' in extra)) delete env.CT_GRAPHQL_TOKEN;
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return env;
}

/** The command from source (tsx), stdout and stderr as pipes: what a cron job or CI sees. */
function start(args: string[], extra: Record<string, string> = {}) {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: cliEnv(extra) });
}

function cli(args: string[], extra: Record<string, string> = {}, stdin?: string): Promise<Run> {
  return finished(start(args, extra), stdin);
}

/** Any command in the command's environment (`script`, for a terminal). */
function run(command: string, args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return finished(spawn(command, args, { cwd: ROOT, env: cliEnv(extra) }));
}

/**
 * Runs a command that signs in (login, tokens create) and plays the person: reads the URL and the
 * code it prints on stderr, then confirms them in a "browser" (the /device page over HTTP, the
 * consent at CT, the simulator) while the command polls.
 */
async function signInWithCommand(args: string[]): Promise<Run & { prompt: { verification: string; userCode: string; direct: string } }> {
  const child = start(args);
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let closed = false;
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve)).finally(() => {
    closed = true;
  });
  await until(() => closed || /or open \S+\n/.test(stderr));
  const [, verification, userCode] = /open (\S+) and enter the code (\S+)/.exec(stderr) ?? [];
  const direct = /or open (\S+)/.exec(stderr)?.[1];
  if (!verification || !userCode || !direct) throw new Error(`no sign-in prompt:\n${stderr}`);
  const page = await signInDevice({ fetch: (request) => fetch(request) }, sim, direct);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('You can close this window');
  const code = await exited;
  return { code, stdout, stderr, prompt: { verification, userCode, direct } };
}

/** `text` as a literal in a RegExp. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const hasScript = existsSync('/usr/bin/script');

/** The command on a pseudo-terminal (util-linux's `script`), as a person's shell runs it. */
function onTerminal(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  const command = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return run('/usr/bin/script', ['-qec', command, '/dev/null'], extra);
}

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

/** The GraphQL requests the facade has served: one log line each. */
const graphqlRequests = () => logs.filter((line) => line.includes('"path":"/graphql"')).length;

/** CT's writes since the last resetLog: what `codes disable` may make exactly one of. */
const ctWrites = () => sim.apiCalls().filter((call) => call.method !== 'GET');

/** The demo account's codes as the simulator holds them, each with its batch and location. */
function demoCodes() {
  const store = sim.store as Store;
  const demo = store.userByLogin(DEMO.username)!;
  return store.locations
    .filter((location) => location.user_id === demo.id)
    .flatMap((location) =>
      store.vouchers
        .filter((voucher) => voucher.location_id === Number(location.id))
        .flatMap((voucher) => (store.codes.get(voucher.unique_id) ?? []).map((code) => ({ code, voucher, location }))),
    );
}

const credentialsFile = () => join(configHome, 'ct-graphql', 'credentials.json');
const storedToken = (): string | undefined =>
  (JSON.parse(readFileSync(credentialsFile(), 'utf8')) as { facades: Record<string, { token: string }> }).facades[base]?.token;

/** A CT access token the grant behind `secret` holds now, read from the facade's store. */
async function ctAccessTokenOf(secret: string): Promise<string> {
  const found = await (await app.store.get()).apiTokens.findByHash(secretHash(secret));
  return (await grantTokens(app, found!.token.grantId))!.accessToken;
}

async function ctSays(accessToken: string): Promise<number> {
  return (await sim.fetch(new Request(`${CT_URL}/api/v1/me.json`, { headers: { authorization: `Bearer ${accessToken}` } }))).status;
}

beforeAll(async () => {
  facade = await startFacadeOnPort();
  ({ sim, app, logs, base } = facade);
  configHome = mkdtempSync(join(tmpdir(), 'ct-graphql-cli-'));
});

afterAll(async () => {
  await facade?.close();
  rmSync(configHome, { recursive: true, force: true });
});

describe('ct-graphql (the command)', () => {
  it('login: prints the URL and the code, the person confirms them, the API token is stored 0600', async () => {
    const first = await signInWithCommand(['login', '--no-browser']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`the write token "ct-graphql CLI on ${hostname()}" is saved`);
    const replaced = storedToken()!;

    const { code, stderr, prompt } = await signInWithCommand(['login', '--no-browser', '--name', 'laptop']);
    expect(prompt.verification).toBe(`${base}/device`);
    expect(prompt.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(prompt.direct).toBe(`${base}/device?user_code=${prompt.userCode}`);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`Signed in as demo; the write token "laptop" is saved in ${credentialsFile()}.`);
    expect(statSync(credentialsFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(configHome, 'ct-graphql')).mode & 0o777).toBe(0o700);
    expect(storedToken()).toMatch(/^ctg_/);
    // A second login replaces the stored token and revokes the one it replaces.
    expect(stderr).toContain(`The token "ct-graphql CLI on ${hostname()}" is revoked.`);
    expect((await cli(['whoami'], { CT_GRAPHQL_TOKEN: replaced })).code).toBe(1);
    // The command kept the interval it was given: never polled early.
    expect(logs.join('\n')).not.toContain('"result":"slow_down"');
  });

  it('whoami, tokens list (JSON lines off a terminal) and query with the stored token', async () => {
    const who = await cli(['whoami']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ username: 'demo', facade: base, token: 'stored' });

    const list = await cli(['tokens', 'list']);
    expect(list.code, list.stderr).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows).toEqual([expect.objectContaining({ name: 'laptop', scope: 'WRITE', needsSignIn: false, expiresAt: null })]);

    const query = await cli(['query', '{ viewer { username } }']);
    expect([query.code, query.stdout, query.stderr]).toEqual([0, '{"viewer":{"username":"demo"}}\n', '']);
  });

  it.skipIf(!hasScript)('on a terminal: tokens list is a table, query indents its JSON', async () => {
    const table = await onTerminal(['tokens', 'list']);
    expect(table.code, table.stdout).toBe(0);
    const lines = table.stdout.replace(/\r/g, '').trim().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +SCOPE +CREATED +LAST USED +EXPIRES +STATUS$/);
    expect(lines.find((line) => line.includes('laptop'))).toMatch(/ laptop +WRITE .* ok$/);
    const query = await onTerminal(['query', '{ viewer { username } }']);
    expect(query.stdout.replace(/\r/g, '')).toBe('{\n  "viewer": {\n    "username": "demo"\n  }\n}\n');
  });

  it('tokens create --name: a token for a job on stdout, nothing stored; --scope read and --expires-in hold', async () => {
    const before = readFileSync(credentialsFile(), 'utf8');
    const made = await signInWithCommand([
      'tokens',
      'create',
      '--name',
      'offline boxes',
      '--scope',
      'read',
      '--expires-in',
      '30d',
      '--no-browser',
    ]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^ctg_[0-9A-Za-z]{43}\n$/);
    expect(readFileSync(credentialsFile(), 'utf8')).toBe(before);
    const env = { CT_GRAPHQL_TOKEN: made.stdout.trim() };
    expect((await cli(['query', '{ viewer { username } }'], env)).stdout).toBe('{"viewer":{"username":"demo"}}\n');
    const write = await cli(['query', 'mutation { createLocation(input: { name: "x" }) { location { name } } }'], env);
    expect([write.code, write.stdout]).toEqual([1, '']);
    expect(write.stderr).toMatch(/^FORBIDDEN: /);
    const rows = (await cli(['tokens', 'list'])).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const row = rows.find((r) => r.name === 'offline boxes');
    expect(row).toMatchObject({ scope: 'READ', expiresAt: expect.any(String) });
    expect(Date.parse(row.expiresAt) - Date.parse(row.createdAt)).toBe(30 * 86_400_000);
  });

  it('query with CT_GRAPHQL_TOKEN, --var typed by the document, --variables, @file.graphql and @-', async () => {
    const job = await issueApiToken(app, sim, { name: 'nightly job' });
    const env = { CT_GRAPHQL_TOKEN: job.secret };
    const who = await cli(['whoami'], env);
    expect(JSON.parse(who.stdout)).toMatchObject({ username: 'demo', token: 'CT_GRAPHQL_TOKEN' });
    expect((await cli(['query', '{ viewer { username } }'], env)).stdout).toBe('{"viewer":{"username":"demo"}}\n');

    const first = JSON.parse((await cli(['query', '{ locations(first: 1) { nodes { slug name } } }'], env)).stdout);
    const { slug, name } = first.locations.nodes[0] as { slug: string; name: string };
    const file = join(configHome, 'location.graphql');
    writeFileSync(
      file,
      'query Where($slug: String!, $first: Int) { location(slug: $slug) { name boxes(first: $first) { nodes { slug } } } }',
    );
    const withVars = await cli(['query', `@${file}`, '--var', `slug=${slug}`, '--var', 'first=1'], env);
    expect(withVars.code, withVars.stderr).toBe(0);
    expect(JSON.parse(withVars.stdout).location).toMatchObject({ name, boxes: { nodes: [expect.any(Object)] } });

    // A String variable takes the text as typed even when it looks like JSON (GraphQL would refuse the number 123).
    const search = 'query ($search: String) { locations(first: 1, search: $search) { totalCount } }';
    const digits = await cli(['query', search, '--var', 'search=123'], env);
    expect([digits.code, digits.stderr]).toEqual([0, '']);

    const json = await cli(
      ['query', '@-', '--variables', JSON.stringify({ slug })],
      env,
      'query ($slug: String!) { location(slug: $slug) { name } }',
    );
    expect(JSON.parse(json.stdout)).toEqual({ location: { name } });
  });

  it('a GraphQL error: the data on stdout, the error on stderr, exit code 1', async () => {
    sim.control.addFault({ path: '/api/v1/locations', status: 500, times: 10 });
    try {
      const run = await cli(['query', '{ viewer { username } locations(first: 1) { totalCount } }']);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual({ viewer: { username: 'demo' }, locations: null });
      expect(run.stderr).toMatch(/^UPSTREAM_ERROR: .+ \(at locations\)\n$/);
    } finally {
      sim.control.clearFaults();
    }
    const invalid = await cli(['query', '{ viewer { nope } }']);
    expect([invalid.code, invalid.stdout]).toEqual([1, '']);
    expect(invalid.stderr).toBe('BAD_USER_INPUT: Cannot query field "nope" on type "Viewer".\n');
  });

  it('tokens revoke ID: the token stops working (exit 1 with advice) and CT shows its grant revoked', async () => {
    const job = await issueApiToken(app, sim, { name: 'doomed job' });
    const ctAccess = await ctAccessTokenOf(job.secret);
    expect(await ctSays(ctAccess)).toBe(200);
    const rows = (await cli(['tokens', 'list'])).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; name: string });
    const id = rows.find((row) => row.name === 'doomed job')!.id;

    const revoke = await cli(['tokens', 'revoke', id]);
    expect([revoke.code, revoke.stdout, revoke.stderr]).toEqual([0, `${JSON.stringify({ revoked: id })}\n`, '']);
    expect(await ctSays(ctAccess)).toBe(401);

    const env = { CT_GRAPHQL_TOKEN: job.secret };
    // `viewer` alone answers null without an error: the refusal is what says the token is gone.
    const viewer = await cli(['query', '{ viewer { username } }'], env);
    expect([viewer.code, viewer.stdout]).toEqual([1, '{"viewer":null}\n']);
    expect(viewer.stderr).toContain('the token in CT_GRAPHQL_TOKEN is revoked, expired or unknown to this facade');
    expect(viewer.stderr).toContain('ct-graphql login --name <job>');
    const data = await cli(['query', '{ locations(first: 1) { totalCount } }'], env);
    expect(data.code).toBe(1);
    expect(data.stderr).toMatch(/UNAUTHENTICATED/);
    for (const command of [['whoami'], ['tokens', 'list']]) {
      const run = await cli(command, env);
      expect([run.code, run.stdout]).toEqual([1, '']);
      expect(run.stderr).toMatch(/^ct-graphql: the token in CT_GRAPHQL_TOKEN is revoked/);
    }
    // Someone else's or an unknown id: NOT_FOUND, exit 1.
    const again = await cli(['tokens', 'revoke', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('NOT_FOUND');
  });

  it('codes find CODE: its location, batch and state in one GraphQL query at three CT calls, typed in any case', async () => {
    const env = { CT_GRAPHQL_TOKEN: (await issueApiToken(app, sim, { name: 'codes' })).secret };
    const { code, voucher, location } = demoCodes().find((c) => c.code.date_activated !== null && c.code.active)!;
    sim.resetLog();
    const before = graphqlRequests();
    const found = await cli(['codes', 'find', code.username.toUpperCase()], env);
    expect([found.code, found.stderr]).toEqual([0, '']);
    expect(jsonLines(found.stdout)).toEqual([
      {
        username: code.username,
        active: true,
        activatedAt: new Date(code.date_activated! * 1000).toISOString(),
        createdAt: new Date(code.created_at * 1000).toISOString(),
        voucher: { id: expect.any(String), uniqueId: voucher.unique_id, name: voucher.batch_name },
        location: { id: expect.any(String), slug: location.slug, name: location.location_name },
      },
    ]);
    expect(graphqlRequests() - before).toBe(1);
    // The search, the code's location, and the batch list filtered by the code's username.
    expect(sim.apiCalls().map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/v1/codes',
      `GET /api/v1/locations/${location.id}`,
      `GET /api/v1/locations/${location.slug}/vouchers`,
    ]);

    const missing = await cli(['codes', 'find', 'zz9zz9zz9'], env);
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([1, '', 'ct-graphql: no guest code "zz9zz9zz9" in your locations.\n']);
  });

  it.skipIf(!hasScript)('on a terminal: codes find is a table', async () => {
    const env = { CT_GRAPHQL_TOKEN: (await issueApiToken(app, sim, { name: 'codes on a terminal' })).secret };
    const { code, voucher, location } = demoCodes().find((c) => c.code.date_activated === null && c.code.active)!;
    const shown = await onTerminal(['codes', 'find', code.username], env);
    expect(shown.code, shown.stdout).toBe(0);
    const lines = shown.stdout.replace(/\r/g, '').trim().split('\n');
    expect(lines[0]).toMatch(/^CODE +LOCATION +BATCH +ACTIVATED +STATUS$/);
    const batch = `${voucher.batch_name} (#${voucher.unique_id})`;
    const row = new RegExp(`^${code.username} +${literal(location.location_name)} +${literal(batch)} +no +enabled$`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(row)]);
  });

  it('codes disable CODE: exactly one CT write, and the code is disabled at CT', async () => {
    const env = { CT_GRAPHQL_TOKEN: (await issueApiToken(app, sim, { name: 'codes disable' })).secret };
    const { code, location } = demoCodes()
      .filter((c) => c.code.active)
      .at(-1)!;
    sim.resetLog();
    const before = graphqlRequests();
    const disabled = await cli(['codes', 'disable', code.username.toUpperCase()], env);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(jsonLines(disabled.stdout)).toEqual([
      expect.objectContaining({ username: code.username, active: false, location: expect.objectContaining({ slug: location.slug }) }),
    ]);
    expect(disabled.stderr).toMatch(
      new RegExp(`^Disabled ${code.username} at ${literal(location.location_name)} \\(location \\S+\\), batch ".+"`),
    );
    // The find, then the mutation: two GraphQL requests, one CT write.
    expect(graphqlRequests() - before).toBe(2);
    expect(ctWrites().map((c) => `${c.method} ${c.path}`)).toEqual([
      `PATCH /api/v1/locations/${location.slug}/clients/${code.username}/codes/${code.username}`,
    ]);
    expect(code.active).toBe(false);
  });

  it('codes disable: a code in two locations or in none is refused with exit 1 and no CT write; --location picks one', async () => {
    const env = { CT_GRAPHQL_TOKEN: (await issueApiToken(app, sim, { name: 'codes twice' })).secret };
    const codes = demoCodes().filter((c) => c.code.active);
    const first = codes[0]!;
    const second = codes.find((c) => c.location.slug !== first.location.slug)!;
    // CT's usernames are unique per location only: the same code at a second location.
    const renamed = second.code.username;
    second.code.username = first.code.username;
    try {
      sim.resetLog();
      const refused = await cli(['codes', 'disable', first.code.username], env);
      expect([refused.code, refused.stdout]).toEqual([1, '']);
      expect(refused.stderr).toContain(`ct-graphql: "${first.code.username}" is a code in 2 places, so nothing was disabled: `);
      for (const { location } of [first, second]) expect(refused.stderr).toContain(`${location.location_name} (location `);
      expect(refused.stderr).toMatch(/Say which with --location <location id>\.\n$/);
      expect(ctWrites()).toEqual([]);

      const both = jsonLines((await cli(['codes', 'find', first.code.username], env)).stdout);
      expect(both.map((row) => row.location.slug).sort()).toEqual([first.location.slug, second.location.slug].sort());
      const there = both.find((row) => row.location.slug === second.location.slug).location.id as string;
      sim.resetLog();
      const picked = await cli(['codes', 'disable', first.code.username, '--location', there], env);
      expect(picked.code, picked.stderr).toBe(0);
      expect(ctWrites().map((c) => c.path)).toEqual([
        `/api/v1/locations/${second.location.slug}/clients/${first.code.username}/codes/${first.code.username}`,
      ]);
      expect([first.code.active, second.code.active]).toEqual([true, false]);

      sim.resetLog();
      const none = await cli(['codes', 'disable', 'zz9zz9zz9'], env);
      expect([none.code, none.stdout, none.stderr]).toEqual([1, '', 'ct-graphql: no guest code "zz9zz9zz9" in your locations.\n']);
      expect(ctWrites()).toEqual([]);
    } finally {
      second.code.username = renamed;
    }
  });

  it('the facade is down: a plain message and exit 1', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    for (const command of [['whoami'], ['query', '{ viewer { username } }'], ['login', '--no-browser']]) {
      const run = await cli(command, { CT_GRAPHQL_URL: nowhere, CT_GRAPHQL_TOKEN: 'ctg_whatever' });
      expect([run.code, run.stdout]).toEqual([1, '']);
      expect(run.stderr).toBe(
        `ct-graphql: cannot reach the facade at ${nowhere} (ECONNREFUSED); is it running? Set CT_GRAPHQL_URL to point elsewhere.\n`,
      );
    }
  });

  it('logout revokes the stored token and forgets it; then the command says how to sign in', async () => {
    const token = storedToken()!;
    const ctAccess = await ctAccessTokenOf(token);
    const out = await cli(['logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain(`Signed out of ${base}; the token is revoked`);
    expect(storedToken()).toBeUndefined();
    expect(statSync(credentialsFile()).mode & 0o777).toBe(0o600);
    expect(await ctSays(ctAccess)).toBe(401);
    const old = await cli(['whoami'], { CT_GRAPHQL_TOKEN: token });
    expect(old.code).toBe(1);
    const who = await cli(['whoami']);
    expect([who.code, who.stderr]).toEqual([
      1,
      `ct-graphql: not signed in to ${base}: run \`ct-graphql login\`, or set CT_GRAPHQL_TOKEN.\n`,
    ]);
  });

  it('--help and a wrong command', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const word of [
      'login',
      'logout',
      'whoami',
      'tokens',
      'codes',
      'query',
      'CT_GRAPHQL_URL',
      'CT_GRAPHQL_TOKEN',
      'credentials.json',
    ]) {
      expect(help.stdout).toContain(word);
    }
    const wrong = await cli(['frobnicate']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("unknown command 'frobnicate'");
  });
});
