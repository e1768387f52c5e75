/**
 * `POST /v1/invitations` (magic-link, notify: the email is sent in the request) on the local stack, against
 * a bare run of the calls a correct create cannot do without, on the same stack in the same process and
 * interleaved with it: the Logto user lookup by email, the one-time-token mint, two conditional writes (the
 * email's slot and the invitation) and the SES send; and a read of one invitation, the API's floor (HTTP,
 * the token check, one GetItem). Prints latency (sequential, and 8 concurrent clients with throughput), the
 * calls one create makes, and the memory of a fresh process before and after many creates (the stack in
 * memory, then with its data on disk), with what holds it. Run: `npm run bench create [-- --quick]`.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LogtoManagementClient } from '../lambdas/adapters/logto-management-client.ts';
import { createSesMailerClient, SesMailer } from '../lambdas/adapters/ses-mailer.ts';
import { seed } from '../local/logto-stand-in/index.ts';
import { startLocalStack, type LocalStack } from '../local/stack.ts';
import { adminToken, client, managementToken } from '../test/support/local-stack.ts';
import { watchCalls, type Tally } from './_calls.ts';
import { memoryNow, ms, pool, quantile, timed, type Memory } from './_measure.ts';

const quick = process.argv.includes('--quick');
const creates = quick ? 60 : 300;
const manyCreates = quick ? 300 : 5000;
const counted = 20;
const concurrency = 8;
const warmUp = quick ? 100 : 300;
const run = randomBytes(3).toString('hex');

let sequence = 0;
/** Creates whose email did not go out in the request (the answer's delivery status and error), for the report. */
const unsent: { email: string; status: string; lastError?: string }[] = [];

