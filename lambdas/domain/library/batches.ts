/**
 * Many invitations at once (`POST /v1/invitations/batch`, JSON or CSV). Every row is checked on its own
 * and either becomes an invitation or is rejected with a reason; a rejected row changes nothing. Conflicts
 * are looked up in bulk: Logto's users by a multi-value search (one call per 100 emails). The accepted rows
 * are stored and their first emails queued, so the job queue sends them at the pace SES and Logto allow.
 *
 * A dry run (`?dryRun=true`) runs the same checks and stops there: nothing is stored, reserved or sent.
 *
 * A batch retried with its Idempotency-Key has the same id: its rows already stored count as accepted (and
 * their first email is queued again, which the send number makes harmless), so a request that died half-way
 * is finished by its retry, not answered with its own rows as conflicts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors.ts';
import { batchProgressKeys, batchProgressOf, effectiveStatus, outstandingSend, type Actor, type BatchProgressKey, type Invitation } from '../invitation.ts';
import type { Batch, Job } from '../ports.ts';
import type { CreateInput } from '../invitations.ts';
import type { LibraryContext } from './context.ts';

export const maxBatchRows = 1000;

/** A row as the caller sent it, validated. `line` is its line in a CSV file. */
export interface BatchRow {
  index: number;
  line?: number;
  input: CreateInput;
}

export interface RejectedRow {
  index: number;
  line?: number;
  email?: string;
  code: string;
  message: string;
  details?: unknown;
}

export interface BatchResult {
  batch: Batch;
  created: { index: number; id: string; email: string }[];
  rejected: RejectedRow[];
}

export interface DryRunResult {
  /** Rows sent. */
  rows: number;
  /** Rows that would become invitations. */
  accepted: number;
  rejected: RejectedRow[];
}

export interface BatchProgress {
  batch: Batch;
  counts: Record<BatchProgressKey, number>;
}

/** Creates stored in parallel, and first emails queued together (SQS takes ten per call). */
const groupSize = 10;
const groupsInFlight = 3;
const lookupsInFlight = 16;

/** `bat_` and 128 bits: random, or derived from the caller's Idempotency-Key so that a retry is the same batch. */
export function batchIdFor(idempotencyKey?: string): string {
  const bits = idempotencyKey === undefined ? randomBytes(16) : createHash('sha256').update(`batch\n${idempotencyKey}`).digest().subarray(0, 16);
  return `bat_${bits.toString('base64url')}`;
}

export const isBatchId = (id: string) => /^bat_[\w-]{22}$/.test(id);

const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;

/** A row refused with `error`, as the batch's answer lists it. */
const rejection = (row: BatchRow, error: AppError): RejectedRow => ({
  index: row.index,
  ...(row.line !== undefined && { line: row.line }),
  email: row.input.email,
  code: error.code,
  message: error.message,
  ...(error.details !== undefined && { details: error.details }),
});

/** Runs `work` over `items`, at most `limit` at a time, in order of the items. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * When a batch's `redrive-batch` job runs: after its request has surely ended (API Gateway gives up at 30 s;
 * the api function's timeout is 29 s), so a recorded batch is one that finished.
 */
export const redriveDelaySeconds = 60;

