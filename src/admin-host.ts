import * as fs from 'fs';
import * as path from 'path';
import { Arn, Aws, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, IConstruct } from 'constructs';
import { addNagSuppressions } from './private/nag';
import { vpcEndpointsOf } from './private/vpc-endpoints';
import { HostVpcEndpoint } from './types';

/** The admin host's setup script (its user data), shipped in the package. */
const SETUP_SCRIPT = path.join(__dirname, '..', 'assets', 'host', 'setup.sh');

/**
 * The CloudHSM CLI package for Amazon Linux 2023 where AWS publishes it; `%ARCH%` becomes the
 * host's architecture (x86_64 or aarch64).
 */
export const CLOUDHSM_CLI_PACKAGE_URL =
  'https://s3.amazonaws.com/cloudhsmv2-software/CloudHsmClient/Amzn2023/cloudhsm-cli-latest.amzn2023.%ARCH%.rpm';

/** What an admin host is to the activation: an SSM-managed instance in the cluster's VPC. */
export interface IHsmAdminHost extends IConstruct, ec2.IConnectable {
  /**
   * The EC2 instance id.
   * @attribute
   */
  readonly instanceId: string;

  /** The ARN of the instance. */
  readonly instanceArn: string;

  /**
   * The VPC of the instance, where known: an activation checks it is the cluster's.
   *
   * @default - unknown
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The principal of the instance's role, where known: it is granted read access to the admin password secret.
   *
   * @default - unknown: grant the instance's role `secretsmanager:GetSecretValue` on the secret yourself
   */
  readonly grantPrincipal?: iam.IPrincipal;
}

/** Where the admin host gets the CloudHSM CLI package from. */
export abstract class CloudHsmCliPackage {
  /**
   * Downloads the package over HTTPS: the host needs internet egress (a NAT gateway or a public subnet).
   *
   * @param url the rpm's URL; `%ARCH%` becomes the host's architecture. Default: AWS's latest CloudHSM CLI for Amazon Linux 2023
   */
  public static fromUrl(url: string = CLOUDHSM_CLI_PACKAGE_URL): CloudHsmCliPackage {
    if (!Token.isUnresolved(url) && !/^https:\/\/\S+$/.test(url)) {
      throw new Error(`CloudHsmCliPackage.fromUrl: url ${JSON.stringify(url)} is not valid; it must be an https:// URL`);
    }
    return new (class extends CloudHsmCliPackage {
      public readonly needsInternet = true;
      public bind(): CloudHsmCliPackageConfig {
        return { url };
      }
    })();
  }

  /**
   * An rpm file of this app, uploaded as an S3 asset: for isolated subnets (with the S3 gateway
   * endpoint). The host may read that one object of the assets bucket, nothing else in it.
   *
   * @param file path of the cloudhsm-cli rpm for the host's architecture
   */
  public static fromAsset(file: string): CloudHsmCliPackage {
    if (!Token.isUnresolved(file) && !fs.existsSync(file)) {
      throw new Error(`CloudHsmCliPackage.fromAsset: file ${JSON.stringify(file)} does not exist`);
    }
    return new (class extends CloudHsmCliPackage {
      public readonly needsInternet = false;
      public bind(scope: Construct, grantee: iam.IGrantable): CloudHsmCliPackageConfig {
        const asset = new s3assets.Asset(scope, 'CliPackage', { path: file });
        // The package object only: Asset.grantRead would open the whole assets bucket.
        asset.bucket.grantRead(grantee, asset.s3ObjectKey);
        return { s3Uri: asset.s3ObjectUrl };
      }
    })();
  }

  /**
   * An rpm you keep in an S3 bucket: for isolated subnets (with the S3 gateway endpoint).
   *
   * @param bucket the bucket
   * @param key the object key of the rpm
   */
  public static fromBucket(bucket: s3.IBucket, key: string): CloudHsmCliPackage {
    return new (class extends CloudHsmCliPackage {
      public readonly needsInternet = false;
      public bind(_scope: Construct, grantee: iam.IGrantable): CloudHsmCliPackageConfig {
        bucket.grantRead(grantee, key);
        return { s3Uri: bucket.s3UrlForObject(key) };
      }
    })();
  }

  /** Whether the host downloads the package from the internet. */
  public abstract readonly needsInternet: boolean;

  /**
   * Makes the package available to the host.
   *
   * @param scope the admin host
   * @param grantee the host's role
   */
  public abstract bind(scope: Construct, grantee: iam.IGrantable): CloudHsmCliPackageConfig;
}

