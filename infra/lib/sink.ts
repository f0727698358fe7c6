import { Duration } from 'aws-cdk-lib';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Alarms } from './alarms';
import { RustFunction, RustFunctionProps } from './function';
import { AWS_MANAGED_KEY, checkovSkip } from './checkov';
import { deadLetterQueue, queueEncryption } from './queues';

/** One sink: its topic, its Lambda, and everything between (SQS in high-volume mode) and after (DLQs). */
export interface SinkProps extends RustFunctionProps {
  /** Encrypts the topic; EventBridge may use it. */
  readonly key: kms.IKey;
  /** SQS between the topic and the Lambda. */
  readonly highVolume: boolean;
  /** Records per invocation in high-volume mode. */
  readonly batchSize: number;
  /** Alarm factory. */
  readonly alarms: Alarms;
}

/** Topic → (queue →) sink Lambda, with a dead-letter queue on every hop that can fail. */
export class SinkPipeline extends Construct {
  /** The topic the rules publish to. */
  readonly topic: sns.Topic;
  /** The sink Lambda. */
  readonly function: lambda.Function;
  /** Records the sink gave up on (async on-failure destination, or the queue's redrive target). */
  readonly failed: sqs.Queue;
  /** Messages SNS could not hand to the Lambda (or queue). */
  readonly undelivered: sqs.Queue;
  /** The queue in front of the Lambda in high-volume mode. */
  readonly queue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: SinkProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `ticketbridge ${props.name}`,
      masterKey: props.key,
      enforceSSL: true,
    });
    this.failed = deadLetterQueue(this, 'Failed', props.dataKey);
    this.undelivered = deadLetterQueue(this, 'Undelivered', props.dataKey);

    const fn = new RustFunction(this, 'Function', {
      ...props,
      // SNS invokes asynchronously: two retries by Lambda, then the on-failure destination.
      ...(props.highVolume ? {} : { onFailure: new destinations.SqsDestination(this.failed), retryAttempts: 2 }),
    });
    this.function = fn.function;

    if (props.highVolume) {
      this.queue = new sqs.Queue(this, 'Queue', {
        ...queueEncryption(props.dataKey),
        enforceSSL: true,
        // Six times the function timeout, as Lambda recommends for SQS sources.
        visibilityTimeout: Duration.seconds(props.timeout.toSeconds() * 6),
        deadLetterQueue: { queue: this.failed, maxReceiveCount: 5 },
      });
      if (!props.dataKey) {
        checkovSkip(this.queue, [
          { id: 'CKV_AWS_27', comment: `SQS-managed server-side encryption (SqsManagedSseEnabled). ${AWS_MANAGED_KEY}` },
        ]);
      }
      this.topic.addSubscription(
        new subscriptions.SqsSubscription(this.queue, { rawMessageDelivery: true, deadLetterQueue: this.undelivered }),
      );
      this.function.addEventSource(
        new sources.SqsEventSource(this.queue, {
          batchSize: props.batchSize,
          maxBatchingWindow: Duration.seconds(5),
          reportBatchItemFailures: true,
        }),
      );
    } else {
      this.topic.addSubscription(
        new subscriptions.LambdaSubscription(this.function, { deadLetterQueue: this.undelivered }),
      );
    }

    props.alarms.deadLetters(
      this,
      'FailedAlarm',
      this.failed,
      `${props.name} gave up on records (retries exhausted or rejected input): they wait in its failed-records queue.`,
    );
    props.alarms.deadLetters(
      this,
      'UndeliveredAlarm',
      this.undelivered,
      `SNS could not deliver to ${props.name}: the messages wait in the subscription dead-letter queue.`,
    );
    props.alarms.function(this, this.function, props.name);
  }
}
