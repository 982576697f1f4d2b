package com.example.cloudhsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.cdkcloudhsm.HsmCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.services.ec2.Vpc;

/** Synthesizes the example app with the built cdk-cloudhsm jar and checks its template. */
class BasicStackTest {
    private static final String CLUSTER = "Custom::CloudHsmCluster";
    private static final String HSM = "Custom::CloudHsmHsm";
    private static BasicStack stack;
    private static Template template;

    @BeforeAll
    static void synthesize() throws IOException {
        App app = App.Builder.create().outdir(Files.createTempDirectory("cdk.out").toString()).build();
        stack = BasicApp.addStack(app);
        CloudAssembly assembly = app.synth();
        // The parity check compares this template with the TypeScript and Python ones.
        String out = System.getenv("CDK_CLOUDHSM_TEMPLATE_OUT");
        if (out != null && !out.isEmpty()) {
            Path target = Paths.get(out);
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.copy(Paths.get(assembly.getStackByName(BasicApp.STACK_NAME).getTemplateFullPath()), target,
                    StandardCopyOption.REPLACE_EXISTING);
        }
        template = Template.fromStack(stack);
    }

    private static String clusterLogicalId() {
        Map<String, Map<String, Object>> clusters = template.findResources(CLUSTER);
        assertEquals(1, clusters.size());
        return clusters.keySet().iterator().next();
    }

    private static String hsmLogicalId() {
        Map<String, Map<String, Object>> hsms = template.findResources(HSM);
        assertEquals(1, hsms.size());
        return hsms.keySet().iterator().next();
    }

    @Test
    void declaresOneCluster() {
        template.resourceCountIs(CLUSTER, 1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void clusterSpansTheIsolatedSubnets() {
        Map<String, Map<String, Object>> subnets = template.findResources("AWS::EC2::Subnet");
        assertEquals(2, subnets.size()); // two named AZs, one isolated subnet group
        Map<String, Object> props = (Map<String, Object>) template.findResources(CLUSTER)
                .get(clusterLogicalId()).get("Properties");
        List<Map<String, Object>> subnetIds = (List<Map<String, Object>>) props.get("SubnetIds");
        assertEquals(new TreeSet<>(subnets.keySet()),
                subnetIds.stream().map(ref -> (String) ref.get("Ref")).collect(Collectors.toCollection(TreeSet::new)));
    }

    @Test
    @SuppressWarnings("unchecked")
    void subnetsAreInTheNamedAvailabilityZones() {
        TreeSet<String> zones = template.findResources("AWS::EC2::Subnet").values().stream()
                .map(subnet -> (String) ((Map<String, Object>) subnet.get("Properties")).get("AvailabilityZone"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(List.of("us-east-1a", "us-east-1b")), zones);
    }

    @Test
    @SuppressWarnings("unchecked")
    void declaresOneHsmInTheClusterInTheFirstZone() {
        template.resourceCountIs(HSM, 1);
        Map<String, Object> props = (Map<String, Object>) template.findResources(HSM)
                .get(hsmLogicalId()).get("Properties");
        assertEquals(Map.of("Ref", clusterLogicalId()), props.get("ClusterId"));
        assertEquals("us-east-1a", props.get("AvailabilityZone"));
        assertFalse(props.containsKey("IpAddress"));
    }

    @Test
    void hsmIsDeletedWithTheStack() {
        template.hasResource(HSM, Map.of("DeletionPolicy", "Delete", "UpdateReplacePolicy", "Delete"));
    }

    @Test
    void vpcFlowLogsAreKeptForAYear() {
        template.resourceCountIs("AWS::EC2::FlowLog", 1);
        template.hasResource("AWS::Logs::LogGroup", Map.of(
                "Properties", Map.of("RetentionInDays", 365), "DeletionPolicy", "RetainExceptOnCreate"));
    }

    @Test
    void oneHsmRaisesNoActivationWarning() {
        Annotations.fromStack(stack).hasNoWarning("*", Match.stringLikeRegexp("hsmBeforeActivation"));
    }

    @Test
    void retentionAndTagReachTheCluster() {
        template.hasResourceProperties(CLUSTER, Map.of(
                "BackupRetentionDays", 90,
                "Tags", List.of(Map.of("Key", "team", "Value", "payments"))));
    }

    @Test
    void clusterIsKeptWhenRemoved() {
        template.hasResource(CLUSTER, Map.of("DeletionPolicy", "Retain", "UpdateReplacePolicy", "Retain"));
    }

    @Test
    void outputsNameTheClusterAndItsSecurityGroup() {
        String id = clusterLogicalId();
        template.hasOutput("ClusterId", Map.of("Value", Map.of("Ref", id)));
        template.hasOutput("ClusterSecurityGroupId",
                Map.of("Value", Map.of("Fn::GetAtt", List.of(id, "SecurityGroupId"))));
    }

    @Test
    void outputsNameTheHsmAndTheClusterCsr() {
        String id = hsmLogicalId();
        template.hasOutput("HsmId", Map.of("Value", Map.of("Fn::GetAtt", java.util.List.of(id, "HsmId"))));
        template.hasOutput("ClusterCsr", Map.of("Value", Map.of("Fn::GetAtt", List.of(id, "ClusterCsr"))));
    }

    @Test
    void synthTimeValidationReachesJava() {
        Stack stack = new Stack(new App(), "Invalid");
        Vpc vpc = new Vpc(stack, "Vpc");
        RuntimeException e = assertThrows(RuntimeException.class, () -> HsmCluster.Builder.create(stack, "Cluster")
                .vpc(vpc).backupRetention(Duration.days(3)).build());
        assertTrue(e.getMessage().contains("backupRetention"), e.getMessage());
    }
}
