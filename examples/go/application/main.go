// examples/go/application: an application that uses the HSMs directly, in one deployment: the
// cluster (Private CA initialization, activation on an admin host), two HSMs in two Availability
// Zones, a crypto user for the application (its password generated into Secrets Manager), an
// application host whose Client SDK 5 (PKCS #11) is installed and configured with --cluster-id by
// its user data, and the cluster's audit logs with an alarm on failed logins.
//
// The Go twin of examples/application/app.ts; main_test.go checks its template.
//
//	go run .   # synthesizes into cdk.out
package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsacmpca"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-cloudhsm/cdk-cloudhsm-go/cdkcloudhsm"
)

// StackName is the example stack's name, the same in every language.
const StackName = "CloudHsmApplication"

// CaArn is the AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account).
const CaArn = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555"

// ClientSdkPackageURL is where AWS publishes the Client SDK 5 packages for Amazon Linux 2023 (the
// library's default, CLIENT_SDK_PACKAGE_URL in TypeScript): %LIB% becomes the library, %ARCH% the
// host's architecture.
const ClientSdkPackageURL = "https://s3.amazonaws.com/cloudhsmv2-software/CloudHsmClient/Amzn2023/cloudhsm-%LIB%-latest.amzn2023.%ARCH%.rpm"

const appHostEc29Reason = "The example's application host keeps no state: its user data rebuilds the client setup and its crypto user's " +
	"password lives in Secrets Manager. Termination protection would keep `cdk destroy` from removing it."

// ApplicationStack is the example stack with the cluster, the crypto user, the application host and its client.
type ApplicationStack struct {
	awscdk.Stack
	Cluster           cdkcloudhsm.HsmCluster
	CryptoUser        cdkcloudhsm.CryptoUser
	Client            cdkcloudhsm.HsmClient
	Host              awsec2.Instance
	HostSecurityGroup awsec2.SecurityGroup
}

