import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { serviceMetrics, type ServiceFunction } from './service-function.ts';

export interface AlarmsProps {
  /** Where alarms (and their recovery) are announced; a topic is created when absent. */
  readonly topic?: sns.ITopic;
  /** Alarmed for errors and throttles, each; the key names the alarm. */
  readonly functions: Record<string, ServiceFunction>;
  /** Alarmed as soon as one message waits in any of them; the key names the alarm. */
  readonly deadLetterQueues: Record<string, sqs.IQueue>;
  readonly stateMachine: sfn.IStateMachine;
}

/** SES reviews an account at a 5% bounce rate and 0.1% complaints; these warn before that. */
export const sesThresholds = { bounceRate: 0.02, complaintRate: 0.0008 } as const;

/**
 * The service's alarms, all to one topic, each with an OK action too.
 *
 * Creates `Topic` (unless given; TLS enforced) and: `<Function>Errors` and `<Function>Throttles` for every
 * function (any in 5 minutes); `<Queue>Depth` for every dead-letter queue (a message visible);
 * `LifecycleFailed` and `LifecycleTimedOut` (any execution in 5 minutes); `RegistrationBlocked` (someone
 * registered through a link of an ended invitation and was suspended); `AccessRequestFlood` (100 requests to be
 * invited refused for their IP in 5 minutes); `SesBounceRate` (>= 2%) and
 * `SesComplaintRate` (>= 0.08%) on the account's SES reputation metrics (`AWS/SES`), over an hour.
 * Missing data is not breaching: a quiet service is not an incident.
 */
export class Alarms extends Construct {
  readonly topic: sns.ITopic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    if (props.topic) {
      this.topic = props.topic;
    } else {
      // Not encrypted: CloudWatch cannot publish to a topic under the AWS managed SNS key, a customer managed
      // key costs $1 a month, and alarm notifications carry alarm names and metric values only. Pass your own
      // encrypted topic as alarmTopic to have one.
      const topic = new sns.Topic(this, 'Topic', { displayName: 'logto-invitations alarms', enforceSSL: true });
      this.topic = topic;
    }
    const action = new actions.SnsAction(this.topic);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };
    const fiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, fn.metricErrors(fiveMinutes), 1, `The ${name} function failed (an invocation ended in an error).`);
      alarm(`${name}Throttles`, fn.metricThrottles(fiveMinutes), 1, `The ${name} function was throttled.`);
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
        1,
        `Messages wait in ${name}: inspect them, fix the cause, then redrive.`,
      );
    }
    alarm('LifecycleFailed', props.stateMachine.metricFailed(fiveMinutes), 1, 'An invitation lifecycle execution failed.');
    alarm('LifecycleTimedOut', props.stateMachine.metricTimedOut(fiveMinutes), 1, 'An invitation lifecycle execution timed out.');

    alarm(
      'RegistrationBlocked',
      new cloudwatch.Metric({
        namespace: serviceMetrics.namespace,
        metricName: 'InvitationRegistrationBlocked',
        dimensionsMap: { service: serviceMetrics.service },
        ...fiveMinutes,
      }),
      1,
      'Someone registered through a link of a revoked, expired or undeliverable invitation and was suspended at Logto: see the invitation\'s audit trail (registration_blocked).',
    );

    alarm(
      'AccessRequestFlood',
      new cloudwatch.Metric({
        namespace: serviceMetrics.namespace,
        metricName: 'AccessRequestRateLimited',
        dimensionsMap: { service: serviceMetrics.service },
        ...fiveMinutes,
      }),
      100,
      'Over 100 requests to be invited were refused for their IP in 5 minutes: someone is flooding the public form (API Gateway throttles the route; consider a WAF).',
    );

    const reputation = (metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, period: Duration.hours(1), statistic: cloudwatch.Stats.MAXIMUM });
    alarm(
      'SesBounceRate',
      reputation('Reputation.BounceRate'),
      sesThresholds.bounceRate,
      'SES bounce rate >= 2% (SES reviews the account at 5%): check who is being invited.',
    );
    alarm(
      'SesComplaintRate',
      reputation('Reputation.ComplaintRate'),
      sesThresholds.complaintRate,
      'SES complaint rate >= 0.08% (SES reviews the account at 0.1%): invitees mark the email as spam.',
    );
  }
}
