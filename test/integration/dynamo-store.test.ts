import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoInvitationStore, STATUS_SHARDS } from '../../lambdas/adapters/dynamo-store.ts';
import { ensureTable, invitationTable } from '../../lambdas/adapters/dynamo-table.ts';
import { AppError } from '../../lambdas/domain/errors.ts';
import type { Invitation, InvitationStatus } from '../../lambdas/domain/invitation.ts';
import type { InvitationEvent, StoredResponse } from '../../lambdas/domain/ports.ts';
import { startDynalite, type LocalDynamo } from '../support/dynalite.ts';

const now = new Date('2026-03-01T12:00:00.000Z');
const minutes = (n: number) => n * 60_000;
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs).toISOString();
const week = minutes(7 * 24 * 60);

function anInvitation(overrides: Partial<Invitation> = {}): Invitation {
  return {
    id: `inv_${randomUUID()}`,
    email: `${randomUUID()}@example.com`,
    status: 'pending',
    mode: 'magic-link',
    roleIds: ['role_1'],
    organizationIds: ['org_1'],
    organizationRoleIds: [],
    locale: 'en',
    metadata: { team: 'research', tags: ['a', 'b'], nested: { level: 2 } },
    inviter: { name: 'Grace' },
    reminder: true,
    createdAt: at(-minutes(1)),
    updatedAt: at(-minutes(1)),
    expiresAt: at(week),
    delivery: { status: 'queued', sendCount: 0, settled: 0 },
    tokenIds: [],
    version: 1,
    ...overrides,
  };
}

/** The invitation as the store's callers would leave it after `status` was reached. */
function withStatus(invitation: Invitation, status: InvitationStatus): Invitation {
  return { ...invitation, status, version: invitation.version + 1 };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

type Input = { Item?: { kind?: { S?: string } }; ConditionExpression?: string };

/**
 * A store on its own client whose first command matching `holdWhen` waits until `resume()`: puts a rival's
 * whole create between two steps of this one.
 */
function storeHolding(holdWhen: (commandName: string, input: Input) => boolean) {
  let reached!: () => void;
  let resume!: () => void;
  const held = new Promise<void>((resolve) => (reached = resolve));
  const resumed = new Promise<void>((resolve) => (resume = resolve));
  let holding = true;
  const holdingClient = dynamo.client();
  holdingClient.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: { input: Input }) => {
      if (holding && holdWhen(context.commandName, args.input)) {
        holding = false;
        reached();
        await resumed;
      }
      return next(args);
    }) as never,
    { step: 'initialize' },
  );
  return { store: new DynamoInvitationStore({ client: holdingClient, tableName }), held, resume };
}

/** The invitation's first write is a BatchWriteItem (with its first events); later ones are PutItem. */
const isInvitationWrite = (name: string, input: Input) =>
  (name === 'PutItemCommand' && input.Item?.kind?.S === 'invitation') || name === 'BatchWriteItemCommand';
const isSlotTakeOver = (name: string, input: Input) =>
  name === 'PutItemCommand' && input.Item?.kind?.S === 'pending-slot' && input.ConditionExpression !== 'attribute_not_exists(pk)';

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let tableName: string;
let store: DynamoInvitationStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamo.client();
});

afterAll(async () => {
  await dynamo.stop();
});

// A table per test: listings see only what the test wrote.
beforeEach(async () => {
  tableName = `invitations-${randomUUID()}`;
  await ensureTable(client, tableName);
  store = new DynamoInvitationStore({ client, tableName });
});

describe('ensureTable', () => {
  it('creates the table with its indexes once and accepts it afterwards', async () => {
    // Act
    await ensureTable(client, tableName);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));

    // Assess
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      invitationTable.globalSecondaryIndexes.map((index) => index.indexName).sort(),
    );
  });
});

