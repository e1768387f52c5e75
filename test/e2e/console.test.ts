/**
 * The admin console in a real browser (Debian's Chromium through playwright-core) against the local stack:
 * sign in at the stand-in's page, invite, follow the invitee's email to acceptance, revoke, import a CSV
 * with bad rows, decide an access request, on a wide and a 360 px screen, with axe-core on every page.
 * Screenshots go to the run's temporary directory, or to docs/screenshots with `npm run screenshots`.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '../../local/logto-stand-in/index.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { axeFindings, chromiumArgs, chromiumAvailable, chromiumPath } from '../support/browser.ts';
import { adminToken, client, inbox, linkIn } from '../support/local-stack.ts';

let stack: LocalStack;
let browser: Browser;
let built: string;
const shots = process.env.SCREENSHOTS_DIR;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  built = await mkdtemp(join(tmpdir(), 'console-dist-'));
  await build({ configFile: new URL('../../console/vite.config.ts', import.meta.url).pathname, logLevel: 'silent', build: { outDir: built, emptyOutDir: true } });
  stack = await startLocalStack({ logLevel: 'SILENT', consoleDirectory: built });
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  if (shots) mkdirSync(shots, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (built) await rm(built, { recursive: true, force: true });
});

const consoleUrl = (path = '') => `${stack.apiUrl}/console${path}`;

/** A signed-in admin's page: through the stand-in's sign-in form, as a person would. */
async function signedIn(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(consoleUrl());
  await page.getByLabel('Username or email').fill(seed.adminUser.username);
  await page.getByLabel('Password').fill(seed.adminUser.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Invitations' }).waitFor();
  return page;
}

/** The whole page (the viewport grown to fit: a full-page capture can leave an iframe blank), or its first screen on a phone. */
async function screenshot(page: Page, name: string, { firstScreen = false } = {}) {
  if (!shots) return;
  const viewport = page.viewportSize()!;
  if (!firstScreen) {
    const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
    await page.setViewportSize({ width: viewport.width, height: Math.max(height, viewport.height) });
    await page.waitForTimeout(200);
  }
  await page.screenshot({ path: join(shots, `${name}.png`) });
  await page.setViewportSize(viewport);
}

/** Serious and critical axe findings (axe is injected as a script: these contexts bypass the console's CSP). */
const audit = (page: Page) => axeFindings(page);

describe.skipIf(!chromiumAvailable)('the admin console', () => {
  it('ships no secret: its configuration is fetched at run time, and it holds none of the local credentials', () => {
    const shipped = readdirSync(built, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
      .join('\n');
    for (const secret of [seed.adminClient.secret, seed.m2mApp.secret, seed.adminUser.password, 'local-demo-secret']) expect(shipped).not.toContain(secret);
    expect(shipped).not.toContain(seed.consoleApp.id);
    expect(shipped).toContain('config.json');
  });

  it('signs in under its own CSP, shows the signed-in admin, and signs out', async () => {
    // Prepare: no CSP bypass here, so the console's own policy is what the page runs under
    const context = await browser.newContext();
    const page = await signedIn(context);
    const errors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));

    // Act
    const who = await page.locator('.who').textContent();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console$/);
    await page.getByLabel('Username or email').waitFor();

    // Assess
    expect(who).toContain(seed.adminUser.name);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('invites one person with a role and an organization picked by name; the invitee accepts from the email; the console shows it accepted with its timeline', async () => {
    // Prepare
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const page = await signedIn(context);
    const address = 'console-invitee@example.com';
    const emptyList = await audit(page);

    // Act: the invite form
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Invite' }).click();
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill(address);
    await page.getByRole('textbox', { name: /^Name/ }).fill('Console Invitee');
    await page.getByRole('checkbox', { name: /^member/ }).check();
    await page.getByRole('checkbox', { name: 'Acme' }).check();
    await page.getByRole('group', { name: 'Roles in Acme' }).getByRole('checkbox', { name: /^viewer/ }).check();
    await page.getByLabel('Metadata').fill('{"plan": "pro"}');
    await screenshot(page, 'invite');
    const inviteForm = await audit(page);
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await page.getByRole('heading', { name: `Invited ${address}` }).waitFor();
    await page.getByRole('link', { name: 'See the invitation' }).click();
    await page.getByText('email sent').or(page.getByText('email delivered')).first().waitFor();
    const pendingStatus = await page.locator('.badges .badge').first().textContent();
    await page.frameLocator('iframe.email').locator('body').waitFor();
    const previewText = await page.frameLocator('iframe.email').locator('body').textContent();
    const previewLinks = await page.frameLocator('iframe.email').locator('a').evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));

    // Act: the invitee opens the email and accepts through the demo landing page
    const mail = (await inbox(stack, address))[0]!;
    const invitee = await browser.newPage();
    await invitee.goto(linkIn(mail).toString());
    await invitee.click('#accept');
    await invitee.waitForSelector('#welcome');
    await invitee.close();
    await stack.standIn!.idle();

    // Assess: the detail page follows along to accepted, with the whole timeline
    await page.locator('.badges .badge', { hasText: 'accepted' }).waitFor({ timeout: 15_000 });
    await page.locator('.timeline li', { hasText: 'accepted' }).first().waitFor();
    const timeline = await page.locator('.timeline li strong').allTextContents();
    await screenshot(page, 'invitation');
    expect(emptyList).toEqual([]);
    expect(inviteForm).toEqual([]);
    expect(pendingStatus).toBe('pending');
    expect(previewText).toContain('invited you');
    expect(previewLinks).toContain('#link-hidden-in-preview');
    expect(previewLinks.join(' ')).not.toMatch(/one_time_token|token=/);
    expect(timeline).toEqual(expect.arrayContaining(['created', 'accepted']));
    expect(await page.locator('.fields').textContent()).toMatch(/member.*Acme.*viewer/s);
    expect(await audit(page)).toEqual([]);
    await page.getByRole('link', { name: 'Invitations', exact: true }).first().click();
    await page.locator('tbody tr').first().waitFor();
    await screenshot(page, 'invitations');
    await context.close();
  });

  it('revokes an invitation after confirming, and its link is refused', async () => {
    // Prepare
    const admin = client(stack.apiUrl, await adminToken(stack));
    const address = 'console-revoked@example.com';
    const created = await admin.post('/v1/invitations', { email: address });
    const link = linkIn((await inbox(stack, address))[0]!);
    const context = await browser.newContext({ bypassCSP: true });
    const page = await signedIn(context);

    // Act
    await page.getByRole('link', { name: address }).click();
    await page.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke the invitation of ${address}?` });
    const dialogFindings = await audit(page);
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await page.locator('.badges .badge', { hasText: 'revoked' }).waitFor();
    const invitee = await browser.newPage();
    await invitee.goto(link.toString());
    const refused = await Promise.all([invitee.waitForNavigation(), invitee.click('#accept')]).then(([response]) => response);

    // Assess
    expect(dialogFindings).toEqual([]);
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.status).toBe('revoked');
    expect(refused?.status()).toBeGreaterThanOrEqual(400);
    expect(await page.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    await invitee.close();
    await context.close();
  });

  it('shows an API refusal as the API words it, and takes the corrected form', async () => {
    // Prepare: someone already invited
    const admin = client(stack.apiUrl, await adminToken(stack));
    await admin.post('/v1/invitations', { email: 'console-twice@example.com' });
    const context = await browser.newContext({ bypassCSP: true });
    const page = await signedIn(context);

    // Act
    await page.goto(consoleUrl('/invite'));
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill('console-twice@example.com');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    const alert = await page.getByRole('alert').textContent();
    const findings = await audit(page);
    // Act: the admin corrects the email and sends the form again (a new request: the refusal was final)
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill('console-twice-corrected@example.com');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await page.getByRole('heading', { name: 'Invited console-twice-corrected@example.com' }).waitFor();

    // Assess
    expect(alert).toContain('invitation.already_pending');
    expect(findings).toEqual([]);
    await context.close();
  });

  it('imports a CSV: previews the rows it would reject and why before sending, then shows the delivery progress', async () => {
    // Prepare: two good rows, a bad email, a duplicate, and someone already invited
    const admin = client(stack.apiUrl, await adminToken(stack));
    await admin.post('/v1/invitations', { email: 'csv-pending@example.com' });
    const csv = ['email,name,roleIds', 'csv-one@example.com,One,role-member', 'not-an-email,Bad,', 'csv-two@example.com,Two,', 'csv-one@example.com,Again,', 'csv-pending@example.com,Pending,'].join('\n');
    const context = await browser.newContext({ bypassCSP: true });
    const page = await signedIn(context);
    const before = (await admin.get('/v1/invitations?limit=100')).body.data.length;

    // Act: check the file
    await page.goto(consoleUrl('/invite'));
    await page.getByRole('button', { name: 'Many, from a CSV file' }).click();
    await page.getByLabel('CSV file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Check the rows' }).click();
    await page.getByRole('heading', { name: '2 rows will be invited, 3 rejected' }).waitFor();
    const rejected = await page.getByRole('table', { name: 'Rejected rows' }).locator('tbody tr').allTextContents();
    const afterCheck = (await admin.get('/v1/invitations?limit=100')).body.data.length;
    await screenshot(page, 'import-preview');
    const previewFindings = await audit(page);

    // Act: send it
    await page.getByRole('button', { name: 'Send 2 invitations' }).click();
    await page.getByRole('heading', { name: 'The batch is delivered' }).waitFor({ timeout: 20_000 });
    const bar = page.getByRole('progressbar');
    const progress = await bar.evaluate((element) => {
      const progressBar = element as unknown as { value: number; max: number };
      return [progressBar.value, progressBar.max];
    });
    await screenshot(page, 'import-progress');

    // Assess
    expect(afterCheck).toBe(before);
    expect(rejected).toHaveLength(3);
    expect(rejected[0]).toMatch(/^3.*not-an-email.*request\.validation_failed/);
    expect(rejected.join('\n')).toMatch(/batch\.duplicate_email/);
    expect(rejected.join('\n')).toMatch(/invitation\.already_pending/);
    expect(previewFindings).toEqual([]);
    expect(progress).toEqual([2, 2]);
    expect((await inbox(stack, 'csv-two@example.com')).length).toBe(1);
    expect(await audit(page)).toEqual([]);
    await context.close();
  });

  it('approves an access request into an invitation, and declines another', async () => {
    // Prepare: two people asked through the open route
    const ask = (email: string) =>
      fetch(`${stack.apiUrl}/v1/access-requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, name: email.split('@')[0], message: 'I work at Acme.' }) });
    await ask('asks-yes@example.com');
    await ask('asks-no@example.com');
    const context = await browser.newContext({ bypassCSP: true });
    const page = await signedIn(context);
    const directoryReads: string[] = [];
    page.on('request', (request) => /\/v1\/(roles|organizations|organization-roles)$/.test(new URL(request.url()).pathname) && directoryReads.push(request.url()));

    // Act
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Access requests' }).click();
    const yes = page.getByRole('listitem').filter({ hasText: 'asks-yes@example.com' });
    await yes.waitFor();
    await screenshot(page, 'access-requests');
    const listFindings = await audit(page);
    await yes.getByRole('button', { name: 'Approve' }).click();
    const approve = page.getByRole('dialog', { name: 'Invite asks-yes@example.com?' });
    await approve.getByRole('checkbox', { name: /^editor/ }).check();
    await approve.getByRole('button', { name: 'Approve and invite' }).click();
    await yes.waitFor({ state: 'detached' });
    const no = page.getByRole('listitem').filter({ hasText: 'asks-no@example.com' });
    await no.getByRole('button', { name: 'Decline' }).click();
    await page.getByRole('dialog', { name: 'Decline asks-no@example.com?' }).getByRole('button', { name: 'Decline' }).click();
    await no.waitFor({ state: 'detached' });

    // Assess
    const admin = client(stack.apiUrl, await adminToken(stack));
    const invited = (await admin.get('/v1/invitations?email=asks-yes@example.com')).body.data;
    expect(listFindings).toEqual([]);
    // Every card and dialog shares one read of the tenant's lists (each costs a Logto call).
    expect(directoryReads).toHaveLength(3);
    expect(invited).toHaveLength(1);
    expect(invited[0].roleIds).toEqual(['role-editor']);
    expect((await admin.get('/v1/access-requests?status=declined')).body.data.map((r: { email: string }) => r.email)).toContain('asks-no@example.com');
    await context.close();
  });

  it('filters and pages the list, and fits a 360 px wide screen', { timeout: 60_000 }, async () => {
    // Prepare: more invitations than a page holds
    const admin = client(stack.apiUrl, await adminToken(stack));
    for (let i = 0; i < 21; i++) await admin.post('/v1/invitations', { email: `page-${String(i).padStart(2, '0')}@example.com`, notify: false });
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });
    const page = await signedIn(context);

    // Act
    await page.getByLabel('Status').selectOption('pending');
    await page.waitForURL(/status=pending/);
    const first = await page.locator('tbody tr').first().textContent();
    await page.getByRole('button', { name: 'Older' }).click();
    await page.waitForURL(/cursor=/);
    await page.locator('tbody tr').first().waitFor();
    const older = await page.locator('tbody tr').first().textContent();
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.waitForURL((url) => !url.searchParams.has('cursor'));
    await page.getByRole('searchbox', { name: 'Email' }).fill('page-03@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/email=/);
    await page.locator('tbody tr').first().waitFor();
    const found = await page.locator('tbody tr').allTextContents();
    await page.goto(consoleUrl());
    await page.locator('tbody tr').first().waitFor();
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    await screenshot(page, 'invitations-360px', { firstScreen: true });
    const narrowFindings = await audit(page);

    // Assess
    expect(first).toContain('page-20@example.com');
    expect(older).not.toContain('page-20@example.com');
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('page-03@example.com');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(narrowFindings).toEqual([]);
    await context.close();
  });

  it('signs in again when the session is gone, and comes back to the half-filled form', async () => {
    // Prepare: a half-filled invite form
    const context = await browser.newContext({ bypassCSP: true });
    const page = await signedIn(context);
    await page.goto(consoleUrl('/invite'));
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill('after-expiry@example.com');
    await page.getByRole('textbox', { name: /^Name/ }).fill('Kept Draft');

    const visited: string[] = [];
    // Every navigation request, redirects included (Logto may answer its authorization request with a redirect at once).
    page.on('request', (request) => request.isNavigationRequest() && request.frame() === page.mainFrame() && visited.push(request.url()));

    // Act: the SDK's tokens disappear (as when the refresh token is spent) and the admin presses Invite
    await page.evaluate("for (const key of Object.keys(localStorage)) if (key.startsWith('logto')) localStorage.removeItem(key)");
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    // Logto still has its own session (its cookie): it may sign the admin in again without asking.
    const form = page.getByLabel('Username or email');
    const back = page.getByRole('heading', { level: 1, name: 'Invite' });
    await form.or(back).first().waitFor();
    await page.waitForLoadState('networkidle');
    if (await form.isVisible()) {
      await form.fill(seed.adminUser.username);
      await page.getByLabel('Password').fill(seed.adminUser.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await back.waitFor();

    // Assess: it went through Logto's authorization endpoint and the callback, and the form is as it was
    expect(visited.some((url) => url.startsWith(`${stack.logtoUrl}/oidc/auth`))).toBe(true);
    expect(visited.some((url) => new URL(url).pathname === '/console/callback')).toBe(true);
    expect(new URL(page.url()).pathname).toBe('/console/invite');
    expect(await page.getByRole('textbox', { name: 'Email', exact: true }).inputValue()).toBe('after-expiry@example.com');
    expect(await page.getByRole('textbox', { name: /^Name/ }).inputValue()).toBe('Kept Draft');
    await context.close();
  });
});
