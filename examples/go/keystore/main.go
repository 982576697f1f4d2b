// examples/go/keystore: one deployment from nothing to a CONNECTED KMS key store with a KMS key in
// it: the cluster (Private CA initialization, activation on an admin host), two HSMs in two
// Availability Zones, the crypto user kmsuser (its password generated into Secrets Manager), the
// CloudHSM key store, and a KMS key in it that encrypts an S3 bucket, with a grant to a role.
//
// The Go twin of examples/key-store/app.ts; main_test.go checks its template.
//
//	go run .   # synthesizes into cdk.out
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsacmpca"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-cloudhsm/cdk-cloudhsm-go/cdkcloudhsm"
)

// StackName is the example stack's name, the same in every language.
const StackName = "CloudHsmKeyStore"

// CaArn is the AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account).
const CaArn = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555"

const accessLogsReason = "This bucket holds the data bucket's server access logs; logging its own access would log into itself."

// KeyStoreStack is the example stack with the key store and its key.
type KeyStoreStack struct {
	awscdk.Stack
	KeyStore cdkcloudhsm.HsmKeyStore
	Key      awskms.IKey
}

// NewKeyStoreStack declares the VPC, the activated cluster with two HSMs, the key store, a key in
// it, the bucket the key encrypts, the grant and the VPC's flow log.
func NewKeyStoreStack(scope constructs.Construct, id string, props *awscdk.StackProps) *KeyStoreStack {
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
		Activation:     &cdkcloudhsm.ClusterActivationOptions{},
	})
	// KMS needs two ACTIVE HSMs in different Availability Zones: Hsm1 and Hsm2, one in each.
	cluster.AddHsms(jsii.Number(2), nil)
	// kmsuser (password generated into Secrets Manager), CreateCustomKeyStore, ConnectCustomKeyStore.
	keyStore := cdkcloudhsm.NewHsmKeyStore(stack, jsii.String("KeyStore"), &cdkcloudhsm.HsmKeyStoreProps{Cluster: cluster})
	// A KMS key whose key material lives in the cluster's HSMs, used like any kms.IKey.
	key := keyStore.AddKey(jsii.String("DataKey"), &cdkcloudhsm.HsmKeyOptions{Alias: jsii.String("alias/example-hsm-data")})
	awss3.NewBucket(stack, jsii.String("Data"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          key,
		EnforceSSL:             jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ServerAccessLogsBucket: accessLogs(stack),
	})
	// A grant as aws-cdk-lib's kms.Key makes it.
	key.GrantDecrypt(awsiam.NewRole(stack, jsii.String("Reader"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()}))
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
			Retention:     awslogs.RetentionDays_ONE_YEAR,
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
		}), nil),
	})
	awscdk.NewCfnOutput(stack, jsii.String("CustomKeyStoreId"), &awscdk.CfnOutputProps{Value: keyStore.CustomKeyStoreId()})
	awscdk.NewCfnOutput(stack, jsii.String("KeyArn"), &awscdk.CfnOutputProps{Value: key.KeyArn()})
	return &KeyStoreStack{Stack: stack, KeyStore: keyStore, Key: key}
}

// accessLogs is the data bucket's access-log bucket (S3-managed encryption: the log delivery cannot use a KMS key).
func accessLogs(stack awscdk.Stack) awss3.Bucket {
	bucket := awss3.NewBucket(stack, jsii.String("AccessLogs"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
	})
	bucket.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cdk_nag"), map[string]interface{}{
		"rules_to_suppress": []interface{}{map[string]interface{}{"id": "AwsSolutions-S1", "reason": accessLogsReason}},
	})
	awscdk.Validations_Of(bucket).Acknowledge(&awscdk.Acknowledgment{Id: jsii.String("AwsSolutions-S1"), Reason: jsii.String(accessLogsReason)})
	return bucket
}

// BuildApp returns the example app and its stack; an empty outdir means cdk.out (or CDK_OUTDIR under the CDK CLI).
func BuildApp(outdir string) (awscdk.App, *KeyStoreStack) {
	props := &awscdk.AppProps{}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	stack := NewKeyStoreStack(app, StackName, &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})
	return app, stack
}

func main() {
	defer jsii.Close()
	app, _ := BuildApp("")
	app.Synth(nil)
}
