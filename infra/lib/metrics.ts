import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { Alarms } from './alarms';
import { RustFunction } from './function';
import { deadLetterQueue } from './queues';

/** What the scheduled metrics job is built from. */
export interface TicketMetricsProps {
  /** Its code. */
  readonly code: lambda.Code;
  /** When it runs (`rate(…)` or `cron(…)`). */
  readonly schedule: string;
  /** Plain settings (Mixpanel and Zendesk). */
  readonly environment: Record<string, string>;
  /** Secret settings (`…_ARN`). */
  readonly secrets: Record<string, secretsmanager.ISecret>;
  /** CloudWatch Logs retention. */
  readonly logRetention: logs.RetentionDays;
  /** Where alarms go. */
  readonly alarms: Alarms;
  /** The customer-managed key, when the stack has one. */
  readonly dataKey?: kms.IKey;
  /** Where SLA events go (`EVENT_BUS_NAME`): the bus the rules route from. */
  readonly bus: events.IEventBus;
}

/** The initial cursor value: SSM values cannot be empty; the job reads it as "no cursor yet". */
export const NO_CURSOR = 'none';

/**
 * ticket-metrics on an EventBridge schedule, with its export cursor in an SSM parameter only it
 * may write. One run at a time (reserved concurrency 1): two runs would race on the cursor.
 */
export class TicketMetrics extends Construct {
  /** The function. */
  readonly function: lambda.Function;
  /** The cursor parameter. */
  readonly cursor: ssm.StringParameter;
  /** The SLA cursor parameter (metric event export). */
  readonly slaCursor: ssm.StringParameter;
  /** Schedule invocations EventBridge could not deliver. */
  readonly missed: ReturnType<typeof deadLetterQueue>;
  /** Runs that failed twice (Mixpanel or Zendesk refused or stayed down): their invocation record. */
  readonly failedRuns: ReturnType<typeof deadLetterQueue>;

  constructor(scope: Construct, id: string, props: TicketMetricsProps) {
    super(scope, id);
    this.cursor = new ssm.StringParameter(this, 'Cursor', {
      description: 'ticketbridge ticket-metrics: Zendesk incremental ticket export cursor (saved after Mixpanel accepted each page)',
      stringValue: NO_CURSOR,
    });
    this.slaCursor = new ssm.StringParameter(this, 'SlaCursor', {
      description: 'ticketbridge ticket-metrics: Zendesk ticket metric event export position (saved after the bus accepted each page of SLA events)',
      stringValue: NO_CURSOR,
    });
    this.failedRuns = deadLetterQueue(this, 'FailedRuns', props.dataKey);
    const fn = new RustFunction(this, 'Metrics', {
      name: 'ticket-metrics',
      code: props.code,
      memorySize: 256,
      // The most Lambda allows: at 10 export requests a minute, a run reads up to ~140,000 tickets.
      timeout: Duration.minutes(15),
      environment: {
        ...props.environment,
        CURSOR_PARAMETER: this.cursor.parameterName,
        SLA_CURSOR_PARAMETER: this.slaCursor.parameterName,
        EVENT_BUS_NAME: props.bus.eventBusName,
      },
      secrets: props.secrets,
      logRetention: props.logRetention,
      reservedConcurrentExecutions: 1,
      // A failed run saved everything before the failure. Lambda tries it once more; a run that
      // fails again lands in the failed-runs queue (alarmed), and the next scheduled run
      // continues from the cursor.
      retryAttempts: 1,
      onFailure: new destinations.SqsDestination(this.failedRuns),
      dataKey: props.dataKey,
    });
    this.function = fn.function;
    for (const cursor of [this.cursor, this.slaCursor]) {
      cursor.grantRead(this.function);
      cursor.grantWrite(this.function);
    }
    props.bus.grantPutEventsTo(this.function);

    this.missed = deadLetterQueue(this, 'Missed', props.dataKey);
    new events.Rule(this, 'Schedule', {
      description: 'ticketbridge: run ticket-metrics',
      schedule: events.Schedule.expression(props.schedule),
      targets: [
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: this.missed,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
    props.alarms.function(this, this.function, 'ticket-metrics');
    props.alarms.deadLetters(this, 'MissedAlarm', this.missed, 'EventBridge could not start ticket-metrics on schedule.');
    props.alarms.deadLetters(
      this,
      'FailedRunsAlarm',
      this.failedRuns,
      'A ticket-metrics run failed twice (its error names the status and the page); the cursor stayed at the last accepted page.',
    );
  }
}