/** Where the admin host's setup finds the package. */
export interface CloudHsmCliPackageConfig {
  /**
   * An https URL.
   *
   * @default - not a download
   */
  readonly url?: string;

  /**
   * An `s3://bucket/key` URI.
   *
   * @default - not an S3 object
   */
  readonly s3Uri?: string;
}

/** Options of an `HsmAdminHost`, also those of the host an activation makes. */
export interface HsmAdminHostOptions {
  /**
   * Where the host runs: one subnet is used.
   *
   * @default - the VPC's first private subnet with egress, else its first isolated subnet, else its first public subnet
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The instance type; the CloudHSM CLI needs little.
   *
   * @default t3.micro
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Where the CloudHSM CLI package comes from. In isolated subnets use `fromAsset` or `fromBucket`.
   *
   * @default CloudHsmCliPackage.fromUrl() (AWS's latest package; needs internet egress)
   */
  readonly cliPackage?: CloudHsmCliPackage;

  /**
   * Creates the VPC endpoints an isolated host needs: interface endpoints for SSM, SSM messages,
   * EC2 messages and Secrets Manager in the host's subnet, and the S3 gateway endpoint (the
   * package asset and Amazon Linux's package repositories).
   *
   * @default false
   */
  readonly createVpcEndpoints?: boolean;

  /**
   * The VPC already has those endpoints (SSM, SSM messages, EC2 messages, Secrets Manager, S3):
   * an isolated host is then accepted without `createVpcEndpoints`.
   *
   * @default false
   */
  readonly vpcEndpointsExist?: boolean;

  /**
   * The endpoints the VPC already has, of those an isolated host needs: `createVpcEndpoints` makes
   * only the others (EC2 refuses a second private-DNS or S3 gateway endpoint in a VPC). Listing all
   * five is the same as `vpcEndpointsExist`. Endpoints made by another host of this app in the same
   * VPC (and stack) are found without being listed: each VPC gets each endpoint once.
   *
   * @default - none: `createVpcEndpoints` makes all five (unless `vpcEndpointsExist`)
   */
  readonly existingVpcEndpoints?: HostVpcEndpoint[];

  /**
   * The image of the host. The default is looked up when the instance is launched, so the template
   * does not change when Amazon Linux publishes a new AMI and an unchanged app never replaces the
   * host. To pin the AMI in `cdk.context.json` instead (as CDK caches lookups; needs a stack with an
   * account and region), pass `ec2.MachineImage.latestAmazonLinux2023({ cachedInContext: true, cpuType })`;
   * move to a newer AMI with `cdk context --reset <key>` and deploy (the host is replaced).
   * The image must match the instance type's architecture and run the SSM agent (Amazon Linux 2023).
   *
   * @default - the latest Amazon Linux 2023 AMI for the instance type's architecture, resolved by EC2 at launch
   */
  readonly machineImage?: ec2.IMachineImage;

  /**
   * The cluster's trust anchor (PEM), written at setup. An activation writes it too, so this is only
   * for a host that works with a cluster initialized outside the stack.
   *
   * @default - none at setup
   */
  readonly trustAnchor?: string;
}

/** Properties of an `HsmAdminHost`. */
export interface HsmAdminHostProps extends HsmAdminHostOptions {
  /** The VPC: the cluster's. */
  readonly vpc: ec2.IVpc;
}

/** Attributes of an instance used as admin host (`HsmAdminHost.fromInstanceAttributes`). */
export interface HsmAdminHostAttributes {
  /** The instance id. It must be managed by SSM and have the CloudHSM CLI installed in /opt/cloudhsm. */
  readonly instanceId: string;

  /**
   * The instance's VPC, checked against the cluster's.
   *
   * @default - not checked
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The instance's role: it is granted read access to the admin password secret.
   *
   * @default - grant it yourself
   */
  readonly role?: iam.IRole;

