/**
 * What the browser tests share: Debian's Chromium (required in CI, the tests skip without it elsewhere) and
 * axe-core's serious and critical findings on a page (axe is a script: the page's context must allow it).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(chromiumPath);
if (!chromiumAvailable && process.env.CI) throw new Error(`Chromium is required in CI, not found at ${chromiumPath}`);

/** Headless, and nothing that reaches out to the internet (CI has none). */
export const chromiumArgs = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function axeFindings(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core') });
  const result = (await page.evaluate('axe.run()')) as { violations: { id: string; impact: string }[] };
  return result.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((v) => v.id);
}
