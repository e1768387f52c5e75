/**
 * cdk-nag's AwsSolutions pack over the app: no finding may stand unacknowledged, every acknowledgement
 * names one finding and says why, and none is left over from a finding that no longer exists.
 */
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthApp, wiredContext } from './app.ts';

interface Violation {
  ruleName: string;
  severity: string;
  violatingResources: { constructPath: string }[];
}

function check(app: App, options: { ignoreAcknowledgements?: boolean } = {}): Violation[] {
  const pack = new AwsSolutionsChecks();
  // The pack reads acknowledgements through a private method; switched off, it reports every raw finding.
  if (options.ignoreAcknowledgements) (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack.validateScope(app).violations as Violation[];
}

interface Acknowledgement {
  path: string;
  rule: string;
  reason: string;
}

function acknowledgements(app: App): Acknowledgement[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([rule, reason]) => ({
          path: construct.node.path,
          rule: rule.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

const deployments = {
  'with the Logto wiring (the team passes its M2M secret)': wiredContext,
  'as cdk.json ships (M2M secret created empty, no wiring yet)': {},
  'M2M secret created, filled, then wired (rotated through Logto)': { wireLogto: 'true' },
};
const apps = new Map<string, App>();

beforeAll(() => {
  for (const [name, context] of Object.entries(deployments)) apps.set(name, synthApp(context).app);
}, 90_000);

describe.each(Object.keys(deployments))('AwsSolutions, %s', (name) => {
  let app: App;
  beforeAll(() => {
    app = apps.get(name)!;
  });

  it('leaves no unacknowledged error or warning', () => {
    expect(check(app).map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('acknowledges only findings that exist, each on the resource (or its parent) it is about', () => {
    const raw = check(app, { ignoreAcknowledgements: true });
    for (const ack of acknowledgements(app)) {
      const matching = raw
        .filter((violation) => violation.ruleName === ack.rule)
        .flatMap((violation) => violation.violatingResources)
        .filter((resource) => resource.constructPath === ack.path || resource.constructPath.startsWith(`${ack.path}/`));
      expect([ack.path, ack.rule, matching.length > 0]).toEqual([ack.path, ack.rule, true]);
    }
  });

  it('gives every acknowledgement a reason, and never acknowledges a whole rule where findings are listed', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(10);
    for (const ack of acks) {
      expect(ack.rule).toMatch(/^AwsSolutions-[A-Z]+\d+/);
      expect(ack.reason.length).toBeGreaterThan(40);
      // IAM5 reports one finding per wildcard: acknowledge that finding, not the rule.
      if (ack.rule.startsWith('AwsSolutions-IAM5')) expect(ack.rule).toMatch(/^AwsSolutions-IAM5\[Resource::.+\]$/);
    }
  });
});

describe('the acknowledged findings', () => {
  it('are exactly these kinds (a new kind needs a reviewed reason)', () => {
    const app = apps.get(Object.keys(deployments)[0]!)!;
    const kinds = [
      ...new Set(
        acknowledgements(app).map((ack) =>
          ack.rule
            .replace(/<[A-Za-z0-9]+\.Arn>/g, '<Function.Arn>')
            .replace(/execution:[\w-]+:\*/, 'execution:<lifecycle>:*')
            .replace(/arn:aws:states:[a-z0-9-]+:\d+:/, 'arn:aws:states:<region>:<account>:'),
        ),
      ),
    ].sort();
    expect(kinds).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::<Function.Arn>:*]',
        'AwsSolutions-IAM5[Resource::arn:aws:states:<region>:<account>:execution:<lifecycle>:*]',
        'AwsSolutions-SMG4',
        'AwsSolutions-SQS3',
      ].sort(),
    );
  });
});
