import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * cdk-nag suppressions of the provider's own resources, written so that both cdk-nag majors read
 * them without this library depending on cdk-nag:
 * - cdk-nag 2 (an aspect) reads the resource's CloudFormation metadata `cdk_nag.rules_to_suppress`;
 * - cdk-nag 3 (a policy validation plugin) reads the acknowledgments CDK's `Validations` records
 *   as construct metadata, one `Rule[finding]` id per finding.
 */
export interface NagSuppression {
  /** The rule, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding is acceptable, for a security reviewer. */
  readonly reason: string;
  /** The findings of a granular rule this covers, exactly as cdk-nag names them (`Resource::…`); all when absent. */
  readonly appliesTo?: string[];
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
    ...(s.appliesTo ? { applies_to: s.appliesTo.map(cdkNag2Finding) } : {}),
  }));
  const replaced = new Set(added.map(key));
  resource.addMetadata(METADATA_KEY, { rules_to_suppress: [...existing.filter((s) => !replaced.has(key(s))), ...added] });
  acknowledgeForCdkNag3(resource, suppressions);
}

/** The one acknowledgment entry of each resource, so repeated calls update it rather than pile up entries. */
const acknowledgments = new WeakMap<CfnResource, Record<string, string>>();

/**
 * cdk-nag 3's form: `{ 'AwsSolutions-IAM5[Resource::…]': reason }` under the metadata key
 * `Validations.acknowledge()` uses. Written directly because `acknowledge()` refuses ids with more
 * than one `::`, which a finding on an ARN (`Resource::arn:<AWS::Partition>:…`) has.
 */
function acknowledgeForCdkNag3(resource: CfnResource, suppressions: NagSuppression[]): void {
  let acknowledged = acknowledgments.get(resource);
  if (!acknowledged) {
    acknowledged = {};
    acknowledgments.set(resource, acknowledged);
    // The metadata entry keeps this object: entries added below are read at synthesis.
    resource.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, acknowledged);
  }
  for (const s of suppressions) {
    for (const id of s.appliesTo ? s.appliesTo.map((f) => `${s.id}[${f}]`) : [s.id]) acknowledged[id] = s.reason;
  }
}

/** cdk-nag 2 matches `applies_to` entries exactly or as `{ regex }`; findings with intrinsic references are written as an anchored regex. */
function cdkNag2Finding(finding: string): string | { regex: string } {
  return finding.includes('<') ? { regex: `/^${escapeRegex(finding)}$/` } : finding;
}

/**
 * The finding id cdk-nag reports for an IAM resource string (`Resource::<value>`): intrinsic
 * references render the way cdk-nag renders them (`<AWS::Partition>`, `<LogicalId.Arn>`).
 */
export function resourceFinding(scope: IConstruct, value: string): string {
  const resolved = Stack.of(scope).resolve(value);
  const parts: unknown[] = typeof resolved === 'string' ? [resolved] : resolved?.['Fn::Join']?.[1] ?? [resolved];
  return `Resource::${parts.map(render).join('')}`;
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