describe('ensureTable on a table of an older schema', () => {
  it('makes it anew with every index, keeping its items', async () => {
    // Prepare: the table as the release before batches made it (no byBatch), with an invitation in it
    const older = `invitations-${randomUUID()}`;
    const { partitionKey, sortKey } = invitationTable;
    const earlier = invitationTable.globalSecondaryIndexes.filter((index) => index.indexName !== 'byBatch');
    const keyOf = (a: { name: string }, type: 'HASH' | 'RANGE') => ({ AttributeName: a.name, KeyType: type });
    const attributes = new Map([partitionKey, sortKey, ...earlier.flatMap((i) => [i.partitionKey, i.sortKey])].map((a) => [a.name, a.type]));
    await client.send(
      new CreateTableCommand({
        TableName: older,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        KeySchema: [keyOf(partitionKey, 'HASH'), keyOf(sortKey, 'RANGE')],
        GlobalSecondaryIndexes: earlier.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [keyOf(index.partitionKey, 'HASH'), keyOf(index.sortKey, 'RANGE')],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    );
    const kept = anInvitation();
    await new DynamoInvitationStore({ client, tableName: older }).create(kept, now);

    // Act
    await ensureTable(client, older);

    // Assess
    const { Table } = await client.send(new DescribeTableCommand({ TableName: older }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(['byBatch', 'byEmail', 'byExpiry', 'byStatus']);
    const upgraded = new DynamoInvitationStore({ client, tableName: older });
    expect(await upgraded.get(kept.id)).toEqual(kept);
    expect((await upgraded.findPendingByEmail(kept.email))?.id).toBe(kept.id);
  });
});

describe('batch members', () => {
  it('the byBatch index holds the invitations of a batch and what progress reads, nothing else', async () => {
    // Prepare
    const member = anInvitation({ batchId: 'bat_AAAAAAAAAAAAAAAAAAAAAA' });
    await store.create(member, now);
    await store.create(anInvitation({ batchId: 'bat_BBBBBBBBBBBBBBBBBBBBBB' }), now);
    await store.create(anInvitation(), now);

    // Act
    const members = await store.batchMembers('bat_AAAAAAAAAAAAAAAAAAAAAA');

    // Assess
    expect(members).toEqual([{ id: member.id, status: member.status, expiresAt: member.expiresAt, delivery: member.delivery }]);
    expect(await store.get(member.id)).toEqual(member);
  });
});

describe('create and get', () => {
  it('returns the invitation as it was written', async () => {
    // Prepare
    const invitation = anInvitation({ tokenIds: ['ott_1'], redirectUrl: 'https://app.example.com/landing' });

    // Act
    await store.create(invitation, now);

    // Assess
    expect(await store.get(invitation.id)).toEqual(invitation);
    expect(await store.get('inv_missing')).toBeUndefined();
  });

  it('refuses a second pending invitation for the email with 409 and the first id, writing nothing', async () => {
    // Prepare
    const first = anInvitation({ email: 'ada@example.com' });
    const second = anInvitation({ email: 'ada@example.com' });
    await store.create(first, now);

    // Act
    const error = await rejection(store.create(second, now));

    // Assess
    expect(error.code).toBe('invitation.already_pending');
    expect(error.status).toBe(409);
    expect(error.details).toEqual({ invitationId: first.id });
    expect(await store.get(second.id)).toBeUndefined();
    expect((await store.findPendingByEmail('ada@example.com'))?.id).toBe(first.id);
  });

  it('accepts a new invitation once the pending one was revoked', async () => {
    // Prepare
    const first = anInvitation({ email: 'ada@example.com' });
    await store.create(first, now);
    expect(await store.replace(withStatus(first, 'revoked'), first.version)).toBe(true);
    const second = anInvitation({ email: 'ada@example.com' });

    // Act
    await store.create(second, now);

    // Assess
    expect(await store.get(second.id)).toEqual(second);
    expect((await store.findPendingByEmail('ada@example.com'))?.id).toBe(second.id);
  });

  it('takes over the slot of a pending invitation past expiresAt', async () => {
    // Prepare
    const first = anInvitation({ email: 'ada@example.com', createdAt: at(-week), expiresAt: at(-minutes(1)) });
    await store.create(first, new Date(first.createdAt));
    const second = anInvitation({ email: 'ada@example.com' });

    // Act
    await store.create(second, now);

    // Assess
    expect((await store.findPendingByEmail('ada@example.com'))?.id).toBe(second.id);
    expect((await store.get(first.id))?.status).toBe('pending');
  });

  it('refuses a create while a slot names an invitation still being written, and takes over one whose creator died', async () => {
    // Prepare: the first create reserves the slot, then dies: nothing of it is written after that
    const dying = anInvitation({ email: 'ada@example.com' });
    const dieAfterReserving = (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: unknown) => {
      if (context.commandName !== 'PutItemCommand') throw new Error('process died');
      return next(args);
    };
    const crashing = dynamo.client();
    crashing.middlewareStack.add(dieAfterReserving as never, { step: 'initialize' });
    await expect(new DynamoInvitationStore({ client: crashing, tableName }).create(dying, now)).rejects.toThrow('process died');
    const soon = anInvitation({ email: 'ada@example.com' });
    const later = anInvitation({ email: 'ada@example.com' });

    // Act: within a minute the slot may still belong to a create at work; after it, its creator is gone
    const refused = await rejection(store.create(soon, new Date(now.getTime() + 20_000)));
    await store.create(later, new Date(now.getTime() + 90_000));

    // Assess
    expect(refused).toMatchObject({ code: 'invitation.already_pending', details: { invitationId: dying.id } });
    expect(await store.get(dying.id)).toBeUndefined();
    expect(await store.get(soon.id)).toBeUndefined();
    expect((await store.findPendingByEmail('ada@example.com'))?.id).toBe(later.id);
  });

  it('refuses a rival while the first create is between its two writes; the first then finishes', async () => {
    // Prepare: the first create stops before writing its invitation while a rival's whole create runs
    const slow = storeHolding(isInvitationWrite);
    const first = anInvitation({ email: 'ada@example.com' });
    const creating = slow.store.create(first, now);
    await slow.held;
    const rival = anInvitation({ email: 'ada@example.com' });

    // Act
    const refused = await rejection(store.create(rival, now));
    slow.resume();
    await creating;

    // Assess
    expect(refused).toMatchObject({ code: 'invitation.already_pending', details: { invitationId: first.id } });
    const pending = await store.list({ email: 'ada@example.com', status: 'pending', limit: 10 }, now);
    expect(pending.items.map((invitation) => invitation.id)).toEqual([first.id]);
  });

  it.each([['does not take over a stale slot that a rival took over first', isSlotTakeOver, true]])('%s', async (_name, holdWhen, staleSlot) => {
    // Prepare: the first create stops at `holdWhen` while a rival's whole create runs
    if (staleSlot) {
      const overdue = anInvitation({ email: 'ada@example.com', createdAt: at(-week), expiresAt: at(-minutes(1)) });
      await store.create(overdue, new Date(overdue.createdAt));
    }
    const slow = storeHolding(holdWhen);
    const first = anInvitation({ email: 'ada@example.com' });
    const creating = slow.store.create(first, now).then(() => undefined, (error: unknown) => error);
    await slow.held;
    const rival = anInvitation({ email: 'ada@example.com' });
    await store.create(rival, now);

    // Act
    slow.resume();
    const error = await creating;

    // Assess
    expect(error).toMatchObject({ code: 'invitation.already_pending', details: { invitationId: rival.id } });
    expect(await store.get(first.id)).toBeUndefined();
    const pending = await store.list({ email: 'ada@example.com', status: 'pending', limit: 10 }, now);
    expect(pending.items.map((invitation) => invitation.id)).toEqual([rival.id]);
  });

  it('lets exactly one of several concurrent creates for one email win', async () => {
    for (let round = 0; round < 5; round++) {
      // Prepare
      const email = `race-${round}@example.com`;
      const rivals = [1, 2, 3].map(() => anInvitation({ email }));

      // Act
      const outcomes = await Promise.allSettled(rivals.map((invitation) => store.create(invitation, now)));

      // Assess
      const winners = rivals.filter((_, index) => outcomes[index]?.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      const winner = winners[0]!;
      for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
        expect(outcome.reason).toMatchObject({ code: 'invitation.already_pending', details: { invitationId: winner.id } });
      }
      const stored = await store.list({ email, limit: 10 }, now);
      expect(stored.items.map((invitation) => invitation.id)).toEqual([winner.id]);
      expect((await store.findPendingByEmail(email))?.id).toBe(winner.id);
    }
  });
});

describe('replace', () => {
  it('refuses a stale version and leaves the stored invitation unchanged', async () => {
    // Prepare
    const invitation = anInvitation();
    await store.create(invitation, now);
    const current = { ...invitation, tokenIds: ['ott_2'], version: 2 };
    expect(await store.replace(current, 1)).toBe(true);

    // Act
    const replaced = await store.replace({ ...invitation, status: 'revoked', version: 2 }, 1);

    // Assess
    expect(replaced).toBe(false);
    expect(await store.get(invitation.id)).toEqual(current);
    expect((await store.findPendingByEmail(invitation.email))?.id).toBe(invitation.id);
  });

  it('frees the email\'s slot item when the invitation leaves pending', async () => {
    // Prepare
    const invitation = anInvitation({ email: 'ada@example.com' });
    await store.create(invitation, now);
    const slotKey = marshall({ pk: 'EMAIL#ada@example.com', sk: 'PENDING' });
    const slotBefore = await client.send(new GetItemCommand({ TableName: tableName, Key: slotKey }));

    // Act
    await store.replace(withStatus(invitation, 'accepted'), invitation.version);

    // Assess
    expect(slotBefore.Item).toBeDefined();
    expect((await client.send(new GetItemCommand({ TableName: tableName, Key: slotKey }))).Item).toBeUndefined();
  });

  it('leaves a slot taken over by a newer invitation to that invitation', async () => {
    // Prepare: an overdue invitation whose slot a new one took over
    const overdue = anInvitation({ email: 'ada@example.com', createdAt: at(-week), expiresAt: at(-minutes(1)) });
    await store.create(overdue, new Date(overdue.createdAt));
    const current = anInvitation({ email: 'ada@example.com' });
    await store.create(current, now);

    // Act: the lifecycle marks the overdue one expired
    const replaced = await store.replace(withStatus(overdue, 'expired'), overdue.version);

    // Assess
    expect(replaced).toBe(true);
    expect((await store.findPendingByEmail('ada@example.com'))?.id).toBe(current.id);
  });

  it('refuses an invitation that does not exist', async () => {
    // Act
    const replaced = await store.replace(withStatus(anInvitation(), 'revoked'), 1);

    // Assess
    expect(replaced).toBe(false);
  });
});

describe('findPendingByEmail', () => {
  it('finds the pending invitation, also past expiresAt, and nothing once it left pending', async () => {
    // Prepare
    const overdue = anInvitation({ email: 'ada@example.com', expiresAt: at(-minutes(1)) });
    await store.create(overdue, new Date(overdue.createdAt));

    // Act
    const found = await store.findPendingByEmail('ada@example.com');
    await store.replace(withStatus(overdue, 'expired'), overdue.version);
    const afterExpiry = await store.findPendingByEmail('ada@example.com');

    // Assess
    expect(found?.id).toBe(overdue.id);
    expect(afterExpiry).toBeUndefined();
    expect(await store.findPendingByEmail('nobody@example.com')).toBeUndefined();
  });
});

describe('write-sharded status keys', () => {
  it('spreads one status over its shards, and a listing merges them newest first, page by page, with items written before sharding', async () => {
    // Prepare: 40 pending invitations a second apart, and one stored as the release before sharding did (the bare status key)
    const made = Array.from({ length: 40 }, (_, i) => anInvitation({ createdAt: at(-minutes(60) + i * 1000) }));
    for (const invitation of made) await store.create(invitation, now);
    const legacy = anInvitation({ createdAt: at(-minutes(90)) });
    await store.create(legacy, now);
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: marshall({ pk: `INV#${legacy.id}`, sk: 'INVITATION' }),
        UpdateExpression: 'SET statusKey = :bare',
        ExpressionAttributeValues: marshall({ ':bare': 'pending' }),
      }),
    );
    const keys = await Promise.all(
      made.map(async (invitation) => {
        const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall({ pk: `INV#${invitation.id}`, sk: 'INVITATION' }) }));
        return Item?.statusKey?.S;
      }),
    );

    // Act
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ status: 'pending', limit: 7, ...(cursor && { cursor }) }, now);
      listed.push(...page.items.map((invitation) => invitation.id));
      cursor = page.nextCursor;
    } while (cursor);

    // Assess
    expect(new Set(keys).size).toBeGreaterThan(4);
    const shardKeys = new Set(Array.from({ length: STATUS_SHARDS }, (_, shard) => (shard === 0 ? 'pending' : `pending#${shard}`)));
    expect(keys.every((key) => shardKeys.has(key!))).toBe(true);
    expect(listed).toEqual([...made].reverse().map((invitation) => invitation.id).concat(legacy.id));
  });
});

