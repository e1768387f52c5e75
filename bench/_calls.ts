/**
 * Counts what the local stack does, from outside it, so the counts are what the code really calls:
 *
 * - on the wire, through Node's diagnostics channels: every DynamoDB operation (by `x-amz-target`, with
 *   read and write units computed from the items it carried), every Logto call (Management API and OIDC),
 *   every SES SendEmail, every request to the API;
 * - at the local stack's seams it exposes: lifecycle starts and stops (Step Functions StartExecution and
 *   StopExecution in AWS), jobs queued (SQS SendMessage), and the handlers' invocations and wall time
 *   (`stack.service.*` is read at each call by the local API Gateway, SES events and lifecycle runner; a
 *   job batch is one jobs invocation, timed around the queue's `runDue`);
 * - in aws-local-stepfunctions: the states each execution enters (Standard workflows bill per transition)
 *   and the size of its history events.
 *
 * Nothing under lambdas/ or local/ is changed for it; {@link CallWatch.stop} undoes every wrapper.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { StateMachine } from 'aws-local-stepfunctions';
import { indexes } from '../lambdas/adapters/dynamo-table.ts';
import type { LocalStack } from '../local/stack.ts';

/** Counters by name: `dynamodb.GetItem`, `logto.api`, `lambda.api.ms`, ... */
export type Tally = Record<string, number>;

export interface CallWatch {
  /** The counters so far (a copy). */
  snapshot(): Tally;
  /** What was counted since `earlier`. */
  since(earlier: Tally): Tally;
  /** Each call in order while `trace` is on: `dynamodb GetItem INV#…`, `logto GET /api/users`, ... */
  trace: string[] | undefined;
  /** Transitions of each lifecycle execution, by invitation id (its input's `invitationId`). */
  transitions: Map<string, number>;
  stop(): void;
}

type Json = Record<string, unknown>;
type AttributeValue = Record<string, unknown>;

/** DynamoDB's item size rules (names and values in UTF-8; numbers about one byte per two digits). */
export function attributeBytes(value: AttributeValue): number {
  const [type, inner] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(inner), 'utf8');
    case 'N':
      return Math.ceil(String(inner).replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
    case 'B':
      return Buffer.from(String(inner), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
    case 'NS':
    case 'BS':
      return (inner as string[]).reduce((sum, member) => sum + attributeBytes({ [type.slice(0, 1)]: member }), 0);
    case 'L':
      return 3 + (inner as AttributeValue[]).reduce((sum, member) => sum + 1 + attributeBytes(member), 0);
    case 'M':
      return 3 + itemBytes(inner as Record<string, AttributeValue>) + Object.keys(inner as object).length;
    default:
      return 0;
  }
}

export function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + attributeBytes(value), 0);
}

const units = (bytes: number, per: number) => Math.max(1, Math.ceil(bytes / per));
const keyOf = (key: Record<string, AttributeValue> | undefined) => (key ? `${String(key.pk?.S)}|${String(key.sk?.S)}` : '?');
const gsis = Object.values(indexes);

interface Stored {
  bytes: number;
  /** The item's key in each GSI it is in (absent: not in that index). */
  gsiKeys: (string | undefined)[];
}

