/**
 * The race suite: many seeded trials, each one invitation (of a random mode) hit at once by resends,
 * revokes, the invitee using the latest email (the magic link; the accept form, sometimes submitted twice;
 * the provisioned account's sign-in), lifecycle steps (reconcile, remind, an early expiry) and job-queue runs, while
 * the Logto stand-in delays, fails (5xx/429) or times out its calls and sometimes loses the webhook. After
 * each trial, with the faults cleared and the queue drained, the promises are checked where a user would
 * notice them: at Logto, in the inbox, in the audit trail.
 *
 * RACE_TRIALS (default 30) sets the number of trials, RACE_SEED the first seed (a failure names its seed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../local/fault-share.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import {
  acceptInvitation,
  adminToken,
  clearLogtoFaults,
  client,
  follow,
  inbox,
  injectLogtoFault,
  linkIn,
  logtoView,
  openAcceptPage,
  submitAcceptForm,
  urlIn,
  type Reply,
} from '../support/local-stack.ts';

type Mode = 'magic-link' | 'accept-link' | 'provision';
const strongPassword = 'Racing-Correct-Horse-9';

const trials = Number(process.env.RACE_TRIALS ?? 30);
const firstSeed = Number(process.env.RACE_SEED ?? Date.now() % 100_000);

let stack: LocalStack;
/** How the trials ended, printed at the end: the suite must reach the interesting interleavings. */
const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
let admin: ReturnType<typeof client>;
let logto: Awaited<ReturnType<typeof logtoView>>;

/** One Logto call is given up after this long: a delay beyond it is a timeout with an unknown outcome. */
const logtoTimeoutMs = 400;

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', sesEventDelayMs: 10, logtoTimeoutMs });
  await stack.jobs.stop(); // trials run the queue themselves, as one more racer
  admin = client(stack.apiUrl, await adminToken(stack));
  logto = await logtoView(stack);
});

afterAll(async () => {
  await stack?.close();
});

/** Seeded draws (the local services' fault generator), so a failing trial can be run again by its seed. */
function random(seed: number) {
  const next = seededRandom(seed);
  return { next, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)), chance: (p: number) => next() < p };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Rng = ReturnType<typeof random>;

/** Injects a random set of faults; returns them described, and the longest delay among them. */
async function injectFaults(rng: Rng): Promise<{ described: string[]; longestDelayMs: number }> {
  const faults: { method?: string; pathPrefix: string; status?: number; count?: number; delayMs?: number }[] = [];
  if (rng.chance(0.6)) faults.push({ method: 'GET', pathPrefix: '/api/one-time-tokens/', delayMs: rng.int(50, 900), count: rng.int(1, 3) });
  if (rng.chance(0.5)) faults.push({ method: 'POST', pathPrefix: '/api/one-time-tokens', delayMs: rng.int(50, 300), count: rng.int(1, 2) });
  if (rng.chance(0.3)) faults.push({ method: 'POST', pathPrefix: '/api/one-time-tokens', delayMs: logtoTimeoutMs + 200 }); // times out
  if (rng.chance(0.3)) faults.push({ method: 'PUT', pathPrefix: '/api/one-time-tokens/', status: 500, count: rng.int(1, 2) });
  if (rng.chance(0.3)) faults.push({ method: 'POST', pathPrefix: '/api/one-time-tokens', status: 429, count: 1 });
  if (rng.chance(0.2)) faults.push({ method: 'GET', pathPrefix: '/api/one-time-tokens/', status: 503, count: rng.int(1, 6) });
  if (rng.chance(0.2)) faults.push({ method: 'GET', pathPrefix: '/api/users', delayMs: rng.int(50, 500) });
  // The accept form's user creation and the suspensions and deletions that undo users.
  if (rng.chance(0.25)) faults.push({ method: 'POST', pathPrefix: '/api/users', delayMs: rng.int(50, 600) });
  if (rng.chance(0.15)) faults.push({ method: 'POST', pathPrefix: '/api/users', delayMs: logtoTimeoutMs + 200 }); // times out
  if (rng.chance(0.2)) faults.push({ method: 'PATCH', pathPrefix: '/api/users/', status: 500, count: rng.int(1, 2) });
  if (rng.chance(0.15)) faults.push({ method: 'DELETE', pathPrefix: '/api/users/', status: 503, count: 1 });
  for (const fault of faults) await injectLogtoFault(stack, fault);
  return {
    described: faults.map((fault) => `${fault.method} ${fault.pathPrefix} ${fault.status ?? ''}${fault.delayMs ? ` +${fault.delayMs}ms` : ''}`),
    longestDelayMs: Math.max(0, ...faults.map((fault) => fault.delayMs ?? 0)),
  };
}

