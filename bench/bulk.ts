/**
 * A bulk of N invitations (10,000; `--quick` 200; `BULK_N=`) through the local pipeline: batches of 1,000, their
 * emails drained by the job queue, with the local SES limited to R sends a second (20; `SES_RATE=`), as SES
 * limits an account. Prints the batches' creation rate, the achieved send rate against R (the pacer aims at
 * 90% of it), SES throttles, invitations lost (neither sent nor failed) and emails duplicated, and the
 * process's memory before and after. Everything runs in this one process (dynalite, the stand-in, the
 * local SES, the service), so on a small machine the pipeline itself may be slower than R: then the ratio
 * says so. Run: `npm run bench bulk [-- --quick]`.
 */
import { startLocalStack } from '../local/stack.ts';
import { adminToken, client } from '../test/support/local-stack.ts';

const quick = process.argv.includes('--quick');
const total = Number(process.env.BULK_N ?? (quick ? 200 : 10_000));
const rate = Number(process.env.SES_RATE ?? 20);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', sesEventDelayMs: 0, sesMaxSendRate: rate, env: { LOGTO_REQUESTS_PER_SECOND: '1000' } });
try {
  const admin = client(stack.apiUrl, await adminToken(stack));
  const run = Date.now().toString(36);
  global.gc?.();
  const before = process.memoryUsage();
  const started = performance.now();
  const batches: string[] = [];
  let createMs = 0;
  for (let offset = 0; offset < total; offset += 1000) {
    const rows = Array.from({ length: Math.min(1000, total - offset) }, (_, i) => ({ email: `bulk-${run}-${offset + i}@example.com`, reminder: false }));
    const t = performance.now();
    const reply = await admin.post('/v1/invitations/batch', { invitations: rows }, { 'idempotency-key': `bulk-${run}-${offset}` });
    createMs += performance.now() - t;
    if (reply.status !== 202 || reply.body.accepted !== rows.length) throw new Error(`batch at ${offset}: HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
    batches.push(reply.body.batchId);
  }
  const created = performance.now();

  // Drained once every batch reads done; the send rate counts from the first email SES took.
  let firstSentAt: number | undefined;
  let counts = { queued: total, sent: 0, failed: 0 };
  while (counts.queued > 0) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const progress = await Promise.all(batches.map(async (id) => (await admin.get(`/v1/invitations/batches/${id}`)).body.progress));
    counts = progress.reduce((sum, p) => ({ queued: sum.queued + p.queued, sent: sum.sent + p.sent, failed: sum.failed + p.failed }), { queued: 0, sent: 0, failed: 0 });
    if (counts.sent > 0) firstSentAt ??= performance.now();
  }
  const drained = performance.now();
  await stack.ses.idle();

  const store = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: { destination: { to: string[] } }[] };
  const received = new Map<string, number>();
  for (const mail of store.emails) for (const to of mail.destination.to) if (to.startsWith(`bulk-${run}-`)) received.set(to, (received.get(to) ?? 0) + 1);
  const duplicated = [...received.values()].filter((n) => n > 1).length;
  const lost = total - counts.sent - counts.failed;
  global.gc?.();
  const after = process.memoryUsage();
  const sendSeconds = (drained - (firstSentAt ?? created)) / 1000;
  const achieved = counts.sent / sendSeconds;

  console.log(`bulk of ${total.toLocaleString('en')} invitations, local SES limited to ${rate}/s (the pacer aims at ${(rate * 0.9).toFixed(1)}/s)`);
  console.log(`  create   ${batches.length} batches of up to 1,000: ${(createMs / 1000).toFixed(1)} s, ${(total / (createMs / 1000)).toFixed(0)} rows/s`);
  console.log(`  send     ${counts.sent.toLocaleString('en')} sent in ${sendSeconds.toFixed(1)} s: ${achieved.toFixed(1)}/s = ${(achieved / rate).toFixed(2)} x R`);
  console.log(`  faults   SES throttled ${stack.ses.throttled()}, failed ${counts.failed}, lost ${lost}, duplicated ${duplicated}, emails ${[...received.values()].reduce((a, b) => a + b, 0)}`);
  console.log(`  memory   rss ${mb(before.rss)} -> ${mb(after.rss)} (+${mb(after.rss - before.rss)}), heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}, external ${mb(before.external)} -> ${mb(after.external)}${global.gc ? '' : ' (no --expose-gc: before GC)'}`);
  console.log(`  total    ${((drained - started) / 1000).toFixed(1)} s`);
} finally {
  await stack.close();
}
