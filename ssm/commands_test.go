package ssm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/keyring"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

// Run Command tests: real SQLite, the real document and parameter services,
// a fake node directory (the registry is a separate feature) and a
// recording notifier; agents are simulated by calling Poll/Ack/Output/Result
// as the fleet package does.

const (
	cmdAccount = "123456789012"
	cmdRegion  = "eu-west-1"
)

var cmdT0 = time.Date(2026, 1, 21, 10, 15, 0, 120_000_000, time.UTC)

// cmdNodeSpec is a node in the fake directory.
type cmdNodeSpec struct {
	id       string
	platform string
	ping     string
	tags     map[string]string
}

// cmdDirectory implements ssm.NodeDirectory over a fixed list.
type cmdDirectory struct {
	mu    sync.Mutex
	nodes map[string]cmdNodeSpec
}

func (d *cmdDirectory) ResolveTargets(_ context.Context, ids []string, targets []ssm.Target) ([]ssm.NodeRef, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []ssm.NodeRef
	ref := func(n cmdNodeSpec) ssm.NodeRef {
		return ssm.NodeRef{ID: n.id, PlatformType: n.platform, PingStatus: n.ping}
	}
	if len(ids) > 0 {
		for _, id := range ids {
			n, ok := d.nodes[id]
			if !ok {
				return nil, steward.Errorf(ssm.CodeInvalidInstanceID, "Instance %s is not a managed node.", id)
			}
			out = append(out, ref(n))
		}
	} else {
		for _, n := range d.nodes {
			match := true
			for _, t := range targets {
				switch {
				case t.Key == "InstanceIds":
					match = match && slices.Contains(t.Values, n.id)
				case t.Key == "tag-key":
					_, has := n.tags[t.Values[0]]
					match = match && has
				case strings.HasPrefix(t.Key, "tag:"):
					v, has := n.tags[strings.TrimPrefix(t.Key, "tag:")]
					match = match && has && slices.Contains(t.Values, v)
				default:
					match = false
				}
			}
			if match {
				out = append(out, ref(n))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// cmdNotifier implements ssm.MessageNotifier.
type cmdNotifier struct {
	mu     sync.Mutex
	woken  []string
	handed map[string][]agentproto.Message // by node: what WakeWith handed over last
}

func (r *cmdNotifier) Wake(ids ...string) {
	r.mu.Lock()
	r.woken = append(r.woken, ids...)
	for _, id := range ids {
		delete(r.handed, id)
	}
	r.mu.Unlock()
}

func (r *cmdNotifier) WakeWith(msgs []agentproto.Message, ids ...string) {
	r.mu.Lock()
	r.woken = append(r.woken, ids...)
	if r.handed == nil {
		r.handed = map[string][]agentproto.Message{}
	}
	for _, id := range ids {
		r.handed[id] = msgs
	}
	r.mu.Unlock()
}

func (r *cmdNotifier) handedTo(id string) []agentproto.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.handed[id]
}

func (r *cmdNotifier) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.woken
	r.woken = nil
	return out
}

type cmdFixture struct {
	t      testing.TB
	ctx    context.Context
	db     *sqlstore.DB
	clock  *steward.FakeClock
	docs   *ssm.Documents
	params *ssm.Parameters
	dir    *cmdDirectory
	notify *cmdNotifier
	cmds   *ssm.Commands
	env    ssm.Env
}

func cmdNode(i int) string { return fmt.Sprintf("mi-%017x", i) }

// linuxNodes returns n online Linux nodes mi-…01, mi-…02, ….
func cmdLinuxNodes(n int) []cmdNodeSpec {
	out := make([]cmdNodeSpec, n)
	for i := range out {
		out[i] = cmdNodeSpec{id: cmdNode(i + 1), platform: "Linux", ping: "Online", tags: map[string]string{"env": "test"}}
	}
	return out
}

func newCmdFixture(t testing.TB, nodes []cmdNodeSpec, opts ...func(*ssm.CommandOptions)) *cmdFixture {
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
	clock := steward.NewFakeClock(cmdT0)
	env := ssm.Env{Clock: clock, Account: cmdAccount, Region: cmdRegion}
	docs := ssm.NewDocuments(db, env)
	if err := docs.InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	params := ssm.NewParameters(db, ring, env)
	dir := &cmdDirectory{nodes: map[string]cmdNodeSpec{}}
	for _, n := range nodes {
		dir.nodes[n.id] = n
	}
	var o ssm.CommandOptions
	for _, f := range opts {
		f(&o)
	}
	notify := &cmdNotifier{}
	f := &cmdFixture{t: t, ctx: steward.WithCaller(ctx, &steward.Caller{Account: cmdAccount, Region: cmdRegion, ARN: "arn:aws:iam::123456789012:user/admin"}),
		db: db, clock: clock, docs: docs, params: params, dir: dir, notify: notify, env: env}
	f.cmds = ssm.NewCommands(db, dir, docs, params, notify, env, o)
	return f
}

// shell sends AWS-RunShellScript with commands to nodes.
func (f *cmdFixture) shell(nodes []string, mod func(*ssm.SendCommandInput), commands ...string) *ssm.CommandRecord {
	f.t.Helper()
	in := ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", InstanceIDs: nodes,
		Parameters: map[string][]string{"commands": commands}}
	if mod != nil {
		mod(&in)
	}
	return f.send(in)
}

func (f *cmdFixture) send(in ssm.SendCommandInput) *ssm.CommandRecord {
	f.t.Helper()
	c, err := f.cmds.SendCommand(f.ctx, in)
	if err != nil {
		f.t.Fatalf("SendCommand: %v", err)
	}
	return c
}

func (f *cmdFixture) createDoc(name, content string, docType ...string) {
	f.t.Helper()
	typ := "Command"
	if len(docType) > 0 {
		typ = docType[0]
	}
	if _, err := f.docs.CreateDocument(f.ctx, ssm.CreateDocumentInput{Name: name, Content: content, DocumentType: typ}); err != nil {
		f.t.Fatalf("CreateDocument %s: %v", name, err)
	}
}

func (f *cmdFixture) poll(node string) []agentproto.Message {
	f.t.Helper()
	msgs, err := f.cmds.Poll(f.ctx, node, agentproto.PollRequest{})
	if err != nil {
		f.t.Fatalf("Poll(%s): %v", node, err)
	}
	return msgs
}

func (f *cmdFixture) ack(node, id string) {
	f.t.Helper()
	if err := f.cmds.Ack(f.ctx, node, agentproto.AckRequest{CommandID: id}); err != nil {
		f.t.Fatalf("Ack(%s): %v", node, err)
	}
}

// finish reports a result with one step result per step of the command.
func (f *cmdFixture) finish(node, id, status string, code int) {
	f.t.Helper()
	c := f.command(id)
	req := agentproto.ResultRequest{CommandID: id, Status: status, ResponseCode: code}
	for _, name := range c.StepNames {
		req.Steps = append(req.Steps, agentproto.StepResult{Name: name, Action: "aws:runShellScript", Status: status,
			ResponseCode: code, StartTime: f.clock.Now(), EndTime: f.clock.Now().Add(1271 * time.Millisecond)})
	}
	if err := f.cmds.Result(f.ctx, node, req); err != nil {
		f.t.Fatalf("Result(%s): %v", node, err)
	}
}

// runAll plays every node's agent until no node has work: each polled
// command is acked and answered with outcome(node).
func (f *cmdFixture) runAll(id string, nodes []string, outcome func(node string) (string, int)) {
	f.t.Helper()
	for progress := true; progress; {
		progress = false
		for _, n := range nodes {
			for _, m := range f.poll(n) {
				if m.Kind != agentproto.KindCommand || m.CommandID != id {
					continue
				}
				f.ack(n, id)
				status, code := outcome(n)
				f.finish(n, id, status, code)
				progress = true
			}
		}
	}
}

func (f *cmdFixture) command(id string) *ssm.CommandRecord {
	f.t.Helper()
	out, err := f.cmds.ListCommands(f.ctx, ssm.ListCommandsInput{CommandID: id})
	if err != nil || len(out.Commands) != 1 {
		f.t.Fatalf("ListCommands(%s) = %v, %v", id, out, err)
	}
	return out.Commands[0]
}

func (f *cmdFixture) invocations(id string, details bool) map[string]*ssm.CommandInvocation {
	f.t.Helper()
	out := map[string]*ssm.CommandInvocation{}
	token := ""
	for {
		page, err := f.cmds.ListCommandInvocations(f.ctx, ssm.ListCommandInvocationsInput{CommandID: id, Details: details, NextToken: token})
		if err != nil {
			f.t.Fatalf("ListCommandInvocations: %v", err)
		}
		for _, inv := range page.Invocations {
			out[inv.InstanceID] = inv
		}
		if token = page.NextToken; token == "" {
			return out
		}
	}
}

func cmdWantStatus(t testing.TB, what, status, details, wantStatus, wantDetails string) {
	t.Helper()
	if status != wantStatus || details != wantDetails {
		t.Errorf("%s: status %s/%s, want %s/%s", what, status, details, wantStatus, wantDetails)
	}
}

func cmdWantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %s", err, got, code)
	}
}

