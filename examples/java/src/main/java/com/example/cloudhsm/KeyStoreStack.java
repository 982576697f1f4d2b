package com.example.cloudhsm;

import io.github.cdkcloudhsm.ClusterActivationOptions;
import io.github.cdkcloudhsm.ClusterInitialization;
import io.github.cdkcloudhsm.HsmCluster;
import io.github.cdkcloudhsm.HsmKeyOptions;
import io.github.cdkcloudhsm.HsmKeyStore;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.acmpca.CertificateAuthority;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.iam.AccountRootPrincipal;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.constructs.Construct;

/**
 * One deployment from nothing to a CONNECTED KMS key store with a KMS key in it: the cluster
 * (Private CA initialization, activation on an admin host), two HSMs in two Availability Zones,
 * the crypto user kmsuser (its password generated into Secrets Manager), the CloudHSM key store,
 * and a KMS key in it that encrypts an S3 bucket, with a grant to a role.
 * The Java twin of examples/key-store/app.ts, checked by KeyStoreStackTest.
 */
public class KeyStoreStack extends Stack {
    public static final String STACK_NAME = "CloudHsmKeyStore";
    /** The AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account). */
    public static final String CA_ARN =
            "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555";
    private static final String ACCESS_LOGS_REASON =
            "This bucket holds the data bucket's server access logs; logging its own access would log into itself.";

    private final HsmKeyStore keyStore;
    private final IKey key;

    public KeyStoreStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);
        Validations.of(this).acknowledge(Acknowledgment.builder()
                .id("CloudFormation-Validate::W3010")
                .reason("CloudHSM places each HSM in a named Availability Zone").build());
        Vpc vpc = Vpc.Builder.create(this, "Vpc")
                .availabilityZones(List.of("us-east-1a", "us-east-1b"))
                // One NAT gateway: the admin host downloads the CloudHSM CLI package and reaches SSM over it.
                .natGateways(1)
                .subnetConfiguration(List.of(
                        SubnetConfiguration.builder().name("public").subnetType(SubnetType.PUBLIC).cidrMask(24).build(),
                        SubnetConfiguration.builder().name("hsm").subnetType(SubnetType.PRIVATE_WITH_EGRESS).cidrMask(24).build()))
                .build();
        HsmCluster cluster = HsmCluster.Builder.create(this, "Cluster")
                .vpc(vpc)
                .initialization(ClusterInitialization.fromPrivateCa(CertificateAuthority.fromCertificateAuthorityArn(this, "Ca", CA_ARN)))
                .activation(ClusterActivationOptions.builder().build())
                .build();
        // KMS needs two ACTIVE HSMs in different Availability Zones: Hsm1 and Hsm2, one in each.
        cluster.addHsms(2);
        // kmsuser (password generated into Secrets Manager), CreateCustomKeyStore, ConnectCustomKeyStore.
        keyStore = HsmKeyStore.Builder.create(this, "KeyStore").cluster(cluster).build();
        // A KMS key whose key material lives in the cluster's HSMs, used like any kms.IKey.
        key = keyStore.addKey("DataKey", HsmKeyOptions.builder().alias("alias/example-hsm-data").build());
        Bucket.Builder.create(this, "Data")
                .encryption(BucketEncryption.KMS)
                .encryptionKey(key)
                .enforceSsl(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .serverAccessLogsBucket(accessLogs())
                .build();
        // A grant as aws-cdk-lib's kms.Key makes it.
        key.grantDecrypt(Role.Builder.create(this, "Reader").assumedBy(new AccountRootPrincipal()).build());
        vpc.addFlowLog("FlowLog", FlowLogOptions.builder()
                .destination(FlowLogDestination.toCloudWatchLogs(LogGroup.Builder.create(this, "FlowLogs")
                        .retention(RetentionDays.ONE_YEAR)
                        .removalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)
                        .build()))
                .build());
        CfnOutput.Builder.create(this, "CustomKeyStoreId").value(keyStore.getCustomKeyStoreId()).build();
        CfnOutput.Builder.create(this, "KeyArn").value(key.getKeyArn()).build();
    }

    /** The data bucket's access logs (S3-managed encryption: the log delivery cannot use a KMS key). */
    private Bucket accessLogs() {
        Bucket bucket = Bucket.Builder.create(this, "AccessLogs")
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .build();
        ((CfnResource) bucket.getNode().getDefaultChild()).addMetadata("cdk_nag",
                Map.of("rules_to_suppress", List.of(Map.of("id", "AwsSolutions-S1", "reason", ACCESS_LOGS_REASON))));
        Validations.of(bucket).acknowledge(Acknowledgment.builder().id("AwsSolutions-S1").reason(ACCESS_LOGS_REASON).build());
        return bucket;
    }

    /** Adds the example stack to an app. */
    public static KeyStoreStack addTo(final software.amazon.awscdk.App app) {
        return new KeyStoreStack(app, STACK_NAME, StackProps.builder()
                .env(Environment.builder().account("123456789012").region("us-east-1").build())
                .build());
    }

    public HsmKeyStore getKeyStore() {
        return keyStore;
    }

    public IKey getKey() {
        return key;
    }
}
