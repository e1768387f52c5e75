/**
 * Invitations, their audit trail, idempotency records and webhook de-duplication in one DynamoDB table
 * (schema: `dynamo-table.ts`). Every write is a conditional single-item operation: dynalite has no
 * transactions, and single-item writes cost less anyway. Nothing here scans the table.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  paginateQuery,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AppError } from '../domain/errors.ts';
import { effectiveStatus, invitationStatuses, isFinal, type Invitation, type InvitationStatus } from '../domain/invitation.ts';
import { accessRequestStatuses } from '../domain/ports.ts';
import type {
  AccessRequest,
  AccessRequestPage,
  AccessRequestStatus,
  AccessRequestStore,
  Batch,
  BatchMember,
  BatchStore,
  DeliveryLog,
  IdempotencyBegin,
  IdempotencyStore,
  InvitationEvent,
  InvitationStore,
  ListPage,
  ListQuery,
  RateLimiter,
  StoredResponse,
} from '../domain/ports.ts';
import { errorName, indexes, putAll, type GlobalIndex } from './dynamo-table.ts';

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/** An `in_progress` record this old belongs to a request that died: a retry may take the key over. */
const IDEMPOTENCY_ABANDONED_AFTER_MS = 60_000;
/** Logto retries nothing and our own retries end within minutes: a week of memory is plenty. */
const DELIVERY_TTL_SECONDS = 7 * 24 * 60 * 60;
/** Rounds of claim-read-take over before `create` gives up to creators racing for the same email. */
const SLOT_CLAIM_ATTEMPTS = 3;
/**
 * A slot naming an invitation not written yet is this young while its creator is still at work (an API
 * request ends within 30 s); older, its creator died between its two writes.
 */
const SLOT_GRACE_MS = 60_000;

type Item = Record<string, unknown>;
type Key = { pk: string; sk: string };

interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Item;
}

const keys = {
  invitation: (id: string): Key => ({ pk: `INV#${id}`, sk: 'INVITATION' }),
  event: (invitationId: string, sortable: string): Key => ({ pk: `INV#${invitationId}`, sk: `EVENT#${sortable}` }),
  slot: (email: string): Key => ({ pk: `EMAIL#${email}`, sk: 'PENDING' }),
  idempotency: (key: string): Key => ({ pk: `IDEMPOTENCY#${key}`, sk: 'IDEMPOTENCY' }),
  delivery: (key: string): Key => ({ pk: `DELIVERY#${key}`, sk: 'DELIVERY' }),
  accessRequest: (id: string): Key => ({ pk: `REQ#${id}`, sk: 'ACCESS_REQUEST' }),
  accessSlot: (email: string): Key => ({ pk: `REQEMAIL#${email}`, sk: 'PENDING' }),
  rate: (key: string, window: number): Key => ({ pk: `RATE#${key}`, sk: `WINDOW#${window}` }),
  formKey: (): Key => ({ pk: 'SETTINGS#access-form', sk: 'KEY' }),
  batch: (id: string): Key => ({ pk: `BATCH#${id}`, sk: 'BATCH' }),
};

/**
 * Invitations' status keys are write-sharded: an index partition takes about 1,000 write units a second,
 * and at a thousand invitations a second every pending one would write to one. Each invitation stays in
 * one shard (by a hash of its id); a listing reads every shard of a status and merges them newest first.
 * Shard 0 is the bare status, the key items written before sharding carry, so they are read all the same.
 */
export const STATUS_SHARDS = 8;

export function statusKeyOf(status: InvitationStatus, invitationId: string): string {
  const shard = createHash('sha256').update(invitationId).digest()[0]! % STATUS_SHARDS;
  return shard === 0 ? status : `${status}#${shard}`;
}

const statusPartitions = (status: InvitationStatus) => Array.from({ length: STATUS_SHARDS }, (_, shard) => (shard === 0 ? status : `${status}#${shard}`));

/** Access requests share the byStatus index with invitations, under their own partitions. */
const accessStatusKey = (status: AccessRequestStatus) => `access:${status}`;

const absent: Condition = { expression: 'attribute_not_exists(pk)' };

