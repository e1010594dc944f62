package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

var cmdTime = time.UnixMilli(1700000000123).UTC()

func cmdNodeID(i int) string { return fmt.Sprintf("mi-%017d", i) }

// cmdRecord is a command with every field set, sent to n nodes.
func cmdRecord(id string, at time.Time, n int) *ssm.CommandRecord {
	return &ssm.CommandRecord{
		CommandID: id, DocumentName: "AWS-RunShellScript", DocumentVersion: "$DEFAULT", SchemaVersion: "1.2",
		Steps:     []byte(`[{"name":"aws:runShellScript","action":"aws:runShellScript","inputs":{"runCommand":["uptime"]}}]`),
		StepNames: []string{"aws:runShellScript"}, SecureRefs: []string{"/s"}, Comment: "héllo",
		Parameters: map[string][]string{"commands": {"uptime"}}, InstanceIDs: []string{cmdNodeID(1)},
		Targets:     []ssm.Target{{Key: "tag:env", Values: []string{"a", "b"}}},
		RequestedAt: at, Deadline: at.Add(time.Hour), ExpiresAt: at.Add(2 * time.Hour), TimeoutSeconds: 3600, ExecutionTimeout: 3600,
		OutputS3Region: "us-east-1", OutputS3Bucket: "bucket", OutputS3Prefix: "p", MaxConcurrency: "50%", MaxErrors: "1",
		ConcurrencyLimit: max(1, n/2), ErrorLimit: 1, ServiceRole: "arn:aws:iam::000000000000:role/r",
		Notification:    ssm.NotificationConfig{NotificationArn: "arn:sns", NotificationEvents: []string{"Failed"}, NotificationType: "Command"},
		CloudWatch:      ssm.CloudWatchOutputConfig{CloudWatchLogGroupName: "/g", CloudWatchOutputEnabled: true},
		Alarms:          &ssm.AlarmConfiguration{IgnorePollAlarmFailure: true, Alarms: []string{"a"}},
		TriggeredAlarms: []ssm.AlarmState{{Name: "a", State: "ALARM"}},
		Status:          "Pending", StatusDetails: "Pending", Counters: ssm.CommandCounters{Target: n},
	}
}

func cmdInvocations(c *ssm.CommandRecord, n int) []*ssm.InvocationRecord {
	out := make([]*ssm.InvocationRecord, n)
	for i := range out {
		out[i] = &ssm.InvocationRecord{CommandID: c.CommandID, NodeID: cmdNodeID(i + 1), Seq: i, Status: "Pending",
			StatusDetails: "Pending", Offline: i == 1, RequestedAt: c.RequestedAt, ResponseCode: -1}
	}
	return out
}

func createCommand(t *testing.T, db *sqlstore.DB, c *ssm.CommandRecord, invs []*ssm.InvocationRecord, fn func(ssm.CommandTx) error) {
	t.Helper()
	if fn == nil {
		fn = func(ssm.CommandTx) error { return nil }
	}
	if err := db.CreateCommand(context.Background(), c, invs, fn); err != nil {
		t.Fatalf("CreateCommand: %v", err)
	}
}

func testCommands(t *testing.T, newDB NewDB) {
	t.Run("Engine", func(t *testing.T) { testCommandEngine(t, newDB(t)) })
	t.Run("Output", func(t *testing.T) { testCommandOutput(t, newDB(t)) })
	t.Run("List", func(t *testing.T) { testCommandList(t, newDB(t)) })
	t.Run("SweepAndPurge", func(t *testing.T) { testCommandSweep(t, newDB(t)) })
	t.Run("Notifications", func(t *testing.T) { testCommandNotifications(t, newDB(t)) })
}

