package com.example.cloudhsm;

import io.github.cdkcloudhsm.HsmCluster;
import io.github.cdkcloudhsm.HsmClusterAttributes;
import io.github.cdkcloudhsm.HsmKeyOptions;
import io.github.cdkcloudhsm.HsmKeyStore;
import io.github.cdkcloudhsm.HsmOptions;
import io.github.cdkcloudhsm.IHsmCluster;
import java.util.List;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.constructs.Construct;

/**
 * A KMS key store and a key on a CloudHSM cluster that already exists and is ACTIVE (made,
 * initialized and activated outside CDK): the stack imports the cluster with its admin secret and
 * trust anchor, adds an HSM in a second Availability Zone, and a key store with a key; an admin host
 * is made in the cluster's VPC to create the crypto user kmsuser.
 * The Java twin of examples/existing-cluster/app.ts, checked by ExistingClusterStackTest.
 * Replace the values below with your cluster's (docs/existing-clusters.md).
 */
public class ExistingClusterStack extends Stack {
    public static final String STACK_NAME = "CloudHsmExistingCluster";
    public static final String CLUSTER_ID = "cluster-jxhlf7644ne";
    public static final String SECURITY_GROUP_ID = "sg-0123456789abcdef0";
    public static final String VPC_ID = "vpc-0123456789abcdef0";
    /** The secret with the admin password (the admin user that `cluster activate` made). */
    public static final String ADMIN_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cloudhsm/admin-AbCdEf";
    /** The trust anchor: the certificate that signed the cluster certificate (customerCA.crt). */
    public static final String TRUST_ANCHOR =
            "-----BEGIN CERTIFICATE-----\nTUlJQ2V4YW1wbGV0cnVzdGFuY2hvcg==\n-----END CERTIFICATE-----";

    private final HsmKeyStore keyStore;
    private final IKey key;

    public ExistingClusterStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);
        Validations.of(this).acknowledge(Acknowledgment.builder()
                .id("CloudFormation-Validate::W3010")
                .reason("CloudHSM places each HSM in a named Availability Zone").build());
        IVpc vpc = Vpc.fromVpcAttributes(this, "Vpc", VpcAttributes.builder()
                .vpcId(VPC_ID)
                .availabilityZones(List.of("us-east-1a", "us-east-1b"))
                .privateSubnetIds(List.of("subnet-0123456789abcdef0", "subnet-0fedcba9876543210"))
                .build());
        IHsmCluster cluster = HsmCluster.fromClusterAttributes(this, "Cluster", HsmClusterAttributes.builder()
                .clusterId(CLUSTER_ID)
                .securityGroupId(SECURITY_GROUP_ID)
                .vpc(vpc)
                // The admin password as a plain string (or JSON, with adminSecretField naming its field).
                .adminSecret(Secret.fromSecretCompleteArn(this, "AdminSecret", ADMIN_SECRET_ARN))
                .trustAnchor(TRUST_ANCHOR)
                .build());
        // KMS needs two ACTIVE HSMs in different zones: the cluster has one in us-east-1a, add one in us-east-1b.
        cluster.addHsm("Hsm2", HsmOptions.builder().availabilityZone("us-east-1b").build());
        // An admin host is made in the VPC; it creates kmsuser, then the store is created and connected.
        keyStore = HsmKeyStore.Builder.create(this, "KeyStore").cluster(cluster).build();
        key = keyStore.addKey("DataKey", HsmKeyOptions.builder().alias("alias/existing-cluster-data").build());
        CfnOutput.Builder.create(this, "CustomKeyStoreId").value(keyStore.getCustomKeyStoreId()).build();
        CfnOutput.Builder.create(this, "KeyArn").value(key.getKeyArn()).build();
    }

    /** Adds the example stack to an app. */
    public static ExistingClusterStack addTo(final software.amazon.awscdk.App app) {
        return new ExistingClusterStack(app, STACK_NAME, StackProps.builder()
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
