package com.example.cloudhsm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;

/** Synthesizes ExistingClusterStack with the built cdk-cloudhsm jar: an imported ACTIVE cluster, an HSM, an admin host, a key store, a key. */
class ExistingClusterStackTest {
    private static Template template;

    @BeforeAll
    static void synthesize() throws IOException {
        App app = App.Builder.create().outdir(Files.createTempDirectory("cdk.out").toString()).build();
        template = Template.fromStack(ExistingClusterStack.addTo(app));
    }

    @Test
    void noClusterAndNoActivationAreMade() {
        template.resourceCountIs("Custom::CloudHsmCluster", 0);
        template.resourceCountIs("Custom::CloudHsmActivation", 0);
        template.resourceCountIs("AWS::EC2::Instance", 1);
        template.resourceCountIs("Custom::CloudHsmKmsKey", 1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theKeyStoreUsesTheImportedClusterItsAdminSecretAndTrustAnchor() {
        List<Map<String, Object>> stores = template.findResources("Custom::CloudHsmKeyStore").values().stream()
                .map(r -> (Map<String, Object>) r.get("Properties")).collect(Collectors.toList());
        assertEquals(1, stores.size());
        assertEquals(List.of(ExistingClusterStack.CLUSTER_ID, ExistingClusterStack.ADMIN_SECRET_ARN, ExistingClusterStack.TRUST_ANCHOR),
                List.of(stores.get(0).get("ClusterId"), stores.get(0).get("AdminSecretArn"), stores.get(0).get("TrustAnchor")));
    }

    @Test
    void theHostReachesTheClusterSecurityGroup() {
        template.hasResourceProperties("AWS::EC2::SecurityGroupIngress",
                Map.of("GroupId", ExistingClusterStack.SECURITY_GROUP_ID, "FromPort", 2223, "ToPort", 2225));
    }
}
