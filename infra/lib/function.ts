import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { AWS_MANAGED_KEY, checkovSkip } from './checkov';

/** A Rust binary built by cargo-lambda, as ticketbridge runs them all. */
export interface RustFunctionProps {
  /** The binary's name (also the asset folder under `lambdaDir`). */
  readonly name: string;
  /** Its code. */
  readonly code: lambda.Code;
  /** Memory in MB. */
  readonly memorySize: number;
  /** Timeout. */
  readonly timeout: Duration;
  /** Plain settings. */
  readonly environment: Record<string, string>;
  /** Secret settings: `<NAME>_ARN` → the secret (the function reads it at init). */
  readonly secrets: Record<string, secretsmanager.ISecret>;
  /** CloudWatch Logs retention. */
  readonly logRetention: logs.RetentionDays;
  /** Reserved concurrency. */
  readonly reservedConcurrentExecutions?: number;
  /** Async on-failure destination. */
  readonly onFailure?: lambda.IDestination;
  /** Async retries. */
  readonly retryAttempts?: number;
  /** The customer-managed key, when the stack has one: it encrypts the log group. */
  readonly dataKey?: kms.IKey;
}

/** provided.al2023 on arm64, JSON logs in its own log group, a role that can only write there. */
export class RustFunction extends Construct {
  /** The function. */
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: RustFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, encryptionKey: props.dataKey });
    // Its own role rather than AWSLambdaBasicExecutionRole: logs go to this group only.
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const environment = { ...props.environment };
    for (const [setting, secret] of Object.entries(props.secrets)) {
      environment[setting] = secret.secretArn;
    }
    this.function = new lambda.Function(this, 'Function', {
      description: `ticketbridge ${props.name}`,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: props.code,
      memorySize: props.memorySize,
      timeout: props.timeout,
      environment,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      onFailure: props.onFailure,
      retryAttempts: props.retryAttempts,
      environmentEncryption: props.dataKey,
    });
    const skips = [
      {
        id: 'CKV_AWS_116',
        comment:
          'Failures are kept by an on-failure destination (asynchronous invocations) or the queue\'s redrive (SQS); webhook-bridge answers its callers, who retry.',
      },
      {
        id: 'CKV_AWS_117',
        comment: 'The functions call public SaaS APIs (Mixpanel, FullStory, Zendesk) and AWS endpoints only; a VPC would add NAT cost and nothing to protect.',
      },
    ];
    if (props.reservedConcurrentExecutions === undefined) {
      skips.push({
        id: 'CKV_AWS_115',
        comment: 'A sink scales with its input; a reserved limit would throttle delivery into retries. The public bridge and the scheduled metrics job are reserved.',
      });
    }
    if (!props.dataKey) {
      skips.push({ id: 'CKV_AWS_173', comment: `The environment holds no secret (secrets are passed as Secrets Manager ARNs). ${AWS_MANAGED_KEY}` });
      checkovSkip(logGroup, [{ id: 'CKV_AWS_158', comment: AWS_MANAGED_KEY }]);
    }
    checkovSkip(this.function, skips);
    for (const secret of Object.values(props.secrets)) {
      secret.grantRead(role);
    }
    if (props.dataKey) {
      NagSuppressions.addResourceSuppressions(
        role,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'CDK grants queue writes on the customer-managed key as kms:ReEncrypt* and kms:GenerateDataKey*, on that one key only (not on every key).',
            appliesTo: ['Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*'],
          },
        ],
        true,
      );
    }
  }
}
