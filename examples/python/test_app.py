"""Synthesizes the example app with the built cdk-cloudhsm wheel and checks its template."""
import os
import shutil

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_ec2 as ec2

from app import STACK_NAME, build_app
from cdk_cloudhsm import HsmCluster

CLUSTER = "Custom::CloudHsmCluster"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    app, stack = build_app(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    assembly = app.synth()
    # The parity check compares this template with the TypeScript and Java ones.
    out = os.environ.get("CDK_CLOUDHSM_TEMPLATE_OUT")
    if out:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copyfile(assembly.get_stack_by_name(STACK_NAME).template_full_path, out)
    return assertions.Template.from_stack(stack)


def cluster_id(template):
    clusters = template.find_resources(CLUSTER)
    assert len(clusters) == 1
    return next(iter(clusters))


def test_declares_one_cluster(template):
    template.resource_count_is(CLUSTER, 1)


def test_cluster_spans_the_isolated_subnets(template):
    subnets = template.find_resources("AWS::EC2::Subnet")
    assert len(subnets) == 2  # maxAzs=2, one isolated subnet group
    props = template.find_resources(CLUSTER)[cluster_id(template)]["Properties"]
    assert sorted(ref["Ref"] for ref in props["SubnetIds"]) == sorted(subnets)


def test_retention_and_tag_reach_the_cluster(template):
    template.has_resource_properties(CLUSTER, {
        "BackupRetentionDays": 90,
        "Tags": [{"Key": "team", "Value": "payments"}],
    })


def test_cluster_is_kept_when_removed(template):
    template.has_resource(CLUSTER, {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})


def test_outputs_name_the_cluster_and_its_security_group(template):
    logical_id = cluster_id(template)
    template.has_output("ClusterId", {"Value": {"Ref": logical_id}})
    template.has_output("ClusterSecurityGroupId", {"Value": {"Fn::GetAtt": [logical_id, "SecurityGroupId"]}})


def test_synth_time_validation_reaches_python():
    stack = cdk.Stack(cdk.App(), "Invalid")
    vpc = ec2.Vpc(stack, "Vpc")
    with pytest.raises(Exception, match="backupRetention"):
        HsmCluster(stack, "Cluster", vpc=vpc, backup_retention=cdk.Duration.days(3))