const memoryVariant = process.argv.find((arg) => arg.startsWith('--memory='))?.slice('--memory='.length);
if (memoryVariant) {
  // A child run (below): one memory figure from a fresh process, so its RSS starts clean.
  const onDisk = memoryVariant === 'disk';
  console.log(`\nmemory of a fresh process running the whole local stack, over ${manyCreates} creates, ${onDisk ? 'data on disk (as npm start runs it)' : 'in memory (as the tests run it)'}, after GC, MB:`);
  for (const line of await memoryRun(onDisk)) console.log(`  ${line}`);
} else {
  await latencyAndCalls();
  // --quick: only the variant npm start runs, so that every benchmark's quick run fits in two minutes.
  for (const variant of quick ? ['disk'] : ['memory', 'disk']) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--memory=${variant}`, ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
    if (child.status !== 0) process.exitCode = 1;
  }
}

/** Latency against the bare calls, sequential and concurrent, and the calls one create makes. */
async function latencyAndCalls(): Promise<void> {
  // Latency, not pacing: the local SES must not throttle (bench/bulk measures the pacing).
  const stack = await startLocalStack({ logLevel: 'SILENT', sesMaxSendRate: 1_000_000 });
  const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamo = new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: localCredentials });
  const sesClient = createSesMailerClient({ endpoint: stack.sesUrl, region: 'us-east-1', credentials: localCredentials });

  try {
    const create = await creator(stack);

    // The bare calls, through the same adapters the service uses (their retries and timeouts included).
    const identity = new LogtoManagementClient({
      endpoint: stack.logtoUrl,
      apiIndicator: seed.managementApiResource,
      credentials: async () => ({ appId: seed.m2mApp.id, appSecret: seed.m2mApp.secret }),
    });
    const mailer = new SesMailer({
      client: sesClient,
      from: stack.config.SES_FROM,
      templateNamePrefix: stack.config.SES_TEMPLATE_PREFIX,
      defaultLocale: stack.config.DEFAULT_LOCALE,
      locales: stack.config.EMAIL_LOCALES,
    });
    // The invitation as the service stores it (its indexes' keys too, so the write costs what a real one does).
    const { id: modelId } = await create();
    const { Item: model } = await dynamo.send(new GetItemCommand({ TableName: stack.config.TABLE_NAME, Key: { pk: { S: `INV#${modelId}` }, sk: { S: 'INVITATION' } } }));
    if (!model) throw new Error('the model invitation is not stored');
    const absent = { ConditionExpression: 'attribute_not_exists(pk)' };
    const bare = async () => {
      const to = email('bare');
      const id = `inv_${randomBytes(16).toString('base64url')}`;
      if (await identity.findUserByEmail(to)) throw new Error('bare: a user exists');
      await dynamo.send(new PutItemCommand({ TableName: stack.config.TABLE_NAME, Item: { pk: { S: `EMAIL#${to}` }, sk: { S: 'PENDING' }, kind: { S: 'pending-slot' }, invitationId: { S: id } }, ...absent }));
      const token = await identity.createOneTimeToken({ email: to, expiresIn: 7 * 24 * 3600, jitOrganizationIds: [] });
      const item: Record<string, AttributeValue> = { ...model, pk: { S: `INV#${id}` }, id: { S: id }, email: { S: to }, emailKey: { S: to }, tokenIds: { L: [{ S: token.id }] } };
      await dynamo.send(new PutItemCommand({ TableName: stack.config.TABLE_NAME, Item: item, ...absent }));
      await mailer.sendInvitation({
        kind: 'invitation',
        invitationId: id,
        to,
        locale: 'en',
        appName: stack.config.APP_NAME,
        inviterName: stack.config.APP_NAME,
        expiresAt: new Date(Date.now() + 7 * 24 * 3600_000).toUTCString(),
        link: `${stack.config.LANDING_URL}?token=${token.token}&email=${encodeURIComponent(to)}`,
        reminder: false,
      });
    };

    // --- What one create calls: in the request, and afterwards (the mail service's delivery event).
    const watch = watchCalls(stack, { trace: true });
    const inRequest: Tally[] = [];
    const afterwards: Tally[] = [];
    let firstTrace: string[] = [];
    for (let i = 0; i < counted; i += 1) {
      await stack.ses.idle();
      watch.trace!.length = 0;
      const start = watch.snapshot();
      await create();
      inRequest.push(watch.since(start));
      if (i === 0) firstTrace = [...watch.trace!];
      const end = watch.snapshot();
      await stack.ses.idle();
      afterwards.push(watch.since(end));
    }
    watch.stop();

    // The API's own floor: the HTTP hop, the token check, one GetItem (reading the model invitation).
    const admin = client(stack.apiUrl, await adminToken(stack));
    const read = async () => {
      if ((await admin.get(`/v1/invitations/${modelId}`)).status !== 200) throw new Error('read failed');
    };

    // --- Latency, sequential: a create, a bare run and a read, in turn, so a slow moment hits all alike.
    for (let i = 0; i < 10; i += 1) await Promise.all([create(), bare(), read()]); // warm-up, every path
    const sequential = { create: [] as number[], bare: [] as number[], read: [] as number[] };
    for (let i = 0; i < creates; i += 1) {
      sequential.create.push(await timed(create));
      sequential.bare.push(await timed(bare));
      sequential.read.push(await timed(read));
    }

    // --- 8 concurrent clients: blocks of creates and of bare runs, alternating.
    const blocks = 5;
    const concurrent = { create: { times: [] as number[], wallMs: 0 }, bare: { times: [] as number[], wallMs: 0 } };
    for (let b = 0; b < blocks; b += 1) {
      for (const [kind, work] of [['create', create], ['bare', bare]] as const) {
        const { times, wallMs } = await pool(Math.ceil(creates / blocks), concurrency, work);
        concurrent[kind].times.push(...times);
        concurrent[kind].wallMs += wallMs;
      }
    }

    // --- Report.
    const p = (values: number[], q: number) => quantile(values, q);
    const row = (label: string, values: number[], extra = '') => `  ${label.padEnd(8)} p50 ${ms(p(values, 0.5))}  p99 ${ms(p(values, 0.99))}${extra}`;
    console.log(`create: POST /v1/invitations (magic-link, notify) on the local stack, run ${run}, ms`);
    console.log(`sequential, ${creates} of each, interleaved:`);
    console.log(row('create', sequential.create));
    console.log(row('bare', sequential.bare));
    console.log(row('read', sequential.read, '  (GET /v1/invitations/{id}: the HTTP hop, the token check and one GetItem)'));
    console.log(`  ratio    p50 x${(p(sequential.create, 0.5) / p(sequential.bare, 0.5)).toFixed(2)}  p99 x${(p(sequential.create, 0.99) / p(sequential.bare, 0.99)).toFixed(2)}  (target: create p99 within x2 of bare)`);
    console.log(`${concurrency} concurrent clients, ${blocks} alternating blocks of ${Math.ceil(creates / blocks)}:`);
    for (const kind of ['create', 'bare'] as const) {
      const { times, wallMs } = concurrent[kind];
      console.log(row(kind, times, `  ${((times.length / wallMs) * 1000).toFixed(1).padStart(6)} /s`));
    }
    console.log(`  ratio    p50 x${(p(concurrent.create.times, 0.5) / p(concurrent.bare.times, 0.5)).toFixed(2)}  p99 x${(p(concurrent.create.times, 0.99) / p(concurrent.bare.times, 0.99)).toFixed(2)}`);

    console.log(`\ncalls per create (mean of ${counted}; target: at most 4 DynamoDB calls and 2 Logto calls in the request):`);
    printCalls('in the request', inRequest);
    printCalls('after it (SES delivery event -> mail-events function)', afterwards);
    console.log('  one create, in order:');
    for (const line of firstTrace) console.log(`    ${line}`);
    const notSent = unsentLine();
    if (notSent) console.log(`\n${notSent}`);
  } finally {
    dynamo.destroy();
    sesClient.destroy();
    await stack.close();
  }
}

