"""cdk-nag 2.x (an aspect: findings are annotations) on every example app with the built cdk-cloudhsm
wheel: the library's suppressions travel as resource metadata, so they hold in Python as in
TypeScript. nag3_check.py does the same with cdk-nag 3.x."""
import aws_cdk as cdk
import pytest
from aws_cdk import assertions

import activation_app
import application_app
import app as basic_app
import key_store_app
from cdk_nag import AwsSolutionsChecks


@pytest.mark.parametrize("build_app", [basic_app.build_app, activation_app.build_app, key_store_app.build_app,
                                       application_app.build_app],
                         ids=["app", "activation_app", "key_store_app", "application_app"])
def test_cdk_nag_aws_solutions_reports_nothing_unsuppressed(build_app, tmp_path):
    app, stack = build_app(outdir=str(tmp_path))
    cdk.Aspects.of(app).add(AwsSolutionsChecks())
    app.synth()
    annotations = assertions.Annotations.from_stack(stack)
    findings = (annotations.find_error("*", assertions.Match.string_like_regexp("AwsSolutions-"))
                + annotations.find_warning("*", assertions.Match.string_like_regexp("AwsSolutions-")))
    assert [f.entry.data for f in findings] == []
