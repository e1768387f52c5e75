/**
 * What 1,000 invitations cost in AWS, from quantities counted on the local stack: K invitations run their
 * whole life through the same handlers and the same state machine (lifecycle waits 30 times shorter, 5-minute
 * invitations), in the mix the README assumes: half accepted before the reminder, a quarter after it, a
 * quarter expire. Counted: state transitions, emails, function invocations and their wall time, DynamoDB read
 * and write units (from the items on the wire), API requests, queue messages, Logto calls and log bytes at
 * INFO; priced at the list prices below. Then the same for the two lifecycle designs the issue proposes, as a
 * model computed from these counts (not measured). Run: `npm run bench cost [-- --quick]`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { functionSpecs } from '../lib/constructs/functions.ts';
import { startLocalStack } from '../local/stack.ts';
import { acceptInvitation, adminToken, client, inbox, linkIn } from '../test/support/local-stack.ts';
import { watchCalls, type Tally } from './_calls.ts';

/**
 * us-east-1 list prices as of 2026-12-02, as given in the issue and DESIGN.md (this machine is offline: not
 * re-read from aws.amazon.com; check the live pages before quoting). Step Functions and DynamoDB after the
 * November 2024 cut; Lambda on arm64.
 */
const prices = {
  stepFunctionsPerTransition: 0.025 / 1000,
  sesPerEmail: 0.1 / 1000,
  lambdaPerRequest: 0.2 / 1e6,
  lambdaPerGbSecond: 0.0000133334,
  dynamoPerWru: 0.625 / 1e6,
  dynamoPerRru: 0.125 / 1e6,
  apiGatewayPerRequest: 1.0 / 1e6,
  sqsPerRequest: 0.4 / 1e6,
  logsPerGb: 0.5,
  /** X-Ray, $5.00 per million traces recorded: not in the issue's list, shown apart as an upper bound. */
  xrayPerTrace: 5.0 / 1e6,
} as const;

/**
 * Log bytes AWS writes that the local stack cannot show, per unit (estimates, stated so they can be argued
 * with): Lambda's JSON platform lines (`platform.start`, `platform.report` with X-Ray) and a Powertools
 * metrics (EMF) blob per invocation; the Lambda context Powertools adds to each application line; one API
 * Gateway access-log line (the stage's 12-field JSON format); the envelope of one Step Functions history
 * event in the ALL-level log, and the three Lambda events (scheduled, started, succeeded) a Task state adds.
 */
const logBytes = { perInvocation: 1000, perAppLine: 250, perApiRequest: 350, perHistoryEvent: 300, perTaskExtra: 3 * 500 } as const;

const quick = process.argv.includes('--quick');
const invitations = quick ? 40 : 200;
/**
 * One invitation starts every 300 ms: the stories overlap (each lasts up to 10.5 s) but the process is not
 * saturated, so the handlers' wall time stays near their own work (all of the stack shares one event loop).
 */
const startEveryMs = 300;
/** 30 times faster: an invitation's reminder is due 5 s after it is made, which leaves a busy machine time to accept first. */
const timeScale = 30;
/** The shortest lifetime allowed: its reminder comes at half of it (5 s here), its expiry at 10 s. */
const expiresIn = 300;
const reminderAtMs = (expiresIn / 2 / timeScale) * 1000;
const expiryMs = (expiresIn / timeScale) * 1000;

type Path = 'accepted before the reminder' | 'accepted after the reminder' | 'expired';
const pathOf = (i: number): Path => (i % 4 < 2 ? 'accepted before the reminder' : i % 4 === 2 ? 'accepted after the reminder' : 'expired');
const paths: readonly Path[] = ['accepted before the reminder', 'accepted after the reminder', 'expired'];