function email(kind: string): string {
  return `bench-${kind}-${run}-${sequence++}@example.com`;
}

/**
 * `POST /v1/invitations` as an admin tool calls it; throws unless it answers 201. One whose email did not go
 * out in the request (its delivery event may be in already: `delivered` counts as sent) is noted in {@link unsent}.
 */
async function creator(on: LocalStack): Promise<() => Promise<{ id: string }>> {
  const admin = client(on.apiUrl, await adminToken(on));
  return async () => {
    const to = email('create');
    const reply = await admin.post('/v1/invitations', { email: to });
    if (reply.status !== 201) throw new Error(`create: ${reply.status} ${JSON.stringify(reply.body)}`);
    const { status, lastError } = reply.body.delivery as { status: string; lastError?: string };
    if (status !== 'sent' && status !== 'delivered') unsent.push({ email: to, status, ...(lastError && { lastError }) });
    return reply.body as { id: string };
  };
}

/** One line on the creates whose email did not go out in the request, and whether the local SES got it all the same. */
function unsentLine(received?: Set<string>): string | undefined {
  if (unsent.length === 0) return undefined;
  const reasons = [...new Set(unsent.map((one) => `${one.status}${one.lastError ? ` (${one.lastError})` : ''}`))].join(', ');
  const arrived = received ? `; of them, ${unsent.filter((one) => received.has(one.email)).length} reached the local SES's inbox` : '';
  return `not sent in the request: ${unsent.length} of the creates, ${reasons}${arrived}`;
}

/**
 * Many creates on a fresh stack, then what holds the memory they added: each part of the local stack that
 * keeps data in this process is released in turn and the heap and Buffers (external) it frees measured —
 * the local SES's inbox, the lifecycle executions waiting for their reminder, the stand-in's one-time tokens,
 * and last the stack itself, closed and dropped (DynamoDB's data: dynalite keeps it in memory unless it has a
 * data directory). What is left over the figure before the creates is what no part accounts for: the
 * candidates for a leak.
 */
