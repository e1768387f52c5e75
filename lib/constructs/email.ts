import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { checkEmailTemplates, invitationTemplates, templateLocales } from '../../templates/index.ts';
import type { ServiceFunction } from './service-function.ts';

export interface EmailProps {
  /** SES `FromEmailAddress`, e.g. `Acme <no-reply@acme.example>`. */
  readonly fromAddress: string;
  /** The bare address of `fromAddress`. */
  readonly fromBareAddress: string;
  /** The verified SES identity the address sends under: its domain, or the address itself. */
  readonly identity: string;
  /** Prefix of the template names (`<prefix>-invitation-<locale>`); unique in the account and region. */
  readonly templatePrefix: string;
  /** An existing configuration set to publish events through; one is created when absent. */
  readonly configurationSet?: ses.IConfigurationSet;
  /** A team's own templates, laid out as `templates/` is. @default the shipped ones (en, de) */
  readonly templatesDirectory?: string;
}

/** The SES events the service acts on, and their EventBridge detail types. */
export const mailEventTypes = [
  { event: ses.EmailSendingEvent.DELIVERY, detailType: 'Email Delivered' },
  { event: ses.EmailSendingEvent.BOUNCE, detailType: 'Email Bounced' },
  { event: ses.EmailSendingEvent.COMPLAINT, detailType: 'Email Complaint Received' },
  { event: ses.EmailSendingEvent.REJECT, detailType: 'Email Rejected' },
] as const;

/**
 * Everything SES: the invitation templates, the configuration set, its events, and who may send.
 *
 * Creates `InvitationTemplate-<locale>`, `AcceptLinkTemplate-<locale>` and `AccountReadyTemplate-<locale>` (`AWS::SES::Template`, one per
 * email and locale of the templates directory, each rendered strictly at synth time: SES keeps one
 * template store for its v1 and v2 APIs, and CloudFormation manages it with the v2 template actions, so
 * the mailer's v2 `SendEmail` with `Template.TemplateName` finds them); `ConfigurationSet` (reputation metrics
 * on, the account's suppression list applied for bounces and complaints) unless one is given;
 * `ConfigurationSet/EventBridge` (an event destination on the default event bus for delivery, bounce,
 * complaint and reject); and, once {@link routeEventsTo} is called, `MailEventsRule` (the events of this
 * configuration set only) with its dead-letter queue `MailEventsDeadLetterQueue`.
 */
export class Email extends Construct {
  readonly configurationSet: ses.IConfigurationSet;
  readonly templateNames: readonly string[];
  readonly templatePrefix: string;
  /** The locales of the templates (the mailer picks the nearest). */
  readonly locales: readonly string[];
  readonly identityArn: string;
  readonly configurationSetArn: string;
  readonly templateArns: readonly string[];
  /** Set by {@link routeEventsTo}. */
  mailEventsDeadLetterQueue?: sqs.Queue;
  private readonly props: EmailProps;

  constructor(scope: Construct, id: string, props: EmailProps) {
    super(scope, id);
    this.props = props;
    this.templatePrefix = props.templatePrefix;
    // A template that does not render, or uses a value the mailer does not send, fails synthesis here.
    const templates = invitationTemplates(props.templatePrefix, props.templatesDirectory);
    checkEmailTemplates(templates);
    this.locales = templateLocales(props.templatesDirectory);
    for (const template of templates) {
      // Construct ids are kept stable: `InvitationTemplate-en` predates the other emails.
      const kind = { invitation: 'Invitation', 'accept-link': 'AcceptLink', 'account-ready': 'AccountReady' }[template.kind];
      new ses.CfnTemplate(this, `${kind}Template-${template.locale}`, {
        template: {
          templateName: template.name,
          subjectPart: template.subject,
          htmlPart: template.html,
          textPart: template.text,
        },
      });
    }
    this.templateNames = templates.map((template) => template.name);

    const configurationSet =
      props.configurationSet ??
      new ses.ConfigurationSet(this, 'ConfigurationSet', {
        reputationMetrics: true,
        sendingEnabled: true,
        suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      });
    new ses.ConfigurationSetEventDestination(this, 'EventBridge', {
      configurationSet,
      destination: ses.EventDestination.eventBus(events.EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: mailEventTypes.map((type) => type.event),
    });
    this.configurationSet = configurationSet;

    const stack = Stack.of(this);
    const sesArn = (resource: string, resourceName: string) => stack.formatArn({ service: 'ses', resource, resourceName });
    this.identityArn = sesArn('identity', props.identity);
    this.configurationSetArn = sesArn('configuration-set', configurationSet.configurationSetName);
    this.templateArns = this.templateNames.map((name) => sesArn('template', name));
  }

  /** `SES_FROM`, `SES_CONFIGURATION_SET`, `SES_TEMPLATE_PREFIX` of lambdas/composition/config.ts. */
  environment(): Record<string, string> {
    return {
      SES_FROM: this.props.fromAddress,
      SES_CONFIGURATION_SET: this.configurationSet.configurationSetName,
      SES_TEMPLATE_PREFIX: this.templatePrefix,
      EMAIL_LOCALES: this.locales.join(','),
    };
  }

  /**
   * `ses:SendEmail` through this identity, configuration set and templates only, and only from the
   * configured address (a domain identity would otherwise allow any address at the domain).
   */
  grantSend(fn: ServiceFunction): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SendInvitationEmail',
        actions: ['ses:SendEmail'],
        resources: [this.identityArn, this.configurationSetArn, ...this.templateArns],
        conditions: { StringEquals: { 'ses:FromAddress': this.props.fromBareAddress } },
      }),
    );
  }

  /**
   * `ses:TestRenderEmailTemplate` on this stack's templates: the admin's preview of an invitation's email
   * (`GET /v1/invitations/{id}/email`) is SES rendering the stored template, so it shows what was sent. It
   * renders only; nothing is sent.
   */
  grantRenderPreview(fn: ServiceFunction): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'RenderEmailPreview', actions: ['ses:TestRenderEmailTemplate'], resources: [...this.templateArns] }));
  }

  /**
   * `ses:GetAccount`: the account's send quota, which the job queue paces its emails by. It has no
   * resource-level permissions, so its statement names `*`.
   */
  grantReadSendQuota(fn: ServiceFunction): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadSendQuota', actions: ['ses:GetAccount'], resources: ['*'] }));
    Validations.of(fn.serviceRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and the SES send quota (ses:GetAccount): neither has resource-level permissions.',
    });
  }

  /**
   * Sends this configuration set's delivery, bounce, complaint and reject events to `fn`. EventBridge retries
   * a failed invocation for up to a day; what still fails lands in `MailEventsDeadLetterQueue`.
   */
  routeEventsTo(fn: ServiceFunction): events.Rule {
    const deadLetterQueue = new sqs.Queue(this, 'MailEventsDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the mail-events rule target (EventBridge DeadLetterConfig); a dead-letter queue has none of its own.',
    });
    this.mailEventsDeadLetterQueue = deadLetterQueue;
    return new events.Rule(this, 'MailEventsRule', {
      description: 'SES delivery, bounce, complaint and reject events of the invitation configuration set',
      eventPattern: {
        source: ['aws.ses'],
        detailType: mailEventTypes.map((type) => type.detailType),
        detail: { mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } } },
      },
      targets: [
        new targets.LambdaFunction(fn, {
          deadLetterQueue,
          maxEventAge: Duration.hours(24),
          retryAttempts: 185,
        }),
      ],
    });
  }
}
