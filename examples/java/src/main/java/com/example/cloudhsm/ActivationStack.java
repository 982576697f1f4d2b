package com.example.cloudhsm;

import io.github.cdkcloudhsm.ClusterActivationOptions;
import io.github.cdkcloudhsm.ClusterInitialization;
import io.github.cdkcloudhsm.HsmCluster;
import io.github.cdkcloudhsm.Hsm;
import java.util.List;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.acmpca.CertificateAuthority;
import software.amazon.awscdk.services.acmpca.ICertificateAuthority;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * One deployment from nothing to an ACTIVE CloudHSM cluster with three HSMs in two Availability
 * Zones: Private CA initialization, activation on an admin host with a generated admin password.
 * The Java twin of examples/activation/app.ts, checked by ActivationStackTest.
 */
public class ActivationStack extends Stack {
    public static final String STACK_NAME = "CloudHsmActivation";
    /** The AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account). */
    public static final String CA_ARN =
            "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555";

    private final HsmCluster cluster;
    private final List<Hsm> hsms;

    public ActivationStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);
        Validations.of(this).acknowledge(Acknowledgment.builder()
                .id("CloudFormation-Validate::W3010")
                .reason("CloudHSM places each HSM in a named Availability Zone").build());
        List<String> azs = List.of("us-east-1a", "us-east-1b");
        Vpc vpc = Vpc.Builder.create(this, "Vpc")
                .availabilityZones(azs)
                // One NAT gateway: the admin host downloads the CloudHSM CLI package and reaches SSM over it.
                .natGateways(1)
                .subnetConfiguration(List.of(
                        SubnetConfiguration.builder().name("public").subnetType(SubnetType.PUBLIC).cidrMask(24).build(),
                        SubnetConfiguration.builder().name("hsm").subnetType(SubnetType.PRIVATE_WITH_EGRESS).cidrMask(24).build()))
                .build();
        ICertificateAuthority ca = CertificateAuthority.fromCertificateAuthorityArn(this, "Ca", CA_ARN);
        cluster = HsmCluster.Builder.create(this, "Cluster")
                .vpc(vpc)
                .initialization(ClusterInitialization.fromPrivateCa(ca))
                // An admin host runs `cluster activate`; the admin password is generated into Secrets Manager.
                .activation(ClusterActivationOptions.builder().build())
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        // Hsm1, Hsm2, Hsm3 spread over the two zones in turn. The first HSM brings the CSR; the others
        // follow the activation, in the same deployment, and are created together.
        hsms = cluster.addHsms(3);
        vpc.addFlowLog("FlowLog", FlowLogOptions.builder()
                .destination(FlowLogDestination.toCloudWatchLogs(LogGroup.Builder.create(this, "FlowLogs")
                        .retention(RetentionDays.ONE_YEAR)
                        .removalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)
                        .build()))
                .build());
        CfnOutput.Builder.create(this, "ClusterId").value(cluster.getClusterId()).build();
        CfnOutput.Builder.create(this, "ClusterState").value(cluster.getClusterState()).build();
    }

    /** Adds the example stack to an app. */
    public static ActivationStack addTo(final software.amazon.awscdk.App app) {
        return new ActivationStack(app, STACK_NAME, StackProps.builder()
                .env(Environment.builder().account("123456789012").region("us-east-1").build())
                .build());
    }

    public HsmCluster getCluster() {
        return cluster;
    }

    public List<Hsm> getHsms() {
        return hsms;
    }
}
