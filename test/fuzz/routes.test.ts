/**
 * Property-based fuzzing of every route in the route table, over HTTP on the local stack: random and
 * hostile paths, query strings, headers and bodies (fast-check). Whatever arrives, the service answers
 * below 500, every error is `{code, message}`, and afterwards the table holds exactly what the successful
 * responses said: the invitations they created, as they described them, and no others.
 *
 * FUZZ_RUNS (default 80) sets the cases per route, FUZZ_SEED replays a failing run.
 */
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes, type Route } from '../../lambdas/handlers/http/routes.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { writeConsoleBuild } from '../support/console-build.ts';
import { adminToken, client, managementToken } from '../support/local-stack.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 80);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

let stack: LocalStack;
let tokens: { write: string; read: string; refer: string };
let signingKey: string;
/** Invitations that exist before the fuzzing, so `{id}` routes also meet real ids. */
const seeded: string[] = [];
/** What each 201 said it created. */
const created = new Map<string, Record<string, unknown>>();
let cases = 0;
/** Answers by route and status, printed at the end: the fuzzing must reach past validation too. */
const answered = new Map<string, number>();

beforeAll(async () => {
  stack = await startLocalStack({
    jobDelayScale: 0,
    logLevel: 'SILENT',
    sesEventDelayMs: 0,
    env: { REFERRALS_PER_PERIOD: '100000' },
    // The console's routes serve a build: one laid out as Vite writes it, so the fuzzing meets real files.
    consoleDirectory: writeConsoleBuild().directory,
  });
  // A referrer: a user holding role-member, with a user's token carrying invitations:refer.
  const logto = client(stack.logtoUrl, await managementToken(stack));
  const referrer = (await logto.post('/api/users', { primaryEmail: 'fuzz-referrer@example.com', name: 'Fuzz Referrer' })).body;
  await logto.post(`/api/users/${referrer.id}/roles`, { roleIds: ['role-member'] });
  const minted = await fetch(`${stack.logtoUrl}/__standin/user-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: referrer.id, resource: stack.adminAudience, scope: 'invitations:refer' }),
  });
  tokens = {
    write: await adminToken(stack),
    read: await adminToken(stack, { scope: 'invitations:read' }),
    refer: ((await minted.json()) as { access_token: string }).access_token,
  };
  const admin = client(stack.apiUrl, tokens.write);
  for (const email of ['fuzz-seed-1@example.com', 'fuzz-seed-2@example.com', 'fuzz-seed-3@example.com']) {
    seeded.push((await admin.post('/v1/invitations', { email, roleIds: ['role-member'], metadata: { n: 1 } })).body.id);
  }
  const hook = await client(stack.logtoUrl, await managementToken(stack)).get(`/api/hooks/${stack.webhook.id}`);
  signingKey = hook.body.signingKey;
});

afterAll(async () => {
  await stack?.close();
});

const printable = fc.stringMatching(/^[\x20-\x7e]{0,64}$/);
const hostileStrings = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', '../../etc/passwd', '%00', '\u202e', 'inv_', 'null', 'undefined', '__proto__', 'constructor', '😀'.repeat(50)),
  fc.integer({ min: 1, max: 4000 }).map((n) => 'a'.repeat(n)),
);

/** A path parameter: a real id, a near miss, or garbage; sometimes left raw (bad percent-encoding and all). */
const pathSegment = fc.oneof(
  fc.constantFrom(...[0, 1, 2]).map((i) => encodeURIComponent(seeded[i]!)),
  hostileStrings.map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%2F', '..', '.', '%C0%AF', 'inv_%00'),
);

/** The rest of a console path (`{proxy+}`): its files, near misses, client-side routes, hostile segments. */
const consolePath = fc.oneof(
  fc.constantFrom('', 'config.json', 'index.html', 'assets/index-B1lE_z5V.js', 'assets/index-OLDHASH1.js', 'assets/', 'favicon.svg', 'callback'),
  fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((segments) => segments.join('/')),
  pathSegment.map((segment) => `assets/${segment}`),
);

const json = fc.jsonValue({ maxDepth: 4 });

/** Numbers, keys and depths DynamoDB and JavaScript disagree about, as raw JSON text. */
const hostileMetadata = fc.oneof(
  fc.constantFrom(
    '{"big": 9007199254740993}',
    '{"n": 1e21}',
    '{"n": 1e400}',
    '{"n": -1e400}',
    '{"n": 1e-300}',
    '{"__proto__": {"x": 1}}',
    '{"constructor": {"prototype": 1}}',
    '{"": ""}',
    '[]',
    'null',
    '"text"',
    `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`,
    `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    `{"blob":"${'x'.repeat(5000)}"}`,
  ),
  json.map((value) => JSON.stringify(value)),
);

/** An address every validator agrees on (fast-check's emailAddress() also makes RFC 5322 oddities). */
const plainEmail = fc
  .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9+_-]{0,15}$/), fc.constantFrom('example.com', 'Example.ORG', 'simulator.amazonses.com'))
  .map(([local, domain]) => `${local}@${domain}`);