const stack = await startLocalStack({ logLevel: 'INFO', lifecycleTimeScale: timeScale, jobDelayScale: 0, sesMaxSendRate: 1_000_000 });
const logged = { bytes: 0, lines: 0 };
const restoreOutput = captureLogs(logged);
let watch: ReturnType<typeof watchCalls> | undefined;
const run = Date.now().toString(36);
let totals: Tally = {};
let late = 0;
const outcomes = new Map<Path, Map<string, number>>();
const transitionsByPath = new Map<Path, number[]>();
try {
  const admin = client(stack.apiUrl, await adminToken(stack));
  // Warm-up outside the count (the first token requests, the JWKS, lazy set-up), ended before counting starts.
  const warm = await admin.post('/v1/invitations', { email: `cost-warm-${run}@example.com`, expiresIn });
  await admin.post(`/v1/invitations/${warm.body.id as string}/revoke`);
  await stack.lifecycles.idle();
  await stack.ses.idle();

  watch = watchCalls(stack);
  const start = watch.snapshot();
  const logStart = { ...logged };
  const ids: string[] = [];
  await paced(invitations, startEveryMs, async (i) => {
    const path = pathOf(i);
    const email = `cost-${run}-${i}@example.com`;
    const created = await admin.post('/v1/invitations', { email, expiresIn });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    const createdAt = Date.now();
    ids[i] = created.body.id as string;
    if (path === 'accepted before the reminder') {
      await acceptWith(email, 1);
      // Too slow a machine moves an invitation to another path: said below, and seen in its transitions.
      if (Date.now() - createdAt > reminderAtMs) late += 1;
    } else if (path === 'accepted after the reminder') {
      await acceptWith(email, 2);
    } else {
      await sleep(Math.max(0, expiryMs - (Date.now() - createdAt)) + 500);
    }
  });
  // Everything the invitations set off ends: lifecycles, webhooks, SES events, queued jobs.
  for (let settled = false; !settled; ) {
    await stack.lifecycles.idle();
    await stack.standIn!.idle();
    await stack.ses.idle();
    if (stack.jobs.pending.length > 0) await stack.jobs.runDue(true);
    settled = stack.lifecycles.executions.length === 0 && stack.jobs.pending.length === 0;
  }
  totals = watch.since(start);
  totals['logs.appBytes'] = logged.bytes - logStart.bytes;
  totals['logs.appLines'] = logged.lines - logStart.lines;
  const transitions = watch.transitions;
  watch.stop();
  watch = undefined;

  for (const [i, id] of ids.entries()) {
    const status = (await stack.store.get(id))?.status ?? 'missing';
    const byStatus = outcomes.get(pathOf(i)) ?? new Map<string, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    outcomes.set(pathOf(i), byStatus);
    transitionsByPath.set(pathOf(i), [...(transitionsByPath.get(pathOf(i)) ?? []), transitions.get(id) ?? 0]);
  }
} finally {
  watch?.stop();
  restoreOutput();
  await stack.close();
}

/** Starts `work(i)` for i < count, one every `everyMs`, and waits for all of them. */
async function paced(count: number, everyMs: number, work: (i: number) => Promise<void>): Promise<void> {
  const started: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    started.push(work(i));
    await sleep(everyMs);
  }
  await Promise.all(started);
}

/** Opens the magic link of the `nth` email to the address (waiting for it) and waits for the webhooks it fires. */
async function acceptWith(email: string, nth: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let mails = await inbox(stack, email);
  while (mails.length < nth) {
    if (Date.now() > deadline) throw new Error(`no email ${nth} for ${email}`);
    await sleep(100);
    mails = await inbox(stack, email);
  }
  const { final } = await acceptInvitation(linkIn(mails[nth - 1]!));
  if (final.status >= 400) throw new Error(`accept ${email}: ${final.status}`);
  await stack.standIn!.idle();
}

/** Counts (and keeps off the terminal) the JSON log lines the service writes while the invitations run. */
function captureLogs(into: { bytes: number; lines: number }): () => void {
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write);
  streams.forEach((stream, i) => {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (!text.startsWith('{')) return (originals[i] as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      into.bytes += Buffer.byteLength(text, 'utf8');
      into.lines += text.split('\n').filter(Boolean).length;
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  });
  return () => streams.forEach((stream, i) => void (stream.write = originals[i]!));
}

