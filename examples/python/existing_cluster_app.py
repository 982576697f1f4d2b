"""examples/python/existing_cluster_app.py: a KMS key store and a key on a CloudHSM cluster that
already exists and is ACTIVE (made, initialized and activated outside CDK). The stack imports the
cluster with its admin secret and trust anchor, adds an HSM in a second Availability Zone, and a
key store with a key: an admin host is made in the cluster's VPC to create the crypto user kmsuser.

The Python twin of examples/existing-cluster/app.ts; test_existing_cluster_app.py checks its template.
Replace the values below with your cluster's (docs/existing-clusters.md).

    python existing_cluster_app.py   # synthesizes into cdk.out
"""
import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cdk_cloudhsm import HsmCluster, HsmKeyStore

STACK_NAME = "CloudHsmExistingCluster"
ENV = cdk.Environment(account="123456789012", region="us-east-1")
# What the stack is told about the existing cluster: your values (these are placeholders).
CLUSTER_ID = "cluster-jxhlf7644ne"
SECURITY_GROUP_ID = "sg-0123456789abcdef0"
VPC_ID = "vpc-0123456789abcdef0"
AVAILABILITY_ZONES = ["us-east-1a", "us-east-1b"]
PRIVATE_SUBNET_IDS = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
# The secret with the admin password (the admin user that `cluster activate` made).
ADMIN_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cloudhsm/admin-AbCdEf"
# The trust anchor: the certificate that signed the cluster certificate (customerCA.crt).
TRUST_ANCHOR = "-----BEGIN CERTIFICATE-----\nTUlJQ2V4YW1wbGV0cnVzdGFuY2hvcg==\n-----END CERTIFICATE-----"


class ExistingClusterStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        cdk.Validations.of(self).acknowledge(cdk.Acknowledgment(
            id="CloudFormation-Validate::W3010", reason="CloudHSM places each HSM in a named Availability Zone"))
        vpc = ec2.Vpc.from_vpc_attributes(self, "Vpc",
            vpc_id=VPC_ID,
            availability_zones=AVAILABILITY_ZONES,
            private_subnet_ids=PRIVATE_SUBNET_IDS,
        )
        cluster = HsmCluster.from_cluster_attributes(self, "Cluster",
            cluster_id=CLUSTER_ID,
            security_group_id=SECURITY_GROUP_ID,
            vpc=vpc,
            # The admin password as a plain string (or JSON, with admin_secret_field naming its field).
            admin_secret=secretsmanager.Secret.from_secret_complete_arn(self, "AdminSecret", ADMIN_SECRET_ARN),
            trust_anchor=TRUST_ANCHOR,
        )
        # KMS needs two ACTIVE HSMs in different zones: the cluster has one in us-east-1a, add one in us-east-1b.
        cluster.add_hsm("Hsm2", availability_zone="us-east-1b")
        # An admin host is made in the VPC; it creates kmsuser, then the store is created and connected.
        self.key_store = HsmKeyStore(self, "KeyStore", cluster=cluster)
        self.key = self.key_store.add_key("DataKey", alias="alias/existing-cluster-data")
        cdk.CfnOutput(self, "CustomKeyStoreId", value=self.key_store.custom_key_store_id)
        cdk.CfnOutput(self, "KeyArn", value=self.key.key_arn)


def build_app(outdir=None):
    """The example app and its stack; `outdir` defaults to cdk.out."""
    app = cdk.App(outdir=outdir)
    stack = ExistingClusterStack(app, STACK_NAME, env=ENV)
    return app, stack


if __name__ == "__main__":
    app, _ = build_app()
    app.synth()