  /**
   * The instance's security groups: the cluster's security group is opened to them on TCP 2223-2225.
   *
   * @default - none: allow the instance to reach the cluster yourself
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * A small EC2 instance in the cluster's VPC from which the cluster is administered.
 *
 * It runs Amazon Linux 2023: the latest AMI for its architecture, resolved by EC2 when the instance
 * is launched, so a new Amazon Linux release does not replace it (see `machineImage`). IMDSv2 only,
 * an encrypted root volume, no SSH key and no inbound rule; reached with SSM (Run Command, Session
 * Manager). Its user data installs the CloudHSM CLI. It may reach the cluster on TCP 2223-2225 and HTTPS (SSM,
 * Secrets Manager, the package).
 *
 * With `activation` on the cluster, the stack runs `cluster activate` on it. Afterwards it stays
 * useful: open a Session Manager shell and run `/opt/cloudhsm/bin/cloudhsm-cli interactive`.
 */
export class HsmAdminHost extends Construct implements IHsmAdminHost {
  /**
   * Uses an instance of your own as admin host. It must run the SSM agent (be online in Fleet
   * Manager), have the CloudHSM CLI in /opt/cloudhsm and may not have a `cdk-cloudhsm-ready` marker:
   * the activation then uses the CLI as it finds it.
   *
   * @param scope the parent construct
   * @param id the construct id
   * @param attrs the instance
   */
  public static fromInstanceAttributes(scope: Construct, id: string, attrs: HsmAdminHostAttributes): IHsmAdminHost {
    class Imported extends Construct implements IHsmAdminHost {
      public readonly instanceId = attrs.instanceId;
      public readonly instanceArn = instanceArnOf(scope, attrs.instanceId);
      public readonly vpc = attrs.vpc;
      public readonly grantPrincipal = attrs.role;
      public readonly connections = new ec2.Connections({ securityGroups: attrs.securityGroups ?? [] });
    }
    return new Imported(scope, id);
  }

  public readonly instanceId: string;
  public readonly instanceArn: string;
  /** The VPC of the host (always set for a host made here). */
  public readonly vpc?: ec2.IVpc;
  public readonly connections: ec2.Connections;
  /** The principal of the instance's role (always set for a host made here). */
  public readonly grantPrincipal?: iam.IPrincipal;

  /** The instance. */
  public readonly instance: ec2.Instance;

  /** The instance's role. */
  public readonly role: iam.IRole;

  /** The instance's security group: no inbound rule; HTTPS out, and TCP 2223-2225 to the cluster. */
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: HsmAdminHostProps) {
    super(scope, id);
    this.vpc = props.vpc;
    const subnets = props.vpc.selectSubnets(props.vpcSubnets ?? defaultSubnets(props.vpc));
    const cliPackage = props.cliPackage ?? CloudHsmCliPackage.fromUrl();
    checkNetwork(this, props, subnets, cliPackage);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'cdk-cloudhsm admin host: no inbound; HTTPS out (SSM, Secrets Manager, the CLI package) and the cluster on TCP 2223-2225',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'SSM, Secrets Manager and the CloudHSM CLI package (HTTPS)');
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'cdk-cloudhsm admin host: SSM agent, its own admin password secret, the CLI package',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.role = role;
    this.grantPrincipal = role;
    addNagSuppressions(role, [{
      id: 'AwsSolutions-IAM4',
      reason: 'AmazonSSMManagedInstanceCore is the policy AWS documents for the SSM agent (Run Command, Session Manager); it follows the agent\'s needs as they change. The host\'s other rights are inline and scoped to its own secret and package.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore'],
    }]);

    const source = cliPackage.bind(this, role);
    const userData = ec2.UserData.forLinux();
    const region = Aws.REGION;
    userData.addCommands(
      `export CDK_CLOUDHSM_REGION='${region}'`,
      ...(source.url ? [`export CDK_CLOUDHSM_PACKAGE_URL='${source.url}'`] : []),
      ...(source.s3Uri ? [`export CDK_CLOUDHSM_PACKAGE_S3='${source.s3Uri}'`] : []),
      ...(props.trustAnchor ? [`export CDK_CLOUDHSM_TRUST_ANCHOR_B64='${Buffer.from(props.trustAnchor).toString('base64')}'`] : []),
      setupScript(),
    );

    const instanceType = props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO);
    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: { subnets: subnets.subnets.slice(0, 1) },
      instanceType,
      machineImage: props.machineImage ?? defaultImage(instanceType),
      securityGroup: this.securityGroup,
      role,
      userData,
      requireImdsv2: true,
      detailedMonitoring: true,
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) }],
    });
    addNagSuppressions(this.instance, [{
      id: 'AwsSolutions-EC29',
      reason: 'The admin host keeps no state: it is rebuilt from its user data, and the admin password lives in Secrets Manager. Termination protection or an Auto Scaling group would keep `cdk destroy` from removing it (or replace it mid-activation).',
    }]);
    if (!props.machineImage) {
      Validations.of(this.instance).acknowledge({
        id: 'CloudFormation-Validate::E1152',
        reason: 'ImageId is `resolve:ssm:` and the name of the public Amazon Linux 2023 parameter, which EC2 resolves when it launches the instance (EC2 user guide: public parameters); the template then does not change when a new AMI is published.',
      });
    }
    this.instanceId = this.instance.instanceId;
    this.instanceArn = instanceArnOf(this, this.instanceId);

    if (props.createVpcEndpoints) {
      vpcEndpointsOf(props.vpc).provide(this, subnets.subnets[0], this.securityGroup, new Set(props.existingVpcEndpoints ?? []));
    }
  }
}

