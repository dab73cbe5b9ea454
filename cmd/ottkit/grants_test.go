package main

import (
	"reflect"
	"testing"

	"github.com/ottkit/ottkit/policies"
)

func TestGrantsOf(t *testing.T) {
	rs := []policies.Resource{
		{Type: "aws:lambda/function:Function", Name: "f-function", Properties: map[string]any{"role": "arn:aws:iam::123456789012:role/f-role"}},
		{Type: "aws:iam/role:Role", Name: "f-role", Properties: map[string]any{
			"name":              "f-role",
			"managedPolicyArns": []any{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			"inlinePolicies": []any{map[string]any{"name": "inline",
				"policy": `{"Statement":{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:eu-west-1:123456789012:q"}}`}},
		}},
		{Type: "aws:iam/rolePolicy:RolePolicy", Name: "f-policy", Properties: map[string]any{"role": "f-role",
			"policy": `{"Statement":[{"Effect":"Allow","Action":["iam:PassRole"],"Resource":["arn:aws:iam::123456789012:role/mc"],` +
				`"Condition":{"StringEquals":{"iam:PassedToService":"mediaconvert.amazonaws.com"}}}]}`}},
		{Type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", Name: "f-attach", Properties: map[string]any{"role": "f-role",
			"policyArn": "arn:aws:iam::123456789012:policy/extra"}},
		{Type: "aws:iam/rolePolicy:RolePolicy", Name: "other", Properties: map[string]any{"role": "other-role", "policy": `{}`}},
		{Type: "aws:lambda/function:Function", Name: "g-function", Properties: map[string]any{"role": "arn:aws:iam::123456789012:role/g-role"}},
		{Type: "aws:iam/rolePolicy:RolePolicy", Name: "g-policy", Properties: map[string]any{"role": "g-role", "policy": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}},
	}
	want := []functionGrants{
		{Function: "f-function", Role: "f-role", Grants: []grant{
			{Effect: "Allow", Actions: []string{"sqs:SendMessage"}, Resources: []string{"arn:aws:sqs:eu-west-1:123456789012:q"}},
			{Effect: "Allow", Managed: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			{Effect: "Allow", Actions: []string{"iam:PassRole"}, Resources: []string{"arn:aws:iam::123456789012:role/mc"},
				Condition: `{"StringEquals":{"iam:PassedToService":"mediaconvert.amazonaws.com"}}`},
			{Effect: "Allow", Managed: "arn:aws:iam::123456789012:policy/extra"},
		}},
		{Function: "g-function", Role: "g-role", Grants: []grant{{Effect: "?", Condition: "policy not known until deployment"}}},
	}
	if got := grantsOf(rs); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
