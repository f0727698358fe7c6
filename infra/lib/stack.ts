import { CfnOutput, Duration, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { Alarms } from './alarms';
import { AWS_MANAGED_KEY, checkovSkip } from './checkov';
import { WebhookBridge } from './bridge';
import { functionCode } from './code';
import { deadLetterQueue } from './queues';
import { RuleFile } from './rules';
import { Settings, personalDataEnvironment } from './settings';
import { SinkPipeline } from './sink';
import { TicketTable } from './store';
import { TicketMetrics } from './metrics';

/** What the stack is built from. */
export interface TicketbridgeStackProps extends StackProps {
  /** Options (CDK context). */
  readonly settings: Settings;
  /** The rules to deploy (shipped, plus chosen examples). */
  readonly rules: RuleFile[];
}

/** The source of webhook-bridge's Zendesk events (its default `EVENT_SOURCE`). */
export const BRIDGE_SOURCE = 'ticketbridge.zendesk';

/** The whole pipeline: buses, rules, one topic and Lambda per sink, webhook-bridge, alarms. */
export class TicketbridgeStack extends Stack {
  /** Each sink by rule target name. */
  readonly sinks: Record<string, SinkPipeline>;
  /** The ticket store's table, with the `ticketStore` option. */
  readonly ticketTable?: dynamodb.Table;
  /** Where Lambda names the stream batches mixpanel-sink gave up on (`mixpanelProfiles=store`). */
  readonly profileStreamFailed?: sqs.Queue;

  constructor(scope: Construct, id: string, props: TicketbridgeStackProps) {
    super(scope, id, props);
    const settings = props.settings;
    const logRetention = settings.logRetentionDays as logs.RetentionDays;

    // With customerManagedKey, one key encrypts every queue, topic, log group and secret.
    const dataKey = settings.customerManagedKey ? this.dataKey() : undefined;
    const alarmTopic = settings.alarmEmail ? this.alarmTopic(settings.alarmEmail, dataKey) : undefined;
    const alarms = new Alarms(alarmTopic);

    // Topics are encrypted with a key EventBridge may use (it cannot use the AWS-managed SNS key).
    const key =
      dataKey ??
      new kms.Key(this, 'TopicKey', {
        description: 'ticketbridge: encrypts the sink topics',
        enableKeyRotation: true,
      });
    if (!dataKey) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }

    const secret = (id: string, description: string) => {
      const created = new secretsmanager.Secret(this, id, {
        description: `ticketbridge: ${description} (fill with: aws secretsmanager put-secret-value)`,
        encryptionKey: dataKey,
      });
      if (!dataKey) {
        checkovSkip(created, [{ id: 'CKV_AWS_149', comment: AWS_MANAGED_KEY }]);
      }
      return created;
    };
    const personalData = personalDataEnvironment(settings.personalData);
    const mixpanelSecrets: Record<string, secretsmanager.ISecret> = {
      MIXPANEL_PROJECT_TOKEN_ARN: secret('MixpanelProjectToken', 'Mixpanel project token'),
    };
    const mixpanelEnv: Record<string, string> = {
      MIXPANEL_REGION: settings.mixpanelRegion,
      MIXPANEL_DISTINCT_ID: settings.mixpanelDistinctId,
      MIXPANEL_PROFILES: settings.mixpanelProfiles,
      ...personalData,
    };
    if (settings.mixpanelGroupKey) {
      mixpanelEnv.MIXPANEL_GROUP_KEY = settings.mixpanelGroupKey;
    }
    if (settings.mixpanelServiceAccountUsername && settings.mixpanelProjectId) {
      mixpanelSecrets.MIXPANEL_SERVICE_ACCOUNT_SECRET_ARN = secret(
        'MixpanelServiceAccountSecret',
        'Mixpanel service account secret',
      );
      mixpanelEnv.MIXPANEL_SERVICE_ACCOUNT_USERNAME = settings.mixpanelServiceAccountUsername;
      mixpanelEnv.MIXPANEL_PROJECT_ID = settings.mixpanelProjectId;
    }
    const fullstorySecrets: Record<string, secretsmanager.ISecret> = {
      FULLSTORY_API_KEY_ARN: secret('FullStoryApiKey', 'FullStory server API key'),
    };
    const fullstoryEnv: Record<string, string> = { FULLSTORY_USER_ID: settings.fullstoryUserId, ...personalData };
    // Each Zendesk reader has its own token: fullstory-sink's looks users up (an agent's, read
    // scope), ticket-metrics' reads the incremental export (an admin's). Neither function can
    // read the other's.
    if (settings.zendeskSubdomain && settings.fullstoryUserId !== 'requester_id') {
      fullstorySecrets.ZENDESK_OAUTH_TOKEN_ARN = secret(
        'ZendeskUsersToken',
        'Zendesk OAuth token for fullstory-sink\'s requester lookups (an agent\'s, read scope)',
      );
      fullstoryEnv.ZENDESK_SUBDOMAIN = settings.zendeskSubdomain;
    }
    const zendeskExportToken =
      settings.ticketMetrics && settings.zendeskSubdomain
        ? secret('ZendeskExportToken', 'Zendesk OAuth token for ticket-metrics\' incremental export (an admin\'s, read scope)')
        : undefined;
    const bridgeSecrets: Record<string, secretsmanager.ISecret> = {
      ZENDESK_WEBHOOK_SECRETS_ARN: secret('ZendeskWebhookSecrets', 'Zendesk webhook signing secrets, comma-separated'),
    };
    if (settings.intercom) {
      bridgeSecrets.INTERCOM_WEBHOOK_SECRET_ARN = secret('IntercomWebhookSecret', 'Intercom app client secret');
    }

    const sink = (id: string, name: string, environment: Record<string, string>, secrets: Record<string, secretsmanager.ISecret>, batchSize: number) =>
      new SinkPipeline(this, id, {
        name,
        code: functionCode(settings.lambdaDir, name),
        memorySize: 256,
        timeout: Duration.seconds(60),
        environment,
        secrets,
        logRetention,
        key,
        dataKey,
        highVolume: settings.highVolume,
        batchSize,
        alarms,
      });
    this.sinks = {
      mixpanel: sink('Mixpanel', 'mixpanel-sink', mixpanelEnv, mixpanelSecrets, 100),
      fullstory: sink('FullStory', 'fullstory-sink', fullstoryEnv, fullstorySecrets, 50),
    };
    if (settings.ticketStore) {
      const tickets = new TicketTable(this, 'Tickets', { dataKey });
      this.ticketTable = tickets.table;
      const store = sink('Store', 'ticket-store', { TICKET_TABLE: tickets.table.tableName, ...personalData }, {}, 100);
      // It may write its table, item by item, and nothing else (no index, no other table).
      store.function.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [tickets.table.tableArn] }),
      );
      dataKey?.grantEncryptDecrypt(store.function);
      this.sinks.store = store;
      if (settings.mixpanelProfiles === 'store') {
        this.profileStreamFailed = this.profilesFromStream(tickets.table, this.sinks.mixpanel.function, alarms, dataKey);
      }
    }

    // Buses: the bridge's own, and the retired connector's partner bus when there is one.
    const bridgeBus = new events.EventBus(this, 'Bus', { eventBusName: `${id}-events` });
    const buses: Record<string, events.IEventBus> = { Bridge: bridgeBus };
    if (settings.zendeskPartnerEventSource) {
      buses.Partner = events.EventBus.fromEventBusName(this, 'PartnerBus', settings.zendeskPartnerEventSource);
    }

    // Events a rule could not hand to its topic.
    const unrouted = deadLetterQueue(this, 'Unrouted', dataKey);
    alarms.deadLetters(this, 'UnroutedAlarm', unrouted, 'EventBridge could not publish matched events to a sink topic.');

    for (const rule of props.rules) {
      const sinkForRule = this.sinks[rule.target];
      if (!sinkForRule) {
        throw new Error(`rule ${rule.name}: no sink called ${rule.target}`);
      }
      for (const [busId, bus] of Object.entries(buses)) {
        new events.Rule(this, `${busId}-${rule.name}`, {
          eventBus: bus,
          description: rule.description.slice(0, 512),
          eventPattern: cdkPattern(rule.pattern),
          targets: [new targets.SnsTopic(sinkForRule.topic, { deadLetterQueue: unrouted, retryAttempts: 185 })],
        });
      }
    }

    const bridge = new WebhookBridge(this, 'WebhookBridge', {
      name: 'webhook-bridge',
      code: functionCode(settings.lambdaDir, 'webhook-bridge'),
      memorySize: 128,
      timeout: Duration.seconds(10),
      secrets: bridgeSecrets,
      environment: personalData,
      logRetention,
      dataKey,
      reservedConcurrentExecutions: settings.bridgeReservedConcurrency,
      bus: bridgeBus,
      alarms,
    });

    const metrics =
      settings.ticketMetrics && settings.zendeskSubdomain && zendeskExportToken
        ? new TicketMetrics(this, 'TicketMetrics', {
            code: functionCode(settings.lambdaDir, 'ticket-metrics'),
            schedule: settings.metricsSchedule,
            environment: { ...mixpanelEnv, ZENDESK_SUBDOMAIN: settings.zendeskSubdomain },
            secrets: { ...mixpanelSecrets, ZENDESK_OAUTH_TOKEN_ARN: zendeskExportToken },
            logRetention,
            alarms,
            dataKey,
            bus: bridgeBus,
          })
        : undefined;

    const allSecrets = { ...mixpanelSecrets, ...fullstorySecrets, ...bridgeSecrets };
    for (const created of [...Object.values(allSecrets), ...(zendeskExportToken ? [zendeskExportToken] : [])]) {
      NagSuppressions.addResourceSuppressions(created, [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'Third-party credentials (Mixpanel, FullStory, Zendesk, Intercom) are issued and rotated in those services; there is no rotation Lambda that could do it.',
        },
      ]);
    }

    new CfnOutput(this, 'ZendeskWebhookUrl', {
      value: Fn.join('', [bridge.url.url, 'zendesk']),
      description: 'Zendesk Admin Center > Webhooks: endpoint URL (POST, JSON, signed)',
    });
    if (settings.intercom) {
      new CfnOutput(this, 'IntercomWebhookUrl', {
        value: Fn.join('', [bridge.url.url, 'intercom']),
        description: 'Intercom Developer Hub > Webhooks: endpoint URL',
      });
    }
    new CfnOutput(this, 'EventBusName', { value: bridgeBus.eventBusName, description: 'webhook-bridge publishes here' });
    for (const [name, pipeline] of Object.entries(this.sinks)) {
      new CfnOutput(this, `${name}TopicArn`, { value: pipeline.topic.topicArn, description: `${name} sink topic` });
      new CfnOutput(this, `${name}FailedQueue`, {
        value: pipeline.failed.queueName,
        description: `${name}: records the sink gave up on`,
      });
      new CfnOutput(this, `${name}UndeliveredQueue`, {
        value: pipeline.undelivered.queueName,
        description: `${name}: messages SNS could not deliver`,
      });
    }
    if (this.profileStreamFailed) {
      new CfnOutput(this, 'ProfileStreamFailedQueue', {
        value: this.profileStreamFailed.queueName,
        description: 'mixpanel-sink: ticket store stream batches it gave up on (shard and sequence numbers)',
      });
    }
    new CfnOutput(this, 'UnroutedQueue', { value: unrouted.queueName, description: 'events a rule could not publish' });
    if (metrics) {
      new CfnOutput(this, 'MetricsCursorParameter', {
        value: metrics.cursor.parameterName,
        description: 'ticket-metrics: the Zendesk export cursor (set to "none" to start over from LOOKBACK_HOURS)',
      });
      new CfnOutput(this, 'MetricsSlaCursorParameter', {
        value: metrics.slaCursor.parameterName,
        description: 'ticket-metrics: the metric event export position for SLA events (set to "none" to start over from LOOKBACK_HOURS)',
      });
      new CfnOutput(this, 'MetricsFailedRunsQueue', {
        value: metrics.failedRuns.queueName,
        description: 'ticket-metrics: runs that failed twice (the error names the status and the page)',
      });
      new CfnOutput(this, 'MetricsMissedQueue', {
        value: metrics.missed.queueName,
        description: 'ticket-metrics: scheduled runs EventBridge could not start',
      });
    }
    if (alarmTopic) {
      new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn });
    }
  }

  /**
   * `mixpanelProfiles=store`: the table's stream invokes mixpanel-sink, in order per ticket. A failed
   * record is retried alone (bisect, partial batch answers); after ten attempts Lambda names the batch
   * (shard, sequence numbers) in the returned queue, and the table still holds the ticket's newest state.
   */
  private profilesFromStream(table: dynamodb.Table, sinkFunction: lambda.IFunction, alarms: Alarms, dataKey?: kms.IKey): sqs.Queue {
    const failed = deadLetterQueue(this, 'ProfileStreamFailed', dataKey);
    alarms.deadLetters(
      this,
      'ProfileStreamFailedAlarm',
      failed,
      'mixpanel-sink gave up on ticket store changes: the queue names the stream batch; the table holds each ticket\'s newest state.',
    );
    // Grants what the mapping reads with: DescribeStream, GetRecords and GetShardIterator on the
    // stream, ListStreams (which returns stream ARNs, no data), and the key to decrypt it.
    sinkFunction.addEventSource(
      new sources.DynamoEventSource(table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 1000,
        maxBatchingWindow: Duration.seconds(5),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        parallelizationFactor: 1,
        onFailure: new sources.SqsDlq(failed),
      }),
    );
    if (sinkFunction.role) {
      NagSuppressions.addResourceSuppressions(
        sinkFunction.role,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'The DynamoDB event source grants dynamodb:ListStreams on * (as CDK\'s grantStreamRead does): it returns stream ARNs, never an item; the reads (DescribeStream, GetRecords, GetShardIterator) are on this table\'s stream only.',
            appliesTo: ['Resource::*'],
          },
        ],
        true,
      );
    }
    return failed;
  }

  /** The customer-managed key: the services that write with it on the stack's behalf may use it. */
  private dataKey(): kms.Key {
    const key = new kms.Key(this, 'DataKey', {
      description: 'ticketbridge: encrypts every queue, topic, log group and secret (customerManagedKey)',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [
          new iam.ServicePrincipal('events.amazonaws.com'),
          new iam.ServicePrincipal('sns.amazonaws.com'),
          new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
        ],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${this.region}:${this.account}:log-group:*` },
        },
      }),
    );
    return key;
  }

  private alarmTopic(email: string, dataKey?: kms.IKey): sns.Topic {
    const topic = new sns.Topic(this, 'Alarms', {
      displayName: 'ticketbridge alarms',
      enforceSSL: true,
      masterKey: dataKey ?? kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }
}

/** A rule file's pattern as CDK's `EventPattern` (which spells `detail-type` as `detailType`). */
export function cdkPattern(pattern: Record<string, unknown>): events.EventPattern {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    out[key === 'detail-type' ? 'detailType' : key] = value;
  }
  return out as events.EventPattern;
}
