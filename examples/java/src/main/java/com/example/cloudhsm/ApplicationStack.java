package com.example.cloudhsm;

import io.github.cdkcloudhsm.CryptoUser;
import io.github.cdkcloudhsm.CryptoUserOptions;
import io.github.cdkcloudhsm.ClusterActivationOptions;
import io.github.cdkcloudhsm.ClusterInitialization;
import io.github.cdkcloudhsm.HsmAuditAlarmOptions;
import io.github.cdkcloudhsm.HsmAuditEvent;
import io.github.cdkcloudhsm.HsmAuditLogs;
import io.github.cdkcloudhsm.HsmClient;
import io.github.cdkcloudhsm.HsmClientConnectOptions;
import io.github.cdkcloudhsm.HsmClientLibrary;
import io.github.cdkcloudhsm.HsmCluster;
import io.github.cdkcloudhsm.HsmOptions;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Acknowledgment;
import software.amazon.awscdk.App;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Validations;
import software.amazon.awscdk.services.acmpca.CertificateAuthority;
import software.amazon.awscdk.services.ec2.AmazonLinuxCpuType;
import software.amazon.awscdk.services.ec2.AmazonLinux2023ImageSsmParameterProps;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.Instance;
import software.amazon.awscdk.services.ec2.InstanceClass;
import software.amazon.awscdk.services.ec2.InstanceSize;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.MachineImage;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * An application that uses the HSMs directly, in one deployment: the cluster (Private CA
 * initialization, activation on an admin host), two HSMs in two Availability Zones, a crypto user
 * for the application (its password generated into Secrets Manager), an application host whose
 * Client SDK 5 (PKCS #11) is installed and configured with --cluster-id by its user data, and the
 * cluster's audit logs with an alarm on failed logins.
 * The Java twin of examples/application/app.ts, checked by ApplicationStackTest.
 *
 * <pre>mvn compile exec:java -Dexec.mainClass=com.example.cloudhsm.ApplicationStack</pre>
 */
public class ApplicationStack extends Stack {
    public static final String STACK_NAME = "CloudHsmApplication";
    /** The AWS Private CA that signs the cluster's CSR (an ACTIVE CA of your account). */
    public static final String CA_ARN =
            "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555";
    /**
     * Where AWS publishes the Client SDK 5 packages for Amazon Linux 2023 (the library's default,
     * CLIENT_SDK_PACKAGE_URL in TypeScript): %LIB% becomes the library, %ARCH% the host's architecture.
     */
    public static final String CLIENT_SDK_PACKAGE_URL =
            "https://s3.amazonaws.com/cloudhsmv2-software/CloudHsmClient/Amzn2023/cloudhsm-%LIB%-latest.amzn2023.%ARCH%.rpm";
    private static final String APP_HOST_EC29_REASON = "The example's application host keeps no state: its user data rebuilds the client setup "
            + "and its crypto user's password lives in Secrets Manager. Termination protection would keep `cdk destroy` from removing it.";

    private final HsmCluster cluster;
    private final CryptoUser cryptoUser;
    private final HsmClient client;
    private final Instance host;
    private final SecurityGroup hostSecurityGroup;

    public ApplicationStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);
        Validations.of(this).acknowledge(Acknowledgment.builder()
                .id("CloudFormation-Validate::W3010")
                .reason("CloudHSM places each HSM in a named Availability Zone").build());
        List<String> azs = List.of("us-east-1a", "us-east-1b");
        Vpc vpc = Vpc.Builder.create(this, "Vpc")
                .availabilityZones(azs)
                // One NAT gateway: the hosts download the CloudHSM packages and reach SSM and Secrets Manager over it.
                .natGateways(1)
                .subnetConfiguration(List.of(
                        SubnetConfiguration.builder().name("public").subnetType(SubnetType.PUBLIC).cidrMask(24).build(),
                        SubnetConfiguration.builder().name("hsm").subnetType(SubnetType.PRIVATE_WITH_EGRESS).cidrMask(24).build()))
                .build();
        cluster = HsmCluster.Builder.create(this, "Cluster")
                .vpc(vpc)
                .initialization(ClusterInitialization.fromPrivateCa(CertificateAuthority.fromCertificateAuthorityArn(this, "Ca", CA_ARN)))
                .activation(ClusterActivationOptions.builder().build())
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        for (int i = 0; i < azs.size(); i++) {
            cluster.addHsm("Hsm" + (i + 1), HsmOptions.builder().availabilityZone(azs.get(i)).build());
        }

        // The crypto user the application logs in as: made on the HSMs by the admin host, its password
        // generated into Secrets Manager (in no template, output or log). A crypto user owns keys: kept.
        cryptoUser = cluster.addCryptoUser("AppUser", CryptoUserOptions.builder()
                .username("app_signer")
                .removalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)
                .build());

        // The application host: outbound HTTPS for the AWS APIs and the Client SDK package; the rules
        // to the cluster (TCP 2223-2225) come from the client below.
        hostSecurityGroup = SecurityGroup.Builder.create(this, "AppSecurityGroup")
                .vpc(vpc)
                .allowAllOutbound(false)
                .description("The application host: HTTPS to the AWS APIs, TCP 2223-2225 to the CloudHSM cluster")
                .build();
        hostSecurityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "HTTPS: SSM, Secrets Manager, CloudHSM API, Client SDK packages");
        host = Instance.Builder.create(this, "AppHost")
                .vpc(vpc)
                .vpcSubnets(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_WITH_EGRESS).build())
                .instanceType(InstanceType.of(InstanceClass.T3, InstanceSize.MICRO))
                .machineImage(MachineImage.latestAmazonLinux2023(AmazonLinux2023ImageSsmParameterProps.builder()
                        .cpuType(AmazonLinuxCpuType.X86_64).build()))
                .securityGroup(hostSecurityGroup)
                .requireImdsv2(true)
                .detailedMonitoring(true)
                .blockDevices(List.of(BlockDevice.builder().deviceName("/dev/xvda")
                        .volume(BlockDeviceVolume.ebs(8, EbsDeviceOptions.builder().encrypted(true).volumeType(EbsDeviceVolumeType.GP3).build()))
                        .build()))
                .build();

        // The host's client: the trust anchor parameter, TCP 2223-2225 to the cluster, the role's rights
        // (the user's secret, the parameter, DescribeClusters) and user data that installs the PKCS #11
        // library and configures it with --cluster-id.
        client = HsmClient.Builder.create(this, "Client")
                .cryptoUser(cryptoUser)
                .libraries(List.of(HsmClientLibrary.PKCS11))
                .packageUrl(CLIENT_SDK_PACKAGE_URL)
                .build();
        client.connectInstance(host, HsmClientConnectOptions.builder().build());

        // The audit logs CloudHSM writes, kept a year, with an alarm at the first failed login.
        HsmAuditLogs audit = HsmAuditLogs.Builder.create(this, "Audit")
                .cluster(cluster)
                .retention(RetentionDays.ONE_YEAR)
                .metricNamespace("CdkCloudHsm/Audit")
                .build();
        audit.addAlarm("FailedLogins", HsmAuditEvent.FAILED_LOGINS, HsmAuditAlarmOptions.builder()
                .threshold(1)
                .period(Duration.minutes(5))
                .alarmDescription("A login to the CloudHSM cluster failed (a wrong password, or a user that does not exist)")
                .build());
        ((CfnResource) host.getNode().getDefaultChild()).addMetadata("cdk_nag",
                Map.of("rules_to_suppress", List.of(Map.of("id", "AwsSolutions-EC29", "reason", APP_HOST_EC29_REASON))));
        Validations.of(host).acknowledge(Acknowledgment.builder().id("AwsSolutions-EC29").reason(APP_HOST_EC29_REASON).build());
        vpc.addFlowLog("FlowLog", FlowLogOptions.builder()
                .destination(FlowLogDestination.toCloudWatchLogs(LogGroup.Builder.create(this, "FlowLogs")
                        .retention(RetentionDays.ONE_YEAR)
                        .removalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)
                        .build()))
                .build());
        CfnOutput.Builder.create(this, "ClusterId").value(cluster.getClusterId()).build();
        CfnOutput.Builder.create(this, "AppHostId").value(host.getInstanceId()).build();
        CfnOutput.Builder.create(this, "CryptoUserSecretArn").value(cryptoUser.getPasswordSecret().getSecretArn()).build();
    }

    /** Adds the example stack to an app. */
    public static ApplicationStack addTo(final App app) {
        return new ApplicationStack(app, STACK_NAME, StackProps.builder()
                .env(Environment.builder().account("123456789012").region("us-east-1").build())
                .build());
    }

    /** The app: `mvn compile exec:java -Dexec.mainClass=com.example.cloudhsm.ApplicationStack`. */
    public static void main(final String[] args) {
        App app = new App();
        addTo(app);
        app.synth();
    }

    public HsmCluster getCluster() {
        return cluster;
    }

    public CryptoUser getCryptoUser() {
        return cryptoUser;
    }

    public HsmClient getClient() {
        return client;
    }

    public Instance getHost() {
        return host;
    }

    public SecurityGroup getHostSecurityGroup() {
        return hostSecurityGroup;
    }
}
