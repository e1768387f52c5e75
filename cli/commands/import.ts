import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiOptions } from '../args.ts';
import { defineCommand, segment } from '../command.ts';
import { CliError, exitCodes, usageError } from '../errors.ts';
import type { ApiClient } from '../http.ts';
import type { Output } from '../io.ts';
import type { BatchCreated, BatchProgress } from '../types.ts';
import { progressLine, rejectedRows } from '../views.ts';

const pollMs = 1000;

/**
 * The same file is the same batch: a re-run after a timeout (within the API's 24 hours) replays the first
 * answer and finishes that batch, instead of meeting its own rows as `already_pending`.
 */
export const idempotencyKey = (csv: string) => `csv-sha256-${createHash('sha256').update(csv).digest('hex')}`;

/**
 * Polls the batch until no email is queued. A terminal gets one line redrawn in place; anything else a
 * line per change (a log should not fill with carriage returns); `--json` each changed progress document.
 */
async function watch(api: ApiClient, out: Output, batchId: string): Promise<void> {
  let shown = '';
  for (;;) {
    const progress = await api.get<BatchProgress>(`/v1/invitations/batches/${segment(batchId)}`);
    const line = progressLine(progress, out.interactive);
    if (line !== shown) {
      if (out.json) out.data(progress);
      else if (out.interactive) out.raw(`\r${line.padEnd(shown.length)}`);
      else out.line(line);
      shown = line;
    }
    if (progress.done) {
      if (out.interactive && !out.json) out.line();
      return;
    }
    await sleep(pollMs);
  }
}

export const importCsv = defineCommand({
  spec: {
    name: 'import',
    summary: 'Invite everyone in a CSV file and watch the emails go out',
    args: ['file.csv'],
    description: [
      'Columns: email (required), mode, locale, name, expiresIn (seconds), redirectUrl, reminder, roleIds, organizationIds, organizationRoleIds (ids separated by spaces or semicolons), metadata.<key>. Up to 1,000 rows; see templates/batch-example.csv.',
      "Each row becomes an invitation or is rejected with its reason; the rejected rows are listed by line. The upload's Idempotency-Key is the file's SHA-256, so running it again (say after a timeout) is the same batch.",
      'Exits 0 when every row was accepted, 5 when some were rejected and the others accepted, 2 when every row was rejected. With --json: the upload\'s answer, then each change of the progress, one JSON document per line.',
    ],
    options: {
      wait: { type: 'boolean', negatable: true, description: 'Do not wait for the emails to go out' },
      ...apiOptions,
    },
    examples: ['logto-invitations import team.csv', 'logto-invitations import team.csv --no-wait --json'],
  },
  async run({ api, out }, { values, args: [file] }) {
    let csv: string;
    try {
      csv = readFileSync(file!, 'utf8');
    } catch (error) {
      throw usageError(`Cannot read ${file}: ${(error as Error).message}`, 'import');
    }
    const batch = await api().post<BatchCreated>('/v1/invitations/batch', {
      body: csv,
      contentType: 'text/csv',
      headers: { 'idempotency-key': idempotencyKey(csv) },
    });

    if (out.json) out.data(batch);
    else {
      out.line(`Batch ${batch.batchId}: ${batch.rows} row${batch.rows === 1 ? '' : 's'}, ${batch.accepted} accepted, ${batch.rejected.length} rejected`);
      if (batch.rejected.length > 0) out.line(rejectedRows(batch, out.paint));
    }
    if (batch.accepted === 0) throw new CliError(exitCodes.refused, 'No row was accepted: nothing to send.');

    if (values.wait) await watch(api(), out, batch.batchId);
    return batch.rejected.length > 0 ? exitCodes.partial : exitCodes.ok;
  },
});
