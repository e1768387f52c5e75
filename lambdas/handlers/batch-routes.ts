/**
 * Bulk: `POST /v1/invitations/batch` (JSON, or CSV as `text/csv`) and the batch's progress. The body is
 * parsed whole, then every row is validated on its own: a bad row is rejected with its reason and the
 * others go on. A batch sent with an Idempotency-Key takes its id from the key, so its retry finishes it.
 * `?dryRun=true` answers what the batch would accept and reject, and changes nothing.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AppError } from '../domain/errors.ts';
import type { BatchRow, CreateInput, InvitationLibrary, RejectedRow } from '../domain/invitations.ts';
import { batchIdFor, maxBatchRows } from '../domain/library/batches.ts';
import { rowsFromCsv } from './http/batch-csv.ts';
import { header, json, parse, parseJsonBody, rawBody, validationError } from './http/respond.ts';
import type { Call, RouteHandlers } from './http/route-handler.ts';
import { batchEnvelope, batchQuery, batchRowSchema } from './http/schemas.ts';

export interface BatchRouteDeps {
  invitations: Pick<InvitationLibrary, 'createBatch' | 'checkBatch' | 'batchProgress'>;
}

/** 1,000 rows with room for names and metadata; still far below API Gateway's 10 MB. */
const maxBatchBytes = 2 * 1024 * 1024;

interface SentRow {
  index: number;
  line?: number;
  row: unknown;
}

function sentRows(event: APIGatewayProxyEventV2): SentRow[] {
  const text = rawBody(event);
  if (Buffer.byteLength(text, 'utf8') > maxBatchBytes) {
    throw new AppError('request.too_large', 413, `A batch must be at most ${maxBatchBytes / 1024 / 1024} MB.`);
  }
  const type = (header(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') return rowsFromCsv(text, maxBatchRows).map(({ line, row }, index) => ({ index, line, row }));
  const body = parse(batchEnvelope, parseJsonBody(event, maxBatchBytes), 'body');
  return body.invitations.map((row, index) => ({
    index,
    row: body.defaults && row !== null && typeof row === 'object' && !Array.isArray(row) ? { ...body.defaults, ...row } : row,
  }));
}

export function makeBatchRoutes({ invitations }: BatchRouteDeps): RouteHandlers {
  return {
    'POST /v1/invitations/batch': async ({ event, actor }: Call) => {
      const { dryRun } = parse(batchQuery, event.queryStringParameters ?? {}, 'query');
      const rows: BatchRow[] = [];
      const invalid: RejectedRow[] = [];
      for (const { index, line, row } of sentRows(event)) {
        const checked = batchRowSchema.safeParse(row);
        if (checked.success) {
          rows.push({ index, ...(line !== undefined && { line }), input: checked.data as CreateInput });
          continue;
        }
        const error = validationError(checked.error, 'row');
        const email = row !== null && typeof row === 'object' && typeof (row as { email?: unknown }).email === 'string' ? (row as { email: string }).email : undefined;
        invalid.push({ index, ...(line !== undefined && { line }), ...(email && { email }), code: error.code, message: error.message, details: error.details });
      }
      if (dryRun === 'true') {
        const checked = await invitations.checkBatch(rows, invalid);
        return json(200, { dryRun: true, rows: checked.rows, accepted: checked.accepted, rejected: checked.rejected });
      }
      const key = header(event, 'idempotency-key');
      const batchId = batchIdFor(key === undefined ? undefined : `${actor.id ?? 'anonymous'}:${key}`);
      const { batch, created, rejected } = await invitations.createBatch(batchId, rows, invalid, actor);
      return json(202, { batchId: batch.id, rows: batch.rows, accepted: batch.accepted, rejected, invitations: created });
    },
    'GET /v1/invitations/batches/{batchId}': async ({ params }: Call) => {
      const { batch, counts } = await invitations.batchProgress(params.batchId ?? '');
      return json(200, {
        batchId: batch.id,
        createdAt: batch.createdAt,
        rows: batch.rows,
        accepted: batch.accepted,
        rejected: batch.rejected,
        progress: counts,
        done: counts.queued === 0,
      });
    },
  };
}
