/**
 * Every invitation gets its lifecycle execution (the deployed definition on aws-local-stepfunctions):
 * started on create, stopped on revoke and acceptance, resumed after a restart. The executions' waits
 * are gates the test opens, moving the service's clock to the time each one waits for.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WaitUntil } from '../../local/lifecycle-scheduler.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { acceptInvitation, adminToken, client, inbox, linkIn } from '../support/local-stack.ts';

const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
const waits: { time: string; open: () => void }[] = [];
const gate: WaitUntil = (time, signal) =>
  new Promise((resolve, reject) => {
    waits.push({ time, open: resolve });
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

/** Waits until an execution reaches a Wait, then moves the clock to its time and lets it through. */
async function passNextWait(): Promise<string> {
  for (let i = 0; i < 200 && waits.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  const wait = waits.shift();
  if (!wait) throw new Error('no execution is waiting');
  clock.offsetMs = Date.parse(wait.time) + 1000 - Date.now();
  wait.open();
  return wait.time;
}

let stack: LocalStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
  waits.length = 0;
  clock.offsetMs = 0;
});

async function start(dataDir?: string) {
  stack = await startLocalStack({ logLevel: 'SILENT', clock, lifecycleWaitUntil: gate, jobDelayScale: 0, ...(dataDir && { dataDir }) });
  return { stack, admin: client(stack.apiUrl, await adminToken(stack)) };
}

const day = 86_400;

describe('lifecycle executions', () => {
  it('starts with the invitation, reminds two days before expiry, then expires it', async () => {
    // Prepare
    const { stack, admin } = await start();
    const created = (await admin.post('/v1/invitations', { email: 'timeline@example.com', expiresIn: 5 * day })).body;
    expect(stack.lifecycles.executions).toEqual([created.id]);

    // Act: the reminder time comes, then the expiry
    const remindAt = await passNextWait();
    const expiresAt = await passNextWait();

    // Assess
    expect(Date.parse(created.expiresAt) - Date.parse(remindAt)).toBe(2 * day * 1000);
    expect(expiresAt).toBe(created.expiresAt);
    await stack.lifecycles.idle();
    expect(await inbox(stack, 'timeline@example.com')).toHaveLength(2);
    const invitation = (await admin.get(`/v1/invitations/${created.id}`)).body;
    expect(invitation.status).toBe('expired');
    const events = (await admin.get(`/v1/invitations/${created.id}/events`)).body as { type: string }[];
    expect(events.map((event) => event.type)).toEqual(['created', 'sent', 'reminded', 'expired']);
  });

  it('skips the reminder for an invitation shorter-lived than the reminder offset, or without one', async () => {
    const { stack, admin } = await start();
    const short = (await admin.post('/v1/invitations', { email: 'short@example.com', expiresIn: day })).body;
    const none = (await admin.post('/v1/invitations', { email: 'none@example.com', expiresIn: 5 * day, reminder: false })).body;
    const times = [await passNextWait(), await passNextWait()].sort();
    expect(times).toEqual([short.expiresAt, none.expiresAt].sort());
    await stack.lifecycles.idle();
    expect(await inbox(stack, 'short@example.com')).toHaveLength(1);
    expect(await inbox(stack, 'none@example.com')).toHaveLength(1);
  });

  it('is stopped by a revoke and by the acceptance', async () => {
    // Prepare
    const { stack, admin } = await start();
    const revoked = (await admin.post('/v1/invitations', { email: 'stop-revoke@example.com' })).body;
    const accepted = (await admin.post('/v1/invitations', { email: 'stop-accept@example.com' })).body;
    expect(stack.lifecycles.executions.sort()).toEqual([revoked.id, accepted.id].sort());

    // Act
    await admin.post(`/v1/invitations/${revoked.id}/revoke`);
    await acceptInvitation(linkIn((await inbox(stack, 'stop-accept@example.com'))[0]!));
    await stack.standIn!.idle();
    await stack.lifecycles.idle();

    // Assess
    expect(stack.lifecycles.executions).toEqual([]);
    expect(await inbox(stack, 'stop-revoke@example.com')).toHaveLength(1);
  });

  it('comes back after a restart for every invitation still pending', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
    const first = await start(dataDir);
    const open = (await first.admin.post('/v1/invitations', { email: 'survivor@example.com' })).body;
    const closed = (await first.admin.post('/v1/invitations', { email: 'closed@example.com' })).body;
    await first.admin.post(`/v1/invitations/${closed.id}/revoke`);
    await first.stack.close();
    waits.length = 0;

    // Act
    const second = await start(dataDir);

    // Assess
    expect(second.stack.lifecycles.executions).toEqual([open.id]);
  });
});