function instanceArnOf(scope: Construct, instanceId: string): string {
  return Arn.format({ service: 'ec2', resource: 'instance', resourceName: instanceId }, Stack.of(scope));
}

function setupScript(): string {
  if (!fs.existsSync(SETUP_SCRIPT)) throw new Error(`cdk-cloudhsm: ${SETUP_SCRIPT} is missing from the package (run the bundle task)`);
  // The user data has its own shebang; drop the script's.
  return fs.readFileSync(SETUP_SCRIPT, 'utf8').replace(/^#!.*\n/, '');
}

function defaultSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  if (vpc.privateSubnets.length > 0) return { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  if (vpc.isolatedSubnets.length > 0) return { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  return { subnetType: ec2.SubnetType.PUBLIC };
}

/** The latest Amazon Linux 2023 for the instance type's architecture, resolved by EC2 at launch (a stable template). */
function defaultImage(instanceType: ec2.InstanceType): ec2.IMachineImage {
  const cpuType = instanceType.architecture === ec2.InstanceArchitecture.ARM_64 ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64;
  const parameter = ec2.AmazonLinux2023ImageSsmParameter.ssmParameterName({ cpuType });
  return ec2.MachineImage.resolveSsmParameterAtLaunch(parameter, { os: ec2.OperatingSystemType.LINUX });
}

const ALL_ENDPOINTS = Object.values(HostVpcEndpoint);

/** A host without internet egress needs endpoints and a package it can reach; say what is missing. */
function checkNetwork(host: Construct, props: HsmAdminHostProps, subnets: ec2.SelectedSubnets, cliPackage: CloudHsmCliPackage): void {
  if (subnets.subnets.length === 0) {
    throw new Error(`HsmAdminHost ${host.node.path}: vpcSubnets selects no subnet of the VPC`);
  }
  const offline = offlineReason(props.vpc, subnets.subnets);
  if (!offline) return;
  const missing: string[] = [];
  const listed = new Set(props.existingVpcEndpoints ?? []);
  if (!props.createVpcEndpoints && !props.vpcEndpointsExist && !ALL_ENDPOINTS.every((e) => listed.has(e))) {
    missing.push('VPC endpoints for SSM, SSM messages, EC2 messages, Secrets Manager and S3 (set createVpcEndpoints: true, or vpcEndpointsExist: true if the VPC has them)');
  }
  if (cliPackage.needsInternet) {
    missing.push('a CloudHSM CLI package it can reach (cliPackage: CloudHsmCliPackage.fromAsset(rpmFile) or fromBucket(bucket, key))');
  }
  if (missing.length > 0) {
    throw new Error(`HsmAdminHost ${host.node.path}: vpcSubnets ${offline}, so the host needs ${missing.join(' and ')}`);
  }
}

/**
 * Why the host's subnets have no internet egress, when synth can tell: they are isolated, or they
 * are private subnets of this app whose route table has no default route (a VPC without NAT
 * gateways). Undefined when they have egress or it cannot be known (imported subnets).
 */
function offlineReason(vpc: ec2.IVpc, subnets: ec2.ISubnet[]): string | undefined {
  const isolatedIds = new Set(vpc.isolatedSubnets.map((s) => s.subnetId));
  if (subnets.every((s) => isolatedIds.has(s.subnetId))) return 'are isolated (no internet egress)';
  const privateIds = new Set(vpc.privateSubnets.map((s) => s.subnetId));
  const host = subnets[0];
  if (privateIds.has(host.subnetId) && host instanceof ec2.Subnet && !hasDefaultRoute(host)) {
    return `select the private subnet ${host.node.path}, whose route table has no route to 0.0.0.0/0 (no NAT gateway), so the host has no internet egress and SSM cannot reach it`;
  }
  return undefined;
}

/** Whether a subnet of this app has an IPv4 default route (NAT gateway, NAT instance, internet or transit gateway). */
function hasDefaultRoute(subnet: ec2.Subnet): boolean {
  return subnet.node.children.some((c) => c instanceof ec2.CfnRoute && c.destinationCidrBlock === '0.0.0.0/0');
}
