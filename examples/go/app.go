// examples/go: a VPC with isolated subnets in two Availability Zones, a CloudHSM cluster in them
// and the cluster's first HSM.
//
// The Go twin of examples/basic/app.ts; app_test.go checks its template and the parity check
// compares it with the TypeScript, Python and Java versions.
//
//	go run .   # synthesizes into cdk.out
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-cloudhsm/cdk-cloudhsm-go/cdkcloudhsm"
)

// StackName is the example stack's name, the same in every language.
const StackName = "CloudHsmBasic"

// BasicStack is the example stack with the cluster and its HSM.
type BasicStack struct {
	awscdk.Stack
	Cluster cdkcloudhsm.HsmCluster
	Hsm     cdkcloudhsm.Hsm
}

// NewBasicStack declares the VPC, the cluster, its first HSM and the VPC's flow log.
func NewBasicStack(scope constructs.Construct, id string, props *awscdk.StackProps) *BasicStack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	// CDK warns about AZ names written into the template; an HSM's subnet and AZ have to be named ones.
	awscdk.Validations_Of(stack).Acknowledge(&awscdk.Acknowledgment{
		Id:     jsii.String("CloudFormation-Validate::W3010"),
		Reason: jsii.String("CloudHSM places each HSM in a named Availability Zone"),
	})
	// [readme] the block between these markers is shown in README.md
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		// Real AZ names for the HSM: without an AZ lookup the stack's AZs are placeholders (dummy1a, ...).
		AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
		NatGateways:       jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name:       jsii.String("hsm"),
			SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED,
			CidrMask:   jsii.Number(24),
		}},
	})
	cluster := cdkcloudhsm.NewHsmCluster(stack, jsii.String("Cluster"), &cdkcloudhsm.HsmClusterProps{
		Vpc:             vpc,
		BackupRetention: awscdk.Duration_Days(jsii.Number(90)),
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	})
	awscdk.Tags_Of(cluster).Add(jsii.String("team"), jsii.String("payments"), nil)
	// One HSM: CloudHSM refuses a second one until the cluster is initialized and activated.
	hsm := cluster.AddHsm(jsii.String("Hsm"), &cdkcloudhsm.HsmOptions{
		AvailabilityZone: (*vpc.AvailabilityZones())[0],
	})
	// [/readme]
	// A record of the traffic to and from the HSMs' network interfaces, kept like the cluster.
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
			Retention: awslogs.RetentionDays_ONE_YEAR,
			// Kept when the stack is deleted; a failed first deploy leaves nothing behind.
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
		}), nil),
	})
	awscdk.NewCfnOutput(stack, jsii.String("ClusterId"), &awscdk.CfnOutputProps{Value: cluster.ClusterId()})
	awscdk.NewCfnOutput(stack, jsii.String("ClusterSecurityGroupId"), &awscdk.CfnOutputProps{Value: cluster.SecurityGroup().SecurityGroupId()})
	awscdk.NewCfnOutput(stack, jsii.String("HsmId"), &awscdk.CfnOutputProps{Value: hsm.HsmId()})
	// Sign this certificate signing request to initialize the cluster (docs/initialization.md).
	awscdk.NewCfnOutput(stack, jsii.String("ClusterCsr"), &awscdk.CfnOutputProps{Value: hsm.ClusterCsr()})
	return &BasicStack{Stack: stack, Cluster: cluster, Hsm: hsm}
}

// BuildApp returns the example app and its stack; an empty outdir means cdk.out (or CDK_OUTDIR under the CDK CLI).
func BuildApp(outdir string) (awscdk.App, *BasicStack) {
	props := &awscdk.AppProps{}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	stack := NewBasicStack(app, StackName, &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})
	return app, stack
}

func main() {
	defer jsii.Close()
	app, _ := BuildApp("")
	app.Synth(nil)
}
