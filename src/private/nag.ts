import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * cdk-nag suppressions written as resource metadata (the `cdk_nag` key cdk-nag reads), so apps
 * that run cdk-nag see the reasons for the provider's own resources without this library
 * depending on cdk-nag.
 */
export interface NagSuppression {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding is acceptable, for a security reviewer. */
  readonly reason: string;
  /** The findings of a granular rule this covers (exact ids or `{ regex: '/…/' }`); all when absent. */
  readonly appliesTo?: Array<string | { regex: string }>;
}

const METADATA_KEY = 'cdk_nag';

/** Adds suppressions to the CloudFormation resource of `scope`; an entry with the same rule id and findings is replaced. */
export function addNagSuppressions(scope: IConstruct, suppressions: NagSuppression[]): void {
  const resource = cfnResourceOf(scope);
  const existing: any[] = resource.getMetadata(METADATA_KEY)?.rules_to_suppress ?? [];
  const key = (s: { id: string; applies_to?: unknown }) => JSON.stringify([s.id, s.applies_to ?? null]);
  const added = suppressions.map((s) => ({
    id: s.id,
    reason: s.reason,
    ...(s.appliesTo ? { applies_to: s.appliesTo } : {}),
  }));
  const replaced = new Set(added.map(key));
  resource.addMetadata(METADATA_KEY, { rules_to_suppress: [...existing.filter((s) => !replaced.has(key(s))), ...added] });
}

/**
 * The finding id cdk-nag reports for an IAM resource string (`Resource::<value>`), as a regular
 * expression that matches exactly that value: intrinsic references render the way cdk-nag
 * renders them (`<AWS::Partition>`, `<LogicalId.Arn>`).
 */
export function resourceFinding(scope: IConstruct, value: string): { regex: string } {
  const resolved = Stack.of(scope).resolve(value);
  const parts: unknown[] = typeof resolved === 'string' ? [resolved] : resolved?.['Fn::Join']?.[1] ?? [resolved];
  const body = parts.map((part) => escapeRegex(render(part))).join('');
  return { regex: `/^Resource::${body}$/` };
}

function render(part: unknown): string {
  if (typeof part === 'string') return part;
  const p = part as Record<string, any>;
  if (typeof p?.Ref === 'string') return `<${p.Ref}>`;
  const getAtt = p?.['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `<${getAtt[0]}.${getAtt[1]}>`;
  throw new Error(`cdk-cloudhsm: cannot name the cdk-nag finding of ${JSON.stringify(part)}`);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function cfnResourceOf(scope: IConstruct): CfnResource {
  const resource = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`cdk-cloudhsm: ${scope.node.path} has no CloudFormation resource to carry cdk-nag suppressions`);
  }
  return resource;
}