// --- What was counted, per invitation and per 1,000.
const per1000 = (name: string) => ((totals[name] ?? 0) * 1000) / invitations;
const kinds = ['api', 'webhook', 'jobs', 'mailEvents', 'lifecycle'] as const;
const gbSeconds = (kind: (typeof kinds)[number], scale = 1) => (per1000(`lambda.${kind}.ms`) / 1000) * (functionSpecs[kind].memorySize / 1024) * scale;
const invocations = kinds.reduce((sum, kind) => sum + per1000(`lambda.${kind}`), 0);
const historyBytes = (transitionScale = 1) =>
  (per1000('sfn.eventBytes') + per1000('sfn.events') * logBytes.perHistoryEvent + per1000('sfn.entered.Task') * logBytes.perTaskExtra) * transitionScale;
const otherLogBytes = (lifecycleInvocations: number) =>
  per1000('logs.appBytes') + per1000('logs.appLines') * logBytes.perAppLine + (invocations - per1000('lambda.lifecycle') + lifecycleInvocations) * logBytes.perInvocation + per1000('api.requests') * logBytes.perApiRequest;
// SQS bills every request: each message is sent, received and deleted (the event source's idle polling is fixed, below).
const sqsRequests = per1000('sqs.SendMessage') * 3;

interface Row {
  item: string;
  quantity: number;
  unit: string;
  cost: number;
}

function rows(design: { transitions: number; lifecycleInvocations: number; lifecycleGbScale: number; historyScale: number; extraRru?: number }): Row[] {
  const lambdaGbS = kinds.reduce((sum, kind) => sum + gbSeconds(kind, kind === 'lifecycle' ? design.lifecycleGbScale : 1), 0);
  const requests = invocations - per1000('lambda.lifecycle') + design.lifecycleInvocations;
  const logs = otherLogBytes(design.lifecycleInvocations) + historyBytes(design.historyScale);
  const rru = per1000('dynamodb.rru') + (design.extraRru ?? 0);
  return [
    { item: 'Step Functions transitions', quantity: design.transitions, unit: 'transitions', cost: design.transitions * prices.stepFunctionsPerTransition },
    { item: 'SES emails', quantity: per1000('ses.SendEmail'), unit: 'emails', cost: per1000('ses.SendEmail') * prices.sesPerEmail },
    { item: 'DynamoDB writes (table + indexes)', quantity: per1000('dynamodb.wru') + per1000('dynamodb.wru.gsi'), unit: 'WRU', cost: (per1000('dynamodb.wru') + per1000('dynamodb.wru.gsi')) * prices.dynamoPerWru },
    { item: 'DynamoDB reads', quantity: rru, unit: 'RRU', cost: rru * prices.dynamoPerRru },
    { item: 'CloudWatch Logs ingested', quantity: logs / 1024 / 1024, unit: 'MB', cost: (logs / 1024 ** 3) * prices.logsPerGb },
    { item: 'Lambda compute (arm64)', quantity: lambdaGbS, unit: 'GB-s', cost: lambdaGbS * prices.lambdaPerGbSecond },
    { item: 'Lambda requests', quantity: requests, unit: 'invocations', cost: requests * prices.lambdaPerRequest },
    { item: 'API Gateway HTTP API', quantity: per1000('api.requests'), unit: 'requests', cost: per1000('api.requests') * prices.apiGatewayPerRequest },
    { item: 'SQS', quantity: sqsRequests, unit: 'requests', cost: sqsRequests * prices.sqsPerRequest },
  ];
}

