/**
 * No source line is wider than the formatter's configured width. Biome wraps code but not long
 * strings or comments, so this catches what the formatter leaves.
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url);
const width = (JSON.parse(readFileSync(new URL('biome.json', ROOT), 'utf8')) as { formatter: { lineWidth: number } }).formatter.lineWidth;

it(`no line in the project's own code is wider than ${width} characters`, () => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.js', '*.mjs', '*.css'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file && !file.startsWith('test/gql/') && !file.startsWith('examples/board/gql/') && !file.startsWith('bench/mesh/'));
  expect(files.length).toBeGreaterThan(50);
  const wide: string[] = [];
  for (const file of files) {
    readFileSync(new URL(file, ROOT), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.length > width) wide.push(`${file}:${i + 1} (${line.length})`);
      });
  }
  expect(wide).toEqual([]);
});
