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

/** Synthesizes KeyStoreStack with the built cdk-cloudhsm jar: key store, a KMS key in it, a bucket it encrypts, a grant. */
class KeyStoreStackTest {
    private static Template template;

    @BeforeAll
    static void synthesize() throws IOException {
        App app = App.Builder.create().outdir(Files.createTempDirectory("cdk.out").toString()).build();
        template = Template.fromStack(KeyStoreStack.addTo(app));
    }

    private static String onlyId(final String type, final String prefix) {
        List<String> found = template.findResources(type).keySet().stream().filter(id -> id.startsWith(prefix)).collect(Collectors.toList());
        assertEquals(1, found.size(), type + " " + prefix);
        return found.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> properties(final String type, final String id) {
        return (Map<String, Object>) template.findResources(type).get(id).get("Properties");
    }

    @Test
    void twoHsmsOneInEachZone() {
        Map<String, Map<String, Object>> hsms = template.findResources("Custom::CloudHsmHsm");
        assertEquals(List.of("us-east-1a", "us-east-1b"), hsms.keySet().stream().sorted()
                .map(id -> properties("Custom::CloudHsmHsm", id).get("AvailabilityZone")).collect(Collectors.toList()));
    }

    @Test
    void oneKeyStoreOnTheClusterAndOneKeyInIt() {
        String store = onlyId("Custom::CloudHsmKeyStore", "");
        assertEquals(Map.of("Ref", onlyId("Custom::CloudHsmCluster", "")), properties("Custom::CloudHsmKeyStore", store).get("ClusterId"));
        assertEquals(Map.of("Ref", store), properties("Custom::CloudHsmKmsKey", onlyId("Custom::CloudHsmKmsKey", "")).get("CustomKeyStoreId"));
    }

    @Test
    void theKeyEncryptsTheDataBucket() {
        Map<String, Object> keyArn = Map.of("Fn::GetAtt", List.of(onlyId("Custom::CloudHsmKmsKey", ""), "Arn"));
        assertEquals(Map.of("ServerSideEncryptionConfiguration", List.of(Map.of("ServerSideEncryptionByDefault",
                        Map.of("SSEAlgorithm", "aws:kms", "KMSMasterKeyID", keyArn)))),
                properties("AWS::S3::Bucket", onlyId("AWS::S3::Bucket", "Data")).get("BucketEncryption"));
    }

    @Test
    void theGrantIsTheReadersPolicyOnTheKey() {
        template.hasResourceProperties("AWS::IAM::Policy", Map.of(
                "PolicyDocument", Map.of("Statement", List.of(Map.of("Action", "kms:Decrypt", "Effect", "Allow",
                        "Resource", Map.of("Fn::GetAtt", List.of(onlyId("Custom::CloudHsmKmsKey", ""), "Arn"))))),
                "Roles", List.of(Map.of("Ref", onlyId("AWS::IAM::Role", "Reader")))));
    }
}
