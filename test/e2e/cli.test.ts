/**
 * The CLI as people and scripts use it: the real binary in its own process against the local stack on
 * random ports, its configuration in a scratch directory. Exit codes, human output, `--json`, the saved
 * login, and what a terminal shows (colours, the redrawn progress bar, the revoke prompt).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { localDefaults } from '../../cli/config.ts';
import { seed } from '../../local/logto-stand-in/index.ts';
import { localPorts, localUrl } from '../../local/defaults.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { ansiEscape, cli, cliAtTerminal, type CliOptions } from '../support/cli.ts';
import { adminToken, inbox } from '../support/local-stack.ts';

let stack: LocalStack;
let scratch: string;
let run = 0;

beforeAll(async () => {
  stack = await startLocalStack({ logLevel: 'SILENT', jobDelayScale: 0 });
  scratch = mkdtempSync(join(tmpdir(), 'cli-test-'));
});

afterAll(async () => {
  await stack?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const unique = (name: string) => `${name}-${Date.now().toString(36)}-${(run += 1)}@example.com`;

/** A fresh config directory (and home), so no saved login leaks between tests or from the machine. */
function configHome(): string {
  return mkdtempSync(join(scratch, 'home-'));
}

/** The environment of a shell pointed at this stack: nothing of the outer environment's CLI settings. */
function env(overrides: Record<string, string | undefined> = {}, home = configHome()): CliOptions['env'] {
  return {
    PATH: process.env.PATH,
    TMPDIR: process.env.TMPDIR,
    HOME: home,
    XDG_CONFIG_HOME: home,
    LOGTO_INVITATIONS_API: stack.apiUrl,
    LOGTO_INVITATIONS_LOGTO: stack.logtoUrl,
    ...overrides,
  };
}

const logtoInvitations = (args: string[], options: Partial<CliOptions> = {}) => cli(args, { env: env(), ...options });