const money = (value: number) => `$${value < 0.01 && value > 0 ? value.toFixed(4) : value.toFixed(3)}`;
const number = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(value >= 10 ? 1 : 2));
function printTable(title: string, table: Row[], xrayTraces: number) {
  const total = table.reduce((sum, row) => sum + row.cost, 0);
  console.log(`\n${title}`);
  console.log(`  ${'item'.padEnd(34)} ${'per 1,000 invitations'.padStart(24)}  ${'cost'.padStart(8)}`);
  for (const row of [...table].sort((a, b) => b.cost - a.cost)) {
    console.log(`  ${row.item.padEnd(34)} ${`${number(row.quantity)} ${row.unit}`.padStart(24)}  ${money(row.cost).padStart(8)}`);
  }
  console.log(`  ${'total'.padEnd(34)} ${''.padStart(24)}  ${money(total).padStart(8)}   target $0.200; the emails alone ${money(per1000('ses.SendEmail') * prices.sesPerEmail)}`);
  console.log(`  ${'X-Ray, if every trace is kept'.padEnd(34)} ${`${number(xrayTraces)} traces`.padStart(24)}  ${money(xrayTraces * prices.xrayPerTrace).padStart(8)}   (not in the total: sampling keeps 1/s + 5%, 100,000 a month free)`);
}

console.log(`cost: ${invitations} invitations on the local stack (lifecycle ${timeScale}x faster, expiresIn ${expiresIn} s), counted, then per 1,000`);
for (const path of paths) {
  const seen = [...(outcomes.get(path) ?? new Map<string, number>())].map(([status, count]) => `${count} ${status}`).join(', ');
  const transitions = transitionsByPath.get(path) ?? [];
  console.log(`  ${path.padEnd(30)} ${seen.padEnd(14)} transitions each: ${[...new Set(transitions)].sort((a, b) => a - b).join(' or ')}`);
}
if (late > 0) console.log(`  (${late} of those accepted before the reminder were accepted after it was due: the figures below include them as they ran)`);
const fixed = (name: string) => number((totals[name] ?? 0) / invitations);
console.log('per invitation (mean):');
console.log(`  Step Functions ${fixed('sfn.transitions')} transitions (${fixed('sfn.entered.Task')} Task, ${fixed('sfn.entered.Wait')} Wait, ${fixed('sfn.entered.Choice')} Choice, ${fixed('sfn.entered.Succeed')} Succeed); StartExecution ${fixed('sfn.StartExecution')}, StopExecution ${fixed('sfn.StopExecution')}`);
console.log(`  SES ${fixed('ses.SendEmail')} emails; SQS ${fixed('sqs.SendMessage')} messages; API Gateway ${fixed('api.requests')} requests`);
console.log(`  Lambda: ${kinds.map((kind) => `${kind} ${fixed(`lambda.${kind}`)} x ${((totals[`lambda.${kind}.ms`] ?? 0) / Math.max(1, totals[`lambda.${kind}`] ?? 0)).toFixed(1)} ms @ ${functionSpecs[kind].memorySize} MB`).join(', ')}`);
console.log('          (durations: handler wall time on the local stack, a proxy: Logto, SES and DynamoDB answer from this machine)');
const dynamoOps = Object.keys(totals).filter((name) => /^dynamodb\.[A-Z]\w+$/.test(name)).sort();
console.log(`  DynamoDB ${dynamoOps.map((name) => `${name.slice(9)} ${fixed(name)}`).join(', ')}: ${fixed('dynamodb.wru')} WRU + ${fixed('dynamodb.wru.gsi')} WRU on indexes, ${fixed('dynamodb.rru')} RRU`);
console.log('          (units computed from the items on the wire: 1 KB per write unit, 4 KB per read unit, strongly consistent reads as the store makes them; an index write per ALL-projected index the item is in)');
const logtoCalls = Object.keys(totals).filter((name) => name.startsWith('logto.api ')).sort();
console.log(`  Logto Management API ${fixed('logto.api')}: ${logtoCalls.map((name) => `${name.slice(10)} ${fixed(name)}`).join(', ')}; OIDC ${fixed('logto.oidc')} (the invitees' sign-ins included)`);
console.log(`  logs at INFO ${((totals['logs.appBytes'] ?? 0) / invitations).toFixed(0)} B in ${fixed('logs.appLines')} lines; state machine history ${((totals['sfn.eventBytes'] ?? 0) / invitations).toFixed(0)} B in ${fixed('sfn.events')} local events`);

