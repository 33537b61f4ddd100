/**
 * What the `ct-graphql` command writes where: data on stdout (a table for a person at a terminal,
 * one JSON object per line for a pipe or with --json), messages on stderr. The task commands
 * decide once, with `jsonLines`, and keep everything decorative off stdout.
 */

/**
 * A reader that went away (`… | head`) ends stdout, not the run: a reboot half done is worse than
 * lines nobody reads, and the summary and the key still reach stderr.
 */
let stdoutGone = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutGone = true;
});

export const out = (line: string): void => {
  if (!stdoutGone) process.stdout.write(`${line}\n`);
};
export const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** JSON lines with --json or when stdout is not a terminal (a pipe, a file, a cron job); a table otherwise. */
export function jsonLines(json: boolean | undefined): boolean {
  return Boolean(json) || !process.stdout.isTTY;
}

/** Columns padded to their widest cell, two spaces apart; the first row is the header. */
export function table(rows: string[][]): string {
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
