import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ruleFiles, synth } from './fixture';

type Resources = Record<string, { Type: string; Properties: any }>;

function resources(template: { toJSON(): any }, type: string): Resources {
  const all: Resources = template.toJSON().Resources;
  return Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type));
}

/** The logical id of the one resource of `type` whose id contains `fragment`. */
function idOf(template: { toJSON(): any }, type: string, fragment: string): string {
  const ids = Object.keys(resources(template, type)).filter((id) => id.includes(fragment));
  assert.equal(ids.length, 1, `${type} ${fragment}: ${ids.join(', ')}`);
  return ids[0];
}

/** The event-pattern rules (routing), not the metrics schedule. */
function patternRules(template: { toJSON(): any }): Resources {
  return Object.fromEntries(Object.entries(resources(template, 'AWS::Events::Rule')).filter(([, r]) => r.Properties.EventPattern));
}

test('every shipped rule file becomes a rule with its exact pattern, targeting its sink topic', () => {
  const { template } = synth();
  const rules = Object.values(patternRules(template));
  const files = ruleFiles();
  assert.equal(rules.length, files.length);
  for (const file of files) {
    const deployed = rules.filter((r) => JSON.stringify(r.Properties.EventPattern) === JSON.stringify(file.pattern));
    assert.equal(deployed.length, 1, file.name);
    const rule = deployed[0].Properties;
    assert.equal(rule.Description, file.description);
    assert.deepEqual(rule.EventBusName, { Ref: idOf(template, 'AWS::Events::EventBus', 'Bus') });
    const topic = idOf(template, 'AWS::SNS::Topic', file.target === 'mixpanel' ? 'Mixpanel' : 'FullStory');
    assert.deepEqual(rule.Targets[0].Arn, { Ref: topic });
    assert.ok(rule.Targets[0].DeadLetterConfig, `${file.name} target has a dead-letter queue`);
  }
});

test('the partner bus gets the same rules when zendeskPartnerEventSource is given', () => {
  const source = 'aws.partner/zendesk.com/7654321/default';
  const { template } = synth({ zendeskPartnerEventSource: source });
  const rules = Object.values(patternRules(template));
  const onPartner = rules.filter((r) => r.Properties.EventBusName === source);
  assert.equal(onPartner.length, ruleFiles().length);
  assert.equal(rules.length, 2 * ruleFiles().length);
  assert.deepEqual(
    onPartner.map((r) => r.Properties.EventPattern).sort(),
    ruleFiles().map((f) => f.pattern).sort(),
  );
});

test('example rules deploy only when named, and an unknown name is refused', () => {
  const { template } = synth({ exampleRules: 'urgent-tickets-to-fullstory,low-ratings-to-fullstory' });
  const patterns = Object.values(patternRules(template)).map((r) => JSON.stringify(r.Properties.EventPattern));
  for (const example of ruleFiles(['urgent-tickets-to-fullstory', 'low-ratings-to-fullstory']).filter((r) => r.example)) {
    assert.ok(patterns.includes(JSON.stringify(example.pattern)), example.name);
  }
  assert.equal(patterns.length, ruleFiles().length + 2);
  assert.throws(() => synth({ exampleRules: 'no-such-rule' }), /exampleRules: no example rule "no-such-rule"/);
});

test('functions: provided.al2023 on arm64, JSON logs, retention, memory and timeout per function', () => {
  const { template } = synth({ logRetentionDays: 14 });
  const functions = Object.values(resources(template, 'AWS::Lambda::Function')).filter((f) =>
    String(f.Properties.Description ?? '').startsWith('ticketbridge '),
  );
  assert.equal(functions.length, 4);
  const byName = Object.fromEntries(functions.map((f) => [f.Properties.Description.replace('ticketbridge ', ''), f.Properties]));
  for (const [name, memory, timeout] of [
    ['mixpanel-sink', 256, 60],
    ['fullstory-sink', 256, 60],
    ['webhook-bridge', 128, 10],
    ['ticket-metrics', 256, 900],
  ] as const) {
    const fn = byName[name];
    assert.equal(fn.Runtime, 'provided.al2023', name);
    assert.deepEqual(fn.Architectures, ['arm64'], name);
    assert.equal(fn.Handler, 'bootstrap', name);
    assert.equal(fn.MemorySize, memory, name);
    assert.equal(fn.Timeout, timeout, name);
    assert.equal(fn.LoggingConfig.LogFormat, 'JSON', name);
  }
  for (const group of Object.values(resources(template, 'AWS::Logs::LogGroup'))) {
    assert.equal(group.Properties.RetentionInDays, 14);
  }
});

