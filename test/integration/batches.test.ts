/**
 * Bulk on the local stack over HTTP: a JSON and a CSV batch, each row accepted or rejected with its reason
 * (nothing stored for a rejected row), registered users found with Logto's multi-value search (one call
 * per 100 emails), the emails sent by the job queue, the progress a progress bar reads, and a batch
 * retried with its Idempotency-Key finishing instead of conflicting with itself, and a dry run that answers
 * the same verdicts while changing nothing.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, inbox, logtoView } from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let logto: Awaited<ReturnType<typeof logtoView>>['logto'];
let run = 0;

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', env: { ALLOWED_EMAIL_DOMAINS: 'example.com,example.org' } });
  admin = client(stack.apiUrl, await adminToken(stack));
  logto = (await logtoView(stack)).logto;
});

afterAll(async () => {
  await stack?.close();
});

const unique = (name: string) => `${name}-${Date.now().toString(36)}-${(run += 1)}@example.com`;

/** Until the batch has no email queued (the job queue drains it), then its progress. */
async function settled(batchId: string) {
  for (let i = 0; i < 200; i += 1) {
    await stack.jobs.runDue(true);
    const reply = await admin.get(`/v1/invitations/batches/${batchId}`);
    expect(reply.status).toBe(200);
    if (reply.body.done) return reply.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`batch ${batchId} did not settle`);
}

const logtoRequests = async () => (await (await fetch(`${stack.logtoUrl}/__standin/requests`)).json()) as Record<string, number>;
const logtoUserSearches = async () => (await logtoRequests())['GET /api/users'] ?? 0;

/** The table's partition keys (`INV#…`, `EMAIL#…`, `IDEMPOTENCY#…`, `BATCH#…`): what a write of any kind would add to. */
async function tablePartitions(): Promise<Set<string>> {
  const dynamo = new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const partitions = new Set<string>();
  let start: Record<string, any> | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: stack.config.TABLE_NAME, ExclusiveStartKey: start, ProjectionExpression: 'pk' }));
    for (const item of page.Items ?? []) partitions.add(item.pk!.S!);
    start = page.LastEvaluatedKey;
  } while (start);
  dynamo.destroy();
  return partitions;
}