export function watchCalls(stack: LocalStack, options: { trace?: boolean } = {}): CallWatch {
  const tally: Tally = {};
  const add = (name: string, by = 1) => void (tally[name] = (tally[name] ?? 0) + by);
  const watch: CallWatch = {
    snapshot: () => ({ ...tally }),
    since: (earlier) => Object.fromEntries(Object.entries(tally).map(([name, value]) => [name, value - (earlier[name] ?? 0)]).filter(([, value]) => value !== 0)),
    trace: options.trace ? [] : undefined,
    transitions: new Map(),
    stop: () => undo.forEach((step) => step()),
  };
  const note = (line: string) => watch.trace?.push(line);
  const undo: (() => void)[] = [];
  const port = (url: string) => Number(new URL(url).port);
  const ports = { dynamo: port(stack.dynamoUrl), ses: port(stack.sesUrl) };
  const apiOrigin = new URL(stack.apiUrl).origin;
  const logtoOrigin = new URL(stack.logtoUrl).origin;

  // DynamoDB: the last size and index keys written for each item, to price reads and index writes.
  const stored = new Map<string, Stored>();
  const bodies = new WeakMap<ClientRequest, Buffer[]>();
  const onCreated = ({ request }: { request: ClientRequest }) => {
    if (!String(request.getHeader('x-amz-target') ?? '').startsWith('DynamoDB_')) return;
    const chunks: Buffer[] = [];
    bodies.set(request, chunks);
    const end = request.end;
    request.end = function (this: ClientRequest, chunk?: unknown, ...rest: unknown[]) {
      if (chunk !== undefined && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as string));
      return (end as (...args: unknown[]) => ClientRequest).call(this, chunk, ...rest);
    } as typeof request.end;
  };
  const onResponse = ({ request, response }: { request: ClientRequest; response: IncomingMessage }) => {
    const remote = request.socket?.remotePort;
    if (remote === ports.ses && request.method === 'POST' && request.path === '/v2/email/outbound-emails') {
      add('ses.SendEmail');
      note('ses SendEmail');
      return;
    }
    if (remote !== ports.dynamo) return;
    const operation = String(request.getHeader('x-amz-target') ?? '').split('.')[1] ?? 'unknown';
    const body = JSON.parse(Buffer.concat(bodies.get(request) ?? []).toString('utf8') || '{}') as Json;
    const ok = response.statusCode === 200;
    const responseBytes = Number(response.headers['content-length'] ?? 0);
    add(`dynamodb.${operation}`);
    if (!ok) add(`dynamodb.${operation}.refused`);
    capacity(operation, body, ok, responseBytes);
  };

  /** Read and write units as on-demand DynamoDB bills them, GSI writes of the ALL-projected indexes included. */
  function capacity(operation: string, body: Json, ok: boolean, responseBytes: number) {
    const key = body.Key as Record<string, AttributeValue> | undefined;
    const item = body.Item as Record<string, AttributeValue> | undefined;
    note(`dynamodb ${operation} ${keyOf(key ?? item)}${ok ? '' : ' (condition failed)'}`);
    switch (operation) {
      case 'GetItem':
        return read(keyOf(key), Boolean(body.ConsistentRead));
      case 'Query':
      case 'Scan':
        return add('dynamodb.rru', units(responseBytes, 4096) * (body.ConsistentRead ? 1 : 0.5));
      case 'PutItem':
        return write(keyOf(item), item && storedAs(item), ok);
      case 'DeleteItem':
        return write(keyOf(key), undefined, ok);
      case 'UpdateItem': {
        // The update's result is not on the wire: priced at the item's last known size (these are small items).
        const known = stored.get(keyOf(key));
        return write(keyOf(key), known ?? { bytes: itemBytes({ ...key, ...(body.ExpressionAttributeValues as Record<string, AttributeValue>) }), gsiKeys: gsis.map(() => undefined) }, ok);
      }
      case 'BatchWriteItem':
        // Every request of the batch as a single write (unprocessed ones are not on the wire: counted as done).
        for (const requests of Object.values((body.RequestItems ?? {}) as Record<string, Json[]>)) {
          for (const request of requests) {
            const put = (request.PutRequest as { Item: Record<string, AttributeValue> } | undefined)?.Item;
            const deleted = (request.DeleteRequest as { Key: Record<string, AttributeValue> } | undefined)?.Key;
            if (put) write(keyOf(put), storedAs(put), ok);
            else if (deleted) write(keyOf(deleted), undefined, ok);
          }
        }
        return;
      case 'BatchGetItem':
        for (const wanted of Object.values((body.RequestItems ?? {}) as Record<string, { Keys: Record<string, AttributeValue>[]; ConsistentRead?: boolean }>)) {
          for (const wantedKey of wanted.Keys) read(keyOf(wantedKey), Boolean(wanted.ConsistentRead));
        }
        return;
      default:
        return;
    }
  }

  function storedAs(item: Record<string, AttributeValue>): Stored {
    return { bytes: itemBytes(item), gsiKeys: gsis.map((index) => indexKey(item, index)) };
  }

  /** Strongly consistent: 1 unit per 4 KB of the item (its last written size); eventually consistent: half. */
  function read(id: string, consistent: boolean) {
    add('dynamodb.rru', units(stored.get(id)?.bytes ?? 0, 4096) * (consistent ? 1 : 0.5));
  }

  /** One item written (`after`) or deleted (undefined): 1 unit per KB of the larger of before and after, and per index it is in. */
  function write(id: string, after: Stored | undefined, ok: boolean) {
    const before = stored.get(id);
    const size = units(Math.max(before?.bytes ?? 0, after?.bytes ?? 0), 1024);
    // A refused conditional write still costs its units; it changes no index.
    add('dynamodb.wru', size);
    if (!ok) return;
    gsis.forEach((_, i) => {
      const was = before?.gsiKeys[i];
      const is = after?.gsiKeys[i];
      const writes = was && is ? (was === is ? 1 : 2) : was || is ? 1 : 0;
      if (writes > 0) add('dynamodb.wru.gsi', writes * size);
    });
    if (after) stored.set(id, after);
    else stored.delete(id);
  }

  subscribe('http.client.request.created', onCreated as (message: unknown) => void);
  subscribe('http.client.response.finish', onResponse as (message: unknown) => void);
  undo.push(() => unsubscribe('http.client.request.created', onCreated as (message: unknown) => void));
  undo.push(() => unsubscribe('http.client.response.finish', onResponse as (message: unknown) => void));

  // fetch (undici): Logto's client, the stand-in's webhook deliveries, the bench's own requests.
  const onFetch = ({ request }: { request: { origin: string; method: string; path: string } }) => {
    const path = request.path.split('?')[0]!;
    if (request.origin === logtoOrigin) {
      const kind = path.startsWith('/api/') ? 'logto.api' : path.startsWith('/oidc/') ? 'logto.oidc' : 'logto.other';
      add(kind);
      add(`${kind} ${request.method} ${path.replace(/\/[a-z0-9]{12,}(?=\/|$)/gi, '/:id')}`);
      note(`logto ${request.method} ${path}`);
    } else if (request.origin === apiOrigin && path.startsWith('/v1/')) {
      add('api.requests');
    }
  };
  subscribe('undici:request:create', onFetch as (message: unknown) => void);
  undo.push(() => unsubscribe('undici:request:create', onFetch as (message: unknown) => void));

  // The seams: the service ports the local stack shares (same objects the service holds).
  const wrap = <T extends object, K extends keyof T>(target: T, name: K, replace: (original: T[K]) => T[K]) => {
    const original = target[name];
    target[name] = replace(original);
    undo.push(() => void (target[name] = original));
  };
  const { lifecycles, jobs, service } = stack;
  wrap(lifecycles, 'start', (start) => async (input) => {
    add('sfn.StartExecution');
    note('sfn StartExecution');
    return start.call(lifecycles, input);
  });
  wrap(lifecycles, 'stop', (stop) => async (id) => {
    add('sfn.StopExecution');
    note('sfn StopExecution');
    return stop.call(lifecycles, id);
  });
  wrap(jobs, 'enqueue', (enqueue) => async (job, delay) => {
    add('sqs.SendMessage');
    add(`sqs.SendMessage ${job.kind}`);
    note(`sqs SendMessage ${job.kind}`);
    return enqueue.call(jobs, job, delay);
  });
  // The queue's poll runs the jobs handler with a batch when something is due: one invocation per batch.
  wrap(jobs, 'runDue', (runDue) => async (all) => {
    const now = Date.now();
    if (!jobs.pending.some((message) => all || message.dueAt <= now)) return runDue.call(jobs, all);
    const started = performance.now();
    try {
      return await runDue.call(jobs, all);
    } finally {
      add('lambda.jobs');
      add('lambda.jobs.ms', performance.now() - started);
    }
  });
  for (const kind of ['api', 'webhook', 'lifecycle', 'mailEvents'] as const) {
    wrap(service as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>, kind, (handler) => async (...args) => {
      const started = performance.now();
      try {
        return await handler(...args);
      } finally {
        add(`lambda.${kind}`);
        add(`lambda.${kind}.ms`, performance.now() - started);
      }
    });
  }

  // Step Functions: every state entered is a billed transition (a retry too); history bytes for the logs.
  const run = StateMachine.prototype.run;
  StateMachine.prototype.run = function (this: StateMachine, ...args: Parameters<StateMachine['run']>) {
    const execution = run.apply(this, args);
    const invitationId = String((args[0] as { invitationId?: unknown } | null)?.invitationId);
    add('sfn.executions');
    void (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered' || event.type === 'StateRetried') {
          add('sfn.transitions');
          watch.transitions.set(invitationId, (watch.transitions.get(invitationId) ?? 0) + 1);
        }
        if (event.type === 'StateEntered') add(`sfn.entered.${event.state.type}`);
        add('sfn.events');
        add('sfn.eventBytes', Buffer.byteLength(JSON.stringify(event), 'utf8'));
      }
    })();
    return execution;
  };
  undo.push(() => void (StateMachine.prototype.run = run));
  return watch;
}

function indexKey(item: Record<string, AttributeValue>, index: (typeof gsis)[number]): string | undefined {
  const partition = item[index.partitionKey.name]?.S;
  const sort = item[index.sortKey.name]?.S;
  return partition !== undefined && sort !== undefined ? `${String(partition)}|${String(sort)}` : undefined;
}
