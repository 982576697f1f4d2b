import { Duration, Token } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import { P } from './private/property-names';
import { checkCertificatePem } from './private/rules';

/** The certificates of `ClusterInitialization.fromCertificates`. */
export interface ClusterCertificates {
  /**
   * The cluster certificate (PEM): the cluster's CSR (the `clusterCsr` attribute of its first HSM)
   * signed by your issuing certificate authority. At most 20000 characters.
   */
  readonly signedCertificate: string;

  /** The certificate of the CA that signed it (PEM), the cluster's trust anchor. At most 20000 characters. */
  readonly trustAnchor: string;
}

/** Options of `ClusterInitialization.fromPrivateCa`. */
export interface PrivateCaInitializationOptions {
  /**
   * How long the cluster certificate is valid: whole days. It must end before the CA's own certificate does.
   *
   * @default Duration.days(1825) (5 years)
   */
  readonly validity?: Duration;
}

/** What a `ClusterInitialization` gives the initialization resource. */
export interface ClusterInitializationConfig {
  /**
   * The ARN of the AWS Private CA that signs the cluster's CSR.
   *
   * @default - not the Private CA form
   */
  readonly certificateAuthorityArn?: string;

  /**
   * Validity of the certificate the Private CA issues, in days.
   *
   * @default - not the Private CA form
   */
  readonly validityDays?: number;

  /**
   * The signed cluster certificate (PEM).
   *
   * @default - not the certificates form
   */
  readonly signedCertificate?: string;

  /**
   * The trust anchor (PEM).
   *
   * @default - not the certificates form
   */
  readonly trustAnchor?: string;
}

/** The template AWS Private CA issues the cluster certificate with: a subordinate CA that signs no further CAs. */
export const SUBORDINATE_CA_TEMPLATE = 'arn:aws:acm-pca:::template/SubordinateCACertificate_PathLen0/V1';

/**
 * How a cluster is initialized (its CSR signed and InitializeCluster called) by the stack.
 * Pass it as `initialization` of an `HsmCluster` or to `HsmCluster.initialize`.
 *
 * Initialization cannot be undone: removing it from the stack changes nothing in AWS.
 * Activation (INITIALIZED to ACTIVE) is left to you: it is done with the CloudHSM CLI from a client
 * in the cluster's VPC (see docs/initialization.md).
 */
export abstract class ClusterInitialization {
  /**
   * AWS Private CA signs the cluster's CSR (template `SubordinateCACertificate_PathLen0/V1`,
   * SHA256WITHRSA) and its certificate (the root of its chain) becomes the trust anchor.
   * The stack's handler may issue certificates with this CA and read them, and nothing else of it.
   *
   * @param ca the certificate authority (it must be ACTIVE)
   * @param options validity of the cluster certificate
   */
  public static fromPrivateCa(ca: acmpca.ICertificateAuthority, options: PrivateCaInitializationOptions = {}): ClusterInitialization {
    const days = options.validity?.toDays({ integral: false }) ?? 1825;
    const errors: string[] = [];
    if (!Token.isUnresolved(days) && (!Number.isInteger(days) || days < 1)) {
      errors.push(`${P.validity}: ${days} days is not valid; it must be a whole number of days, at least 1`);
    }
    if (errors.length > 0) throw new Error(`ClusterInitialization.fromPrivateCa: ${errors.join('; ')}`);
    return new (class extends ClusterInitialization {
      public bind(): ClusterInitializationConfig {
        return { certificateAuthorityArn: ca.certificateAuthorityArn, validityDays: days };
      }
    })();
  }

  /**
   * A certificate you signed yourself: deploy the cluster and its first HSM, sign the CSR from the
   * HSM's `clusterCsr` attribute (or DescribeClusters), then add this and deploy again.
   *
   * @param certificates the signed cluster certificate and the trust anchor (PEM)
   */
  public static fromCertificates(certificates: ClusterCertificates): ClusterInitialization {
    const errors: string[] = [];
    for (const [prop, value] of [[P.signedCertificate, certificates.signedCertificate], [P.trustAnchor, certificates.trustAnchor]]) {
      if (!Token.isUnresolved(value)) errors.push(...checkCertificatePem(prop, value));
    }
    if (errors.length > 0) throw new Error(`ClusterInitialization.fromCertificates: ${errors.join('; ')}`);
    return new (class extends ClusterInitialization {
      public bind(): ClusterInitializationConfig {
        return { signedCertificate: certificates.signedCertificate, trustAnchor: certificates.trustAnchor };
      }
    })();
  }

  /** What the initialization resource is given. */
  public abstract bind(): ClusterInitializationConfig;
}
