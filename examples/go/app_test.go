package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-cloudhsm/cdk-cloudhsm-go/cdkcloudhsm"
)

const (
	clusterType = "Custom::CloudHsmCluster"
	hsmType     = "Custom::CloudHsmHsm"
)

var (
	stack    *BasicStack
	template assertions.Template
)

// TestMain synthesizes the example once with the built cdk-cloudhsm Go package.
func TestMain(m *testing.M) {
	outdir, err := os.MkdirTemp("", "cdk.out")
	if err != nil {
		panic(err)
	}
	app, s := BuildApp(outdir)
	assembly := app.Synth(nil)
	// The parity check compares this template with the TypeScript, Python and Java ones.
	if out := os.Getenv("CDK_CLOUDHSM_TEMPLATE_OUT"); out != "" {
		body, err := os.ReadFile(*assembly.GetStackByName(jsii.String(StackName)).TemplateFullPath())
		if err != nil {
			panic(err)
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			panic(err)
		}
		if err := os.WriteFile(out, body, 0o644); err != nil {
			panic(err)
		}
	}
	stack = s
	template = assertions.Template_FromStack(s.Stack, nil)
	code := m.Run()
	os.RemoveAll(outdir)
	jsii.Close()
	os.Exit(code)
}

// onlyResource returns the logical id and body of the one resource of the given type.
func onlyResource(t *testing.T, resourceType string) (string, map[string]interface{}) {
	t.Helper()
	found := *template.FindResources(jsii.String(resourceType), nil)
	if len(found) != 1 {
		t.Fatalf("want one %s, got %d", resourceType, len(found))
	}
	for id, body := range found {
		return id, *body
	}
	return "", nil
}

// check runs a template assertion, which panics on a mismatch (a jsii error), as a test failure:
// a panic would end the test binary and leave the later tests unreported.
func check(t *testing.T, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", r)
		}
	}()
	assertion()
}

func properties(body map[string]interface{}) map[string]interface{} {
	return body["Properties"].(map[string]interface{})
}

func TestDeclaresOneClusterAndOneHsm(t *testing.T) {
	check(t, func() { template.ResourceCountIs(jsii.String(clusterType), jsii.Number(1)) })
	check(t, func() { template.ResourceCountIs(jsii.String(hsmType), jsii.Number(1)) })
}

func TestClusterSpansTheIsolatedSubnets(t *testing.T) {
	subnets := *template.FindResources(jsii.String("AWS::EC2::Subnet"), nil)
	if len(subnets) != 2 {
		t.Fatalf("want two isolated subnets (two named AZs), got %d", len(subnets))
	}
	_, cluster := onlyResource(t, clusterType)
	var refs, want []string
	for _, ref := range properties(cluster)["SubnetIds"].([]interface{}) {
		refs = append(refs, ref.(map[string]interface{})["Ref"].(string))
	}
	for id, body := range subnets {
		want = append(want, id)
		az := properties(*body)["AvailabilityZone"]
		if az != "us-east-1a" && az != "us-east-1b" {
			t.Errorf("subnet %s is in %v, want a named us-east-1 zone", id, az)
		}
	}
	sort.Strings(refs)
	sort.Strings(want)
	if strings.Join(refs, ",") != strings.Join(want, ",") {
		t.Errorf("cluster subnets %v, want %v", refs, want)
	}
}

func TestClusterKeepsBackupsNinetyDaysAndIsRetained(t *testing.T) {
	check(t, func() {
		template.HasResource(jsii.String(clusterType), map[string]interface{}{
			"Properties":          map[string]interface{}{"BackupRetentionDays": 90},
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
		})
	})
}

func TestClusterIsTaggedWithTheTeam(t *testing.T) {
	check(t, func() {
		template.HasResourceProperties(jsii.String(clusterType), map[string]interface{}{
			"Tags": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{"Key": "team", "Value": "payments"}}),
		})
	})
}

func TestHsmIsInTheClusterInTheFirstZoneAndDeletedWithTheStack(t *testing.T) {
	clusterID, _ := onlyResource(t, clusterType)
	_, hsm := onlyResource(t, hsmType)
	props := properties(hsm)
	if got := props["ClusterId"].(map[string]interface{})["Ref"]; got != clusterID {
		t.Errorf("HSM ClusterId refers to %v, want %s", got, clusterID)
	}
	if props["AvailabilityZone"] != "us-east-1a" {
		t.Errorf("HSM AvailabilityZone %v, want us-east-1a", props["AvailabilityZone"])
	}
	if hsm["DeletionPolicy"] != "Delete" {
		t.Errorf("HSM DeletionPolicy %v, want Delete", hsm["DeletionPolicy"])
	}
}

