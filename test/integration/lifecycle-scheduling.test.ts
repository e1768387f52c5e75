/**
 * Every invitation gets its lifecycle execution (the deployed definition on aws-local-stepfunctions, its
 * waits the definition's own Wait states): started on create, stopped on revoke and acceptance, resumed
 * after a restart. Waits are shortened by the stack's time scale, as LOCAL_TIME_SCALE shortens them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { acceptInvitation, adminToken, auditTrail, client, inbox, linkIn, logtoView } from '../support/local-stack.ts';

let stack: LocalStack | undefined;
const dataDirs: string[] = [];

afterEach(async () => {
  await stack?.close();
  stack = undefined;
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: { timeScale?: number; dataDir?: string } = {}) {
  stack = await startLocalStack({
    logLevel: 'SILENT',
    jobDelayScale: 0,
    ...(options.timeScale && { lifecycleTimeScale: options.timeScale }),
    ...(options.dataDir && { dataDir: options.dataDir }),
  });
  return { stack, admin: client(stack.apiUrl, await adminToken(stack)) };
}

const day = 86_400;

describe('lifecycle executions', () => {
  it('starts with the invitation, reminds two days before expiry, then expires it and kills its links', async () => {
    // Prepare: five days pass in about two seconds
    const { stack, admin } = await start({ timeScale: (5 * day) / 2 });
    const logto = await logtoView(stack);

    // Act
    const created = (await admin.post('/v1/invitations', { email: 'timeline@example.com', expiresIn: 5 * day })).body;
    const input = stack.lifecycles.inputOf(created.id);
    await stack.lifecycles.idle();

    // Assess
    expect(Date.parse(created.expiresAt) - Date.parse(input!.remindAt!)).toBe(2 * day * 1000);
    expect(input!.expiresAt).toBe(created.expiresAt);
    const mails = await inbox(stack, 'timeline@example.com');
    expect(mails).toHaveLength(2);
    expect((await admin.get(`/v1/invitations/${created.id}`)).body.status).toBe('expired');
    expect(await auditTrail(admin, created.id)).toEqual(['created', 'sent', 'reminded', 'expired']);
    expect(await logto.activeTokens('timeline@example.com')).toEqual([]);
    for (const mail of mails) expect((await acceptInvitation(linkIn(mail))).final.status).toBeGreaterThanOrEqual(400);
  });

  it('reminds an invitation shorter than twice the reminder offset at half its lifetime, and none that asked for no reminder', async () => {
    const { stack, admin } = await start({ timeScale: day });
    const short = (await admin.post('/v1/invitations', { email: 'short@example.com', expiresIn: day })).body;
    const shortStart = stack.lifecycles.inputOf(short.id)!;
    const none = (await admin.post('/v1/invitations', { email: 'none@example.com', expiresIn: day, reminder: false })).body;
    const noneStart = stack.lifecycles.inputOf(none.id)!;
    expect(Date.parse(shortStart.remindAt!) - Date.parse(short.createdAt)).toBe((day / 2) * 1000);
    expect(noneStart.remindAt).toBeUndefined();
    await stack.lifecycles.idle();
    expect(await auditTrail(admin, short.id)).toEqual(['created', 'sent', 'reminded', 'expired']);
    expect(await inbox(stack, 'short@example.com')).toHaveLength(2);
    expect(await inbox(stack, 'none@example.com')).toHaveLength(1);
    expect(await auditTrail(admin, none.id)).toEqual(['created', 'sent', 'expired']);
  });

  it('with LOCAL_TIME_SCALE=60, an invitation of 300 s is reminded and then expired within seconds', async () => {
    // Prepare
    const { stack, admin } = await start({ timeScale: 60 });
    const startedAt = Date.now();

    // Act
    const created = (await admin.post('/v1/invitations', { email: 'scaled@example.com', expiresIn: 300 })).body;
    await stack.lifecycles.idle();

    // Assess: 150 s to the reminder and 300 s to expiry are 2.5 s and 5 s here
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeGreaterThan(4_000);
    expect(elapsed).toBeLessThan(60_000);
    expect(await inbox(stack, 'scaled@example.com')).toHaveLength(2);
    expect((await admin.get(`/v1/invitations/${created.id}`)).body.status).toBe('expired');
    expect(await (await logtoView(stack)).activeTokens('scaled@example.com')).toEqual([]);
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
    dataDirs.push(dataDir);
    const first = await start({ dataDir });
    const open = (await first.admin.post('/v1/invitations', { email: 'survivor@example.com' })).body;
    const closed = (await first.admin.post('/v1/invitations', { email: 'closed@example.com' })).body;
    await first.admin.post(`/v1/invitations/${closed.id}/revoke`);
    await first.stack.close();

    // Act
    const second = await start({ dataDir });

    // Assess
    expect(second.stack.lifecycles.executions).toEqual([open.id]);
  });
});
