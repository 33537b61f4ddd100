/**
 * The task commands (issue 13): `ct-graphql boxes list`, `boxes reboot` and `vouchers create`, the
 * compiled command (`node dist/src/cli/main.js`, built once in a fresh copy of the repository) as a
 * real process against a compiled facade process, over a simulator this test serves on a loopback
 * port. Expectations come from the simulator's records, and what CT was asked from its request log:
 * JSON lines off a terminal, exactly one CT action per box, a box that takes no jobs skipped with
 * exit code 2, the codes of a new batch in a CSV file, and a rerun with the same Idempotency-Key
 * answered from the facade's record without a second POST at CT.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, DEMO, type Simulator } from '../../simulator/app.js';
import { serveSimulator } from '../../simulator/serve.js';
import type { BoxRecord, Store } from '../../simulator/store.js';
import { createSessionSealer } from '../../src/auth/session.js';
import { simulatorUserId, TEST_SECRET } from '../harness.js';
import { build, type Clone, childEnv, finished, freshClone, type Run, spawnFacade, stopProcesses } from '../e2e/processes.js';

let clone: Clone;
let sim: Simulator;
let ct: Awaited<ReturnType<typeof serveSimulator>>;
let base: string;
let token: string;
let configHome: string;
const children: ChildProcess[] = [];

const store = () => sim.store as Store;
const demoId = () => store().userByLogin(DEMO.username)!.id;
const demoLocations = () => store().locations.filter((l) => l.user_id === demoId() && l.archived !== true);
const boxesAt = (slug: string) => store().boxes.filter((b) => b.location_slug === slug);
const demoBoxes = () => {
  const slugs = new Set(
    store()
      .locations.filter((l) => l.user_id === demoId())
      .map((l) => l.slug),
  );
  return store().boxes.filter((b) => slugs.has(b.location_slug));
};
/** CT's writes since the last resetLog, as `METHOD path`. */
const ctWrites = () =>
  sim
    .apiCalls()
    .filter((c) => c.method !== 'GET')
    .map((c) => `${c.method} ${c.path}`);

/** The command's environment: this facade, the test's token, config and state folders of its own. */
const env = () =>
  childEnv({ CT_GRAPHQL_URL: base, CT_GRAPHQL_TOKEN: token, XDG_CONFIG_HOME: configHome, XDG_STATE_HOME: join(configHome, 'state') });

/** The compiled command, stdout and stderr as pipes (what a cron job sees), with the test's token in CT_GRAPHQL_TOKEN. */
async function cli(args: string[]): Promise<Run> {
  const run = await finished(spawn(process.execPath, [join(clone.dir, 'dist/src/cli/main.js'), ...args], { cwd: clone.dir, env: env() }));
  // Whatever happened, the token is never echoed.
  expect(run.stdout + run.stderr).not.toContain(token);
  return run;
}

/** stdout as JSON lines: every line must parse (nothing decorative on stdout off a terminal). */
const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));

const keyOf = (stderr: string) => /idempotency key: (\S+?);/.exec(stderr)?.[1];

beforeAll(async () => {
  clone = freshClone();
  build(clone.dir);
  sim = createSimulator();
  ct = await serveSimulator(sim, { port: 0, host: '127.0.0.1' });
  configHome = mkdtempSync(join(clone.dir, 'config-'));
  // Polled every 100 ms, a batch's completion reaches --wait soon after the simulator makes the codes (2 s after the create).
  const facade = await spawnFacade(
    clone.dir,
    ct.url,
    { DATA_DIR: mkdtempSync(join(clone.dir, 'data-')), LIVE_POLL_INTERVAL_MS: '100' },
    (child) => children.push(child),
  );
  base = facade.base;
  // A session of the demo account, sealed as /auth/callback seals it: the command sends it as its bearer token.
  const issued = sim.control.issueTokens();
  const sealer = await createSessionSealer({ secrets: [TEST_SECRET], maxAgeSeconds: 3600 });
  token = (
    await sealer.seal(
      { accessToken: issued.access_token, refreshToken: issued.refresh_token, expiresAt: (issued.created_at + issued.expires_in) * 1000 },
      { ctUserId: simulatorUserId(sim) },
    )
  ).token;
}, 120_000);