describe('list', () => {
  /** Creates the invitation pending, then moves it to its stored status the way the use cases do. */
  async function seed(invitation: Invitation): Promise<Invitation> {
    const pending = { ...invitation, status: 'pending' as const, version: 1 };
    await store.create(pending, new Date(invitation.createdAt));
    if (invitation.status === 'pending') return pending;
    const moved = withStatus(pending, invitation.status);
    expect(await store.replace(moved, pending.version)).toBe(true);
    return moved;
  }

  async function listAll(query: { status?: InvitationStatus; email?: string }, limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ ...query, limit, ...(cursor && { cursor }) }, now);
      pages.push(page.items.map((invitation) => invitation.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined && pages.length < 20);
    return pages;
  }

  const statusCycle: InvitationStatus[] = ['pending', 'accepted', 'revoked', 'expired', 'undeliverable'];

  it('pages through every status newest first with no duplicates and no gaps', async () => {
    // Prepare: 25 invitations, one a minute, spread over all five stored statuses
    const seeded: Invitation[] = [];
    for (let i = 0; i < 25; i++) {
      const createdAt = at(-minutes(100 - i));
      seeded.push(await seed(anInvitation({ createdAt, updatedAt: createdAt, status: statusCycle[i % 5]! })));
    }

    // Act
    const pages = await listAll({}, 10);

    // Assess
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(seeded.map((invitation) => invitation.id).reverse());
  });

  it('orders invitations created in the same millisecond by id, across pages', async () => {
    // Prepare
    const createdAt = at(-minutes(5));
    const ids = ['inv_a', 'inv_b', 'inv_c', 'inv_d', 'inv_e'];
    for (const id of ids) await seed(anInvitation({ id, createdAt, updatedAt: createdAt }));

    // Act
    const pages = await listAll({}, 2);

    // Assess
    expect(pages).toEqual([['inv_e', 'inv_d'], ['inv_c', 'inv_b'], ['inv_a']]);
  });

  it('returns an empty page without a cursor when nothing matches', async () => {
    // Act
    const page = await store.list({ status: 'accepted', limit: 10 }, now);

    // Assess
    expect(page).toEqual({ items: [], nextCursor: undefined });
  });

  describe('by effective status', () => {
    let byName: Record<string, Invitation>;

    beforeEach(async () => {
      // Prepare: stored statuses, and two stored-pending invitations already past expiresAt
      const specs: [string, InvitationStatus, number, number][] = [
        // name, stored status, created (minutes ago), expires (minutes from now)
        ['pendingNew', 'pending', 1, 60],
        ['overdueNew', 'pending', 2, -1],
        ['expiredStored', 'expired', 3, -10],
        ['pendingOld', 'pending', 4, 60],
        ['revoked', 'revoked', 5, 60],
        ['overdueOld', 'pending', 6, -5],
        ['expiredOld', 'expired', 7, -20],
        ['accepted', 'accepted', 8, 60],
      ];
      byName = {};
      for (const [name, status, created, expires] of specs) {
        const createdAt = at(-minutes(created));
        byName[name] = await seed(anInvitation({ status, createdAt, updatedAt: createdAt, expiresAt: at(minutes(expires)) }));
      }
    });

    const ids = (...names: string[]) => names.map((name) => byName[name]!.id);

    it('lists pending without those past expiresAt', async () => {
      // Act
      const pages = await listAll({ status: 'pending' }, 10);

      // Assess
      expect(pages.flat()).toEqual(ids('pendingNew', 'pendingOld'));
    });

    it('lists expired as stored expired merged with pending past expiresAt, across pages', async () => {
      // Act
      const pages = await listAll({ status: 'expired' }, 2);

      // Assess
      expect(pages).toEqual([ids('overdueNew', 'expiredStored'), ids('overdueOld', 'expiredOld')]);
    });

    it('lists a final status from its own partition', async () => {
      // Act
      const revoked = await store.list({ status: 'revoked', limit: 10 }, now);
      const accepted = await store.list({ status: 'accepted', limit: 10 }, now);

      // Assess
      expect(revoked.items.map((invitation) => invitation.id)).toEqual(ids('revoked'));
      expect(accepted.items.map((invitation) => invitation.id)).toEqual(ids('accepted'));
    });

    it('lists all statuses in one newest-first order', async () => {
      // Act
      const pages = await listAll({}, 3);

      // Assess
      expect(pages.flat()).toEqual(
        ids('pendingNew', 'overdueNew', 'expiredStored', 'pendingOld', 'revoked', 'overdueOld', 'expiredOld', 'accepted'),
      );
    });
  });

  it('filters by email, newest first, with the status rule applied', async () => {
    // Prepare: three invitations for ada over time (revoked, overdue, current) and one for someone else
    const email = 'ada@example.com';
    const revoked = await seed(anInvitation({ email, status: 'revoked', createdAt: at(-minutes(30)) }));
    const overdue = anInvitation({ email, createdAt: at(-minutes(20)), expiresAt: at(-minutes(10)) });
    await seed(overdue);
    const current = await seed(anInvitation({ email, createdAt: at(-minutes(5)) }));
    await seed(anInvitation({ email: 'grace@example.com', createdAt: at(-minutes(1)) }));

    // Act
    const all = await listAll({ email }, 2);
    const pending = await store.list({ email, status: 'pending', limit: 10 }, now);
    const expired = await store.list({ email, status: 'expired', limit: 10 }, now);

    // Assess
    expect(all).toEqual([[current.id, overdue.id], [revoked.id]]);
    expect(pending.items.map((invitation) => invitation.id)).toEqual([current.id]);
    expect(expired.items.map((invitation) => invitation.id)).toEqual([overdue.id]);
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['JSON of the wrong shape', Buffer.from(JSON.stringify({ before: 42 })).toString('base64url')],
    ['a key that is not a listing position', Buffer.from(JSON.stringify({ before: 'INV#x' })).toString('base64url')],
  ])('refuses a cursor that is %s with 422', async (_name, cursor) => {
    // Act
    const error = await rejection(store.list({ limit: 10, cursor }, now));

    // Assess
    expect(error.code).toBe('request.invalid_cursor');
    expect(error.status).toBe(422);
  });

  it('never scans the table', async () => {
    // Prepare: a client that records every command it sends
    const commands: string[] = [];
    const recording = dynamo.client();
    recording.middlewareStack.add(
      ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
        commands.push(context.commandName ?? 'unknown');
        return next(args);
      }) as never,
      { step: 'initialize' },
    );
    const observed = new DynamoInvitationStore({ client: recording, tableName });
    for (let i = 0; i < 3; i++) await seed(anInvitation({ createdAt: at(-minutes(i + 1)), expiresAt: at(minutes(i - 1)) }));

    // Act
    const first = await observed.list({ limit: 2 }, now);
    await observed.list({ limit: 2, cursor: first.nextCursor! }, now);
    for (const status of statusCycle) await observed.list({ status, limit: 2 }, now);
    await observed.list({ email: 'ada@example.com', status: 'expired', limit: 2 }, now);

    // Assess
    expect(commands).toContain('QueryCommand');
    expect(commands).not.toContain('ScanCommand');
  });
});