export function createBatches(
  ctx: LibraryContext,
  create: {
    /** The single create's rules (allowed domain, redirect allow-list); throws `AppError`. */
    checkRules: (input: CreateInput) => void;
    /** Stores one invitation of the batch, without sending it. */
    insert: (input: CreateInput, actor: Actor, batchId: string) => Promise<Invitation>;
  },
) {
  const { store, batches, identity, jobs, clock } = ctx;

  const firstSend = (invitation: Pick<Invitation, 'id' | 'delivery'>): Job | undefined => {
    const request = outstandingSend(invitation);
    return request && { kind: 'deliver', invitationId: invitation.id, send: request.number };
  };

  /**
   * Every check a row meets before anything of it is stored: the single create's rules, the batch's own
   * duplicates, a pending invitation for the email, a registered user. It only reads. `batchId`: the batch
   * being submitted, whose own pending invitations (a retry) are rows already done, not conflicts.
   */
  async function check(batchId: string | undefined, rows: readonly BatchRow[], invalid: readonly RejectedRow[]) {
    const rejected: RejectedRow[] = [...invalid];
    const done: BatchResult['created'] = [];
    const reject = (row: BatchRow, error: AppError) => rejected.push(rejection(row, error));

    // The rules, and the batch's own duplicates: the first row of an email stands.
    const firstOf = new Map<string, BatchRow>();
    const checked: BatchRow[] = [];
    for (const row of rows) {
      const first = firstOf.get(row.input.email);
      if (first) {
        const where = first.line !== undefined ? `line ${first.line}` : `row ${first.index}`;
        reject(row, new AppError('batch.duplicate_email', 422, `The same email is on ${where} of this batch.`));
        continue;
      }
      firstOf.set(row.input.email, row);
      try {
        create.checkRules(row.input);
        checked.push(row);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        reject(row, error);
      }
    }

    // Pending invitations: another's is a conflict; this batch's own (a retry) is a row already done.
    const redrive: Job[] = [];
    const unclaimed: BatchRow[] = [];
    await eachLimited(checked, lookupsInFlight, async (row) => {
      const pending = await store.findPendingByEmail(row.input.email);
      if (!pending || effectiveStatus(pending, clock.now()) !== 'pending') return void unclaimed.push(row);
      if (batchId !== undefined && pending.batchId === batchId) {
        done.push({ index: row.index, id: pending.id, email: pending.email });
        const job = firstSend(pending);
        if (job) redrive.push(job);
        return;
      }
      reject(row, new AppError('invitation.already_pending', 409, 'A pending invitation for this email already exists.', { invitationId: pending.id }));
    });

    // Registered users, a hundred emails a call.
    const registered = await identity.findRegisteredEmails(unclaimed.map((row) => row.input.email));
    const fresh = unclaimed
      .filter((row) => {
        if (!registered.has(row.input.email)) return true;
        reject(row, new AppError('invitation.already_registered', 409, 'A user with this email is already registered.'));
        return false;
      })
      .sort((a, b) => a.index - b.index);
    return { fresh, done, redrive, rejected };
  }

  /**
   * Checks every row, stores the ones that pass, queues their emails, and records the batch. `rejected`
   * holds the rows that failed validation already (the caller parsed them).
   */
  async function submit(batchId: string, rows: readonly BatchRow[], invalid: readonly RejectedRow[], actor: Actor): Promise<BatchResult> {
    const { fresh, done: created, redrive, rejected } = await check(batchId, rows, invalid);
    if (redrive.length > 0) await jobs.enqueueAll(redrive);
    // Before any row is stored: whatever happens to this request from here on, its rows' emails go out.
    if (fresh.length > 0) await jobs.enqueue({ kind: 'redrive-batch', batchId }, redriveDelaySeconds);
    const groups = Array.from({ length: Math.ceil(fresh.length / groupSize) }, (_, i) => fresh.slice(i * groupSize, (i + 1) * groupSize));
    await eachLimited(groups, groupsInFlight, async (group) => {
      const queued: Job[] = [];
      await Promise.all(
        group.map(async (row) => {
          try {
            const invitation = await create.insert(row.input, actor, batchId);
            created.push({ index: row.index, id: invitation.id, email: invitation.email });
            const job = firstSend(invitation);
            if (job) queued.push(job);
          } catch (error) {
            // A refusal (a create racing ours for the email, Logto refusing a provisioned user) or Logto
            // down for this row: the row is rejected and nothing of it stays. Anything else fails the request.
            if (!(error instanceof AppError)) throw error;
            rejected.push(rejection(row, error));
          }
        }),
      );
      if (queued.length > 0) await jobs.enqueueAll(queued);
    });

    const batch: Batch = {
      id: batchId,
      createdAt: clock.now().toISOString(),
      createdBy: actor,
      rows: rows.length + invalid.length,
      accepted: created.length,
      rejected: rejected.length,
    };
    await batches.putBatch(batch);
    return { batch, created: created.sort(byIndex), rejected: rejected.sort(byIndex) };
  }

  /**
   * The batch's checks alone (`?dryRun=true`): which rows would become invitations and why each other one
   * would not. Nothing is stored, reserved, minted, queued or sent. A row it accepts can still be refused
   * when submitted by what only creating it finds: another create taking its email first, or Logto refusing
   * a provision row's user.
   */
  async function dryRun(rows: readonly BatchRow[], invalid: readonly RejectedRow[]): Promise<DryRunResult> {
    const { fresh, rejected } = await check(undefined, rows, invalid);
    return { rows: rows.length + invalid.length, accepted: fresh.length, rejected: rejected.sort(byIndex) };
  }

  /** Counts of the batch's invitations by where they stand: a progress bar's figures. */
  async function progress(id: string): Promise<BatchProgress> {
    const batch = isBatchId(id) ? await batches.getBatch(id) : undefined;
    if (!batch) throw new AppError('batch.not_found', 404, `No batch with id ${id}.`);
    const counts = Object.fromEntries(batchProgressKeys.map((key) => [key, 0])) as Record<BatchProgressKey, number>;
    const now = clock.now();
    for (const member of await batches.batchMembers(id)) counts[batchProgressOf(member, now)] += 1;
    return { batch, counts };
  }

  /**
   * The `redrive-batch` job: a batch that was never recorded had its request die after storing rows, maybe
   * before queueing their emails; each first send still outstanding is queued again. A send queued twice
   * goes once (its number is claimed), and one already settled is not repeated.
   */
  async function redriveUnrecorded(batchId: string): Promise<void> {
    if (await batches.getBatch(batchId)) return;
    const queued = (await batches.batchMembers(batchId)).flatMap((member) => {
      const job = member.status === 'pending' ? firstSend(member) : undefined;
      return job ? [job] : [];
    });
    if (queued.length > 0) await jobs.enqueueAll(queued);
  }

  return { submit, dryRun, progress, redriveUnrecorded };
}