test('default mode: SNS invokes each sink, with a subscription DLQ and an async on-failure DLQ', () => {
  const { template } = synth();
  const subscriptions = Object.values(resources(template, 'AWS::SNS::Subscription'));
  assert.equal(subscriptions.length, 2);
  for (const s of subscriptions) {
    assert.equal(s.Properties.Protocol, 'lambda');
    assert.ok(s.Properties.RedrivePolicy.deadLetterTargetArn);
  }
  const invokeConfigs = Object.values(resources(template, 'AWS::Lambda::EventInvokeConfig')).filter(
    (c) => !JSON.stringify(c.Properties.FunctionName).includes('TicketMetrics'),
  );
  assert.equal(invokeConfigs.length, 2);
  for (const c of invokeConfigs) {
    assert.equal(c.Properties.MaximumRetryAttempts, 2);
    assert.ok(c.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0].includes('Failed'));
  }
  assert.equal(Object.keys(resources(template, 'AWS::Lambda::EventSourceMapping')).length, 0);
});

test('highVolume: SNS → SQS (raw) → Lambda with batching, partial batch failures and redrive', () => {
  const { template } = synth({ highVolume: true });
  const subscriptions = Object.values(resources(template, 'AWS::SNS::Subscription'));
  assert.equal(subscriptions.length, 2);
  for (const s of subscriptions) {
    assert.equal(s.Properties.Protocol, 'sqs');
    assert.equal(s.Properties.RawMessageDelivery, true);
    assert.ok(s.Properties.RedrivePolicy.deadLetterTargetArn);
  }
  const mappings = Object.values(resources(template, 'AWS::Lambda::EventSourceMapping'));
  assert.deepEqual(mappings.map((m) => m.Properties.BatchSize).sort(), [100, 50]);
  for (const m of mappings) {
    assert.deepEqual(m.Properties.FunctionResponseTypes, ['ReportBatchItemFailures']);
    assert.equal(m.Properties.MaximumBatchingWindowInSeconds, 5);
  }
  const queues = Object.values(resources(template, 'AWS::SQS::Queue')).filter((q) => q.Properties.RedrivePolicy);
  assert.equal(queues.length, 2);
  for (const q of queues) {
    assert.equal(q.Properties.RedrivePolicy.maxReceiveCount, 5);
    assert.equal(q.Properties.VisibilityTimeout, 360);
  }
});

test('webhook-bridge: a Function URL with auth NONE, PutEvents on its bus only (like ticket-metrics), reserved concurrency', () => {
  const { template } = synth({ bridgeReservedConcurrency: 20 });
  const urls = Object.values(resources(template, 'AWS::Lambda::Url'));
  assert.equal(urls.length, 1);
  assert.equal(urls[0].Properties.AuthType, 'NONE');
  const bus = idOf(template, 'AWS::Events::EventBus', 'Bus');
  const putEvents = Object.values(resources(template, 'AWS::IAM::Policy')).flatMap((p) =>
    p.Properties.PolicyDocument.Statement.filter((s: any) => [s.Action].flat().includes('events:PutEvents')),
  );
  assert.equal(putEvents.length, 2, 'webhook-bridge and ticket-metrics (SLA events)');
  for (const statement of putEvents) {
    assert.deepEqual(statement.Resource, { 'Fn::GetAtt': [bus, 'Arn'] });
  }
  const bridge = Object.values(resources(template, 'AWS::Lambda::Function')).find(
    (f) => f.Properties.Description === 'ticketbridge webhook-bridge',
  )!;
  assert.equal(bridge.Properties.ReservedConcurrentExecutions, 20);
  assert.deepEqual(bridge.Properties.Environment.Variables.EVENT_BUS_NAME, { Ref: bus });
});

