package e2e

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/stewardhq/steward/iam"
)

// TestIAMWithSDK drives roles and policies with aws-sdk-go-v2, which signs
// IAM for us-east-1 whatever the server's region, and checks the evaluator
// sees what the SDK set up.
func TestIAMWithSDK(t *testing.T) {
	s := iamServer(t)
	ctx := context.Background()
	c := awsiam.NewFromConfig(s.AWSConfig())
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	created, err := c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("sdk-events"), Path: aws.String("/service/"),
		AssumeRolePolicyDocument: aws.String(trust), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.Role.Arn)
	if want := "arn:aws:iam::" + s.Server.Config().AccountID + ":role/service/sdk-events"; arn != want {
		t.Errorf("Arn = %q, want %q", arn, want)
	}
	got, err := c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("sdk-events")})
	if err != nil {
		t.Fatal(err)
	}
	// The document comes back URL-encoded, as from IAM; the SDK leaves it so.
	if doc, err := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument)); err != nil || doc != trust {
		t.Errorf("AssumeRolePolicyDocument = %q (%v)", aws.ToString(got.Role.AssumeRolePolicyDocument), err)
	}
	pol, err := c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("send"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:*:*:alerts-*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("sdk-events"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("sdk-events"), PolicyName: aws.String("deny-prod"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sqs:*","Resource":"arn:aws:sqs:*:*:alerts-prod"}]}`)}); err != nil {
		t.Fatal(err)
	}
	attached, err := c.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("sdk-events")})
	if err != nil || len(attached.AttachedPolicies) != 1 || aws.ToString(attached.AttachedPolicies[0].PolicyName) != "send" {
		t.Errorf("ListAttachedRolePolicies = %+v, %v", attached, err)
	}

	roles := s.Server.Roles()
	queue := func(name string) iam.Request {
		return iam.Request{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:" + s.Server.Config().AccountID + ":" + name}
	}
	if err := roles.AuthorizeService(ctx, arn, "events.amazonaws.com", queue("alerts-dev")); err != nil {
		t.Errorf("alerts-dev: %v", err)
	}
	var ae *iam.AccessError
	if err := roles.AuthorizeService(ctx, arn, "events.amazonaws.com", queue("alerts-prod")); !errors.As(err, &ae) || ae.Reason != iam.ReasonDenied {
		t.Errorf("alerts-prod: %v, want Denied", err)
	}
	if err := roles.AuthorizeService(ctx, arn, "ssm.amazonaws.com", queue("alerts-dev")); !errors.As(err, &ae) || ae.Reason != iam.ReasonNotTrusted {
		t.Errorf("untrusted service: %v, want NotTrusted", err)
	}

	// Errors carry IAM's codes through the SDK.
	_, err = c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("sdk-events")})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Errorf("DeleteRole with policies: %v, want DeleteConflict", err)
	}
	_, err = c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("missing")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("GetRole(missing): %v, want NoSuchEntity", err)
	}
	_, err = c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(`{"Statement":[]}`)})
	var ae2 smithy.APIError
	if !errors.As(err, &ae2) || ae2.ErrorCode() != "MalformedPolicyDocument" {
		t.Errorf("CreateRole(malformed): %v, want MalformedPolicyDocument", err)
	}
}
