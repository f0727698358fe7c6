import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** Creates alarms that all notify one (optional) topic. */
export class Alarms {
  /** @param topic where alarm state changes go; unset: alarms only show in the console */
  constructor(private readonly topic?: sns.ITopic) {}

  /** An alarm on `metric` going above `threshold` in one period. */
  add(scope: Construct, id: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (this.topic) {
      alarm.addAlarmAction(new actions.SnsAction(this.topic));
      alarm.addOkAction(new actions.SnsAction(this.topic));
    }
    return alarm;
  }

  /** Any message waiting in a dead-letter queue: something was not delivered. */
  deadLetters(scope: Construct, id: string, queue: sqs.IQueue, meaning: string): cloudwatch.Alarm {
    return this.add(
      scope,
      id,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      0,
      `${meaning} Redrive once the cause is fixed (README, Operations).`,
    );
  }

  /** Function errors and throttles, each over five minutes. */
  function(scope: Construct, fn: lambda.IFunction, name: string): void {
    this.add(
      scope,
      'Errors',
      fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      0,
      `${name} answered with an error (a record failed and will be retried, or init failed): see its logs.`,
    );
    this.add(
      scope,
      'Throttles',
      fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      0,
      `${name} was throttled: raise its concurrency (or the account's) before events pile up.`,
    );
  }
}
