"""Synthesizes the example app with the built cdk-cloudhsm wheel and checks its template."""
import os
import shutil

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_ec2 as ec2

from app import STACK_NAME, build_app
from cdk_nag import AwsSolutionsChecks
from cdk_cloudhsm import HsmCluster

CLUSTER = "Custom::CloudHsmCluster"
HSM = "Custom::CloudHsmHsm"


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    app, stack = build_app(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    assembly = app.synth()
    # The parity check compares this template with the TypeScript and Java ones.
    out = os.environ.get("CDK_CLOUDHSM_TEMPLATE_OUT")
    if out:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copyfile(assembly.get_stack_by_name(STACK_NAME).template_full_path, out)
    return stack


@pytest.fixture(scope="module")
def template(synthesized):
    return assertions.Template.from_stack(synthesized)


def cluster_id(template):
    clusters = template.find_resources(CLUSTER)
    assert len(clusters) == 1
    return next(iter(clusters))


def hsm_id(template):
    hsms = template.find_resources(HSM)
    assert len(hsms) == 1
    return next(iter(hsms))


def test_declares_one_cluster(template):
    template.resource_count_is(CLUSTER, 1)


def test_cluster_spans_the_isolated_subnets(template):
    subnets = template.find_resources("AWS::EC2::Subnet")
    assert len(subnets) == 2  # two named AZs, one isolated subnet group
    props = template.find_resources(CLUSTER)[cluster_id(template)]["Properties"]
    assert sorted(ref["Ref"] for ref in props["SubnetIds"]) == sorted(subnets)


def test_subnets_are_in_the_named_availability_zones(template):
    subnets = template.find_resources("AWS::EC2::Subnet")
    assert sorted(s["Properties"]["AvailabilityZone"] for s in subnets.values()) == ["us-east-1a", "us-east-1b"]


def test_declares_one_hsm_in_the_cluster_in_the_first_zone(template):
    template.resource_count_is(HSM, 1)
    props = template.find_resources(HSM)[hsm_id(template)]["Properties"]
    assert props["ClusterId"] == {"Ref": cluster_id(template)}
    assert props["AvailabilityZone"] == "us-east-1a"
    assert "IpAddress" not in props


def test_hsm_is_deleted_with_the_stack(template):
    template.has_resource(HSM, {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})


def test_vpc_flow_logs_are_kept_for_a_year(template):
    template.resource_count_is("AWS::EC2::FlowLog", 1)
    template.has_resource("AWS::Logs::LogGroup", {
        "Properties": {"RetentionInDays": 365}, "DeletionPolicy": "RetainExceptOnCreate"})


def test_one_hsm_raises_no_activation_warning(synthesized):
    assertions.Annotations.from_stack(synthesized).has_no_warning(
        "*", assertions.Match.string_like_regexp("hsmBeforeActivation"))


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


def test_outputs_name_the_hsm_and_the_cluster_csr(template):
    logical_id = hsm_id(template)
    template.has_output("HsmId", {"Value": {"Fn::GetAtt": [logical_id, "HsmId"]}})
    template.has_output("ClusterCsr", {"Value": {"Fn::GetAtt": [logical_id, "ClusterCsr"]}})


def test_synth_time_validation_reaches_python():
    stack = cdk.Stack(cdk.App(), "Invalid")
    vpc = ec2.Vpc(stack, "Vpc")
    with pytest.raises(Exception, match="backupRetention"):
        HsmCluster(stack, "Cluster", vpc=vpc, backup_retention=cdk.Duration.days(3))


def test_cdk_nag_reports_a_vpc_without_a_flow_log(tmp_path):
    # The check test_nag2.py runs on the examples does run: a VPC without a flow log is reported.
    bare = cdk.App(outdir=str(tmp_path / "bare"))
    bare_stack = cdk.Stack(bare, "Bare")
    HsmCluster(bare_stack, "Cluster", vpc=ec2.Vpc(bare_stack, "Vpc", subnet_configuration=[ec2.SubnetConfiguration(
        name="hsm", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)]))
    cdk.Aspects.of(bare).add(AwsSolutionsChecks())
    bare.synth()
    errors = assertions.Annotations.from_stack(bare_stack).find_error("*", assertions.Match.string_like_regexp("AwsSolutions-"))
    assert [str(f.entry.data).split(":")[0] for f in errors] == ["AwsSolutions-VPC7"]
