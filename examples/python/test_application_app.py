"""Synthesizes application_app.py with the built cdk-cloudhsm wheel and checks, from the constructs,
what the application host may do: its role reads only its own crypto user's secret and the trust
anchor parameter, and describes clusters; TCP 2223-2225 is the only path between its security group
and the cluster's."""
import os
import shutil

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from application_app import STACK_NAME, build_app

HSM_PORTS = {"IpProtocol": "tcp", "FromPort": 2223, "ToPort": 2225}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    app, stack = build_app(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    assembly = app.synth()
    # The parity check compares this template with the TypeScript, Java and Go ones (beside the basic example's).
    out = os.environ.get("CDK_CLOUDHSM_TEMPLATE_OUT")
    if out:
        target = os.path.join(os.path.dirname(out), os.path.basename(out).replace(".json", "-application.json"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(assembly.get_stack_by_name(STACK_NAME).template_full_path, target)
    return stack


@pytest.fixture(scope="module")
def template(synthesized):
    return assertions.Template.from_stack(synthesized)


def logical_id(stack, construct):
    """The logical id of a construct's CloudFormation resource, as the stack names it (an L2's, or a
    custom resource's default child)."""
    while not isinstance(construct, cdk.CfnElement):
        construct = construct.node.default_child
    return stack.get_logical_id(construct)


def ports(rule):
    return {k: rule.get(k) for k in HSM_PORTS}


def test_the_role_reads_only_its_users_secret_and_the_trust_anchor_parameter(synthesized, template):
    stack = synthesized
    role_ref = {"Ref": logical_id(stack, stack.host.role)}
    policies = [p for p in template.find_resources("AWS::IAM::Policy").values() if role_ref in p["Properties"]["Roles"]]
    assert len(policies) == 1
    secret_arn = {"Ref": logical_id(stack, stack.crypto_user.password_secret)}
    # The secret is the one the crypto user's custom resource makes the user with.
    users = template.find_resources("Custom::CloudHsmCryptoUser").values()
    assert [u["Properties"]["UserSecretArn"] for u in users] == [secret_arn]
    parameter_arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ssm:us-east-1:123456789012:parameter/",
                                       {"Ref": logical_id(stack, stack.client.trust_anchor_parameter)}]]}
    statements = sorted(policies[0]["Properties"]["PolicyDocument"]["Statement"], key=lambda s: str(s["Action"]))
    assert statements == [
        {"Action": "cloudhsm:DescribeClusters", "Effect": "Allow", "Resource": "*"},
        {"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": secret_arn},
        {"Action": "ssm:GetParameter", "Effect": "Allow", "Resource": parameter_arn},
    ]
    role = template.find_resources("AWS::IAM::Role")[role_ref["Ref"]]["Properties"]
    assert "ManagedPolicyArns" not in role and "Policies" not in role


def test_only_tcp_2223_2225_between_the_app_and_the_cluster(synthesized, template):
    stack = synthesized
    app = {"Fn::GetAtt": [logical_id(stack, stack.host_security_group), "GroupId"]}
    cluster = {"Fn::GetAtt": [logical_id(stack, stack.cluster), "SecurityGroupId"]}
    assert [stack.resolve(g.security_group_id) for g in stack.cluster.connections.security_groups] == [cluster]
    egress = [r["Properties"] for r in template.find_resources("AWS::EC2::SecurityGroupEgress").values()]
    ingress = [r["Properties"] for r in template.find_resources("AWS::EC2::SecurityGroupIngress").values()]
    assert [dict(ports(r), to=r["DestinationSecurityGroupId"]) for r in egress if r["GroupId"] == app] == [dict(HSM_PORTS, to=cluster)]
    assert [dict(ports(r), into=r["GroupId"]) for r in ingress if r.get("SourceSecurityGroupId") == app] == [dict(HSM_PORTS, into=cluster)]
    # Nothing wider: the cluster admits only 2223-2225; the app admits nothing and sends only HTTPS besides.
    assert all(ports(r) == HSM_PORTS for r in ingress if r["GroupId"] == cluster)
    assert [r for r in ingress if r["GroupId"] == app] == []
    group = template.find_resources("AWS::EC2::SecurityGroup")[app["Fn::GetAtt"][0]]["Properties"]
    assert "SecurityGroupIngress" not in group
    assert [dict(ports(r), CidrIp=r["CidrIp"]) for r in group["SecurityGroupEgress"]] == [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}]


def test_an_alarm_at_the_first_failed_login_from_the_clusters_audit_log_group(synthesized, template):
    filters = list(template.find_resources("AWS::Logs::MetricFilter").values())
    assert len(filters) == 1
    assert filters[0]["Properties"]["LogGroupName"] == {
        "Fn::Join": ["", ["/aws/cloudhsm/", {"Ref": logical_id(synthesized, synthesized.cluster)}]]}
    metric = filters[0]["Properties"]["MetricTransformations"][0]
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": metric["MetricName"], "Namespace": "CdkCloudHsm/Audit", "Threshold": 1, "Period": 300,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching"})