describe('events', () => {
  it('lists an invitation’s events oldest first, same-time events in append order', async () => {
    // Prepare
    const invitation = anInvitation();
    await store.create(invitation, now);
    const system = { type: 'system' as const };
    const later: InvitationEvent[] = [
      { type: 'delivered', at: at(minutes(1)), actor: system },
      { type: 'accepted', at: at(minutes(2)), actor: { type: 'invitee', id: 'user_2' } },
    ];
    // A frozen clock, or one busy millisecond: these share `at`
    const sameTime: InvitationEvent[] = [
      { type: 'created', at: at(0), actor: { type: 'admin', id: 'user_1', name: 'Grace' } },
      ...[1, 2, 3, 4, 5].map((n): InvitationEvent => ({ type: 'sent', at: at(0), actor: system, data: { messageId: `m${n}` } })),
    ];
    await store.appendEvent(invitation.id, later[1]!);
    for (const event of sameTime) await store.appendEvent(invitation.id, event);
    await store.appendEvent(invitation.id, later[0]!);
    await store.appendEvent('inv_other', sameTime[0]!);

    // Act
    const listed = await store.listEvents(invitation.id);

    // Assess
    expect(listed).toEqual([...sameTime, ...later]);
    expect(await store.listEvents('inv_without_events')).toEqual([]);
  });
});

