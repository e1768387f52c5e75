/**
 * Collecting who to invite (the step before Logto's guide invites anyone), on the local stack over HTTP:
 * anyone asks, the answer never tells whether an email is known, floods and bots are kept out, and an
 * admin approves into exactly one invitation or declines.
 *
 * Every test speaks from its own loopback address (127.0.0.N), so the per-IP limit of one does not touch
 * the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, logtoView } from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let reader: ReturnType<typeof client>;
let nextIp = 10;
const minFillSeconds = 0.4;

beforeAll(async () => {
  stack = await startLocalStack({
    jobDelayScale: 0,
    logLevel: 'SILENT',
    env: { ACCESS_REQUESTS_PER_IP_HOUR: '6', ACCESS_REQUESTS_PER_EMAIL_DAY: '2', ACCESS_FORM_MIN_SECONDS: String(minFillSeconds) },
  });
  admin = client(stack.apiUrl, await adminToken(stack));
  reader = client(stack.apiUrl, await adminToken(stack, { scope: 'invitations:read' }));
});

afterAll(async () => {
  await stack?.close();
});

/** A caller at its own loopback address (the whole of 127/8 is this machine). */
function visitor() {
  const localAddress = `127.0.0.${(nextIp += 1)}`;
  const send = (path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
    new Promise<{ status: number; headers: Headers; text: string }>((resolve, reject) => {
      const request = httpRequest(`${stack.apiUrl}${path}`, { method: init.method ?? 'GET', headers: init.headers, localAddress }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers.set(name, String(value));
          resolve({ status: response.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      request.on('error', reject);
      request.end(init.body);
    });
  return {
    send,
    ask: (body: Record<string, unknown>) =>
      send('/v1/access-requests', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    askWithForm: (fields: Record<string, string>) =>
      send('/v1/access-requests', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }),
  };
}

const requestsFor = async (email: string) =>
  ((await admin.get('/v1/access-requests?limit=100')).body.data as { id: string; email: string; status: string }[]).filter(
    (request) => request.email === email,
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The headers a response could leak through, without the ones that change per response. */
const shape = (reply: { status: number; headers: Headers; text: string }) => ({
  status: reply.status,
  body: reply.text,
  headers: [...reply.headers.entries()].filter(([name]) => !['date', 'content-length', 'keep-alive', 'connection'].includes(name)),
});

describe('asking to be invited', () => {
  it('answers the same for a new, repeated, pending, invited and registered email, and stores only the new one', async () => {
    // Prepare: an email with an invitation pending, and one that is a Logto user
    const caller = visitor();
    const invited = 'invited-already@example.com';
    const registered = 'registered-already@example.com';
    expect((await admin.post('/v1/invitations', { email: invited })).status).toBe(201);
    await (await logtoView(stack)).logto.post('/api/users', { primaryEmail: registered });

    // Act
    const replies = [
      await caller.ask({ email: 'new-person@example.com', name: 'New', message: 'Hello!\nI would like to join.' }),
      await caller.ask({ email: 'new-person@example.com' }),
      await caller.ask({ email: invited }),
      await caller.ask({ email: registered }),
    ];

    // Assess
    const shapes = replies.map(shape);
    for (const other of shapes.slice(1)) expect(other).toEqual(shapes[0]);
    expect(shapes[0]!.status).toBe(202);
    expect(JSON.parse(shapes[0]!.body)).toEqual({ status: 'received', message: expect.any(String) });
    const stored = await requestsFor('new-person@example.com');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'pending', name: 'New', message: 'Hello!\nI would like to join.' });
    // Asking never calls Logto, so it never learns who is registered: both got a request too.
    expect(await requestsFor(invited)).toHaveLength(1);
    expect(await requestsFor(registered)).toHaveLength(1);
  });

  it('limits each IP (429, naming no email) and each email (silently), and other IPs go on', async () => {
    // Prepare
    const flooder = visitor();
    const other = visitor();

    // Act
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await flooder.ask({ email: `flood-${i}@example.com` })).status);
    const limited = await flooder.ask({ email: 'one-more@example.com' });
    const fromElsewhere = await other.ask({ email: 'elsewhere@example.com' });
    // The per-email limit (2 a day): the third ask for one email from fresh IPs is dropped, still 202.
    const sameEmail = [visitor(), visitor(), visitor()];
    const requestsOfOne: number[] = [];
    for (const [i, caller] of sameEmail.entries()) {
      const reply = await caller.ask({ email: 'popular@example.com' });
      requestsOfOne.push(reply.status);
      // Declined in between, so that each ask would make a new request were it not limited.
      const [pending] = (await requestsFor('popular@example.com')).filter((request) => request.status === 'pending');
      if (pending && i < 2) await admin.post(`/v1/access-requests/${pending.id}/decline`);
    }

    // Assess
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429, 429]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3600');
    expect(limited.text).not.toContain('one-more');
    expect(fromElsewhere.status).toBe(202);
    expect(await requestsFor('flood-7@example.com')).toHaveLength(0);
    expect(requestsOfOne).toEqual([202, 202, 202]);
    expect(await requestsFor('popular@example.com')).toHaveLength(2);
  });

  it('refuses oversize and hostile bodies with a 4xx and stores nothing', async () => {
    // Prepare
    const caller = visitor();

    // Act
    const replies = {
      oversize: await caller.ask({ email: 'big@example.com', message: 'x'.repeat(5000) }),
      unknownField: await caller.ask({ email: 'extra@example.com', roleIds: ['role-editor'] }),
      badEmail: await caller.ask({ email: 'not an email' }),
      controlChars: await caller.ask({ email: 'ctrl@example.com', name: 'Eve\u0000' }),
      notJson: await caller.send('/v1/access-requests', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' }),
      longMessage: await caller.ask({ email: 'long@example.com', message: 'y'.repeat(1001) }),
    };

    // Assess
    expect(Object.fromEntries(Object.entries(replies).map(([name, reply]) => [name, reply.status]))).toEqual({
      oversize: 413,
      unknownField: 422,
      badEmail: 422,
      controlChars: 422,
      notJson: 400,
      longMessage: 422,
    });
    for (const email of ['big', 'extra', 'ctrl', 'long']) expect(await requestsFor(`${email}@example.com`)).toHaveLength(0);
  });

  it('drops bots silently: the honeypot, a form post without its token, a forged token, a form sent too fast', async () => {
    // Prepare
    const caller = visitor();
    const page = await caller.send('/v1/request-access');
    const token = /name="t" value="([^"]+)"/.exec(page.text)![1]!;

    // Act
    const answers = [
      await caller.ask({ email: 'honeypot@example.com', website: 'https://spam.example' }),
      await caller.askWithForm({ email: 'no-token@example.com' }),
      await caller.askWithForm({ email: 'forged@example.com', t: `${Date.now().toString(36)}.${'A'.repeat(43)}` }),
      await caller.askWithForm({ email: 'too-fast@example.com', t: token }),
    ];
    await sleep(minFillSeconds * 1000 + 100);
    const person = await caller.askWithForm({ email: 'a-person@example.com', name: 'Person', t: token, website: '' });

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(answers.slice(1).map((answer) => answer.text)).size).toBe(1);
    expect(person.text).toBe(answers[1]!.text);
    for (const email of ['honeypot', 'no-token', 'forged', 'too-fast']) expect(await requestsFor(`${email}@example.com`)).toHaveLength(0);
    expect(await requestsFor('a-person@example.com')).toHaveLength(1);
  });
});

