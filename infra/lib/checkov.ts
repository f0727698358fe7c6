import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Records, on the CloudFormation resource behind `construct`, that checkov's `id` does not apply
 * and why (checkov reads `Metadata.checkov.skip` and counts the check as skipped).
 */
export function checkovSkip(construct: IConstruct, skips: Array<{ id: string; comment: string }>): void {
  const resource = construct.node.defaultChild instanceof CfnResource ? construct.node.defaultChild : construct;
  if (!(resource instanceof CfnResource)) {
    throw new Error(`${construct.node.path}: not a CloudFormation resource`);
  }
  const existing = (resource.getMetadata('checkov') as { skip?: Array<{ id: string; comment: string }> } | undefined)?.skip ?? [];
  resource.addMetadata('checkov', { skip: [...existing, ...skips] });
}

/** Why the default (no customer-managed key) is acceptable, for the checks that want one. */
export const AWS_MANAGED_KEY =
  'Encrypted with an AWS-managed key by default; deploy with -c customerManagedKey=true to use one customer-managed key for every queue, topic, log group and secret.';