describe('idempotency', () => {
  const response: StoredResponse = { statusCode: 201, body: '{"id":"inv_1"}', headers: { 'content-type': 'application/json' } };

  it('claims a new key, reports it in progress, then replays the stored response', async () => {
    // Act
    const first = await store.begin('key-1', 'hash-a', now);
    const concurrent = await store.begin('key-1', 'hash-a', new Date(now.getTime() + 1_000));
    await store.complete('key-1', response, now);
    const replay = await store.begin('key-1', 'hash-a', new Date(now.getTime() + minutes(60)));

    // Assess
    expect(first).toEqual({ state: 'new' });
    expect(concurrent).toEqual({ state: 'in_progress' });
    expect(replay).toEqual({ state: 'done', response });
  });

  it('reports a different request under the same key as a mismatch', async () => {
    // Prepare
    await store.begin('key-1', 'hash-a', now);
    await store.complete('key-1', response, now);

    // Act
    const reused = await store.begin('key-1', 'hash-b', now);

    // Assess
    expect(reused).toEqual({ state: 'mismatch' });
  });

  it('frees a released key but keeps a completed one', async () => {
    // Prepare
    await store.begin('failed', 'hash-a', now);
    await store.begin('finished', 'hash-a', now);
    await store.complete('finished', response, now);

    // Act
    await store.release('failed');
    await store.release('finished');

    // Assess
    expect(await store.begin('failed', 'hash-a', now)).toEqual({ state: 'new' });
    expect(await store.begin('finished', 'hash-a', now)).toEqual({ state: 'done', response });
  });

  it('lets a retry take over a claim abandoned for over a minute, once', async () => {
    // Prepare
    await store.begin('key-1', 'hash-a', now);
    const later = new Date(now.getTime() + 61_000);

    // Act
    const retries = await Promise.all([store.begin('key-1', 'hash-a', later), store.begin('key-1', 'hash-a', later)]);

    // Assess
    expect(retries.map((result) => result.state).sort()).toEqual(['in_progress', 'new']);
  });

  it('treats a record older than 24 hours as absent', async () => {
    // Prepare
    await store.begin('key-1', 'hash-a', now);
    await store.complete('key-1', response, now);

    // Act
    const nextDay = await store.begin('key-1', 'hash-b', new Date(now.getTime() + minutes(24 * 60) + 1_000));

    // Assess
    expect(nextDay).toEqual({ state: 'new' });
  });
});

