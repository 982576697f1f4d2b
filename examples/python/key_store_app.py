"""examples/python/key_store_app.py: one deployment from nothing to a CONNECTED KMS key store with a
KMS key in it: the cluster (Private CA initialization, activation on an admin host), two HSMs in two
Availability Zones, the crypto user kmsuser (its password generated into Secrets Manager), the
CloudHSM key store, and a KMS key in it that encrypts an S3 bucket, with a grant to a role.

The Python twin of examples/key-store/app.ts; test_key_store_app.py checks its template.

    python key_store_app.py   # synthesizes into cdk.out
"""
import aws_cdk as cdk
from aws_cdk import aws_acmpca as acmpca
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_cloudhsm import ClusterActivationOptions, ClusterInitialization, HsmCluster, HsmKeyStore

STACK_NAME = "CloudHsmKeyStore"
ENV = cdk.Environment(account="123456789012", region="us-east-1")
# The AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account).
CA_ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555"
S3_ACCESS_LOGS_REASON = "This bucket holds the data bucket's server access logs; logging its own access would log into itself."


class KeyStoreStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        cdk.Validations.of(self).acknowledge(cdk.Acknowledgment(
            id="CloudFormation-Validate::W3010", reason="CloudHSM places each HSM in a named Availability Zone"))
        vpc = ec2.Vpc(self, "Vpc",
            availability_zones=["us-east-1a", "us-east-1b"],
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
            activation=ClusterActivationOptions(),
        )
        # KMS needs two ACTIVE HSMs in different Availability Zones: Hsm1 and Hsm2, one in each.
        self.hsms = self.cluster.add_hsms(2)
        # kmsuser (password generated into Secrets Manager), CreateCustomKeyStore, ConnectCustomKeyStore.
        self.key_store = HsmKeyStore(self, "KeyStore", cluster=self.cluster)
        # A KMS key whose key material lives in the cluster's HSMs, used like any kms.IKey.
        self.key = self.key_store.add_key("DataKey", alias="alias/example-hsm-data")
        self.bucket = s3.Bucket(self, "Data",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=self._access_logs(),
        )
        # A grant as aws-cdk-lib's kms.Key makes it.
        self.reader = iam.Role(self, "Reader", assumed_by=iam.AccountRootPrincipal())
        self.key.grant_decrypt(self.reader)
        vpc.add_flow_log("FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(logs.LogGroup(self, "FlowLogs",
                retention=logs.RetentionDays.ONE_YEAR,
                removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            )),
        )
        cdk.CfnOutput(self, "CustomKeyStoreId", value=self.key_store.custom_key_store_id)
        cdk.CfnOutput(self, "KeyArn", value=self.key.key_arn)

    def _access_logs(self) -> s3.Bucket:
        """The data bucket's access logs (S3-managed encryption: the log delivery cannot use a KMS key)."""
        bucket = s3.Bucket(self, "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        )
        bucket.node.default_child.add_metadata("cdk_nag", {"rules_to_suppress": [{"id": "AwsSolutions-S1", "reason": S3_ACCESS_LOGS_REASON}]})
        cdk.Validations.of(bucket).acknowledge(cdk.Acknowledgment(id="AwsSolutions-S1", reason=S3_ACCESS_LOGS_REASON))
        return bucket


def build_app(outdir=None):
    """The example app and its stack; `outdir` defaults to cdk.out."""
    app = cdk.App(outdir=outdir)
    stack = KeyStoreStack(app, STACK_NAME, env=ENV)
    return app, stack


if __name__ == "__main__":
    app, _ = build_app()
    app.synth()