describe('POST /v1/invitations/batch', () => {
  it('accepts the good rows, rejects each bad one with its reason, and emails the accepted ones once', async () => {
    const registered = unique('registered');
    await logto.post('/api/users', { primaryEmail: registered });
    const pendingElsewhere = unique('pending');
    const single = await admin.post('/v1/invitations', { email: pendingElsewhere });
    expect(single.status).toBe(201);
    const good = [unique('ada'), unique('bob'), unique('cy')] as const;

    const reply = await admin.post('/v1/invitations/batch', {
      defaults: { roleIds: ['role-member'], locale: 'de' },
      invitations: [
        { email: good[0], metadata: { team: 'a' } },
        { email: 'not an email' },
        { email: good[1].toUpperCase(), locale: 'en' },
        { email: good[1] },
        { email: pendingElsewhere },
        { email: registered },
        { email: 'someone@elsewhere.net' },
        { email: good[2], password: 'secret-Secret-1' },
        { email: good[2], mode: 'accept-link' },
      ],
    });
    expect(reply.status).toBe(202);
    expect(reply.body.rows).toBe(9);
    expect(reply.body.accepted).toBe(3);
    const reasons = Object.fromEntries(reply.body.rejected.map((row: { index: number; code: string }) => [row.index, row.code]));
    expect(reasons).toEqual({
      1: 'request.validation_failed',
      3: 'batch.duplicate_email',
      4: 'invitation.already_pending',
      5: 'invitation.already_registered',
      6: 'invitation.domain_not_allowed',
      7: 'request.validation_failed',
    });
    expect(reply.body.rejected.find((row: { index: number }) => row.index === 4).details.invitationId).toBe(single.body.id);
    expect(reply.body.invitations.map((row: { index: number; email: string }) => [row.index, row.email])).toEqual([
      [0, good[0]],
      [2, good[1]],
      [8, good[2]],
    ]);

    const first = await admin.get(`/v1/invitations/${reply.body.invitations[0].id}`);
    expect(first.body).toMatchObject({ batchId: reply.body.batchId, roleIds: ['role-member'], locale: 'de', metadata: { team: 'a' } });
    const third = await admin.get(`/v1/invitations/${reply.body.invitations[2].id}`);
    expect(third.body).toMatchObject({ mode: 'accept-link', locale: 'de' });
    // A rejected row stored nothing.
    expect((await admin.get(`/v1/invitations?email=${encodeURIComponent('someone@elsewhere.net')}`)).body.data).toEqual([]);

    const progress = await settled(reply.body.batchId);
    expect(progress).toMatchObject({ rows: 9, accepted: 3, rejected: 6, progress: { queued: 0, sent: 3, failed: 0, accepted: 0, ended: 0 }, done: true });
    for (const email of good) expect(await inbox(stack, email)).toHaveLength(1);
    // The second time the jobs run, nothing is sent again.
    await stack.jobs.runDue(true);
    for (const email of good) expect(await inbox(stack, email)).toHaveLength(1);
  });

  it('finds registered users with one Logto search per 100 emails', async () => {
    const emails = Array.from({ length: 150 }, (_, i) => unique(`many${i}`));
    await logto.post('/api/users', { primaryEmail: emails[7] });
    await logto.post('/api/users', { primaryEmail: emails[120] });
    const before = await logtoUserSearches();
    const reply = await admin.post('/v1/invitations/batch', { invitations: emails.map((email) => ({ email })) });
    expect(reply.status).toBe(202);
    expect(await logtoUserSearches()).toBe(before + 2);
    expect(reply.body.accepted).toBe(148);
    expect(reply.body.rejected.map((row: { index: number; code: string }) => [row.index, row.code])).toEqual([
      [7, 'invitation.already_registered'],
      [120, 'invitation.already_registered'],
    ]);
    const progress = await settled(reply.body.batchId);
    expect(progress.progress.sent).toBe(148);
  });

  it('takes CSV, with lists, metadata columns and line numbers', async () => {
    const [ada, bob] = [unique('csv-ada'), unique('csv-bob')];
    const csv = [
      'email,name,mode,roleIds,metadata.team,metadata.source.campaign',
      `${ada},"Lovelace, Ada",accept-link,role-member;role-editor,core,spring`,
      'broken,,,,,',
      '',
      `${bob},Bob,,,,`,
    ].join('\n');
    const reply = await admin.post('/v1/invitations/batch', csv, { 'content-type': 'text/csv; charset=utf-8' });
    expect(reply.status).toBe(202);
    expect(reply.body.accepted).toBe(2);
    expect(reply.body.rejected).toMatchObject([{ index: 1, line: 3, email: 'broken', code: 'request.validation_failed' }]);
    const stored = await admin.get(`/v1/invitations/${reply.body.invitations[0].id}`);
    expect(stored.body).toMatchObject({
      email: ada,
      name: 'Lovelace, Ada',
      mode: 'accept-link',
      roleIds: ['role-member', 'role-editor'],
      metadata: { team: 'core', source: { campaign: 'spring' } },
    });
    expect(reply.body.invitations[1]).toMatchObject({ index: 2, email: bob });
  });

  it('refuses a CSV it cannot read, and one with unknown columns, storing nothing', async () => {
    const email = unique('refused');
    const unknownColumn = await admin.post('/v1/invitations/batch', `email,password\n${email},x\n`, { 'content-type': 'text/csv' });
    expect(unknownColumn.status).toBe(422);
    expect(unknownColumn.body).toMatchObject({ code: 'batch.invalid_csv', message: 'Unknown column(s): password.' });
    const unclosed = await admin.post('/v1/invitations/batch', `email,name\n${email},"never closed\n`, { 'content-type': 'text/csv' });
    expect(unclosed.status).toBe(422);
    const noEmail = await admin.post('/v1/invitations/batch', 'name\nAda\n', { 'content-type': 'text/csv' });
    expect(noEmail.body.message).toBe('The CSV needs an email column.');
    const tooMany = await admin.post('/v1/invitations/batch', { invitations: Array.from({ length: 1001 }, (_, i) => ({ email: `${i}-${email}` })) });
    expect(tooMany.status).toBe(422);
    expect((await admin.get(`/v1/invitations?email=${encodeURIComponent(email)}`)).body.data).toEqual([]);
  });

  it('a batch retried with its Idempotency-Key is the same batch: the retry replays, and a new key meets the rows as pending', async () => {
    const emails = [unique('retry-a'), unique('retry-b')];
    const body = { invitations: emails.map((email) => ({ email })) };
    const first = await admin.post('/v1/invitations/batch', body, { 'idempotency-key': `batch-${run}` });
    const again = await admin.post('/v1/invitations/batch', body, { 'idempotency-key': `batch-${run}` });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await admin.post('/v1/invitations/batch', body, { 'idempotency-key': `other-${run}` });
    expect(other.body.accepted).toBe(0);
    expect(other.body.rejected.map((row: { code: string }) => row.code)).toEqual(['invitation.already_pending', 'invitation.already_pending']);
  });

  it('answers 404 for an unknown batch, and needs the read scope', async () => {
    expect((await admin.get('/v1/invitations/batches/bat_AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await admin.get('/v1/invitations/batches/nonsense')).body.code).toBe('batch.not_found');
    expect((await client(stack.apiUrl).get('/v1/invitations/batches/bat_AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
  });
});

describe('POST /v1/invitations/batch?dryRun=true', () => {
  it("answers each row's verdict as the batch would, and changes nothing: no invitation, slot, token, email, job or record", async () => {
    // Prepare
    const registered = unique('dry-registered');
    await logto.post('/api/users', { primaryEmail: registered });
    const pendingElsewhere = unique('dry-pending');
    const single = await admin.post('/v1/invitations', { email: pendingElsewhere });
    expect(single.status).toBe(201);
    await stack.jobs.runDue(true);
    const good = [unique('dry-ada'), unique('dry-bob')] as const;
    const rows = {
      defaults: { roleIds: ['role-member'] },
      invitations: [
        { email: good[0] },
        { email: 'not an email' },
        { email: good[0].toUpperCase() },
        { email: pendingElsewhere },
        { email: registered },
        { email: 'someone@elsewhere.net' },
        { email: good[1], redirectUrl: 'https://evil.example/after' },
        { email: good[1].replace('dry-bob', 'dry-cy'), mode: 'accept-link' },
      ],
    };
    const [requestsBefore, partitionsBefore, jobsBefore] = [await logtoRequests(), await tablePartitions(), stack.jobs.pending.length];

    // Act
    const dry = await admin.post('/v1/invitations/batch?dryRun=true', rows, { 'idempotency-key': `dry-${run}` });

    // Assess
    expect(dry.status).toBe(200);
    expect(dry.headers.get('idempotent-replayed')).toBeNull();
    expect(dry.body).toMatchObject({ dryRun: true, rows: 8, accepted: 2 });
    expect(Object.keys(dry.body).sort()).toEqual(['accepted', 'dryRun', 'rejected', 'rows']);
    const reasons = Object.fromEntries(dry.body.rejected.map((row: { index: number; code: string }) => [row.index, row.code]));
    expect(reasons).toEqual({
      1: 'request.validation_failed',
      2: 'batch.duplicate_email',
      3: 'invitation.already_pending',
      4: 'invitation.already_registered',
      5: 'invitation.domain_not_allowed',
      6: 'invitation.redirect_not_allowed',
    });
    expect(dry.body.rejected.find((row: { index: number }) => row.index === 3).details.invitationId).toBe(single.body.id);
    const requestsAfter = await logtoRequests();
    expect(requestsAfter['GET /api/users']).toBe((requestsBefore['GET /api/users'] ?? 0) + 1);
    for (const key of ['POST /api/one-time-tokens', 'POST /api/users']) expect(requestsAfter[key] ?? 0).toBe(requestsBefore[key] ?? 0);
    expect(await tablePartitions()).toEqual(partitionsBefore);
    expect(stack.jobs.pending.length).toBe(jobsBefore);
    await stack.jobs.runDue(true);
    for (const email of good) {
      expect(await inbox(stack, email)).toEqual([]);
      expect((await admin.get(`/v1/invitations?email=${encodeURIComponent(email)}`)).body.data).toEqual([]);
    }

    // The same rows, for real and with the same Idempotency-Key: a batch of its own (the dry run held no
    // key and no slot), accepting exactly what the dry run said.
    const real = await admin.post('/v1/invitations/batch', rows, { 'idempotency-key': `dry-${run}` });
    expect(real.status).toBe(202);
    expect(real.headers.get('idempotent-replayed')).toBeNull();
    expect(real.body.accepted).toBe(dry.body.accepted);
    expect(real.body.rejected).toEqual(dry.body.rejected);
    // Now the dry run meets the batch's own invitations as pending: a dry run is never that batch's retry.
    const after = await admin.post('/v1/invitations/batch?dryRun=true', rows, { 'idempotency-key': `dry-${run}` });
    expect([after.status, after.body.accepted]).toEqual([200, 0]);
    expect(after.body.rejected.filter((row: { code: string }) => row.code === 'invitation.already_pending')).toHaveLength(3);
  });

  it('takes CSV with its line numbers, and refuses a bad dryRun or an unknown query parameter, storing nothing', async () => {
    // Prepare
    const [ada, bob] = [unique('dry-csv-ada'), unique('dry-csv-bob')];
    const csv = ['email,name', `${ada},Ada`, 'broken,', `${bob},Bob`].join('\n');

    // Act
    const dry = await admin.post('/v1/invitations/batch?dryRun=true', csv, { 'content-type': 'text/csv' });
    const yes = await admin.post('/v1/invitations/batch?dryRun=yes', csv, { 'content-type': 'text/csv' });
    const unknown = await admin.post('/v1/invitations/batch?preview=true', csv, { 'content-type': 'text/csv' });
    const unreadable = await admin.post('/v1/invitations/batch?dryRun=true', 'name\nAda\n', { 'content-type': 'text/csv' });
    const readOnly = await client(stack.apiUrl, await adminToken(stack, { scope: 'invitations:read' })).post('/v1/invitations/batch?dryRun=true', csv, {
      'content-type': 'text/csv',
    });

    // Assess
    expect(dry.body).toEqual({
      dryRun: true,
      rows: 3,
      accepted: 2,
      rejected: [expect.objectContaining({ index: 1, line: 3, email: 'broken', code: 'request.validation_failed' })],
    });
    expect([yes.status, yes.body.code, yes.body.details[0].path]).toEqual([422, 'request.validation_failed', 'dryRun']);
    expect([unknown.status, unknown.body.details[0].path]).toEqual([422, 'preview']);
    expect([unreadable.status, unreadable.body.code]).toEqual([422, 'batch.invalid_csv']);
    expect(readOnly.status).toBe(403);
    for (const email of [ada, bob]) expect((await admin.get(`/v1/invitations?email=${encodeURIComponent(email)}`)).body.data).toEqual([]);
  });
});

describe('a batch drains at the rate SES allows', () => {
  let slow: LocalStack;

  beforeAll(async () => {
    slow = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', sesMaxSendRate: 8 });
  });

  afterAll(async () => {
    await slow?.close();
  });

  it('sends every email once and is never throttled, where the same sends at once are', async () => {
    // Prepare
    const emails = Array.from({ length: 30 }, (_, i) => unique(`paced${i}`));
    const slowAdmin = client(slow.apiUrl, await adminToken(slow));

    // Act
    const reply = await slowAdmin.post('/v1/invitations/batch', { invitations: emails.map((email) => ({ email })) });
    await slow.jobs.runDue(true);
    const progress = await slowAdmin.get(`/v1/invitations/batches/${reply.body.batchId}`);

    // Assess
    expect(progress.body.progress).toMatchObject({ queued: 0, sent: 30, failed: 0 });
    for (const email of emails) expect(await inbox(slow, email)).toHaveLength(1);
    expect(slow.ses.throttled()).toBe(0);
    // The limit is real: 20 sends at once, unpaced, go over it.
    const { SESv2Client, SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    const ses = new SESv2Client({ endpoint: slow.sesUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    const burst = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        ses.send(new SendEmailCommand({ FromEmailAddress: 'burst@example.com', Destination: { ToAddresses: ['burst@example.com'] }, Content: { Simple: { Subject: { Data: 'x' }, Body: { Text: { Data: 'x' } } } } })),
      ),
    );
    ses.destroy();
    expect(burst.filter((outcome) => outcome.status === 'rejected').length).toBeGreaterThan(0);
    expect(slow.ses.throttled()).toBeGreaterThan(0);
  });
});