afterAll(async () => {
  await stopProcesses(children, ct);
  clone?.remove();
});

describe('ct-graphql task commands (compiled, against a facade process)', () => {
  it('boxes list: JSON lines off a terminal, every box of the account; --state and --location filter as CT holds them', async () => {
    const all = await cli(['boxes', 'list']);
    expect([all.code, all.stderr]).toEqual([0, '']);
    const rows = jsonLines(all.stdout);
    // More than one page (100) of boxes, in CT's order.
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.map((r) => r.slug)).toEqual(demoBoxes().map((b) => b.slug));

    const offline = jsonLines((await cli(['boxes', 'list', '--state', 'offline'])).stdout);
    const expected = demoBoxes().filter((b) => b.state === 'offline');
    expect(expected.length).toBeGreaterThan(0);
    expect(offline.map((r) => [r.slug, r.state, r.location.slug])).toEqual(expected.map((b) => [b.slug, 'OFFLINE', b.location_slug]));

    const location = demoLocations().find((l) => boxesAt(l.slug).length > 2)!;
    const at = await cli(['boxes', 'list', '--location', location.slug, '--json']);
    expect(at.code, at.stderr).toBe(0);
    expect(jsonLines(at.stdout)).toEqual(
      boxesAt(location.slug).map((b) =>
        expect.objectContaining({
          id: expect.any(String),
          slug: b.slug,
          mac: b.mac,
          acceptsJobs: b.allowed_job,
          location: { slug: location.slug, name: location.location_name },
        }),
      ),
    );

    const nowhere = await cli(['boxes', 'list', '--location', 'no-such-place-here']);
    expect([nowhere.code, nowhere.stdout]).toEqual([1, '']);
    expect(nowhere.stderr).toBe(
      'ct-graphql: no location "no-such-place-here" in your account (give its slug, as `boxes list` shows it).\n',
    );
  });

  it('boxes reboot --location --state: a box that takes no jobs is skipped with its reason, the others rebooted, exit 2', async () => {
    const location = demoLocations().find((l) => boxesAt(l.slug).length >= 3 && boxesAt(l.slug).every((b) => b.state === 'online'))!;
    const boxes = boxesAt(location.slug);
    const refusing = boxes[1]!;
    const saved = boxes.map((b) => b.allowed_job);
    for (const box of boxes) box.allowed_job = box !== refusing;
    try {
      sim.resetLog();
      const run = await cli(['boxes', 'reboot', '--location', location.slug, '--state', 'online']);
      expect(run.code, run.stderr).toBe(2);
      const lines = jsonLines(run.stdout);
      expect(lines.map((l) => l.slug)).toEqual(boxes.map((b) => b.slug));
      for (const line of lines) {
        if (line.slug === refusing.slug) {
          expect(line).toMatchObject({ status: 'skipped', code: 'FORBIDDEN', reason: expect.any(String), location: location.slug });
        } else {
          expect(line).toMatchObject({ status: 'rebooted', state: 'REBOOTING', location: location.slug });
        }
      }
      const key = keyOf(run.stderr)!;
      expect(key).toMatch(/^[0-9a-f-]{36}$/);
      expect(run.stderr).toContain(`Rebooted ${boxes.length - 1} of ${boxes.length} boxes; 1 skipped (CT refused the job`);
      // Exactly one action per box at CT, the refused one included (CT said no to it), and nothing else written.
      expect(ctWrites().sort()).toEqual(boxes.map((b) => `PATCH /api/v1/boxes/${b.slug}`).sort());
      expect(boxes.map((b) => b.state)).toEqual(boxes.map((b) => (b === refusing ? 'online' : 'rebooting')));

      // The same run with its key: only one box is still online, but the rerun sends what the first run chose, and is replayed.
      sim.resetLog();
      const again = await cli(['boxes', 'reboot', '--location', location.slug, '--state', 'online', '--idempotency-key', key]);
      expect(again.code, again.stderr).toBe(2);
      expect(again.stdout).toBe(run.stdout);
      expect(again.stderr).toContain(`Repeating the run with this key: the ${boxes.length} boxes it chose then`);
      expect(again.stderr).toContain('replayed: the facade answered from the first run with this key');
      expect(sim.apiCalls()).toEqual([]);
    } finally {
      boxes.forEach((box, i) => {
        box.allowed_job = saved[i]!;
      });
    }
  });

  it('boxes reboot ID...: more than 100 go in parts of 100; the same run again with its key is replayed, no CT call', async () => {
    const listed = jsonLines((await cli(['boxes', 'list', '--state', 'online'])).stdout) as Array<{ id: string; slug: string }>;
    const willing = new Set(
      demoBoxes()
        .filter((b) => b.allowed_job)
        .map((b) => b.slug),
    );
    const chosen = listed.filter((row) => willing.has(row.slug)).slice(0, 120);
    expect(chosen).toHaveLength(120);
    sim.resetLog();
    const first = await cli(['boxes', 'reboot', ...chosen.map((row) => row.id)]);
    expect(first.code, first.stderr).toBe(0);
    expect(jsonLines(first.stdout).map((l) => [l.id, l.status])).toEqual(chosen.map((row) => [row.id, 'rebooted']));
    expect(ctWrites().sort()).toEqual(chosen.map((row) => `PATCH /api/v1/boxes/${row.slug}`).sort());
    const key = keyOf(first.stderr)!;

    sim.resetLog();
    const again = await cli(['boxes', 'reboot', ...chosen.map((row) => row.id), '--idempotency-key', key]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    // Both parts (100 and 20) replayed.
    expect(again.stderr.match(/^replayed: /gm)).toHaveLength(2);
    expect(sim.apiCalls()).toEqual([]);
  });

  it('vouchers create --wait --csv FILE: the batch, then its codes in the file once CT made them (more than one page)', async () => {
    const location = demoLocations()[0]!;
    const file = join(configHome, 'codes.csv');
    sim.resetLog();
    const run = await cli([
      'vouchers',
      'create',
      '--location',
      location.slug,
      '--name',
      'Conference, day 1',
      '--quantity',
      '120',
      '--validity',
      '1d',
      '--wait',
      '--csv',
      file,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const batch = store().vouchers.find((v) => v.batch_name === 'Conference, day 1')!;
    expect(batch).toMatchObject({ quantity: 120, validity_minutes: 1440, location_id: Number(location.id) });
    const codes = store().codes.get(batch.unique_id)!;
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1)).toEqual(['code,password', ...codes.map((c) => `${c.username},${c.password}`)]);
    expect(lines).toHaveLength(1 + 120 + 1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ uniqueId: batch.unique_id, name: 'Conference, day 1', quantity: 120, codes: 120, csv: file }),
    ]);
    expect(run.stderr).toContain(`Wrote 120 codes to ${file}.`);
    expect(ctWrites()).toEqual([`POST /api/v1/locations/${location.slug}/vouchers`]);
  });

  it('vouchers create --wait without --csv: one JSON object per code', async () => {
    const location = demoLocations()[1]!;
    const run = await cli(['vouchers', 'create', '--location', location.slug, '--name', 'Lobby, Sunday', '--quantity', '3', '--wait']);
    expect(run.code, run.stderr).toBe(0);
    const batch = store().vouchers.find((v) => v.batch_name === 'Lobby, Sunday')!;
    const codes = store().codes.get(batch.unique_id)!;
    expect(jsonLines(run.stdout)).toEqual(
      codes.map((c) => ({
        username: c.username,
        password: c.password,
        serial: c.serial,
        voucher: { id: expect.any(String), uniqueId: batch.unique_id, name: 'Lobby, Sunday' },
      })),
    );
  });

  it('vouchers create --idempotency-key: the rerun is replayed (one POST at CT); another request with the key is refused', async () => {
    const location = demoLocations()[2]!;
    const args = ['vouchers', 'create', '--location', location.slug, '--name', 'Front desk', '--quantity', '5'];
    sim.resetLog();
    const first = await cli(args);
    expect(first.code, first.stderr).toBe(0);
    const key = keyOf(first.stderr)!;
    expect(first.stderr).toContain(`rerun with --idempotency-key ${key} to retry without acting twice`);
    const again = await cli([...args, '--idempotency-key', key]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('replayed: the facade answered from the first run with this key');
    expect(jsonLines(again.stdout)).toEqual(jsonLines(first.stdout));
    expect(ctWrites()).toEqual([`POST /api/v1/locations/${location.slug}/vouchers`]);
    expect(store().vouchers.filter((v) => v.batch_name === 'Front desk')).toHaveLength(1);

    const other = await cli([
      'vouchers',
      'create',
      '--location',
      location.slug,
      '--name',
      'Back desk',
      '--quantity',
      '5',
      '--idempotency-key',
      key,
    ]);
    expect([other.code, other.stdout]).toEqual([1, '']);
    expect(other.stderr).toContain(`ct-graphql: the idempotency key ${key} was used for a different request`);
    expect(ctWrites()).toEqual([`POST /api/v1/locations/${location.slug}/vouchers`]);
  });

  it('bad input: a clear message, exit 1, nothing sent to CT', async () => {
    const slug = demoLocations()[0]!.slug;
    sim.resetLog();
    const cases: Array<[string[], RegExp]> = [
      [
        ['vouchers', 'create', '--location', slug, '--name', 'x', '--quantity', 'abc'],
        /option '--quantity <n>' argument 'abc' is invalid\. a whole number/,
      ],
      [
        ['vouchers', 'create', '--location', slug, '--name', 'x', '--quantity', '5', '--validity', '10'],
        /--validity .* a duration with its unit/,
      ],
      [
        ['vouchers', 'create', '--location', slug, '--name', 'x', '--quantity', '5', '--csv', 'x.csv'],
        /--csv writes the codes, .* add --wait\.$/m,
      ],
      [['vouchers', 'create', '--location', slug, '--quantity', '5'], /required option '--name <name>' not specified/],
      [['boxes', 'reboot'], /^ct-graphql: say which boxes: their IDs \(from `boxes list`\), or --location SLUG and\/or --state STATE\.$/m],
      [['boxes', 'reboot', 'Qm94OmFiYw', '--location', slug], /^ct-graphql: give box IDs or --location\/--state, not both\.$/m],
      [['boxes', 'list', '--state', 'sleepy'], /--state <state>' argument 'sleepy' is invalid\. one of initializing, new, offline/],
      [['boxes', 'reboot', '--state', 'offline', '--idempotency-key', ''], /--idempotency-key <key>' argument '' is invalid/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      expect([run.code, run.stdout], args.join(' ')).toEqual([1, '']);
      expect(run.stderr, args.join(' ')).toMatch(message);
      // Refused before any write: no key was made for it.
      expect(run.stderr).not.toContain('idempotency key:');
    }
    // A quantity CT does not take is the facade's INVALID, named by its option; no POST.
    const tooMany = await cli(['vouchers', 'create', '--location', slug, '--name', 'x', '--quantity', '5000']);
    expect([tooMany.code, tooMany.stdout]).toEqual([1, '']);
    expect(tooMany.stderr).toMatch(/^ct-graphql: the batch was not created:\nINVALID: .+ \(--quantity\)$/m);
    expect(ctWrites()).toEqual([]);
  });

  it.skipIf(!existsSync('/usr/bin/script'))('on a terminal: boxes list is a table', async () => {
    const location = demoLocations().find((l) => boxesAt(l.slug).length > 1)!;
    const main = join(clone.dir, 'dist/src/cli/main.js');
    const command = [process.execPath, main, 'boxes', 'list', '--location', location.slug].map((a) => `'${a}'`).join(' ');
    const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], { env: env() });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    child.stdin.end();
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code, text).toBe(0);
    const lines = text.replace(/\r/g, '').trim().split('\n');
    expect(lines[0]).toMatch(/^ID +BOX +MAC +STATE +JOBS +LOCATION +LAST SEEN$/);
    const slugs = (b: BoxRecord) => b.description ?? b.slug;
    expect(lines.slice(1).map((line) => line.split(/ {2,}/)[1])).toEqual(boxesAt(location.slug).map(slugs));
  });
});
