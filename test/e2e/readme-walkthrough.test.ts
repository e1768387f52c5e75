/**
 * The README's walkthrough, pasted into a shell against a running local stack, ends with the invitation
 * accepted, the email in the inbox and the user (with the role) at Logto.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { batchWalkthrough, defaultUrls, modeWalkthroughs, referralWalkthrough, requestWalkthrough, walkthrough } from '../../local/walkthrough.ts';
import { logtoView } from '../support/local-stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ logLevel: 'SILENT' });
});

afterAll(async () => {
  await stack?.close();
});

describe('the README walkthrough', () => {
  it('is the one npm start prints', () => {
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(walkthrough(defaultUrls));
  });

  it('ends accepted when pasted into a shell', async () => {
    // Prepare: the same script, pointed at this stack's ports
    const script = walkthrough({ api: stack.apiUrl, logto: stack.logtoUrl, ses: stack.sesUrl, adminAudience: stack.adminAudience });

    // Act
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { timeout: 60_000 });

    // Assess
    const lines = stdout.trim().split('\n');
    const id = lines[0]!;
    expect(id).toMatch(/^inv_/);
    expect(lines[1]).toMatch(/registrationInvitation/);
    expect(lines[2]).toMatch(/\/demo\/callback\?code=/);
    expect(JSON.parse(lines[3]!)).toMatchObject({ id, status: 'accepted', email: 'ada@example.com' });
    // The local SES reports the email delivered a moment after it was sent: before or after the acceptance.
    const types = JSON.parse(lines[4]!).map((event: { type: string }) => event.type) as string[];
    expect(types.filter((type) => type !== 'delivered')).toEqual(['created', 'sent', 'accepted', 'granted']);
    expect(types).toContain('delivered');
    expect(JSON.parse(lines[6]!).map((role: { id: string }) => role.id)).toEqual(['role-member']);
  });

  it('shows the accept-link and provision walkthroughs as they are', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const { acceptLink, provision } = modeWalkthroughs(defaultUrls);
    expect(readme).toContain(acceptLink);
    expect(readme).toContain(provision);
  });

  it.each(['acceptLink', 'provision'] as const)('%s: ends accepted when pasted into a shell', async (mode) => {
    // Prepare: step 1 of the main walkthrough (the token), then the mode's script, pointed at this stack
    const urls = { api: stack.apiUrl, logto: stack.logtoUrl, ses: stack.sesUrl, adminAudience: stack.adminAudience };
    const tokenStep = walkthrough(urls).split('\n\n')[0]!;
    const script = `${tokenStep}\n${modeWalkthroughs(urls)[mode]}`;

    // Act
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { timeout: 60_000 });

    // Assess
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^inv_/);
    const final = JSON.parse(lines.at(-1)!);
    expect(final).toMatchObject({ id: lines[0], status: 'accepted', mode: mode === 'acceptLink' ? 'accept-link' : 'provision' });
    if (mode === 'acceptLink') {
      expect(lines[1]).toContain('/v1/accept?token=');
      expect(lines[2]).toMatch(/^303 .*\/demo\/sign-in\?login_hint=lin%40example\.com&first_screen=identifier%3Asign_in$/);
    } else {
      expect(lines[1]).toMatch(/\/demo\/sign-in\?login_hint=pat%40example\.com&first_screen=identifier%3Asign_in$/);
      expect(lines[2]).toBe('pending');
      expect(lines[3]).toMatch(/\/demo\/callback\?code=/);
    }
  });

  it('shows the access-request walkthrough as it is, and it ends with an invitation emailed', async () => {
    // Prepare
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(requestWalkthrough(defaultUrls));
    const urls = { api: stack.apiUrl, logto: stack.logtoUrl, ses: stack.sesUrl, adminAudience: stack.adminAudience };
    const script = `${walkthrough(urls).split('\n\n')[0]!}\n${requestWalkthrough(urls)}`;

    // Act
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { timeout: 60_000 });

    // Assess
    const lines = stdout.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ status: 'received' });
    expect(lines[1]).toMatch(/^req_/);
    const invitation = JSON.parse(lines[2]!);
    expect(invitation).toMatchObject({ email: 'sam@example.com', name: 'Sam', mode: 'accept-link', roleIds: ['role-member'], status: 'pending' });
    expect(JSON.parse(lines[3]!).data[0]).toMatchObject({ id: lines[1], status: 'approved', invitationId: invitation.id });
    expect(lines[4]).toContain('invited you to join');
  });

  it('shows the batch walkthrough as it is; the CSV example makes three invitations, rejects one row, and is sent', async () => {
    // Prepare
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(batchWalkthrough(defaultUrls));
    const urls = { api: stack.apiUrl, logto: stack.logtoUrl, ses: stack.sesUrl, adminAudience: stack.adminAudience };
    const script = `${walkthrough(urls).split('\n\n')[0]!}\n${batchWalkthrough(urls)}`;

    // Act
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { timeout: 60_000 });

    // Assess
    const [reply, progress] = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(reply).toMatchObject({ rows: 4, accepted: 3, rejected: [{ index: 2, line: 4, email: 'not-an-email', code: 'request.validation_failed' }] });
    expect(progress).toMatchObject({ batchId: reply.batchId, rows: 4, accepted: 3, rejected: 1, progress: { queued: 0, sent: 3 }, done: true });
  });

  it('shows the referral walkthrough as it is; Ada refers Bob, and cannot pass on a role she lacks', async () => {
    // Prepare: Ada as the main walkthrough leaves her (registered, with role-member), whether or not it ran first
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(referralWalkthrough(defaultUrls));
    const { logto, user } = await logtoView(stack);
    let ada = await user('ada@example.com');
    if (!ada) ada = (await logto.post('/api/users', { primaryEmail: 'ada@example.com' })).body;
    await logto.post(`/api/users/${ada!.id}/roles`, { roleIds: ['role-member'] });
    const urls = { api: stack.apiUrl, logto: stack.logtoUrl, ses: stack.sesUrl, adminAudience: stack.adminAudience };

    // Act
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', referralWalkthrough(urls)], { timeout: 60_000 });

    // Assess
    const lines = stdout.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ email: 'bob@example.com', status: 'pending', inviter: { id: ada!.id }, roleIds: ['role-member'] });
    expect(lines[1]).toBe('403');
  });
});
