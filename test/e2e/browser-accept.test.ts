/**
 * The invitee's path in a real browser (headless Chromium): open the link from the email, click
 * "Accept invitation", pass through Logto's sign-in, land on the app signed in, and the invitation
 * reads accepted. CI installs Chromium (.ci/run); elsewhere the test is skipped when it is missing.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, inbox, linkIn } from '../support/local-stack.ts';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(executablePath);
if (!available && process.env.CI) throw new Error(`Chromium is required in CI, not found at ${executablePath}`);

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  stack = await startLocalStack({ logLevel: 'SILENT' });
  browser = await chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe.skipIf(!available)('accepting in a browser', () => {
  it('clicks Accept on the landing page and ends signed in, with the invitation accepted', async () => {
    // Prepare
    const admin = client(stack.apiUrl, await adminToken(stack));
    const created = await admin.post('/v1/invitations', { email: 'browser@example.com', inviter: { name: 'Grace' } });
    const link = linkIn((await inbox(stack, 'browser@example.com'))[0]!);
    const page = await browser.newPage();

    // Act
    await page.goto(link.toString());
    const heading = await page.textContent('h1');
    await page.click('#accept');
    await page.waitForSelector('#welcome');
    await stack.standIn!.idle();

    // Assess
    expect(heading).toContain('Acme Workspace');
    expect(new URL(page.url()).pathname).toBe('/demo/callback');
    expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.status).toBe('accepted');
  });

  it('shows an error when the link was already used', async () => {
    const admin = client(stack.apiUrl, await adminToken(stack));
    await admin.post('/v1/invitations', { email: 'twice-clicked@example.com' });
    const link = linkIn((await inbox(stack, 'twice-clicked@example.com'))[0]!);
    const page = await browser.newPage();
    await page.goto(link.toString());
    await page.click('#accept');
    await page.waitForSelector('#welcome');

    await page.goto(link.toString());
    const response = await Promise.all([page.waitForNavigation(), page.click('#accept')]).then(([r]) => r);

    expect(response?.status()).toBeGreaterThanOrEqual(400);
    expect(await page.content()).toContain('one_time_token');
  });
});
