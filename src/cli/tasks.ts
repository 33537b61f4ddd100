/**
 * The task commands as a person or a job runs them: `boxes list`, `boxes reboot` and
 * `vouchers create`, from their options to the calls in boxes.ts and vouchers.ts, and from the
 * outcomes to stdout (a table on a terminal, one JSON object per item otherwise), stderr (the
 * idempotency key, a progress bar, a summary) and the exit code: 0 when every item succeeded, 2
 * when some did not; errors that stop a run (bad input, the token, the key) are exit 1.
 */
import { writeFile } from 'node:fs/promises';
import { type BoxFilter, type BoxRow, listBoxes, type RebootOutcome, type RebootTarget, rebootBoxes } from './boxes.js';
import { CliError } from './errors.js';
import { facadeUrl, resolveToken } from './facade.js';
import { runKey } from './idempotency-key.js';
import { err, jsonLines, out, table } from './output.js';
import { canShowProgress, startProgress } from './progress.js';
import { loadRun, saveRun } from './runs.js';
import { type Batch, type Code, createBatch, type NewBatch, toCsv, waitForCodes } from './vouchers.js';

/** Some items did not succeed: the run went through, the output says which. */
export const PARTIAL_FAILURE = 2;

const REPLAYED = 'replayed: the facade answered from the first run with this key; nothing was sent to CT again';

function boxTable(rows: BoxRow[]): string {
  const header = ['ID', 'BOX', 'MAC', 'STATE', 'JOBS', 'LOCATION', 'LAST SEEN'];
  const cells = rows.map((b) => [
    b.id,
    b.description ?? b.slug,
    b.mac,
    b.state.toLowerCase(),
    b.acceptsJobs === false ? 'refused' : 'yes',
    b.location.slug,
    b.lastHeartbeatAt ?? '-',
  ]);
  return table([header, ...cells]);
}

export async function boxesList(options: BoxFilter & { json?: boolean }): Promise<void> {
  const baseUrl = facadeUrl();
  const credential = await resolveToken(baseUrl);
  const json = jsonLines(options.json);
  const bar = startProgress({ show: canShowProgress(json), total: 0, format: 'reading boxes [{bar}] {value}/{total}' });
  try {
    const rows = await listBoxes(baseUrl, credential, options, (page, total) => {
      // JSON lines as each page comes: a long listing streams into a pipe.
      if (json) for (const row of page) out(JSON.stringify(row));
      bar.setTotal(total);
      bar.increment(page.length);
    });
    bar.stop();
    if (!json && rows.length > 0) out(boxTable(rows));
    if (!json && rows.length === 0) err('No boxes match.');
  } finally {
    bar.stop();
  }
}

export interface RebootOptions extends BoxFilter {
  json?: boolean;
  idempotencyKey?: string;
}

/** `boxes reboot`: the boxes named, or those the filter finds (read whole before anything is rebooted). */
export async function boxesReboot(ids: string[], options: RebootOptions): Promise<void> {
  const filtered = options.location !== undefined || options.state !== undefined;
  if (ids.length > 0 && filtered) throw new CliError('give box IDs or --location/--state, not both.');
  if (ids.length === 0 && !filtered) {
    throw new CliError('say which boxes: their IDs (from `boxes list`), or --location SLUG and/or --state STATE.');
  }
  const baseUrl = facadeUrl();
  const credential = await resolveToken(baseUrl);
  const json = jsonLines(options.json);
  const again = filtered && options.idempotencyKey ? await loadRun<RebootTarget>(baseUrl, options.idempotencyKey) : null;
  if (again) err(`Repeating the run with this key: the ${again.length} boxes it chose then, not the boxes that match now.`);
  const targets: RebootTarget[] =
    again ??
    (filtered
      ? (await listBoxes(baseUrl, credential, options)).map((b) => ({
          id: b.id,
          slug: b.slug,
          description: b.description,
          location: b.location.slug,
        }))
      : // The same box twice is one reboot (the facade would refuse the repeat, and with it the whole request).
        [...new Set(ids)].map((id) => ({ id })));
  if (targets.length === 0) {
    err('No boxes match: nothing to reboot.');
    return;
  }
  const key = runKey(options.idempotencyKey);
  if (filtered && !again) await saveRun(baseUrl, key, targets);
  const bar = startProgress({ show: canShowProgress(json), total: targets.length, format: 'rebooting [{bar}] {value}/{total} boxes' });
  let outcomes: RebootOutcome[];
  try {
    outcomes = await rebootBoxes(baseUrl, credential, targets, key, (part, replayed) => {
      if (replayed) err(REPLAYED);
      if (json) for (const o of part) out(JSON.stringify(o));
      bar.increment(part.length);
    });
  } finally {
    bar.stop();
  }
  if (!json) {
    const header = ['ID', 'BOX', 'LOCATION', 'RESULT'];
    const cells = outcomes.map((o) => [
      o.id,
      o.description ?? o.slug ?? '-',
      o.location ?? '-',
      o.status === 'rebooted' ? 'rebooted' : `${o.status}: ${o.code}: ${o.reason}`,
    ]);
    out(table([header, ...cells]));
  }
  const count = (status: RebootOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  const [rebooted, skipped, failed] = [count('rebooted'), count('skipped'), count('failed')];
  const notes = [skipped ? `${skipped} skipped (CT refused the job; reason above)` : '', failed ? `${failed} failed` : ''].filter(Boolean);
  err(`Rebooted ${rebooted} of ${outcomes.length} boxes${notes.length ? `; ${notes.join(', ')}` : ''}.`);
  if (failed > 0) err(`Rerun with --idempotency-key ${key} to retry the failed ones without rebooting the others again.`);
  if (rebooted < outcomes.length) process.exitCode = PARTIAL_FAILURE;
}

export interface CreateOptions extends NewBatch {
  wait?: boolean;
  csv?: string;
  json?: boolean;
  idempotencyKey?: string;
}

const batchJson = (b: Batch, more: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: b.id,
    uniqueId: b.uniqueId,
    name: b.name,
    quantity: b.quantity,
    completed: b.completed,
    location: b.location,
    ...more,
  });

