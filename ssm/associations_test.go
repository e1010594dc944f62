package ssm_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

type assocFixture struct {
	*cmdFixture
	assocs *ssm.Associations
}

func newAssocFixture(t *testing.T, nodes []cmdNodeSpec) *assocFixture {
	f := newCmdFixture(t, nodes)
	return &assocFixture{cmdFixture: f,
		assocs: ssm.NewAssociations(sqlstore.NewAssociationsStore(f.db), f.dir, f.docs, f.cmds, f.env, ssm.AssociationOptions{})}
}

func (f *assocFixture) tick() {
	f.t.Helper()
	if err := f.assocs.Tick(f.ctx); err != nil {
		f.t.Fatalf("Tick: %v", err)
	}
}

func (f *assocFixture) create(in ssm.AssociationInput) *ssm.AssociationDescription {
	f.t.Helper()
	if in.Name == "" {
		in.Name = "AWS-RunShellScript"
	}
	if in.Parameters == nil {
		in.Parameters = map[string][]string{"commands": {"echo hi"}}
	}
	d, err := f.assocs.CreateAssociation(f.ctx, in)
	if err != nil {
		f.t.Fatalf("CreateAssociation: %v", err)
	}
	return d
}

func (f *assocFixture) statuses(node string) []*ssm.AssociationTarget {
	f.t.Helper()
	ts, _, err := f.assocs.DescribeInstanceAssociationsStatus(f.ctx, node, nil, "")
	if err != nil {
		f.t.Fatalf("DescribeInstanceAssociationsStatus(%s): %v", node, err)
	}
	return ts
}

// execution returns the newest execution of an association.
func (f *assocFixture) executions(id string) []*ssm.AssociationExecution {
	f.t.Helper()
	es, _, err := f.assocs.DescribeAssociationExecutions(f.ctx, id, false, nil, "")
	if err != nil {
		f.t.Fatalf("DescribeAssociationExecutions: %v", err)
	}
	return es
}

