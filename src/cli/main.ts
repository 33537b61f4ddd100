#!/usr/bin/env node
/**
 * The `ct-graphql` command: device sign-in to a facade, its API tokens, and GraphQL queries from a
 * shell, a cron job or CI. Data goes to stdout (JSON), messages and errors to stderr; the exit code
 * is 0 on success and 1 on any error.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { removeToken, saveToken } from './credentials.js';
import { deviceLogin, LoginError } from './device-login.js';
import { CliError, call, dataOf, describeErrors, facadeUrl, graphql, resolveToken } from './facade.js';
import { hasBrowser, openBrowser } from './open-browser.js';

interface ApiTokenRow {
  id: string;
  name: string;
  scope: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  needsSignIn: boolean;
}

const err = (line: string) => process.stderr.write(`${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);

/** `--var name=value`: JSON when the value parses as JSON (numbers, booleans, objects), a string otherwise. */
function collectVar(pair: string, vars: Record<string, unknown>): Record<string, unknown> {
  const at = pair.indexOf('=');
  if (at <= 0) throw new CliError(`--var takes name=value, got "${pair}"`);
  const raw = pair.slice(at + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { ...vars, [pair.slice(0, at)]: value };
}

async function readDocument(argument: string): Promise<string> {
  if (!argument.startsWith('@')) return argument;
  try {
    return await readFile(argument.slice(1), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${argument.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function buildProgram(): Command {
  const program = new Command('ct-graphql')
    .description('Sign in to a ct-graphql facade and drive CT from the command line.')
    .addHelpText('after', '\nEnvironment: CT_GRAPHQL_URL (default http://localhost:4000), CT_GRAPHQL_TOKEN (overrides the stored token).')
    .showHelpAfterError();

  program
    .command('login')
    .description('sign in with a device code and store an API token for this facade')
    .option('--name <name>', 'a name for the token, shown in `tokens list`')
    .addOption(new Option('--scope <scope>', 'what the token may do').choices(['read', 'write']).default('write'))
    .option('--no-browser', 'only print the URL and the code')
    .action(async (options: { name?: string; scope: 'read' | 'write'; browser: boolean }) => {
      const baseUrl = facadeUrl();
      const issued = await deviceLogin({
        baseUrl,
        scope: options.scope,
        ...(options.name ? { name: options.name } : {}),
        fetch: (url, init) => call(String(url), init ?? {}),
        prompt(authorization) {
          err(`To sign in, open ${authorization.verification_uri} and enter the code ${authorization.user_code}`);
          const direct = authorization.verification_uri_complete ?? authorization.verification_uri;
          if (options.browser && hasBrowser()) {
            err('(opening your browser)');
            openBrowser(direct);
          }
          err('Waiting for the sign-in to be confirmed...');
        },
      });
      const path = await saveToken(baseUrl, {
        token: issued.access_token,
        ...(options.name ? { name: options.name } : {}),
        ...(issued.scope ? { scope: issued.scope } : {}),
        savedAt: new Date().toISOString(),
      });
      const who = await graphql<{ viewer: { username: string | null } | null }>(baseUrl, issued.access_token, '{ viewer { username } }');
      err(
        `Signed in${who.data?.viewer?.username ? ` as ${who.data.viewer.username}` : ''}; the ${issued.scope ?? options.scope} token ` +
          `is saved in ${path}.`,
      );
    });

  program
    .command('logout')
    .description('revoke the API token in use and forget it')
    .action(async () => {
      const baseUrl = facadeUrl();
      const { token, from } = await resolveToken(baseUrl);
      const response = await call(`${baseUrl}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) throw new CliError(`the facade refused the sign-out (HTTP ${response.status}).`);
      if (from === 'file') await removeToken(baseUrl);
      err(from === 'file' ? 'Signed out; the token is revoked and forgotten.' : 'Signed out; the token in CT_GRAPHQL_TOKEN is revoked.');
    });

  program
    .command('whoami')
    .description('show the CT account the token signs in as')
    .action(async () => {
      const baseUrl = facadeUrl();
      const { token, from } = await resolveToken(baseUrl);
      const data = dataOf(
        await graphql<{ viewer: { username: string | null; email: string | null } | null }>(
          baseUrl,
          token,
          '{ viewer { username email } }',
        ),
      );
      if (!data.viewer) throw new CliError('the facade does not recognise this token; run `ct-graphql login`.');
      out(
        JSON.stringify({
          username: data.viewer.username,
          email: data.viewer.email,
          facade: baseUrl,
          token: from === 'env' ? 'CT_GRAPHQL_TOKEN' : 'stored',
        }),
      );
    });

  const tokens = program.command('tokens').description("list or revoke your account's API tokens");
  tokens
    .command('list')
    .description('every API token of your CT account on this facade')
    .option('--json', 'one JSON object per line, even on a terminal')
    .action(async (options: { json?: boolean }) => {
      const baseUrl = facadeUrl();
      const { token } = await resolveToken(baseUrl);
      const query = '{ viewer { apiTokens { id name scope createdAt lastUsedAt expiresAt needsSignIn } } }';
      const data = dataOf(await graphql<{ viewer: { apiTokens: ApiTokenRow[] } | null }>(baseUrl, token, query));
      const rows = data.viewer?.apiTokens ?? [];
      if (options.json || !process.stdout.isTTY) {
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
    .command('revoke')
    .description('revoke an API token (its CT grant is revoked too)')
    .argument('<id>', 'the token id, from `tokens list`')
    .action(async (id: string) => {
      const baseUrl = facadeUrl();
      const { token } = await resolveToken(baseUrl);
      const mutation = 'mutation ($id: ID!) { revokeApiToken(input: { id: $id }) { deletedId userErrors { code field message } } }';
      type Payload = { revokeApiToken: { deletedId: string | null; userErrors: Array<{ code: string; message: string }> } };
      const { revokeApiToken } = dataOf(await graphql<Payload>(baseUrl, token, mutation, { id }));
      if (revokeApiToken.userErrors.length) throw new CliError(revokeApiToken.userErrors.map((e) => `${e.code}: ${e.message}`).join('\n'));
      out(JSON.stringify({ revoked: revokeApiToken.deletedId }));
    });

  program
    .command('query')
    .description("run a GraphQL document and print the response's data as JSON")
    .argument('<document>', 'the document, or @file.graphql to read it from a file')
    .option('--var <name=value>', 'a variable (repeatable); JSON values are parsed', collectVar, {})
    .option('--variables <json>', 'all variables as one JSON object')
    .action(async (document: string, options: { var: Record<string, unknown>; variables?: string }) => {
      const baseUrl = facadeUrl();
      const { token } = await resolveToken(baseUrl);
      let variables: Record<string, unknown> = {};
      if (options.variables) {
        try {
          variables = JSON.parse(options.variables) as Record<string, unknown>;
        } catch {
          throw new CliError('--variables is not valid JSON.');
        }
      }
      const response = await graphql<unknown>(baseUrl, token, await readDocument(document), { ...variables, ...options.var });
      if (response.data !== undefined) out(JSON.stringify(response.data, null, process.stdout.isTTY ? 2 : 0));
      if (response.errors?.length) {
        err(describeErrors(response.errors));
        process.exitCode = 1;
      }
    });

  return program;
}

async function run(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CliError || error instanceof LoginError) {
      err(`ct-graphql: ${(error as Error).message}`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

await run(process.argv);
