/**
 * One temporary directory for the whole run: every test process gets it as TMPDIR, so what the CDK makes
 * for each `App` without an output directory (`cdk.out*`), and anything else a test puts in the system's
 * temporary directory, goes there and is removed when the run ends, passed or failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'logto-invitations-tests-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
