package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

func testAssociations(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *sqlstore.DB, *sqlstore.AssociationsStore)
	}{
		{"CreateUpdateDelete", assocCRUD},
		{"Claim", assocClaim},
		{"ClaimConcurrent", assocClaimConcurrent},
		{"Executions", assocExecutions},
		{"PerNodeLimit", assocPerNodeLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			tc.run(t, db, sqlstore.NewAssociationsStore(db))
		})
	}
}

var assocT0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func testAssoc(id string, next time.Time) *ssm.Association {
	off := 2
	return &ssm.Association{AssociationID: id, Version: 1, Name: "AWS-RunShellScript", AssociationName: "patch-düsseldorf",
		Parameters: map[string][]string{"commands": {"echo ✓"}}, Targets: []ssm.Target{{Key: "tag:env", Values: []string{"prod"}}},
		ScheduleExpression: "cron(0 2 ? * SUN *)", ScheduleOffset: &off, ApplyOnlyAtCronInterval: true,
		MaxConcurrency: "50", MaxErrors: "100%", SyncCompliance: "AUTO",
		OutputLocation: &ssm.S3OutputLocation{OutputS3BucketName: "logs"}, Created: assocT0, Updated: assocT0, NextRun: next}
}

func assocCRUD(t *testing.T, db *sqlstore.DB, s *sqlstore.AssociationsStore) {
	ctx := context.Background()
	a := testAssoc("11111111-1111-1111-1111-111111111111", assocT0)
	if err := s.CreateAssociation(ctx, a, 2); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAssociation(ctx, a.AssociationID)
	if err != nil || got.AssociationName != a.AssociationName || *got.ScheduleOffset != 2 || !got.NextRun.Equal(assocT0) ||
		got.Parameters["commands"][0] != "echo ✓" || got.OutputLocation.OutputS3BucketName != "logs" || got.Targets[0].Key != "tag:env" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	legacy := testAssoc("22222222-2222-2222-2222-222222222222", time.Time{})
	legacy.Targets, legacy.InstanceID = nil, "mi-00000000000000001"
	if err := s.CreateAssociation(ctx, legacy, 2); err != nil {
		t.Fatal(err)
	}
	dup := testAssoc("33333333-3333-3333-3333-333333333333", time.Time{})
	dup.Targets, dup.InstanceID = nil, "mi-00000000000000001"
	if err := s.CreateAssociation(ctx, dup, 3); !errors.Is(err, ssm.ErrAssociationExists) {
		t.Fatalf("duplicate legacy association: %v", err)
	}
	if err := s.CreateAssociation(ctx, testAssoc("44444444-4444-4444-4444-444444444444", time.Time{}), 2); !errors.Is(err, ssm.ErrAssociationLimit) {
		t.Fatalf("over the limit: %v", err)
	}
	v2 := *a
	v2.Version, v2.MaxErrors = 2, "0"
	if err := s.UpdateAssociation(ctx, &v2, 1); err != nil {
		t.Fatal(err)
	}
	v3 := v2
	v3.Version = 3
	if err := s.UpdateAssociation(ctx, &v3, 1); !errors.Is(err, ssm.ErrAssociationVersion) {
		t.Fatalf("stale update: %v", err)
	}
	if err := s.UpdateAssociation(ctx, &ssm.Association{AssociationID: "55555555-5555-5555-5555-555555555555", Version: 2}, 1); !errors.Is(err, ssm.ErrAssociationNotFound) {
		t.Fatalf("update missing: %v", err)
	}
	vs, err := s.ListAssociationVersions(ctx, a.AssociationID)
	if err != nil || len(vs) != 2 || vs[0].MaxErrors != "100%" || vs[1].MaxErrors != "0" {
		t.Fatalf("versions = %v, %v", vs, err)
	}
	if v, err := s.GetAssociationVersion(ctx, a.AssociationID, 1); err != nil || v.Version != 1 {
		t.Fatalf("version 1 = %v, %v", v, err)
	}
	if _, err := s.GetAssociationVersion(ctx, a.AssociationID, 9); !errors.Is(err, ssm.ErrAssociationNotFound) {
		t.Fatalf("version 9: %v", err)
	}
	all, err := s.ListAssociations(ctx)
	if err != nil || len(all) != 2 || all[0].AssociationID != a.AssociationID || all[0].Version != 2 {
		t.Fatalf("list = %v, %v", all, err)
	}
	if err := s.DeleteAssociation(ctx, a.AssociationID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAssociation(ctx, a.AssociationID); !errors.Is(err, ssm.ErrAssociationNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.GetAssociation(ctx, a.AssociationID); !errors.Is(err, ssm.ErrAssociationNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if _, err := s.ListAssociationVersions(ctx, a.AssociationID); !errors.Is(err, ssm.ErrAssociationNotFound) {
		t.Fatalf("versions of deleted: %v", err)
	}
}

func assocClaim(t *testing.T, db *sqlstore.DB, s *sqlstore.AssociationsStore) {
	ctx := context.Background()
	due := testAssoc("11111111-1111-1111-1111-111111111111", assocT0)
	later := testAssoc("22222222-2222-2222-2222-222222222222", assocT0.Add(time.Hour))
	never := testAssoc("33333333-3333-3333-3333-333333333333", time.Time{})
	for _, a := range []*ssm.Association{due, later, never} {
		if err := s.CreateAssociation(ctx, a, 10); err != nil {
			t.Fatal(err)
		}
	}
	lease := assocT0.Add(2 * time.Minute)
	got, err := s.ClaimDue(ctx, assocT0, lease, 10)
	if err != nil || len(got) != 1 || got[0].AssociationID != due.AssociationID || !got[0].NextRun.Equal(lease) {
		t.Fatalf("claim = %v, %v", got, err)
	}
	if got, err := s.ClaimDue(ctx, assocT0, lease, 10); err != nil || len(got) != 0 {
		t.Fatalf("second claim = %v, %v", got, err)
	}
	// The lease ends: claimed again.
	if got, err := s.ClaimDue(ctx, lease, lease.Add(time.Minute), 10); err != nil || len(got) != 1 {
		t.Fatalf("claim after lease = %v, %v", got, err)
	}
	if err := s.SetNextRun(ctx, due.AssociationID, 1, assocT0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetNextRun(ctx, later.AssociationID, 7, assocT0); err != nil { // another version: no-op
		t.Fatal(err)
	}
	got, err = s.ClaimDue(ctx, assocT0.Add(time.Hour), lease.Add(time.Hour), 10)
	if err != nil || len(got) != 1 || got[0].AssociationID != later.AssociationID {
		t.Fatalf("claim at +1h = %v, %v", got, err)
	}
}

func assocClaimConcurrent(t *testing.T, db *sqlstore.DB, s *sqlstore.AssociationsStore) {
	ctx := context.Background()
	const n = 30
	for i := range n {
		if err := s.CreateAssociation(ctx, testAssoc(fmt.Sprintf("00000000-0000-0000-0000-%012d", i), assocT0), 100); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				got, err := s.ClaimDue(ctx, assocT0, assocT0.Add(time.Hour), 3)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, a := range got {
					seen[a.AssociationID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d associations, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("%s claimed %d times", id, c)
		}
	}
}

func assocTarget(a *ssm.Association, execID, node string) *ssm.AssociationTarget {
	return &ssm.AssociationTarget{AssociationID: a.AssociationID, Version: a.Version, DocumentName: a.Name, ExecutionID: execID,
		NodeID: node, Status: ssm.AssocPending, DetailedStatus: ssm.AssocPending, ExecutionDate: assocT0}
}

func assocExecutions(t *testing.T, db *sqlstore.DB, s *sqlstore.AssociationsStore) {
	ctx := context.Background()
	a := testAssoc("11111111-1111-1111-1111-111111111111", assocT0)
	if err := s.CreateAssociation(ctx, a, 10); err != nil {
		t.Fatal(err)
	}
	e := &ssm.AssociationExecution{AssociationID: a.AssociationID, Version: 1, ExecutionID: "e1", Status: ssm.AssocPending,
		DetailedStatus: ssm.AssocPending, Created: assocT0, LastExecution: assocT0, Counts: map[string]int{}}
	admitted, err := s.StartExecution(ctx, e, []*ssm.AssociationTarget{assocTarget(a, "e1", "mi-2"), assocTarget(a, "e1", "mi-1")}, 20)
	if err != nil || len(admitted) != 2 {
		t.Fatalf("start = %v, %v", admitted, err)
	}
	if err := s.SetExecutionCommand(ctx, a.AssociationID, "e1", "cmd-1"); err != nil {
		t.Fatal(err)
	}
	open, err := s.OpenExecutions(ctx, 10)
	if err != nil || len(open) != 1 || open[0].CommandID != "cmd-1" {
		t.Fatalf("open = %v, %v", open, err)
	}
	ts, err := s.ExecutionTargets(ctx, a.AssociationID, "e1")
	if err != nil || len(ts) != 2 || ts[0].NodeID != "mi-1" {
		t.Fatalf("targets = %v, %v", ts, err)
	}
	for _, tg := range ts {
		tg.Status, tg.DetailedStatus, tg.ExecutionSummary = ssm.AssocSuccess, ssm.AssocSuccess, "1 out of 1 plugin processed"
	}
	e.Done, e.Status, e.DetailedStatus, e.Counts = true, ssm.AssocSuccess, ssm.AssocSuccess, map[string]int{"Success": 2}
	ev := &steward.Event{ID: "ev-1", Time: assocT0, Source: "aws.ssm", DetailType: "EC2 State Manager Association State Change",
		Account: "000000000000", Region: "us-east-1", Detail: json.RawMessage(`{"status":"Success"}`)}
	if err := s.SaveExecution(ctx, e, ts, []*steward.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if out, err := db.ReadOutbox(ctx, 0, 10); err != nil || len(out) != 1 || out[0].Event.DetailType != ev.DetailType {
		t.Fatalf("outbox = %v, %v", out, err)
	}
	if open, _ := s.OpenExecutions(ctx, 10); len(open) != 0 {
		t.Fatalf("still open: %v", open)
	}
	got, err := s.GetExecution(ctx, a.AssociationID, "e1")
	if err != nil || !got.Done || got.Counts["Success"] != 2 || got.CommandID != "cmd-1" {
		t.Fatalf("execution = %+v, %v", got, err)
	}
	if _, err := s.GetExecution(ctx, a.AssociationID, "nope"); !errors.Is(err, ssm.ErrAssociationExecNotFound) {
		t.Fatalf("missing execution: %v", err)
	}
	ns, err := s.NodeStatuses(ctx, "mi-1")
	if err != nil || len(ns) != 1 || ns[0].Status != ssm.AssocSuccess || ns[0].ExecutionSummary == "" {
		t.Fatalf("node statuses = %v, %v", ns, err)
	}
	cur, err := s.GetAssociation(ctx, a.AssociationID)
	if err != nil || !cur.LastExecution.Equal(assocT0) || !cur.LastSuccess.Equal(assocT0) {
		t.Fatalf("association times = %+v, %v", cur, err)
	}
	// A second execution becomes the nodes' latest status.
	e2 := &ssm.AssociationExecution{AssociationID: a.AssociationID, Version: 1, ExecutionID: "e2", Status: ssm.AssocPending,
		Created: assocT0.Add(time.Hour), LastExecution: assocT0.Add(time.Hour)}
	if _, err := s.StartExecution(ctx, e2, []*ssm.AssociationTarget{assocTarget(a, "e2", "mi-1")}, 20); err != nil {
		t.Fatal(err)
	}
	if ns, _ := s.NodeStatuses(ctx, "mi-1"); len(ns) != 1 || ns[0].ExecutionID != "e2" || ns[0].Status != ssm.AssocPending {
		t.Fatalf("latest status = %+v", ns[0])
	}
	// Several nodes at once, and counts.
	byNode, err := s.NodesStatuses(ctx, []string{"mi-1", "mi-none"})
	if err != nil || len(byNode) != 1 || len(byNode["mi-1"]) != 1 || byNode["mi-1"][0].ExecutionID != "e2" {
		t.Fatalf("NodesStatuses = %v, %v", byNode, err)
	}
	if counts, err := s.NodeCounts(ctx, []string{"mi-1", "mi-none"}); err != nil || counts["mi-1"] != 1 || counts["mi-none"] != 0 {
		t.Fatalf("NodeCounts = %v, %v", counts, err)
	}
	es, err := s.ListExecutions(ctx, a.AssociationID)
	if err != nil || len(es) != 2 || es[0].ExecutionID != "e2" {
		t.Fatalf("executions = %v, %v", es, err)
	}
	if st, err := s.AssociationStatuses(ctx, a.AssociationID); err != nil || len(st) != 2 {
		t.Fatalf("association statuses = %v, %v", st, err)
	}
	if err := s.DeleteAssociation(ctx, a.AssociationID); err != nil {
		t.Fatal(err)
	}
	if ns, _ := s.NodeStatuses(ctx, "mi-1"); len(ns) != 0 {
		t.Fatalf("statuses outlive the association: %v", ns)
	}
}

func assocPerNodeLimit(t *testing.T, db *sqlstore.DB, s *sqlstore.AssociationsStore) {
	ctx := context.Background()
	const limit = 3
	var as []*ssm.Association
	for i := range limit + 1 {
		a := testAssoc(fmt.Sprintf("00000000-0000-0000-0000-%012d", i), time.Time{})
		if err := s.CreateAssociation(ctx, a, 100); err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
		e := &ssm.AssociationExecution{AssociationID: a.AssociationID, ExecutionID: "e", Created: assocT0}
		admitted, err := s.StartExecution(ctx, e, []*ssm.AssociationTarget{assocTarget(a, "e", "mi-1"), assocTarget(a, "e", "mi-2")}, limit)
		if err != nil {
			t.Fatal(err)
		}
		want := 2
		if i == limit {
			want = 0
		}
		if len(admitted) != want {
			t.Fatalf("association %d: admitted %v", i, admitted)
		}
	}
	ns, err := s.NodeStatuses(ctx, "mi-1")
	if err != nil || len(ns) != limit+1 {
		t.Fatalf("statuses = %v, %v", ns, err)
	}
	if last := ns[limit]; last.Status != ssm.AssocFailed || last.DetailedStatus != ssm.AssocLimitHit {
		t.Fatalf("over the limit: %+v", last)
	}
	// A run of an admitted association is admitted again.
	e := &ssm.AssociationExecution{AssociationID: as[0].AssociationID, ExecutionID: "e-again", Created: assocT0}
	if admitted, err := s.StartExecution(ctx, e, []*ssm.AssociationTarget{assocTarget(as[0], "e-again", "mi-1")}, limit); err != nil || len(admitted) != 1 {
		t.Fatalf("rerun = %v, %v", admitted, err)
	}
	// One goes: the limited association gets in on its next run.
	if err := s.DeleteAssociation(ctx, as[1].AssociationID); err != nil {
		t.Fatal(err)
	}
	e = &ssm.AssociationExecution{AssociationID: as[limit].AssociationID, ExecutionID: "e2", Created: assocT0}
	if admitted, err := s.StartExecution(ctx, e, []*ssm.AssociationTarget{assocTarget(as[limit], "e2", "mi-1")}, limit); err != nil || len(admitted) != 1 {
		t.Fatalf("after delete = %v, %v", admitted, err)
	}
}