test('secrets: passed as ARNs, readable only by the function that needs them, no value in the template', () => {
  const { template } = synth();
  const json = JSON.stringify(template.toJSON());
  assert.ok(!json.includes('"SecretString"'), 'no secret value in the template');
  assert.ok(json.includes('"GenerateSecretString"'), 'secrets start with a generated stand-in until filled');
  const functions = Object.values(resources(template, 'AWS::Lambda::Function'));
  const env = (description: string) =>
    functions.find((f) => f.Properties.Description === description)!.Properties.Environment.Variables;
  const secretId = (fragment: string) => idOf(template, 'AWS::SecretsManager::Secret', fragment);
  assert.deepEqual(env('ticketbridge mixpanel-sink').MIXPANEL_PROJECT_TOKEN_ARN, { Ref: secretId('MixpanelProjectToken') });
  assert.deepEqual(env('ticketbridge fullstory-sink').FULLSTORY_API_KEY_ARN, { Ref: secretId('FullStoryApiKey') });
  assert.deepEqual(env('ticketbridge fullstory-sink').ZENDESK_OAUTH_TOKEN_ARN, { Ref: secretId('ZendeskUsersToken') });
  assert.deepEqual(env('ticketbridge ticket-metrics').ZENDESK_OAUTH_TOKEN_ARN, { Ref: secretId('ZendeskExportToken') });
  assert.equal(env('ticketbridge fullstory-sink').ZENDESK_SUBDOMAIN, 'acme');
  assert.deepEqual(env('ticketbridge webhook-bridge').ZENDESK_WEBHOOK_SECRETS_ARN, { Ref: secretId('ZendeskWebhookSecrets') });
  assert.deepEqual(env('ticketbridge webhook-bridge').INTERCOM_WEBHOOK_SECRET_ARN, { Ref: secretId('IntercomWebhookSecret') });

  // Each role's GetSecretValue covers exactly its own function's secrets.
  const readers: Record<string, string[]> = {};
  for (const [id, policy] of Object.entries(resources(template, 'AWS::IAM::Policy'))) {
    for (const s of policy.Properties.PolicyDocument.Statement) {
      if ([s.Action].flat().includes('secretsmanager:GetSecretValue')) {
        readers[id] = [...(readers[id] ?? []), s.Resource.Ref];
      }
    }
  }
  const owner = (fragment: string) => Object.entries(readers).filter(([id]) => id.startsWith(fragment)).flatMap(([, r]) => r).sort();
  assert.deepEqual(owner('Mixpanel'), [secretId('MixpanelProjectToken')]);
  assert.deepEqual(owner('FullStory'), [secretId('FullStoryApiKey'), secretId('ZendeskUsersToken')].sort());
  assert.deepEqual(owner('WebhookBridge'), [secretId('IntercomWebhookSecret'), secretId('ZendeskWebhookSecrets')].sort());
  assert.deepEqual(owner('TicketMetrics'), [secretId('MixpanelProjectToken'), secretId('ZendeskExportToken')].sort());

  // FullStory keyed by Zendesk user id looks nobody up: no Zendesk token for it at all.
  const byId = synth({ fullstoryUserId: 'requester_id' }).template;
  const fullstory = Object.values(resources(byId, 'AWS::Lambda::Function')).find(
    (f) => f.Properties.Description === 'ticketbridge fullstory-sink',
  )!;
  assert.equal(fullstory.Properties.Environment.Variables.ZENDESK_OAUTH_TOKEN_ARN, undefined);
  assert.equal(Object.keys(resources(byId, 'AWS::SecretsManager::Secret')).filter((id) => id.includes('ZendeskUsers')).length, 0);
});

test('webhook-bridge: reserved concurrency by default, so its public URL cannot take the account', () => {
  const bridge = Object.values(resources(synth().template, 'AWS::Lambda::Function')).find(
    (f) => f.Properties.Description === 'ticketbridge webhook-bridge',
  )!;
  assert.equal(bridge.Properties.ReservedConcurrentExecutions, 10);
  assert.throws(() => synth({ bridgeReservedConcurrency: 0 }), /bridgeReservedConcurrency: expected an integer from 1 to 1000/);
});