async function memoryRun(onDisk: boolean): Promise<string[]> {
  const dataDir = onDisk ? mkdtempSync(join(tmpdir(), 'bench-create-')) : undefined;
  const lines: string[] = [];
  // A first stack started, used and closed: its code compiled and its modules' state made, which stay.
  const first = await startLocalStack({ logLevel: 'SILENT', sesMaxSendRate: 1_000_000 });
  await pool(20, concurrency, await creator(first)).finally(() => first.close());
  await sleep(2000);
  const empty = memoryNow();
  let before: Memory | undefined;
  let last: Memory | undefined;
  const freed = (label: string, detail: string) => {
    const now = memoryNow();
    const heap = last!.heapUsedMb - now.heapUsedMb;
    const external = last!.externalMb - now.externalMb;
    lines.push(`  ${label.padEnd(30)} heap ${heap.toFixed(1).padStart(5)}  external ${external.toFixed(1).padStart(5)} MB  ${(((heap + external) * 1024) / manyCreates).toFixed(2).padStart(5)} KB  ${detail}`);
    last = now;
  };

  // In a function of its own, so that nothing here holds the stack once it returns.
  const createThenRelease = async () => {
    const local = await startLocalStack({ logLevel: 'SILENT', sesMaxSendRate: 1_000_000, ...(dataDir && { dataDir }) });
    try {
      const create = await creator(local);
      await pool(warmUp, concurrency, create); // warm-up: lazy set-up, and the JIT has compiled the hot paths (RSS jumps once then)
      await local.ses.idle();
      before = memoryNow();
      // In three parts, with a figure after each: growth that levels off is not growth per create.
      const times: number[] = [];
      let wallMs = 0;
      const curve: string[] = [];
      for (const [done, part] of [[0.1, 0.1], [0.5, 0.4], [1, 0.5]] as const) {
        const chunk = await pool(Math.round(manyCreates * part), concurrency, create);
        times.push(...chunk.times);
        wallMs += chunk.wallMs;
        await local.ses.idle();
        const now = memoryNow();
        curve.push(`${Math.round(manyCreates * done)}: rss +${(now.rssMb - before.rssMb).toFixed(1)}, heap+external +${(now.heapUsedMb + now.externalMb - before.heapUsedMb - before.externalMb).toFixed(1)}`);
      }
      const after = memoryNow();
      last = after;
      const tenth = Math.max(1, Math.floor(times.length / 10));
      const fmt = (m: Memory) => `rss ${m.rssMb.toFixed(1)} (anonymous ${m.rssAnonMb.toFixed(1)}, files ${m.rssFileMb.toFixed(1)})  heapTotal ${m.heapTotalMb.toFixed(1)}  heapUsed ${m.heapUsedMb.toFixed(1)}  external ${m.externalMb.toFixed(1)}`;
      lines.push(`before  ${fmt(before)}`);
      lines.push(`after   ${fmt(after)}`);
      lines.push(`delta   rss ${(after.rssMb - before.rssMb).toFixed(1)} (anonymous ${(after.rssAnonMb - before.rssAnonMb).toFixed(1)}, files ${(after.rssFileMb - before.rssFileMb).toFixed(1)})  heapUsed ${(after.heapUsedMb - before.heapUsedMb).toFixed(1)}  external ${(after.externalMb - before.externalMb).toFixed(1)}` +
        `  = ${(((after.rssMb - before.rssMb) * 1024) / manyCreates).toFixed(1)} KB rss per create  (target: rss within +50 MB after 5,000)`);
      lines.push(`after   ${curve.join('; ')} (MB)`);
      lines.push(`creates ${((manyCreates / wallMs) * 1000).toFixed(1)}/s with ${concurrency} clients; p50 of the first tenth ${quantile(times.slice(0, tenth), 0.5).toFixed(1)} ms, of the last ${quantile(times.slice(-tenth), 0.5).toFixed(1)} ms`);
      const inbox = (await (await fetch(`${local.sesUrl}/store`)).json()) as { emails: { destination: { to: string[] } }[] };
      const inboxMb = Buffer.byteLength(JSON.stringify(inbox.emails)) / 1024 / 1024;
      const inboxCount = inbox.emails.length;
      const notSent = unsentLine(new Set(inbox.emails.flatMap((mail) => mail.destination.to)));
      if (notSent) lines.push(notSent);
      lines.push(`released in turn (heap + external freed; per create); the stack's own data includes its ${warmUp} warm-up creates:`);

      inbox.emails = [];
      await fetch(`${local.sesUrl}/clear-store`, { method: 'POST' });
      freed('local SES inbox', `${inboxCount} emails (${inboxMb.toFixed(1)} MB as JSON), kept until cleared`);

      const executions = local.lifecycles.executions.length;
      await local.lifecycles.close();
      freed('lifecycle executions', `${executions} running, each waiting for its reminder (as in AWS)`);

      const token = await managementToken(local);
      const tokensJson = await (await fetch(`${local.logtoUrl}/api/one-time-tokens`, { headers: { authorization: `Bearer ${token}` } })).text();
      const tokenIds = (JSON.parse(tokensJson) as { id: string }[]).map((t) => t.id);
      await pool(tokenIds.length, concurrency, (i) => fetch(`${local.logtoUrl}/api/one-time-tokens/${tokenIds[i]}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }));
      freed('Logto stand-in tokens', `${tokenIds.length} one-time tokens (${(Buffer.byteLength(tokensJson) / 1024 / 1024).toFixed(1)} MB as JSON), deleted through its API`);
    } finally {
      await local.close();
    }
  };

  try {
    await createThenRelease();
    await sleep(2000);
    freed('the stack, closed and dropped', onDisk ? 'dynalite on LevelDB (its caches), servers, clients' : "dynalite's in-memory data (memory-level), servers, clients");
    const leftHeap = last!.heapUsedMb - empty.heapUsedMb;
    const leftExternal = last!.externalMb - empty.externalMb;
    lines.push(`  ${'left, over a stack gone before'.padEnd(30)} heap ${leftHeap.toFixed(1).padStart(5)}  external ${leftExternal.toFixed(1).padStart(5)} MB  ${(((leftHeap + leftExternal) * 1024) / manyCreates).toFixed(2).padStart(5)} KB  (rss now ${last!.rssMb.toFixed(1)}: freed pages mostly stay with the process)`);
    return lines;
  } finally {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

function printCalls(label: string, tallies: Tally[]) {
  const mean = (name: string) => tallies.reduce((sum, tally) => sum + (tally[name] ?? 0), 0) / tallies.length;
  const names = [...new Set(tallies.flatMap((tally) => Object.keys(tally)))].sort();
  const dynamoOps = names.filter((name) => /^dynamodb\.[A-Z]\w+$/.test(name));
  const dynamoTotal = dynamoOps.reduce((sum, name) => sum + mean(name), 0);
  const fixed = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
  console.log(`  ${label}:`);
  console.log(`    DynamoDB ${fixed(dynamoTotal)}: ${dynamoOps.map((name) => `${name.slice(9)} ${fixed(mean(name))}`).join(', ') || 'none'}` +
    `  (${fixed(mean('dynamodb.wru'))} WRU + ${fixed(mean('dynamodb.wru.gsi'))} WRU on indexes, ${fixed(mean('dynamodb.rru'))} RRU)`);
  const logto = names.filter((name) => name.startsWith('logto.api '));
  console.log(`    Logto Management API ${fixed(mean('logto.api'))}: ${logto.map((name) => `${name.slice(10)} ${fixed(mean(name))}`).join(', ') || 'none'}` +
    (mean('logto.oidc') ? `; OIDC ${fixed(mean('logto.oidc'))}` : ''));
  console.log(`    SES SendEmail ${fixed(mean('ses.SendEmail'))}, Step Functions StartExecution ${fixed(mean('sfn.StartExecution'))}, SQS SendMessage ${fixed(mean('sqs.SendMessage'))}`);
  const lambdas = names.filter((name) => /^lambda\.\w+$/.test(name));
  if (lambdas.length > 0) console.log(`    handlers: ${lambdas.map((name) => `${name.slice(7)} ${fixed(mean(name))} (${mean(`${name}.ms`).toFixed(1)} ms)`).join(', ')}`);
}