// NewApplicationStack declares the VPC, the activated cluster with two HSMs, the crypto user, the
// application host connected as that user, the audit logs with a failed-login alarm and the VPC's flow log.
func NewApplicationStack(scope constructs.Construct, id string, props *awscdk.StackProps) *ApplicationStack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	awscdk.Validations_Of(stack).Acknowledge(&awscdk.Acknowledgment{
		Id:     jsii.String("CloudFormation-Validate::W3010"),
		Reason: jsii.String("CloudHSM places each HSM in a named Availability Zone"),
	})
	azs := []string{"us-east-1a", "us-east-1b"}
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings(azs...),
		// One NAT gateway: the hosts download the CloudHSM packages and reach SSM and Secrets Manager over it.
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
		RemovalPolicy:  awscdk.RemovalPolicy_RETAIN,
	})
	for i, az := range azs {
		cluster.AddHsm(jsii.String(fmt.Sprintf("Hsm%d", i+1)), &cdkcloudhsm.HsmOptions{AvailabilityZone: jsii.String(az)})
	}

	// The crypto user the application logs in as: made on the HSMs by the admin host, its password
	// generated into Secrets Manager (in no template, output or log). A crypto user owns keys: kept.
	user := cluster.AddCryptoUser(jsii.String("AppUser"), &cdkcloudhsm.CryptoUserOptions{
		Username:      jsii.String("app_signer"),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})

	// The application host: outbound HTTPS for the AWS APIs and the Client SDK package; the rules
	// to the cluster (TCP 2223-2225) come from the client below.
	group := awsec2.NewSecurityGroup(stack, jsii.String("AppSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		AllowAllOutbound: jsii.Bool(false),
		Description:      jsii.String("The application host: HTTPS to the AWS APIs, TCP 2223-2225 to the CloudHSM cluster"),
	})
	group.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS: SSM, Secrets Manager, CloudHSM API, Client SDK packages"), nil)
	host := awsec2.NewInstance(stack, jsii.String("AppHost"), &awsec2.InstanceProps{
		Vpc:                vpc,
		VpcSubnets:         &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		InstanceType:       awsec2.InstanceType_Of(awsec2.InstanceClass_T3, awsec2.InstanceSize_MICRO),
		MachineImage:       awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{CpuType: awsec2.AmazonLinuxCpuType_X86_64}),
		SecurityGroup:      group,
		RequireImdsv2:      jsii.Bool(true),
		DetailedMonitoring: jsii.Bool(true),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(8), &awsec2.EbsDeviceOptions{
				Encrypted: jsii.Bool(true), VolumeType: awsec2.EbsDeviceVolumeType_GP3,
			}),
		}},
	})

	// The host's client: the trust anchor parameter, TCP 2223-2225 to the cluster, the role's rights
	// (the user's secret, the parameter, DescribeClusters) and user data that installs the PKCS #11
	// library and configures it with --cluster-id.
	client := cdkcloudhsm.NewHsmClient(stack, jsii.String("Client"), &cdkcloudhsm.HsmClientProps{
		CryptoUser: user,
		Libraries:  &[]cdkcloudhsm.HsmClientLibrary{cdkcloudhsm.HsmClientLibrary_PKCS11},
		PackageUrl: jsii.String(ClientSdkPackageURL),
	})
	client.ConnectInstance(host, &cdkcloudhsm.HsmClientConnectOptions{})

	// The audit logs CloudHSM writes, kept a year, with an alarm at the first failed login.
	audit := cdkcloudhsm.NewHsmAuditLogs(stack, jsii.String("Audit"), &cdkcloudhsm.HsmAuditLogsProps{
		Cluster:         cluster,
		Retention:       awslogs.RetentionDays_ONE_YEAR,
		MetricNamespace: jsii.String("CdkCloudHsm/Audit"),
	})
	audit.AddAlarm(jsii.String("FailedLogins"), cdkcloudhsm.HsmAuditEvent_FAILED_LOGINS, &cdkcloudhsm.HsmAuditAlarmOptions{
		Threshold:        jsii.Number(1),
		Period:           awscdk.Duration_Minutes(jsii.Number(5)),
		AlarmDescription: jsii.String("A login to the CloudHSM cluster failed (a wrong password, or a user that does not exist)"),
	})
	host.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cdk_nag"), map[string]interface{}{
		"rules_to_suppress": []interface{}{map[string]interface{}{"id": "AwsSolutions-EC29", "reason": appHostEc29Reason}},
	})
	awscdk.Validations_Of(host).Acknowledge(&awscdk.Acknowledgment{Id: jsii.String("AwsSolutions-EC29"), Reason: jsii.String(appHostEc29Reason)})
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
			Retention:     awslogs.RetentionDays_ONE_YEAR,
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
		}), nil),
	})
	awscdk.NewCfnOutput(stack, jsii.String("ClusterId"), &awscdk.CfnOutputProps{Value: cluster.ClusterId()})
	awscdk.NewCfnOutput(stack, jsii.String("AppHostId"), &awscdk.CfnOutputProps{Value: host.InstanceId()})
	awscdk.NewCfnOutput(stack, jsii.String("CryptoUserSecretArn"), &awscdk.CfnOutputProps{Value: user.PasswordSecret().SecretArn()})
	return &ApplicationStack{Stack: stack, Cluster: cluster, CryptoUser: user, Client: client, Host: host, HostSecurityGroup: group}
}

// BuildApp returns the example app and its stack; an empty outdir means cdk.out (or CDK_OUTDIR under the CDK CLI).
func BuildApp(outdir string) (awscdk.App, *ApplicationStack) {
	props := &awscdk.AppProps{}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	stack := NewApplicationStack(app, StackName, &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})
	return app, stack
}

func main() {
	defer jsii.Close()
	app, _ := BuildApp("")
	app.Synth(nil)
}
