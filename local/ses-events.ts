/**
 * The local SES: aws-ses-v2-local, and what it lacks, the configuration-set events. A proxy in front of it
 * passes every request on (the inbox UI and `/store` included); when it accepts a SendEmail that names a
 * configuration set, the events SES would publish through EventBridge follow a moment later, in the
 * EventBridge shape the deployed mail-events function receives. What happens to each recipient follows
 * SES's mailbox simulator: `bounce@simulator.amazonses.com` bounces for good, `complaint@...` is delivered
 * and then complained about, `suppressionlist@...` bounces as suppressed; `success@...`, any `+label` of
 * them (`bounce+ada@...`) and every other address are delivered (they are, to the local inbox).
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { mailEventTypes } from '../lib/constructs/email.ts';
import { type Armed, arm, meet } from './fault-share.ts';

const require = createRequire(import.meta.url);

export type SesEvent = EventBridgeEvent<string, Record<string, unknown>>;

export interface LocalSesOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Receives each event, as the EventBridge rule's target would. */
  publish: (event: SesEvent) => Promise<void>;
  /** How long after the send an event follows. @default 200 */
  delayMs?: number;
  onError?: (error: unknown) => void;
  /** Faults on SendEmail from the start, as `POST /__ses/faults` takes them. */
  faults?: unknown[];
  /**
   * The account's maximum send rate, as SES enforces it: a SendEmail beyond it (over any second) is
   * refused with 429 `TooManyRequestsException` ("Maximum sending rate exceeded"). `GetAccount` reports it.
   * @default 50
   */
  maxSendRate?: number;
}

/**
 * SES's send-rate limit: a bucket of `rate` sends refilled continuously, so a second holds at most `rate`
 * sends whichever second one looks at (SES lets short bursts through; this is the strict reading).
 */