// assocEvents returns the State Manager events in the outbox with their
// details.
func (f *assocFixture) assocEvents(detailType string) []map[string]any {
	f.t.Helper()
	out, err := f.db.ReadOutbox(f.ctx, 0, 10000)
	if err != nil {
		f.t.Fatal(err)
	}
	var got []map[string]any
	for _, e := range out {
		if e.Event.DetailType != detailType {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(e.Event.Detail, &d); err != nil {
			f.t.Fatal(err)
		}
		got = append(got, d)
	}
	return got
}

func TestAssociationRunsAndFollowsInvocations(t *testing.T) {
	f := newAssocFixture(t, cmdLinuxNodes(3))
	nodes := []string{cmdNode(1), cmdNode(2), cmdNode(3)}
	d := f.create(ssm.AssociationInput{Targets: []ssm.Target{{Key: "tag:env", Values: []string{"test"}}},
		ScheduleExpression: "rate(30 minutes)", AssociationName: "every-half-hour"})
	if d.Status != ssm.AssocPending || d.Version != 1 || d.MaxConcurrency != "50" || d.MaxErrors != "100%" {
		t.Fatalf("created %+v", d)
	}
	f.tick()
	es := f.executions(d.AssociationID)
	if len(es) != 1 || es[0].CommandID == "" || es[0].Status != ssm.AssocPending {
		t.Fatalf("executions after the first tick: %+v", es)
	}
	for _, n := range nodes {
		if ts := f.statuses(n); len(ts) != 1 || ts[0].Status != ssm.AssocPending {
			t.Fatalf("%s before running: %+v", n, ts[0])
		}
	}
	cmd := f.command(es[0].CommandID)
	if cmd.Counters.Target != 3 || cmd.MaxErrors != "100%" || cmd.Targets[0].Key != "tag:env" {
		t.Fatalf("command %+v", cmd)
	}
	f.runAll(cmd.CommandID, nodes, func(n string) (string, int) {
		if n == cmdNode(3) {
			return "Failed", 1
		}
		return "Success", 0
	})
	f.tick()
	for _, n := range nodes {
		ts := f.statuses(n)
		want := ssm.AssocSuccess
		if n == cmdNode(3) {
			want = ssm.AssocFailed
		}
		if len(ts) != 1 || ts[0].Status != want || ts[0].AssociationName != "every-half-hour" || ts[0].ExecutionSummary == "" {
			t.Fatalf("%s after running: %+v", n, ts[0])
		}
	}
	es = f.executions(d.AssociationID)
	if es[0].Status != ssm.AssocFailed || es[0].Counts["Success"] != 2 || es[0].Counts["Failed"] != 1 ||
		ssm.ResourceCountByStatus(es[0].Counts) != "{Failed=1, Success=2}" {
		t.Fatalf("execution %+v", es[0])
	}
	ae := f.assocEvents("EC2 State Manager Association State Change")
	if len(ae) != 1 || ae[0]["status"] != "Failed" || ae[0]["association-status-aggregated-count"] != `{"Failed":1,"Success":2}` ||
		ae[0]["document-version"] != "Optional.empty" || ae[0]["targets"] != `[{"key":"tag:env","values":["test"]}]` ||
		ae[0]["schedule-expression"] != "rate(30 minutes)" {
		t.Fatalf("association events %v", ae)
	}
	ie := f.assocEvents("EC2 State Manager Instance Association State Change")
	final := 0
	for _, e := range ie {
		if e["status"] == "Success" || e["status"] == "Failed" {
			final++
		}
	}
	if final != 3 {
		t.Fatalf("instance association events %v", ie)
	}
	targets, _, err := f.assocs.DescribeAssociationExecutionTargets(f.ctx, d.AssociationID, es[0].ExecutionID, nil, nil, "")
	if err != nil || len(targets) != 3 || targets[0].CommandID != cmd.CommandID {
		t.Fatalf("targets = %v, %v", targets, err)
	}
	got, err := f.assocs.DescribeAssociation(f.ctx, d.AssociationID, "", "", "")
	if err != nil || got.Status != ssm.AssocFailed || got.Counts["Success"] != 2 || got.LastExecution.IsZero() {
		t.Fatalf("describe = %+v, %v", got, err)
	}

	// Not due yet; due after 30 minutes.
	f.tick()
	if n := len(f.executions(d.AssociationID)); n != 1 {
		t.Fatalf("%d executions before the rate elapsed", n)
	}
	f.clock.Advance(30 * time.Minute)
	f.tick()
	if n := len(f.executions(d.AssociationID)); n != 2 {
		t.Fatalf("%d executions after the rate elapsed", n)
	}

	// StartAssociationsOnce runs it now.
	if err := f.assocs.StartAssociationsOnce(f.ctx, []string{d.AssociationID}); err != nil {
		t.Fatal(err)
	}
	f.tick()
	if n := len(f.executions(d.AssociationID)); n != 3 {
		t.Fatalf("%d executions after StartAssociationsOnce", n)
	}

	// UpdateAssociation: a new version that runs now.
	u, err := f.assocs.UpdateAssociation(f.ctx, d.AssociationID, "1", ssm.AssociationInput{
		Parameters: map[string][]string{"commands": {"echo v2"}}, ScheduleExpression: "rate(1 day)"})
	if err != nil || u.Version != 2 || u.AssociationName != "every-half-hour" || u.MaxErrors != "100%" {
		t.Fatalf("update = %+v, %v", u, err)
	}
	_, err = f.assocs.UpdateAssociation(f.ctx, d.AssociationID, "1", ssm.AssociationInput{Parameters: map[string][]string{"commands": {"x"}}})
	wantCode(t, "stale update", err, ssm.CodeInvalidAssociationVersion)
	f.tick()
	es = f.executions(d.AssociationID)
	if len(es) != 4 || es[0].Version != 2 {
		t.Fatalf("after update: %+v", es[0])
	}
	vs, _, err := f.assocs.ListAssociationVersions(f.ctx, d.AssociationID, nil, "")
	if err != nil || len(vs) != 2 || vs[0].ScheduleExpression != "rate(30 minutes)" {
		t.Fatalf("versions = %v, %v", vs, err)
	}

	// A node that starts matching runs it at the next target check.
	f.dir.mu.Lock()
	f.dir.nodes[cmdNode(4)] = cmdNodeSpec{id: cmdNode(4), platform: "Linux", ping: "Online", tags: map[string]string{"env": "test"}}
	f.dir.mu.Unlock()
	f.clock.Advance(time.Minute)
	f.tick()
	if ts := f.statuses(cmdNode(4)); len(ts) != 1 || ts[0].Version != 2 {
		t.Fatalf("new node: %+v", ts)
	}

	if err := f.assocs.DeleteAssociation(f.ctx, d.AssociationID, "", ""); err != nil {
		t.Fatal(err)
	}
	if ts := f.statuses(cmdNode(1)); len(ts) != 0 {
		t.Fatalf("statuses after delete: %v", ts)
	}
	_, err = f.assocs.DescribeAssociation(f.ctx, d.AssociationID, "", "", "")
	wantCode(t, "describe deleted", err, ssm.CodeAssociationDoesNotExist)
}

func TestAssociationPerNodeLimit(t *testing.T) {
	f := newAssocFixture(t, cmdLinuxNodes(2))
	var ids []string
	for i := range 21 {
		d := f.create(ssm.AssociationInput{Targets: []ssm.Target{{Key: "InstanceIds", Values: []string{cmdNode(1), cmdNode(2)}}}})
		ids = append(ids, d.AssociationID)
		if i < 20 {
			f.tick() // run in creation order
		}
	}
	f.tick()
	for _, n := range []string{cmdNode(1), cmdNode(2)} {
		ts := f.statuses(n)
		limited := 0
		for _, s := range ts {
			if s.DetailedStatus == ssm.AssocLimitHit {
				limited++
				if s.Status != ssm.AssocFailed || s.AssociationID != ids[20] {
					t.Fatalf("limited status %+v", s)
				}
			}
		}
		if len(ts) != 21 || limited != 1 {
			t.Fatalf("%s: %d statuses, %d limited", n, len(ts), limited)
		}
	}
	es := f.executions(ids[20])
	if len(es) != 1 || es[0].Status != ssm.AssocFailed || es[0].Counts[ssm.AssocLimitHit] != 2 || es[0].CommandID != "" {
		t.Fatalf("limited execution %+v", es[0])
	}
	limitedEvents := 0
	for _, e := range f.assocEvents("EC2 State Manager Instance Association State Change") {
		if e["detailed-status"] == ssm.AssocLimitHit && e["association-id"] == ids[20] {
			limitedEvents++
		}
	}
	if limitedEvents != 2 {
		t.Fatalf("%d LimitExceeded events, want 2", limitedEvents)
	}
	// One goes: the 21st gets in at its next run.
	if err := f.assocs.DeleteAssociation(f.ctx, ids[0], "", ""); err != nil {
		t.Fatal(err)
	}
	if err := f.assocs.StartAssociationsOnce(f.ctx, []string{ids[20]}); err != nil {
		t.Fatal(err)
	}
	f.tick()
	for _, s := range f.statuses(cmdNode(1)) {
		if s.DetailedStatus == ssm.AssocLimitHit {
			t.Fatalf("still limited: %+v", s)
		}
	}
}

func TestAssociationApplyOnlyAtCronInterval(t *testing.T) {
	f := newAssocFixture(t, cmdLinuxNodes(1))
	// cmdT0 is 10:15 UTC; the cron fires daily at 12:00.
	d := f.create(ssm.AssociationInput{Targets: []ssm.Target{{Key: "InstanceIds", Values: []string{cmdNode(1)}}},
		ScheduleExpression: "cron(0 12 * * ? *)", ApplyOnlyAtCronInterval: true})
	f.tick()
	if n := len(f.executions(d.AssociationID)); n != 0 {
		t.Fatalf("%d executions before the cron time", n)
	}
	f.clock.Set(time.Date(2026, 1, 21, 12, 0, 0, 0, time.UTC))
	f.tick()
	if n := len(f.executions(d.AssociationID)); n != 1 {
		t.Fatalf("%d executions at the cron time", n)
	}
}

func TestAssociationValidation(t *testing.T) {
	f := newAssocFixture(t, cmdLinuxNodes(1))
	tg := []ssm.Target{{Key: "InstanceIds", Values: []string{cmdNode(1)}}}
	cmds := map[string][]string{"commands": {"true"}}
	for _, tc := range []struct {
		name string
		in   ssm.AssociationInput
		code string
	}{
		{"no name", ssm.AssociationInput{Targets: tg}, steward.CodeValidation},
		{"unknown document", ssm.AssociationInput{Name: "Nope-Doc", Targets: tg}, ssm.CodeInvalidDocument},
		{"no targets", ssm.AssociationInput{Name: "AWS-RunShellScript", Parameters: cmds}, ssm.CodeInvalidTarget},
		{"both forms", ssm.AssociationInput{Name: "AWS-RunShellScript", Parameters: cmds, Targets: tg, InstanceID: cmdNode(1)}, ssm.CodeInvalidTarget},
		{"resource group", ssm.AssociationInput{Name: "AWS-RunShellScript", Parameters: cmds, Targets: []ssm.Target{{Key: "resource-groups:Name", Values: []string{"g"}}}}, ssm.CodeInvalidTarget},
		{"too frequent", ssm.AssociationInput{Name: "AWS-RunShellScript", Parameters: cmds, Targets: tg, ScheduleExpression: "rate(5 minutes)"}, ssm.CodeInvalidSchedule},
		{"rate and cron interval", ssm.AssociationInput{Name: "AWS-RunShellScript", Parameters: cmds, Targets: tg, ScheduleExpression: "rate(1 hour)", ApplyOnlyAtCronInterval: true}, ssm.CodeInvalidSchedule},
		{"offset without cron interval", ssm.AssociationInput{Name: "AWS-RunShellScript", Parameters: cmds, Targets: tg, ScheduleExpression: "cron(0 2 ? * SUN *)", ScheduleOffset: new(int)}, steward.CodeValidation},
		{"bad max errors", ssm.AssociationInput{Name: "AWS-RunShellScript", Parameters: cmds, Targets: tg, MaxErrors: "x"}, steward.CodeValidation},
		{"bad severity", ssm.AssociationInput{Name: "AWS-RunShellScript", Parameters: cmds, Targets: tg, ComplianceSeverity: "SEVERE"}, steward.CodeValidation},
		{"missing parameter", ssm.AssociationInput{Name: "AWS-RunShellScript", Targets: tg}, ssm.CodeInvalidParameters},
		{"unsupported member", ssm.AssociationInput{Name: "AWS-RunShellScript", Parameters: cmds, Targets: tg, Unsupported: "Duration"}, steward.CodeValidation},
	} {
		_, err := f.assocs.CreateAssociation(f.ctx, tc.in)
		wantCode(t, tc.name, err, tc.code)
	}
	legacy := ssm.AssociationInput{Name: "AWS-RunShellScript", Parameters: cmds, InstanceID: cmdNode(1)}
	d := f.create(legacy)
	_, err := f.assocs.CreateAssociation(f.ctx, legacy)
	wantCode(t, "duplicate legacy association", err, ssm.CodeAssociationAlreadyExists)
	if got, err := f.assocs.DescribeAssociation(f.ctx, "", "AWS-RunShellScript", cmdNode(1), ""); err != nil || got.AssociationID != d.AssociationID {
		t.Fatalf("describe by name and node = %v, %v", got, err)
	}
	_, err = f.assocs.DescribeAssociation(f.ctx, "00000000-0000-0000-0000-000000000000", "", "", "")
	wantCode(t, "describe missing", err, ssm.CodeAssociationDoesNotExist)
	_, err = f.assocs.DescribeAssociation(f.ctx, d.AssociationID, "", "", "7")
	wantCode(t, "describe missing version", err, ssm.CodeInvalidAssociationVersion)
	err = f.assocs.StartAssociationsOnce(f.ctx, []string{"not-an-id"})
	wantCode(t, "start once bad id", err, ssm.CodeInvalidAssociation)
	_, _, err = f.assocs.ListAssociations(f.ctx, nil, nil, "garbage")
	wantCode(t, "bad token", err, ssm.CodeInvalidNextToken)

	ok, failed, err := f.assocs.CreateAssociationBatch(f.ctx, []ssm.AssociationInput{
		{Name: "AWS-RunShellScript", Parameters: cmds, Targets: tg},
		{Name: "AWS-RunShellScript", Parameters: cmds, Targets: tg, ScheduleExpression: "rate(1 minute)"},
	})
	if err != nil || len(ok) != 1 || len(failed) != 1 || failed[0].Index != 1 || failed[0].Fault != "Client" {
		t.Fatalf("batch = %v, %v, %v", ok, failed, err)
	}
	list, next, err := f.assocs.ListAssociations(f.ctx, []ssm.AssociationFilter{{Key: "Name", Value: "AWS-RunShellScript"}}, new(int), "")
	_ = list
	wantCode(t, "MaxResults 0", err, steward.CodeValidation)
	one := 1
	list, next, err = f.assocs.ListAssociations(f.ctx, []ssm.AssociationFilter{{Key: "Name", Value: "AWS-RunShellScript"}}, &one, "")
	if err != nil || len(list) != 1 || next == "" {
		t.Fatalf("page 1 = %v, %q, %v", list, next, err)
	}
	list, next, err = f.assocs.ListAssociations(f.ctx, nil, &one, next)
	if err != nil || len(list) != 1 || next != "" {
		t.Fatalf("page 2 = %v, %q, %v", list, next, err)
	}
}
