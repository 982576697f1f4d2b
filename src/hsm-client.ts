import * as fs from 'fs';
import * as path from 'path';
import { CustomResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { CryptoUser } from './crypto-user';
import type { IHsmCluster } from './hsm';
import { activationOf } from './private/activation-resource';
import { allowHostToCluster } from './private/host-network';
import { addNagSuppressions } from './private/nag';
import { CloudHsmProvider, SERVICE_TIMEOUT } from './private/provider';
import { vpcEndpointsOf } from './private/vpc-endpoints';
import { HostVpcEndpoint } from './types';

/** The client setup script, shipped in the package (assets/handler, beside the handler's host scripts). */
const CLIENT_SETUP_SCRIPT = path.join(__dirname, '..', 'assets', 'handler', 'client-setup.sh');

/**
 * Where AWS publishes the Client SDK 5 packages for Amazon Linux 2023: `%LIB%` becomes the library
 * (pkcs11, jce, dyn), `%ARCH%` the host's architecture (x86_64 or aarch64).
 */
export const CLIENT_SDK_PACKAGE_URL =
  'https://s3.amazonaws.com/cloudhsmv2-software/CloudHsmClient/Amzn2023/cloudhsm-%LIB%-latest.amzn2023.%ARCH%.rpm';

/** The Client SDK 5 libraries an application uses the HSMs through. */
export enum HsmClientLibrary {
  /** The PKCS #11 library (configured with configure-pkcs11). */
  PKCS11 = 'pkcs11',
  /** The JCE provider for Java (configure-jce). */
  JCE = 'jce',
  /** The OpenSSL Dynamic Engine (configure-dyn). */
  OPENSSL_DYNAMIC_ENGINE = 'dyn',
}

/** Properties of an `HsmClient`. */
export interface HsmClientProps {
  /** The crypto user the application logs in as; its cluster is the client's. */
  readonly cryptoUser: CryptoUser;

  /**
   * The Client SDK 5 libraries to install and configure.
   *
   * @default [HsmClientLibrary.PKCS11]
   */
  readonly libraries?: HsmClientLibrary[];

  /**
   * Where the library packages are downloaded from (`%LIB%` and `%ARCH%` are filled in).
   *
   * @default CLIENT_SDK_PACKAGE_URL
   */
  readonly packageUrl?: string;
}

/** Options of `HsmClient.connect`. */
export interface HsmClientConnectOptions {
  /**
   * The user data (or nothing, for a container: use `setupCommands` in its entrypoint) the setup
   * commands are added to.
   *
   * @default - no commands are added
   */
  readonly userData?: ec2.UserData;

  /**
   * Make the VPC endpoints a client without internet egress needs (SSM, Secrets Manager, S3 and
   * CloudHSM's API, which `--cluster-id` calls) in this subnet, unless the VPC has them (`existingVpcEndpoints`).
   *
   * @default - none: the client reaches the services through a NAT gateway or its own endpoints
   */
  readonly vpcEndpointSubnet?: ec2.ISubnet;

  /**
   * The endpoints the VPC has already, of those `vpcEndpointSubnet` would make (not CloudHSM's, made once per VPC here).
   *
   * @default - none
   */
  readonly existingVpcEndpoints?: HostVpcEndpoint[];
}

/** The trust anchor parameter of each cluster: one per cluster, shared by its clients. */
const parameters = new WeakMap<object, ssm.StringParameter>();

/**
 * What an application host (an EC2 instance, an Auto Scaling group, an ECS task) needs to use a
 * cluster's HSMs as a crypto user: the cluster's trust anchor in an SSM parameter, TCP 2223-2225 to
 * the cluster, IAM to read the trust anchor parameter (`ssm:GetParameter`), the user's password
 * secret (`secretsmanager:GetSecretValue`) and `cloudhsm:DescribeClusters`, and the commands that install the Client SDK 5 libraries and
 * configure them with `--cluster-id` (so HSMs AWS replaces need no reconfiguration).
 *
 */
export class HsmClient extends Construct {
  /** The SSM parameter with the cluster's trust anchor (PEM). */
  public readonly trustAnchorParameter: ssm.IStringParameter;
  /** The crypto user the application logs in as. */
  public readonly cryptoUser: CryptoUser;
  /** The cluster. */
  public readonly cluster: IHsmCluster;
  /** The libraries the setup commands install. */
  public readonly libraries: HsmClientLibrary[];

  private readonly packageUrl: string;

  constructor(scope: Construct, id: string, props: HsmClientProps) {
    super(scope, id);
    this.cryptoUser = props.cryptoUser;
    this.cluster = props.cryptoUser.cluster;
    this.libraries = [...new Set(props.libraries ?? [HsmClientLibrary.PKCS11])];
    if (this.libraries.length === 0) throw new Error(`HsmClient ${this.node.path}: libraries: name at least one Client SDK library`);
    this.packageUrl = props.packageUrl ?? CLIENT_SDK_PACKAGE_URL;
    this.trustAnchorParameter = parameters.get(this.cluster) ?? this.makeParameter();
  }

  /**
   * Lets `grantee` read what the client needs and nothing more: `ssm:GetParameter` on the trust
   * anchor parameter, `secretsmanager:GetSecretValue` on the crypto user's password secret (and
   * decrypt through Secrets Manager with its key, if it has one), and `cloudhsm:DescribeClusters`
   * (which supports no resource-level permission).
   *
   * @param grantee the application's role
   */
  public grantConnect(grantee: iam.IGrantable): void {
    // The setup commands read the one parameter by name, and the application reads the password:
    // neither lists, describes or reads history, so the broader `grantRead`s are not used.
    iam.Grant.addToPrincipal({ grantee, actions: ['ssm:GetParameter'], resourceArns: [this.trustAnchorParameter.parameterArn] });
    const secret = this.cryptoUser.passwordSecret;
    // A secret known by name only: its ARN ends in six characters Secrets Manager chose (as aws-cdk-lib grants it).
    iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secret.secretFullArn ?? `${secret.secretArn}-??????`] });
    secret.encryptionKey?.grantDecrypt(new kms.ViaServicePrincipal(`secretsmanager.${Stack.of(secret).region}.amazonaws.com`, grantee.grantPrincipal));
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['cloudhsm:DescribeClusters'], resourceArns: ['*'] });
    const policy = grant.principalStatement && (grantee.grantPrincipal as iam.Role).node?.tryFindChild('DefaultPolicy');
    if (policy) {
      addNagSuppressions(policy, [{
        id: 'AwsSolutions-IAM5',
        reason: 'cloudhsm:DescribeClusters supports no resource-level permissions (Service Authorization Reference); the Client SDK calls it to find the HSMs of the cluster it is configured with (--cluster-id). It only reads.',
        appliesTo: ['Resource::*'],
      }]);
    }
  }

  /**
   * Opens TCP 2223-2225 (and nothing else) from `peer`'s security groups to the cluster's.
   *
   * @param peer the application's instance, group or service
   */
  public allowFrom(peer: ec2.IConnectable): void {
    const n = this.node.children.filter((c) => c.node.id.startsWith('Access')).length;
    allowHostToCluster(this, `Access${n}`, peer, this.cluster, `cdk-cloudhsm client ${this.node.path}`);
  }

  /**
   * The shell commands that set the client up (user data, or a container entrypoint before the
   * application starts): they hold the cluster id, the parameter's name and the secret's ARN, never a password.
   */
  public setupCommands(): string[] {
    const q = (v: string) => `'${v}'`;
    return [
      `export CDK_CLOUDHSM_CLUSTER_ID=${q(this.cluster.clusterId)}`,
      `export CDK_CLOUDHSM_REGION=${q(Stack.of(this).region)}`,
      `export CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER=${q(this.trustAnchorParameter.parameterName)}`,
      `export CDK_CLOUDHSM_LIBRARIES=${q(this.libraries.join(' '))}`,
      `export CDK_CLOUDHSM_PACKAGE_URL=${q(this.packageUrl)}`,
      `export CDK_CLOUDHSM_USERNAME=${q(this.cryptoUser.username)}`,
      `export CDK_CLOUDHSM_USER_SECRET_ARN=${q(this.cryptoUser.passwordSecret.secretArn)}`,
      fs.readFileSync(CLIENT_SETUP_SCRIPT, 'utf8').replace(/^#!.*\n/, ''),
    ];
  }

  /**
   * Connects an application: the network rules, the IAM, and (with `userData`) the setup commands.
   *
   * When `peer` is a construct (an instance, an Auto Scaling group, a service), it is made to depend on
   * the crypto user, so the application starts only once its user exists on the HSMs.
   *
   * @param peer what opens connections to the HSMs (an instance, an Auto Scaling group, an ECS service)
   * @param grantee its role
   * @param options user data and VPC endpoints
   */
  public connect(peer: ec2.IConnectable, grantee: iam.IGrantable, options: HsmClientConnectOptions = {}): void {
    // The setup commands configure the client from the cluster's HSMs (DescribeClusters) and the
    // application logs in as the user at start: the peer starts once the user exists on the HSMs.
    if (Construct.isConstruct(peer)) peer.node.addDependency(this.cryptoUser);
    this.allowFrom(peer);
    this.grantConnect(grantee);
    options.userData?.addCommands(...this.setupCommands());
    if (options.vpcEndpointSubnet) {
      const vpc = (this.cluster as { vpc?: ec2.IVpc }).vpc;
      if (!vpc) throw new Error(`HsmClient ${this.node.path}: vpcEndpointSubnet: the VPC of the cluster ${this.cluster.node.path} is not known`);
      for (const group of peer.connections.securityGroups) {
        vpcEndpointsOf(vpc).provideForClient(this, options.vpcEndpointSubnet, group, new Set(options.existingVpcEndpoints ?? []));
      }
    }
  }

  /**
   * Connects an EC2 instance: its security groups, its role, its user data.
   *
   * @param instance the application host
   * @param options VPC endpoints for an isolated subnet
   */
  public connectInstance(instance: ec2.Instance, options: HsmClientConnectOptions = {}): void {
    this.connect(instance, instance, { userData: instance.userData, ...options });
  }

  /** The trust anchor as an SSM parameter: the PEM when the stack knows it, else the Private CA's certificate read at deploy time. */
  private makeParameter(): ssm.StringParameter {
    const activation = activationOf(this.cluster);
    if (!activation) {
      throw new Error(`HsmClient ${this.node.path}: cryptoUser: the cluster ${this.cluster.node.path} is not activated by this stack`);
    }
    let value = activation.trustAnchor;
    if (value === undefined) {
      const provider = CloudHsmProvider.of(this);
      const resource = new CustomResource(this, 'TrustAnchor', {
        serviceToken: provider.serviceToken,
        resourceType: 'Custom::CloudHsmTrustAnchor',
        serviceTimeout: SERVICE_TIMEOUT,
        properties: { ClusterId: this.cluster.clusterId, CertificateAuthorityArn: activation.certificateAuthorityArn },
      });
      value = resource.getAttString('TrustAnchor');
    }
    const parameter = new ssm.StringParameter(this, 'TrustAnchorParameter', {
      stringValue: value,
      description: `The trust anchor (PEM) of the CloudHSM cluster ${this.cluster.node.path}, for its clients (cdk-cloudhsm)`,
    });
    parameters.set(this.cluster, parameter);
    return parameter;
  }
}