// counters checks TargetCount, CompletedCount, ErrorCount, DeliveryTimedOutCount.
func cmdCounters(t testing.TB, c *ssm.CommandRecord, target, completed, errs, delivery int) {
	t.Helper()
	k := c.Counters
	if k.Target != target || k.Completed != completed || k.Errors() != errs || k.DeliveryTimedOut != delivery {
		t.Errorf("counters target/completed/errors/delivery = %d/%d/%d/%d, want %d/%d/%d/%d",
			k.Target, k.Completed, k.Errors(), k.DeliveryTimedOut, target, completed, errs, delivery)
	}
}

func cmdNodeIDs(nodes []cmdNodeSpec) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.id
	}
	return out
}

func TestSendCommandValidation(t *testing.T) {
	nodes := cmdLinuxNodes(2)
	f := newCmdFixture(t, nodes)
	f.createDoc("Runbook-Auto", `{"schemaVersion": "0.3", "mainSteps": [{"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}]}`, "Automation")
	ok := func(in *ssm.SendCommandInput) {
		in.DocumentName, in.InstanceIDs = "AWS-RunShellScript", []string{nodes[0].id}
		in.Parameters = map[string][]string{"commands": {"echo hi"}}
	}
	cases := []struct {
		name string
		mod  func(*ssm.SendCommandInput)
		code string
	}{
		{"no document", func(in *ssm.SendCommandInput) { in.DocumentName = "" }, steward.CodeValidation},
		{"bad document name", func(in *ssm.SendCommandInput) { in.DocumentName = "a b" }, steward.CodeValidation},
		{"unknown document", func(in *ssm.SendCommandInput) { in.DocumentName = "Nope" }, ssm.CodeInvalidDocument},
		{"automation document", func(in *ssm.SendCommandInput) { in.DocumentName = "Runbook-Auto"; in.Parameters = nil }, ssm.CodeInvalidDocument},
		{"unknown version", func(in *ssm.SendCommandInput) { in.DocumentVersion = "7" }, ssm.CodeInvalidDocumentVersion},
		{"bad version", func(in *ssm.SendCommandInput) { in.DocumentVersion = "latest" }, steward.CodeValidation},
		{"hash mismatch", func(in *ssm.SendCommandInput) { in.DocumentHash = "abc" }, ssm.CodeInvalidDocument},
		{"bad hash type", func(in *ssm.SendCommandInput) { in.DocumentHash, in.DocumentHashType = "abc", "Md5" }, steward.CodeValidation},
		{"no targets", func(in *ssm.SendCommandInput) { in.InstanceIDs = nil }, steward.CodeValidation},
		{"ids and targets", func(in *ssm.SendCommandInput) {
			in.Targets = []ssm.Target{{Key: "tag:env", Values: []string{"test"}}}
		}, steward.CodeValidation},
		{"duplicate id", func(in *ssm.SendCommandInput) { in.InstanceIDs = []string{nodes[0].id, nodes[0].id} }, ssm.CodeDuplicateInstanceID},
		{"malformed id", func(in *ssm.SendCommandInput) { in.InstanceIDs = []string{"node-1"} }, steward.CodeValidation},
		{"unknown node", func(in *ssm.SendCommandInput) { in.InstanceIDs = []string{cmdNode(99)} }, ssm.CodeInvalidInstanceID},
		{"51 ids", func(in *ssm.SendCommandInput) {
			in.InstanceIDs = nil
			for i := range 51 {
				in.InstanceIDs = append(in.InstanceIDs, cmdNode(100+i))
			}
		}, steward.CodeValidation},
		{"6 targets", func(in *ssm.SendCommandInput) {
			in.InstanceIDs = nil
			for i := range 6 {
				in.Targets = append(in.Targets, ssm.Target{Key: fmt.Sprintf("tag:k%d", i), Values: []string{"v"}})
			}
		}, steward.CodeValidation},
		{"timeout too short", func(in *ssm.SendCommandInput) { n := 29; in.TimeoutSeconds = &n }, steward.CodeValidation},
		{"timeout too long", func(in *ssm.SendCommandInput) { n := 2592001; in.TimeoutSeconds = &n }, steward.CodeValidation},
		{"long comment", func(in *ssm.SendCommandInput) { in.Comment = strings.Repeat("c", 101) }, steward.CodeValidation},
		{"concurrency 0", func(in *ssm.SendCommandInput) { in.MaxConcurrency = "0" }, steward.CodeValidation},
		{"concurrency 0%", func(in *ssm.SendCommandInput) { in.MaxConcurrency = "0%" }, steward.CodeValidation},
		{"errors 101%", func(in *ssm.SendCommandInput) { in.MaxErrors = "101%" }, steward.CodeValidation},
		{"errors -1", func(in *ssm.SendCommandInput) { in.MaxErrors = "-1" }, steward.CodeValidation},
		{"bad notification type", func(in *ssm.SendCommandInput) {
			in.NotificationConfig = &ssm.NotificationConfig{NotificationType: "Everything"}
		}, steward.CodeValidation},
		{"two alarms", func(in *ssm.SendCommandInput) {
			in.AlarmConfiguration = &ssm.AlarmConfiguration{Alarms: []string{"a", "b"}}
		}, steward.CodeValidation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var in ssm.SendCommandInput
			ok(&in)
			tc.mod(&in)
			_, err := f.cmds.SendCommand(f.ctx, in)
			cmdWantCode(t, err, tc.code)
		})
	}
	// The happy path, with every echoed member.
	n := 600
	c := f.send(ssm.SendCommandInput{DocumentName: "arn:aws:ssm:" + cmdRegion + "::document/AWS-RunShellScript",
		DocumentVersion: "$LATEST", InstanceIDs: []string{nodes[0].id}, Comment: "uptime please", TimeoutSeconds: &n,
		Parameters:     map[string][]string{"commands": {"uptime"}},
		MaxConcurrency: "10%", MaxErrors: "1", OutputS3BucketName: "bucket", OutputS3KeyPrefix: "out",
		ServiceRoleArn:         "arn:aws:iam::123456789012:role/sns",
		NotificationConfig:     &ssm.NotificationConfig{NotificationArn: "arn:aws:sns:eu-west-1:123456789012:t", NotificationEvents: []string{"Failed"}, NotificationType: "Command"},
		CloudWatchOutputConfig: &ssm.CloudWatchOutputConfig{CloudWatchLogGroupName: "/aws/ssm/x", CloudWatchOutputEnabled: true},
		AlarmConfiguration:     &ssm.AlarmConfiguration{Alarms: []string{"cpu-high"}},
	})
	if len(c.CommandID) != 36 || c.DocumentName != "AWS-RunShellScript" || c.DocumentVersion != "$LATEST" ||
		c.Comment != "uptime please" || c.TimeoutSeconds != 600 || c.MaxConcurrency != "10%" || c.MaxErrors != "1" ||
		c.OutputS3Region != cmdRegion || c.OutputS3Bucket != "bucket" || c.Notification.NotificationType != "Command" ||
		!c.CloudWatch.CloudWatchOutputEnabled || c.Alarms == nil || c.Alarms.Alarms[0] != "cpu-high" {
		t.Errorf("SendCommand echoed %+v", c)
	}
	cmdWantStatus(t, "new command", c.Status, c.StatusDetails, ssm.CmdPending, ssm.CmdPending)
	if want := cmdT0.Add(600*time.Second + 3600*time.Second); !c.ExpiresAt.Equal(want) || !c.RequestedAt.Equal(cmdT0) {
		t.Errorf("ExpiresAfter %v, want %v (requested + TimeoutSeconds + executionTimeout)", c.ExpiresAt, want)
	}
	// Stored and echoed by ListCommands too.
	got := f.command(c.CommandID)
	if got.ServiceRole != c.ServiceRole || got.Notification.NotificationArn != c.Notification.NotificationArn ||
		got.CloudWatch != c.CloudWatch || got.Alarms == nil || got.OutputS3Prefix != "out" || got.Parameters["commands"][0] != "uptime" {
		t.Errorf("ListCommands = %+v", got)
	}
	// Defaults: TimeoutSeconds 3600, MaxConcurrency 50, MaxErrors 0, $DEFAULT.
	d := f.shell([]string{nodes[1].id}, nil, "true")
	if d.TimeoutSeconds != 3600 || d.MaxConcurrency != "50" || d.MaxErrors != "0" || d.DocumentVersion != "$DEFAULT" ||
		!d.ExpiresAt.Equal(cmdT0.Add(7200*time.Second)) {
		t.Errorf("defaults: %+v", d)
	}
	// A hash that matches, in either case.
	desc, _ := f.docs.DescribeDocument(f.ctx, ssm.DescribeDocumentInput{Name: "AWS-RunShellScript"})
	f.shell([]string{nodes[1].id}, func(in *ssm.SendCommandInput) { in.DocumentHash = strings.ToUpper(desc.Version.Hash) }, "true")
}

