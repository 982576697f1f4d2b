// examples/go/activation: one deployment from nothing to an ACTIVE CloudHSM cluster with three HSMs
// in two Availability Zones (Private CA initialization, activation on an admin host with a
// generated admin password).
//
// The Go twin of examples/activation/app.ts; main_test.go checks its template.
//
//	go run .   # synthesizes into cdk.out
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsacmpca"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-cloudhsm/cdk-cloudhsm-go/cdkcloudhsm"
)

// StackName is the example stack's name, the same in every language.
const StackName = "CloudHsmActivation"

// CaArn is the AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account).
const CaArn = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555"

// ActivationStack is the example stack with the activated cluster and its HSMs.
type ActivationStack struct {
	awscdk.Stack
	Cluster cdkcloudhsm.HsmCluster
	Hsms    []cdkcloudhsm.Hsm
}

// NewActivationStack declares the VPC, the cluster with its initialization and activation, its
// HSMs and the VPC's flow log.
func NewActivationStack(scope constructs.Construct, id string, hsmCount int, props *awscdk.StackProps) *ActivationStack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	awscdk.Validations_Of(stack).Acknowledge(&awscdk.Acknowledgment{
		Id:     jsii.String("CloudFormation-Validate::W3010"),
		Reason: jsii.String("CloudHSM places each HSM in a named Availability Zone"),
	})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
		// One NAT gateway: the admin host downloads the CloudHSM CLI package and reaches SSM over it.
		NatGateways: jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("hsm"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(24)},
		},
	})
	ca := awsacmpca.CertificateAuthority_FromCertificateAuthorityArn(stack, jsii.String("Ca"), jsii.String(CaArn))
	cluster := cdkcloudhsm.NewHsmCluster(stack, jsii.String("Cluster"), &cdkcloudhsm.HsmClusterProps{
		Vpc:            vpc,
		Initialization: cdkcloudhsm.ClusterInitialization_FromPrivateCa(ca, nil),
		// An admin host runs `cluster activate`; the admin password is generated into Secrets Manager.
		Activation:    &cdkcloudhsm.ClusterActivationOptions{},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// Hsm1, Hsm2, ... spread over the two zones in turn. The first HSM brings the CSR; the others
	// follow the activation, in the same deployment, and are created together.
	hsms := cluster.AddHsms(jsii.Number(hsmCount), nil)
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
			Retention:     awslogs.RetentionDays_ONE_YEAR,
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
		}), nil),
	})
	awscdk.NewCfnOutput(stack, jsii.String("ClusterId"), &awscdk.CfnOutputProps{Value: cluster.ClusterId()})
	awscdk.NewCfnOutput(stack, jsii.String("ClusterState"), &awscdk.CfnOutputProps{Value: cluster.ClusterState()})
	return &ActivationStack{Stack: stack, Cluster: cluster, Hsms: *hsms}
}

// BuildApp returns the example app and its stack; an empty outdir means cdk.out (or CDK_OUTDIR under the CDK CLI).
func BuildApp(outdir string) (awscdk.App, *ActivationStack) {
	props := &awscdk.AppProps{}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	stack := NewActivationStack(app, StackName, 3, &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})
	return app, stack
}

func main() {
	defer jsii.Close()
	app, _ := BuildApp("")
	app.Synth(nil)
}