/** A valid value most of the time, a hostile one otherwise. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: hostile });

/** Metadata a caller may mean: JSON whose numbers a double keeps exactly. */
const plainMetadata = fc
  .dictionary(fc.string({ maxLength: 8 }).filter((key) => key !== '__proto__'), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), fc.array(fc.integer(), { maxLength: 3 })), { maxKeys: 4 })
  .map((value) => JSON.stringify(value));

/** Mostly plausible create bodies, each field sometimes replaced by something hostile. */
const createBody = fc
  .record(
    {
      email: mostly(plainEmail, fc.oneof(hostileStrings, fc.constantFrom('ADA@Example.com ', 'a@b', '@', 'x@simulator.amazonses.com'))),
      mode: fc.oneof(
        { weight: 6, arbitrary: fc.constant('magic-link') },
        { weight: 3, arbitrary: fc.constantFrom('accept-link', 'provision') },
        { weight: 1, arbitrary: hostileStrings },
      ),
      name: mostly(fc.string({ minLength: 1, maxLength: 30 }), hostileStrings),
      // Strong ones (to Logto), weak and breached ones (refused by the policy), hostile ones.
      password: mostly(fc.constantFrom('Fuzz-Correct-Horse-1', 'abc', 'Password123', 'correcthorsebatterystaple'), hostileStrings),
      roleIds: mostly(fc.array(fc.constantFrom('role-member', 'role-editor', 'role-nope'), { maxLength: 3 }), json),
      organizationIds: mostly(fc.array(fc.constantFrom('org-acme', 'org-nope'), { maxLength: 2 }), json),
      organizationRoleIds: fc.array(fc.constantFrom('orgrole-admin', 'orgrole-nope'), { maxLength: 2 }),
      expiresIn: mostly(fc.integer({ min: 300, max: 2_592_000 }), fc.oneof(fc.double(), fc.integer())),
      locale: mostly(fc.constantFrom('en', 'de', 'de-CH', 'fr', 'zz-ZZ'), hostileStrings),
      inviter: mostly(fc.record({ name: fc.string({ maxLength: 20 }) }, { requiredKeys: [] }), json),
      redirectUrl: mostly(fc.webPath().map((path) => `${stack.apiUrl}/${path.replace(/^\//, '')}`), fc.oneof(fc.webUrl(), hostileStrings)),
      notify: mostly(fc.boolean(), json),
      reminder: fc.boolean(),
    },
    { requiredKeys: ['email'] },
  )
  .chain((generated) =>
    fc.tuple(fc.option(mostly(plainMetadata, hostileMetadata), { nil: undefined, freq: 2 }), fc.integer({ min: 0, max: 9 })).map(([metadata, dice]) => {
      // A password mostly comes with provision, where it belongs; elsewhere now and then (a 422).
      const { password, ...rest } = generated;
      const body = password !== undefined && (generated.mode === 'provision' || dice === 0) ? generated : rest;
      const text = JSON.stringify(body);
      return metadata === undefined ? text : `${text.slice(0, -1)},"metadata":${metadata}}`;
    }),
  );

const body = fc.oneof(
  { weight: 8, arbitrary: createBody },
  { weight: 1, arbitrary: json.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '{"email":', '\u0000', 'x'.repeat(70_000)) },
);

const query = fc.dictionary(
  fc.oneof(fc.constantFrom('status', 'email', 'limit', 'cursor'), printable),
  fc.oneof(fc.constantFrom('pending', 'expired', '0', '1', '100', '101', '-1', '1e3', 'eyJiZWZvcmUiOiJ4In0'), hostileStrings),
  { maxKeys: 4 },
);

