package com.example.cloudhsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;

/** Synthesizes ActivationStack with the built cdk-cloudhsm jar: activation and three HSMs in one stack. */
class ActivationStackTest {
    private static ActivationStack stack;
    private static Template template;

    @BeforeAll
    static void synthesize() throws IOException {
        App app = App.Builder.create().outdir(Files.createTempDirectory("cdk.out").toString()).build();
        stack = ActivationStack.addTo(app);
        template = Template.fromStack(stack);
    }

    private static String onlyId(final String type) {
        Map<String, Map<String, Object>> found = template.findResources(type);
        assertEquals(1, found.size(), type);
        return found.keySet().iterator().next();
    }

    @Test
    @SuppressWarnings("unchecked")
    void activationNamesClusterHostAndSecretWithoutAPassword() {
        Map<String, Object> props = (Map<String, Object>) template.findResources("Custom::CloudHsmActivation")
                .get(onlyId("Custom::CloudHsmActivation")).get("Properties");
        assertEquals(Map.of("Ref", onlyId("Custom::CloudHsmCluster")), props.get("ClusterId"));
        assertEquals(Map.of("Ref", onlyId("AWS::EC2::Instance")), props.get("InstanceId"));
        assertEquals(Map.of("Ref", onlyId("AWS::SecretsManager::Secret")), props.get("AdminSecretArn"));
        assertEquals(new TreeSet<>(List.of("AdminSecretArn", "CertificateAuthorityArn", "ClusterId", "InstanceId", "ServiceTimeout",
                "ServiceToken")), new TreeSet<>(props.keySet()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void thePasswordIsGeneratedBySecretsManager() {
        Map<String, Object> props = (Map<String, Object>) template.findResources("AWS::SecretsManager::Secret")
                .get(onlyId("AWS::SecretsManager::Secret")).get("Properties");
        assertFalse(props.containsKey("SecretString"));
        assertEquals(32, ((Map<String, Object>) props.get("GenerateSecretString")).get("PasswordLength"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void addHsmsSpreadsTheHsmsOverBothZonesInTurn() {
        assertEquals(3, stack.getHsms().size());
        assertEquals(List.of("Hsm1", "Hsm2", "Hsm3"), stack.getHsms().stream().map(h -> h.getNode().getId()).collect(Collectors.toList()));
        Map<String, Map<String, Object>> hsms = template.findResources("Custom::CloudHsmHsm");
        List<Object> zones = new TreeSet<>(hsms.keySet()).stream()
                .map(id -> ((Map<String, Object>) hsms.get(id).get("Properties")).get("AvailabilityZone"))
                .collect(Collectors.toList());
        assertEquals(List.of("us-east-1a", "us-east-1b", "us-east-1a"), zones);
    }

    @Test
    void addHsmsRejectsACountBelowOne() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> stack.getCluster().addHsms(-1));
        assertTrue(e.getMessage().contains("addHsms count: -1 is not a whole number of at least 0"), e.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void hsmsAfterTheFirstWaitForTheActivation() {
        String activation = onlyId("Custom::CloudHsmActivation");
        Map<String, Map<String, Object>> hsms = template.findResources("Custom::CloudHsmHsm");
        assertEquals(3, hsms.size());
        TreeSet<String> waiting = hsms.entrySet().stream()
                .filter(e -> ((List<String>) e.getValue().getOrDefault("DependsOn", List.of())).contains(activation))
                .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
        TreeSet<String> later = hsms.keySet().stream().filter(id -> !id.startsWith("ClusterHsm1"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(later, waiting);
    }
}