test('personal data: the bridge and both sinks get the same opt-ins, and by default none', () => {
  const functions = (context: Record<string, unknown>) =>
    Object.values(resources(synth(context).template, 'AWS::Lambda::Function')).filter((f) =>
      ['ticketbridge webhook-bridge', 'ticketbridge mixpanel-sink', 'ticketbridge fullstory-sink', 'ticketbridge ticket-metrics'].includes(
        f.Properties.Description,
      ),
    );
  for (const f of functions({})) {
    const v = f.Properties.Environment.Variables;
    assert.equal(v.INCLUDE_COMMENT_BODY, 'false', f.Properties.Description);
    assert.equal(v.INCLUDE_SUBJECT, 'false', f.Properties.Description);
    assert.equal(v.CUSTOM_FIELD_VALUES, undefined);
    assert.equal(v.EXTRA_PROPERTIES, undefined);
  }
  const opted = functions({
    includeCommentBody: true,
    customFieldValues: '360000001234, 360000009999',
    extraProperties: 'plan_tier',
  });
  assert.equal(opted.length, 4);
  for (const f of opted) {
    const v = f.Properties.Environment.Variables;
    assert.equal(v.INCLUDE_COMMENT_BODY, 'true', f.Properties.Description);
    assert.equal(v.CUSTOM_FIELD_VALUES, '360000001234,360000009999');
    assert.equal(v.EXTRA_PROPERTIES, 'plan_tier');
  }
  assert.throws(() => synth({ customFieldValues: 'plan' }), /customFieldValues: expected comma-separated custom field ids/);
  assert.throws(() => synth({ extraProperties: 'a.b' }), /extraProperties: expected comma-separated key names/);
});

test('customerManagedKey: one rotated key encrypts every queue, topic, log group and secret', () => {
  const { template } = synth({ customerManagedKey: true, alarmEmail: 'ops@example.com' });
  const keys = Object.keys(resources(template, 'AWS::KMS::Key'));
  assert.equal(keys.length, 1, keys.join(', '));
  const key = { 'Fn::GetAtt': [keys[0], 'Arn'] };
  assert.equal(resources(template, 'AWS::KMS::Key')[keys[0]].Properties.EnableKeyRotation, true);
  for (const q of Object.values(resources(template, 'AWS::SQS::Queue'))) {
    assert.deepEqual(q.Properties.KmsMasterKeyId, key);
  }
  for (const t of Object.values(resources(template, 'AWS::SNS::Topic'))) {
    assert.deepEqual(t.Properties.KmsMasterKeyId, key);
  }
  for (const g of Object.values(resources(template, 'AWS::Logs::LogGroup'))) {
    assert.deepEqual(g.Properties.KmsKeyId, key);
  }
  for (const s of Object.values(resources(template, 'AWS::SecretsManager::Secret'))) {
    assert.deepEqual(s.Properties.KmsKeyId, key);
  }
  // Without it, no log group or secret names a key.
  const plain = synth().template;
  for (const g of Object.values(resources(plain, 'AWS::Logs::LogGroup'))) {
    assert.equal(g.Properties.KmsKeyId, undefined);
  }
});

test('ticket-metrics: a failed run is retried once, then lands in an alarmed failed-runs queue', () => {
  const { template } = synth();
  const configs = Object.values(resources(template, 'AWS::Lambda::EventInvokeConfig'));
  const metrics = idOf(template, 'AWS::Lambda::Function', 'TicketMetrics');
  const config = configs.find((c) => c.Properties.FunctionName.Ref === metrics)!;
  assert.equal(config.Properties.MaximumRetryAttempts, 1);
  const failedRuns = idOf(template, 'AWS::SQS::Queue', 'FailedRuns');
  assert.deepEqual(config.Properties.DestinationConfig.OnFailure.Destination, { 'Fn::GetAtt': [failedRuns, 'Arn'] });
  const alarmed = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).filter(
    (a) => JSON.stringify(a.Properties.Dimensions ?? []).includes(failedRuns),
  );
  assert.equal(alarmed.length, 1);
});