const headers = fc.record(
  {
    authorization: mostly(
      fc.constantFrom('write', 'write', 'write', 'write', 'read'),
      fc.oneof(fc.constantFrom('Bearer', 'Bearer ', 'Bearer a.b.c', 'Basic Zm9vOmJhcg=='), printable),
    ),
    'idempotency-key': mostly(fc.stringMatching(/^[\x21-\x7e]{1,64}$/), fc.oneof(fc.constant(''), fc.integer({ min: 200, max: 400 }).map((n) => 'k'.repeat(n)))),
    'content-type': mostly(fc.constant('application/json'), fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x')),
  },
  { requiredKeys: ['authorization'] },
);

/** A signed webhook payload, so the fuzzing reaches past the signature check too. */
const webhookBody = fc.oneof(
  json.map((value) => JSON.stringify(value)),
  fc
    .record({
      event: fc.constantFrom('PostRegister', 'User.Created', 'PostSignIn', 'Nope'),
      createdAt: fc.oneof(fc.constant(new Date().toISOString()), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), hostileStrings),
      user: fc.oneof(fc.record({ id: hostileStrings, primaryEmail: fc.oneof(plainEmail, hostileStrings) }), json),
      data: json,
    })
    .map((value) => JSON.stringify(value)),
);

/** The accept form: tokens shaped like ours (with unknown ids and secrets), hostile ones, and every field. */
const acceptToken = fc.oneof(
  fc.tuple(fc.stringMatching(/^inv_[\w-]{22}$/), fc.stringMatching(/^[\w-]{43}$/)).map(([id, secret]) => `${id}.${secret}`),
  hostileStrings,
);
const acceptForm = fc
  .record(
    { token: acceptToken, csrf: fc.oneof(fc.stringMatching(/^[\w-]{43}$/), hostileStrings), name: hostileStrings, password: hostileStrings },
    { requiredKeys: [] },
  )
  .map((fields) => new URLSearchParams(fields as Record<string, string>).toString());
const acceptHeaders = fc.record(
  {
    cookie: fc.oneof(fc.stringMatching(/^accept-csrf=[\w-]{43}$/), printable),
    origin: fc.oneof(fc.constant('http://127.0.0.1'), printable),
    'content-type': fc.constantFrom('application/x-www-form-urlencoded', 'text/plain', 'application/json'),
  },
  { requiredKeys: [] },
);

/** What people (and bots) post to ask for an invitation: JSON or the form's encoding, hostile now and then. */
const accessRequestPost = fc
  .record(
    {
      email: mostly(plainEmail, hostileStrings),
      name: mostly(fc.string({ maxLength: 40 }), hostileStrings),
      message: mostly(fc.string({ maxLength: 300 }), fc.oneof(hostileStrings, fc.constant('x'.repeat(5000)))),
      website: fc.oneof(fc.constant(''), printable),
      t: fc.oneof(fc.stringMatching(/^[0-9a-z]{8}\.[\w-]{43}$/), hostileStrings),
    },
    { requiredKeys: [] },
  )
  .chain((fields) =>
    fc.boolean().map((asForm) =>
      asForm
        ? { body: new URLSearchParams(fields as Record<string, string>).toString(), contentType: 'application/x-www-form-urlencoded' }
        : { body: JSON.stringify(fields), contentType: 'application/json' },
    ),
  );

/** A referral: what a signed-in user may send (roles they hold or not), hostile now and then. */
const referralPost = fc
  .record(
    {
      email: mostly(plainEmail, hostileStrings),
      name: mostly(fc.string({ minLength: 1, maxLength: 30 }), hostileStrings),
      message: fc.string({ maxLength: 100 }),
      roleIds: mostly(fc.array(fc.constantFrom('role-member', 'role-editor'), { maxLength: 2 }), json),
      organizationIds: fc.array(fc.constantFrom('org-acme', 'org-nope'), { maxLength: 1 }),
      locale: mostly(fc.constantFrom('en', 'de'), hostileStrings),
    },
    { requiredKeys: ['email'] },
  )
  .map((value) => JSON.stringify(value));

interface Sent {
  status: number;
  text: string;
  contentType: string;
}