/** Runs every queued job until none is left (faults are cleared by then, so they succeed). */
async function drain() {
  for (let round = 0; round < 20; round += 1) {
    await stack.standIn!.idle();
    await stack.ses.idle();
    if (stack.jobs.pending.length === 0) return;
    await stack.jobs.runDue(true);
  }
  throw new Error(`the job queue does not drain: ${JSON.stringify(stack.jobs.pending.map((m) => m.job))}`);
}

async function trial(seed: number) {
  const rng = random(seed);
  const mode: Mode = rng.chance(0.5) ? 'magic-link' : rng.chance(0.5) ? 'accept-link' : 'provision';
  const bounce = rng.chance(0.15);
  const email = bounce ? `bounce+race-${seed}@simulator.amazonses.com` : `race-${seed}@example.com`;
  const created = await admin.post('/v1/invitations', { email, mode, roleIds: ['role-member'], metadata: { seed } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  const lostWebhook = rng.chance(0.3);
  if (lostWebhook) await logto.setHookEnabled(stack.webhook.id, false);
  const { described: faults, longestDelayMs } = await injectFaults(rng);

  const replies: { action: string; reply: Reply }[] = [];
  const call = (action: string, request: () => Promise<Reply>) => async () => replies.push({ action, reply: await request() });
  const actions: (() => Promise<unknown>)[] = [];
  for (let i = rng.int(0, 4); i > 0; i -= 1) actions.push(call('resend', () => admin.post(`/v1/invitations/${id}/resend`)));
  for (let i = rng.int(0, 2); i > 0; i -= 1) actions.push(call('revoke', () => admin.post(`/v1/invitations/${id}/revoke`)));
  let clicked = false;
  const formAnswers: number[] = [];
  if (rng.chance(0.6)) {
    const submits = rng.chance(0.4) ? 2 : 1;
    actions.push(async () => {
      const latest = (await inbox(stack, email)).at(-1);
      if (!latest) return;
      if (mode === 'magic-link') {
        clicked = (await acceptInvitation(linkIn(latest))).final.status < 400;
      } else if (mode === 'provision') {
        clicked = (await follow(urlIn(latest, '/demo/sign-in'))).final.status < 400;
      } else {
        const link = urlIn(latest, '/v1/accept');
        const visit = await openAcceptPage(link);
        if (visit.status !== 200) return;
        const answers = await Promise.all(Array.from({ length: submits }, () => submitAcceptForm(link, visit, { name: 'Racer', password: strongPassword })));
        formAnswers.push(...answers.map((answer) => answer.status));
      }
    });
  }
  if (rng.chance(0.4)) actions.push(() => stack.service.lifecycle({ action: 'reconcile', invitationId: id }).catch(() => undefined));
  if (rng.chance(0.3)) actions.push(() => stack.service.lifecycle({ action: 'remind', invitationId: id }).catch(() => undefined));
  if (rng.chance(0.25)) {
    // The lifecycle's expiry arriving now: the step trusts the time its Wait waited for.
    actions.push(() => stack.service.lifecycle({ action: 'expire', invitationId: id, at: created.body.expiresAt }).catch(() => undefined));
  }
  if (rng.chance(0.5)) actions.push(() => stack.jobs.runDue(true));

  await Promise.all(actions.map(async (action) => {
    await sleep(rng.int(0, 250));
    await action();
  }));
  await clearLogtoFaults(stack);
  await logto.setHookEnabled(stack.webhook.id, true);
  // A timed-out request may still be served by Logto: the queued second sweep runs after it (SQS delays it 30 s).
  await sleep(longestDelayMs);
  await drain();
  // The lifecycle reconciles before the reminder and before expiry: with a webhook lost, that is what finds the registration.
  await stack.service.lifecycle({ action: 'reconcile', invitationId: id });
  await drain();

  const context = `seed ${seed} ${mode} (faults: ${faults.join('; ') || 'none'}; webhook ${lostWebhook ? 'lost' : 'on'}; form ${formAnswers.join(',') || '-'})`;
  await checkPromises({ id, email, mode, replies, clicked, formAnswers, context });
}

interface Outcome {
  id: string;
  email: string;
  mode: Mode;
  replies: { action: string; reply: Reply }[];
  clicked: boolean;
  formAnswers: number[];
  context: string;
}

async function checkPromises({ id, email, mode, replies, clicked, formAnswers, context }: Outcome) {
  const invitation = (await admin.get(`/v1/invitations/${id}`)).body;
  const stored = (await stack.store.get(id))!;
  const events = (await admin.get(`/v1/invitations/${id}/events`)).body as { type: string; data?: Record<string, unknown> }[];
  const types = events.map((event) => event.type);
  const mails = await inbox(stack, email);
  const user = await logto.user(email);
  const say = (what: string) => `${what}: ${context}\ninvitation ${JSON.stringify(invitation)}\nevents ${types.join(', ')}\nreplies ${replies.map((r) => `${r.action} ${r.reply.status} ${r.reply.body?.code ?? r.reply.body?.status ?? ''}`).join(', ')}`;

  count(`${mode} ended ${stored.status}`);
  for (const status of formAnswers) count(`accept form ${status}`);
  if (types.includes('registration_blocked')) count('registration blocked');
  if (stored.tokenIds.length > 0 && stored.status === 'pending') count('pending with live tokens');
  for (const { action, reply } of replies) count(`${action} ${reply.status}${reply.status >= 400 ? ` ${reply.body?.code}` : ''}`);

  // Nothing a client sent made a 500, and what was answered holds.
  for (const { action, reply } of replies) expect([200, 409, 503], say(`${action} answered ${reply.status}`)).toContain(reply.status);
  if (replies.some((r) => r.action === 'revoke' && r.reply.status === 200)) expect(invitation.status, say('a revoke answered 200')).toBe('revoked');

  if (mode === 'magic-link') {
    // No live link for an invitation that is not pending; for a pending one, every mailed token that is live is recorded.
    const active = await logto.logto.get(`/api/one-time-tokens?email=${encodeURIComponent(email)}&status=active`);
    const activeTokens = active.body as { id: string; token: string }[];
    if (stored.status !== 'pending') {
      expect(activeTokens, say('active tokens of an ended invitation')).toEqual([]);
    } else {
      const mailed = new Set(mails.map((mail) => linkIn(mail).searchParams.get('token')));
      for (const token of activeTokens.filter((candidate) => mailed.has(candidate.token))) {
        expect(stored.tokenIds, say(`mailed live token ${token.id} not recorded`)).toContain(token.id);
      }
    }
  }
  if (mode === 'accept-link') {
    // No mailed accept link opens its form once the invitation is over; a 303 means it was accepted.
    if (stored.status !== 'pending') {
      for (const mail of mails) expect((await openAcceptPage(urlIn(mail, '/v1/accept'))).status, say('a live accept link')).not.toBe(200);
    }
    if (formAnswers.includes(303)) expect(stored.status, say('the form redirected to sign-in')).toBe('accepted');
    for (const status of formAnswers) expect([303, 404, 409, 410, 503], say(`the form answered ${status}`)).toContain(status);
  }

  // Whoever got in: accepted with the grants, or suspended and said so (provision: its account closed).
  if (user) {
    if (stored.status === 'accepted') {
      expect(stored.acceptedUserId, say('accepted by someone else')).toBe(user.id);
      expect(user.isSuspended, say('an accepted invitee is suspended')).toBe(false);
      expect(await logto.roleIds(user.id), say('grants')).toContain('role-member');
      expect(types, say('granted')).toContain('granted');
    } else if (mode === 'provision' && stored.status === 'pending') {
      expect(user.isSuspended, say('a pending provisioned account is suspended')).toBe(false);
      expect(clicked, say('signed in, yet still pending')).toBe(false);
    } else if (mode === 'provision') {
      expect(user.isSuspended, say(`the account of a ${stored.status} invitation is open`)).toBe(true);
      expect(types, say('account_closed')).toContain('account_closed');
    } else {
      expect(user.isSuspended, say(`a user registered while the invitation is ${stored.status}, not suspended`)).toBe(true);
      expect(types, say('registration_blocked')).toContain('registration_blocked');
    }
  } else {
    expect(mode, say('a provisioned account vanished')).not.toBe('provision');
    expect(clicked, say('a click that signed in left no user')).toBe(false);
    expect(stored.status, say('accepted without a user')).not.toBe('accepted');
  }

  // Emails SES took and sendCount agree; the trail says each send once, in order; nothing rests queued.
  expect(invitation.delivery.sendCount, say('sendCount vs inbox')).toBe(mails.length);
  const sends = events.filter((event) => ['sent', 'resent', 'reminded'].includes(event.type)).map((event) => event.data?.sendCount);
  expect(sends, say('send events')).toEqual(mails.map((_, i) => i + 1));
  expect(invitation.delivery.status, say('queued with nothing queued')).not.toBe('queued');
  expect(types[0]).toBe('created');
  const endings = types.filter((type) => ['accepted', 'expired', 'revoked'].includes(type));
  expect(endings.length, say('more than one ending')).toBeLessThanOrEqual(1);
  if (endings[0]) expect(stored.status, say('ending event vs status')).toBe(endings[0]);
  if (types.includes('granted')) expect(types.indexOf('granted'), say('granted before accepted')).toBeGreaterThan(types.indexOf('accepted'));
}

describe('races on one invitation', () => {
  it(`keeps every promise over ${trials} seeded trials from seed ${firstSeed}`, async () => {
    for (let i = 0; i < trials; i += 1) await trial(firstSeed + i);
    console.log(`race: ${trials} trials, seeds ${firstSeed}..${firstSeed + trials - 1}`);
    console.log([...tally].sort().map(([key, n]) => `  ${key}: ${n}`).join('\n'));
  }, 600_000);
});
