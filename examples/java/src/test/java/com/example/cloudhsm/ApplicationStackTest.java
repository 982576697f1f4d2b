package com.example.cloudhsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.constructs.IConstruct;

/**
 * Synthesizes ApplicationStack with the built cdk-cloudhsm jar and checks, from the constructs, what
 * the application host may do: its role reads only its own crypto user's secret and the trust anchor
 * parameter, and describes clusters; TCP 2223-2225 is the only path between its security group and
 * the cluster's.
 */
class ApplicationStackTest {
    private static final Map<String, Object> HSM_PORTS = Map.of("IpProtocol", "tcp", "FromPort", 2223, "ToPort", 2225);
    private static ApplicationStack stack;
    private static Template template;

    @BeforeAll
    static void synthesize() throws IOException {
        App app = App.Builder.create().outdir(Files.createTempDirectory("cdk.out").toString()).build();
        stack = ApplicationStack.addTo(app);
        CloudAssembly assembly = app.synth();
        // The parity check compares this template with the TypeScript, Python and Go ones (beside the basic example's).
        String out = System.getenv("CDK_CLOUDHSM_TEMPLATE_OUT");
        if (out != null && !out.isEmpty()) {
            Path basic = Paths.get(out).toAbsolutePath();
            Path target = basic.resolveSibling(basic.getFileName().toString().replace(".json", "-application.json"));
            Files.createDirectories(target.getParent());
            Files.copy(Paths.get(assembly.getStackByName(ApplicationStack.STACK_NAME).getTemplateFullPath()), target,
                    StandardCopyOption.REPLACE_EXISTING);
        }
        template = Template.fromStack(stack);
    }

    /** The logical id of a construct's CloudFormation resource, as the stack names it (an L2's, or a custom resource's default child). */
    private static String logicalId(final IConstruct construct) {
        IConstruct element = construct;
        while (!(element instanceof CfnElement)) {
            element = element.getNode().getDefaultChild();
        }
        return stack.getLogicalId((CfnElement) element);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> properties(final String type) {
        return template.findResources(type).values().stream()
                .map(r -> (Map<String, Object>) r.get("Properties")).collect(Collectors.toList());
    }

    private static Map<String, Object> ports(final Map<String, Object> rule) {
        return Map.of("IpProtocol", rule.get("IpProtocol"), "FromPort", rule.get("FromPort"), "ToPort", rule.get("ToPort"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRoleReadsOnlyItsUsersSecretAndTheTrustAnchorParameter() {
        Map<String, Object> roleRef = Map.of("Ref", logicalId(stack.getHost().getRole()));
        List<Map<String, Object>> policies = properties("AWS::IAM::Policy").stream()
                .filter(p -> ((List<Object>) p.get("Roles")).contains(roleRef)).collect(Collectors.toList());
        assertEquals(1, policies.size());
        Map<String, Object> secretArn = Map.of("Ref", logicalId(stack.getCryptoUser().getPasswordSecret()));
        // The secret is the one the crypto user's custom resource makes the user with.
        assertEquals(List.of(secretArn), properties("Custom::CloudHsmCryptoUser").stream()
                .map(u -> u.get("UserSecretArn")).collect(Collectors.toList()));
        Map<String, Object> parameterArn = Map.of("Fn::Join", List.of("", List.of("arn:", Map.of("Ref", "AWS::Partition"),
                ":ssm:us-east-1:123456789012:parameter/", Map.of("Ref", logicalId(stack.getClient().getTrustAnchorParameter())))));
        List<Map<String, Object>> statements = ((List<Map<String, Object>>) ((Map<String, Object>) policies.get(0).get("PolicyDocument"))
                .get("Statement")).stream().sorted(Comparator.comparing(s -> String.valueOf(s.get("Action")))).collect(Collectors.toList());
        assertEquals(List.of(
                Map.of("Action", "cloudhsm:DescribeClusters", "Effect", "Allow", "Resource", "*"),
                Map.of("Action", "secretsmanager:GetSecretValue", "Effect", "Allow", "Resource", secretArn),
                Map.of("Action", "ssm:GetParameter", "Effect", "Allow", "Resource", parameterArn)), statements);
        Map<String, Object> role = (Map<String, Object>) template.findResources("AWS::IAM::Role").get(roleRef.get("Ref")).get("Properties");
        assertFalse(role.containsKey("ManagedPolicyArns"));
        assertFalse(role.containsKey("Policies"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void onlyTcp2223To2225BetweenTheAppAndTheCluster() {
        Map<String, Object> app = Map.of("Fn::GetAtt", List.of(logicalId(stack.getHostSecurityGroup()), "GroupId"));
        Map<String, Object> cluster = Map.of("Fn::GetAtt", List.of(logicalId(stack.getCluster()), "SecurityGroupId"));
        assertEquals(List.of(cluster), stack.getCluster().getConnections().getSecurityGroups().stream()
                .map(g -> stack.resolve(g.getSecurityGroupId())).collect(Collectors.toList()));
        List<Map<String, Object>> egress = properties("AWS::EC2::SecurityGroupEgress");
        List<Map<String, Object>> ingress = properties("AWS::EC2::SecurityGroupIngress");
        assertEquals(List.of(List.of(HSM_PORTS, cluster)), egress.stream().filter(r -> app.equals(r.get("GroupId")))
                .map(r -> List.of(ports(r), r.get("DestinationSecurityGroupId"))).collect(Collectors.toList()));
        assertEquals(List.of(List.of(HSM_PORTS, cluster)), ingress.stream().filter(r -> app.equals(r.get("SourceSecurityGroupId")))
                .map(r -> List.of(ports(r), r.get("GroupId"))).collect(Collectors.toList()));
        // Nothing wider: the cluster admits only 2223-2225; the app admits nothing and sends only HTTPS besides.
        assertTrue(ingress.stream().filter(r -> cluster.equals(r.get("GroupId"))).allMatch(r -> HSM_PORTS.equals(ports(r))));
        assertTrue(ingress.stream().noneMatch(r -> app.equals(r.get("GroupId"))));
        Map<String, Object> group = (Map<String, Object>) template.findResources("AWS::EC2::SecurityGroup")
                .get(logicalId(stack.getHostSecurityGroup())).get("Properties");
        assertFalse(group.containsKey("SecurityGroupIngress"));
        assertEquals(List.of(Map.of("IpProtocol", "tcp", "FromPort", 443, "ToPort", 443)),
                ((List<Map<String, Object>>) group.get("SecurityGroupEgress")).stream().map(ApplicationStackTest::ports).collect(Collectors.toList()));
    }
}
