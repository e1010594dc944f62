package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/server/servertest"
)

type protoNode struct {
	id  string
	key ed25519.PrivateKey
	url string
}

// post sends a request signed with signer's key but claiming to be claim.
func post(t *testing.T, url string, signer ed25519.PrivateKey, claim, path string, in, out any) int {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, url+path, bytes.NewReader(body))
	req.Header.Set(agentproto.HeaderProto, fmt.Sprint(agentproto.Version))
	if signer != nil {
		req.Header.Set(agentproto.HeaderAuth, agentproto.Sign(signer, claim, http.MethodPost, path, time.Now(), body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %v: %s", path, err, raw)
		}
	}
	return resp.StatusCode
}

func register(t *testing.T, url, actID, code string) protoNode {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(nil)
	var rr agentproto.RegisterResponse
	st := post(t, url, nil, "", agentproto.PathRegister, agentproto.RegisterRequest{ActivationID: actID, ActivationCode: code, PublicKey: pub,
		Facts: agentproto.Facts{PlatformType: "Linux", PlatformName: "Test", ComputerName: "forge"}}, &rr)
	if st != 200 || rr.NodeID == "" {
		t.Fatalf("register: %d %+v", st, rr)
	}
	return protoNode{id: rr.NodeID, key: priv, url: url}
}

// TestNodeCannotReachAnotherNodesWork: node A, holding only its own key,
// tries every way to see or touch node B's command.
func TestNodeCannotReachAnotherNodesWork(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	c := ssm.NewFromConfig(srv.AWSConfig())
	actID, code := servertest.Activation(t, srv.AWSConfig(), 2)
	a := register(t, srv.URL, actID, code)
	b := register(t, srv.URL, actID, code)

	// A wrong activation code, and a reused exhausted activation, are refused.
	pub, _, _ := ed25519.GenerateKey(nil)
	if st := post(t, srv.URL, nil, "", agentproto.PathRegister, agentproto.RegisterRequest{ActivationID: actID, ActivationCode: code + "x", PublicKey: pub}, nil); st < 400 {
		t.Errorf("wrong activation code: %d", st)
	}
	if st := post(t, srv.URL, nil, "", agentproto.PathRegister, agentproto.RegisterRequest{ActivationID: actID, ActivationCode: code, PublicKey: pub}, nil); st < 400 {
		t.Errorf("exhausted activation: %d", st)
	}

	cmd := send(t, c, &ssm.SendCommandInput{InstanceIds: []string{b.id}, Parameters: map[string][]string{"commands": {"echo secret-of-b"}}})
	cmdID := aws.ToString(cmd.CommandId)

	// A polls: nothing of B's.
	var pr agentproto.PollResponse
	if st := post(t, srv.URL, a.key, a.id, agentproto.PathPoll, agentproto.PollRequest{}, &pr); st != 200 {
		t.Fatalf("A poll: %d", st)
	}
	for _, m := range pr.Messages {
		if m.CommandID == cmdID {
			t.Fatal("A received B's command")
		}
	}
	// A claims to be B, signing with its own key: refused.
	if st := post(t, srv.URL, a.key, b.id, agentproto.PathPoll, agentproto.PollRequest{}, &pr); st != 401 && st != 403 {
		t.Fatalf("forged node ID poll: %d", st)
	}
	// A names B's command in every call: not found, and nothing changes.
	calls := []struct {
		path string
		body any
	}{
		{agentproto.PathAck, agentproto.AckRequest{CommandID: cmdID}},
		{agentproto.PathOutput, agentproto.OutputRequest{CommandID: cmdID, Step: "aws:runShellScript", Stream: agentproto.Stdout, Data: "forged"}},
		{agentproto.PathResult, agentproto.ResultRequest{CommandID: cmdID, Status: agentproto.StatusFailed}},
		{agentproto.PathParameters, agentproto.ParametersRequest{CommandID: cmdID, Names: []string{"x"}}},
		{agentproto.PathDocument, agentproto.DocumentRequest{CommandID: cmdID, Name: "AWS-RunShellScript"}},
	}
	for _, call := range calls {
		if st := post(t, srv.URL, a.key, a.id, call.path, call.body, nil); st != 404 {
			t.Errorf("A %s on B's command: %d, want 404", call.path, st)
		}
	}
	// B gets its command, untouched by A.
	if st := post(t, srv.URL, b.key, b.id, agentproto.PathPoll, agentproto.PollRequest{}, &pr); st != 200 || len(pr.Messages) != 1 || pr.Messages[0].CommandID != cmdID {
		t.Fatalf("B poll: %d %+v", st, pr)
	}
	inv, err := c.GetCommandInvocation(context.Background(), &ssm.GetCommandInvocationInput{CommandId: cmd.CommandId, InstanceId: aws.String(b.id)})
	if err != nil || aws.ToString(inv.StandardOutputContent) != "" || inv.Status == "Failed" {
		t.Fatalf("B's invocation after A's attempts: %+v %v", inv, err)
	}
	// Deregistered nodes are refused.
	if _, err := c.DeregisterManagedInstance(context.Background(), &ssm.DeregisterManagedInstanceInput{InstanceId: aws.String(a.id)}); err != nil {
		t.Fatal(err)
	}
	if st := post(t, srv.URL, a.key, a.id, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}, nil); st != 401 && st != 403 {
		t.Fatalf("deregistered node heartbeat: %d", st)
	}
}
