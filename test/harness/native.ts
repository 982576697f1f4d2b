// Non-custom resources: they exist only as deterministic fake ids and attributes, except
// subnets, which the simulator must know (AZ, VPC, CIDR) for CreateCluster and CreateHsm, and
// KMS aliases, which the simulator's KMS holds (CreateAlias / DeleteAlias; the key must exist
// and not be pending deletion, as CloudFormation's AWS::KMS::Alias requires of its TargetKeyId).
// An S3 bucket encrypted with a KMS key names it in BucketEncryption; the harness checks that the
// key exists in KMS (by id, ARN or alias) when the simulator has KMS, as S3 then uses it.
// An SSM parameter is put into the simulator's Parameter Store (hosts read it with GetParameter)
// and deleted with the resource.

import { SeededIds } from './ids';
import { generateSecretString } from './secret-value';
import { canonicalJson } from './template';
import { SimulatorControl } from './types';

/** EC2 resource types whose ids look like `<prefix>-<17 hex>`. */
const EC2_PREFIX: Record<string, string> = {
  'AWS::EC2::VPC': 'vpc',
  'AWS::EC2::Subnet': 'subnet',
  'AWS::EC2::SecurityGroup': 'sg',
  'AWS::EC2::RouteTable': 'rtb',
  'AWS::EC2::InternetGateway': 'igw',
  'AWS::EC2::NatGateway': 'nat',
  'AWS::EC2::NetworkAcl': 'acl',
  'AWS::EC2::NetworkInterface': 'eni',
  'AWS::EC2::VPCEndpoint': 'vpce',
  'AWS::EC2::Instance': 'i',
  'AWS::EC2::Volume': 'vol',
  'AWS::EC2::TransitGateway': 'tgw',
};

/** Types CloudFormation replaces when anything but their tags changes (the ones CDK apps here use). */
const REPLACED_ON_CHANGE = new Set(['AWS::EC2::VPC', 'AWS::EC2::Subnet']);
/**
 * Properties of other types whose change replaces the resource (CloudFormation's resource reference,
 * "Update requires: Replacement"): an instance's image, subnet and zone.
 */
const REPLACING_PROPERTIES: Record<string, readonly string[]> = {
  'AWS::EC2::Instance': ['ImageId', 'SubnetId', 'AvailabilityZone'],
  'AWS::SSM::Parameter': ['Name'],
};

export interface NativeResult {
  readonly physicalId: string;
  readonly attributes: Record<string, unknown>;
}

/**
 * CDK renders Availability Zones it could not look up as `dummy1a`, `dummy1b`, ...; in the
 * stack's region they become `<region>a`, `<region>b`. Real zone names pass through.
 */
export function availabilityZoneFor(value: unknown, region: string): string {
  const az = String(value ?? '');
  const dummy = /^dummy\d+([a-z])$/.exec(az);
  if (dummy) return `${region}${dummy[1]}`;
  return az === '' ? `${region}a` : az;
}

/**
 * CDK's cross-region references (`crossRegionReferences: true`) are custom resources of CDK's own
 * provider that write and read SSM parameters in the consumer's region. The harness models them as
 * native resources over this store, shared by every harness in the process (one per stack/region).
 */
export const CROSS_REGION_TYPES = new Set(['Custom::CrossRegionExportWriter', 'Custom::CrossRegionExportReader']);
const crossRegionParameters = new Map<string, string>();

/** Forget the cross-region parameters (between tests). */
export function resetCrossRegionParameters(): void {
  crossRegionParameters.clear();
}

function crossRegionAttributes(logicalId: string, type: string, props: Record<string, any>): Record<string, unknown> {
  if (type === 'Custom::CrossRegionExportWriter') {
    const { region, exports = {} } = props.WriterProps ?? {};
    for (const [name, value] of Object.entries(exports)) crossRegionParameters.set(`${region}|${name}`, String(value));
    return {};
  }
  const { region, imports = {} } = props.ReaderProps ?? {};
  const attributes: Record<string, unknown> = {};
  for (const name of Object.keys(imports)) {
    const value = crossRegionParameters.get(`${region}|${name}`);
    if (value === undefined) throw new Error(`${logicalId}: no exported parameter ${name} in ${region} (deploy the exporting stack first)`);
    attributes[name] = value;
  }
  return attributes;
}