func TestOutputsNameTheClusterAndTheHsm(t *testing.T) {
	clusterID, _ := onlyResource(t, clusterType)
	hsmID, _ := onlyResource(t, hsmType)
	check(t, func() {
		template.HasOutput(jsii.String("ClusterId"), map[string]interface{}{"Value": map[string]interface{}{"Ref": clusterID}})
	})
	check(t, func() {
		template.HasOutput(jsii.String("ClusterSecurityGroupId"), map[string]interface{}{
			"Value": map[string]interface{}{"Fn::GetAtt": []interface{}{clusterID, "SecurityGroupId"}},
		})
	})
	check(t, func() {
		template.HasOutput(jsii.String("HsmId"), map[string]interface{}{"Value": map[string]interface{}{"Fn::GetAtt": []interface{}{hsmID, "HsmId"}}})
	})
	check(t, func() {
		template.HasOutput(jsii.String("ClusterCsr"), map[string]interface{}{
			"Value": map[string]interface{}{"Fn::GetAtt": []interface{}{hsmID, "ClusterCsr"}},
		})
	})
}

func TestVpcFlowLogsAreKeptForAYear(t *testing.T) {
	check(t, func() { template.ResourceCountIs(jsii.String("AWS::EC2::FlowLog"), jsii.Number(1)) })
	check(t, func() {
		template.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]interface{}{
			"Properties":     map[string]interface{}{"RetentionInDays": 365},
			"DeletionPolicy": "RetainExceptOnCreate",
		})
	})
}

// TestSynthTimeValidationReachesGo: a bad property value fails in Go as in TypeScript (jsii panics).
func TestSynthTimeValidationReachesGo(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("a 3-day backup retention was accepted")
		}
		if msg := r.(error).Error(); !strings.Contains(msg, "backupRetention") {
			t.Errorf("error does not name the property: %s", msg)
		}
	}()
	s := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Invalid"), nil)
	cdkcloudhsm.NewHsmCluster(s, jsii.String("Cluster"), &cdkcloudhsm.HsmClusterProps{
		Vpc:             awsec2.NewVpc(s, jsii.String("Vpc"), nil),
		BackupRetention: awscdk.Duration_Days(jsii.Number(3)),
	})
}

// TestPublicNamesAsDocumented: the constants Go users type, as docs/API.go.md lists them
// (Go keeps HSM2M_MEDIUM, where Python and Java spell it HSM2_M_MEDIUM).
func TestPublicNamesAsDocumented(t *testing.T) {
	got := map[string]string{
		"HsmType_HSM1_MEDIUM":   *cdkcloudhsm.HsmType_HSM1_MEDIUM().Name(),
		"HsmType_HSM2M_MEDIUM":  *cdkcloudhsm.HsmType_HSM2M_MEDIUM().Name(),
		"HsmType_Of":            *cdkcloudhsm.HsmType_Of(jsii.String("hsm3.large")).Name(),
		"ClusterMode_FIPS":      string(cdkcloudhsm.ClusterMode_FIPS),
		"ClusterMode_NON_FIPS":  string(cdkcloudhsm.ClusterMode_NON_FIPS),
		"NetworkType_IPV4":      string(cdkcloudhsm.NetworkType_IPV4),
		"NetworkType_DUALSTACK": string(cdkcloudhsm.NetworkType_DUALSTACK),
	}
	want := map[string]string{
		"HsmType_HSM1_MEDIUM": "hsm1.medium", "HsmType_HSM2M_MEDIUM": "hsm2m.medium", "HsmType_Of": "hsm3.large",
		"ClusterMode_FIPS": "FIPS", "ClusterMode_NON_FIPS": "NON_FIPS",
		"NetworkType_IPV4": "IPV4", "NetworkType_DUALSTACK": "DUALSTACK",
	}
	for name, value := range got {
		if value != want[name] {
			t.Errorf("%s is %q, want %q", name, value, want[name])
		}
	}
}
