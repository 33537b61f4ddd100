/**
 * The command and the client stay light: src/cli/ and src/sdk.ts import only Node's built-ins,
 * each other, commander, cli-progress (the task commands' bar), graphql-request and graphql. The
 * package is also the facade, so its install brings the server's dependencies; this keeps them
 * from ever being loaded by a script or by `ct-graphql`, and keeps the command from reaching into
 * the server's modules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED = new Set(['commander', 'cli-progress', 'graphql-request', 'graphql']);

it('src/cli/ and src/sdk.ts import only built-ins, each other, commander, cli-progress, graphql-request and graphql', () => {
  const files = [
    ...readdirSync(join(ROOT, 'src', 'cli'))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join('src', 'cli', name)),
    join('src', 'sdk.ts'),
  ];
  expect(files.length).toBeGreaterThan(5);
  const found: string[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const match of source.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      seen.add(specifier);
      const local = file.startsWith(join('src', 'cli')) && /^\.\/[\w-]+\.js$/.test(specifier);
      if (!local && !specifier.startsWith('node:') && !ALLOWED.has(specifier)) found.push(`${file}: ${specifier}`);
    }
  }
  // The scan sees the imports it is meant to check.
  expect([...seen]).toEqual(expect.arrayContaining(['commander', 'graphql-request', 'graphql', './facade.js', 'node:fs/promises']));
  expect(found).toEqual([]);
});