export class NativeProvisioner {
  /** physical ids of instances and secrets made in the simulator, by logical id and generation (an update keeps them) */
  private readonly made = new Map<string, string>();
  /** how often a logical id was made: a create after a rollback gets a new id, as in CloudFormation */
  private readonly creations = new Map<string, number>();

  constructor(
    private readonly ids: SeededIds,
    private readonly sim: SimulatorControl,
    private readonly env: { readonly region: string; readonly account: string; readonly partition: string; readonly stackName: string },
  ) {}

  /** Whether a change of `props` makes CloudFormation replace the resource. */
  public needsReplacement(type: string, oldProps: Record<string, unknown>, newProps: Record<string, unknown>): boolean {
    if (type === 'AWS::KMS::Alias') return oldProps.AliasName !== newProps.AliasName;
    const replacing = REPLACING_PROPERTIES[type];
    if (replacing) return replacing.some((p) => canonicalJson(oldProps[p]) !== canonicalJson(newProps[p]));
    if (!REPLACED_ON_CHANGE.has(type)) return false;
    const strip = ({ Tags: _tags, ...rest }: Record<string, unknown>) => canonicalJson(rest);
    return strip(oldProps) !== strip(newProps);
  }

  /**
   * The fake physical id and attributes; a subnet is registered with the simulator, an instance
   * becomes a managed instance running its user data, a secret is created with its value.
   */
  public provision(logicalId: string, type: string, props: Record<string, unknown>, generation: number): NativeResult {
    if (type === 'AWS::SecretsManager::Secret') return this.secret(logicalId, props, generation);
    if (type === 'AWS::EC2::Instance') return this.instance(logicalId, props, generation);
    if (type === 'AWS::KMS::Alias') return this.alias(logicalId, props);
    if (type === 'AWS::SSM::Parameter') return this.parameter(logicalId, props, generation);
    if (type === 'AWS::S3::Bucket') this.checkBucketKey(logicalId, props);
    const physicalId = this.physicalId(logicalId, type, generation);
    const attributes: Record<string, unknown> = { Arn: this.arn(type, physicalId) };
    if (CROSS_REGION_TYPES.has(type)) {
      Object.assign(attributes, crossRegionAttributes(logicalId, type, props));
    } else if (type === 'AWS::EC2::Subnet') {
      const az = availabilityZoneFor(props.AvailabilityZone, this.env.region);
      const vpcId = String(props.VpcId ?? '');
      const cidr = String(props.CidrBlock ?? '10.0.0.0/24');
      try {
        this.sim.registerSubnet(this.env.region, physicalId, { az, vpcId, cidr });
      } catch (e) {
        throw new Error(`${logicalId}: the simulator refused subnet ${physicalId} (${az}, ${vpcId}, ${cidr}): ${(e as Error).message}`);
      }
      Object.assign(attributes, { SubnetId: physicalId, AvailabilityZone: az, VpcId: vpcId, CidrBlock: cidr, Ipv6CidrBlocks: [] });
    } else if (type === 'AWS::EC2::VPC') {
      Object.assign(attributes, {
        VpcId: physicalId,
        CidrBlock: props.CidrBlock ?? '10.0.0.0/16',
        CidrBlockAssociations: [`vpc-cidr-assoc-${this.ids.hex(17, logicalId, generation, 'assoc')}`],
        DefaultSecurityGroup: `sg-${this.ids.hex(17, logicalId, generation, 'default-sg')}`,
        DefaultNetworkAcl: `acl-${this.ids.hex(17, logicalId, generation, 'default-acl')}`,
        Ipv6CidrBlocks: [],
      });
    } else if (type === 'AWS::EC2::SecurityGroup') {
      Object.assign(attributes, { GroupId: physicalId, VpcId: props.VpcId ?? '' });
    }
    return { physicalId, attributes };
  }

