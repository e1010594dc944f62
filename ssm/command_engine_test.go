package ssm_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/ssm"
)

// offered returns the nodes that Poll offers the command to now.
func (f *cmdFixture) offered(id string, nodes []string) []string {
	f.t.Helper()
	var out []string
	for _, n := range nodes {
		for _, m := range f.poll(n) {
			if m.Kind == agentproto.KindCommand && m.CommandID == id {
				out = append(out, n)
			}
		}
	}
	return out
}

func TestRateControlRampUp(t *testing.T) {
	nodes := cmdLinuxNodes(40)
	all := cmdNodeIDs(nodes)
	f := newCmdFixture(t, nodes)
	c := f.shell(nil, func(in *ssm.SendCommandInput) {
		in.InstanceIDs, in.Targets, in.MaxConcurrency = nil, []ssm.Target{{Key: "tag:env", Values: []string{"test"}}}, "100%"
	}, "true")
	if c.ConcurrencyLimit != 40 {
		t.Fatalf("MaxConcurrency 100%% of 40 = %d", c.ConcurrencyLimit)
	}
	// Slow start: 1, then 2 more per ack (window 2·acked+1), never more than
	// the window in flight. Acks widen it; results free room.
	if w := f.notify.take(); !slices.Equal(w, all[:1]) {
		t.Fatalf("first wave woke %v, want only the first node", w)
	}
	waves := []int{}
	acked := 0
	for acked < len(all) {
		got := f.offered(c.CommandID, all)
		if len(got) == 0 {
			t.Fatalf("stalled after %d acks", acked)
		}
		waves = append(waves, len(got))
		if inflight := acked + len(got); inflight > 2*acked+1 {
			t.Fatalf("%d in flight with %d acked", inflight, acked)
		}
		for _, n := range got {
			f.ack(n, c.CommandID)
		}
		acked += len(got)
	}
	if !slices.Equal(waves[:4], []int{1, 2, 4, 8}) {
		t.Errorf("waves = %v, want 1, 2, 4, 8, … (exponential)", waves)
	}
	for _, n := range all {
		f.finish(n, c.CommandID, agentproto.StatusSuccess, 0)
	}
	got := f.command(c.CommandID)
	cmdWantStatus(t, "command", got.Status, got.StatusDetails, ssm.CmdSuccess, ssm.CmdSuccess)
	cmdCounters(t, got, 40, 40, 0, 0)
}

// Nodes dispatched by an ack (not by SendCommand) are handed the whole
// command message, the one Poll offers, so their held polls answer without
// asking the store again.
func TestDispatchHandsOverTheMessage(t *testing.T) {
	nodes := cmdLinuxNodes(3)
	all := cmdNodeIDs(nodes)
	f := newCmdFixture(t, nodes)
	c := f.shell(all, func(in *ssm.SendCommandInput) { in.MaxConcurrency = "100%" }, "echo hi")
	if w := f.notify.take(); !slices.Equal(w, all[:1]) {
		t.Fatalf("first wave woke %v", w)
	}
	first := f.notify.handedTo(all[0])
	f.ack(all[0], c.CommandID)
	if w := f.notify.take(); !slices.Equal(w, all[1:]) {
		t.Fatalf("the ack woke %v, want %v", w, all[1:])
	}
	for _, n := range all {
		handed := f.notify.handedTo(n)
		if n != all[0] {
			if got := f.offered(c.CommandID, []string{n}); len(got) != 1 {
				t.Fatalf("%s is not offered the command", n)
			}
		}
		want := f.poll(n)
		if n == all[0] {
			want = first // acked: Poll offers nothing now
		}
		if len(handed) != 1 || handed[0].Command == nil || len(handed[0].Command.Steps) == 0 {
			t.Fatalf("%s was handed %+v, want the command with its steps", n, handed)
		}
		h, _ := json.Marshal(handed)
		w, _ := json.Marshal(want)
		if string(h) != string(w) {
			t.Errorf("%s was handed\n%s\nPoll offers\n%s", n, h, w)
		}
	}
}

func TestRateControlMaxConcurrency(t *testing.T) {
	for _, tc := range []struct {
		value    string
		nodes    int
		limit    int
		inFlight int
	}{{"3", 10, 3, 3}, {"20%", 10, 2, 2}, {"25%", 10, 3, 3}, {"1%", 10, 1, 1}, {"50", 10, 50, 10}} {
		t.Run(strings.ReplaceAll(tc.value, "%", "pct"), func(t *testing.T) {
			nodes := cmdLinuxNodes(tc.nodes)
			all := cmdNodeIDs(nodes)
			f := newCmdFixture(t, nodes)
			c := f.shell(all, func(in *ssm.SendCommandInput) { in.MaxConcurrency = tc.value }, "true")
			if c.ConcurrencyLimit != tc.limit {
				t.Fatalf("limit = %d, want %d", c.ConcurrencyLimit, tc.limit)
			}
			// Ack everything offered, never finishing: in flight stops at the limit.
			acked := 0
			for {
				got := f.offered(c.CommandID, all)
				if len(got) == 0 {
					break
				}
				for _, n := range got {
					f.ack(n, c.CommandID)
				}
				acked += len(got)
			}
			if acked != tc.inFlight {
				t.Fatalf("in flight = %d, want %d", acked, tc.inFlight)
			}
			// Each result frees one slot.
			running := slices.Clone(all[:acked])
			f.finish(running[0], c.CommandID, agentproto.StatusSuccess, 0)
			if got := f.offered(c.CommandID, all); len(got) != min(1, tc.nodes-acked) {
				t.Fatalf("after one result %d offered", len(got))
			}
		})
	}
}

