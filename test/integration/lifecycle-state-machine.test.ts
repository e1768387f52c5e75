/**
 * The lifecycle state machine as the CDK app synthesizes it, run by aws-local-stepfunctions against the
 * local stack's lifecycle handler: its Choices, paths and task payloads are checked by running them.
 * Waits are skipped; each task first moves the service's clock to when its Wait would have ended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleStates } from '../../lib/constructs/lifecycle.ts';
import { lifecycleDefinitionFrom, localLifecycleDefinition, runLifecycle, type LifecycleInput } from '../../local/lifecycle-runner.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { synthApp } from '../infra/app.ts';
import { acceptInvitation, adminToken, auditTrail, client, inbox, linkIn } from '../support/local-stack.ts';

let stack: LocalStack;
let admin: ReturnType<typeof client>;
let definition: ReturnType<typeof lifecycleDefinitionFrom>;
const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

beforeAll(async () => {
  definition = lifecycleDefinitionFrom(synthApp().template.toJSON() as never);
  stack = await startLocalStack({ jobDelayScale: 0, logLevel: 'SILENT', clock });
  admin = client(stack.apiUrl, await adminToken(stack));
});

afterAll(async () => {
  await stack?.close();
});

const day = 24 * 3600 * 1000;

/** Runs one execution; returns its output and the task states it ran, in order. */
async function run(input: LifecycleInput) {
  const tasks: string[] = [];
  const moveClockTo = (time: string, plusMs = 0) => {
    clock.offsetMs = Date.parse(time) + plusMs - Date.now();
  };
  try {
    const execution = runLifecycle(definition, input, (payload) => stack.service.lifecycle(payload), {
      waitMs: 0,
      beforeTask: (stateName) => {
        tasks.push(stateName);
        if (stateName === lifecycleStates.reconcileBeforeReminder || stateName === lifecycleStates.sendReminder) {
          moveClockTo(input.remindAt!);
        } else {
          moveClockTo(input.expiresAt, 1000);
        }
      },
    });
    return { output: (await execution.result) as { invitation?: { status: string } }, tasks };
  } finally {
    clock.offsetMs = 0;
  }
}

async function invite(email: string, expiresInDays = 3) {
  const created = (await admin.post('/v1/invitations', { email, expiresIn: expiresInDays * 86_400 })).body;
  return { id: created.id as string, expiresAt: created.expiresAt as string };
}

const eventTypes = (id: string) => auditTrail(admin, id);

describe('the synthesized lifecycle', () => {
  it('is the definition the local stack runs, but for the function it invokes', () => {
    const withoutFunction = (definition: object) => JSON.stringify(definition).replace(/arn:aws:lambda:[^"]+/g, 'FUNCTION');
    expect(withoutFunction(localLifecycleDefinition())).toBe(withoutFunction(definition));
  });

  it('reminds once, then expires an invitation nobody accepts', async () => {
    // Prepare
    const { id, expiresAt } = await invite('nobody@example.com');
    const remindAt = new Date(Date.parse(expiresAt) - day).toISOString();

    // Act
    const { output, tasks } = await run({ invitationId: id, remindAt, expiresAt });

    // Assess
    expect(tasks).toEqual([
      lifecycleStates.reconcileBeforeReminder,
      lifecycleStates.sendReminder,
      lifecycleStates.reconcileBeforeExpiry,
      lifecycleStates.expire,
    ]);
    expect(output.invitation?.status).toBe('expired');
    expect(await eventTypes(id)).toEqual(['created', 'sent', 'reminded', 'expired']);
    expect(await inbox(stack, 'nobody@example.com')).toHaveLength(2);
    expect((await admin.get(`/v1/invitations/${id}`)).body.status).toBe('expired');
  });

  it('ends at the first reconcile when the invitee accepted before the reminder', async () => {
    // Prepare
    const { id, expiresAt } = await invite('early-bird@example.com');
    await acceptInvitation(linkIn((await inbox(stack, 'early-bird@example.com'))[0]!));
    await stack.standIn!.idle();

    // Act
    const { output, tasks } = await run({ invitationId: id, remindAt: new Date(Date.parse(expiresAt) - day).toISOString(), expiresAt });

    // Assess
    expect(tasks).toEqual([lifecycleStates.reconcileBeforeReminder]);
    expect(output.invitation?.status).toBe('accepted');
    expect(await inbox(stack, 'early-bird@example.com')).toHaveLength(1);
  });

  it('goes straight to expiry without a reminder time, and ends when the invitation was revoked', async () => {
    // Prepare
    const { id, expiresAt } = await invite('revoked-meanwhile@example.com');
    await admin.post(`/v1/invitations/${id}/revoke`);

    // Act
    const { output, tasks } = await run({ invitationId: id, expiresAt });

    // Assess
    expect(tasks).toEqual([lifecycleStates.reconcileBeforeExpiry]);
    expect(output.invitation?.status).toBe('revoked');
    expect(await eventTypes(id)).toEqual(['created', 'sent', 'revoked']);
  });
});
