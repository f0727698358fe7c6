import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { AWS_MANAGED_KEY, checkovSkip } from './checkov';

/** The secondary indexes of the ticket table: name → (partition key, its type); every one sorts by `updated_at`. */
export const TICKET_INDEXES: Record<string, [string, dynamodb.AttributeType]> = {
  by_status: ['status', dynamodb.AttributeType.STRING],
  by_requester: ['requester_id', dynamodb.AttributeType.NUMBER],
  by_organization: ['organization_id', dynamodb.AttributeType.NUMBER],
};

/**
 * The ticket store's table: one item per ticket (`ticket_id`), on demand, point-in-time recovery on, encrypted,
 * kept when the stack is deleted, with a stream of new images for profiles in store mode.
 */
export class TicketTable extends Construct {
  /** The table. */
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: { readonly dataKey?: kms.IKey }) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'ticket_id', type: dynamodb.AttributeType.NUMBER },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: props.dataKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.AWS_MANAGED,
      encryptionKey: props.dataKey,
      removalPolicy: RemovalPolicy.RETAIN,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
    });
    if (!props.dataKey) {
      checkovSkip(this.table, [{ id: 'CKV_AWS_119', comment: `DynamoDB-owned AWS managed key. ${AWS_MANAGED_KEY}` }]);
    }
    for (const [indexName, [key, type]] of Object.entries(TICKET_INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: key, type },
        sortKey: { name: 'updated_at', type: dynamodb.AttributeType.STRING },
      });
    }
  }
}
