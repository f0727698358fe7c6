import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

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
}

/** provided.al2023 on arm64, JSON logs in its own log group, a role that can only write there. */
export class RustFunction extends Construct {
  /** The function. */
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: RustFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
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
    });
    for (const secret of Object.values(props.secrets)) {
      secret.grantRead(role);
    }
  }
}
