"""Synthesizes activation_app.py with the built cdk-cloudhsm wheel: ONE stack declares the cluster,
its initialization, its activation on an admin host and three HSMs, the later HSMs after the activation."""
import pytest
from aws_cdk import assertions

from activation_app import build_app

ACTIVATION = "Custom::CloudHsmActivation"
HSM = "Custom::CloudHsmHsm"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    _, stack = build_app(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    return assertions.Template.from_stack(stack)


def only_id(template, resource_type):
    found = template.find_resources(resource_type)
    assert len(found) == 1, f"{len(found)} resources of type {resource_type}"
    return next(iter(found))


def test_one_activation_naming_cluster_host_and_secret_without_a_password(template):
    props = template.find_resources(ACTIVATION)[only_id(template, ACTIVATION)]["Properties"]
    assert props["ClusterId"] == {"Ref": only_id(template, "Custom::CloudHsmCluster")}
    assert props["InstanceId"] == {"Ref": only_id(template, "AWS::EC2::Instance")}
    assert props["AdminSecretArn"] == {"Ref": only_id(template, "AWS::SecretsManager::Secret")}
    assert sorted(props) == ["AdminSecretArn", "CertificateAuthorityArn", "ClusterId", "InstanceId", "ServiceTimeout", "ServiceToken"]


def test_the_password_is_generated_by_secrets_manager(template):
    secret = template.find_resources("AWS::SecretsManager::Secret")[only_id(template, "AWS::SecretsManager::Secret")]
    assert "SecretString" not in secret["Properties"]
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] == 32


def test_the_host_requires_imdsv2_and_has_no_key(template):
    template.has_resource_properties("AWS::EC2::LaunchTemplate", {
        "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "required"}}})
    instance = template.find_resources("AWS::EC2::Instance")[only_id(template, "AWS::EC2::Instance")]
    assert "KeyName" not in instance["Properties"]


def test_hsms_after_the_first_wait_for_the_activation(template):
    activation = only_id(template, ACTIVATION)
    hsms = template.find_resources(HSM)
    assert len(hsms) == 3
    waiting = sorted(i for i, r in hsms.items() if activation in r.get("DependsOn", []))
    assert waiting == sorted(i for i in hsms if not i.startswith("ClusterHsm1"))


def test_add_hsms_spreads_the_hsms_over_both_zones_in_turn(template):
    hsms = template.find_resources(HSM)
    by_zone = {i: r["Properties"]["AvailabilityZone"] for i, r in hsms.items()}
    assert [by_zone[i] for i in sorted(by_zone)] == ["us-east-1a", "us-east-1b", "us-east-1a"]
    assert all(i.startswith(f"ClusterHsm{n}") for n, i in enumerate(sorted(by_zone), start=1))


def test_add_hsms_counts_and_rejects_a_count_below_zero(tmp_path):
    _, stack = build_app(outdir=str(tmp_path))
    assert len(stack.hsms) == 3
    assert [h.node.id for h in stack.cluster.add_hsms(2, "Extra")] == ["Extra1", "Extra2"]
    with pytest.raises(Exception, match="addHsms count: -1 is not a whole number of at least 0"):
        stack.cluster.add_hsms(-1)