function batchTable(b: Batch, codes: string): string {
  return table([
    ['ID', 'BATCH', 'LOCATION', 'CODES'],
    [b.id, `${b.name} (#${b.uniqueId})`, b.location.slug, codes],
  ]);
}

/** `vouchers create`: the batch; with --wait its codes, printed or (--csv) written to a file. */
export async function vouchersCreate(options: CreateOptions): Promise<void> {
  if (options.csv !== undefined && !options.wait) {
    throw new CliError('--csv writes the codes, which exist only once CT has made them: add --wait.');
  }
  const baseUrl = facadeUrl();
  const credential = await resolveToken(baseUrl);
  const json = jsonLines(options.json);
  const key = runKey(options.idempotencyKey);
  const { voucher, replayed } = await createBatch(baseUrl, credential, options, key);
  if (replayed) err(REPLAYED);
  err(`Created the batch "${voucher.name}" (#${voucher.uniqueId}) of ${voucher.quantity} codes at ${voucher.location.name}.`);
  if (!options.wait) {
    out(
      json ? batchJson(voucher) : batchTable(voucher, voucher.completed ? `${voucher.quantity}, ready` : `${voucher.quantity}, being made`),
    );
    return;
  }
  const bar = startProgress({
    show: canShowProgress(json),
    total: voucher.quantity,
    format: '{phase} [{bar}] {value}/{total} codes | {duration_formatted}',
    payload: { phase: 'waiting for CT to make the codes' },
  });
  let codes: Code[];
  try {
    codes = await waitForCodes(baseUrl, credential, voucher.id, (count, total) => {
      bar.setTotal(total);
      bar.update(count, { phase: 'reading the codes' });
    });
  } catch (error) {
    // The batch exists: say so, so that a rerun (same key) or a person can pick it up.
    if (error instanceof CliError)
      throw new CliError(`${error.message}\nThe batch ${voucher.id} exists; rerun with --idempotency-key ${key} to wait again.`);
    throw error;
  } finally {
    bar.stop();
  }
  if (options.csv !== undefined) {
    // Codes let guests in: the file is the owner's alone, like the credentials file.
    await writeFile(options.csv, toCsv(codes), { mode: 0o600 }).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`cannot write ${options.csv}: ${error.code ?? error.message}`);
    });
    err(`Wrote ${codes.length} codes to ${options.csv}.`);
    out(
      json
        ? batchJson({ ...voucher, completed: true }, { codes: codes.length, csv: options.csv })
        : batchTable(voucher, `${codes.length} in ${options.csv}`),
    );
    return;
  }
  if (json) {
    const batch = { id: voucher.id, uniqueId: voucher.uniqueId, name: voucher.name };
    for (const code of codes)
      out(JSON.stringify({ username: code.username, password: code.password, serial: code.serial, voucher: batch }));
  } else {
    out(table([['CODE', 'PASSWORD'], ...codes.map((c) => [c.username, c.password ?? '-'])]));
  }
  if (codes.length < voucher.quantity) {
    err(`CT made ${codes.length} of the ${voucher.quantity} codes asked for.`);
    process.exitCode = PARTIAL_FAILURE;
  }
}