export interface DynamoInvitationStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /**
   * How long a final invitation and its audit trail are kept before DynamoDB's TTL may delete them.
   * Without it, nothing is ever deleted. Nothing depends on the deletion (dynalite never deletes).
   */
  retentionDays?: number;
}

/** The longest an invitation stays pending: an event's TTL counts from the latest it can become final. */
const MAX_LIFETIME_SECONDS = 30 * 24 * 3600;

export class DynamoInvitationStore implements InvitationStore, BatchStore, IdempotencyStore, DeliveryLog, AccessRequestStore, RateLimiter {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly retentionSeconds: number | undefined;

  constructor({ client, tableName, retentionDays }: DynamoInvitationStoreOptions) {
    this.client = client;
    this.tableName = tableName;
    this.retentionSeconds = retentionDays === undefined ? undefined : retentionDays * 24 * 3600;
  }

  async get(id: string): Promise<Invitation | undefined> {
    const item = await this.getItem(keys.invitation(id));
    return item && toInvitation(item);
  }

  /**
   * Reserves the email's slot, then writes the invitation (and its first events): no read on the way when
   * the email is free. A rival meeting a slot whose invitation is not written yet is refused while the slot
   * is younger than {@link SLOT_GRACE_MS} (longer than any request may run): it is being created. An older
   * one belongs to a creator that died between its two writes, and is taken over.
   */
  async create(invitation: Invitation, now: Date, events: readonly InvitationEvent[] = []): Promise<void> {
    await this.reserve(invitation.email, invitation.id, now);
    try {
      await this.insertReserved(invitation, events);
    } catch (error) {
      await this.releaseReservation(invitation.email, invitation.id).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Points the email's slot at `invitationId`: free, or held by an invitation that no longer reads as
   * pending (final, past `expiresAt`), or by one never written whose creator died. Each take-over is
   * conditioned on the slot still naming the holder we judged, so of two racing creators one moves it.
   */
  async reserve(email: string, invitationId: string, now: Date): Promise<void> {
    const slot = { ...keys.slot(email), kind: 'pending-slot', invitationId, claimedAt: now.toISOString() };
    let condition = absent;
    let holderId: string | undefined;
    for (let attempt = 1; attempt <= SLOT_CLAIM_ATTEMPTS; attempt++) {
      if (await this.putItem(slot, condition)) return;
      const held = await this.getItem(keys.slot(email));
      holderId = held && String(held.invitationId);
      if (holderId !== undefined) {
        const holder = await this.get(holderId);
        if (holder && effectiveStatus(holder, now) === 'pending') throw alreadyPending(holder.id);
        const claimedAt = typeof held!.claimedAt === 'string' ? Date.parse(held!.claimedAt) : 0;
        if (!holder && now.getTime() - claimedAt < SLOT_GRACE_MS) throw alreadyPending(holderId);
      }
      condition = holderId === undefined ? absent : slotHeldBy(holderId);
    }
    throw alreadyPending(holderId);
  }

  /**
   * The reserved invitation and its first events, in one BatchWriteItem. Unconditional: the id is new
   * (128 random bits) and the slot is ours; a batch write cannot carry conditions.
   */
  async insertReserved(invitation: Invitation, events: readonly InvitationEvent[]): Promise<void> {
    const items = [invitationItem(invitation, this.retentionSeconds), ...events.map((event) => eventItem(invitation.id, event, this.retentionSeconds))];
    await putAll(this.client, this.tableName, items.map((item) => marshall(item, { removeUndefinedValues: true })));
  }

  /** Frees the slot if `invitationId` still holds it (a create refused after reserving it). */
  async releaseReservation(email: string, invitationId: string): Promise<void> {
    await this.deleteItem(keys.slot(email), slotHeldBy(invitationId));
  }

  async replace(next: Invitation, expectedVersion: number): Promise<boolean> {
    if (next.version !== expectedVersion + 1) {
      throw new Error(`Invitation ${next.id}: version ${next.version} must follow ${expectedVersion}.`);
    }
    const written = await this.putItem(invitationItem(next, this.retentionSeconds), versionIs(expectedVersion));
    // Only this invitation's slot: after a take-over the slot belongs to a newer invitation.
    if (written && next.status !== 'pending') await this.deleteItem(keys.slot(next.email), slotHeldBy(next.id));
    return written;
  }

  async findPendingByEmail(email: string): Promise<Invitation | undefined> {
    const holderId = await this.slotHolder(email);
    const holder = holderId === undefined ? undefined : await this.get(holderId);
    return holder?.status === 'pending' ? holder : undefined;
  }

  /**
   * Each source yields up to `limit + 1` matches older than the cursor; the union's newest `limit` are the
   * page, and a source that came back short is exhausted, so a union beyond `limit` means another page.
   */
  async list(query: ListQuery, now: Date): Promise<ListPage> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const keep = query.status && ((invitation: Invitation) => effectiveStatus(invitation, now) === query.status);
    const want = query.limit + 1;
    const found = await Promise.all(this.sources(query, now).map((read) => read(before, want, keep)));
    const merged = newestVersions(found.flat()).sort((a, b) => compareDesc(createdKey(a), createdKey(b)));
    const items = merged.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: merged.length > query.limit && last ? encodeCursor(createdKey(last)) : undefined };
  }