describe('approving and declining', () => {
  async function pendingRequest(email: string, name?: string): Promise<string> {
    await visitor().ask({ email, ...(name && { name }) });
    const [request] = await requestsFor(email);
    return request!.id;
  }

  it('approves into exactly one invitation under concurrent approvals, with the chosen mode and roles', async () => {
    // Prepare
    const id = await pendingRequest('approve-me@example.com', 'Approved Person');

    // Act
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() => admin.post(`/v1/access-requests/${id}/approve`, { mode: 'accept-link', roleIds: ['role-member'], locale: 'de' })),
    );

    // Assess
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409]);
    const created = answers.find((answer) => answer.status === 201)!.body;
    expect(created).toMatchObject({ email: 'approve-me@example.com', name: 'Approved Person', mode: 'accept-link', roleIds: ['role-member'], locale: 'de' });
    const invitations = (await admin.get(`/v1/invitations?email=approve-me%40example.com`)).body.data;
    expect(invitations).toHaveLength(1);
    const [request] = await requestsFor('approve-me@example.com');
    expect(request).toMatchObject({ status: 'approved', invitationId: created.id, decidedBy: { type: 'admin' } });
    const events = (await admin.get(`/v1/invitations/${created.id}/events`)).body as { type: string; data?: Record<string, unknown> }[];
    expect(events[0]).toMatchObject({ type: 'created', data: { accessRequestId: id } });
    const again = await admin.post(`/v1/access-requests/${id}/approve`, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'access_request.not_pending', details: { invitationId: created.id } });
  });

  it('declines without creating or sending anything; the email may ask again', async () => {
    // Prepare
    const id = await pendingRequest('decline-me@example.com');

    // Act
    const declined = await admin.post(`/v1/access-requests/${id}/decline`);
    const approveAfter = await admin.post(`/v1/access-requests/${id}/approve`, {});
    await visitor().ask({ email: 'decline-me@example.com' });

    // Assess
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ id, status: 'declined' });
    expect(declined.body).not.toHaveProperty('version');
    expect(approveAfter.status).toBe(409);
    expect((await admin.get('/v1/invitations?email=decline-me%40example.com')).body.data).toHaveLength(0);
    expect((await requestsFor('decline-me@example.com')).map((request) => request.status).sort()).toEqual(['declined', 'pending']);
  });

  it('keeps the request pending when the approval cannot create (the email became a Logto user)', async () => {
    // Prepare
    const id = await pendingRequest('became-user@example.com');
    await (await logtoView(stack)).logto.post('/api/users', { primaryEmail: 'became-user@example.com' });

    // Act
    const answer = await admin.post(`/v1/access-requests/${id}/approve`, {});

    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('invitation.already_registered');
    expect((await requestsFor('became-user@example.com'))[0]!.status).toBe('pending');
  });

  it('lists newest first with a status filter and cursor paging; reading needs read, deciding needs write', async () => {
    // Prepare
    for (const n of [1, 2, 3]) await pendingRequest(`page-${n}@example.com`);

    // Act
    const first = await reader.get('/v1/access-requests?status=pending&limit=2');
    const second = await reader.get(`/v1/access-requests?status=pending&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    const forbidden = await reader.post(`/v1/access-requests/${first.body.data[0].id}/decline`);
    const unknown = await admin.post('/v1/access-requests/req_nope/approve', {});

    // Assess
    expect(first.status).toBe(200);
    expect(first.body.data.map((request: { email: string }) => request.email)).toEqual(['page-3@example.com', 'page-2@example.com']);
    expect(second.body.data[0].email).toBe('page-1@example.com');
    expect(second.body.data.every((request: { status: string }) => request.status === 'pending')).toBe(true);
    expect(forbidden.status).toBe(403);
    expect(unknown.status).toBe(404);
  });
});