/** Until the predicate holds (the local SES and its events answer within a few hundred ms). */
async function eventually<T>(read: () => Promise<T>, holds: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 50; i += 1) {
    const value = await read();
    if (holds(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition never held');
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function created(email: string, ...args: string[]) {
  const result = await logtoInvitations(['create', email, '--json', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { id: string; email: string; status: string; link?: string; delivery: { sendCount: number } };
}

describe('help', () => {
  it('lists every command and the exit codes at the root, and each command its options', async () => {
    // Act
    const root = await logtoInvitations(['--help']);
    const commands = ['login', 'create', 'import', 'list', 'show', 'events', 'resend', 'revoke', 'doctor'];
    const each = await Promise.all(commands.map((command) => logtoInvitations([command, '--help'])));

    // Assess
    expect(root.code).toBe(0);
    for (const command of commands) expect(root.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(root.stdout).toMatch(/Exit codes:\n  0 .*\n  1 .*usage.*\n  2 .*refused.*\n  3 .*authentication.*\n  4 .*unavailable.*\n  5 .*import/);
    each.forEach((result, index) => {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: logto-invitations ${commands[index]}\\b`));
      expect(result.stdout).toContain('-h, --help');
    });
    expect(readFileSync(new URL('../../cli/README.md', import.meta.url), 'utf8')).toContain(root.stdout);
    expect(each[1]!.stdout).toMatch(/--no-notify/);
    expect(each[2]!.stdout).toMatch(/--no-wait/);
  });

  it('talks to the local stack of npm start when nothing is configured', () => {
    expect(localDefaults).toEqual({
      api: localUrl(localPorts.api),
      endpoint: localUrl(localPorts.logto),
      clientId: seed.adminClient.id,
      clientSecret: seed.adminClient.secret,
      resource: seed.adminClient.resource,
      scopes: seed.adminClient.scopes.join(' '),
    });
  });
});

describe('bad usage', () => {
  it.each([
    [['frobnicate'], /Unknown command 'frobnicate'/],
    [['create'], /Missing <email>/],
    [['show', 'inv_1', 'inv_2'], /Unexpected argument 'inv_2'/],
    [['list', '--colour'], /Unknown option '--colour'/],
    [['create', 'ada@example.com', '--expires', 'soon'], /--expires takes seconds or a duration/],
    [['create', 'ada@example.com', '--metadata', '[1]'], /--metadata must be a JSON object/],
    [['import', 'no-such-file.csv'], /Cannot read no-such-file.csv/],
  ])('%j exits 1 and says why', async (args, message) => {
    const result = await logtoInvitations(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('one invitation', () => {
  it('create prints the pending invitation and emails it', async () => {
    // Prepare
    const email = unique('ada');

    // Act
    const result = await logtoInvitations(['create', email, '--role', 'role-member', '--org', 'org-acme', '--expires', '3d', '--metadata', '{"team":"research"}']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Invited ${email}`);
    expect(result.stdout).toMatch(/^status +pending$/m);
    expect(result.stdout).toMatch(/^roles +role-member$/m);
    expect(result.stdout).toMatch(/^expires +in 3 days/m);
    expect(result.stdout).not.toMatch(ansiEscape);
    const mails = await eventually(() => inbox(stack, email), (found) => found.length === 1);
    expect(mails[0]!.body.text).toMatch(/registrationInvitation/);
  });

  it('create --json prints the API\'s invitation; --no-notify its link, and no email is sent', async () => {
    const email = unique('bob');

    const invitation = await created(email, '--no-notify', '--locale', 'de');

    expect(invitation).toMatchObject({ email, status: 'pending', locale: 'de', delivery: { status: 'skipped', sendCount: 0 } });
    expect(invitation.link).toMatch(/registrationInvitation/);
    expect(await inbox(stack, email)).toEqual([]);
  });

  it('a second create of a pending email exits 2 with the API\'s code and details', async () => {
    const email = unique('twice');
    const first = await created(email);

    const second = await logtoInvitations(['create', email]);

    expect(second.code).toBe(2);
    expect(second.stderr).toContain('invitation.already_pending: ');
    expect(second.stderr).toContain(`invitationId: ${first.id}`);
    expect(second.stdout).toBe('');
  });

  it('list, show and events read it back', async () => {
    // Prepare
    const email = unique('cy');
    const invitation = await created(email);

    // Act
    const [table, json, details, timeline] = await Promise.all([
      logtoInvitations(['list', '--email', email]),
      logtoInvitations(['list', '--email', email, '--json']),
      logtoInvitations(['show', invitation.id]),
      logtoInvitations(['events', invitation.id]),
    ]);

    // Assess
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID +EMAIL +STATUS +DELIVERY +MODE +EXPIRES$/m);
    expect(table.stdout).toMatch(new RegExp(`^${invitation.id} +${email} +pending +(sent|delivered) +magic-link +in 7 days$`, 'm'));
    expect(JSON.parse(json.stdout)).toMatchObject({ data: [{ id: invitation.id, email }], nextCursor: null });
    expect(details.stdout).toMatch(new RegExp(`^id +${invitation.id}$`, 'm'));
    expect(details.stdout).toMatch(new RegExp(`^email +${email}$`, 'm'));
    expect(timeline.code).toBe(0);
    expect(timeline.stdout).toMatch(/^WHEN +EVENT +BY +DETAILS$/m);
    expect(timeline.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +created +admin local-admin/m);
    expect(timeline.stdout).toMatch(/ sent +admin local-admin +sendCount=1$/m);
  });

  it('list --all follows every page', async () => {
    await Promise.all([created(unique('page')), created(unique('page')), created(unique('page'))]);

    const [all, firstPage] = await Promise.all([
      logtoInvitations(['list', '--all', '--limit', '1', '--status', 'pending', '--json']),
      logtoInvitations(['list', '--limit', '1', '--status', 'pending', '--json']),
    ]);
    const everything = await logtoInvitations(['list', '--limit', '100', '--status', 'pending', '--json']);

    const ids = (result: { stdout: string }) => (JSON.parse(result.stdout).data as { id: string }[]).map((item) => item.id);
    expect(JSON.parse(firstPage.stdout).nextCursor).toEqual(expect.any(String));
    expect(JSON.parse(all.stdout).nextCursor).toBeNull();
    expect(ids(all)).toEqual(ids(everything));
    expect(ids(all).length).toBeGreaterThanOrEqual(3);
  });

  it('resend emails it again; revoke --yes ends it, and it cannot be resent', async () => {
    // Prepare
    const email = unique('dee');
    const invitation = await created(email);

    // Act
    const resent = await logtoInvitations(['resend', invitation.id, '--json']);
    const revoked = await logtoInvitations(['revoke', invitation.id, '--yes']);
    const again = await logtoInvitations(['resend', invitation.id]);

    // Assess
    expect(resent.code, resent.stderr).toBe(0);
    expect(JSON.parse(resent.stdout).delivery.sendCount).toBe(2);
    await eventually(() => inbox(stack, email), (found) => found.length === 2);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Revoked the invitation of ${email}`);
    expect(revoked.stdout).toMatch(/^status +revoked$/m);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('invitation.not_pending: ');
    const events = await logtoInvitations(['events', invitation.id, '--json']);
    expect((JSON.parse(events.stdout) as { type: string }[]).map((event) => event.type)).toEqual(expect.arrayContaining(['resent', 'revoked']));
  });

  it('an unknown id exits 2 with the API\'s not-found code', async () => {
    const result = await logtoInvitations(['show', 'inv_doesnotexist']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invitation.not_found');
  });
});

describe('import', () => {
  it('lists the rejected rows by line, shows the progress until done, and exits 5', async () => {
    // Prepare: two good rows around a bad one
    const good = [unique('kim'), unique('lee')] as const;
    const file = join(scratch, `team-${run}.csv`);
    writeFileSync(file, `email,name,roleIds\n${good[0]},Kim,role-member\nnot-an-email,Nobody,\n${good[1]},,\n`);

    // Act
    const result = await logtoInvitations(['import', file]);

    // Assess
    expect(result.code, result.stderr).toBe(5);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Batch bat_\S+: 3 rows, 2 accepted, 1 rejected$/);
    expect(lines[1]).toMatch(/^LINE +EMAIL +CODE +MESSAGE$/);
    expect(lines[2]).toMatch(/^3 +not-an-email +request\.validation_failed +Invalid row: email\. \(email: Must be an email address\.\)$/);
    expect(lines.at(-1)).toMatch(/^\[#+\] 2\/2 +sent 2, failed 0, accepted 0, ended 0 +done$/);
    expect(result.stdout).not.toMatch(ansiEscape);
    expect(result.stdout).not.toContain('\r');
    for (const email of good) await eventually(() => inbox(stack, email), (found) => found.length === 1);
  });

  it('is the same batch when run again on the same file (--json, --no-wait)', async () => {
    const file = join(scratch, `again-${run}.csv`);
    writeFileSync(file, `email\n${unique('once')}\n`);

    const first = await logtoInvitations(['import', file, '--json']);
    const second = await logtoInvitations(['import', file, '--json', '--no-wait']);

    expect(first.code, first.stderr).toBe(0);
    const documents = first.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(documents[0]).toMatchObject({ rows: 1, accepted: 1, rejected: [] });
    expect(documents.at(-1)).toMatchObject({ batchId: documents[0].batchId, done: true });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(second.stdout).batchId).toBe(documents[0].batchId);
  });

  it('exits 2 when every row is rejected', async () => {
    const file = join(scratch, `none-${run}.csv`);
    writeFileSync(file, 'email\nnope\n');

    const result = await logtoInvitations(['import', file]);

    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^2 +nope +request\.validation_failed/m);
  });
});

describe('login', () => {
  it('--token-stdin saves the token readable by the user only, never prints it, and the next command uses it', async () => {
    // Prepare
    const home = configHome();
    const token = await adminToken(stack);

    // Act
    const login = await cli(['login', '--token-stdin', '--api', stack.apiUrl], { env: env({ LOGTO_INVITATIONS_API: undefined }, home), input: `${token}\n` });
    const list = await cli(['list', '--limit', '1'], { env: env({ LOGTO_INVITATIONS_API: undefined, LOGTO_INVITATIONS_LOGTO: 'http://127.0.0.1:9' }, home) });

    // Assess
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^Saved a token that expires in (\d+ minutes|1 hour) to .*config\.json\.$/m);
    expect(login.stdout + login.stderr).not.toContain(token);
    const path = join(home, 'logto-invitations', 'config.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'logto-invitations')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ api: stack.apiUrl, token });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID +EMAIL/);
  });

  it('a saved token the API refuses exits 3 and says to log in again', async () => {
    const home = configHome();
    await cli(['login', '--token-stdin'], { env: env({}, home), input: 'not-a-token' });

    const result = await cli(['list'], { env: env({}, home) });

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: auth\.\S+: /);
    expect(result.stderr).toContain('logto-invitations login');
  });

  it('checks client credentials before saving them: a wrong secret exits 3 and saves nothing', async () => {
    const home = configHome();
    const args = ['login', '--endpoint', stack.logtoUrl, '--client-id', seed.adminClient.id, '--resource', seed.adminClient.resource, '--client-secret-stdin'];

    const wrong = await cli(args, { env: env({}, home), input: 'wrong-secret' });
    const right = await cli(args, { env: env({}, home), input: seed.adminClient.secret });

    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('invalid_client');
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout + right.stderr).not.toContain(seed.adminClient.secret);
    const saved = JSON.parse(readFileSync(join(home, 'logto-invitations', 'config.json'), 'utf8'));
    expect(saved).toMatchObject({ endpoint: stack.logtoUrl, clientId: seed.adminClient.id, clientSecret: seed.adminClient.secret });
  });
});

describe('at a terminal', () => {
  it('colours the output, unless NO_COLOR is set; through a pipe, never', async () => {
    const email = unique('tty');
    await created(email);

    const [coloured, noColor, piped] = await Promise.all([
      cliAtTerminal(['list', '--email', email], { env: env() }),
      cliAtTerminal(['list', '--email', email], { env: env({ NO_COLOR: '1' }) }),
      logtoInvitations(['list', '--email', email]),
    ]);

    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toMatch(/\x1b\[33mpending *\x1b\[39m/);
    expect(noColor.stdout).toContain('pending');
    expect(noColor.stdout).not.toMatch(ansiEscape);
    expect(piped.stdout).toContain('pending');
    expect(piped.stdout).not.toMatch(ansiEscape);
  });

  it('redraws one progress line', async () => {
    const file = join(scratch, `tty-${run}.csv`);
    writeFileSync(file, `email\n${unique('bar')}\n${unique('bar')}\n`);

    const result = await cliAtTerminal(['import', file], { env: env({ NO_COLOR: '1' }) });

    expect(result.code).toBe(0);
    const bars = result.stdout.split('\r\n').filter((line) => line.includes('] '));
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatch(/\r\[█+\] 2\/2 .*done *$/);
  });

  it('revoke asks first, and a no leaves the invitation pending', async () => {
    const invitation = await created(unique('ask'));

    const answer = await cliAtTerminal(['revoke', invitation.id], { env: env(), input: 'n\r' });

    expect(answer.stdout).toContain(`Revoke the invitation of ${invitation.email}`);
    expect(answer.code).toBe(1);
    const shown = await logtoInvitations(['show', invitation.id, '--json']);
    expect(JSON.parse(shown.stdout).status).toBe('pending');
  });
});

describe('when the service cannot be reached', () => {
  it('exits 4, for the API and for Logto alike', async () => {
    const port = await closedPort();

    const [api, logto] = await Promise.all([
      logtoInvitations(['list'], { env: env({ LOGTO_INVITATIONS_API: `http://127.0.0.1:${port}` }) }),
      logtoInvitations(['list'], { env: env({ LOGTO_INVITATIONS_LOGTO: `http://127.0.0.1:${port}` }) }),
    ]);

    expect(api.code).toBe(4);
    expect(api.stderr).toContain(`Cannot reach the invitations API at http://127.0.0.1:${port}: connect ECONNREFUSED`);
    expect(logto.code).toBe(4);
    expect(logto.stderr).toContain(`Cannot reach Logto at http://127.0.0.1:${port}`);
  });
});

describe('doctor', () => {
  it('runs the doctor script itself: its usage error comes back as exit 1', async () => {
    const result = await logtoInvitations(['doctor', '--local', '--stack', 'Invitations']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Give either --local or --stack');
  });
});
