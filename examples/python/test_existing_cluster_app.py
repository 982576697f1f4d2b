"""Synthesizes existing_cluster_app.py with the built cdk-cloudhsm wheel: an imported ACTIVE cluster
gets an HSM, an admin host, a key store with the operator's admin secret and trust anchor, and a key."""
import pytest
from aws_cdk import assertions

from existing_cluster_app import ADMIN_SECRET_ARN, CLUSTER_ID, SECURITY_GROUP_ID, TRUST_ANCHOR, build_app


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    _, stack = build_app(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    return assertions.Template.from_stack(stack)


def test_no_cluster_and_no_activation_are_made(template):
    template.resource_count_is("Custom::CloudHsmCluster", 0)
    template.resource_count_is("Custom::CloudHsmActivation", 0)
    template.resource_count_is("AWS::EC2::Instance", 1)


def test_the_key_store_uses_the_imported_cluster_its_admin_secret_and_trust_anchor(template):
    stores = list(template.find_resources("Custom::CloudHsmKeyStore").values())
    assert len(stores) == 1
    props = stores[0]["Properties"]
    assert (props["ClusterId"], props["AdminSecretArn"], props["TrustAnchor"]) == (CLUSTER_ID, ADMIN_SECRET_ARN, TRUST_ANCHOR)
    template.resource_count_is("Custom::CloudHsmKmsKey", 1)


def test_the_host_reaches_the_cluster_security_group(template):
    template.has_resource_properties("AWS::EC2::SecurityGroupIngress", {
        "GroupId": SECURITY_GROUP_ID, "FromPort": 2223, "ToPort": 2225,
    })