func TestRateControlMaxErrors(t *testing.T) {
	cases := []struct {
		name        string
		nodes       int
		maxErrors   string
		concurrency string
		failOn      []int // node indexes (in dispatch order) that fail
		wantStatus  string
		wantDetails string
		terminated  int
		errs        int
	}{
		{"0 stops after the first error", 5, "0", "1", []int{0}, ssm.CmdFailed, ssm.CmdFailed, 4, 1},
		{"1 stops at the second", 5, "1", "1", []int{0, 1}, ssm.CmdFailed, ssm.CmdFailed, 3, 2},
		{"20% of 10 stops at the third", 10, "20%", "1", []int{0, 2, 4}, ssm.CmdFailed, ssm.CmdFailed, 5, 3},
		{"under the limit is Incomplete", 5, "2", "1", []int{3}, ssm.CmdFailed, ssm.DetailIncomplete, 0, 1},
		{"100% runs everywhere", 4, "100%", "1", []int{0, 1, 2, 3}, ssm.CmdFailed, ssm.DetailIncomplete, 0, 4},
		{"no failure is Success", 4, "0", "2", nil, ssm.CmdSuccess, ssm.CmdSuccess, 0, 0},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.name, "%", "pct"), func(t *testing.T) {
			nodes := cmdLinuxNodes(tc.nodes)
			all := cmdNodeIDs(nodes)
			f := newCmdFixture(t, nodes)
			c := f.shell(all, func(in *ssm.SendCommandInput) { in.MaxErrors, in.MaxConcurrency = tc.maxErrors, tc.concurrency }, "true")
			f.runAll(c.CommandID, all, func(n string) (string, int) {
				if slices.Contains(tc.failOn, slices.Index(all, n)) {
					return agentproto.StatusFailed, 2
				}
				return agentproto.StatusSuccess, 0
			})
			got := f.command(c.CommandID)
			cmdWantStatus(t, "command", got.Status, got.StatusDetails, tc.wantStatus, tc.wantDetails)
			cmdCounters(t, got, tc.nodes, tc.nodes, tc.errs, 0)
			terminated := 0
			for _, inv := range f.invocations(c.CommandID, false) {
				if inv.StatusDetails == ssm.DetailTerminated {
					terminated++
					cmdWantStatus(t, "terminated", inv.Status, inv.StatusDetails, ssm.CmdCancelled, ssm.DetailTerminated)
				}
			}
			if terminated != tc.terminated {
				t.Errorf("%d Terminated, want %d", terminated, tc.terminated)
			}
		})
	}
}

func TestMaxErrorsLetsRunningInvocationsFinish(t *testing.T) {
	nodes := cmdLinuxNodes(6)
	all := cmdNodeIDs(nodes)
	f := newCmdFixture(t, nodes)
	c := f.shell(all, func(in *ssm.SendCommandInput) { in.MaxConcurrency = "3" }, "true")
	// Ramp to three running.
	for _, n := range f.offered(c.CommandID, all) {
		f.ack(n, c.CommandID)
	}
	for _, n := range f.offered(c.CommandID, all) {
		f.ack(n, c.CommandID)
	}
	running := all[:3]
	f.finish(running[0], c.CommandID, agentproto.StatusFailed, 1) // exceeds MaxErrors 0
	if got := f.offered(c.CommandID, all); len(got) != 0 {
		t.Fatalf("dispatched %v after MaxErrors was exceeded", got)
	}
	invs := f.invocations(c.CommandID, false)
	for _, n := range all[3:] {
		cmdWantStatus(t, n, invs[n].Status, invs[n].StatusDetails, ssm.CmdCancelled, ssm.DetailTerminated)
	}
	got := f.command(c.CommandID)
	cmdWantStatus(t, "while two still run", got.Status, got.StatusDetails, ssm.CmdInProgress, ssm.CmdInProgress)
	f.finish(running[1], c.CommandID, agentproto.StatusSuccess, 0)
	f.finish(running[2], c.CommandID, agentproto.StatusSuccess, 0)
	got = f.command(c.CommandID)
	cmdWantStatus(t, "done", got.Status, got.StatusDetails, ssm.CmdFailed, ssm.CmdFailed)
	cmdCounters(t, got, 6, 6, 1, 0)
}

