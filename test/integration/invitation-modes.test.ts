/**
 * Options 2 and 3 of Logto's invitation guide on the local stack, over HTTP: accept-link (our page and
 * form create the user) and provision (the user exists from the start; the first sign-in accepts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import {
  adminToken,
  auditTrail,
  clearLogtoFaults,
  client,
  follow,
  inbox,
  injectLogtoFault,
  logtoView,
  openAcceptPage,
  submitAcceptForm,
  urlIn,
} from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let logto: Awaited<ReturnType<typeof logtoView>>;
let now = Date.now();
let counter = 0;
const email = (label: string) => `${label}-${(counter += 1)}@example.com`;
const strongPassword = 'Correct-Horse-7-Battery';

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', clock: { now: () => new Date(now) } });
  admin = client(stack.apiUrl, await adminToken(stack));
  logto = await logtoView(stack);
});

beforeEach(() => {
  now = Date.now();
});

afterAll(async () => {
  await stack?.close();
});

const task = (action: 'reconcile' | 'remind' | 'expire', invitationId: string) => stack.service.lifecycle({ action, invitationId });
const fullUser = async (userId: string) => (await logto.logto.get(`/api/users/${userId}`)).body;

async function inviteAcceptLink(address: string, extra: Record<string, unknown> = {}) {
  const created = await admin.post('/v1/invitations', { email: address, mode: 'accept-link', inviter: { name: 'Grace' }, ...extra });
  expect(created.status).toBe(201);
  const mails = await inbox(stack, address);
  return { id: created.body.id as string, link: urlIn(mails.at(-1)!, '/v1/accept'), created };
}

describe('accept-link', () => {
  it('emails our accept page; its form creates the user, accepts, grants and sends the invitee on to sign in', async () => {
    // Prepare
    const address = email('accept');
    const { id, link } = await inviteAcceptLink(address, { roleIds: ['role-member'], organizationIds: ['org-acme'], metadata: { team: 'blue' } });
    expect(link.origin).toBe(stack.apiUrl);
    expect(link.searchParams.get('token')).toMatch(new RegExp(`^${id}\\.[\\w-]{43}$`));
    expect((await inbox(stack, address)).at(-1)!.body.html).toContain('>Create your account</a>');

    // Act: open the page
    const visit = await openAcceptPage(link);

    // Assess: the invitation is shown, with a form asking for name and password
    expect(visit.status).toBe(200);
    expect(visit.html).toContain('Acme Workspace');
    expect(visit.html).toContain('Grace');
    expect(visit.html).toContain(address);
    expect(visit.html).toMatch(/<label for="name">/);
    expect(visit.html).toMatch(/<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8"/);
    expect(visit.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(visit.headers.get('referrer-policy')).toBe('same-origin');
    expect(visit.cookie).toMatch(/^accept-csrf=[\w-]{43}$/);

    // Act: submit it
    const submitted = await submitAcceptForm(link, visit, { name: 'Ada Lovelace', password: strongPassword });

    // Assess: 303 to the app's sign-in with the email and the screen for a password sign-in
    expect(submitted.status).toBe(303);
    const location = new URL(submitted.location!);
    expect(location.origin + location.pathname).toBe(`${stack.apiUrl}/demo/sign-in`);
    expect(location.searchParams.get('login_hint')).toBe(address);
    expect(location.searchParams.get('first_screen')).toBe('identifier:sign_in');

    const invitation = (await admin.get(`/v1/invitations/${id}`)).body;
    expect(invitation).toMatchObject({ status: 'accepted', mode: 'accept-link', acceptedUserId: expect.any(String) });
    const user = await fullUser(invitation.acceptedUserId);
    expect(user).toMatchObject({ primaryEmail: address, name: 'Ada Lovelace', hasPassword: true, customData: { team: 'blue' } });
    expect(await logto.roleIds(user.id)).toContain('role-member');
    expect(await auditTrail(admin, id)).toEqual(['created', 'sent', 'accepted', 'granted']);

    // Act / Assess: the app's sign-in goes on to Logto with the parameters, and the invitee is signed in
    const { hops, final } = await follow(location);
    const auth = new URL(hops.find((hop) => hop.startsWith(`${stack.logtoUrl}/oidc/auth`))!);
    expect(auth.searchParams.get('login_hint')).toBe(address);
    expect(auth.searchParams.get('first_screen')).toBe('identifier:sign_in');
    expect(final.status).toBe(200);

    // Assess: the link was single use
    const again = await openAcceptPage(link);
    expect(again.status).toBe(409);
    expect(again.html).toContain('already accepted');
    const resubmitted = await submitAcceptForm(link, visit, { name: 'Mallory', password: strongPassword });
    expect(resubmitted.status).toBe(409);
    expect((await fullUser(user.id)).name).toBe('Ada Lovelace');
  });

  it('changes nothing when the page is only opened (a mail scanner)', async () => {
    // Prepare
    const address = email('scanner');
    const { id, link } = await inviteAcceptLink(address);
    const before = (await admin.get(`/v1/invitations/${id}`)).body;

    // Act
    for (let i = 0; i < 3; i += 1) expect((await openAcceptPage(link, { 'user-agent': 'SafeLinks scanner' })).status).toBe(200);
    await fetch(link, { method: 'HEAD' });

    // Assess
    expect((await admin.get(`/v1/invitations/${id}`)).body).toEqual(before);
    expect(await auditTrail(admin, id)).toEqual(['created', 'sent']);
    expect(await logto.user(address)).toBeUndefined();
  });

  it('creates one user for a double-submitted form', async () => {
    // Prepare
    const address = email('double');
    const { id, link } = await inviteAcceptLink(address);
    const visit = await openAcceptPage(link);

    // Act
    const answers = await Promise.all([1, 2, 3].map(() => submitAcceptForm(link, visit, { name: 'Ada', password: strongPassword })));

    // Assess: every answer is the redirect or "already accepted"; one user, one acceptance
    for (const answer of answers) expect([303, 409]).toContain(answer.status);
    expect(answers.some((answer) => answer.status === 303)).toBe(true);
    const users = (await logto.logto.get(`/api/users?search.primaryEmail=${encodeURIComponent(address)}&mode.primaryEmail=exact`)).body;
    expect(users).toHaveLength(1);
    const invitation = (await admin.get(`/v1/invitations/${id}`)).body;
    expect(invitation).toMatchObject({ status: 'accepted', acceptedUserId: users[0].id });
    expect((await auditTrail(admin, id)).filter((type) => type === 'accepted')).toHaveLength(1);
  });

  it('refuses a weak password with the policy reason and keeps the form (never the password)', async () => {
    // Prepare
    const address = email('weak');
    const { id, link } = await inviteAcceptLink(address);
    const visit = await openAcceptPage(link);

    // Act
    const refused = await submitAcceptForm(link, visit, { name: 'Ada', password: 'abc' });

    // Assess
    expect(refused.status).toBe(422);
    expect(refused.html).toContain('role="alert"');
    expect(refused.html).toContain('too short');
    expect(refused.html).toContain('value="Ada"');
    expect(refused.html).not.toContain('value="abc"');
    expect((await admin.get(`/v1/invitations/${id}`)).body.status).toBe('pending');
    expect(await logto.user(address)).toBeUndefined();
  });

  it('refuses a post without the page cookie or from another origin, and changes nothing', async () => {
    // Prepare
    const address = email('csrf');
    const { id, link } = await inviteAcceptLink(address);
    const visit = await openAcceptPage(link);

    // Act
    const noCookie = await submitAcceptForm(link, visit, { name: 'Ada', password: strongPassword }, { cookie: null });
    const elsewhere = await submitAcceptForm(link, visit, { name: 'Ada', password: strongPassword }, { origin: 'https://evil.example' });
    const forged = await submitAcceptForm(link, visit, { name: 'Ada', password: strongPassword }, { csrf: 'x'.repeat(43) });

    // Assess
    expect([noCookie.status, elsewhere.status, forged.status]).toEqual([403, 403, 403]);
    expect((await admin.get(`/v1/invitations/${id}`)).body.status).toBe('pending');
    expect(await logto.user(address)).toBeUndefined();
  });

  it('answers invalid, replaced, revoked and expired links with a clear page and a 4xx', async () => {
    // Prepare
    const replaced = await inviteAcceptLink(email('replaced'));
    expect((await admin.post(`/v1/invitations/${replaced.id}/resend`)).status).toBe(200);
    const revoked = await inviteAcceptLink(email('revoked'));
    await admin.post(`/v1/invitations/${revoked.id}/revoke`);
    const expiring = await inviteAcceptLink(email('expiring'), { expiresIn: 300 });
    const forged = new URL(replaced.link);
    forged.searchParams.set('token', `${replaced.id}.${'A'.repeat(43)}`);

    // Act
    now += 301_000;
    const pages = {
      garbage: await openAcceptPage(`${stack.apiUrl}/v1/accept?token=%3Cscript%3E`),
      missing: await openAcceptPage(`${stack.apiUrl}/v1/accept`),
      forged: await openAcceptPage(forged),
      replaced: await openAcceptPage(replaced.link),
      revoked: await openAcceptPage(revoked.link),
      expired: await openAcceptPage(expiring.link),
    };

    // Assess
    expect(Object.fromEntries(Object.entries(pages).map(([name, page]) => [name, page.status]))).toEqual({
      garbage: 404,
      missing: 404,
      forged: 404,
      replaced: 404,
      revoked: 410,
      expired: 410,
    });
    expect(pages.garbage.html).not.toContain('<script>');
    expect(pages.revoked.html).toContain('withdrawn');
    expect(pages.expired.html).toContain('expired');
    expect(pages.expired.headers.get('content-type')).toContain('text/html');
  });

  it('removes the user it created when the invitation is revoked while the form is being submitted', async () => {
    // Prepare: the page was opened, then the admin revoked
    const address = email('late');
    const { id, link } = await inviteAcceptLink(address);
    const visit = await openAcceptPage(link);
    await admin.post(`/v1/invitations/${id}/revoke`);

    // Act
    const submitted = await submitAcceptForm(link, visit, { name: 'Ada', password: strongPassword });

    // Assess
    expect(submitted.status).toBe(410);
    expect(await logto.user(address)).toBeUndefined();
    expect((await admin.get(`/v1/invitations/${id}`)).body.status).toBe('revoked');
  });

  it('accepts an email that became a Logto user meanwhile without a second account', async () => {
    // Prepare
    const address = email('existing');
    const { id, link } = await inviteAcceptLink(address);
    const existing = (await logto.logto.post('/api/users', { primaryEmail: address, name: 'Already Here' })).body;
    await stack.standIn!.idle();
    const visit = await openAcceptPage(link);

    // Act
    const submitted = await submitAcceptForm(link, visit, { name: 'Ada', password: strongPassword });

    // Assess
    expect(submitted.status).toBe(303);
    expect(new URL(submitted.location!).searchParams.get('first_screen')).toBe('identifier:sign_in');
    expect((await admin.get(`/v1/invitations/${id}`)).body).toMatchObject({ status: 'accepted', acceptedUserId: existing.id });
    expect((await fullUser(existing.id)).name).toBe('Already Here');
  });

  it('speaks the invitation language on the page', async () => {
    // Prepare
    const { link } = await inviteAcceptLink(email('de'), { locale: 'de-CH' });

    // Act
    const visit = await openAcceptPage(link);

    // Assess
    expect(visit.html).toContain('<html lang="de">');
    expect(visit.html).toContain('Konto anlegen');
  });
});

describe('provision', () => {
  async function provision(address: string, extra: Record<string, unknown> = {}) {
    const created = await admin.post('/v1/invitations', { email: address, mode: 'provision', name: 'Ada Provisioned', inviter: { name: 'Grace' }, ...extra });
    expect(created.status).toBe(201);
    await stack.standIn!.idle();
    const user = (await logto.user(address))!;
    return { id: created.body.id as string, created, user, mail: (await inbox(stack, address)).at(-1)! };
  }

  it('creates the user up front, emails "account ready", and the first sign-in accepts (not our own User.Created)', async () => {
    // Prepare / Act
    const address = email('provision');
    const { id, created, user, mail } = await provision(address, { password: strongPassword, roleIds: ['role-editor'], metadata: { plan: 'pro' } });

    // Assess: the account exists with the password, the invitation is pending, the password went nowhere else
    expect(created.body).toMatchObject({ status: 'pending', mode: 'provision', name: 'Ada Provisioned', delivery: { status: 'sent', sendCount: 1 } });
    expect(JSON.stringify(created.body)).not.toContain(strongPassword);
    expect(await fullUser(user.id)).toMatchObject({ name: 'Ada Provisioned', hasPassword: true, customData: { plan: 'pro' }, lastSignInAt: null });
    expect((await admin.get(`/v1/invitations/${id}`)).body.status).toBe('pending');
    expect(mail.subject).toContain('set up your Acme Workspace account');
    expect(mail.body.text).not.toContain(strongPassword);
    const signIn = urlIn(mail, '/demo/sign-in');
    expect(signIn.searchParams.get('login_hint')).toBe(address);
    expect(signIn.searchParams.get('first_screen')).toBe('identifier:sign_in');

    // Act: the invitee signs in
    const { final } = await follow(signIn);
    await stack.standIn!.idle();

    // Assess
    expect(final.status).toBe(200);
    const accepted = (await admin.get(`/v1/invitations/${id}`)).body;
    expect(accepted).toMatchObject({ status: 'accepted', acceptedUserId: user.id });
    expect(await logto.roleIds(user.id)).toContain('role-editor');
    expect(await auditTrail(admin, id)).toEqual(['created', 'sent', 'accepted', 'granted']);
    const events = (await admin.get(`/v1/invitations/${id}/events`)).body as { type: string; data?: { via?: string } }[];
    expect(events.find((event) => event.type === 'accepted')?.data?.via).toBe('PostSignIn');
  });

  it('links to reset_password when the inviter set no password', async () => {
    // Act
    const { user, mail } = await provision(email('nopass'));

    // Assess
    expect((await fullUser(user.id)).hasPassword).toBe(false);
    expect(urlIn(mail, '/demo/sign-in').searchParams.get('first_screen')).toBe('reset_password');
  });

  it('is accepted by reconciling lastSignInAt when the PostSignIn webhook was lost', async () => {
    // Prepare: the hook is off while the invitee signs in
    const address = email('lost');
    const { id, user, mail } = await provision(address);
    await logto.setHookEnabled(stack.webhook.id, false);
    try {
      await follow(urlIn(mail, '/demo/sign-in'));
      await stack.standIn!.idle();
    } finally {
      await logto.setHookEnabled(stack.webhook.id, true);
    }
    expect((await admin.get(`/v1/invitations/${id}`)).body.status).toBe('pending');

    // Act
    const result = await task('reconcile', id);

    // Assess
    expect(result).toEqual({ status: 'accepted' });
    expect((await admin.get(`/v1/invitations/${id}`)).body).toMatchObject({ status: 'accepted', acceptedUserId: user.id });
    expect((await admin.post(`/v1/invitations/${id}/revoke`)).status).toBe(409);
  });

  it('suspends the user when revoked before the first sign-in; the invitee can no longer sign in', async () => {
    // Prepare
    const address = email('revoke');
    const { id, user, mail } = await provision(address, { password: strongPassword });

    // Act
    const revoked = await admin.post(`/v1/invitations/${id}/revoke`);
    const signIn = await follow(urlIn(mail, '/demo/sign-in'));

    // Assess
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await fullUser(user.id)).isSuspended).toBe(true);
    expect(signIn.final.status).toBeGreaterThanOrEqual(400);
    expect(await auditTrail(admin, id)).toEqual(['created', 'sent', 'revoked', 'account_closed']);
    const events = (await admin.get(`/v1/invitations/${id}/events`)).body as { type: string; data?: Record<string, unknown> }[];
    expect(events.find((event) => event.type === 'account_closed')?.data).toMatchObject({ userId: user.id, action: 'suspended' });
  });

  it('suspends the user at expiry, recorded in the audit trail', async () => {
    // Prepare
    const { id, user } = await provision(email('expire'), { expiresIn: 300 });

    // Act
    now += 301_000;
    const result = await task('expire', id);

    // Assess
    expect(result).toEqual({ status: 'expired' });
    expect((await fullUser(user.id)).isSuspended).toBe(true);
    expect(await auditTrail(admin, id)).toEqual(['created', 'sent', 'expired', 'account_closed']);
  });

  it('refuses a password the policy rejects, and a password for another mode, creating nothing', async () => {
    // Act
    const weak = await admin.post('/v1/invitations', { email: email('weakprov'), mode: 'provision', password: 'abc' });
    const wrongMode = await admin.post('/v1/invitations', { email: email('wrongmode'), mode: 'magic-link', password: strongPassword });

    // Assess
    expect(weak.status).toBe(422);
    expect(weak.body.code).toBe('invitation.password_rejected');
    expect(weak.body.details[0]).toMatchObject({ path: 'password', code: 'password_rejected.too_short' });
    expect(JSON.stringify(weak.body)).not.toContain('"abc"');
    expect(wrongMode.status).toBe(422);
    expect(wrongMode.body.code).toBe('invitation.password_not_allowed');
    expect((await admin.get('/v1/invitations?limit=100')).body.data.map((inv: { email: string }) => inv.email)).not.toContain('weakprov');
  });

  it('never stores the password: not in the table, its idempotency record or the audit trail', async () => {
    // Prepare
    const secret = 'Unique-Secret-4711-Zebra';
    const response = await fetch(`${stack.apiUrl}/v1/invitations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await adminToken(stack)}`, 'content-type': 'application/json', 'idempotency-key': `prov-${counter}` },
      body: JSON.stringify({ email: email('stored'), mode: 'provision', password: secret }),
    });
    expect(response.status).toBe(201);
    const body = await response.text();

    // Act
    const dynamo = new DynamoDBClient({ endpoint: stack.dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const scanned = JSON.stringify((await dynamo.send(new ScanCommand({ TableName: stack.config.TABLE_NAME }))).Items);
    dynamo.destroy();

    // Assess
    expect(body).not.toContain(secret);
    expect(scanned).not.toContain(secret);
    expect(scanned).not.toContain(createHash('sha256').update(secret).digest('hex'));
  });
});

describe('passwords stay out of logs; Logto down; provisioned users deleted when the deployment says so', () => {
  let debugStack: LocalStack;
  let debugAdmin: ReturnType<typeof client>;
  const written: string[] = [];
  const capture = (chunk: unknown) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  let restore: () => void = () => undefined;

  beforeAll(async () => {
    debugStack = await startLocalStack({ jobDelayScale: 0, logLevel: 'DEBUG', env: { PROVISIONED_USER_ON_END: 'delete' } });
    debugAdmin = client(debugStack.apiUrl, await adminToken(debugStack));
    const [out, err] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => capture(chunk) && out(chunk as string, ...(rest as []))) as typeof process.stdout.write;
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => capture(chunk) && err(chunk as string, ...(rest as []))) as typeof process.stderr.write;
    restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  });

  afterAll(async () => {
    restore();
    await debugStack?.close();
  });

  it('writes no password to the logs, whatever happens to the request', async () => {
    // Prepare
    const secret = 'Log-Secret-8812-Walrus';
    const view = await logtoView(debugStack);

    // Act: a provision create, one Logto refuses to answer (a 500 the service logs), an accept form with the password, a refused one
    await debugAdmin.post('/v1/invitations', { email: email('log-prov'), mode: 'provision', password: secret });
    await injectLogtoFault(debugStack, { method: 'POST', pathPrefix: '/api/users', status: 500, count: 10 });
    const failed = await debugAdmin.post('/v1/invitations', { email: email('log-fail'), mode: 'provision', password: `${secret}-2` });
    await clearLogtoFaults(debugStack);
    const address = email('log-accept');
    await debugAdmin.post('/v1/invitations', { email: address, mode: 'accept-link' });
    const link = urlIn((await inbox(debugStack, address)).at(-1)!, '/v1/accept');
    const visit = await openAcceptPage(link);
    await submitAcceptForm(link, visit, { name: 'Logged', password: `${secret}!` });
    await submitAcceptForm(link, visit, { name: 'Logged', password: 'abc' });
    await debugStack.standIn!.idle();

    // Assess: the service did log (so the check can fail), and never a password
    const logs = written.join('');
    expect(failed.status).toBe(503);
    expect(logs).toMatch(/"level":"(WARN|DEBUG|INFO)"/);
    expect(logs).not.toContain(secret);
    expect(await view.user(address)).toBeDefined();
  });

  it('answers 503 and stores nothing when Logto is down for a provision create; the retry works', async () => {
    // Prepare
    const address = email('down');
    await injectLogtoFault(debugStack, { method: 'POST', pathPrefix: '/api/users', status: 503, count: 10 });

    // Act
    const refused = await debugAdmin.post('/v1/invitations', { email: address, mode: 'provision' });
    await clearLogtoFaults(debugStack);
    const retried = await debugAdmin.post('/v1/invitations', { email: address, mode: 'provision' });

    // Assess
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('logto.unavailable');
    expect(retried.status).toBe(201);
    const listed = (await debugAdmin.get(`/v1/invitations?email=${encodeURIComponent(address)}`)).body.data;
    expect(listed.map((inv: { id: string }) => inv.id)).toEqual([retried.body.id]);
  });

  it('shows the accept form again after Logto failed, and the next submission creates the one user', async () => {
    // Prepare
    const address = email('form-down');
    const created = await debugAdmin.post('/v1/invitations', { email: address, mode: 'accept-link' });
    const link = urlIn((await inbox(debugStack, address)).at(-1)!, '/v1/accept');
    const visit = await openAcceptPage(link);
    await injectLogtoFault(debugStack, { method: 'POST', pathPrefix: '/api/users', status: 503, count: 10 });

    // Act
    const failed = await submitAcceptForm(link, visit, { name: 'Ada', password: strongPassword });
    await clearLogtoFaults(debugStack);
    const retried = await submitAcceptForm(link, await openAcceptPage(link), { name: 'Ada', password: strongPassword });

    // Assess
    expect(failed.status).toBe(503);
    expect(failed.html).toContain('Nothing was changed');
    expect((await debugAdmin.get(`/v1/invitations/${created.body.id}`)).body.status).toBe('accepted');
    expect(retried.status).toBe(303);
  });

  it('deletes the provisioned user on revoke when the deployment says delete, and records it', async () => {
    // Prepare
    const address = email('delete');
    const created = await debugAdmin.post('/v1/invitations', { email: address, mode: 'provision' });
    const view = await logtoView(debugStack);
    const userId = (await view.user(address))!.id;

    // Act
    const revoked = await debugAdmin.post(`/v1/invitations/${created.body.id}/revoke`);

    // Assess
    expect(revoked.status).toBe(200);
    expect(await view.user(address)).toBeUndefined();
    const events = (await debugAdmin.get(`/v1/invitations/${created.body.id}/events`)).body as { type: string; data?: Record<string, unknown> }[];
    expect(events.find((event) => event.type === 'account_closed')?.data).toMatchObject({ userId, action: 'deleted' });
  });
});
