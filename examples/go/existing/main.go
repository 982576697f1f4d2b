// examples/go/existing: a KMS key store and a key on a CloudHSM cluster that already exists and is
// ACTIVE (made, initialized and activated outside CDK). The stack imports the cluster with its
// admin secret and trust anchor, adds an HSM in a second Availability Zone, and a key store with a
// key: an admin host is made in the cluster's VPC to create the crypto user kmsuser.
//
// The Go twin of examples/existing-cluster/app.ts; main_test.go checks its template. Replace the
// values below with your cluster's (docs/existing-clusters.md).
//
//	go run .   # synthesizes into cdk.out
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-cloudhsm/cdk-cloudhsm-go/cdkcloudhsm"
)

// StackName is the example stack's name, the same in every language.
const StackName = "CloudHsmExistingCluster"

// What the stack is told about the existing cluster: your values (these are placeholders).
const (
	ClusterID       = "cluster-jxhlf7644ne"
	SecurityGroupID = "sg-0123456789abcdef0"
	VpcID           = "vpc-0123456789abcdef0"
	// AdminSecretArn is the secret with the admin password (the admin user that `cluster activate` made).
	AdminSecretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cloudhsm/admin-AbCdEf"
	// TrustAnchor is the certificate that signed the cluster certificate (customerCA.crt).
	TrustAnchor = "-----BEGIN CERTIFICATE-----\nTUlJQ2V4YW1wbGV0cnVzdGFuY2hvcg==\n-----END CERTIFICATE-----"
)

// ExistingClusterStack is the example stack with the key store on the imported cluster and its key.
type ExistingClusterStack struct {
	awscdk.Stack
	KeyStore cdkcloudhsm.HsmKeyStore
	Key      awskms.IKey
}

// NewExistingClusterStack imports the VPC and the cluster, adds an HSM, the key store and a key in it.
func NewExistingClusterStack(scope constructs.Construct, id string, props *awscdk.StackProps) *ExistingClusterStack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	awscdk.Validations_Of(stack).Acknowledge(&awscdk.Acknowledgment{
		Id:     jsii.String("CloudFormation-Validate::W3010"),
		Reason: jsii.String("CloudHSM places each HSM in a named Availability Zone"),
	})
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String(VpcID),
		AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
		PrivateSubnetIds:  jsii.Strings("subnet-0123456789abcdef0", "subnet-0fedcba9876543210"),
	})
	cluster := cdkcloudhsm.HsmCluster_FromClusterAttributes(stack, jsii.String("Cluster"), &cdkcloudhsm.HsmClusterAttributes{
		ClusterId:       jsii.String(ClusterID),
		SecurityGroupId: jsii.String(SecurityGroupID),
		Vpc:             vpc,
		// The admin password as a plain string (or JSON, with AdminSecretField naming its field).
		AdminSecret: awssecretsmanager.Secret_FromSecretCompleteArn(stack, jsii.String("AdminSecret"), jsii.String(AdminSecretArn)),
		TrustAnchor: jsii.String(TrustAnchor),
	})
	// KMS needs two ACTIVE HSMs in different zones: the cluster has one in us-east-1a, add one in us-east-1b.
	cluster.AddHsm(jsii.String("Hsm2"), &cdkcloudhsm.HsmOptions{AvailabilityZone: jsii.String("us-east-1b")})
	// An admin host is made in the VPC; it creates kmsuser, then the store is created and connected.
	keyStore := cdkcloudhsm.NewHsmKeyStore(stack, jsii.String("KeyStore"), &cdkcloudhsm.HsmKeyStoreProps{Cluster: cluster})
	key := keyStore.AddKey(jsii.String("DataKey"), &cdkcloudhsm.HsmKeyOptions{Alias: jsii.String("alias/existing-cluster-data")})
	awscdk.NewCfnOutput(stack, jsii.String("CustomKeyStoreId"), &awscdk.CfnOutputProps{Value: keyStore.CustomKeyStoreId()})
	awscdk.NewCfnOutput(stack, jsii.String("KeyArn"), &awscdk.CfnOutputProps{Value: key.KeyArn()})
	return &ExistingClusterStack{Stack: stack, KeyStore: keyStore, Key: key}
}

// BuildApp returns the example app and its stack; an empty outdir means cdk.out (or CDK_OUTDIR under the CDK CLI).
func BuildApp(outdir string) (awscdk.App, *ExistingClusterStack) {
	props := &awscdk.AppProps{}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	stack := NewExistingClusterStack(app, StackName, &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})
	return app, stack
}

func main() {
	defer jsii.Close()
	app, _ := BuildApp("")
	app.Synth(nil)
}
