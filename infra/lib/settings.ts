import * as path from 'node:path';

/** The app's options, read once from CDK context (`cdk.json` defaults, `-c key=value` overrides). */
export interface Settings {
  /** Folder holding `<function>/bootstrap.zip` (or `<function>/bootstrap`), as `make package` builds it. */
  readonly lambdaDir: string;
  /** The retired connector's partner event source; its bus gets the same rules. */
  readonly zendeskPartnerEventSource?: string;
  /** SQS between each topic and its sink (batching, partial batch failures, redrive). */
  readonly highVolume: boolean;
  /** Example rules (from `rules/examples/`) to deploy beside the shipped ones. */
  readonly exampleRules: string[];
  /** Address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /** Reserved concurrency of webhook-bridge: its public URL can use no more of the account. */
  readonly bridgeReservedConcurrency: number;
  /** One customer-managed KMS key for every queue, topic, log group and secret. */
  readonly customerManagedKey: boolean;
  /** What personal data leaves (the same for the bridge's bus and every sink). */
  readonly personalData: PersonalData;
  /** CloudWatch Logs retention of every function, in days. */
  readonly logRetentionDays: number;
  /** Mixpanel data residency: us, eu or in. */
  readonly mixpanelRegion: string;
  /** `MIXPANEL_GROUP_KEY`: the Mixpanel group key of organizations (Group Analytics). */
  readonly mixpanelGroupKey?: string;
  /** `MIXPANEL_DISTINCT_ID`: whose profile ticket events go to, `ticket` or `requester`. */
  readonly mixpanelDistinctId: string;
  /** The features the settings turn on, which deploy the shipped rules that name them. */
  readonly features: string[];
  /** Whether the ticket store (a DynamoDB table kept current by the events, and its Lambda) is deployed. */
  readonly ticketStore: boolean;
  /** `MIXPANEL_PROFILES`: ticket profiles from each event (`true`), from the ticket store's stream (`store`), or none (`false`). */
  readonly mixpanelProfiles: 'true' | 'false' | 'store';
  /** Mixpanel service account user name; with it, `/import` uses the service account secret. */
  readonly mixpanelServiceAccountUsername?: string;
  /** Mixpanel project id (required with a service account). */
  readonly mixpanelProjectId?: string;
  /** The Zendesk account FullStory's requester lookups use. */
  readonly zendeskSubdomain?: string;
  /** Where FullStory's `user.uid` comes from. */
  readonly fullstoryUserId: string;
  /** Whether the bridge also takes Intercom webhooks. */
  readonly intercom: boolean;
  /** Whether the scheduled ticket-metrics job is deployed (needs zendeskSubdomain). */
  readonly ticketMetrics: boolean;
  /** When ticket-metrics runs: an EventBridge `rate(…)` or `cron(…)` expression. */
  readonly metricsSchedule: string;
}

/** Opt-ins for personal data, passed to webhook-bridge and both sinks alike. */
export interface PersonalData {
  /** `INCLUDE_COMMENT_BODY`: comment bodies, descriptions, attachment names and links. */
  readonly includeCommentBody: boolean;
  /** `INCLUDE_SUBJECT`: ticket subjects. */
  readonly includeSubject: boolean;
  /** `CUSTOM_FIELD_VALUES`: custom field ids whose values may leave. */
  readonly customFieldValues: string[];
  /** `EXTRA_PROPERTIES`: unmodelled keys that may leave. */
  readonly extraProperties: string[];
}

/** The environment settings of `data`, for every function that reads them. */
export function personalDataEnvironment(data: PersonalData): Record<string, string> {
  const env: Record<string, string> = {
    INCLUDE_COMMENT_BODY: String(data.includeCommentBody),
    INCLUDE_SUBJECT: String(data.includeSubject),
  };
  if (data.customFieldValues.length > 0) {
    env.CUSTOM_FIELD_VALUES = data.customFieldValues.join(',');
  }
  if (data.extraProperties.length > 0) {
    env.EXTRA_PROPERTIES = data.extraProperties.join(',');
  }
  return env;
}

type Context = (key: string) => unknown;

function list(context: Context, key: string, pattern: RegExp, meaning: string): string[] {
  const items = (text(context, key) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const bad = items.find((item) => !pattern.test(item));
  if (bad !== undefined) {
    throw new Error(`context ${key}: expected ${meaning}, got ${JSON.stringify(bad)}`);
  }
  return items;
}

function text(context: Context, key: string): string | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new Error(`context ${key}: expected a string, got ${JSON.stringify(value)}`);
  }
  return String(value);
}

function flag(context: Context, key: string, fallback: boolean): boolean {
  const value = text(context, key);
  if (value === undefined) {
    return fallback;
  }
  if (value !== 'true' && value !== 'false') {
    throw new Error(`context ${key}: expected true or false, got ${JSON.stringify(value)}`);
  }
  return value === 'true';
}

