package main

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

var template assertions.Template

// TestMain synthesizes the example once with the built cdk-cloudhsm Go package.
func TestMain(m *testing.M) {
	outdir, err := os.MkdirTemp("", "cdk.out")
	if err != nil {
		panic(err)
	}
	_, stack := BuildApp(outdir)
	template = assertions.Template_FromStack(stack.Stack, nil)
	code := m.Run()
	os.RemoveAll(outdir)
	jsii.Close()
	os.Exit(code)
}

// onlyID returns the logical id of the one resource of the type whose id starts with prefix.
func onlyID(t *testing.T, resourceType, prefix string) string {
	t.Helper()
	var found []string
	for id := range *template.FindResources(jsii.String(resourceType), nil) {
		if strings.HasPrefix(id, prefix) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s named %s*, got %v", resourceType, prefix, found)
	}
	return found[0]
}

func properties(resourceType, id string) map[string]interface{} {
	body := *(*template.FindResources(jsii.String(resourceType), nil))[id]
	return body["Properties"].(map[string]interface{})
}

func TestTwoHsmsOneInEachZone(t *testing.T) {
	var zones []string
	for id := range *template.FindResources(jsii.String("Custom::CloudHsmHsm"), nil) {
		zones = append(zones, properties("Custom::CloudHsmHsm", id)["AvailabilityZone"].(string))
	}
	sort.Strings(zones)
	if strings.Join(zones, ",") != "us-east-1a,us-east-1b" {
		t.Errorf("HSM zones %v, want one in us-east-1a and one in us-east-1b", zones)
	}
}

func TestOneKeyStoreOnTheClusterAndOneKeyInIt(t *testing.T) {
	store := onlyID(t, "Custom::CloudHsmKeyStore", "")
	cluster := onlyID(t, "Custom::CloudHsmCluster", "")
	if got := properties("Custom::CloudHsmKeyStore", store)["ClusterId"]; !reflect.DeepEqual(got, map[string]interface{}{"Ref": cluster}) {
		t.Errorf("key store ClusterId %v, want a Ref to %s", got, cluster)
	}
	key := onlyID(t, "Custom::CloudHsmKmsKey", "")
	if got := properties("Custom::CloudHsmKmsKey", key)["CustomKeyStoreId"]; !reflect.DeepEqual(got, map[string]interface{}{"Ref": store}) {
		t.Errorf("key CustomKeyStoreId %v, want a Ref to %s", got, store)
	}
}

func TestTheKeyEncryptsTheDataBucket(t *testing.T) {
	keyArn := map[string]interface{}{"Fn::GetAtt": []interface{}{onlyID(t, "Custom::CloudHsmKmsKey", ""), "Arn"}}
	want := map[string]interface{}{"ServerSideEncryptionConfiguration": []interface{}{map[string]interface{}{
		"ServerSideEncryptionByDefault": map[string]interface{}{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": keyArn},
	}}}
	if got := properties("AWS::S3::Bucket", onlyID(t, "AWS::S3::Bucket", "Data"))["BucketEncryption"]; !reflect.DeepEqual(got, want) {
		t.Errorf("data bucket encryption %v, want %v", got, want)
	}
}

func TestTheGrantIsTheReadersPolicyOnTheKey(t *testing.T) {
	key := onlyID(t, "Custom::CloudHsmKmsKey", "")
	reader := onlyID(t, "AWS::IAM::Role", "Reader")
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", r)
		}
	}()
	template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
		"PolicyDocument": map[string]interface{}{"Statement": []interface{}{map[string]interface{}{
			"Action": "kms:Decrypt", "Effect": "Allow", "Resource": map[string]interface{}{"Fn::GetAtt": []interface{}{key, "Arn"}},
		}}},
		"Roles": []interface{}{map[string]interface{}{"Ref": reader}},
	})
}
