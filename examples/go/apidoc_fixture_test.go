package main

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-cloudhsm/cdk-cloudhsm-go/cdkcloudhsm"
)

// apiDocExample is one example of docs/API.go.md, generated into apidoc_examples_test.go.
type apiDocExample struct {
	name          string
	run           func(stack awscdk.Stack, cluster cdkcloudhsm.HsmCluster, keyStore cdkcloudhsm.HsmKeyStore, appServer awsec2.IConnectable)
	needsKeyStore bool
}

const fixturePem = "-----BEGIN CERTIFICATE-----\nMIIfixture\n-----END CERTIFICATE-----"

// TestApiDocExamples runs every example of the Go API reference in a stack of its own with what
// rosetta/default.ts-fixture declares (an activated cluster with two HSMs in two zones, its key
// store where the example needs one, an application server's security group), and checks that
// the example added resources to the stack and that the stack synthesizes.
func TestApiDocExamples(t *testing.T) {
	if len(apiDocExamples) == 0 {
		t.Fatal("docs/API.go.md has no examples: apidoc_examples_test.go is out of date")
	}
	for _, example := range apiDocExamples {
		t.Run(example.name, func(t *testing.T) {
			app := awscdk.NewApp(nil)
			stack := awscdk.NewStack(app, jsii.String("ApiDoc"+example.name), &awscdk.StackProps{
				Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
			})
			vpc := awsec2.NewVpc(stack, jsii.String("FixtureVpc"), &awsec2.VpcProps{
				AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
				NatGateways:       jsii.Number(1),
			})
			cluster := cdkcloudhsm.NewHsmCluster(stack, jsii.String("FixtureCluster"), &cdkcloudhsm.HsmClusterProps{
				Vpc: vpc,
				Initialization: cdkcloudhsm.ClusterInitialization_FromCertificates(&cdkcloudhsm.ClusterCertificates{
					SignedCertificate: jsii.String(fixturePem),
					TrustAnchor:       jsii.String(fixturePem),
				}),
				Activation: &cdkcloudhsm.ClusterActivationOptions{},
			})
			cluster.AddHsms(jsii.Number(2), jsii.String("FixtureHsm"))
			var keyStore cdkcloudhsm.HsmKeyStore
			if example.needsKeyStore {
				keyStore = cdkcloudhsm.NewHsmKeyStore(stack, jsii.String("FixtureKeyStore"), &cdkcloudhsm.HsmKeyStoreProps{Cluster: cluster})
			}
			appServer := awsec2.NewSecurityGroup(stack, jsii.String("FixtureAppServer"), &awsec2.SecurityGroupProps{Vpc: vpc})
			before := len(*stack.Node().FindAll(constructs.ConstructOrder_PREORDER))

			example.run(stack, cluster, keyStore, appServer)

			if after := len(*stack.Node().FindAll(constructs.ConstructOrder_PREORDER)); after <= before {
				t.Errorf("the example of %s added no construct to the stack (%d before, %d after)", example.name, before, after)
			}
			if resources := assertions.Template_FromStack(stack, nil).ToJSON(); (*resources)["Resources"] == nil {
				t.Errorf("the stack of the %s example synthesized no resources", example.name)
			}
		})
	}
}
