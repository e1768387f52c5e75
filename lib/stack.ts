import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { AppContext } from './config.ts';
import { InvitationService } from './invitation-service.ts';

export interface InvitationServiceStackProps extends StackProps {
  /** The validated `cdk.json` context (see lib/config.ts). */
  readonly config: AppContext;
}

/**
 * The deployable app: one stack holding {@link InvitationService} (construct id `InvitationService`), built
 * from the context, with the outputs the team and `npm run doctor` need (their keys are a contract with
 * `stackOutputKeys` in lambdas/doctor/targets.ts).
 */
export class InvitationServiceStack extends Stack {
  readonly service: InvitationService;

  constructor(scope: Construct, id: string, props: InvitationServiceStackProps) {
    super(scope, id, { description: 'logto-invitations: invitation-only registration for Logto', ...props });
    const { config } = props;
    const m2mSecret = config.m2mSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'M2mSecret', config.m2mSecretArn)
      : undefined;
    const alarmTopic = config.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn) : undefined;

    this.service = new InvitationService(this, 'InvitationService', {
      logtoEndpoint: config.logtoEndpoint,
      ...(config.logtoApiIndicator && { logtoApiIndicator: config.logtoApiIndicator }),
      ...(m2mSecret && { m2mSecret }),
      adminAudience: config.adminAudience,
      ...(config.adminIssuer && { adminIssuer: config.adminIssuer }),
      sesFromAddress: config.sesFromAddress,
      ...(config.sesIdentity && { sesIdentity: config.sesIdentity }),
      appName: config.appName,
      landingUrl: config.landingUrl,
      ...(config.signInUrl && { signInUrl: config.signInUrl }),
      ...(config.publicUrl && { publicUrl: config.publicUrl }),
      acceptForm: { name: config.acceptFormName, password: config.acceptFormPassword },
      provisionedUserOnEnd: config.provisionedUserOnEnd,
      accessRequests: {
        ...(config.accessRequestsPerIpHour !== undefined && { perIpPerHour: config.accessRequestsPerIpHour }),
        ...(config.accessRequestsPerEmailDay !== undefined && { perEmailPerDay: config.accessRequestsPerEmailDay }),
        frameAncestors: config.accessFormFrameAncestors,
      },
      referrals: {
        ...(config.referralsPerPeriod !== undefined && { perPeriod: config.referralsPerPeriod }),
        ...(config.referralPeriodDays !== undefined && { periodDays: config.referralPeriodDays }),
        needApproval: config.referralsNeedApproval,
      },
      redirectAllowList: config.redirectAllowList,
      allowedEmailDomains: config.allowedEmailDomains,
      defaultExpiresIn: Duration.seconds(config.defaultExpiresIn),
      reminderBeforeExpiry: Duration.seconds(config.reminderBeforeExpiry),
      defaultLocale: config.defaultLocale,
      ...(config.emailTemplates && { emailTemplates: config.emailTemplates }),
      brand: {
        ...(config.brandLogoUrl && { logoUrl: config.brandLogoUrl }),
        ...(config.brandPrimaryColor && { primaryColor: config.brandPrimaryColor }),
        ...(config.brandSupportEmail && { supportEmail: config.brandSupportEmail }),
      },
      ...(config.deliveryConcurrency !== undefined && { deliveryConcurrency: config.deliveryConcurrency }),
      ...(config.deliveryRate !== undefined && { deliveryRate: config.deliveryRate }),
      ...(config.logtoRequestsPerSecond !== undefined && { logtoRequestsPerSecond: config.logtoRequestsPerSecond }),
      removalPolicy: config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      ...(alarmTopic && { alarmTopic }),
      ...(config.wireLogto !== undefined && { wireLogto: config.wireLogto }),
      ...(config.m2mRotationDays !== undefined && { m2mRotation: config.m2mRotationDays === 0 ? false : Duration.days(config.m2mRotationDays) }),
      disableRegistration: config.disableRegistration,
      console: {
        ...(config.consoleAppId && { appId: config.consoleAppId }),
        ...(config.consoleAssetsDirectory && { assetsDirectory: config.consoleAssetsDirectory }),
      },
    });

    const service = this.service;
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('ApiUrl', service.apiUrl, 'Base URL of the invitations API');
    output('WebhookUrl', service.webhookUrl, 'Where Logto posts its webhooks');
    output('ConsoleUrl', service.consoleUrl, 'The admin console (its Logto SPA app: redirect URI <ConsoleUrl>/callback, post sign-out URI <ConsoleUrl>)');
    output('LogtoEndpoint', service.logtoEndpoint, 'The Logto instance');
    output('LogtoApiIndicator', service.logtoApiIndicator, 'The Management API resource of the M2M app');
    output('SesIdentity', service.sesIdentity, 'The SES identity invitations are sent through');
    output('M2mSecretArn', service.secrets.m2mCredentials.secretArn, 'Secret to fill with {"appId","appSecret"} of the Logto M2M app');
    output('WebhookSecretArn', service.secrets.webhookSigningKey.secretArn, 'The Logto webhook signing key (written by the Logto wiring)');
    output('TableName', service.storage.tableName, 'The invitations table');
    output('EmailLocales', service.email.locales.join(','), 'The locales of the email templates');
    output('JobQueueUrl', service.deliveryQueue.queue.queueUrl, 'The job queue');
    output('JobDeadLetterQueueUrl', service.deliveryQueue.deadLetterQueue.queueUrl, 'Failed jobs, to inspect and redrive');
    output('LifecycleStateMachineArn', service.lifecycle.stateMachine.stateMachineArn, 'The invitation lifecycle');
    output('SesConfigurationSetName', service.email.configurationSet.configurationSetName, 'SES configuration set of invitation emails');
    output('SesTemplatePrefix', service.email.templatePrefix, 'SES templates are <prefix>-<email>-<locale> (email: invitation, account-ready)');
    output('AlarmTopicArn', service.alarms.topic.topicArn, 'Subscribe to receive alarms');
    if (service.logtoWiring) output('LogtoWebhookId', service.logtoWiring.hookId, 'The hook registered at Logto');
  }
}
