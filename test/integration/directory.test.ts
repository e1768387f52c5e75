/**
 * The directory the console's invite form picks from, over HTTP on the local stack: `GET /v1/roles`,
 * `/v1/organizations` and `/v1/organization-roles` read Logto's lists (the stand-in's, paged as Logto pages
 * them) a hundred at a time, up to 1,000 entries, and search with Logto's own matching.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { adminToken, client, logtoView } from '../support/local-stack.ts';

let stack: LocalStack;
let reader: ReturnType<typeof client>;
let logto: Awaited<ReturnType<typeof logtoView>>['logto'];

beforeAll(async () => {
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT' });
  reader = client(stack.apiUrl, await adminToken(stack, { scope: 'invitations:read' }));
  logto = (await logtoView(stack)).logto;
});

afterAll(async () => {
  await stack?.close();
});

const logtoRequests = async (key: string) => {
  const counts = (await (await fetch(`${stack.logtoUrl}/__standin/requests`)).json()) as Record<string, number>;
  return counts[key] ?? 0;
};

const ids = (reply: { body: { data: { id: string }[] } }) => reply.body.data.map((entry) => entry.id);

describe('GET /v1/roles, /v1/organizations, /v1/organization-roles', () => {
  it("lists the User roles (not the machine-to-machine ones), the organizations and their roles, by name", async () => {
    // Act
    const roles = await reader.get('/v1/roles');
    const organizations = await reader.get('/v1/organizations');
    const organizationRoles = await reader.get('/v1/organization-roles');

    // Assess
    expect(roles.status).toBe(200);
    expect(roles.body).toEqual({
      data: [
        { id: 'role-member', name: 'member', description: 'Member' },
        { id: 'role-editor', name: 'editor', description: 'Editor' },
        { id: 'role-invitations-console-admin', name: 'invitations-console-admin', description: expect.any(String) },
      ],
      truncated: false,
    });
    expect(organizations.body).toEqual({
      data: [
        { id: 'org-acme', name: 'Acme', description: null },
        { id: 'org-globex', name: 'Globex', description: null },
      ],
      truncated: false,
    });
    expect(organizationRoles.body).toEqual({
      data: [
        { id: 'orgrole-admin', name: 'admin', description: null },
        { id: 'orgrole-viewer', name: 'viewer', description: null },
      ],
      truncated: false,
    });
  });

  it("searches with Logto's case-insensitive match, a % or _ in the search taken literally", async () => {
    // Act
    const editor = await reader.get('/v1/roles?search=EDIT');
    const globex = await reader.get('/v1/organizations?search=%20glob%20');
    const viewer = await reader.get('/v1/organization-roles?search=view');
    const percent = await reader.get(`/v1/organizations?search=${encodeURIComponent('%')}`);
    const underscore = await reader.get('/v1/roles?search=_');
    const empty = await reader.get('/v1/organizations?search=');

    // Assess
    expect(ids(editor)).toEqual(['role-editor']);
    expect(ids(globex)).toEqual(['org-globex']);
    expect(ids(viewer)).toEqual(['orgrole-viewer']);
    expect(ids(percent)).toEqual([]);
    expect(ids(underscore)).toEqual([]);
    expect(ids(empty)).toEqual(['org-acme', 'org-globex']);
  });

  it('refuses an unknown parameter or an overlong search, and a caller without the read scope', async () => {
    // Act
    const unknown = await reader.get('/v1/roles?type=MachineToMachine');
    const overlong = await reader.get(`/v1/organizations?search=${'x'.repeat(129)}`);
    const anonymous = await client(stack.apiUrl).get('/v1/organization-roles');

    // Assess
    expect([unknown.status, unknown.body.code, unknown.body.details[0].path]).toEqual([422, 'request.validation_failed', 'type']);
    expect([overlong.status, overlong.body.details[0].path]).toEqual([422, 'search']);
    expect(anonymous.status).toBe(401);
  });

  it('pages through Logto a hundred at a time, and stops at 1,000 with truncated: true', async () => {
    // Prepare: 1,100 organizations in all, so the list runs past the bound.
    for (let i = 0; i < 1098; i += 1) {
      const created = await logto.post('/api/organizations', { name: `Team ${String(i).padStart(4, '0')}` });
      expect(created.status).toBe(201);
    }
    const before = await logtoRequests('GET /api/organizations');

    // Act
    const all = await reader.get('/v1/organizations');
    const after = await logtoRequests('GET /api/organizations');
    const narrowed = await reader.get('/v1/organizations?search=team%2010');

    // Assess
    expect(all.status).toBe(200);
    expect(all.body.truncated).toBe(true);
    expect(all.body.data).toHaveLength(1000);
    expect(new Set(ids(all)).size).toBe(1000);
    expect(all.body.data.slice(0, 3).map((entry: { name: string }) => entry.name)).toEqual(['Acme', 'Globex', 'Team 0000']);
    expect(after - before).toBe(10);
    expect(narrowed.body.truncated).toBe(false);
    expect(narrowed.body.data.map((entry: { name: string }) => entry.name)).toEqual(
      Array.from({ length: 98 }, (_, i) => `Team 10${String(i).padStart(2, '0')}`),
    );
  });
});
