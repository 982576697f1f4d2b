package com.example.cloudhsm;

import io.github.cdkcloudhsm.Hsm;
import io.github.cdkcloudhsm.HsmCluster;
import io.github.cdkcloudhsm.HsmOptions;
import java.util.List;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * A VPC with isolated subnets in two Availability Zones, a CloudHSM cluster in them and the
 * cluster's first HSM: the Java twin of examples/basic/app.ts, checked by BasicStackTest and by the
 * parity check.
 */
public class BasicStack extends Stack {
    private final HsmCluster cluster;
    private final Hsm hsm;

    public BasicStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);
        // CDK warns about AZ names written into the template; an HSM's subnet and AZ have to be named ones.
        Validations.of(this).acknowledge(Acknowledgment.builder()
                .id("CloudFormation-Validate::W3010")
                .reason("CloudHSM places each HSM in a named Availability Zone").build());
        // [readme] the block between these markers is shown in README.md
        Vpc vpc = Vpc.Builder.create(this, "Vpc")
                // Real AZ names for the HSM: without an AZ lookup the stack's AZs are placeholders (dummy1a, ...).
                .availabilityZones(List.of("us-east-1a", "us-east-1b"))
                .natGateways(0)
                .subnetConfiguration(List.of(SubnetConfiguration.builder()
                        .name("hsm").subnetType(SubnetType.PRIVATE_ISOLATED).cidrMask(24).build()))
                .build();
        HsmCluster cluster = HsmCluster.Builder.create(this, "Cluster")
                .vpc(vpc)
                .backupRetention(Duration.days(90))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        Tags.of(cluster).add("team", "payments");
        // One HSM: CloudHSM refuses a second one until the cluster is initialized and activated.
        Hsm hsm = cluster.addHsm("Hsm", HsmOptions.builder()
                .availabilityZone(vpc.getAvailabilityZones().get(0)).build());
        // [/readme]
        // A record of the traffic to and from the HSMs' network interfaces, kept like the cluster.
        vpc.addFlowLog("FlowLog", FlowLogOptions.builder()
                .destination(FlowLogDestination.toCloudWatchLogs(LogGroup.Builder.create(this, "FlowLogs")
                        .retention(RetentionDays.ONE_YEAR)
                        // Kept when the stack is deleted; a failed first deploy leaves nothing behind.
                        .removalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)
                        .build()))
                .build());
        this.cluster = cluster;
        this.hsm = hsm;
        CfnOutput.Builder.create(this, "ClusterId").value(cluster.getClusterId()).build();
        CfnOutput.Builder.create(this, "ClusterSecurityGroupId")
                .value(cluster.getSecurityGroup().getSecurityGroupId()).build();
        CfnOutput.Builder.create(this, "HsmId").value(hsm.getHsmId()).build();
        // Sign this certificate signing request to initialize the cluster (docs/initialization.md).
        CfnOutput.Builder.create(this, "ClusterCsr").value(hsm.getClusterCsr()).build();
    }

    public HsmCluster getCluster() {
        return cluster;
    }

    public Hsm getHsm() {
        return hsm;
    }
}
