/**
 * The invitee's path in a real browser (headless Chromium): open the link from the email, click
 * "Accept invitation", pass through Logto's sign-in, land on the app signed in, and the invitation
 * reads accepted. CI installs Chromium (.ci/run); elsewhere the test is skipped when it is missing.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, inbox, linkIn, urlIn } from '../support/local-stack.ts';
import { axeFindings, chromiumArgs, chromiumAvailable, chromiumPath } from '../support/browser.ts';


let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  stack = await startLocalStack({ logLevel: 'SILENT' });
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe.skipIf(!chromiumAvailable)('accepting in a browser', () => {
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

  it('accept-link: fills the accept form without JavaScript, is redirected to sign in, and ends signed in', async () => {
    // Prepare: a browser with JavaScript off, as the page must work without it
    const admin = client(stack.apiUrl, await adminToken(stack));
    const address = 'form-in-browser@example.com';
    const created = await admin.post('/v1/invitations', { email: address, mode: 'accept-link', name: 'Ada', inviter: { name: 'Grace' } });
    const link = urlIn((await inbox(stack, address))[0]!, '/v1/accept');
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();

    // Act: a weak password first, then a good one
    await page.goto(link.toString());
    const nameValue = await page.inputValue('#name');
    await page.getByLabel('Choose a password').fill('abcdefgh');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Create my account' }).click()]);
    const refusal = await page.getByRole('alert').textContent();
    await page.getByLabel('Choose a password').fill('Correct-Horse-7-Battery');
    await Promise.all([page.waitForURL(/\/demo\/callback/), page.getByRole('button', { name: 'Create my account' }).click()]);
    await stack.standIn!.idle();

    // Assess
    expect(nameValue).toBe('Ada');
    expect(refusal).toMatch(/Mix at least|too short|breaches|sequence|repeat/i);
    expect(await page.textContent('#welcome')).toContain('Welcome');
    expect((await admin.get(`/v1/invitations/${created.body.id}`)).body.status).toBe('accepted');
    await context.close();
  });

  it('accept-link: the page and its refused form have no serious accessibility problem (axe-core)', async () => {
    // Prepare: axe is a script, so this context runs scripts and lets it past the page's CSP
    const admin = client(stack.apiUrl, await adminToken(stack));
    const address = 'axe@example.com';
    await admin.post('/v1/invitations', { email: address, mode: 'accept-link', locale: 'de' });
    const link = urlIn((await inbox(stack, address))[0]!, '/v1/accept');
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const audit = () => axeFindings(page);

    // Act
    await page.goto(link.toString());
    const onOpen = await audit();
    await page.getByLabel('Ihr Name').fill('');
    await page.getByLabel('Passwort wählen').fill('x');
    // The browser's own checks (required, minlength) are skipped to reach the server's answer.
    await page.evaluate("document.querySelector('form').noValidate = true");
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Konto anlegen' }).click()]);
    const onRefusal = await audit();

    // Assess
    expect(onOpen).toEqual([]);
    expect(await page.getByRole('alert').count()).toBe(1);
    expect(onRefusal).toEqual([]);
    await context.close();
  });

  it('the request form works without JavaScript, hides its honeypot from people, and has no serious accessibility problem', async () => {
    // Prepare
    const admin = client(stack.apiUrl, await adminToken(stack));
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'de-DE' });
    const page = await context.newPage();

    // Act: a person reads the form for a moment (it refuses instant submissions), fills it and sends it
    await page.goto(`${stack.apiUrl}/v1/request-access`);
    const heading = await page.textContent('h1');
    // The honeypot: off-screen for eyes, out of the accessibility tree for screen readers, off the tab order.
    const honeypotBox = await page.locator('#website').boundingBox();
    const honeypotInTree = await page.getByRole('textbox', { name: 'Dieses Feld leer lassen' }).count();
    const honeypotTabIndex = await page.getAttribute('#website', 'tabindex');
    await page.getByLabel('E-Mail-Adresse').fill('from-the-form@example.com');
    await page.getByLabel('Ihr Name').fill('Form Person');
    await page.getByLabel('Warum möchten Sie beitreten?').fill('Ich arbeite bei Acme.');
    await page.waitForTimeout(3100);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Einladung anfragen' }).click()]);
    const thanks = await page.textContent('h1');
    const requests = (await admin.get('/v1/access-requests?limit=100')).body.data as { email: string; name?: string }[];

    // Assess
    expect(heading).toContain('Acme Workspace');
    expect(honeypotBox!.x + honeypotBox!.width).toBeLessThanOrEqual(0);
    expect(honeypotInTree).toBe(0);
    expect(honeypotTabIndex).toBe('-1');
    expect(thanks).toBe('Vielen Dank');
    expect(requests.find((request) => request.email === 'from-the-form@example.com')).toMatchObject({ name: 'Form Person' });
    await context.close();

    // Assess: axe, on the form and on a refused one (it needs scripts, so in a context that allows them)
    const checking = await browser.newContext({ bypassCSP: true });
    const axePage = await checking.newPage();
    const audit = () => axeFindings(axePage);
    await axePage.goto(`${stack.apiUrl}/v1/request-access`);
    expect(await audit()).toEqual([]);
    await axePage.evaluate("document.querySelector('form').noValidate = true");
    await axePage.fill('#email', 'not an email');
    await Promise.all([axePage.waitForNavigation(), axePage.click('button[type=submit]')]);
    expect(await axePage.getByRole('alert').count()).toBe(1);
    expect(await audit()).toEqual([]);
    await checking.close();
  });
});