  async appendEvent(invitationId: string, event: InvitationEvent): Promise<void> {
    await this.putItem(eventItem(invitationId, event, this.retentionSeconds), absent);
  }

  async listEvents(invitationId: string): Promise<InvitationEvent[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
      ExpressionAttributeValues: marshall({ ':pk': keys.invitation(invitationId).pk, ':events': 'EVENT#' }),
      ConsistentRead: true,
    });
    return items.map(({ pk: _pk, sk: _sk, kind: _kind, ttl: _ttl, ...event }) => event as unknown as InvitationEvent);
  }

  async begin(key: string, requestHash: string, now: Date): Promise<IdempotencyBegin> {
    const fresh = idempotencyRecord(key, requestHash, now);
    if (await this.putItem(fresh, absentOrExpired(now))) return { state: 'new' };
    const held = await this.getItem(keys.idempotency(key));
    // Released between our put and our read: one more try, then leave it to the request that won.
    if (!held) return (await this.putItem(fresh, absentOrExpired(now))) ? { state: 'new' } : { state: 'in_progress' };
    if (held.requestHash !== requestHash) return { state: 'mismatch' };
    if (held.state === 'done') return { state: 'done', response: held.response as StoredResponse };
    const startedAt = String(held.startedAt);
    if (now.getTime() - Date.parse(startedAt) < IDEMPOTENCY_ABANDONED_AFTER_MS) return { state: 'in_progress' };
    // Abandoned: of several retries taking it over, the condition lets exactly one through.
    const takenOver = await this.putItem(fresh, {
      expression: '#state = :inProgress AND startedAt = :startedAt',
      names: { '#state': 'state' },
      values: { ':inProgress': 'in_progress', ':startedAt': startedAt },
    });
    return takenOver ? { state: 'new' } : { state: 'in_progress' };
  }

  /** Keeps the `ttl` set by `begin`: the 24 h count from the first request. A record gone meanwhile stays gone. */
  async complete(key: string, response: StoredResponse, now: Date): Promise<void> {
    await this.updateItem(keys.idempotency(key), 'SET #state = :done, #response = :response, completedAt = :now', {
      expression: 'attribute_exists(pk)',
      names: { '#state': 'state', '#response': 'response' },
      values: { ':done': 'done', ':response': response, ':now': now.toISOString() },
    });
  }

  /** Only an unfinished claim: a stored response must keep answering replays. */
  async release(key: string): Promise<void> {
    await this.deleteItem(keys.idempotency(key), {
      expression: '#state = :inProgress',
      names: { '#state': 'state' },
      values: { ':inProgress': 'in_progress' },
    });
  }

  /** Ignores `ttl`: the port passes no time, and a week-old delivery seen again is a duplicate all the same. */
  async seen(key: string): Promise<boolean> {
    return (await this.getItem(keys.delivery(key))) !== undefined;
  }

  async remember(key: string, now: Date): Promise<void> {
    const item = { ...keys.delivery(key), kind: 'delivery', rememberedAt: now.toISOString() };
    await this.putItem({ ...item, ttl: epochSeconds(now) + DELIVERY_TTL_SECONDS });
  }

  /**
   * Points the email's slot at `invitation`: free, or held by an invitation that no longer reads as pending
   * (final, past `expiresAt`, or missing). Each take-over is conditioned on the slot still pointing at the
   * holder we judged, so of two racing creators only one moves it.
   */
  /**
   * The email's slot first (one pending request per email; a slot whose request was decided is taken
   * over), then the request. A process dying between the two leaves a slot naming a missing request,
   * which the next request for the email takes over.
   */
  async createAccessRequest(request: AccessRequest): Promise<boolean> {
    const slot = { ...keys.accessSlot(request.email), kind: 'access-slot', requestId: request.id };
    if (!(await this.putItem(slot, absent))) {
      const holder = (await this.getItem(keys.accessSlot(request.email)))?.requestId as string | undefined;
      const held = holder === undefined ? undefined : await this.getAccessRequest(holder);
      if (held?.status === 'pending') return false;
      if (!(await this.putItem(slot, { expression: 'requestId = :holder', values: { ':holder': holder } }))) return false;
    }
    if (!(await this.putItem(accessRequestItem(request, this.retentionSeconds), absent))) {
      throw new Error(`Access request ${request.id} already exists: ids must be unique.`);
    }
    return true;
  }

  async getAccessRequest(id: string): Promise<AccessRequest | undefined> {
    const item = await this.getItem(keys.accessRequest(id));
    return item && toAccessRequest(item);
  }

  async replaceAccessRequest(next: AccessRequest, expectedVersion: number): Promise<boolean> {
    if (next.version !== expectedVersion + 1) throw new Error(`Access request ${next.id}: version ${next.version} must follow ${expectedVersion}.`);
    const written = await this.putItem(accessRequestItem(next, this.retentionSeconds), versionIs(expectedVersion));
    if (written && next.status !== 'pending') {
      await this.deleteItem(keys.accessSlot(next.email), { expression: 'requestId = :holder', values: { ':holder': next.id } });
    }
    return written;
  }

  async listAccessRequests(query: { status?: AccessRequestStatus; limit: number; cursor?: string }): Promise<AccessRequestPage> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const statuses = query.status ? [query.status] : accessRequestStatuses;
    const found = await Promise.all(statuses.map((status) => this.newestItems(indexes.byStatus, accessStatusKey(status), before, query.limit + 1)));
    const merged = found
      .flat()
      .map(toAccessRequest)
      .sort((a, b) => compareDesc(createdKey(a), createdKey(b)));
    const items = merged.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: merged.length > query.limit && last ? encodeCursor(createdKey(last)) : undefined };
  }

  /**
   * One conditional increment per hit: the window's counter item is created by the first, refused once it
   * reached `limit`, and given a TTL so the table forgets it (dynalite keeps it; a new window is a new item).
   */
  async hit(key: string, limit: number, windowSeconds: number, now: Date): Promise<boolean> {
    const window = Math.floor(epochSeconds(now) / windowSeconds);
    return this.updateItem(keys.rate(key, window), 'ADD #count :one SET #ttl = :ttl, kind = :kind', {
      expression: 'attribute_not_exists(#count) OR #count < :limit',
      names: { '#count': 'count', '#ttl': 'ttl' },
      values: { ':one': 1, ':limit': limit, ':ttl': (window + 2) * windowSeconds, ':kind': 'rate' },
    });
  }

  /**
   * The key that signs the request form's tokens: made on first use, the same for every function reading
   * the table, never leaving it (anyone who can read it can read the requests too).
   */
  async accessFormKey(): Promise<string> {
    const made = randomBytes(32).toString('base64url');
    await this.putItem({ ...keys.formKey(), kind: 'settings', key: made }, absent);
    return (await this.getItem(keys.formKey()))!.key as string;
  }

  async putBatch(batch: Batch): Promise<void> {
    await this.putItem({ ...batch, ...keys.batch(batch.id), kind: 'batch' });
  }

  async getBatch(id: string): Promise<Batch | undefined> {
    const item = await this.getItem(keys.batch(id));
    if (!item) return undefined;
    const { pk: _pk, sk: _sk, kind: _kind, ...batch } = item;
    return batch as unknown as Batch;
  }

  /** Eventually consistent, as every index read is: a progress bar a second behind is fine. */
  async batchMembers(batchId: string): Promise<BatchMember[]> {
    const items = await this.queryAll({
      IndexName: indexes.byBatch.indexName,
      KeyConditionExpression: 'batchKey = :batch',
      ExpressionAttributeValues: marshall({ ':batch': batchId }),
    });
    return items.map(({ id, status, expiresAt, delivery }) => ({ id, status, expiresAt, delivery }) as BatchMember);
  }

  /** Up to `want` items of one index partition older than `before`, newest first. */
  private async newestItems(index: GlobalIndex, partition: string, before: string | undefined, want: number): Promise<Item[]> {
    const { Items = [] } = await this.client.send(new QueryCommand({ ...this.newestFirst(index, partition, before), Limit: want }));
    return Items.map((item) => unmarshall(item));
  }

  private async slotHolder(email: string): Promise<string | undefined> {
    const slot = await this.getItem(keys.slot(email));
    return slot && String(slot.invitationId);
  }

  /** The places a listing reads from: the shards of one or two statuses, or of all five, or the email's invitations. */
  private sources(query: ListQuery, now: Date): Source[] {
    if (query.email !== undefined) return [this.newestIn(indexes.byEmail, query.email)];
    const shardsOf = (status: InvitationStatus) => statusPartitions(status).map((partition) => this.newestIn(indexes.byStatus, partition));
    if (query.status === undefined) return invitationStatuses.flatMap(shardsOf);
    // Stored-pending invitations past `expiresAt` read as expired; byExpiry finds them without reading all pending.
    if (query.status === 'expired') return [...shardsOf('expired'), ...statusPartitions('pending').map((partition) => this.overduePending(partition, now))];
    return shardsOf(query.status);
  }

  /** Newest first from one index partition; Query's Limit counts before `keep`, so it pages until enough. */
  private newestIn(index: GlobalIndex, partition: string): Source {
    return async (before, want, keep) => {
      const pages = paginateQuery({ client: this.client, pageSize: want }, this.newestFirst(index, partition, before));
      const found: Invitation[] = [];
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const invitation = toInvitation(unmarshall(item));
          if (!keep || keep(invitation)) found.push(invitation);
          if (found.length === want) return found;
        }
      }
      return found;
    };
  }

  /** The Query of one index partition, newest first, older than `before` (a `createdKey`) if given. */
  private newestFirst(index: GlobalIndex, partition: string, before: string | undefined): QueryCommandInput {
    const olderThan = before === undefined ? '' : ' AND #sk < :before';
    return {
      TableName: this.tableName,
      IndexName: index.indexName,
      KeyConditionExpression: `#pk = :pk${olderThan}`,
      ExpressionAttributeNames: { '#pk': index.partitionKey.name, ...(olderThan && { '#sk': index.sortKey.name }) },
      ExpressionAttributeValues: marshall({ ':pk': partition, ':before': before }, { removeUndefinedValues: true }),
      ScanIndexForward: false,
    };
  }

  /** The stored-pending invitations of one shard past `expiresAt`: ordered by expiry, so read whole and sorted here. */
  private overduePending(partition: string, now: Date): Source {
    return async (before, want) => {
      const items = await this.queryAll({
        IndexName: indexes.byExpiry.indexName,
        KeyConditionExpression: 'statusKey = :pending AND pendingExpiresAt <= :now',
        ExpressionAttributeValues: marshall({ ':pending': partition, ':now': now.toISOString() }),
      });
      return items
        .map(toInvitation)
        .filter((invitation) => before === undefined || createdKey(invitation) < before)
        .sort((a, b) => compareDesc(createdKey(a), createdKey(b)))
        .slice(0, want);
    };
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    for await (const page of paginateQuery({ client: this.client }, { ...input, TableName: this.tableName })) {
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    }
    return items;
  }

  /** Strongly consistent: a use case reads, then writes on the version it read. */
  private async getItem(key: Key): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }),
    );
    return Item && unmarshall(Item);
  }

  /** False when the condition failed. */
  private async putItem(item: Item, condition?: Condition): Promise<boolean> {
    const Item = marshall(item, { removeUndefinedValues: true });
    return conditional(this.client.send(new PutItemCommand({ TableName: this.tableName, Item, ...expression(condition) })));
  }

  private async deleteItem(key: Key, condition: Condition): Promise<boolean> {
    const Key = marshall(key);
    return conditional(this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key, ...expression(condition) })));
  }

  /** `condition` carries the names and values of `update` as well. */
  private async updateItem(key: Key, update: string, condition: Condition): Promise<boolean> {
    const input = { TableName: this.tableName, Key: marshall(key), UpdateExpression: update, ...expression(condition) };
    return conditional(this.client.send(new UpdateItemCommand(input)));
  }
}