test('alarms: every DLQ, function errors and throttles, the bridge 4xx/5xx rates; e-mail when asked', () => {
  const { template } = synth({ alarmEmail: 'support-ops@example.com' });
  const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm'));
  // 2 sinks × (2 DLQs + errors + throttles) + unrouted DLQ + bridge (errors, throttles, 4xx, 5xx)
  // + ticket-metrics (errors, throttles, missed-schedule and failed-runs DLQs).
  assert.equal(alarms.length, 17);
  const dlqAlarms = alarms.filter((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
  assert.equal(dlqAlarms.length, 7);
  for (const a of dlqAlarms) {
    assert.equal(a.Properties.Threshold, 0);
    assert.equal(a.Properties.ComparisonOperator, 'GreaterThanThreshold');
  }
  const rates = alarms.filter((a) => a.Properties.Metrics);
  assert.deepEqual(rates.map((a) => a.Properties.Threshold).sort(), [1, 10]);
  const topic = idOf(template, 'AWS::SNS::Topic', 'Alarms');
  for (const a of alarms) {
    assert.deepEqual(a.Properties.AlarmActions, [{ Ref: topic }]);
  }
  const email = Object.values(resources(template, 'AWS::SNS::Subscription')).filter((s) => s.Properties.Protocol === 'email');
  assert.equal(email[0].Properties.Endpoint, 'support-ops@example.com');
  assert.equal(Object.keys(resources(synth().template, 'AWS::SNS::Topic')).length, 2, 'no alarm topic unless asked');
});

test('outputs: the webhook URLs, topic ARNs and dead-letter queue names', () => {
  const outputs = Object.keys(synth().template.toJSON().Outputs);
  for (const name of [
    'ZendeskWebhookUrl',
    'IntercomWebhookUrl',
    'EventBusName',
    'mixpanelTopicArn',
    'fullstoryTopicArn',
    'mixpanelFailedQueue',
    'mixpanelUndeliveredQueue',
    'fullstoryFailedQueue',
    'fullstoryUndeliveredQueue',
    'UnroutedQueue',
    'MetricsCursorParameter',
    'MetricsMissedQueue',
    'MetricsFailedRunsQueue',
  ]) {
    assert.ok(outputs.includes(name), name);
  }
});

for (const [name, context] of Object.entries({
  default: {},
  highVolume: { highVolume: true },
  'customerManagedKey, highVolume, alarm e-mail': { customerManagedKey: true, highVolume: true, alarmEmail: 'ops@example.com' },
  'ticketStore, customerManagedKey, highVolume': { ticketStore: true, customerManagedKey: true, highVolume: true },
  'ticketStore, mixpanelProfiles=store': { ticketStore: true, mixpanelProfiles: 'store' },
  'ticketStore, mixpanelProfiles=store, customerManagedKey': { ticketStore: true, mixpanelProfiles: 'store', customerManagedKey: true },
  'partner bus, examples, alarm e-mail': {
    zendeskPartnerEventSource: 'aws.partner/zendesk.com/7654321/default',
    exampleRules: 'vip-tickets-to-fullstory',
    alarmEmail: 'ops@example.com',
  },
})) {
  test(`cdk-nag AwsSolutionsChecks: no unacknowledged finding (${name})`, () => {
    const { stack } = synth(context);
    const findings = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    assert.deepEqual(
      findings.map((f) => `${f.id}: ${String(f.entry.data).split('\n')[0]}`),
      [],
    );
  });
}

test('mixpanel-sink: the group key and the distinct id come from context and deploy the account events rule; a bad key is refused', () => {
  const sinkEnv = (context: Record<string, string>) => {
    const { template } = synth(context);
    const fn = Object.values(resources(template, 'AWS::Lambda::Function')).find(
      (f) => f.Properties.Description === 'ticketbridge mixpanel-sink',
    )!;
    return fn.Properties.Environment.Variables;
  };
  const defaults = sinkEnv({});
  assert.equal(defaults.MIXPANEL_DISTINCT_ID, 'ticket');
  assert.equal(defaults.MIXPANEL_GROUP_KEY, undefined);
  const groups = sinkEnv({ mixpanelGroupKey: 'organization_id', mixpanelDistinctId: 'requester' });
  assert.equal(groups.MIXPANEL_GROUP_KEY, 'organization_id');
  assert.equal(groups.MIXPANEL_DISTINCT_ID, 'requester');
  assert.throws(() => synth({ mixpanelGroupKey: '$group' }), /context mixpanelGroupKey/);
  // The rule for user and organization events is deployed only with those settings.
  const accountRules = (context: Record<string, string>) =>
    Object.values(resources(synth(context).template, 'AWS::Events::Rule')).filter((r) =>
      String(r.Properties.Description ?? '').startsWith('Zendesk user and organization events'),
    ).length;
  assert.equal(accountRules({}), 0);
  assert.ok(accountRules({ mixpanelGroupKey: 'organization_id' }) > 0);
  assert.ok(accountRules({ mixpanelDistinctId: 'requester' }) > 0);
  assert.throws(() => synth({ mixpanelDistinctId: 'user' }), /context mixpanelDistinctId/);
});

test('ticketStore: an on-demand, recoverable, encrypted, retained table with its stream and indexes, written only by ticket-store', () => {
  assert.equal(Object.keys(resources(synth({}).template, 'AWS::DynamoDB::Table')).length, 0, 'off by default');
  const { template } = synth({ ticketStore: true });
  const json = template.toJSON();
  const [tableId, table] = Object.entries(json.Resources).find(([, r]: [string, any]) => r.Type === 'AWS::DynamoDB::Table') as [string, any];
  assert.equal(table.DeletionPolicy, 'Retain');
  assert.equal(table.UpdateReplacePolicy, 'Retain');
  const p = table.Properties;
  assert.equal(p.BillingMode, 'PAY_PER_REQUEST');
  assert.deepEqual(p.KeySchema, [{ AttributeName: 'ticket_id', KeyType: 'HASH' }]);
  assert.equal(p.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled, true);
  assert.equal(p.SSESpecification.SSEEnabled, true);
  assert.equal(p.StreamSpecification.StreamViewType, 'NEW_IMAGE');
  assert.deepEqual(
    p.GlobalSecondaryIndexes.map((i: any) => [i.IndexName, i.KeySchema.map((k: any) => k.AttributeName)]),
    [
      ['by_status', ['status', 'updated_at']],
      ['by_requester', ['requester_id', 'updated_at']],
      ['by_organization', ['organization_id', 'updated_at']],
    ],
  );

  const functions = resources(template, 'AWS::Lambda::Function');
  const [storeId, store] = Object.entries(functions).find(([, f]) => f.Properties.Description === 'ticketbridge ticket-store')!;
  assert.deepEqual(store.Properties.Environment.Variables.TICKET_TABLE, { Ref: tableId });
  // Only ticket-store may touch the table, and only with UpdateItem on it.
  const dynamoStatements = Object.values(resources(template, 'AWS::IAM::Policy')).flatMap((policy) =>
    policy.Properties.PolicyDocument.Statement.filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('dynamodb:'))).map(
      (st: any) => ({ roles: policy.Properties.Roles, actions: [st.Action].flat(), resources: [st.Resource].flat() }),
    ),
  );
  assert.equal(dynamoStatements.length, 1, JSON.stringify(dynamoStatements));
  assert.deepEqual(dynamoStatements[0].actions, ['dynamodb:UpdateItem']);
  assert.deepEqual(dynamoStatements[0].roles, [{ Ref: store.Properties.Role['Fn::GetAtt'][0] }]);
  assert.ok(JSON.stringify(dynamoStatements[0].resources).includes(tableId));
  assert.ok(storeId);

  assert.equal(Object.keys(resources(template, 'AWS::Lambda::EventSourceMapping')).length, 0, 'no stream mapping unless profiles come from the store');

  // Its rule sends every ticket event to its topic.
  const rules = Object.values(patternRules(template)).filter((r) => String(r.Properties.Description).startsWith('Every Zendesk ticket event, from the legacy partner connector or from webhook-bridge, to the ticket store'));
  assert.equal(rules.length, 1);
});

