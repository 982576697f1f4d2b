"""examples/python/application_app.py: an application that uses the HSMs directly, in one deployment:
the cluster (Private CA initialization, activation on an admin host), two HSMs in two Availability
Zones, a crypto user for the application (its password generated into Secrets Manager), an
application host whose Client SDK 5 (PKCS #11) is installed and configured with --cluster-id by its
user data, and the cluster's audit logs with an alarm on failed logins.

The Python twin of examples/application/app.ts; test_application_app.py checks its template.

    python application_app.py   # synthesizes into cdk.out
"""
import aws_cdk as cdk
from aws_cdk import aws_acmpca as acmpca
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_cloudhsm import (ClusterActivationOptions, ClusterInitialization, HsmAuditEvent,
                          HsmAuditLogs, HsmClient, HsmClientLibrary, HsmCluster)

STACK_NAME = "CloudHsmApplication"
ENV = cdk.Environment(account="123456789012", region="us-east-1")
# The AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account).
CA_ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555"
# Where AWS publishes the Client SDK 5 packages for Amazon Linux 2023 (the library's default,
# CLIENT_SDK_PACKAGE_URL in TypeScript): %LIB% becomes the library, %ARCH% the host's architecture.
CLIENT_SDK_PACKAGE_URL = "https://s3.amazonaws.com/cloudhsmv2-software/CloudHsmClient/Amzn2023/cloudhsm-%LIB%-latest.amzn2023.%ARCH%.rpm"
APP_HOST_EC29_REASON = ("The example's application host keeps no state: its user data rebuilds the client setup and its crypto user's "
                        "password lives in Secrets Manager. Termination protection would keep `cdk destroy` from removing it.")


class ApplicationStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        cdk.Validations.of(self).acknowledge(cdk.Acknowledgment(
            id="CloudFormation-Validate::W3010", reason="CloudHSM places each HSM in a named Availability Zone"))
        azs = ["us-east-1a", "us-east-1b"]
        vpc = ec2.Vpc(self, "Vpc",
            availability_zones=azs,
            # One NAT gateway: the hosts download the CloudHSM packages and reach SSM and Secrets Manager over it.
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
            activation=ClusterActivationOptions(),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for i, az in enumerate(azs):
            self.cluster.add_hsm(f"Hsm{i + 1}", availability_zone=az)

        # The crypto user the application logs in as: made on the HSMs by the admin host, its password
        # generated into Secrets Manager (in no template, output or log). A crypto user owns keys: kept.
        self.crypto_user = self.cluster.add_crypto_user("AppUser",
            username="app_signer", removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)

        # The application host: outbound HTTPS for the AWS APIs and the Client SDK package; the rules
        # to the cluster (TCP 2223-2225) come from the client below.
        self.host_security_group = ec2.SecurityGroup(self, "AppSecurityGroup",
            vpc=vpc,
            allow_all_outbound=False,
            description="The application host: HTTPS to the AWS APIs, TCP 2223-2225 to the CloudHSM cluster",
        )
        self.host_security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443),
            "HTTPS: SSM, Secrets Manager, CloudHSM API, Client SDK packages")
        self.host = ec2.Instance(self, "AppHost",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            instance_type=ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
            machine_image=ec2.MachineImage.latest_amazon_linux2023(cpu_type=ec2.AmazonLinuxCpuType.X86_64),
            security_group=self.host_security_group,
            require_imdsv2=True,
            detailed_monitoring=True,
            block_devices=[ec2.BlockDevice(device_name="/dev/xvda", volume=ec2.BlockDeviceVolume.ebs(8,
                encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3))],
        )

        # The host's client: the trust anchor parameter, TCP 2223-2225 to the cluster, the role's rights
        # (the user's secret, the parameter, DescribeClusters) and user data that installs the PKCS #11
        # library and configures it with --cluster-id.
        self.client = HsmClient(self, "Client",
            crypto_user=self.crypto_user,
            libraries=[HsmClientLibrary.PKCS11],
            package_url=CLIENT_SDK_PACKAGE_URL,
        )
        self.client.connect_instance(self.host)

        # The audit logs CloudHSM writes, kept a year, with an alarm at the first failed login.
        self.audit = HsmAuditLogs(self, "Audit",
            cluster=self.cluster,
            retention=logs.RetentionDays.ONE_YEAR,
            metric_namespace="CdkCloudHsm/Audit",
        )
        self.failed_logins = self.audit.add_alarm("FailedLogins", HsmAuditEvent.FAILED_LOGINS,
            threshold=1,
            period=cdk.Duration.minutes(5),
            alarm_description="A login to the CloudHSM cluster failed (a wrong password, or a user that does not exist)",
        )
        self.host.node.default_child.add_metadata("cdk_nag", {"rules_to_suppress": [{"id": "AwsSolutions-EC29", "reason": APP_HOST_EC29_REASON}]})
        cdk.Validations.of(self.host).acknowledge(cdk.Acknowledgment(id="AwsSolutions-EC29", reason=APP_HOST_EC29_REASON))
        vpc.add_flow_log("FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(logs.LogGroup(self, "FlowLogs",
                retention=logs.RetentionDays.ONE_YEAR,
                removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            )),
        )
        cdk.CfnOutput(self, "ClusterId", value=self.cluster.cluster_id)
        cdk.CfnOutput(self, "AppHostId", value=self.host.instance_id)
        cdk.CfnOutput(self, "CryptoUserSecretArn", value=self.crypto_user.password_secret.secret_arn)


def build_app(outdir=None):
    """The example app and its stack; `outdir` defaults to cdk.out."""
    app = cdk.App(outdir=outdir)
    stack = ApplicationStack(app, STACK_NAME, env=ENV)
    return app, stack


if __name__ == "__main__":
    app, _ = build_app()
    app.synth()
