/**
 * The type of the HSMs in a cluster.
 *
 * Known types are offered as constants; `HsmType.of()` takes any other name the service accepts,
 * so new types need no release of this library.
 */
export class HsmType {
  /** The original CloudHSM v2 HSM. */
  public static readonly HSM1_MEDIUM = new HsmType('hsm1.medium');

  /** The second-generation HSM, with FIPS and non-FIPS cluster modes. */
  public static readonly HSM2M_MEDIUM = new HsmType('hsm2m.medium');

  /**
   * An HSM type by name, such as `hsm2m.medium`.
   *
   * @param name the HSM type name as the CloudHSM API spells it
   */
  public static of(name: string): HsmType {
    return new HsmType(name);
  }

  private constructor(
    /** The HSM type name as the CloudHSM API spells it. */
    public readonly name: string,
  ) {}

  /** The HSM type name. */
  public toString(): string {
    return this.name;
  }
}

/** The FIPS mode of a cluster (hsm2m.medium clusters). Set at creation. */
export enum ClusterMode {
  /** FIPS 140-3 validated mode: only FIPS-approved keys and algorithms. */
  FIPS = 'FIPS',
  /** Non-FIPS mode: allows keys and algorithms outside the FIPS-approved set. */
  NON_FIPS = 'NON_FIPS',
}

/** The IP address family of a cluster's HSM network interfaces. Set at creation. */
export enum NetworkType {
  /** IPv4 only. */
  IPV4 = 'IPV4',
  /** IPv4 and IPv6. The cluster's subnets need IPv6 CIDR blocks. */
  DUALSTACK = 'DUALSTACK',
}

/** The VPC endpoints a host without internet egress needs (`HsmAdminHostOptions.existingVpcEndpoints`). */
export enum HostVpcEndpoint {
  /** Interface endpoint of Systems Manager (`ssm`). */
  SSM = 'SSM',
  /** Interface endpoint of Session Manager's messages (`ssmmessages`). */
  SSM_MESSAGES = 'SSM_MESSAGES',
  /** Interface endpoint of the SSM agent's messages (`ec2messages`). */
  EC2_MESSAGES = 'EC2_MESSAGES',
  /** Interface endpoint of Secrets Manager (`secretsmanager`). */
  SECRETS_MANAGER = 'SECRETS_MANAGER',
  /** Gateway endpoint of S3 (the CLI package, Amazon Linux's package repositories). */
  S3 = 'S3',
}