test('ticketStore: its own topic, a queue in highVolume mode, dead-letter queues and alarms like the other sinks', () => {
  const { template } = synth({ ticketStore: true, highVolume: true });
  const json = template.toJSON();
  const ids = Object.keys(json.Resources);
  const storeQueue = ids.find((id) => id.startsWith('StoreQueue') && json.Resources[id].Type === 'AWS::SQS::Queue');
  assert.ok(storeQueue, 'a queue in front of ticket-store');
  const [storeId] = Object.entries(resources(template, 'AWS::Lambda::Function')).find(([, f]) => f.Properties.Description === 'ticketbridge ticket-store')!;
  const mapping = Object.values(resources(template, 'AWS::Lambda::EventSourceMapping')).find(
    (m) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify({ Ref: storeId }),
  )!;
  assert.deepEqual(mapping.Properties.EventSourceArn, { 'Fn::GetAtt': [storeQueue, 'Arn'] });
  assert.deepEqual(mapping.Properties.FunctionResponseTypes, ['ReportBatchItemFailures']);
  for (const queue of ['StoreFailed', 'StoreUndelivered']) {
    const queueId = ids.find((id) => id.startsWith(queue) && json.Resources[id].Type === 'AWS::SQS::Queue')!;
    assert.ok(queueId, queue);
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties.Dimensions ?? []).includes(queueId),
    );
    assert.equal(alarms.length, 1, `${queue} is alarmed on`);
  }
  const topics = Object.values(resources(template, 'AWS::SNS::Topic')).filter((t) => t.Properties.DisplayName === 'ticketbridge ticket-store');
  assert.equal(topics.length, 1);
});

