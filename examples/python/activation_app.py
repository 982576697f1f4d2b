"""examples/python/activation_app.py: one deployment from nothing to an ACTIVE CloudHSM cluster with
three HSMs in two Availability Zones (Private CA initialization, activation on an admin host with a
generated admin password).

The Python twin of examples/activation/app.ts; test_activation_app.py checks its template.

    python activation_app.py   # synthesizes into cdk.out
"""
import aws_cdk as cdk
from aws_cdk import aws_acmpca as acmpca
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_cloudhsm import ClusterActivationOptions, ClusterInitialization, HsmCluster

STACK_NAME = "CloudHsmActivation"
ENV = cdk.Environment(account="123456789012", region="us-east-1")
# The AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account).
CA_ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555"


class ActivationStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, hsm_count: int = 3, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        cdk.Validations.of(self).acknowledge(cdk.Acknowledgment(
            id="CloudFormation-Validate::W3010", reason="CloudHSM places each HSM in a named Availability Zone"))
        azs = ["us-east-1a", "us-east-1b"]
        vpc = ec2.Vpc(self, "Vpc",
            availability_zones=azs,
            # One NAT gateway: the admin host downloads the CloudHSM CLI package and reaches SSM over it.
            nat_gateways=1,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(name="hsm", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=24),
            ],
        )
        ca = acmpca.CertificateAuthority.from_certificate_authority_arn(self, "Ca", CA_ARN)
        self.cluster = HsmCluster(self, "Cluster",
            vpc=vpc,
            initialization=ClusterInitialization.from_private_ca(ca),
            # An admin host runs `cluster activate`; the admin password is generated into Secrets Manager.
            activation=ClusterActivationOptions(),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # Hsm1, Hsm2, ... spread over the two zones in turn. The first HSM brings the CSR; the others
        # follow the activation, in the same deployment, and are created together.
        self.hsms = self.cluster.add_hsms(hsm_count)
        vpc.add_flow_log("FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(logs.LogGroup(self, "FlowLogs",
                retention=logs.RetentionDays.ONE_YEAR,
                removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            )),
        )
        cdk.CfnOutput(self, "ClusterId", value=self.cluster.cluster_id)
        cdk.CfnOutput(self, "ClusterState", value=self.cluster.cluster_state)


def build_app(outdir=None):
    """The example app and its stack; `outdir` defaults to cdk.out."""
    app = cdk.App(outdir=outdir)
    stack = ActivationStack(app, STACK_NAME, env=ENV)
    return app, stack


if __name__ == "__main__":
    app, _ = build_app()
    app.synth()