func TestDeliveryTimeout(t *testing.T) {
	nodes := cmdLinuxNodes(2)
	online, offline := nodes[0].id, nodes[1].id
	f := newCmdFixture(t, nodes)
	timeout := 60
	c := f.shell(cmdNodeIDs(nodes), func(in *ssm.SendCommandInput) {
		in.TimeoutSeconds, in.MaxConcurrency = &timeout, "100%"
		in.Parameters["executionTimeout"] = []string{"30"}
	}, "true")
	if want := cmdT0.Add(90 * time.Second); !c.ExpiresAt.Equal(want) {
		t.Fatalf("ExpiresAfter = %v, want %v", c.ExpiresAt, want)
	}
	f.runAll(c.CommandID, []string{online}, func(string) (string, int) { return agentproto.StatusSuccess, 0 })
	// The offline node never polls. Past the start deadline it is no longer
	// offered; at ExpiresAfter it times out.
	f.clock.Advance(61 * time.Second)
	if msgs := f.poll(offline); len(msgs) != 0 {
		t.Fatalf("offered after the delivery deadline: %+v", msgs)
	}
	if err := f.cmds.Sweep(f.ctx); err != nil {
		t.Fatal(err)
	}
	got := f.command(c.CommandID)
	cmdWantStatus(t, "before expiry", got.Status, got.StatusDetails, ssm.CmdInProgress, ssm.CmdInProgress)
	f.clock.Advance(30 * time.Second)
	if err := f.cmds.Sweep(f.ctx); err != nil {
		t.Fatal(err)
	}
	invs := f.invocations(c.CommandID, false)
	cmdWantStatus(t, "offline invocation", invs[offline].Status, invs[offline].StatusDetails, ssm.CmdTimedOut, ssm.DetailDeliveryTimedOut)
	got = f.command(c.CommandID)
	cmdCounters(t, got, 2, 2, 0, 1)
	// One delivery timeout exceeds MaxErrors 0: the command is TimedOut.
	cmdWantStatus(t, "command", got.Status, got.StatusDetails, ssm.CmdTimedOut, ssm.DetailDeliveryTimedOut)
	// A late result changes nothing.
	f.finish(offline, c.CommandID, agentproto.StatusSuccess, 0)
	invs = f.invocations(c.CommandID, false)
	cmdWantStatus(t, "after a late result", invs[offline].Status, invs[offline].StatusDetails, ssm.CmdTimedOut, ssm.DetailDeliveryTimedOut)
}

func TestDeliveryTimeoutIsNotAnError(t *testing.T) {
	// Three nodes, the middle one offline, MaxErrors 0, MaxConcurrency 2:
	// its delivery timeout does not stop the others and does not count.
	nodes := cmdLinuxNodes(3)
	all := cmdNodeIDs(nodes)
	f := newCmdFixture(t, nodes)
	c := f.shell(all, func(in *ssm.SendCommandInput) { in.MaxConcurrency, in.MaxErrors = "2", "1" }, "true")
	f.runAll(c.CommandID, []string{all[0], all[2]}, func(string) (string, int) { return agentproto.StatusSuccess, 0 })
	f.clock.Advance(3 * time.Hour)
	if err := f.cmds.Sweep(f.ctx); err != nil {
		t.Fatal(err)
	}
	got := f.command(c.CommandID)
	cmdCounters(t, got, 3, 3, 0, 1)
	cmdWantStatus(t, "one delivery timeout under MaxErrors 1", got.Status, got.StatusDetails, ssm.CmdFailed, ssm.DetailIncomplete)
}

func TestExecutionTimedOutCountsAsError(t *testing.T) {
	nodes := cmdLinuxNodes(3)
	all := cmdNodeIDs(nodes)
	f := newCmdFixture(t, nodes)
	c := f.shell(all, func(in *ssm.SendCommandInput) { in.MaxConcurrency = "1" }, "sleep 99")
	f.runAll(c.CommandID, all, func(string) (string, int) { return agentproto.StatusTimedOut, 137 })
	got := f.command(c.CommandID)
	cmdWantStatus(t, "command", got.Status, got.StatusDetails, ssm.CmdTimedOut, ssm.DetailExecutionTimedOut)
	cmdCounters(t, got, 3, 3, 1, 0)
	invs := f.invocations(c.CommandID, false)
	cmdWantStatus(t, "first", invs[all[0]].Status, invs[all[0]].StatusDetails, ssm.CmdTimedOut, ssm.DetailExecutionTimedOut)
	cmdWantStatus(t, "second", invs[all[1]].Status, invs[all[1]].StatusDetails, ssm.CmdCancelled, ssm.DetailTerminated)
}