// cmdParamDoc has one parameter of each type and echoes them in a step.
const cmdParamDoc = `{
  "schemaVersion": "2.2",
  "description": "parameters",
  "parameters": {
    "s":   {"type": "String", "allowedPattern": "[a-z{}:/ ]+", "maxChars": 20},
    "l":   {"type": "StringList", "default": ["x", "y"], "minItems": 1, "maxItems": 3},
    "b":   {"type": "Boolean", "default": false},
    "n":   {"type": "Integer", "default": 7},
    "m":   {"type": "StringMap", "default": {"k": "v"}},
    "ml":  {"type": "MapList", "default": [{"a": 1}]},
    "e":   {"type": "String", "default": "one", "allowedValues": ["one", "two"]},
    "executionTimeout": {"type": "String", "default": "60"}
  },
  "mainSteps": [{
    "action": "aws:runShellScript", "name": "echo",
    "inputs": {
      "s": "{{ s }}", "l": "{{l}}", "b": "{{ b }}", "n": "{{ n }}", "m": "{{ m }}", "ml": "{{ ml }}",
      "runCommand": ["{{ l }}"],
      "mixed": ["first", "{{ l }}", "last"],
      "text": "s={{s}} l={{ l }} b={{b}} n={{n}} m={{m}}",
      "untouched": "{{ undeclared }} {{ssm-secure:/app/secret}} {{",
      "nested": {"deep": ["{{ e }}-{{ e }}"]}
    }
  }]
}`

