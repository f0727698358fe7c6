import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { AWS_MANAGED_KEY, checkovSkip } from './checkov';

/** How a queue is encrypted: with the customer-managed key when there is one, else by SQS. */
export function queueEncryption(key?: kms.IKey): Pick<sqs.QueueProps, 'encryption' | 'encryptionMasterKey'> {
  return key
    ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key }
    : { encryption: sqs.QueueEncryption.SQS_MANAGED };
}

/** An encrypted, TLS-only queue that keeps failed messages for the 14 days SQS allows. */
export function deadLetterQueue(scope: Construct, id: string, key?: kms.IKey): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    ...queueEncryption(key),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  if (!key) {
    checkovSkip(queue, [{ id: 'CKV_AWS_27', comment: `SQS-managed server-side encryption (SqsManagedSseEnabled). ${AWS_MANAGED_KEY}` }]);
  }
  NagSuppressions.addResourceSuppressions(queue, [
    { id: 'AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter queue; its depth is alarmed on.' },
  ]);
  return queue;
}