async function send(method: string, path: string, options: { headers?: Record<string, string>; body?: string } = {}): Promise<Sent> {
  const response = await fetch(`${stack.apiUrl}${path}`, { method, headers: options.headers, ...(options.body !== undefined && { body: options.body }) });
  cases += 1;
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

function expectWellFormed(reply: Sent, what: string) {
  expect(reply.status, `${what} -> ${reply.status} ${reply.text.slice(0, 300)}`).toBeLessThan(500);
  if (reply.status >= 400 && reply.contentType.includes('text/html')) {
    // The pages people see (the accept page, the request form) refuse in HTML: a heading, never a stack.
    expect(reply.text, what).toMatch(/<h1>[^<]+<\/h1>/);
  } else if (reply.status >= 400) {
    const error = JSON.parse(reply.text) as { code?: unknown; message?: unknown };
    expect(typeof error.code, what).toBe('string');
    expect(typeof error.message, what).toBe('string');
  }
}

function requestFor(route: Route) {
  return fc.record({
    segment: pathSegment,
    query,
    headers,
    body,
    webhookBody,
    signWebhook: fc.boolean(),
    otherMethod: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    consolePath,
    acceptToken,
    acceptForm,
    acceptHeaders,
    accessRequestPost,
    referralPost,
  }).map((generated) => {
    const path = route.path.replace('{id}', generated.segment).replace('{proxy+}', generated.consolePath);
    const search = new URLSearchParams(generated.query).toString();
    const auth = generated.headers.authorization;
    const headerValues: Record<string, string> = { ...generated.headers };
    if (auth === 'write' || auth === 'read') headerValues.authorization = `Bearer ${tokens[route.path === '/v1/referrals' && auth === 'write' ? 'refer' : auth]}`;
    if (route.fn === 'webhook') {
      const payload = generated.webhookBody;
      if (generated.signWebhook) headerValues['logto-signature-sha-256'] = createHmac('sha256', signingKey).update(payload).digest('hex');
      return { method: 'POST', path, headers: headerValues, body: payload };
    }
    if (route.method === 'POST' && route.path === '/v1/access-requests') {
      const { body: requestBody, contentType } = generated.accessRequestPost;
      return { method: 'POST', path, headers: { 'content-type': contentType }, body: requestBody };
    }
    if (route.path === '/v1/referrals') {
      return { method: 'POST', path, headers: { ...headerValues, 'content-type': 'application/json' }, body: generated.referralPost };
    }
    if (route.path === '/v1/accept') {
      const formHeaders = { ...generated.acceptHeaders };
      if (route.method === 'GET') return { method: 'GET', path: `${path}?${new URLSearchParams({ token: generated.acceptToken })}`, headers: formHeaders };
      return { method: 'POST', path, headers: formHeaders, body: generated.acceptForm };
    }
    const method = generated.otherMethod && route.method === 'GET' ? 'DELETE' : route.method;
    return { method, path: `${path}${search ? `?${search}` : ''}`, headers: headerValues, ...(method === 'POST' && { body: generated.body }) };
  });
}

describe('every route, fuzzed', () => {
  it.each((routes as readonly Route[]).map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s answers below 500 with a well-formed error',
    async (_name, route) => {
      await fc.assert(
        fc.asyncProperty(requestFor(route), async (request) => {
          const reply = await send(request.method, request.path, request);
          expectWellFormed(reply, `${request.method} ${request.path.slice(0, 120)}`);
          const key = `${route.method} ${route.path} ${reply.status}`;
          answered.set(key, (answered.get(key) ?? 0) + 1);
          if (request.method === 'POST' && (route.path === '/v1/invitations' || route.path === '/v1/referrals') && reply.status === 201) {
            const invitation = JSON.parse(reply.text) as Record<string, unknown>;
            created.set(invitation.id as string, invitation);
          }
        }),
        { numRuns: runs, ...(seed !== undefined && { seed }), interruptAfterTimeLimit: 60_000 },
      );
    },
    120_000,
  );

  it('leaves the table holding exactly what the successful responses said', async () => {
    await stack.jobs.runDue(true);
    await stack.standIn!.idle();
    const admin = client(stack.apiUrl, tokens.write);
    const stable = ['id', 'email', 'mode', 'roleIds', 'organizationIds', 'organizationRoleIds', 'locale', 'metadata', 'inviter', 'redirectUrl', 'reminder', 'createdAt', 'expiresAt'];
    for (const [id, said] of created) {
      const stored = (await admin.get(`/v1/invitations/${id}`)).body as Record<string, unknown>;
      for (const field of stable) expect(stored[field], `${id}.${field}`).toEqual(said[field]);
    }
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await admin.get(`/v1/invitations?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
      listed.push(...(page.data as { id: string }[]).map((invitation) => invitation.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(listed.sort()).toEqual([...seeded, ...created.keys()].sort());
    console.log(`fuzz: ${cases} requests over ${routes.length} routes, ${created.size} invitations created`);
    console.log([...answered].sort().map(([key, count]) => `  ${key}: ${count}`).join('\n'));
  });
});