func TestCancelCommand(t *testing.T) {
	nodes := cmdLinuxNodes(4)
	all := cmdNodeIDs(nodes)
	f := newCmdFixture(t, nodes)
	c := f.shell(all, func(in *ssm.SendCommandInput) { in.MaxConcurrency = "2" }, "sleep 1000")
	// Node 1 runs, node 2 is dispatched but not acked, nodes 3-4 wait.
	f.ack(all[0], c.CommandID)
	if got := f.offered(c.CommandID, all); !slices.Equal(got, all[1:2]) {
		t.Fatalf("offered %v", got)
	}
	wantCodeOf := func(err error, code string) {
		t.Helper()
		cmdWantCode(t, err, code)
	}
	wantCodeOf(f.cmds.CancelCommand(f.ctx, "00000000-0000-0000-0000-000000000000", nil), ssm.CodeInvalidCommandID)
	wantCodeOf(f.cmds.CancelCommand(f.ctx, c.CommandID, []string{cmdNode(77)}), ssm.CodeInvalidInstanceID)
	wantCodeOf(f.cmds.CancelCommand(f.ctx, c.CommandID, []string{all[0], all[0]}), ssm.CodeDuplicateInstanceID)
	wantCodeOf(f.cmds.CancelCommand(f.ctx, "short", nil), "ValidationException")
	f.notify.take()
	if err := f.cmds.CancelCommand(f.ctx, c.CommandID, nil); err != nil {
		t.Fatal(err)
	}
	if w := f.notify.take(); !slices.Equal(w, all[:2]) {
		t.Errorf("woke %v, want the two dispatched nodes", w)
	}
	invs := f.invocations(c.CommandID, false)
	for i, n := range all {
		want := ssm.CmdCancelling
		if i >= 2 {
			want = ssm.CmdCancelled
		}
		cmdWantStatus(t, n, invs[n].Status, invs[n].StatusDetails, want, want)
	}
	got := f.command(c.CommandID)
	cmdWantStatus(t, "cancelling", got.Status, got.StatusDetails, ssm.CmdCancelling, ssm.CmdCancelling)
	// The dispatched nodes get a cancel (and no command), until they ack it.
	for _, n := range all[:2] {
		msgs := f.poll(n)
		if len(msgs) != 1 || msgs[0].Kind != agentproto.KindCancel || msgs[0].CommandID != c.CommandID {
			t.Fatalf("poll(%s) = %+v, want a cancel", n, msgs)
		}
	}
	f.ack(all[0], c.CommandID)
	running := agentproto.PollRequest{Running: []string{c.CommandID}}
	if msgs, err := f.cmds.Poll(f.ctx, all[0], running); err != nil || len(msgs) != 0 {
		t.Fatalf("cancel offered again after its ack: %+v, %v", msgs, err)
	}
	f.finish(all[0], c.CommandID, agentproto.StatusCancelled, 137)
	// Node 2 never acked the command: its first ack counts the command, the
	// second the cancel.
	f.ack(all[1], c.CommandID)
	if msgs := f.poll(all[1]); len(msgs) != 1 || msgs[0].Kind != agentproto.KindCancel {
		t.Fatalf("cancel must still be offered: %+v", msgs)
	}
	f.ack(all[1], c.CommandID)
	f.finish(all[1], c.CommandID, agentproto.StatusCancelled, 137)
	got = f.command(c.CommandID)
	cmdWantStatus(t, "cancelled", got.Status, got.StatusDetails, ssm.CmdCancelled, ssm.CmdCancelled)
	cmdCounters(t, got, 4, 4, 0, 0)
	// Cancelling a finished command changes nothing.
	if err := f.cmds.CancelCommand(f.ctx, c.CommandID, nil); err != nil {
		t.Fatal(err)
	}
	if got := f.command(c.CommandID); got.Status != ssm.CmdCancelled {
		t.Errorf("status after a second cancel: %s", got.Status)
	}
}

func TestCancelBeforeTheNodeGotIt(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	n := nodes[0].id
	f := newCmdFixture(t, nodes)
	c := f.shell([]string{n}, nil, "sleep 1000")
	// Dispatched, but the node was away; the cancel comes first.
	if err := f.cmds.CancelCommand(f.ctx, c.CommandID, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // the agent acks a cancel for a command it never saw
		msgs := f.poll(n)
		if len(msgs) != 1 || msgs[0].Kind != agentproto.KindCancel {
			t.Fatalf("poll %d = %+v, want the cancel", i, msgs)
		}
		f.ack(n, c.CommandID)
	}
	// It does not list the command as running: the invocation is over.
	if msgs := f.poll(n); len(msgs) != 0 {
		t.Fatalf("poll = %+v", msgs)
	}
	inv := f.invocations(c.CommandID, false)[n]
	cmdWantStatus(t, "invocation", inv.Status, inv.StatusDetails, ssm.CmdCancelled, ssm.CmdCancelled)
	got := f.command(c.CommandID)
	cmdWantStatus(t, "command", got.Status, got.StatusDetails, ssm.CmdCancelled, ssm.CmdCancelled)
}

func TestCancelSomeNodes(t *testing.T) {
	nodes := cmdLinuxNodes(3)
	all := cmdNodeIDs(nodes)
	f := newCmdFixture(t, nodes)
	c := f.shell(all, func(in *ssm.SendCommandInput) { in.MaxConcurrency = "1"; in.MaxErrors = "3" }, "true")
	if err := f.cmds.CancelCommand(f.ctx, c.CommandID, []string{all[2]}); err != nil {
		t.Fatal(err)
	}
	f.runAll(c.CommandID, all, func(string) (string, int) { return agentproto.StatusSuccess, 0 })
	got := f.command(c.CommandID)
	// A partial cancel is not a cancelled command: two Success and one
	// Cancelled is Incomplete.
	cmdWantStatus(t, "command", got.Status, got.StatusDetails, ssm.CmdFailed, ssm.DetailIncomplete)
	cmdCounters(t, got, 3, 3, 0, 0)
}

func TestCancelWhenCommandExpires(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	f := newCmdFixture(t, nodes)
	c := f.shell(cmdNodeIDs(nodes), nil, "sleep 1000")
	f.ack(nodes[0].id, c.CommandID)
	if err := f.cmds.CancelCommand(f.ctx, c.CommandID, nil); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Hour)
	if err := f.cmds.Sweep(f.ctx); err != nil {
		t.Fatal(err)
	}
	got := f.command(c.CommandID)
	cmdWantStatus(t, "command", got.Status, got.StatusDetails, ssm.CmdCancelled, ssm.CmdCancelled)
}

