import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { invitationTable, type KeyAttribute } from '../../lambdas/adapters/dynamo-table.ts';
import type { BindableTable } from './service-function.ts';

export interface StorageProps {
  /** What happens to the table when it leaves the stack. */
  readonly removalPolicy: RemovalPolicy;
  /** Refuse `DeleteTable` (also from CloudFormation) until switched off. */
  readonly deletionProtection: boolean;
}

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  // The schema uses DynamoDB's own codes, which are the values of CDK's enum.
  type: key.type as dynamodb.AttributeType,
});

/**
 * The single invitation table, built from the schema the store and the local stack share
 * (`lambdas/adapters/dynamo-table.ts`): keys, the three indexes, the TTL attribute.
 *
 * Creates `Table` (`AWS::DynamoDB::GlobalTable`, one region): on-demand, point-in-time recovery, deletion
 * protection, TTL on `ttl`, AWS-owned encryption, no stream (nothing consumes changes: the lifecycle is
 * started by the API, mail events arrive through EventBridge).
 */
export class Storage extends Construct implements BindableTable {
  readonly table: dynamodb.TableV2;
  readonly tableArn: string;
  readonly tableName: string;
  /** One ARN per index, so grants need no `index/*` wildcard. */
  readonly indexArns: readonly string[];

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: attribute(invitationTable.partitionKey),
      sortKey: attribute(invitationTable.sortKey),
      billing: dynamodb.Billing.onDemand(),
      globalSecondaryIndexes: invitationTable.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: index.projection as dynamodb.ProjectionType,
        ...('nonKeyAttributes' in index && { nonKeyAttributes: [...index.nonKeyAttributes] }),
      })),
      timeToLiveAttribute: invitationTable.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });
    this.tableArn = this.table.tableArn;
    this.tableName = this.table.tableName;
    this.indexArns = invitationTable.globalSecondaryIndexes.map((index) => `${this.table.tableArn}/index/${index.indexName}`);
  }
}