export function sendRateLimiter(rate: number, now: () => number = () => performance.now()) {
  let tokens = rate;
  let at = now();
  return () => {
    const t = now();
    tokens = Math.min(rate, tokens + ((t - at) / 1000) * rate);
    at = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/**
 * A fault on SendEmail (`POST /v2/email/outbound-emails`): answered with `status` (429 throttles, as SES's
 * `TooManyRequestsException`; 5xx fails), after `delayMs`, for the next `count` sends or for `share` of
 * them until cleared (`seed` makes the draws repeatable). A delay alone slows the send; one longer than the
 * client's request timeout is a send whose outcome the client never learns (SES did accept it).
 */
export const sesFaultSpec = z
  .object({
    status: z.union([z.literal(429), z.number().int().min(500).max(599)]).optional(),
    delayMs: z.number().int().min(0).optional(),
    count: z.number().int().min(1).default(1),
    share: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
  })
  .refine((fault) => fault.status !== undefined || fault.delayMs !== undefined, 'give status, delayMs or both');

type SesFault = Armed<z.infer<typeof sesFaultSpec>>;

type Outcome = 'Delivery' | 'Bounce' | 'Suppressed' | 'Complaint';

/** What SES's mailbox simulator does with a recipient (a `+label` of the local part is ignored). */
export function simulatedOutcome(address: string): Outcome[] {
  const [local = '', domain = ''] = address.toLowerCase().split('@');
  if (domain !== 'simulator.amazonses.com') return ['Delivery'];
  switch (local.split('+')[0]) {
    case 'bounce':
      return ['Bounce'];
    case 'suppressionlist':
      return ['Suppressed'];
    case 'complaint':
      return ['Delivery', 'Complaint'];
    default:
      return ['Delivery'];
  }
}

/** The deployed rule's detail types, by SES event type (`Delivery` -> `Email Delivered`). */
const detailTypes = new Map<string, string>(mailEventTypes.map(({ event, detailType }) => [event.toLowerCase(), detailType]));

interface SendEmailBody {
  ConfigurationSetName?: string;
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  EmailTags?: { Name: string; Value: string }[];
}

function sesEvent(outcome: Outcome, sent: SendEmailBody, messageId: string, recipient: string): SesEvent {
  const now = new Date().toISOString();
  const tags: Record<string, string[]> = { 'ses:configuration-set': [sent.ConfigurationSetName!] };
  for (const tag of sent.EmailTags ?? []) tags[tag.Name] = [tag.Value];
  const destination = [...(sent.Destination?.ToAddresses ?? []), ...(sent.Destination?.CcAddresses ?? []), ...(sent.Destination?.BccAddresses ?? [])];
  const mail = { timestamp: now, source: sent.FromEmailAddress, messageId, destination, tags };
  const eventType = outcome === 'Suppressed' ? 'Bounce' : outcome;
  const detail: Record<string, unknown> = { eventType, mail };
  if (outcome === 'Delivery') detail.delivery = { timestamp: now, recipients: [recipient], smtpResponse: '250 2.6.0 Message received' };
  if (outcome === 'Bounce' || outcome === 'Suppressed') {
    detail.bounce = {
      bounceType: 'Permanent',
      bounceSubType: outcome === 'Bounce' ? 'General' : 'OnAccountSuppressionList',
      bouncedRecipients: [{ emailAddress: recipient }],
      timestamp: now,
    };
  }
  if (outcome === 'Complaint') detail.complaint = { complainedRecipients: [{ emailAddress: recipient }], timestamp: now, complaintFeedbackType: 'abuse' };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailTypes.get(eventType.toLowerCase())!,
    source: 'aws.ses',
    account: '000000000000',
    time: now,
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

export interface LocalSes {
  url: string;
  /** Resolves when every event published so far has been handled. */
  idle(): Promise<void>;
  /** SendEmail calls refused for going over the send rate. */
  throttled(): number;
  close(): Promise<void>;
}

export async function startLocalSes(options: LocalSesOptions): Promise<LocalSes> {
  const sesModule = require('aws-ses-v2-local') as { default?: (c: object) => Promise<Server> };
  const start = sesModule.default ?? (sesModule as unknown as (c: object) => Promise<Server>);
  const upstream = await start({ host: options.host, port: 0 });
  const target = upstream.address() as AddressInfo;
  const inFlight = new Set<Promise<void>>();
  /** Aborted at close: events not yet published are dropped, as an SES that stopped would never send them. */
  const stopping = new AbortController();

  const publishLater = (sent: SendEmailBody, messageId: string) => {
    const recipients = [...(sent.Destination?.ToAddresses ?? []), ...(sent.Destination?.CcAddresses ?? []), ...(sent.Destination?.BccAddresses ?? [])];
    const events = recipients.flatMap((recipient) => simulatedOutcome(recipient).map((outcome) => sesEvent(outcome, sent, messageId, recipient)));
    const work = (async () => {
      await sleep(options.delayMs ?? 200, undefined, { signal: stopping.signal });
      for (const event of events) await options.publish(event).catch((error: unknown) => options.onError?.(error));
    })().catch(() => undefined);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  let faults: SesFault[] = [];
  const addFault = (spec: unknown) => {
    faults.push(arm(sesFaultSpec.parse(spec)));
  };
  for (const fault of options.faults ?? []) addFault(fault);
  /**
   * What this SendEmail meets: the first count fault (used up by it) and every share fault whose draw hits;
   * delays add up, the first status answers.
   */
  const faultFor = (): { delayMs: number; status?: number } => {
    const met = meet(faults, faults);
    faults = met.pending;
    const status = met.hitting.find((candidate) => candidate.status !== undefined)?.status;
    return { delayMs: met.delayMs, ...(status !== undefined && { status }) };
  };

  const maxSendRate = options.maxSendRate ?? 50;
  const withinRate = sendRateLimiter(maxSendRate);
  let sentToday = 0;
  let throttled = 0;
  const sesError = (res: import('node:http').ServerResponse, status: number, type: string, message: string) =>
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type }).end(JSON.stringify({ message }));

  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      // SESv2 GetAccount, the quota a sender paces itself by: aws-ses-v2-local's account when one is set
      // (AWS_SES_ACCOUNT), else a production account; either way with the send rate enforced here.
      if (req.method === 'GET' && req.url === '/v2/email/account') {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([name, value]) => name !== 'host' && typeof value === 'string')) as Record<string, string>;
        const upstreamAccount = await fetch(`http://${target.address}:${target.port}/v2/email/account`, { headers })
          .then(async (answer) => (answer.ok ? ((await answer.json()) as Record<string, unknown>) : undefined))
          .catch(() => undefined);
        const account = upstreamAccount ?? { SendingEnabled: true, ProductionAccessEnabled: true, EnforcementStatus: 'HEALTHY' };
        const quota = { Max24HourSend: 1_000_000, SentLast24Hours: sentToday, ...(account.SendQuota as object | undefined), MaxSendRate: maxSendRate };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...account, SendQuota: quota }));
        return;
      }
      if (req.url === '/__ses/faults' && (req.method === 'POST' || req.method === 'DELETE')) {
        try {
          if (req.method === 'POST') addFault(JSON.parse(body.toString('utf8')));
          else faults = [];
          res.writeHead(req.method === 'POST' ? 201 : 204).end();
        } catch (error) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: (error as Error).message }));
        }
        return;
      }
      const isSend = req.method === 'POST' && req.url === '/v2/email/outbound-emails';
      const fault = isSend ? faultFor() : undefined;
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.status !== undefined) {
        const type = fault.status === 429 ? 'TooManyRequestsException' : 'InternalFailure';
        return sesError(res, fault.status, type, `Fault injected by the local SES (${fault.status}).`);
      }
      if (isSend && !withinRate()) {
        throttled += 1;
        return sesError(res, 429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
      }
      if (isSend) sentToday += 1;
      const forward = request(
        { host: target.address, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(answerChunks);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(text);
            if (req.method !== 'POST' || req.url !== '/v2/email/outbound-emails' || answer.statusCode !== 200) return;
            try {
              const sent = JSON.parse(body.toString('utf8')) as SendEmailBody;
              const { MessageId } = JSON.parse(text.toString('utf8')) as { MessageId?: string };
              if (sent.ConfigurationSetName && MessageId) publishLater(sent, MessageId);
            } catch (error) {
              options.onError?.(error);
            }
          });
        },
      );
      forward.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(options.port, options.host, () => resolve());
  });
  const closeServer = (server: Server) =>
    new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  return {
    url: `http://${options.host}:${(proxy.address() as AddressInfo).port}`,
    throttled: () => throttled,
    idle: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    close: async () => {
      // Nothing may reach the service once the stack behind it closes: pending events are dropped, those being handled awaited.
      stopping.abort();
      await Promise.all([...inFlight]);
      await closeServer(proxy);
      await closeServer(upstream);
    },
  };
}