func cmdStepInputs(t testing.TB, msgs []agentproto.Message) map[string]any {
	t.Helper()
	if len(msgs) != 1 || msgs[0].Command == nil {
		t.Fatalf("poll = %+v, want one command", msgs)
	}
	var inputs map[string]any
	if err := json.Unmarshal(msgs[0].Command.Steps[0].Inputs, &inputs); err != nil {
		t.Fatal(err)
	}
	return inputs
}

func TestSendCommandParameters(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	f := newCmdFixture(t, nodes)
	f.createDoc("Params", cmdParamDoc)
	send := func(p map[string][]string) (*ssm.CommandRecord, error) {
		return f.cmds.SendCommand(f.ctx, ssm.SendCommandInput{DocumentName: "Params", InstanceIDs: cmdNodeIDs(nodes), Parameters: p})
	}
	bad := []map[string][]string{
		{},                               // s is required
		{"s": {"abc"}, "zzz": {"1"}},     // not declared
		{"s": {"abc1"}},                  // pattern must match all of it
		{"s": {"a", "b"}},                // one value for a String
		{"s": {strings.Repeat("a", 21)}}, // maxChars
		{"s": {"abc"}, "l": {}},          // minItems
		{"s": {"abc"}, "l": {"1", "2", "3", "4"}}, // maxItems
		{"s": {"abc"}, "b": {"yes"}},              // Boolean
		{"s": {"abc"}, "n": {"seven"}},            // Integer
		{"s": {"abc"}, "m": {"[1]"}},              // StringMap needs an object
		{"s": {"abc"}, "ml": {`{"a": 1}x`}},       // MapList
		{"s": {"abc"}, "e": {"three"}},            // allowedValues
	}
	for _, p := range bad {
		_, err := send(p)
		cmdWantCode(t, err, ssm.CodeInvalidParameters)
	}
	c, err := send(map[string][]string{"s": {"hello {{ l }}"}, "b": {"true"}, "n": {"42"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := cmdT0.Add(3600*time.Second + 60*time.Second); !c.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAfter = %v, want requested + 3600 + executionTimeout 60", c.ExpiresAt)
	}
	in := cmdStepInputs(t, f.poll(nodes[0].id))
	want := map[string]any{
		"s": "hello {{ l }}", // one pass: a value is not expanded again
		"l": []any{"x", "y"}, "b": true, "n": float64(42), "m": map[string]any{"k": "v"},
		"ml":         []any{map[string]any{"a": float64(1)}},
		"runCommand": []any{"x", "y"},
		"mixed":      []any{"first", "x", "y", "last"},
		"text":       `s=hello {{ l }} l=["x","y"] b=true n=42 m={"k":"v"}`,
		"untouched":  "{{ undeclared }} {{ssm-secure:/app/secret}} {{",
		"nested":     map[string]any{"deep": []any{"one-one"}},
	}
	for k, v := range want {
		if g, _ := json.Marshal(in[k]); string(g) != cmdJSON(v) {
			t.Errorf("inputs[%s] = %s, want %s", k, g, cmdJSON(v))
		}
	}
}

func cmdJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestSendCommandSchema12(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	f := newCmdFixture(t, nodes)
	c := f.shell(cmdNodeIDs(nodes), nil, "echo one", "echo two")
	if c.SchemaVersion != "1.2" || !slices.Equal(c.StepNames, []string{"aws:runShellScript"}) {
		t.Fatalf("schema %s steps %v", c.SchemaVersion, c.StepNames)
	}
	msgs := f.poll(nodes[0].id)
	if len(msgs) != 1 || msgs[0].Kind != agentproto.KindCommand {
		t.Fatalf("poll = %+v", msgs)
	}
	cmd := msgs[0].Command
	if cmd.SchemaVersion != "1.2" || cmd.DocumentName != "AWS-RunShellScript" || cmd.Region != cmdRegion ||
		!cmd.Deadline.Equal(cmdT0.Add(3600*time.Second)) || len(cmd.Steps) != 1 ||
		cmd.Steps[0].Name != "aws:runShellScript" || cmd.Steps[0].Action != "aws:runShellScript" {
		t.Fatalf("command = %+v", cmd)
	}
	// The one-element properties list is delivered as the step's inputs object.
	var props map[string]any
	if err := json.Unmarshal(cmd.Steps[0].Inputs, &props); err != nil {
		t.Fatalf("1.2 inputs %s: %v", cmd.Steps[0].Inputs, err)
	}
	if cmdJSON(props["runCommand"]) != `["echo one","echo two"]` ||
		props["timeoutSeconds"] != "3600" || props["workingDirectory"] != "" || props["id"] != "0.aws:runShellScript" {
		t.Errorf("properties = %v", props)
	}
}

func TestSendCommandSSMReferences(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	f := newCmdFixture(t, nodes)
	put := func(name, typ, value string) {
		t.Helper()
		if _, err := f.params.PutParameter(f.ctx, ssm.PutParameterInput{Name: name, Type: typ, Value: &value, Overwrite: true}); err != nil {
			t.Fatal(err)
		}
	}
	put("/app/name", "String", "first")
	put("/app/name", "String", "second")
	put("/app/list", "StringList", "a,b,c")
	put("/app/secret", "SecureString", "s3cr3t-value")
	f.createDoc("Refs", `{
  "schemaVersion": "2.2",
  "parameters": {"commands": {"type": "StringList"}, "who": {"type": "String", "default": "{{ssm:/app/name:1}}"}},
  "mainSteps": [{"action": "aws:runShellScript", "name": "run", "inputs": {
    "runCommand": ["{{ commands }}"], "who": "{{ who }}", "literal": "{{ ssm:/app/name }}",
    "token": "{{ssm-secure:/app/secret}}"}}]
}`)
	send := func(cmds ...string) (*ssm.CommandRecord, error) {
		return f.cmds.SendCommand(f.ctx, ssm.SendCommandInput{DocumentName: "Refs", InstanceIDs: cmdNodeIDs(nodes),
			Parameters: map[string][]string{"commands": cmds}})
	}
	for _, bad := range [][]string{
		{"echo {{ssm:/app/secret}}"}, // a SecureString needs ssm-secure
		{"echo {{ssm:/app/missing}}"},
		{"echo {{ssm:/app/name:9}}"}, // no such version
		{"echo {{ssm:/app/list}}"},   // a StringList inside a longer string
	} {
		_, err := send(bad...)
		cmdWantCode(t, err, ssm.CodeInvalidParameters)
	}
	c, err := send("echo {{ssm:/app/name}}", "{{ssm:/app/list}}", "{{ ssm-secure:/app/secret }}")
	if err != nil {
		t.Fatal(err)
	}
	if c.Parameters["commands"][0] != "echo {{ssm:/app/name}}" {
		t.Errorf("Command.Parameters must echo the request: %v", c.Parameters)
	}
	in := cmdStepInputs(t, f.poll(nodes[0].id))
	if got := cmdJSON(in["runCommand"]); got != `["echo second","a","b","c","{{ ssm-secure:/app/secret }}"]` {
		t.Errorf("runCommand = %s", got)
	}
	if in["who"] != "first" || in["literal"] != "second" || in["token"] != "{{ssm-secure:/app/secret}}" {
		t.Errorf("inputs = %v", in)
	}
	// The agent resolves ssm-secure through Parameters: only the names the
	// command references, only for its own node.
	f.ack(nodes[0].id, c.CommandID)
	resp, err := f.cmds.Parameters(f.ctx, nodes[0].id, agentproto.ParametersRequest{CommandID: c.CommandID,
		Names: []string{"/app/secret", "/app/name", "/app/other"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Values["/app/secret"] != "s3cr3t-value" || len(resp.Values) != 1 || !slices.Equal(resp.Invalid, []string{"/app/name", "/app/other"}) {
		t.Errorf("Parameters = %+v", resp)
	}
	// Output that leaks the secret is masked before it is stored.
	if err := f.cmds.Output(f.ctx, nodes[0].id, agentproto.OutputRequest{CommandID: c.CommandID, Step: "run",
		Stream: "stdout", Data: "token=s3cr3t-value\n"}); err != nil {
		t.Fatal(err)
	}
	page, err := f.cmds.ReadOutput(f.ctx, c.CommandID, nodes[0].id, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if page.Stdout != "token=************\n" {
		t.Errorf("stored output %q, want the secret masked", page.Stdout)
	}
}

func TestSendCommandPlatformsAndTargets(t *testing.T) {
	nodes := []cmdNodeSpec{
		{id: cmdNode(1), platform: "Linux", ping: "Online", tags: map[string]string{"role": "web"}},
		{id: cmdNode(2), platform: "Windows", ping: "Online", tags: map[string]string{"role": "web"}},
		{id: cmdNode(3), platform: "Linux", ping: "ConnectionLost", tags: map[string]string{"role": "db"}},
	}
	f := newCmdFixture(t, nodes)
	// Targets resolve once at send time.
	c := f.shell(nil, func(in *ssm.SendCommandInput) {
		in.InstanceIDs, in.Targets = nil, []ssm.Target{{Key: "tag:role", Values: []string{"web"}}}
		in.MaxConcurrency = "100%"
	}, "hostname")
	if c.Counters.Target != 2 || len(c.Targets) != 1 || len(c.InstanceIDs) != 0 {
		t.Fatalf("targets: %+v", c)
	}
	// The Windows node cannot run AWS-RunShellScript: InvalidPlatform, not an error.
	invs := f.invocations(c.CommandID, false)
	cmdWantStatus(t, "windows node", invs[cmdNode(2)].Status, invs[cmdNode(2)].StatusDetails, ssm.CmdFailed, ssm.DetailInvalidPlatform)
	f.runAll(c.CommandID, []string{cmdNode(1)}, func(string) (string, int) { return agentproto.StatusSuccess, 0 })
	got := f.command(c.CommandID)
	cmdWantStatus(t, "command", got.Status, got.StatusDetails, ssm.CmdSuccess, ssm.CmdSuccess)
	cmdCounters(t, got, 2, 2, 0, 0)

	// Only Windows nodes: every invocation InvalidPlatform → Failed.
	w := f.shell([]string{cmdNode(2)}, nil, "hostname")
	cmdWantStatus(t, "all invalid platform", w.Status, w.StatusDetails, ssm.CmdFailed, ssm.CmdFailed)

	// A node not Online at send time shows Delayed once dispatched.
	d := f.shell([]string{cmdNode(3)}, nil, "hostname")
	invs = f.invocations(d.CommandID, false)
	cmdWantStatus(t, "offline node", invs[cmdNode(3)].Status, invs[cmdNode(3)].StatusDetails, ssm.CmdDelayed, ssm.CmdDelayed)
	if msgs := f.poll(cmdNode(3)); len(msgs) != 1 {
		t.Fatalf("a delayed invocation is still offered: %v", msgs)
	}

	// No match: accepted Pending with no targets, then Success/NoInstancesInTag.
	n := f.shell(nil, func(in *ssm.SendCommandInput) {
		in.InstanceIDs, in.Targets = nil, []ssm.Target{{Key: "tag:role", Values: []string{"none"}}}
	}, "hostname")
	cmdWantStatus(t, "accepted", n.Status, n.StatusDetails, ssm.CmdPending, ssm.CmdPending)
	if n.Counters.Target != 0 {
		t.Errorf("TargetCount %d", n.Counters.Target)
	}
	got = f.command(n.CommandID)
	cmdWantStatus(t, "settled", got.Status, got.StatusDetails, ssm.CmdSuccess, ssm.DetailNoInstancesInTag)
}

func TestSendCommandSizeLimit(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	f := newCmdFixture(t, nodes)
	_, err := f.cmds.SendCommand(f.ctx, ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", InstanceIDs: cmdNodeIDs(nodes),
		Parameters: map[string][]string{"commands": {strings.Repeat("x", 70000)}}})
	cmdWantCode(t, err, "MaxDocumentSizeExceeded")
}
