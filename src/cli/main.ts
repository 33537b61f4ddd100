#!/usr/bin/env node
/**
 * The `ct-graphql` command: device sign-in to a facade, its API tokens, guest codes (find, disable),
 * the task commands (boxes list and reboot, vouchers create) and GraphQL queries from a shell, a
 * cron job or CI. Data goes to stdout (JSON), messages and errors to stderr; the exit code is 0 on
 * success, 1 on any error (a GraphQL error included), and 2 when a task command did some of its
 * items but not all.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { credentialsPath, loadToken, removeToken, saveToken } from './credentials.js';
import { parseState } from './boxes.js';
import { deviceLogin } from './device-login.js';
import { describePlace, disableCode, findCode, type FoundCode } from './codes.js';
import { CliError } from './errors.js';
import { call, dataOf, describeErrors, facadeUrl, graphql, refusedAdvice, resolveToken, signInAdvice } from './facade.js';
import { parseKey } from './idempotency-key.js';
import { hasBrowser, openBrowser } from './open-browser.js';
import { err, jsonLines, out, table } from './output.js';
import { boxesList, boxesReboot, type CreateOptions, type RebootOptions, vouchersCreate } from './tasks.js';
import { coerceVariables } from './variables.js';
import { parseQuantity, parseValidity } from './vouchers.js';

interface ApiTokenRow {
  id: string;
  name: string;
  scope: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  needsSignIn: boolean;
}

/** The package's version, from the nearest package.json above this file (src/cli/ in the repository, dist/src/cli/ when installed). */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ct-graphql' && pkg.version) return pkg.version;
    } catch {
      // not here: one folder up
    }
  }
  return 'unknown';
}

/** `--var name=value`, kept as typed; variables.ts coerces them against the document's declarations. */
function collectVar(pair: string, vars: Array<[string, string]>): Array<[string, string]> {
  const at = pair.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected name=value, got "${pair}".`);
  return [...vars, [pair.slice(0, at), pair.slice(at + 1)]];
}

/** `30d`, `12h`, `45m`, `3600s` or plain seconds. */
function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError('a duration such as 90d, 12h, 30m or 3600 (seconds).');
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readDocument(argument: string): Promise<string> {
  if (!argument.startsWith('@')) return argument;
  if (argument === '@-') return readStdin();
  try {
    return await readFile(argument.slice(1), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${argument.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Codes as JSON lines off a terminal (or with --json), else a table a person reads at a glance. */
function printCodes(codes: FoundCode[], json: boolean | undefined): void {
  if (jsonLines(json)) {
    for (const code of codes) out(JSON.stringify(code));
    return;
  }
  const header = ['CODE', 'LOCATION', 'BATCH', 'ACTIVATED', 'STATUS'];
  const cells = codes.map((c) => [
    c.username,
    c.location?.name ?? '-',
    c.voucher ? `${c.voucher.name} (#${c.voucher.uniqueId})` : '-',
    c.activatedAt ?? 'no',
    c.active ? 'enabled' : 'disabled',
  ]);
  out(table([header, ...cells]));
}

/** The default token name says where it was made, so `tokens list` tells a laptop's from a server's. */
function defaultTokenName(): string {
  return `ct-graphql CLI on ${hostname()}`.slice(0, 100);
}

interface SignInOptions {
  name: string;
  scope: 'read' | 'write';
  expiresIn?: number;
  browser: boolean;
}

/**
 * A device sign-in for a new API token: the URL and the code on stderr (and the browser where
 * there is one), then the token once the person has confirmed it. Every API token has a CT
 * grant of its own, so each one takes its own sign-in at CT.
 */
function signIn(baseUrl: string, options: SignInOptions) {
  return deviceLogin({
    baseUrl,
    scope: options.scope,
    name: options.name,
    ...(options.expiresIn !== undefined ? { tokenExpiresIn: options.expiresIn } : {}),
    fetch: (url, init) => call(String(url), init ?? {}),
    prompt(authorization) {
      err(`To sign in, open ${authorization.verification_uri} and enter the code ${authorization.user_code}`);
      const direct = authorization.verification_uri_complete ?? authorization.verification_uri;
      if (options.browser && hasBrowser()) {
        err('(opening your browser)');
        openBrowser(direct);
      } else if (authorization.verification_uri_complete) {
        err(`or open ${authorization.verification_uri_complete}`);
      }
      err('Waiting for the sign-in to be confirmed...');
    },
  });
}

