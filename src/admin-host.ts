import * as fs from 'fs';
import * as path from 'path';
import { Arn, Aws, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, IConstruct } from 'constructs';
import { addNagSuppressions } from './private/nag';

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
   * An rpm file of this app, uploaded as an S3 asset: for isolated subnets (with the S3 gateway endpoint).
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
        asset.grantRead(grantee);
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
 * A small EC2 instance in the cluster's VPC from which the cluster is administered: Amazon Linux
 * 2023 (the latest AMI, looked up from SSM Parameter Store at deployment), IMDSv2 only, an encrypted
 * root volume, no SSH key and no inbound rule; reached with SSM (Run Command, Session Manager). Its
 * user data installs the CloudHSM CLI. It may reach the cluster on TCP 2223-2225 and HTTPS (SSM,
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

    this.instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: { subnets: subnets.subnets.slice(0, 1) },
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
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
    this.instanceId = this.instance.instanceId;
    this.instanceArn = instanceArnOf(this, this.instanceId);

    if (props.createVpcEndpoints) this.addEndpoints(props.vpc, subnets);
  }

  private addEndpoints(vpc: ec2.IVpc, subnets: ec2.SelectedSubnets): void {
    const endpointSubnets = { subnets: subnets.subnets.slice(0, 1) };
    const services: Array<[string, ec2.InterfaceVpcEndpointAwsService]> = [
      ['Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
      ['SsmMessages', ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES],
      ['Ec2Messages', ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES],
      ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
    ];
    for (const [id, service] of services) {
      const endpoint = new ec2.InterfaceVpcEndpoint(this, `${id}Endpoint`, { vpc, service, subnets: endpointSubnets, open: false });
      endpoint.connections.allowDefaultPortFrom(this.securityGroup);
    }
    new ec2.GatewayVpcEndpoint(this, 'S3Endpoint', { vpc, service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [endpointSubnets] });
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

/** A host in isolated subnets needs endpoints and a package it can reach; say what is missing. */
function checkNetwork(host: Construct, props: HsmAdminHostProps, subnets: ec2.SelectedSubnets, cliPackage: CloudHsmCliPackage): void {
  if (subnets.subnets.length === 0) {
    throw new Error(`HsmAdminHost ${host.node.path}: vpcSubnets selects no subnet of the VPC`);
  }
  const isolatedIds = new Set(props.vpc.isolatedSubnets.map((s) => s.subnetId));
  const isolated = subnets.subnets.every((s) => isolatedIds.has(s.subnetId));
  if (!isolated) return;
  const missing: string[] = [];
  if (!props.createVpcEndpoints && !props.vpcEndpointsExist) {
    missing.push('VPC endpoints for SSM, SSM messages, EC2 messages, Secrets Manager and S3 (set createVpcEndpoints: true, or vpcEndpointsExist: true if the VPC has them)');
  }
  if (cliPackage.needsInternet) {
    missing.push('a CloudHSM CLI package it can reach (cliPackage: CloudHsmCliPackage.fromAsset(rpmFile) or fromBucket(bucket, key))');
  }
  if (missing.length > 0) {
    throw new Error(`HsmAdminHost ${host.node.path}: vpcSubnets are isolated (no internet egress), so the host needs ${missing.join(' and ')}`);
  }
}