function integer(context: Context, key: string, min: number, max: number): number | undefined {
  const value = text(context, key);
  if (value === undefined) {
    return undefined;
  }
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new Error(`context ${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function oneOf(context: Context, key: string, allowed: string[], fallback: string): string {
  const value = text(context, key) ?? fallback;
  if (!allowed.includes(value)) {
    throw new Error(`context ${key}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The retention periods CloudWatch Logs accepts. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

function retention(context: Context): number {
  const days = integer(context, 'logRetentionDays', 1, 3653) ?? 30;
  if (!RETENTION_DAYS.includes(days)) {
    throw new Error(`context logRetentionDays: CloudWatch Logs accepts ${RETENTION_DAYS.join(', ')}; got ${days}`);
  }
  return days;
}

/** Reads and validates every option; `baseDir` resolves relative paths (the `infra/` folder). */
export function readSettings(context: Context, baseDir: string): Settings {
  const partner = text(context, 'zendeskPartnerEventSource');
  if (partner !== undefined && !/^aws\.partner\/zendesk\.com\/[^/]+\/[^/]+$/.test(partner)) {
    throw new Error(
      `context zendeskPartnerEventSource: expected aws.partner/zendesk.com/<account id>/<name>, got ${JSON.stringify(partner)}`,
    );
  }
  const fullstoryUserId = oneOf(
    context,
    'fullstoryUserId',
    ['requester_external_id', 'requester_email', 'requester_id'],
    'requester_external_id',
  );
  const zendeskSubdomain = text(context, 'zendeskSubdomain');
  if (fullstoryUserId !== 'requester_id' && zendeskSubdomain === undefined) {
    throw new Error(
      `context zendeskSubdomain: required when fullstoryUserId is ${fullstoryUserId} (FullStory looks requesters up in Zendesk); e.g. -c zendeskSubdomain=acme`,
    );
  }
  const mixpanelServiceAccountUsername = text(context, 'mixpanelServiceAccountUsername');
  const mixpanelProjectId = text(context, 'mixpanelProjectId');
  if (mixpanelServiceAccountUsername !== undefined && mixpanelProjectId === undefined) {
    throw new Error('context mixpanelProjectId: required with mixpanelServiceAccountUsername');
  }
  const exampleRules = (text(context, 'exampleRules') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const mixpanelGroupKey = groupKey(context);
  const ticketStore = flag(context, 'ticketStore', false);
  const mixpanelDistinctId = oneOf(context, 'mixpanelDistinctId', ['ticket', 'requester'], 'ticket');
  const mixpanelProfiles = oneOf(context, 'mixpanelProfiles', ['true', 'false', 'store'], 'true') as Settings['mixpanelProfiles'];
  if (mixpanelProfiles === 'store' && !ticketStore) {
    throw new Error('context mixpanelProfiles=store: profiles come from the ticket store\'s stream, so it needs -c ticketStore=true');
  }
  return {
    lambdaDir: path.resolve(baseDir, text(context, 'lambdaDir') ?? '../target/lambda/arm64'),
    zendeskPartnerEventSource: partner,
    highVolume: flag(context, 'highVolume', false),
    exampleRules,
    alarmEmail: text(context, 'alarmEmail'),
    bridgeReservedConcurrency: integer(context, 'bridgeReservedConcurrency', 1, 1000) ?? 10,
    customerManagedKey: flag(context, 'customerManagedKey', false),
    personalData: {
      includeCommentBody: flag(context, 'includeCommentBody', false),
      includeSubject: flag(context, 'includeSubject', false),
      customFieldValues: list(context, 'customFieldValues', /^[0-9]+$/, 'comma-separated custom field ids'),
      extraProperties: list(context, 'extraProperties', /^[A-Za-z0-9_]+$/, 'comma-separated key names'),
    },
    logRetentionDays: retention(context),
    mixpanelRegion: oneOf(context, 'mixpanelRegion', ['us', 'eu', 'in'], 'us'),
    mixpanelGroupKey,
    mixpanelDistinctId,
    features: [
      ...(mixpanelGroupKey !== undefined || mixpanelDistinctId === 'requester' ? ['accountProfiles'] : []),
      ...(ticketStore ? ['ticketStore'] : []),
    ],
    ticketStore,
    mixpanelProfiles,
    mixpanelServiceAccountUsername,
    mixpanelProjectId,
    zendeskSubdomain,
    fullstoryUserId,
    intercom: flag(context, 'intercom', true),
    ticketMetrics: ticketMetrics(context, zendeskSubdomain),
    metricsSchedule: schedule(context),
  };
}

/** A Mixpanel property name, as the sink checks it (1–255 characters, not starting with `$`). */
function groupKey(context: Context): string | undefined {
  const key = text(context, 'mixpanelGroupKey')?.trim();
  if (key !== undefined && (key.length === 0 || key.length > 255 || key.startsWith('$'))) {
    throw new Error(`context mixpanelGroupKey: expected the group key defined in your Mixpanel project (e.g. organization_id), got ${JSON.stringify(key)}`);
  }
  return key;
}

/** On by default when there is a Zendesk account to read; asking for it without one is an error. */
function ticketMetrics(context: Context, zendeskSubdomain: string | undefined): boolean {
  const wanted = flag(context, 'ticketMetrics', zendeskSubdomain !== undefined);
  if (wanted && zendeskSubdomain === undefined) {
    throw new Error('context ticketMetrics: needs zendeskSubdomain (the account whose ticket metrics it reads); e.g. -c zendeskSubdomain=acme');
  }
  return wanted;
}

function schedule(context: Context): string {
  const value = text(context, 'metricsSchedule') ?? 'rate(1 hour)';
  const rate = /^rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)$/.exec(value);
  if (rate) {
    const singular = rate[1] === '1';
    if (singular !== !rate[2].endsWith('s')) {
      throw new Error(`context metricsSchedule: write rate(1 hour) or rate(2 hours), got ${JSON.stringify(value)}`);
    }
    return value;
  }
  if (/^cron\(\S+( \S+){5}\)$/.test(value)) {
    return value;
  }
  throw new Error(`context metricsSchedule: expected rate(1 hour) or a six-field cron(...) expression, got ${JSON.stringify(value)}`);
}