test('mixpanelProfiles=store: the table stream invokes mixpanel-sink in order, bisecting, answering per record, with an on-failure queue; it may only read the stream', () => {
  assert.throws(() => synth({ mixpanelProfiles: 'store' }), /needs -c ticketStore=true/);
  assert.throws(() => synth({ ticketStore: true, mixpanelProfiles: 'stream' }), /context mixpanelProfiles/);
  const { template } = synth({ ticketStore: true, mixpanelProfiles: 'store' });
  const json = template.toJSON();
  const tableId = idOf(template, 'AWS::DynamoDB::Table', 'Tickets');
  const [sinkId, sink] = Object.entries(resources(template, 'AWS::Lambda::Function')).find(
    ([, f]) => f.Properties.Description === 'ticketbridge mixpanel-sink',
  )!;
  assert.equal(sink.Properties.Environment.Variables.MIXPANEL_PROFILES, 'store');

  const mappings = Object.values(resources(template, 'AWS::Lambda::EventSourceMapping'));
  assert.equal(mappings.length, 1);
  const mapping = mappings[0].Properties;
  assert.deepEqual(mapping.EventSourceArn, { 'Fn::GetAtt': [tableId, 'StreamArn'] });
  assert.deepEqual(mapping.FunctionName, { Ref: sinkId });
  assert.equal(mapping.StartingPosition, 'TRIM_HORIZON');
  assert.equal(mapping.BisectBatchOnFunctionError, true);
  assert.deepEqual(mapping.FunctionResponseTypes, ['ReportBatchItemFailures']);
  assert.equal(mapping.MaximumRetryAttempts, 10);
  assert.equal(mapping.ParallelizationFactor, 1, 'one batch at a time per shard: changes of a ticket stay in order');
  const failedId = idOf(template, 'AWS::SQS::Queue', 'ProfileStreamFailed');
  assert.deepEqual(mapping.DestinationConfig.OnFailure.Destination, { 'Fn::GetAtt': [failedId, 'Arn'] });
  const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).filter((a) =>
    JSON.stringify(a.Properties.Dimensions ?? []).includes(failedId),
  );
  assert.equal(alarms.length, 1, 'the on-failure queue is alarmed on');

  // mixpanel-sink reads the stream and nothing else of the table; ticket-store still only writes.
  const sinkRole = sink.Properties.Role['Fn::GetAtt'][0];
  const statements = Object.values(resources(template, 'AWS::IAM::Policy')).flatMap((policy) =>
    policy.Properties.PolicyDocument.Statement.filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('dynamodb:'))).map(
      (st: any) => ({ roles: policy.Properties.Roles, actions: [st.Action].flat().sort(), resources: [st.Resource].flat() }),
    ),
  );
  const sinkStatements = statements.filter((st) => JSON.stringify(st.roles).includes(sinkRole));
  assert.deepEqual(
    sinkStatements.map((st) => st.actions),
    [['dynamodb:ListStreams'], ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']],
  );
  assert.deepEqual(sinkStatements[0].resources, ['*'], 'ListStreams names streams, reads no item');
  assert.deepEqual(sinkStatements[1].resources, [{ 'Fn::GetAtt': [tableId, 'StreamArn'] }]);
  const others = statements.filter((st) => !JSON.stringify(st.roles).includes(sinkRole));
  assert.deepEqual(others.map((st) => st.actions), [['dynamodb:UpdateItem']]);
  assert.ok(json.Outputs.ProfileStreamFailedQueue);
});

