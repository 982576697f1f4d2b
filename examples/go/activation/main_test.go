package main

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

const (
	activationType = "Custom::CloudHsmActivation"
	hsmType        = "Custom::CloudHsmHsm"
)

var (
	stack    *ActivationStack
	template assertions.Template
)

// TestMain synthesizes the example once with the built cdk-cloudhsm Go package.
func TestMain(m *testing.M) {
	outdir, err := os.MkdirTemp("", "cdk.out")
	if err != nil {
		panic(err)
	}
	_, stack = BuildApp(outdir)
	template = assertions.Template_FromStack(stack.Stack, nil)
	code := m.Run()
	os.RemoveAll(outdir)
	jsii.Close()
	os.Exit(code)
}

// resources returns the resources of the given type by logical id.
func resources(resourceType string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	for id, body := range *template.FindResources(jsii.String(resourceType), nil) {
		out[id] = *body
	}
	return out
}

// sortedIds returns the logical ids of the resources in order.
func sortedIds(found map[string]map[string]interface{}) []string {
	ids := make([]string, 0, len(found))
	for id := range found {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func TestAddHsmsDeclaresThreeHsmsOverBothZonesInTurn(t *testing.T) {
	if len(stack.Hsms) != 3 {
		t.Fatalf("AddHsms returned %d HSMs, want 3", len(stack.Hsms))
	}
	for i, hsm := range stack.Hsms {
		if want := "Hsm" + string(rune('1'+i)); *hsm.Node().Id() != want {
			t.Errorf("HSM %d has construct id %s, want %s", i, *hsm.Node().Id(), want)
		}
	}
	hsms := resources(hsmType)
	var zones []string
	for _, id := range sortedIds(hsms) {
		zones = append(zones, hsms[id]["Properties"].(map[string]interface{})["AvailabilityZone"].(string))
	}
	if got := strings.Join(zones, ","); got != "us-east-1a,us-east-1b,us-east-1a" {
		t.Errorf("HSM zones %s, want us-east-1a,us-east-1b,us-east-1a", got)
	}
}

func TestHsmsAfterTheFirstWaitForTheActivation(t *testing.T) {
	activations := sortedIds(resources(activationType))
	if len(activations) != 1 {
		t.Fatalf("want one %s, got %d", activationType, len(activations))
	}
	var waiting, later []string
	for _, id := range sortedIds(resources(hsmType)) {
		if !strings.HasPrefix(id, "ClusterHsm1") {
			later = append(later, id)
		}
		deps, _ := resources(hsmType)[id]["DependsOn"].([]interface{})
		for _, dep := range deps {
			if dep == activations[0] {
				waiting = append(waiting, id)
			}
		}
	}
	if strings.Join(waiting, ",") != strings.Join(later, ",") || len(later) != 2 {
		t.Errorf("HSMs waiting for the activation %v, want the later ones %v", waiting, later)
	}
}

// TestAddHsmsRejectsACountBelowOne: the library's check reaches Go (jsii panics with its message).
func TestAddHsmsRejectsACountBelowZero(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("AddHsms(0) was accepted")
		}
		if msg := r.(error).Error(); !strings.Contains(msg, "addHsms count: -1 is not a whole number of at least 0") {
			t.Errorf("unexpected error: %s", msg)
		}
	}()
	stack.Cluster.AddHsms(jsii.Number(-1), nil)
}
