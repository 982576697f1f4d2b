package main

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

var template assertions.Template

// TestMain synthesizes the example once with the built cdk-cloudhsm Go package.
func TestMain(m *testing.M) {
	outdir, err := os.MkdirTemp("", "cdk.out")
	if err != nil {
		panic(err)
	}
	_, stack := BuildApp(outdir)
	template = assertions.Template_FromStack(stack.Stack, nil)
	code := m.Run()
	os.RemoveAll(outdir)
	jsii.Close()
	os.Exit(code)
}

func TestNoClusterAndNoActivationAreMade(t *testing.T) {
	template.ResourceCountIs(jsii.String("Custom::CloudHsmCluster"), jsii.Number(0))
	template.ResourceCountIs(jsii.String("Custom::CloudHsmActivation"), jsii.Number(0))
	template.ResourceCountIs(jsii.String("AWS::EC2::Instance"), jsii.Number(1))
	template.ResourceCountIs(jsii.String("Custom::CloudHsmKmsKey"), jsii.Number(1))
}

func TestTheKeyStoreUsesTheImportedClusterItsAdminSecretAndTrustAnchor(t *testing.T) {
	template.HasResourceProperties(jsii.String("Custom::CloudHsmKeyStore"), map[string]interface{}{
		"ClusterId":      ClusterID,
		"AdminSecretArn": AdminSecretArn,
		"TrustAnchor":    TrustAnchor,
	})
}

func TestTheHostReachesTheClusterSecurityGroup(t *testing.T) {
	template.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), map[string]interface{}{
		"GroupId": SecurityGroupID, "FromPort": 2223, "ToPort": 2225,
	})
}