function buildProgram(): Command {
  const program = new Command('ct-graphql')
    .description('Sign in to a ct-graphql facade and drive CT from the command line.')
    .version(version(), '-V, --version')
    .addHelpText(
      'after',
      [
        '',
        'Environment:',
        '  CT_GRAPHQL_URL    the facade (default http://localhost:4000)',
        '  CT_GRAPHQL_TOKEN  an API token to use instead of the stored one (cron jobs, CI)',
        `Credentials file: ${credentialsPath()} (mode 0600; XDG_CONFIG_HOME moves it)`,
      ].join('\n'),
    )
    .showHelpAfterError();

  program
    .command('login')
    .description('sign in with a device code and store an API token for this facade')
    .option('--name <name>', 'a name for the token, shown in `tokens list`', defaultTokenName())
    .addOption(new Option('--scope <scope>', 'what the token may do').choices(['read', 'write']).default('write'))
    .option('--expires-in <duration>', 'the token stops working after this long (90d, 12h, 3600); default: never', parseDuration)
    .option('--no-browser', 'only print the URL and the code')
    .action(async (options: SignInOptions) => {
      const baseUrl = facadeUrl();
      const issued = await signIn(baseUrl, options);
      const replaced = await loadToken(baseUrl);
      const path = await saveToken(baseUrl, {
        token: issued.access_token,
        name: options.name,
        ...(issued.scope ? { scope: issued.scope } : {}),
        savedAt: new Date().toISOString(),
      });
      const who = await graphql<{ viewer: { username: string | null } | null }>(baseUrl, issued.access_token, '{ viewer { username } }');
      const as = who.data?.viewer?.username ? ` as ${who.data.viewer.username}` : '';
      err(`Signed in${as}; the ${issued.scope ?? options.scope} token "${options.name}" is saved in ${path}.`);
      // The token this one replaces in the file would live on, with its CT grant, unused and forgotten.
      if (replaced && replaced.token !== issued.access_token) {
        const revoked = await call(`${baseUrl}/auth/logout`, {
          method: 'POST',
          headers: { authorization: `Bearer ${replaced.token}` },
        }).then(
          async (response) => {
            await response.body?.cancel();
            return response.ok;
          },
          () => false,
        );
        const which = replaced.name ? `"${replaced.name}"` : 'it replaces';
        err(revoked ? `The token ${which} is revoked.` : `Could not revoke the token ${which}; see \`ct-graphql tokens list\`.`);
      }
      if (process.env.CT_GRAPHQL_TOKEN) err('Note: CT_GRAPHQL_TOKEN is set, and takes precedence over the saved token.');
    });

  program
    .command('logout')
    .description('revoke the API token in use (with its CT grant) and forget it')
    .action(async () => {
      const baseUrl = facadeUrl();
      const { token, from } = await resolveToken(baseUrl);
      const response = await call(`${baseUrl}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      await response.body?.cancel();
      // A token revoked elsewhere is signed out already (the facade answers 204 all the same): forgetting it is what is left.
      if (!response.ok) throw new CliError(`the facade refused the sign-out (HTTP ${response.status}).`);
      if (from === 'file') await removeToken(baseUrl);
      err(
        from === 'file'
          ? `Signed out of ${baseUrl}; the token is revoked and removed from ${credentialsPath()}.`
          : 'Signed out; the token in CT_GRAPHQL_TOKEN is revoked.',
      );
    });

  program
    .command('whoami')
    .description('show the CT account the token signs in as')
    .action(async () => {
      const baseUrl = facadeUrl();
      const credential = await resolveToken(baseUrl);
      type Me = { viewer: { username: string | null; email: string | null } | null };
      const data = dataOf(await graphql<Me>(baseUrl, credential.token, '{ viewer { username email } }'), credential, baseUrl);
      if (!data.viewer) throw new CliError(refusedAdvice(credential, baseUrl));
      out(
        JSON.stringify({
          username: data.viewer.username,
          email: data.viewer.email,
          facade: baseUrl,
          token: credential.from === 'env' ? 'CT_GRAPHQL_TOKEN' : 'stored',
        }),
      );
    });

  const tokens = program.command('tokens').description("create, list or revoke your account's API tokens");
  tokens
    .command('list')
    .description('every API token of your CT account on this facade (one JSON object per line when stdout is not a terminal)')
    .option('--json', 'one JSON object per line, even on a terminal')
    .action(async (options: { json?: boolean }) => {
      const baseUrl = facadeUrl();
      const credential = await resolveToken(baseUrl);
      const query = '{ viewer { apiTokens { id name scope createdAt lastUsedAt expiresAt needsSignIn } } }';
      const data = dataOf(
        await graphql<{ viewer: { apiTokens: ApiTokenRow[] } | null }>(baseUrl, credential.token, query),
        credential,
        baseUrl,
      );
      if (!data.viewer) throw new CliError(refusedAdvice(credential, baseUrl));
      const rows = data.viewer.apiTokens;
      if (jsonLines(options.json)) {
        for (const row of rows) out(JSON.stringify(row));
        return;
      }
      const header = ['ID', 'NAME', 'SCOPE', 'CREATED', 'LAST USED', 'EXPIRES', 'STATUS'];
      const cells = rows.map((r) => [
        r.id,
        r.name,
        r.scope,
        r.createdAt,
        r.lastUsedAt ?? '-',
        r.expiresAt ?? '-',
        r.needsSignIn ? 'sign in again' : 'ok',
      ]);
      out(table([header, ...cells]));
    });
  tokens
    .command('create')
    .description('sign in with a device code for a new API token (a cron job, a CI secret) and print it on stdout; nothing is stored')
    .requiredOption('--name <name>', 'what the token is for, shown in `tokens list`')
    .addOption(new Option('--scope <scope>', 'what the token may do').choices(['read', 'write']).default('write'))
    .option('--expires-in <duration>', 'the token stops working after this long (90d, 12h, 3600); default: never', parseDuration)
    .option('--no-browser', 'only print the URL and the code')
    .action(async (options: SignInOptions) => {
      const issued = await signIn(facadeUrl(), options);
      out(issued.access_token);
      const scope = issued.scope ?? options.scope;
      err(`Created the ${scope} token "${options.name}"; \`ct-graphql tokens list\` shows its id for \`tokens revoke\`.`);
    });
  tokens
    .command('revoke')
    .description('revoke an API token (its CT grant is revoked too)')
    .argument('<id>', 'the token id, from `tokens list`')
    .action(async (id: string) => {
      const baseUrl = facadeUrl();
      const credential = await resolveToken(baseUrl);
      const mutation = 'mutation ($id: ID!) { revokeApiToken(input: { id: $id }) { deletedId userErrors { code field message } } }';
      type Payload = { revokeApiToken: { deletedId: string | null; userErrors: Array<{ code: string; message: string }> } };
      const { revokeApiToken } = dataOf(await graphql<Payload>(baseUrl, credential.token, mutation, { id }), credential, baseUrl);
      if (revokeApiToken.userErrors.length) throw new CliError(revokeApiToken.userErrors.map((e) => `${e.code}: ${e.message}`).join('\n'));
      out(JSON.stringify({ revoked: revokeApiToken.deletedId }));
    });

  const codes = program.command('codes').description('guest codes: find where one belongs, or disable it');
  codes
    .command('find')
    .description('which location and batch a guest code belongs to, and whether it was used (one GraphQL query)')
    .argument('<code>', 'the whole code, as the guest reads it (case does not matter)')
    .option('--location <id>', "only that location's codes (its global ID, as `codes find` shows it)")
    .option('--json', 'one JSON object per line, even on a terminal')
    .action(async (code: string, options: { location?: string; json?: boolean }) => {
      const baseUrl = facadeUrl();
      printCodes(await findCode(baseUrl, await resolveToken(baseUrl), code, options.location), options.json);
    });
  codes
    .command('disable')
    .description('disable a guest code, so guests can no longer sign in with it (one CT write); a code in several places is refused')
    .argument('<code>', 'the whole code, as the guest reads it (case does not matter)')
    .option('--location <id>', 'the location of the code to disable, when the code exists in several (its global ID, from `codes find`)')
    .option('--json', 'one JSON object per line, even on a terminal')
    .action(async (code: string, options: { location?: string; json?: boolean }) => {
      const baseUrl = facadeUrl();
      const disabled = await disableCode(baseUrl, await resolveToken(baseUrl), code, options.location);
      printCodes([disabled], options.json);
      err(`Disabled ${disabled.username} at ${describePlace(disabled)}.`);
    });

  const boxes = program.command('boxes').description('list the boxes of a location or of your account, reboot them');
  boxes
    .command('list')
    .description('boxes with their state, whether CT takes jobs for them, and their location; a table on a terminal, else JSON lines')
    .option('--location <slug>', "only that location's boxes (its slug)")
    .option('--state <state>', 'only boxes in this state: online, offline, rebooting, upgrading, processing, initializing, new', parseState)
    .option('--json', 'one JSON object per line, even on a terminal')
    .action(async (options: { location?: string; state?: string; json?: boolean }) => boxesList(options));
  boxes
    .command('reboot')
    .description(
      'reboot the boxes named, or those at --location and/or in --state (rebootBoxes, 100 per request); a box CT takes no jobs ' +
        'for is skipped with the reason; exit code 2 when any box was not rebooted',
    )
    .argument('[ids...]', 'box IDs, from `boxes list`')
    .option('--location <slug>', "the location's boxes (its slug)")
    .option('--state <state>', 'only boxes in this state, e.g. offline', parseState)
    .option(
      '--idempotency-key <key>',
      'repeat an earlier run (the key it printed): what it did is answered again, not done twice',
      parseKey,
    )
    .option('--json', 'one JSON object per box, even on a terminal')
    .action(async (ids: string[], options: RebootOptions) => boxesReboot(ids, options));

  const vouchers = program.command('vouchers').description('voucher batches: create one, and get its codes');
  vouchers
    .command('create')
    .description('create a batch of guest codes at a location; with --wait, print its codes (or write them to --csv) once CT has made them')
    .requiredOption('--location <slug>', 'the location (its slug)')
    .requiredOption('--name <name>', 'the batch name')
    .requiredOption('--quantity <n>', 'how many codes, 1 to 1000', parseQuantity)
    .option('--validity <duration>', 'how long a code stays valid once used: 30m, 12h, 1d, 2w', parseValidity)
    .option('--wait', 'wait until CT has made the codes, then print them (the voucherCompleted subscription)')
    .option('--csv <file>', 'with --wait: write the codes to this file as CSV (code,password; mode 0600) instead of printing them')
    .option(
      '--idempotency-key <key>',
      'repeat an earlier run (the key it printed): the batch it made is answered again, not made twice',
      parseKey,
    )
    .option('--json', 'JSON lines (the batch, or one object per code), even on a terminal')
    .action(async (options: { validity?: number } & Omit<CreateOptions, 'validityMinutes'>) => {
      const { validity, ...rest } = options;
      await vouchersCreate({ ...rest, ...(validity !== undefined ? { validityMinutes: validity } : {}) });
    });

  program
    .command('query')
    .description("run a GraphQL document and print the response's data as JSON; errors go to stderr, with exit code 1")
    .argument('<document>', 'the document, @file.graphql to read it from a file, or @- for stdin')
    .option(
      '--var <name=value>',
      'a variable (repeatable); a String or ID variable takes the value as typed, any other is parsed as JSON when it can be',
      collectVar,
      [],
    )
    .option('--variables <json>', 'all variables as one JSON object (--var entries override it)')
    .action(async (argument: string, options: { var: Array<[string, string]>; variables?: string }) => {
      const baseUrl = facadeUrl();
      const credential = await resolveToken(baseUrl);
      let variables: Record<string, unknown> = {};
      if (options.variables) {
        try {
          variables = JSON.parse(options.variables) as Record<string, unknown>;
        } catch {
          throw new CliError('--variables is not valid JSON.');
        }
        if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
          throw new CliError('--variables must be a JSON object, e.g. {"first": 5}.');
        }
      }
      const document = await readDocument(argument);
      const typed = options.var.length > 0 ? await coerceVariables(document, options.var) : {};
      const response = await graphql<unknown>(baseUrl, credential.token, document, { ...variables, ...typed });
      if (response.data != null) out(JSON.stringify(response.data, null, process.stdout.isTTY ? 2 : 0));
      const problems: string[] = [];
      if (response.refused) problems.push(`ct-graphql: ${refusedAdvice(credential, baseUrl)}`);
      // The refusal above already says what to do; UNAUTHENTICATED errors need no second advice.
      if (response.errors?.length) problems.push(describeErrors(response.errors, response.refused ? '' : signInAdvice(credential)));
      if (problems.length > 0) {
        err(problems.join('\n'));
        process.exitCode = 1;
      }
    });

  return program;
}

async function run(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // Our own failures are one line for a person; anything else is a bug, and its stack helps report it.
    err(error instanceof CliError ? `ct-graphql: ${error.message}` : `ct-graphql: unexpected error: ${(error as Error)?.stack ?? error}`);
    process.exitCode = 1;
  }
}

await run(process.argv);