describe('delivery log', () => {
  it('remembers a webhook delivery by key', async () => {
    // Prepare
    const before = await store.seen('delivery-1');

    // Act
    await store.remember('delivery-1', now);

    // Assess
    expect(before).toBe(false);
    expect(await store.seen('delivery-1')).toBe(true);
    expect(await store.seen('delivery-2')).toBe(false);
  });
});

describe('retention (TTL)', () => {
  const ttlOf = async (pk: string, sk: string) => {
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall({ pk, sk }) }));
    return Item?.ttl?.N === undefined ? undefined : Number(Item.ttl.N);
  };

  it('marks a final invitation and its events for deletion after the retention, and a pending one never', async () => {
    // Prepare
    const retained = new DynamoInvitationStore({ client, tableName, retentionDays: 30 });
    const invitation = anInvitation();
    await retained.create(invitation, now);
    await retained.appendEvent(invitation.id, { type: 'created', at: invitation.createdAt, actor: { type: 'system' } });
    const pendingTtl = await ttlOf(`INV#${invitation.id}`, 'INVITATION');

    // Act
    const revokedAt = at(minutes(5));
    await retained.replace({ ...withStatus(invitation, 'revoked'), updatedAt: revokedAt }, invitation.version);

    // Assess
    expect(pendingTtl).toBeUndefined();
    const day = 24 * 3600;
    expect(await ttlOf(`INV#${invitation.id}`, 'INVITATION')).toBe(Date.parse(revokedAt) / 1000 + 30 * day);
    const [event] = await retained.listEvents(invitation.id);
    expect(event).not.toHaveProperty('ttl');
    expect((await retained.get(invitation.id))).not.toHaveProperty('ttl');
  });
});
