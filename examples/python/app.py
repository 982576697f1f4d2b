"""examples/python: a VPC with isolated subnets in two Availability Zones, a CloudHSM cluster in
them and the cluster's first HSM.

The Python twin of examples/basic/app.ts; test_app.py checks its template and the parity check
compares it with the TypeScript and Java versions.

    python app.py   # synthesizes into cdk.out
"""
import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_cloudhsm import HsmCluster

STACK_NAME = "CloudHsmBasic"
ENV = cdk.Environment(account="123456789012", region="us-east-1")


class BasicStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # CDK warns about AZ names written into the template; an HSM's subnet and AZ have to be named ones.
        cdk.Validations.of(self).acknowledge(cdk.Acknowledgment(
            id="CloudFormation-Validate::W3010", reason="CloudHSM places each HSM in a named Availability Zone"))
        # [readme] the block between these markers is shown in README.md
        vpc = ec2.Vpc(self, "Vpc",
            # Real AZ names for the HSM: without an AZ lookup the stack's AZs are placeholders (dummy1a, ...).
            availability_zones=["us-east-1a", "us-east-1b"],
            nat_gateways=0,
            subnet_configuration=[ec2.SubnetConfiguration(
                name="hsm", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)],
        )
        cluster = HsmCluster(self, "Cluster",
            vpc=vpc,
            backup_retention=cdk.Duration.days(90),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        cdk.Tags.of(cluster).add("team", "payments")
        # One HSM: CloudHSM refuses a second one until the cluster is initialized and activated.
        hsm = cluster.add_hsm("Hsm", availability_zone=vpc.availability_zones[0])
        # [/readme]
        # A record of the traffic to and from the HSMs' network interfaces, kept like the cluster.
        vpc.add_flow_log("FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(logs.LogGroup(self, "FlowLogs",
                retention=logs.RetentionDays.ONE_YEAR,
                # Kept when the stack is deleted; a failed first deploy leaves nothing behind.
                removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            )),
        )
        self.cluster = cluster
        self.hsm = hsm
        cdk.CfnOutput(self, "ClusterId", value=cluster.cluster_id)
        cdk.CfnOutput(self, "ClusterSecurityGroupId", value=cluster.security_group.security_group_id)
        cdk.CfnOutput(self, "HsmId", value=hsm.hsm_id)
        # Sign this certificate signing request to initialize the cluster (docs/initialization.md).
        cdk.CfnOutput(self, "ClusterCsr", value=hsm.cluster_csr)


def build_app(outdir=None):
    """The example app and its stack; `outdir` defaults to cdk.out (or CDK_OUTDIR under the CDK CLI)."""
    app = cdk.App(outdir=outdir)
    stack = BasicStack(app, STACK_NAME, env=ENV)
    return app, stack


if __name__ == "__main__":
    app, _ = build_app()
    app.synth()