  /**
   * A resource kept by its DeletionPolicy leaves the stack: the simulator keeps it, but a resource
   * of the same logical id created later is a new one, as in CloudFormation.
   */
  public release(physicalId: string): void {
    for (const [key, id] of this.made) if (id === physicalId) this.made.delete(key);
  }

  /** Deletes what the simulator holds for a native resource (instances, secrets); others have nothing. */
  public remove(type: string, physicalId: string): void {
    for (const [key, id] of this.made) if (id === physicalId) this.made.delete(key);
    if (type === 'AWS::EC2::Instance' && this.sim.terminateInstance) {
      this.sim.terminateInstance(this.env.region, physicalId);
    } else if (type === 'AWS::SecretsManager::Secret' && this.sim.deleteSecret) {
      // CloudFormation deletes a secret with a recovery window: reads are refused from then on
      this.sim.deleteSecret(this.env.region, physicalId);
    } else if (type === 'AWS::SSM::Parameter' && this.sim.deleteParameter) {
      this.sim.deleteParameter(this.env.region, physicalId);
    } else if (type === 'AWS::KMS::Alias' && this.sim.kmsAlias) {
      try {
        this.sim.kmsAlias(this.env.region, physicalId, undefined);
      } catch {
        // already gone with its key (KMS deletes a deleted key's aliases): nothing to delete
      }
    }
  }

  /** Aliases are replaced when their name changes; an update may point them at another key. */
  private alias(logicalId: string, props: Record<string, unknown>): NativeResult {
    const name = String(props.AliasName ?? '');
    const target = String(props.TargetKeyId ?? '');
    if (this.sim.kmsAlias) {
      try {
        try {
          this.sim.kmsAlias(this.env.region, name, undefined); // an update re-points it
        } catch {
          // not there yet: a create
        }
        this.sim.kmsAlias(this.env.region, name, target);
      } catch (e) {
        throw new Error(`${logicalId}: KMS refused alias ${name} -> ${target}: ${(e as Error).message}`);
      }
    }
    return { physicalId: name, attributes: {} };
  }

  /**
   * A parameter's physical id is its name (given, or generated as CloudFormation does when the
   * template names none); an update with a new value makes a new version.
   */
  private parameter(logicalId: string, props: Record<string, unknown>, generation: number): NativeResult {
    const name = typeof props.Name === 'string' ? props.Name : this.physicalId(logicalId, 'AWS::SSM::Parameter', generation);
    const type = String(props.Type ?? 'String');
    if (type !== 'String' && type !== 'StringList') throw new Error(`${logicalId}: CloudFormation makes String and StringList parameters, not ${type}`);
    if (typeof props.Value !== 'string') throw new Error(`${logicalId}: Value did not resolve to a string (${JSON.stringify(props.Value).slice(0, 200)})`);
    this.sim.putParameter?.(this.env.region, name, props.Value, type);
    return { physicalId: name, attributes: { Type: type, Value: props.Value } };
  }

  /** The KMS key of a bucket's default encryption must exist (S3 encrypts every object with it). */
  private checkBucketKey(logicalId: string, props: Record<string, unknown>): void {
    const encryption = props.BucketEncryption as Record<string, any> | undefined;
    const rules = (encryption?.ServerSideEncryptionConfiguration ?? []) as Array<Record<string, any>>;
    for (const rule of rules) {
      const keyId = rule.ServerSideEncryptionByDefault?.KMSMasterKeyID;
      if (typeof keyId !== 'string' || !this.sim.describeKmsKey) continue;
      const state = this.sim.describeKmsKey(this.env.region, keyId);
      if (state === undefined) throw new Error(`${logicalId}: the bucket's KMS key ${keyId} does not exist`);
      if (state === 'PendingDeletion') throw new Error(`${logicalId}: the bucket's KMS key ${keyId} is pending deletion`);
    }
  }

  /** The n-th creation of a logical id (0 for the first): part of the ids it gets. */
  private creation(key: string): number {
    const n = this.creations.get(key) ?? 0;
    this.creations.set(key, n + 1);
    return n;
  }

