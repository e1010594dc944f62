package ssmapi

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsssm "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/gateway/shapecheck"
	"github.com/stewardhq/steward/keyring"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

// TestCommandShapesMatchBotocore checks the Run Command wire shapes against
// the botocore model on their own (TestShapesMatchBotocore covers them too
// once commandOps is in Service).
func TestCommandShapesMatchBotocore(t *testing.T) {
	shapecheck.Check(t, &gateway.Service{Name: "ssm", Ops: gateway.Ops(commandOps(nil)...)}, "ssm")
}

type testCreds struct{}

func (testCreds) Lookup(_ context.Context, id string) (gateway.Principal, error) {
	return gateway.Principal{Secret: "secret", Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/admin", UserID: "AIDA"}, nil
}

// sdkFixture is Run Command on SQLite with one simulated node, for tests
// that drive an operation table with aws-sdk-go-v2 (sdkClient).
type sdkFixture struct {
	db   *sqlstore.DB
	env  ssm.Env
	docs *ssm.Documents
	cmds *ssm.Commands
}

const sdkNode = "mi-0123456789abcdef0"

func newSDKFixture(t *testing.T, clock steward.Clock) *sdkFixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ring, err := keyring.New(keyring.Generate())
	if err != nil {
		t.Fatal(err)
	}
	env := ssm.Env{Clock: clock, Account: "123456789012", Region: "us-east-1"}
	docs := ssm.NewDocuments(db, env)
	if err := docs.InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	cmds := ssm.NewCommands(db, oneNode{sdkNode}, docs, ssm.NewParameters(db, ring, env), nil, env, ssm.CommandOptions{})
	return &sdkFixture{db: db, env: env, docs: docs, cmds: cmds}
}

// sdkClient serves ops through a real gateway on an httptest server and
// returns an aws-sdk-go-v2 SSM client for it.
func sdkClient(t *testing.T, ops []gateway.Op) *awsssm.Client {
	t.Helper()
	svc := Service(Deps{})
	svc.Ops = gateway.Ops(ops...)
	gw, err := gateway.New(gateway.Config{Services: []*gateway.Service{svc}, Credentials: testCreds{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return awsssm.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
}

// wantAPIError fails t unless err is an API error with code.
func wantAPIError(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Errorf("error %v, want %s", err, code)
	}
}

type oneNode struct{ id string }

func (n oneNode) ResolveTargets(_ context.Context, ids []string, _ []ssm.Target) ([]ssm.NodeRef, error) {
	for _, id := range ids {
		if id != n.id {
			return nil, steward.Errorf(ssm.CodeInvalidInstanceID, "Instance %s is not a managed node.", id)
		}
	}
	return []ssm.NodeRef{{ID: n.id, PlatformType: "Linux", PingStatus: "Online"}}, nil
}

// TestCommandsWithSDK drives Run Command with aws-sdk-go-v2's SSM client
// through the real gateway, an agent simulated on the domain.
func TestCommandsWithSDK(t *testing.T) {
	ctx := context.Background()
	f := newSDKFixture(t, steward.SystemClock{})
	const node = sdkNode
	cmds := f.cmds
	client := sdkClient(t, commandOps(cmds))

	sent, err := client.SendCommand(ctx, &awsssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"),
		InstanceIds: []string{node}, Comment: aws.String("sdk"), Parameters: map[string][]string{"commands": {"echo hi"}}})
	if err != nil {
		t.Fatal(err)
	}
	c := sent.Command
	if c.Status != types.CommandStatusPending || aws.ToString(c.StatusDetails) != "Pending" ||
		c.TimeoutSeconds == nil || *c.TimeoutSeconds != 3600 || aws.ToString(c.DocumentVersion) != "$DEFAULT" ||
		aws.ToString(c.MaxConcurrency) != "50" || aws.ToString(c.MaxErrors) != "0" || c.TargetCount != 1 ||
		aws.ToString(c.OutputS3Region) != "us-east-1" || c.ExpiresAfter.Sub(*c.RequestedDateTime) != 2*time.Hour ||
		c.NotificationConfig == nil || c.AlarmConfiguration == nil || len(c.InstanceIds) != 1 {
		t.Fatalf("SendCommand = %+v", c)
	}
	id := aws.ToString(c.CommandId)

	inv, err := client.GetCommandInvocation(ctx, &awsssm.GetCommandInvocationInput{CommandId: &id, InstanceId: aws.String(node)})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Status != types.CommandInvocationStatusPending || inv.ResponseCode != -1 || aws.ToString(inv.PluginName) != "aws:runShellScript" {
		t.Errorf("before running: %+v", inv)
	}
	// The agent.
	if msgs, err := cmds.Poll(ctx, node, agentproto.PollRequest{}); err != nil || len(msgs) != 1 {
		t.Fatalf("poll = %v, %v", msgs, err)
	}
	if err := cmds.Ack(ctx, node, agentproto.AckRequest{CommandID: id}); err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC()
	if err := cmds.Result(ctx, node, agentproto.ResultRequest{CommandID: id, Status: "Success", Steps: []agentproto.StepResult{{
		Name: "aws:runShellScript", Status: "Success", Stdout: "hi\n", StartTime: start, EndTime: start.Add(1271 * time.Millisecond)}}}); err != nil {
		t.Fatal(err)
	}
	// The CLI's waiter.
	out, err := awsssm.NewCommandExecutedWaiter(client).WaitForOutput(ctx,
		&awsssm.GetCommandInvocationInput{CommandId: &id, InstanceId: aws.String(node)}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.CommandInvocationStatusSuccess || aws.ToString(out.StandardOutputContent) != "hi\n" ||
		aws.ToString(out.ExecutionElapsedTime) != "PT1.271S" || out.ResponseCode != 0 {
		t.Errorf("GetCommandInvocation = %+v", out)
	}
	list, err := client.ListCommands(ctx, &awsssm.ListCommandsInput{Filters: []types.CommandFilter{
		{Key: types.CommandFilterKeyStatus, Value: aws.String("Success")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Commands) != 1 || list.Commands[0].CompletedCount != 1 || aws.ToString(list.Commands[0].Comment) != "sdk" {
		t.Errorf("ListCommands = %+v", list.Commands)
	}
	invs, err := client.ListCommandInvocations(ctx, &awsssm.ListCommandInvocationsInput{CommandId: &id, Details: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(invs.CommandInvocations) != 1 || len(invs.CommandInvocations[0].CommandPlugins) != 1 ||
		aws.ToString(invs.CommandInvocations[0].CommandPlugins[0].Output) != "hi\n" ||
		invs.CommandInvocations[0].CommandPlugins[0].ResponseStartDateTime == nil {
		t.Errorf("ListCommandInvocations = %+v", invs.CommandInvocations)
	}
	wantAPI := func(err error, code string) { t.Helper(); wantAPIError(t, err, code) }
	_, err = client.GetCommandInvocation(ctx, &awsssm.GetCommandInvocationInput{CommandId: &id, InstanceId: aws.String("mi-0123456789abcdef1")})
	wantAPI(err, "InvocationDoesNotExist")
	_, err = client.CancelCommand(ctx, &awsssm.CancelCommandInput{CommandId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantAPI(err, "InvalidCommandId")
	_, err = client.SendCommand(ctx, &awsssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"),
		InstanceIds: []string{node}, Parameters: map[string][]string{"nope": {"x"}}})
	wantAPI(err, "InvalidParameters")
	if _, err := client.CancelCommand(ctx, &awsssm.CancelCommandInput{CommandId: &id}); err != nil {
		t.Fatal(err)
	}
}
