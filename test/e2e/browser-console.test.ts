/**
 * The console page's policy in a real browser (headless Chromium), on the local stack: what the SPA needs
 * works (its own script, config.json, Logto's endpoints, the email preview's inline styles in a srcdoc
 * frame, data: images), and what an injected script would need does not (inline script, other origins).
 * The page is a stand-in for the built console; the console's own UI has its own tests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '../../local/logto-stand-in/index.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { chromiumAvailable, chromiumPath } from '../support/browser.ts';

const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>console</title>
<script type="module" src="/console/assets/probe-Dq8m2x1A.js"></script>
<script>window.inlineRan = true;</script>
</head><body><main><h1>probe</h1><img id="pixel" alt="" src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"><output id="out"></output></main></body></html>
`;

/** What the SPA does first: read config.json, then talk to Logto; and what the policy must refuse. */
const probe = `
window.violations = [];
document.addEventListener('securitypolicyviolation', (event) => window.violations.push(event.effectiveDirective));
const config = await (await fetch('/console/config.json')).json();
const discovery = await (await fetch(config.logtoEndpoint + '/oidc/.well-known/openid-configuration')).json();
const elsewhere = await fetch('http://127.0.0.1:9/').then(() => 'reached', () => 'refused');
const frame = document.createElement('iframe');
frame.srcdoc = '<p id="p" style="color: rgb(1, 2, 3)">Welcome</p>';
await new Promise((resolve) => { frame.onload = resolve; document.body.append(frame); });
const previewColor = getComputedStyle(frame.contentDocument.getElementById('p')).color;
document.getElementById('out').textContent = JSON.stringify({ appId: config.appId, issuer: discovery.issuer, elsewhere, previewColor, path: location.pathname });
`;

let stack: LocalStack;
let browser: Browser;
let build: string;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  build = mkdtempSync(join(tmpdir(), 'console-probe-'));
  mkdirSync(join(build, 'assets'));
  writeFileSync(join(build, 'index.html'), page);
  writeFileSync(join(build, 'assets/probe-Dq8m2x1A.js'), probe);
  stack = await startLocalStack({ logLevel: 'SILENT', consoleDirectory: build });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (build) rmSync(build, { recursive: true, force: true });
});

describe.skipIf(!chromiumAvailable)('the console page in a browser', () => {
  it("runs the page's own script, which reads config.json and reaches Logto; the email preview keeps its styles", async () => {
    // Prepare
    const tab = await browser.newPage();

    // Act: a deep link, as after the sign-in callback.
    await tab.goto(`${stack.consoleUrl}/invitations/inv_abc`);
    const out = JSON.parse(await (await tab.waitForSelector('#out:not(:empty)')).textContent() ?? '{}');

    // Assess
    expect(out).toEqual({
      appId: seed.consoleApp.id,
      issuer: `${stack.logtoUrl}/oidc`,
      elsewhere: 'refused',
      previewColor: 'rgb(1, 2, 3)',
      path: '/console/invitations/inv_abc',
    });
    expect(await tab.evaluate("document.getElementById('pixel').naturalWidth")).toBe(1);
  });

  it('refuses an inline script and a request to another origin, and says which directive refused them', async () => {
    // Prepare
    const tab = await browser.newPage();

    // Act
    await tab.goto(stack.consoleUrl);
    await tab.waitForSelector('#out:not(:empty)');
    const inlineRan = await tab.evaluate('window.inlineRan ?? false');
    const violations = (await tab.evaluate('window.violations')) as string[];

    // Assess
    expect(inlineRan).toBe(false);
    expect(violations).toContain('connect-src');
  });
});