test('ticket-metrics: on a schedule, one run at a time, writing only its own cursor parameter', () => {
  const { template } = synth({ metricsSchedule: 'cron(15 * * * ? *)' });
  const json = template.toJSON();
  const fnId = Object.entries(resources(template, 'AWS::Lambda::Function')).find(
    ([, f]) => f.Properties.Description === 'ticketbridge ticket-metrics',
  )![0];
  const fn = json.Resources[fnId].Properties;
  assert.equal(fn.ReservedConcurrentExecutions, 1);
  const parameter = idOf(template, 'AWS::SSM::Parameter', 'MetricsCursor');
  const slaParameter = idOf(template, 'AWS::SSM::Parameter', 'SlaCursor');
  assert.equal(json.Resources[slaParameter].Properties.Value, 'none');
  assert.deepEqual(fn.Environment.Variables.SLA_CURSOR_PARAMETER, { Ref: slaParameter });
  assert.deepEqual(fn.Environment.Variables.EVENT_BUS_NAME, { Ref: idOf(template, 'AWS::Events::EventBus', 'Bus') });
  assert.equal(json.Resources[parameter].Properties.Value, 'none');
  assert.deepEqual(fn.Environment.Variables.CURSOR_PARAMETER, { Ref: parameter });
  assert.equal(fn.Environment.Variables.ZENDESK_SUBDOMAIN, 'acme');
  assert.equal(fn.Environment.Variables.MIXPANEL_REGION, 'us');

  const schedule = Object.values(resources(template, 'AWS::Events::Rule')).filter((r) => r.Properties.ScheduleExpression);
  assert.equal(schedule.length, 1);
  assert.equal(schedule[0].Properties.ScheduleExpression, 'cron(15 * * * ? *)');
  const target = schedule[0].Properties.Targets[0];
  assert.deepEqual(target.Arn, { 'Fn::GetAtt': [fnId, 'Arn'] });
  assert.equal(target.RetryPolicy.MaximumRetryAttempts, 2);
  assert.ok(target.DeadLetterConfig.Arn, 'missed runs go to a DLQ');

  // Only ticket-metrics may write the cursor.
  const writers = Object.entries(resources(template, 'AWS::IAM::Policy')).filter(([, p]) =>
    p.Properties.PolicyDocument.Statement.some((st: any) => [st.Action].flat().includes('ssm:PutParameter')),
  );
  assert.deepEqual(writers.map(([id]) => id.startsWith('TicketMetrics')), [true]);

  const hourly = Object.values(resources(synth().template, 'AWS::Events::Rule')).filter((r) => r.Properties.ScheduleExpression);
  assert.equal(hourly[0].Properties.ScheduleExpression, 'rate(1 hour)');
  const off = synth({ ticketMetrics: false }).template.toJSON();
  assert.ok(!JSON.stringify(off).includes('ticket-metrics'), 'ticketMetrics=false deploys no metrics job');
});

test('bad options are refused with the option named', () => {
  assert.throws(() => synth({ metricsSchedule: 'hourly' }), /context metricsSchedule: expected rate\(1 hour\)/);
  assert.throws(() => synth({ metricsSchedule: 'rate(1 hours)' }), /context metricsSchedule: write rate\(1 hour\)/);
  assert.throws(
    () => synth({ zendeskSubdomain: '', fullstoryUserId: 'requester_id', ticketMetrics: true }),
    /context ticketMetrics: needs zendeskSubdomain/,
  );
  assert.throws(() => synth({ zendeskPartnerEventSource: 'zendesk' }), /context zendeskPartnerEventSource: expected aws\.partner\/zendesk\.com/);
  assert.throws(() => synth({ zendeskSubdomain: '' }), /context zendeskSubdomain: required when fullstoryUserId/);
  assert.throws(() => synth({ highVolume: 'yes' }), /context highVolume: expected true or false/);
  assert.throws(() => synth({ logRetentionDays: 10 }), /context logRetentionDays: CloudWatch Logs accepts/);
  assert.throws(() => synth({ lambdaDir: '/nonexistent' }), /mixpanel-sink is not built: .*make package/);
  // requester_id needs no Zendesk account, so no Zendesk secret.
  const { template } = synth({ zendeskSubdomain: '', fullstoryUserId: 'requester_id' });
  assert.ok(!JSON.stringify(template.toJSON()).includes('ZendeskOAuthToken'));
});
