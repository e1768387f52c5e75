/**
 * The console's sign-in against the Logto stand-in in a real browser (headless Chromium): the sign-in page
 * filled in by its labels, the redirect to the console's callback on another origin, the code exchanged by
 * the page itself (so CORS is the browser's to enforce), and sign-out through the self-submitting logout
 * page. Skipped when Chromium is missing, except in CI.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type StandIn, seed, startLogtoStandIn } from '../../local/logto-stand-in/index.ts';
import { axeFindings, chromiumArgs, chromiumAvailable, chromiumPath } from '../support/browser.ts';


let consoleServer: Server;
let consoleBase: string;
let standIn: StandIn;
let browser: Browser;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  // The console's origin: any page will do, the test reads the URL the browser lands on.
  consoleServer = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>console</title>'));
  await new Promise<void>((resolve) => consoleServer.listen(0, '127.0.0.1', resolve));
  consoleBase = `http://127.0.0.1:${(consoleServer.address() as AddressInfo).port}`;
  standIn = await startLogtoStandIn({ port: 0, apiBaseUrl: consoleBase });
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
});

afterAll(async () => {
  await browser?.close();
  await standIn?.close();
  await new Promise((resolve) => consoleServer?.close(resolve));
});

describe.skipIf(!chromiumAvailable)('the console signing in through the stand-in, in a browser', () => {
  it('signs in on the page, exchanges the code from the console origin, and signs out back to the console', async () => {
    // Prepare
    const verifier = randomBytes(64).toString('base64url');
    const authorize = new URL(`${standIn.url}/oidc/auth`);
    authorize.search = new URLSearchParams({
      client_id: seed.consoleApp.id,
      redirect_uri: `${consoleBase}/console/callback`,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'browser-state',
      response_type: 'code',
      prompt: 'consent',
      scope: 'openid offline_access profile invitations:read invitations:write',
      resource: seed.adminClient.resource,
    }).toString();
    const page = await browser.newPage();

    // Act
    await page.goto(authorize.href);
    const signInFindings = await axeFindings(page);
    await page.getByLabel('Username or email').fill(seed.adminUser.username);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refusal = await page.getByRole('alert').textContent();
    const refusedFindings = await axeFindings(page);
    await page.getByLabel('Password').fill(seed.adminUser.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${consoleBase}/console/callback?**`);
    const callback = new URL(page.url());
    const tokens = await page.evaluate(
      async ({ tokenEndpoint, form }) => {
        const response = await fetch(tokenEndpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form).toString(),
        });
        return response.json();
      },
      {
        tokenEndpoint: `${standIn.url}/oidc/token`,
        form: {
          client_id: seed.consoleApp.id,
          code: callback.searchParams.get('code') ?? '',
          code_verifier: verifier,
          redirect_uri: `${consoleBase}/console/callback`,
          grant_type: 'authorization_code',
          resource: seed.adminClient.resource,
        },
      },
    );
    await page.goto(
      `${standIn.url}/oidc/session/end?${new URLSearchParams({ client_id: seed.consoleApp.id, post_logout_redirect_uri: `${consoleBase}/console` })}`,
    );
    await page.waitForURL(`${consoleBase}/console`);
    await page.goto(authorize.href);

    // Assess
    expect(signInFindings).toEqual([]);
    expect(refusal).toBe('Incorrect account or password. Please check your input.');
    expect(refusedFindings).toEqual([]);
    expect(callback.searchParams.get('state')).toBe('browser-state');
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'invitations:read invitations:write', refresh_token: expect.any(String) });
    expect(new URL(page.url()).pathname).toBe('/sign-in');
  });
});