  private instance(logicalId: string, props: Record<string, unknown>, generation: number): NativeResult {
    const userData = props.UserData === undefined ? undefined : props.UserData;
    if (userData !== undefined && typeof userData !== 'string') {
      throw new Error(`${logicalId}: UserData did not resolve to a string (${JSON.stringify(userData).slice(0, 200)})`);
    }
    const key = `instance/${logicalId}/${generation}`;
    let physicalId = this.made.get(key);
    if (!physicalId) {
      const n = this.creation(`instance/${logicalId}`);
      physicalId = n === 0 ? this.physicalId(logicalId, 'AWS::EC2::Instance', generation) : `i-${this.ids.hex(17, logicalId, generation, 'creation', n)}`;
      this.sim.launchInstance?.(this.env.region, {
        id: physicalId,
        userData: userData === undefined ? undefined : Buffer.from(userData, 'base64').toString('utf8'),
      });
      this.made.set(key, physicalId);
    }
    return {
      physicalId,
      attributes: {
        Arn: this.arn('AWS::EC2::Instance', physicalId), InstanceId: physicalId, AvailabilityZone: availabilityZoneFor(props.AvailabilityZone, this.env.region),
      },
    };
  }

  private secret(logicalId: string, props: Record<string, unknown>, generation: number): NativeResult {
    const key = `secret/${logicalId}/${generation}`;
    let arn = this.made.get(key);
    if (!arn) {
      const n = this.creation(`secret/${logicalId}`);
      const name = typeof props.Name === 'string' ? props.Name : `${logicalId}-${this.ids.nameSuffix(logicalId, generation, 'secret', n)}`;
      const generate = props.GenerateSecretString as Record<string, unknown> | undefined;
      const value = typeof props.SecretString === 'string' ? props.SecretString
        : generateSecretString(generate ?? {}, this.ids, logicalId, String(generation), String(n));
      if (!this.sim.createSecret) throw new Error(`${logicalId}: this simulator has no Secrets Manager`);
      const replicaRegions = ((props.ReplicaRegions ?? []) as Array<{ Region: string }>).map((r) => r.Region);
      arn = this.sim.createSecret(this.env.region, name, value, { description: props.Description as string | undefined, replicaRegions }).arn;
      this.made.set(key, arn);
    }
    return { physicalId: arn, attributes: { Id: arn } };
  }

  /** An attribute CloudFormation would have but the fake does not model: a stable placeholder. */
  public placeholderAttribute(physicalId: string, name: string): string {
    return name.endsWith('Arn') ? `${physicalId}:${name}` : `${physicalId}.${name}`;
  }

  private physicalId(logicalId: string, type: string, generation: number): string {
    const prefix = EC2_PREFIX[type];
    if (prefix) return `${prefix}-${this.ids.hex(17, logicalId, generation)}`;
    // Names CloudFormation generates: <stack>-<logical id>-<suffix>, at most 64 characters.
    const base = `${this.env.stackName}-${logicalId}`.slice(0, 50);
    return `${base}-${this.ids.nameSuffix(logicalId, generation)}`;
  }

  private arn(type: string, physicalId: string): string {
    const [, service = 'unknown', kind = 'resource'] = type.split('::');
    const { partition, region, account } = this.env;
    if (type === 'AWS::Lambda::Function') return `arn:${partition}:lambda:${region}:${account}:function:${physicalId}`;
    if (type === 'AWS::IAM::Role') return `arn:${partition}:iam::${account}:role/${physicalId}`;
    if (type === 'AWS::Logs::LogGroup') return `arn:${partition}:logs:${region}:${account}:log-group:${physicalId}:*`;
    if (type === 'AWS::StepFunctions::StateMachine') return `arn:${partition}:states:${region}:${account}:stateMachine:${physicalId}`;
    return `arn:${partition}:${service.toLowerCase()}:${region}:${account}:${kind.toLowerCase()}/${physicalId}`;
  }
}
