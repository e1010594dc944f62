package stewardapi_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/gateway/stewardapi"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/ssm"
)

type creds struct{}

func (creds) Lookup(_ context.Context, id string) (gateway.Principal, error) {
	return gateway.Principal{Secret: "secret", Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/admin"}, nil
}

type oneNode struct{ id string }

func (n oneNode) ResolveTargets(context.Context, []string, []ssm.Target) ([]ssm.NodeRef, error) {
	return []ssm.NodeRef{{ID: n.id, PlatformType: "Linux", PingStatus: "Online"}}, nil
}

func TestGetCommandOutput(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	env := ssm.Env{Clock: steward.SystemClock{}, Account: "123456789012", Region: "us-east-1"}
	docs := ssm.NewDocuments(db, env)
	if err := docs.InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	const node = "mi-0123456789abcdef0"
	cmds := ssm.NewCommands(db, oneNode{node}, docs, nil, nil, env, ssm.CommandOptions{})
	gw, err := gateway.New(gateway.Config{Services: []*gateway.Service{stewardapi.Service(cmds, nil)}, Credentials: creds{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	client := &stewardapi.Client{Endpoint: srv.URL, Region: "us-east-1",
		Credentials: aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}}

	c, err := cmds.SendCommand(ctx, ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", InstanceIDs: []string{node},
		Parameters: map[string][]string{"commands": {"yes | head"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmds.Ack(ctx, node, agentproto.AckRequest{CommandID: c.CommandID}); err != nil {
		t.Fatal(err)
	}
	in := stewardapi.GetCommandOutputInput{CommandId: c.CommandID, InstanceId: node}
	out, err := client.GetCommandOutput(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Stdout != "" || out.Done || out.Status != "InProgress" || len(out.PluginNames) != 1 {
		t.Fatalf("before output: %+v", out)
	}
	// A long poll returns as soon as output arrives.
	type res struct {
		out *stewardapi.GetCommandOutputOutput
		err error
	}
	ch := make(chan res, 1)
	go func() {
		in := in
		in.WaitSeconds = 20
		o, err := client.GetCommandOutput(ctx, in)
		ch <- res{o, err}
	}()
	if err := cmds.Output(ctx, node, agentproto.OutputRequest{CommandID: c.CommandID, Step: "aws:runShellScript",
		Stream: "stdout", Data: "y\ny\n"}); err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil || r.out.Stdout != "y\ny\n" || r.out.NextOffset == 0 {
		t.Fatalf("follow: %+v, %v", r.out, r.err)
	}
	if err := cmds.Result(ctx, node, agentproto.ResultRequest{CommandID: c.CommandID, Status: "Failed", ResponseCode: 1,
		Steps: []agentproto.StepResult{{Name: "aws:runShellScript", Status: "Failed", ResponseCode: 1, Stderr: "oops\n",
			StartTime: time.Now(), EndTime: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	in.Offset = r.out.NextOffset
	out, err = client.GetCommandOutput(ctx, in)
	if err != nil || out.Stderr != "oops\n" || out.Stdout != "" || !out.Done || out.Status != "Failed" {
		t.Fatalf("after the result: %+v, %v", out, err)
	}
	_, err = client.GetCommandOutput(ctx, stewardapi.GetCommandOutputInput{CommandId: c.CommandID, InstanceId: "mi-0123456789abcdef1"})
	if steward.ErrorCode(err) != ssm.CodeInvocationDoesNotExist {
		t.Errorf("unknown node: %v", err)
	}
	_, err = client.GetCommandOutput(ctx, stewardapi.GetCommandOutputInput{CommandId: c.CommandID, InstanceId: node, WaitSeconds: 99})
	if steward.ErrorCode(err) != steward.CodeValidation {
		t.Errorf("WaitSeconds 99: %v", err)
	}
	bad := *client
	bad.Credentials.SecretAccessKey = "wrong"
	if _, err := bad.GetCommandOutput(ctx, in); steward.ErrorCode(err) == "" {
		t.Errorf("a bad signature must fail: %v", err)
	}
}