const measured = { transitions: per1000('sfn.transitions'), lifecycleInvocations: per1000('lambda.lifecycle'), lifecycleGbScale: 1, historyScale: 1 };
printTable('measured, per 1,000 invitations (us-east-1 list prices, see the constants in bench/cost.ts)', rows(measured), invocations);

// --- The two designs the issue proposes, as models from these counts.
const share = (path: Path) => paths.indexOf(path) === 0 ? 0.5 : 0.25;
const perPath = (values: Record<Path, number>) => paths.reduce((sum, path) => sum + share(path) * values[path], 0) * 1000;
// A: Wait -> Remind (reconciles, then reminds if still pending) -> Wait -> Expire (reconciles, then expires; End):
// no Choice states, reconciling folded into the task that needs it; acceptance still stops the execution.
const leanTransitions = perPath({ 'accepted before the reminder': 1, 'accepted after the reminder': 3, expired: 4 });
const leanTasks = perPath({ 'accepted before the reminder': 0, 'accepted after the reminder': 1, expired: 2 });
const fewer = { transitions: leanTransitions, lifecycleInvocations: leanTasks, lifecycleGbScale: 1, historyScale: leanTransitions / Math.max(1, measured.transitions) };
printTable('model A, fewer transitions: Wait -> Remind -> Wait -> Expire (no Choice; reconcile inside the tasks), per 1,000 (not measured)', rows(fewer), invocations - measured.lifecycleInvocations + leanTasks);
console.log('  assumed: transitions 1 / 3 / 4 and lifecycle invocations 0 / 1 / 2 on the three paths; the lifecycle function time as measured (the reconciling moves into the task that needs it); the history log scaled by transitions');
// B: no execution per invitation; a schedule starts one sweep every 5 minutes over the sparse byExpiry index,
// which reminds and expires what is due. Per invitation: no transitions, its reminder and expiry work batched.
const sweepsPerMonth = (30 * 24 * 60) / 5;
const sweep = { transitions: 0, lifecycleInvocations: 0, lifecycleGbScale: 1, historyScale: 0, extraRru: perPath({ 'accepted before the reminder': 0, 'accepted after the reminder': 1, expired: 2 }) * 0.5 };
printTable('model B, one scheduled sweep over the byExpiry index (every 5 minutes), per 1,000 (not measured)', rows(sweep), invocations - measured.lifecycleInvocations);
/** Each sweep: one invocation of 0.2 s at 512 MB (an estimate: one Query and nothing due, most of the time). */
const sweepRuns = sweepsPerMonth * (prices.lambdaPerRequest + 0.2 * 0.5 * prices.lambdaPerGbSecond);
const sweepFixed = sweepsPerMonth * 2 * prices.stepFunctionsPerTransition + sweepRuns;
console.log(`  plus, whatever the volume: ${number(sweepsPerMonth)} sweeps a month x 2 transitions (Task, Succeed) and a 0.2 s, 512 MB run = ${money(sweepFixed)} a month` +
  ` (the first 4,000 transitions are free; a schedule invoking the function directly, without a workflow, makes it ${money(sweepRuns)})`);
console.log('  assumed: the per-invitation work (reconcile, remind, expire) as measured, in batches: no execution and no invocation per invitation; +0.5 RRU per due item read from the index');
console.log('  the price of B: a reminder or an expiry lands up to 5 minutes late. Expiry is computed when read and a magic-link token expires with its invitation, so no link works late; a provision account is suspended up to 5 minutes late');
console.log(`fixed in every design: the queue's Lambda poller (~${number(((30 * 24 * 3600) / 20) * 5)} empty long polls a month, about ${money((((30 * 24 * 3600) / 20) * 5 * prices.sqsPerRequest))}), 2 secrets, alarms`);