func TestNodeSeesOnlyItsOwnCommands(t *testing.T) {
	nodes := cmdLinuxNodes(2)
	mine, other := nodes[0].id, nodes[1].id
	f := newCmdFixture(t, nodes)
	c := f.shell([]string{mine}, nil, "echo {{ssm-secure:/x}}")
	if msgs := f.poll(other); len(msgs) != 0 {
		t.Fatalf("another node polled %+v", msgs)
	}
	for _, id := range []string{c.CommandID, "00000000-0000-0000-0000-000000000000", "forged"} {
		cmdWantCode(t, f.cmds.Ack(f.ctx, other, agentproto.AckRequest{CommandID: id}), agentproto.CodeNotFound)
		cmdWantCode(t, f.cmds.Result(f.ctx, other, agentproto.ResultRequest{CommandID: id, Status: "Success"}), agentproto.CodeNotFound)
		cmdWantCode(t, f.cmds.Output(f.ctx, other, agentproto.OutputRequest{CommandID: id, Step: "aws:runShellScript", Stream: "stdout", Data: "x"}), agentproto.CodeNotFound)
		_, err := f.cmds.Parameters(f.ctx, other, agentproto.ParametersRequest{CommandID: id, Names: []string{"/x"}})
		cmdWantCode(t, err, agentproto.CodeNotFound)
		_, err = f.cmds.Document(f.ctx, other, agentproto.DocumentRequest{CommandID: id, Name: "AWS-RunShellScript"})
		cmdWantCode(t, err, agentproto.CodeNotFound)
	}
	// The owner is not disturbed.
	if got := f.offered(c.CommandID, []string{mine}); len(got) != 1 {
		t.Fatalf("owner offered %v", got)
	}
	// Before the owner acks, it may not ask for secrets either (nothing runs).
	f.cmds.CancelCommand(f.ctx, c.CommandID, nil)
	f.ack(mine, c.CommandID)
	f.ack(mine, c.CommandID)
	f.finish(mine, c.CommandID, agentproto.StatusCancelled, 0)
	_, err := f.cmds.Parameters(f.ctx, mine, agentproto.ParametersRequest{CommandID: c.CommandID, Names: []string{"/x"}})
	cmdWantCode(t, err, agentproto.CodeNotFound)
	// Malformed requests.
	cmdWantCode(t, f.cmds.Result(f.ctx, mine, agentproto.ResultRequest{CommandID: c.CommandID, Status: "Maybe"}), agentproto.CodeBadRequest)
}

