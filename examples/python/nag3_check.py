"""cdk-nag 3.x (a policy validation plugin: a violation fails the synth) on the example apps with the
built cdk-cloudhsm wheel, as test_app.py runs cdk-nag 2.x.

The two majors cannot share one venv: `npx projen test:python` installs 3.x apart (in .nag3, first on
PYTHONPATH) and runs this file on its own, after the pytest run of the test_*.py files.
"""
import importlib.metadata
import json
import os

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2

import activation_app
import application_app
import app as basic_app
import key_store_app
from cdk_nag import AwsSolutionsChecks


def aws_solutions_findings(app, outdir):
    """Synthesizes with the pack and returns its violations as `<construct path> <rule>` lines."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    try:
        app.synth()
    except RuntimeError as e:
        assert "ValidationFailed" in str(e)
    with open(os.path.join(outdir, "validation-report.json")) as f:
        report = json.load(f)
    return sorted(f"{c['constructPath']} {v['ruleName']}"
                  for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"
                  for v in p["violations"] for c in v["violatingConstructs"])


def test_runs_cdk_nag_3():
    assert importlib.metadata.version("cdk-nag").startswith("3.")


@pytest.mark.parametrize("build_app", [basic_app.build_app, activation_app.build_app, key_store_app.build_app,
                                       application_app.build_app],
                         ids=["app", "activation_app", "key_store_app", "application_app"])
def test_the_example_has_no_finding_but_the_planted_one(build_app, tmp_path):
    app, stack = build_app(outdir=str(tmp_path))
    # A VPC without a flow log, planted in the example's stack: its finding shows the pack ran on
    # this stack (3.x writes no report of its own when it finds nothing), and it is the only one.
    ec2.Vpc(stack, "Planted", subnet_configuration=[
        ec2.SubnetConfiguration(name="p", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)])
    assert aws_solutions_findings(app, str(tmp_path)) == [f"{stack.stack_name}/Planted/Resource AwsSolutions-VPC7"]
