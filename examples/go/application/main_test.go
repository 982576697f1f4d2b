package main

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

var (
	stack    *ApplicationStack
	template assertions.Template
)

// hsmPorts is TCP 2223-2225, as a rule's IpProtocol, FromPort and ToPort read from the template.
var hsmPorts = map[string]interface{}{"IpProtocol": "tcp", "FromPort": float64(2223), "ToPort": float64(2225)}

// TestMain synthesizes the example once with the built cdk-cloudhsm Go package.
func TestMain(m *testing.M) {
	outdir, err := os.MkdirTemp("", "cdk.out")
	if err != nil {
		panic(err)
	}
	app, s := BuildApp(outdir)
	assembly := app.Synth(nil)
	// The parity check compares this template with the TypeScript, Python and Java ones (beside the basic example's).
	if out := os.Getenv("CDK_CLOUDHSM_TEMPLATE_OUT"); out != "" {
		target := filepath.Join(filepath.Dir(out), strings.TrimSuffix(filepath.Base(out), ".json")+"-application.json")
		body, err := os.ReadFile(*assembly.GetStackByName(jsii.String(StackName)).TemplateFullPath())
		if err != nil {
			panic(err)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			panic(err)
		}
		if err := os.WriteFile(target, body, 0o644); err != nil {
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

// logicalID is the logical id of a construct's CloudFormation resource, as the stack names it (an
// L2's, or a custom resource's default child).
func logicalID(c constructs.IConstruct) string {
	for !*awscdk.CfnElement_IsCfnElement(c) {
		c = c.Node().DefaultChild()
	}
	return *stack.GetLogicalId(c.(awscdk.CfnElement))
}

func propertiesOf(resourceType string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	for id, body := range *template.FindResources(jsii.String(resourceType), nil) {
		out[id] = (*body)["Properties"].(map[string]interface{})
	}
	return out
}

func ports(rule map[string]interface{}) map[string]interface{} {
	return map[string]interface{}{"IpProtocol": rule["IpProtocol"], "FromPort": rule["FromPort"], "ToPort": rule["ToPort"]}
}

func TestTheRoleReadsOnlyItsUsersSecretAndTheTrustAnchorParameter(t *testing.T) {
	roleRef := map[string]interface{}{"Ref": logicalID(stack.Host.Role())}
	var statements []interface{}
	policies := 0
	for _, p := range propertiesOf("AWS::IAM::Policy") {
		for _, r := range p["Roles"].([]interface{}) {
			if reflect.DeepEqual(r, roleRef) {
				policies++
				statements = p["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{})
			}
		}
	}
	if policies != 1 {
		t.Fatalf("%d policies name the application role, want 1", policies)
	}
	secretArn := map[string]interface{}{"Ref": logicalID(stack.CryptoUser.PasswordSecret())}
	// The secret is the one the crypto user's custom resource makes the user with.
	for _, u := range propertiesOf("Custom::CloudHsmCryptoUser") {
		if !reflect.DeepEqual(u["UserSecretArn"], secretArn) {
			t.Errorf("the crypto user's secret is %v, want %v", u["UserSecretArn"], secretArn)
		}
	}
	parameterArn := map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
		"arn:", map[string]interface{}{"Ref": "AWS::Partition"}, ":ssm:us-east-1:123456789012:parameter/",
		map[string]interface{}{"Ref": logicalID(stack.Client.TrustAnchorParameter())},
	}}}
	want := []interface{}{
		map[string]interface{}{"Action": "cloudhsm:DescribeClusters", "Effect": "Allow", "Resource": "*"},
		map[string]interface{}{"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": secretArn},
		map[string]interface{}{"Action": "ssm:GetParameter", "Effect": "Allow", "Resource": parameterArn},
	}
	sort.Slice(statements, func(i, j int) bool {
		return statements[i].(map[string]interface{})["Action"].(string) < statements[j].(map[string]interface{})["Action"].(string)
	})
	if !reflect.DeepEqual(statements, want) {
		t.Errorf("the application role's statements are\n%v\nwant\n%v", statements, want)
	}
	role := propertiesOf("AWS::IAM::Role")[roleRef["Ref"].(string)]
	if role["ManagedPolicyArns"] != nil || role["Policies"] != nil {
		t.Errorf("the application role has policies of its own: %v", role)
	}
}

func TestOnlyTcp2223To2225BetweenTheAppAndTheCluster(t *testing.T) {
	app := map[string]interface{}{"Fn::GetAtt": []interface{}{logicalID(stack.HostSecurityGroup), "GroupId"}}
	cluster := map[string]interface{}{"Fn::GetAtt": []interface{}{logicalID(stack.Cluster), "SecurityGroupId"}}
	groups := *stack.Cluster.Connections().SecurityGroups()
	if len(groups) != 1 || !reflect.DeepEqual(stack.Resolve(groups[0].SecurityGroupId()), cluster) {
		t.Fatalf("the cluster's security groups are not its one CloudHSM group %v", cluster)
	}
	var out, in []interface{}
	for _, r := range propertiesOf("AWS::EC2::SecurityGroupEgress") {
		if reflect.DeepEqual(r["GroupId"], app) {
			out = append(out, []interface{}{ports(r), r["DestinationSecurityGroupId"]})
		}
	}
	for _, r := range propertiesOf("AWS::EC2::SecurityGroupIngress") {
		if reflect.DeepEqual(r["SourceSecurityGroupId"], app) {
			in = append(in, []interface{}{ports(r), r["GroupId"]})
		}
		// Nothing wider: the cluster admits only 2223-2225, the app admits nothing.
		if reflect.DeepEqual(r["GroupId"], cluster) && !reflect.DeepEqual(ports(r), hsmPorts) {
			t.Errorf("the cluster admits %v", ports(r))
		}
		if reflect.DeepEqual(r["GroupId"], app) {
			t.Errorf("the application host admits %v", r)
		}
	}
	want := []interface{}{[]interface{}{hsmPorts, cluster}}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("egress from the app %v, want %v", out, want)
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("ingress from the app %v, want %v", in, want)
	}
	group := propertiesOf("AWS::EC2::SecurityGroup")[logicalID(stack.HostSecurityGroup)]
	if group["SecurityGroupIngress"] != nil {
		t.Errorf("the application host's group has inline ingress rules: %v", group["SecurityGroupIngress"])
	}
	var egress []interface{}
	for _, r := range group["SecurityGroupEgress"].([]interface{}) {
		egress = append(egress, ports(r.(map[string]interface{})))
	}
	https := []interface{}{map[string]interface{}{"IpProtocol": "tcp", "FromPort": float64(443), "ToPort": float64(443)}}
	if !reflect.DeepEqual(egress, https) {
		t.Errorf("the application host's group sends %v, want only HTTPS besides the cluster", egress)
	}
}