func TestAgentCallsAreIdempotent(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	n := nodes[0].id
	f := newCmdFixture(t, nodes)
	c := f.shell([]string{n}, nil, "echo hello")
	f.ack(n, c.CommandID)
	f.ack(n, c.CommandID)
	if got := f.command(c.CommandID); got.Counters.Acked != 1 {
		t.Errorf("two acks counted %d", got.Counters.Acked)
	}
	// Poll no longer offers an acked command.
	if msgs := f.poll(n); len(msgs) != 0 {
		t.Fatalf("acked command offered again: %+v", msgs)
	}
	out := func(off int64, data string) {
		t.Helper()
		if err := f.cmds.Output(f.ctx, n, agentproto.OutputRequest{CommandID: c.CommandID, Step: "aws:runShellScript",
			Stream: "stdout", Offset: off, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	out(0, "hello ")
	out(6, "wor")
	out(0, "hello wo")  // a retry overlapping what is stored
	out(9, "ld")        // the next piece
	out(15, "il\n")     // after a gap
	out(6, "world! ta") // fills the gap from a resend
	cmdWantCode(t, f.cmds.Output(f.ctx, n, agentproto.OutputRequest{CommandID: c.CommandID, Step: "nope", Stream: "stdout", Data: "x"}), agentproto.CodeBadRequest)
	cmdWantCode(t, f.cmds.Output(f.ctx, n, agentproto.OutputRequest{CommandID: c.CommandID, Step: "aws:runShellScript", Stream: "stdin", Data: "x"}), agentproto.CodeBadRequest)
	// The result carries the complete stdout too: merged, nothing doubled.
	req := agentproto.ResultRequest{CommandID: c.CommandID, Status: agentproto.StatusSuccess, Steps: []agentproto.StepResult{{
		Name: "aws:runShellScript", Action: "aws:runShellScript", Status: agentproto.StatusSuccess,
		StartTime: cmdT0, EndTime: cmdT0.Add(1271 * time.Millisecond),
		Stdout: "hello world! tail\n", Stderr: "warn\n",
	}}}
	if err := f.cmds.Result(f.ctx, n, req); err != nil {
		t.Fatal(err)
	}
	dup := req
	dup.Status = agentproto.StatusFailed
	dup.ResponseCode = 9
	if err := f.cmds.Result(f.ctx, n, dup); err != nil {
		t.Fatal(err)
	}
	res, err := f.cmds.GetCommandInvocation(f.ctx, ssm.GetCommandInvocationInput{CommandID: c.CommandID, InstanceID: n})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != ssm.CmdSuccess || res.ResponseCode != 0 || res.StandardOutputContent != "hello world! tail\n" ||
		res.StandardErrorContent != "warn\n" || res.ExecutionElapsedTime != "PT1.271S" ||
		res.ExecutionStartDateTime != "2026-01-21T10:15:00.120Z" || res.ExecutionEndDateTime != "2026-01-21T10:15:01.391Z" {
		t.Errorf("GetCommandInvocation = %+v", res)
	}
	if got := f.command(c.CommandID); got.Counters.Completed != 1 || got.Counters.Success != 1 {
		t.Errorf("counters after a duplicate result: %+v", got.Counters)
	}
}

func TestCommandEvents(t *testing.T) {
	nodes := cmdLinuxNodes(2)
	all := cmdNodeIDs(nodes)
	f := newCmdFixture(t, nodes)
	c := f.shell(all, func(in *ssm.SendCommandInput) { in.MaxConcurrency = "100%"; in.MaxErrors = "1" }, "uptime")
	f.runAll(c.CommandID, all, func(n string) (string, int) {
		if n == all[1] {
			return agentproto.StatusFailed, 1
		}
		return agentproto.StatusSuccess, 0
	})
	entries, err := f.db.ReadOutbox(f.ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	type seen struct{ kind, node, status string }
	var got []seen
	for _, e := range entries {
		ev := e.Event
		if ev.Source != "aws.ssm" || ev.Account != cmdAccount || ev.Region != cmdRegion || ev.ID == "" || !ev.Time.Equal(cmdT0) {
			t.Errorf("envelope %+v", ev)
		}
		var d map[string]any
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatal(err)
		}
		if d["command-id"] != c.CommandID || d["document-name"] != "AWS-RunShellScript" || d["requested-date-time"] != "2026-01-21T10:15:00.120Z" {
			t.Errorf("detail %s", ev.Detail)
		}
		switch ev.DetailType {
		case "EC2 Command Status-change Notification":
			if d["expire-after"] != "2026-01-21T12:15:00.120Z" || cmdJSON(d["parameters"]) != `{"commands":["uptime"]}` ||
				len(d) != 6 || len(ev.Resources) != 2 {
				t.Errorf("command event %s %v", ev.Detail, ev.Resources)
			}
			got = append(got, seen{"command", "", d["status"].(string)})
		case "EC2 Command Invocation Status-change Notification":
			node := d["instance-id"].(string)
			want := "arn:aws:ssm:" + cmdRegion + ":" + cmdAccount + ":managed-instance/" + node
			if len(d) != 5 || !slices.Equal(ev.Resources, []string{want}) {
				t.Errorf("invocation event %s %v", ev.Detail, ev.Resources)
			}
			got = append(got, seen{"invocation", node, d["status"].(string)})
		default:
			t.Errorf("unexpected event %s", ev.DetailType)
		}
	}
	want := []seen{
		{"command", "", "Pending"},
		{"invocation", all[0], "InProgress"}, {"command", "", "InProgress"},
		{"invocation", all[0], "Success"},
		{"invocation", all[1], "InProgress"},
		{"invocation", all[1], "Failed"}, {"command", "", "Failed"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n got %v\nwant %v", got, want)
	}
}

func TestRetentionPurge(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	f := newCmdFixture(t, nodes, func(o *ssm.CommandOptions) { o.Retention = 48 * time.Hour })
	old := f.shell(cmdNodeIDs(nodes), nil, "echo old")
	f.runAll(old.CommandID, cmdNodeIDs(nodes), func(string) (string, int) { return agentproto.StatusSuccess, 0 })
	if err := f.cmds.Output(f.ctx, nodes[0].id, agentproto.OutputRequest{CommandID: old.CommandID, Step: "aws:runShellScript", Stream: "stdout", Data: "x"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(24 * time.Hour)
	running := f.shell(cmdNodeIDs(nodes), func(in *ssm.SendCommandInput) { n := 2592000; in.TimeoutSeconds = &n }, "sleep 1d")
	f.clock.Advance(25 * time.Hour)
	if err := f.cmds.Sweep(f.ctx); err != nil {
		t.Fatal(err)
	}
	_, err := f.cmds.ListCommands(f.ctx, ssm.ListCommandsInput{CommandID: old.CommandID})
	cmdWantCode(t, err, ssm.CodeInvalidCommandID)
	_, err = f.cmds.GetCommandInvocation(f.ctx, ssm.GetCommandInvocationInput{CommandID: old.CommandID, InstanceID: nodes[0].id})
	cmdWantCode(t, err, ssm.CodeInvocationDoesNotExist)
	f.command(running.CommandID) // newer, and not done: kept
	// A command still running is never purged.
	f.clock.Advance(72 * time.Hour)
	if err := f.cmds.Sweep(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.command(running.CommandID)
}

func TestDefaultRetentionIs30Days(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	f := newCmdFixture(t, nodes)
	c := f.shell(cmdNodeIDs(nodes), nil, "true")
	f.runAll(c.CommandID, cmdNodeIDs(nodes), func(string) (string, int) { return agentproto.StatusSuccess, 0 })
	f.clock.Advance(29 * 24 * time.Hour)
	f.cmds.Sweep(f.ctx)
	f.command(c.CommandID)
	f.clock.Advance(2 * 24 * time.Hour)
	f.cmds.Sweep(f.ctx)
	_, err := f.cmds.ListCommands(f.ctx, ssm.ListCommandsInput{CommandID: c.CommandID})
	cmdWantCode(t, err, ssm.CodeInvalidCommandID)
}

func TestOutputViews(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	n := nodes[0].id
	f := newCmdFixture(t, nodes)
	f.createDoc("TwoSteps", `{"schemaVersion": "2.2", "mainSteps": [
		{"action": "aws:runShellScript", "name": "first", "inputs": {"runCommand": ["a"]}},
		{"action": "aws:runShellScript", "name": "second", "inputs": {"runCommand": ["b"]}}]}`)
	c := f.send(ssm.SendCommandInput{DocumentName: "TwoSteps", InstanceIDs: []string{n}})
	// Before it runs.
	_, err := f.cmds.GetCommandInvocation(f.ctx, ssm.GetCommandInvocationInput{CommandID: c.CommandID, InstanceID: n})
	cmdWantCode(t, err, ssm.CodeInvalidPluginName)
	_, err = f.cmds.GetCommandInvocation(f.ctx, ssm.GetCommandInvocationInput{CommandID: c.CommandID, InstanceID: n, PluginName: "third"})
	cmdWantCode(t, err, ssm.CodeInvalidPluginName)
	_, err = f.cmds.GetCommandInvocation(f.ctx, ssm.GetCommandInvocationInput{CommandID: c.CommandID, InstanceID: cmdNode(9), PluginName: "first"})
	cmdWantCode(t, err, ssm.CodeInvocationDoesNotExist)
	res, err := f.cmds.GetCommandInvocation(f.ctx, ssm.GetCommandInvocationInput{CommandID: c.CommandID, InstanceID: n, PluginName: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ResponseCode != -1 || res.Status != ssm.CmdPending || res.ExecutionStartDateTime != "" || res.StandardOutputContent != "" {
		t.Errorf("before running: %+v", res)
	}
	f.ack(n, c.CommandID)
	// Streamed output shows while the step runs.
	long := strings.Repeat("0123456789", 3000) // 30,000 characters
	errs := strings.Repeat("é", 9000)          // 9,000 characters, 18,000 bytes
	for off := 0; off < len(long); off += 4096 {
		if err := f.cmds.Output(f.ctx, n, agentproto.OutputRequest{CommandID: c.CommandID, Step: "first", Stream: "stdout",
			Offset: int64(off), Data: long[off:min(off+4096, len(long))]}); err != nil {
			t.Fatal(err)
		}
	}
	res, _ = f.cmds.GetCommandInvocation(f.ctx, ssm.GetCommandInvocationInput{CommandID: c.CommandID, InstanceID: n, PluginName: "first"})
	if res.Status != ssm.CmdInProgress || len(res.StandardOutputContent) != 24000 || res.StandardOutputContent != long[:24000] {
		t.Errorf("while running: status %s, %d characters", res.Status, len(res.StandardOutputContent))
	}
	req := agentproto.ResultRequest{CommandID: c.CommandID, Status: agentproto.StatusFailed, ResponseCode: 3, Steps: []agentproto.StepResult{
		{Name: "first", Status: agentproto.StatusSuccess, Stderr: errs, StartTime: cmdT0, EndTime: cmdT0.Add(2*time.Minute + 3500*time.Millisecond)},
		{Name: "second", Status: agentproto.StatusFailed, ResponseCode: 3, Stdout: "short", StartTime: cmdT0, EndTime: cmdT0},
	}}
	if err := f.cmds.Result(f.ctx, n, req); err != nil {
		t.Fatal(err)
	}
	res, _ = f.cmds.GetCommandInvocation(f.ctx, ssm.GetCommandInvocationInput{CommandID: c.CommandID, InstanceID: n, PluginName: "first"})
	if res.Status != ssm.CmdSuccess || len([]rune(res.StandardErrorContent)) != 8000 || res.ExecutionElapsedTime != "PT2M3.5S" {
		t.Errorf("first step: status %s, %d stderr characters, elapsed %s", res.Status, len([]rune(res.StandardErrorContent)), res.ExecutionElapsedTime)
	}
	res, _ = f.cmds.GetCommandInvocation(f.ctx, ssm.GetCommandInvocationInput{CommandID: c.CommandID, InstanceID: n, PluginName: "second"})
	if res.Status != ssm.CmdFailed || res.ResponseCode != 3 || res.StandardOutputContent != "short" || res.ExecutionElapsedTime != "PT0S" {
		t.Errorf("second step: %+v", res)
	}
	inv := f.invocations(c.CommandID, true)[n]
	if len(inv.Plugins) != 2 {
		t.Fatalf("plugins %+v", inv.Plugins)
	}
	first := inv.Plugins[0].Output
	if r := []rune(first); len(r) > 2500 || !strings.Contains(first, "\n---Output truncated---\n----------ERROR-------\n") ||
		!strings.HasSuffix(first, "\n---Error truncated----") {
		t.Errorf("first plugin output (%d characters) %q…", len([]rune(first)), first[:60])
	}
	if inv.Plugins[1].Output != "short" || inv.Plugins[1].ResponseCode != 3 || inv.Plugins[1].Status != ssm.CmdFailed {
		t.Errorf("second plugin %+v", inv.Plugins[1])
	}
	// The full output stays available.
	page, err := f.cmds.ReadOutput(f.ctx, c.CommandID, n, "first", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if page.Stdout != long || page.Stderr != errs || !page.Done {
		t.Errorf("full output: %d/%d bytes, done %v", len(page.Stdout), len(page.Stderr), page.Done)
	}
	// Without details, no plugins.
	if p := f.invocations(c.CommandID, false)[n].Plugins; len(p) != 0 {
		t.Errorf("plugins without details: %v", p)
	}
}

func TestReadOutputFollow(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	n := nodes[0].id
	f := newCmdFixture(t, nodes)
	c := f.shell([]string{n}, nil, "tail -f")
	f.ack(n, c.CommandID)
	type result struct {
		page *ssm.OutputPage
		err  error
	}
	done := make(chan result, 1)
	go func() {
		p, err := f.cmds.ReadOutput(f.ctx, c.CommandID, n, "", 0, 20*time.Second)
		done <- result{p, err}
	}()
	if err := f.cmds.Output(f.ctx, n, agentproto.OutputRequest{CommandID: c.CommandID, Step: "aws:runShellScript", Stream: "stdout", Data: "line 1\n"}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.page.Stdout != "line 1\n" || r.page.Done {
		t.Fatalf("follow = %+v, %v", r.page, r.err)
	}
	go func() {
		p, err := f.cmds.ReadOutput(f.ctx, c.CommandID, n, "", r.page.NextOffset, 20*time.Second)
		done <- result{p, err}
	}()
	f.finish(n, c.CommandID, agentproto.StatusSuccess, 0)
	r = <-done
	if r.err != nil || r.page.Stdout != "" || !r.page.Done || r.page.Status != ssm.CmdSuccess {
		t.Fatalf("after the result = %+v, %v", r.page, r.err)
	}
	_, err := f.cmds.ReadOutput(f.ctx, c.CommandID, n, "nope", 0, 0)
	cmdWantCode(t, err, ssm.CodeInvalidPluginName)
	_, err = f.cmds.ReadOutput(f.ctx, c.CommandID, cmdNode(42), "", 0, 0)
	cmdWantCode(t, err, ssm.CodeInvocationDoesNotExist)
}

func TestNodeDeregistered(t *testing.T) {
	nodes := cmdLinuxNodes(2)
	all := cmdNodeIDs(nodes)
	f := newCmdFixture(t, nodes)
	c := f.shell(all, func(in *ssm.SendCommandInput) { in.MaxConcurrency = "100%" }, "true")
	// The first node is dispatched but goes away before it polls.
	if err := f.cmds.NodeDeregistered(f.ctx, all[0]); err != nil {
		t.Fatal(err)
	}
	invs := f.invocations(c.CommandID, false)
	cmdWantStatus(t, "gone", invs[all[0]].Status, invs[all[0]].StatusDetails, ssm.CmdFailed, ssm.DetailUndeliverable)
	// Not an error: the ramp goes on with the second node.
	f.runAll(c.CommandID, all[1:], func(string) (string, int) { return agentproto.StatusSuccess, 0 })
	got := f.command(c.CommandID)
	cmdWantStatus(t, "command", got.Status, got.StatusDetails, ssm.CmdSuccess, ssm.CmdSuccess)
	cmdCounters(t, got, 2, 2, 0, 0)
}

func TestCommandSurvivesRestart(t *testing.T) {
	nodes := cmdLinuxNodes(1)
	f := newCmdFixture(t, nodes)
	path := t.TempDir() + "/restart.db"
	db, err := sqlite.Open(f.ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	first := ssm.NewCommands(db, f.dir, ssm.NewDocuments(db, f.env), f.params, f.notify, f.env, ssm.CommandOptions{})
	if err := ssm.NewDocuments(db, f.env).InstallBuiltins(f.ctx); err != nil {
		t.Fatal(err)
	}
	c, err := first.SendCommand(f.ctx, ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", InstanceIDs: cmdNodeIDs(nodes),
		Parameters: map[string][]string{"commands": {"true"}}})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	// Accepted before the "crash": the restarted server delivers it.
	db, err = sqlite.Open(f.ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	second := ssm.NewCommands(db, f.dir, ssm.NewDocuments(db, f.env), f.params, nil, f.env, ssm.CommandOptions{})
	msgs, err := second.Poll(f.ctx, nodes[0].id, agentproto.PollRequest{})
	if err != nil || len(msgs) != 1 || msgs[0].CommandID != c.CommandID {
		t.Fatalf("after restart poll = %+v, %v", msgs, err)
	}
	// A lost ack is recovered from the Running list.
	msgs, err = second.Poll(f.ctx, nodes[0].id, agentproto.PollRequest{Running: []string{c.CommandID}})
	if err != nil || len(msgs) != 0 {
		t.Fatalf("poll with running = %+v, %v", msgs, err)
	}
}

func TestOpenCloseLoop(t *testing.T) {
	f := newCmdFixture(t, cmdLinuxNodes(1), func(o *ssm.CommandOptions) { o.Tick = time.Millisecond })
	if err := f.cmds.Open(f.ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.cmds.Open(f.ctx); err == nil {
		t.Error("a second Open must fail")
	}
	if err := f.cmds.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.cmds.Close(); err != nil {
		t.Fatal(err)
	}
}
