package com.example.cloudhsm;

import io.github.cdkcloudhsm.HsmCluster;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.constructs.Construct;

/**
 * A VPC with isolated subnets and a CloudHSM cluster in them: the Java twin of
 * examples/basic/app.ts, checked by BasicStackTest and by the parity check.
 */
public class BasicStack extends Stack {
    private final HsmCluster cluster;

    public BasicStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);
        // [readme] the block between these markers is shown in README.md
        Vpc vpc = Vpc.Builder.create(this, "Vpc")
                .maxAzs(2)
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
        // [/readme]
        this.cluster = cluster;
        CfnOutput.Builder.create(this, "ClusterId").value(cluster.getClusterId()).build();
        CfnOutput.Builder.create(this, "ClusterSecurityGroupId")
                .value(cluster.getSecurityGroup().getSecurityGroupId()).build();
    }

    public HsmCluster getCluster() {
        return cluster;
    }
}