async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (errorName(error) === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Up to `want` invitations older than `before` (a `createdKey`) that pass `keep`, newest first. */
type Source = (before: string | undefined, want: number, keep?: (invitation: Invitation) => boolean) => Promise<Invitation[]>;

/**
 * A final invitation gets its `ttl`: kept `retentionSeconds` after it last changed. `metadata` is stored as
 * its JSON text, not as a DynamoDB map: a map cannot hold what JSON can (numbers beyond DynamoDB's 38
 * digits or 1e-130..1e126, nesting past 32 levels, empty keys), and the service never queries inside it.
 */
function invitationItem(invitation: Invitation, retentionSeconds?: number): Item {
  return {
    ...invitation,
    metadata: JSON.stringify(invitation.metadata),
    ...keys.invitation(invitation.id),
    kind: 'invitation',
    statusKey: statusKeyOf(invitation.status, invitation.id),
    emailKey: invitation.email,
    batchKey: invitation.batchId,
    createdKey: createdKey(invitation),
    pendingExpiresAt: invitation.status === 'pending' ? isoKey(invitation.expiresAt) : undefined,
    ttl: retentionSeconds && isFinal(invitation.status) ? epochSeconds(new Date(invitation.updatedAt)) + retentionSeconds : undefined,
  };
}

/** An audit event's item: sorted by time, then by the order this process appended it. */
function eventItem(invitationId: string, event: InvitationEvent, retentionSeconds?: number): Item {
  return {
    ...event,
    ...keys.event(invitationId, `${isoKey(event.at)}#${appendOrder()}`),
    kind: 'event',
    ttl: retentionSeconds && epochSeconds(new Date(event.at)) + MAX_LIFETIME_SECONDS + retentionSeconds,
  };
}

function toInvitation(item: Item): Invitation {
  const { pk: _pk, sk: _sk, kind: _kind, statusKey: _s, emailKey: _e, batchKey: _b, createdKey: _c, pendingExpiresAt: _p, ttl: _t, tokenId, ...rest } = item;
  const stored = rest as unknown as Invitation;
  if (typeof stored.metadata === 'string' && Array.isArray(stored.tokenIds)) {
    return { ...stored, metadata: JSON.parse(stored.metadata) as Record<string, unknown> };
  }
  return fromFirstRelease(stored, tokenId);
}

/**
 * An item written by the first release (metadata as a map, one `tokenId`, sends counted but not numbered),
 * read as today's: its token recorded, its sends so far settled, and a send it left queued or in flight
 * asked for under the number its queued job carries (`sendCount`), so that job still delivers it.
 */
function fromFirstRelease(stored: Invitation, tokenId: unknown): Invitation {
  const delivery = stored.delivery as Invitation['delivery'] & { attempt?: { sendCount?: number; number?: number; until: string } };
  const attempt = delivery.attempt && { number: delivery.attempt.number ?? delivery.attempt.sendCount ?? delivery.sendCount + 1, until: delivery.attempt.until };
  const outstanding = attempt?.number ?? (delivery.status === 'queued' ? delivery.sendCount + 1 : undefined);
  return {
    ...stored,
    metadata: typeof stored.metadata === 'string' ? (JSON.parse(stored.metadata) as Record<string, unknown>) : (stored.metadata ?? {}),
    tokenIds: stored.tokenIds ?? (typeof tokenId === 'string' ? [tokenId] : []),
    delivery: {
      ...delivery,
      settled: delivery.settled ?? delivery.sendCount,
      ...(attempt && { attempt }),
      ...(outstanding !== undefined && !delivery.request && { request: { number: outstanding, by: { type: 'system' } } }),
    },
  };
}

/** The listing order and cursor: creation time, then id to break ties. */
/** A decided request gets its `ttl`, as a final invitation does. */
function accessRequestItem(request: AccessRequest, retentionSeconds?: number): Item {
  return {
    ...request,
    ...keys.accessRequest(request.id),
    kind: 'access-request',
    statusKey: accessStatusKey(request.status),
    createdKey: createdKey(request),
    ttl: retentionSeconds && request.status !== 'pending' ? epochSeconds(new Date(request.updatedAt)) + retentionSeconds : undefined,
  };
}

function toAccessRequest(item: Item): AccessRequest {
  const { pk: _pk, sk: _sk, kind: _kind, statusKey: _status, createdKey: _created, ttl: _ttl, ...request } = item;
  return request as unknown as AccessRequest;
}

function createdKey(invitation: Pick<Invitation, 'createdAt' | 'id'>): string {
  return `${isoKey(invitation.createdAt)}#${invitation.id}`;
}

/** Key parts compare as strings: one ISO format (24 characters, milliseconds, `Z`) keeps them in time order. */
function isoKey(time: string): string {
  return new Date(time).toISOString();
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

/** An invitation changing status can briefly sit in two index partitions: keep its newest copy. */
function newestVersions(invitations: Invitation[]): Invitation[] {
  const byId = new Map<string, Invitation>();
  for (const invitation of invitations) {
    const seen = byId.get(invitation.id);
    if (!seen || seen.version < invitation.version) byId.set(invitation.id, invitation);
  }
  return [...byId.values()];
}

const cursorShape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#.+$/;

function encodeCursor(before: string): string {
  return Buffer.from(JSON.stringify({ before }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const { before } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof before === 'string' && cursorShape.test(before)) return before;
  } catch {
    // not JSON: refused below like any other malformed cursor
  }
  throw new AppError('request.invalid_cursor', 422, 'The cursor is not one this listing returned.');
}

let lastAppendMs = 0;
let appendSequence = 0;

/**
 * Breaks ties between events with the same `at` (a frozen clock, or two events in one millisecond) in the
 * order they were appended: wall clock, then a per-process counter, then random bits against collisions.
 */
function appendOrder(): string {
  const ms = Math.max(Date.now(), lastAppendMs);
  appendSequence = ms === lastAppendMs ? appendSequence + 1 : 0;
  lastAppendMs = ms;
  const sequence = appendSequence.toString(36).padStart(4, '0');
  return `${ms.toString(36).padStart(9, '0')}${sequence}${randomBytes(4).toString('hex')}`;
}

function idempotencyRecord(key: string, requestHash: string, now: Date): Item {
  return {
    ...keys.idempotency(key),
    kind: 'idempotency',
    state: 'in_progress',
    requestHash,
    startedAt: now.toISOString(),
    ttl: epochSeconds(now) + IDEMPOTENCY_TTL_SECONDS,
  };
}

/** dynalite never deletes expired items (nor does DynamoDB promptly): an expired record counts as absent. */
function absentOrExpired(now: Date): Condition {
  return { expression: 'attribute_not_exists(pk) OR #ttl <= :now', names: { '#ttl': 'ttl' }, values: { ':now': epochSeconds(now) } };
}

function versionIs(version: number): Condition {
  return { expression: '#version = :version', names: { '#version': 'version' }, values: { ':version': version } };
}

function slotHeldBy(invitationId: string): Condition {
  return { expression: 'invitationId = :holder', values: { ':holder': invitationId } };
}

function alreadyPending(invitationId: string | undefined): AppError {
  return new AppError('invitation.already_pending', 409, 'A pending invitation for this email already exists.', {
    invitationId,
  });
}

function expression(condition: Condition | undefined) {
  if (!condition) return {};
  return {
    ConditionExpression: condition.expression,
    ...(condition.names && { ExpressionAttributeNames: condition.names }),
    ...(condition.values && { ExpressionAttributeValues: marshall(condition.values) as Record<string, AttributeValue> }),
  };
}

function epochSeconds(time: Date): number {
  return Math.floor(time.getTime() / 1000);
}