func testCommandEngine(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	c := cmdRecord("11111111-1111-1111-1111-111111111111", cmdTime, 4)
	var dispatched []ssm.DispatchedNode
	createCommand(t, db, c, cmdInvocations(c, 4), func(tx ssm.CommandTx) error {
		cur, err := tx.Command(ctx)
		if err != nil {
			return err
		}
		if cur.Counters.Target != 4 || cur.ConcurrencyLimit != 2 || !slices.Equal(cur.StepNames, c.StepNames) {
			return fmt.Errorf("Command() in the creating transaction = %+v", cur)
		}
		dispatched, err = tx.Dispatch(ctx, 2, cmdTime)
		return err
	})
	slices.SortFunc(dispatched, func(a, b ssm.DispatchedNode) int { return cmpString(a.NodeID, b.NodeID) })
	if want := []ssm.DispatchedNode{{NodeID: cmdNodeID(1)}, {NodeID: cmdNodeID(2), Offline: true}}; !slices.Equal(dispatched, want) {
		t.Fatalf("Dispatch = %v, want %v (lowest seq first)", dispatched, want)
	}
	// Every field survives the round trip.
	got, err := db.GetCommand(ctx, c.CommandID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("GetCommand (-want +got):\n%s", diff)
	}
	if _, err := db.GetCommand(ctx, "nope"); !errors.Is(err, ssm.ErrCommandNotFound) {
		t.Errorf("GetCommand(missing) = %v", err)
	}
	_, inv, err := db.GetInvocation(ctx, c.CommandID, cmdNodeID(2))
	if err != nil || inv.Phase != ssm.PhaseDeliverable || inv.Status != "Delayed" || !inv.Offline || !inv.DispatchedAt.Equal(cmdTime) {
		t.Fatalf("dispatched offline invocation = %+v, %v", inv, err)
	}
	if _, _, err := db.GetInvocation(ctx, c.CommandID, cmdNodeID(9)); !errors.Is(err, ssm.ErrInvocationNotFound) {
		t.Errorf("GetInvocation(other node) = %v", err)
	}
	if err := db.UpdateCommand(ctx, "nope", func(ssm.CommandTx) error { return nil }); !errors.Is(err, ssm.ErrCommandNotFound) {
		t.Errorf("UpdateCommand(missing) = %v", err)
	}
	// Poll's view of each node.
	work, err := db.NodeWork(ctx, cmdNodeID(1))
	if err != nil || len(work) != 1 || work[0].Phase != ssm.PhaseDeliverable || string(work[0].Command.Steps) != string(c.Steps) ||
		!work[0].Command.Deadline.Equal(c.Deadline) {
		t.Fatalf("NodeWork = %+v, %v", work, err)
	}
	if work, _ := db.NodeWork(ctx, cmdNodeID(3)); len(work) != 0 {
		t.Errorf("a waiting invocation is not work: %+v", work)
	}
	// An ack and a result, with the counters and events in the same transaction.
	boom := errors.New("boom")
	err = db.UpdateCommand(ctx, c.CommandID, func(tx ssm.CommandTx) error {
		inv, err := tx.Invocation(ctx, cmdNodeID(1))
		if err != nil {
			return err
		}
		inv.Phase, inv.Status = ssm.PhaseRunning, "InProgress"
		if err := tx.UpdateInvocation(ctx, inv); err != nil {
			return err
		}
		return boom // rolled back
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateCommand = %v", err)
	}
	err = db.UpdateCommand(ctx, c.CommandID, func(tx ssm.CommandTx) error {
		inv, err := tx.Invocation(ctx, cmdNodeID(1))
		if err != nil {
			return err
		}
		if inv.Phase != ssm.PhaseDeliverable {
			return fmt.Errorf("rolled-back change visible: %+v", inv)
		}
		cur, err := tx.Command(ctx)
		if err != nil {
			return err
		}
		inv.Phase, inv.Status, inv.StatusDetails, inv.AckedAt, inv.FinishedAt, inv.ResponseCode =
			ssm.PhaseDone, "Success", "Success", cmdTime, cmdTime.Add(time.Second), 0
		if err := tx.UpdateInvocation(ctx, inv); err != nil {
			return err
		}
		if err := tx.PutSteps(ctx, inv.NodeID, []ssm.StepRecord{{Index: 0, Name: "aws:runShellScript", Action: "aws:runShellScript",
			Status: "Success", StatusDetails: "Success", StartedAt: cmdTime, EndedAt: cmdTime.Add(time.Second)}}); err != nil {
			return err
		}
		cur.Counters.Completed, cur.Counters.Success, cur.Counters.Acked, cur.Status = 1, 1, 1, "InProgress"
		cur.SecureRefs = append(cur.SecureRefs, "/t")
		if err := tx.SaveCommand(ctx, cur); err != nil {
			return err
		}
		nodes, err := tx.NodeIDs(ctx)
		if err != nil || len(nodes) != 4 || nodes[0] != cmdNodeID(1) {
			return fmt.Errorf("NodeIDs = %v, %v", nodes, err)
		}
		return tx.AppendEvents(ctx, []*steward.Event{
			{ID: "e1", Time: cmdTime, Source: "aws.ssm", DetailType: "EC2 Command Invocation Status-change Notification",
				Account: "000000000000", Region: "us-east-1", Resources: []string{"arn:x"}, Detail: json.RawMessage(`{"status":"Success"}`)},
			{ID: "e2", Time: cmdTime, Source: "aws.ssm", DetailType: "EC2 Command Status-change Notification",
				Account: "000000000000", Region: "us-east-1", Resources: []string{}, Detail: json.RawMessage(`{}`)},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	events, err := db.ReadOutbox(ctx, 0, 10)
	if err != nil || len(events) != 2 || events[0].Event.ID != "e1" || string(events[0].Event.Detail) != `{"status":"Success"}` {
		t.Fatalf("outbox = %+v, %v", events, err)
	}
	got, _ = db.GetCommand(ctx, c.CommandID)
	if got.Counters.Completed != 1 || got.Counters.Success != 1 || got.Status != "InProgress" || !slices.Equal(got.SecureRefs, []string{"/s", "/t"}) {
		t.Errorf("saved command = %+v", got)
	}
	steps, err := db.InvocationSteps(ctx, []ssm.InvocationKey{{CommandID: c.CommandID, NodeID: cmdNodeID(1)}, {CommandID: c.CommandID, NodeID: cmdNodeID(2)}})
	if err != nil || len(steps) != 1 {
		t.Fatalf("InvocationSteps = %v, %v", steps, err)
	}
	if s := steps[ssm.InvocationKey{CommandID: c.CommandID, NodeID: cmdNodeID(1)}]; len(s) != 1 || s[0].Status != "Success" || !s[0].EndedAt.Equal(cmdTime.Add(time.Second)) {
		t.Errorf("steps = %+v", s)
	}
	// Set-based transitions: from given phases, optionally for given nodes.
	err = db.UpdateCommand(ctx, c.CommandID, func(tx ssm.CommandTx) error {
		ids, err := tx.Transition(ctx, []ssm.InvocationPhase{ssm.PhaseDeliverable}, nil,
			ssm.InvocationState{Phase: ssm.PhaseCancelling, Status: "Cancelling", StatusDetails: "Cancelling"})
		if err != nil || !slices.Equal(ids, []string{cmdNodeID(2)}) {
			return fmt.Errorf("Transition(deliverable) = %v, %v", ids, err)
		}
		ids, err = tx.Transition(ctx, []ssm.InvocationPhase{ssm.PhaseWaiting}, []string{cmdNodeID(4), cmdNodeID(1)},
			ssm.InvocationState{Phase: ssm.PhaseDone, Status: "Cancelled", StatusDetails: "Cancelled", At: cmdTime})
		if err != nil || !slices.Equal(ids, []string{cmdNodeID(4)}) {
			return fmt.Errorf("Transition(waiting, nodes) = %v, %v", ids, err)
		}
		if ids, err := tx.Transition(ctx, []ssm.InvocationPhase{ssm.PhaseWaiting}, []string{}, ssm.InvocationState{Phase: ssm.PhaseDone}); err != nil || len(ids) != 0 {
			return fmt.Errorf("Transition(no nodes) = %v, %v", ids, err)
		}
		inv, err := tx.Invocation(ctx, cmdNodeID(4))
		if err != nil || inv.Phase != ssm.PhaseDone || !inv.FinishedAt.Equal(cmdTime) {
			return fmt.Errorf("Invocation = %+v, %v", inv, err)
		}
		if inv, err := tx.Invocation(ctx, cmdNodeID(9)); inv != nil || err != nil {
			return fmt.Errorf("Invocation(other) = %+v, %v", inv, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	work, _ = db.NodeWork(ctx, cmdNodeID(2))
	if len(work) != 1 || work[0].Phase != ssm.PhaseCancelling {
		t.Errorf("a cancel is work: %+v", work)
	}
	ids, err := db.NodeInvocations(ctx, cmdNodeID(3), []ssm.InvocationPhase{ssm.PhaseWaiting, ssm.PhaseDeliverable})
	if err != nil || !slices.Equal(ids, []string{c.CommandID}) {
		t.Errorf("NodeInvocations = %v, %v", ids, err)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testCommandOutput(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	c := cmdRecord("22222222-2222-2222-2222-222222222222", cmdTime, 1)
	createCommand(t, db, c, cmdInvocations(c, 1), nil)
	key := ssm.InvocationKey{CommandID: c.CommandID, NodeID: cmdNodeID(1)}
	put := func(stream string, off int64, data string) {
		t.Helper()
		if err := db.AppendOutput(ctx, key, "s", stream, off, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	put("stdout", 0, "hello ")
	put("stdout", 0, "hello ") // a retry
	put("stdout", 11, "!\n")   // after a gap
	put("stderr", 0, "err\x00\xff")
	put("stdout", 3, "lo world") // fills the gap, overlapping both sides
	if err := db.AppendOutput(ctx, ssm.InvocationKey{CommandID: c.CommandID, NodeID: cmdNodeID(9)}, "s", "stdout", 0, []byte("x")); !errors.Is(err, ssm.ErrInvocationNotFound) {
		t.Errorf("AppendOutput(other node) = %v", err)
	}
	// Inside a command transaction too (Result merges there).
	err := db.UpdateCommand(ctx, c.CommandID, func(tx ssm.CommandTx) error {
		return tx.AppendOutput(ctx, cmdNodeID(1), "s", "stdout", 0, []byte("hello world!\nmore"))
	})
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := db.ReadStream(ctx, key, "s", "stdout", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	var end int64
	for _, ch := range chunks {
		if ch.Offset != end {
			t.Fatalf("chunks overlap or leave a gap: %+v", chunks)
		}
		all = append(all, ch.Data...)
		end += int64(len(ch.Data))
	}
	if string(all) != "hello world!\nmore" {
		t.Errorf("stdout = %q", all)
	}
	if chunks, _ := db.ReadStream(ctx, key, "s", "stdout", 3); len(chunks) != 1 {
		t.Errorf("ReadStream stops at maxBytes: %d chunks", len(chunks))
	}
	// Arrival order, from a cursor.
	seq, err := db.ReadOutput(ctx, key, "", 0, 1<<20)
	if err != nil || len(seq) != 5 || seq[0].Stream != "stdout" || string(seq[2].Data) != "err\x00\xff" {
		t.Fatalf("ReadOutput = %+v, %v", seq, err)
	}
	rest, err := db.ReadOutput(ctx, key, "s", seq[2].Seq, 1<<20)
	if err != nil || len(rest) != 2 || rest[0].Seq != seq[3].Seq {
		t.Errorf("ReadOutput after a cursor = %+v, %v", rest, err)
	}
	if none, _ := db.ReadOutput(ctx, key, "other", 0, 1<<20); len(none) != 0 {
		t.Errorf("another step: %+v", none)
	}
	heads, err := db.OutputHeads(ctx, []ssm.InvocationKey{key}, 8)
	if err != nil || len(heads[key]) != 3 {
		t.Errorf("OutputHeads below 8 bytes = %+v, %v", heads[key], err)
	}
}

func testCommandList(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		c := cmdRecord(fmt.Sprintf("%08d-0000-0000-0000-000000000000", i), cmdTime.Add(time.Duration(i)*time.Minute), 2)
		c.Done = i%2 == 0
		if c.Done {
			c.Status, c.StatusDetails = "Success", "Success"
		}
		if i == 4 {
			c.DocumentName = "Other"
		}
		invs := cmdInvocations(c, 2)
		if i == 3 {
			invs[1].NodeID = cmdNodeID(7)
		}
		createCommand(t, db, c, invs, nil)
		ids = append(ids, c.CommandID)
	}
	page := func(q ssm.CommandQuery) []string {
		t.Helper()
		var out []string
		for {
			cmds, next, err := db.ListCommands(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cmds {
				out = append(out, c.CommandID)
			}
			if next == "" {
				return out
			}
			q.Token = next
		}
	}
	done, running := true, false
	for _, tc := range []struct {
		q    ssm.CommandQuery
		want []string
	}{
		{ssm.CommandQuery{Limit: 2}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{ssm.CommandQuery{Limit: 50, CommandID: ids[1]}, []string{ids[1]}},
		{ssm.CommandQuery{Limit: 1, NodeID: cmdNodeID(7)}, []string{ids[3]}},
		{ssm.CommandQuery{Limit: 1, NodeID: cmdNodeID(2)}, []string{ids[4], ids[2], ids[1], ids[0]}},
		{ssm.CommandQuery{Limit: 50, Done: &done}, []string{ids[4], ids[2], ids[0]}},
		{ssm.CommandQuery{Limit: 50, Done: &running, Statuses: []string{"Pending"}}, []string{ids[3], ids[1]}},
		{ssm.CommandQuery{Limit: 50, Details: []string{"Success"}, DocumentName: "AWS-RunShellScript"}, []string{ids[2], ids[0]}},
		{ssm.CommandQuery{Limit: 50, After: cmdTime.Add(time.Minute), Before: cmdTime.Add(3 * time.Minute)}, []string{ids[2], ids[1]}},
	} {
		if got := page(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("ListCommands(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if _, _, err := db.ListCommands(ctx, ssm.CommandQuery{Limit: 1, Token: "bogus"}); !errors.Is(err, ssm.ErrInvalidNextToken) {
		t.Errorf("bad token: %v", err)
	}
	listInv := func(q ssm.InvocationQuery) []string {
		t.Helper()
		var out []string
		for {
			rows, next, err := db.ListInvocations(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if r.Command == nil || r.Command.CommandID != r.Invocation.CommandID {
					t.Fatalf("row %+v", r)
				}
				out = append(out, r.Invocation.CommandID[:8]+"/"+r.Invocation.NodeID[len(r.Invocation.NodeID)-1:])
			}
			if next == "" {
				return out
			}
			q.Token = next
		}
	}
	if got := listInv(ssm.InvocationQuery{Limit: 3}); !slices.Equal(got, []string{"00000004/1", "00000004/2", "00000003/1", "00000003/7",
		"00000002/1", "00000002/2", "00000001/1", "00000001/2", "00000000/1", "00000000/2"}) {
		t.Errorf("ListInvocations = %v", got)
	}
	if got := listInv(ssm.InvocationQuery{Limit: 1, CommandID: ids[3]}); !slices.Equal(got, []string{"00000003/1", "00000003/7"}) {
		t.Errorf("ListInvocations(command) = %v", got)
	}
	if got := listInv(ssm.InvocationQuery{Limit: 50, NodeID: cmdNodeID(7), Statuses: []string{"Pending"}}); !slices.Equal(got, []string{"00000003/7"}) {
		t.Errorf("ListInvocations(node) = %v", got)
	}
	if got := listInv(ssm.InvocationQuery{Limit: 50, DocumentName: "Other", Details: []string{"Pending"}}); !slices.Equal(got, []string{"00000004/1", "00000004/2"}) {
		t.Errorf("ListInvocations(document) = %v", got)
	}
	if _, _, err := db.ListInvocations(ctx, ssm.InvocationQuery{Limit: 1, Token: "bogus"}); !errors.Is(err, ssm.ErrInvalidNextToken) {
		t.Errorf("bad token: %v", err)
	}
}

func testCommandSweep(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	old := cmdRecord("33333333-3333-3333-3333-333333333333", cmdTime, 1)
	old.Done, old.Status = true, "Success"
	createCommand(t, db, old, cmdInvocations(old, 1), nil)
	if err := db.AppendOutput(ctx, ssm.InvocationKey{CommandID: old.CommandID, NodeID: cmdNodeID(1)}, "s", "stdout", 0, []byte("x")); err != nil {
		t.Fatal(err)
	}
	live := cmdRecord("44444444-4444-4444-4444-444444444444", cmdTime, 1)
	createCommand(t, db, live, cmdInvocations(live, 1), nil)
	empty := cmdRecord("55555555-5555-5555-5555-555555555555", cmdTime.Add(time.Hour), 0)
	empty.ExpiresAt = cmdTime.Add(9 * time.Hour)
	createCommand(t, db, empty, nil, nil)
	due, err := db.DueCommands(ctx, cmdTime.Add(time.Hour), 10)
	if err != nil || !slices.Equal(due, []string{empty.CommandID}) {
		t.Errorf("DueCommands(before expiry) = %v, %v (the command without targets is due)", due, err)
	}
	due, _ = db.DueCommands(ctx, cmdTime.Add(2*time.Hour), 10)
	if !slices.Equal(due, []string{live.CommandID, empty.CommandID}) {
		t.Errorf("DueCommands(at expiry) = %v", due)
	}
	n, err := db.PurgeCommands(ctx, cmdTime.Add(time.Millisecond), 10)
	if err != nil || n != 1 {
		t.Fatalf("PurgeCommands = %d, %v", n, err)
	}
	if _, err := db.GetCommand(ctx, old.CommandID); !errors.Is(err, ssm.ErrCommandNotFound) {
		t.Errorf("purged command still there: %v", err)
	}
	if chunks, _ := db.ReadOutput(ctx, ssm.InvocationKey{CommandID: old.CommandID, NodeID: cmdNodeID(1)}, "", 0, 100); len(chunks) != 0 {
		t.Errorf("purged output still there: %v", chunks)
	}
	if _, err := db.GetCommand(ctx, live.CommandID); err != nil {
		t.Errorf("a command not done is kept: %v", err)
	}
	if n, _ := db.PurgeCommands(ctx, cmdTime.Add(time.Millisecond), 10); n != 0 {
		t.Errorf("second purge removed %d", n)
	}
}
