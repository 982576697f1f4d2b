"""Synthesizes key_store_app.py with the built cdk-cloudhsm wheel: ONE stack declares the activated
cluster, two HSMs in two zones, the key store and a KMS key in it that encrypts a bucket, with a grant."""
import pytest
from aws_cdk import assertions

from key_store_app import build_app

HSM = "Custom::CloudHsmHsm"
KEY_STORE = "Custom::CloudHsmKeyStore"
KEY = "Custom::CloudHsmKmsKey"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    _, stack = build_app(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    return assertions.Template.from_stack(stack)


def only_id(template, resource_type, prefix=""):
    found = [i for i in template.find_resources(resource_type) if i.startswith(prefix)]
    assert len(found) == 1, f"{len(found)} resources of type {resource_type} named {prefix}*"
    return found[0]


def test_two_hsms_one_in_each_zone(template):
    hsms = template.find_resources(HSM)
    assert sorted(r["Properties"]["AvailabilityZone"] for r in hsms.values()) == ["us-east-1a", "us-east-1b"]


def test_one_key_store_on_the_cluster_and_one_key_in_it(template):
    store = only_id(template, KEY_STORE)
    cluster = only_id(template, "Custom::CloudHsmCluster")
    assert template.find_resources(KEY_STORE)[store]["Properties"]["ClusterId"] == {"Ref": cluster}
    key = template.find_resources(KEY)[only_id(template, KEY)]
    assert key["Properties"]["CustomKeyStoreId"] == {"Ref": store}


def test_the_key_encrypts_the_data_bucket(template):
    bucket = template.find_resources("AWS::S3::Bucket")[only_id(template, "AWS::S3::Bucket", "Data")]
    assert bucket["Properties"]["BucketEncryption"] == {"ServerSideEncryptionConfiguration": [{
        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [only_id(template, KEY), "Arn"]}}}]}


def test_the_grant_is_the_readers_policy_on_the_key(template):
    template.has_resource_properties("AWS::IAM::Policy", {
        "PolicyDocument": {"Statement": [{"Action": "kms:Decrypt", "Effect": "Allow",
                                          "Resource": {"Fn::GetAtt": [only_id(template, KEY), "Arn"]}}]},
        "Roles": [{"Ref": only_id(template, "AWS::IAM::Role", "Reader")}],
    })


def test_the_alias_names_the_key(template):
    template.has_resource_properties("AWS::KMS::Alias", {
        "AliasName": "alias/example-hsm-data", "TargetKeyId": {"Fn::GetAtt": [only_id(template, KEY), "Arn"]}})

