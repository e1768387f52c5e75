/**
 * The single table's schema as plain data: the CDK stack builds its `TableV2` from it, the local stack and
 * the tests create the same table on dynalite with {@link ensureTable}. Key values (prefixes, formats) are
 * the store's business, see `dynamo-store.ts`.
 *
 * Items (pk / sk):
 * - invitation      `INV#<id>` / `INVITATION`; carries the keys of the three indexes below
 * - audit event     `INV#<id>` / `EVENT#<at>#<append order>`: the trail is one Query under the invitation
 * - pending slot    `EMAIL#<email>` / `PENDING`: `invitationId` of the email's pending invitation
 * - idempotency     `IDEMPOTENCY#<key>` / `IDEMPOTENCY`, with `ttl`
 * - webhook seen    `DELIVERY#<key>` / `DELIVERY`, with `ttl`
 * - batch           `BATCH#<id>` / `BATCH`: its counts, once its rows are stored
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  paginateScan,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type AttributeValue,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';

/** DynamoDB's own codes; equal to the values of CDK's `AttributeType` and `ProjectionType` enums. */
export type KeyAttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export interface GlobalIndex {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly projection: 'ALL' | 'INCLUDE';
  /** With `INCLUDE`: the attributes copied into the index besides the keys. */
  readonly nonKeyAttributes?: readonly string[];
}

/**
 * The indexes. Only invitation items carry their key attributes, so events, slots and records stay out.
 * The listing indexes project ALL: a listing page comes back from one Query per source, with no follow-up
 * reads. `byBatch` holds only what a batch's progress reads, so a poll of 1,000 rows reads about 150 KB.
 */
export const indexes = {
  /**
   * Newest first within one stored status: `statusKey` = the status and its shard (`pending`, `pending#3`:
   * see `STATUS_SHARDS` in dynamo-store.ts), `createdKey` = `<createdAt>#<id>`.
   */
  byStatus: {
    indexName: 'byStatus',
    partitionKey: { name: 'statusKey', type: 'S' },
    sortKey: { name: 'createdKey', type: 'S' },
    projection: 'ALL',
  },
  /** Every invitation ever made for an email, newest first (`?email=`). */
  byEmail: {
    indexName: 'byEmail',
    partitionKey: { name: 'emailKey', type: 'S' },
    sortKey: { name: 'createdKey', type: 'S' },
    projection: 'ALL',
  },
  /**
   * Sparse: only stored-pending invitations have `pendingExpiresAt`. Finds the ones past `expiresAt` (they
   * read as expired) without reading every pending invitation; the lifecycle keeps that set small.
   */
  byExpiry: {
    indexName: 'byExpiry',
    partitionKey: { name: 'statusKey', type: 'S' },
    sortKey: { name: 'pendingExpiresAt', type: 'S' },
    projection: 'ALL',
  },
  /** Sparse: only invitations created in a batch have `batchKey` (the batch id). */
  byBatch: {
    indexName: 'byBatch',
    partitionKey: { name: 'batchKey', type: 'S' },
    sortKey: { name: 'createdKey', type: 'S' },
    projection: 'INCLUDE',
    nonKeyAttributes: ['id', 'status', 'expiresAt', 'delivery'],
  },
} as const satisfies Record<string, GlobalIndex>;

export const invitationTable = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: Object.values(indexes),
  /** Epoch seconds. Idempotency and webhook records expire; dynalite never deletes, so readers check it. */
  timeToLiveAttribute: 'ttl',
  billingMode: 'PAY_PER_REQUEST',
} as const;

/**
 * Creates the table (on-demand) unless it exists, then waits until it is ACTIVE. An existing table that
 * lacks an index (a local table persisted by an older schema) is made anew with its items.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if (!(await describeTable(client, tableName))) await createTable(client, tableName);
  await waitUntilTableExists({ client, minDelay: 1, maxDelay: 2, maxWaitTime: 120 }, { TableName: tableName });
  const table = await describeTable(client, tableName);
  const present = new Set((table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const missing = invitationTable.globalSecondaryIndexes.filter((index) => !present.has(index.indexName));
  if (missing.length > 0) await rebuild(client, tableName);
}

/**
 * A table made by an older schema (a local data directory from an earlier release), made anew with its
 * items: dynalite cannot add an index to a table (its UpdateTable changes throughput only). The items are
 * read whole first, so a process killed between the delete and the last write loses the local data.
 */
async function rebuild(client: DynamoDBClient, tableName: string): Promise<void> {
  const items: Record<string, AttributeValue>[] = [];
  for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) items.push(...(page.Items ?? []));
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  await waitUntilTableNotExists({ client, minDelay: 1, maxDelay: 2, maxWaitTime: 120 }, { TableName: tableName });
  await createTable(client, tableName);
  await waitUntilTableExists({ client, minDelay: 1, maxDelay: 2, maxWaitTime: 120 }, { TableName: tableName });
  await putAll(client, tableName, items);
}

/**
 * Puts the items with BatchWriteItem, 25 a call (unconditional: a batch write carries no conditions),
 * sending again what DynamoDB left unprocessed, with backoff, five rounds at most.
 */
export async function putAll(client: DynamoDBClient, tableName: string, items: readonly Record<string, AttributeValue>[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    let requests = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let round = 0; requests.length > 0; round += 1) {
      if (round === 5) throw new Error(`${tableName}: DynamoDB left ${requests.length} writes unprocessed.`);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, sortKey, globalSecondaryIndexes } = invitationTable;
  const keyAttributes = [partitionKey, sortKey, ...globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const definitions = new Map(keyAttributes.map((a) => [a.name, { AttributeName: a.name, AttributeType: a.type }]));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: invitationTable.billingMode,
        AttributeDefinitions: [...definitions.values()],
        KeySchema: keySchema(partitionKey, sortKey),
        GlobalSecondaryIndexes: globalSecondaryIndexes.map((index: GlobalIndex) => ({
          IndexName: index.indexName,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: index.projection, ...(index.nonKeyAttributes && { NonKeyAttributes: [...index.nonKeyAttributes] }) },
        })),
      }),
    );
  } catch (error) {
    // Another process (a parallel test worker, a second local runner) created it first.
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
}

function keySchema(partitionKey: KeyAttribute, sortKey: KeyAttribute) {
  return [
    { AttributeName: partitionKey.name, KeyType: 'HASH' as const },
    { AttributeName: sortKey.name, KeyType: 'RANGE' as const },
  ];
}

/** By name, not `instanceof`: a bundle can hold two copies of the SDK's error classes. */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
