package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/cloudwatch"
	"github.com/stewardhq/steward/sqlstore"
)

func testAlarms(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *sqlstore.DB, *sqlstore.AlarmsStore)
	}{
		{"Write", alarmsWrite},
		{"List", alarmsList},
		{"Claim", alarmsClaim},
		{"ClaimConcurrent", alarmsClaimConcurrent},
		{"History", alarmsHistory},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			tc.run(t, db, sqlstore.NewAlarmsStore(db))
		})
	}
}

var alarmsT0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func testAlarm(name, state string, next time.Time) *cloudwatch.Alarm {
	no := false
	return &cloudwatch.Alarm{Name: name, Description: "düsseldorf ✓", ActionsEnabled: true,
		AlarmActions: []string{"arn:aws:sns:us-east-1:000000000000:ops"}, Namespace: "CWAgent", MetricName: "cpu",
		Dimensions: []cloudwatch.Dimension{{Name: "InstanceId", Value: "mi-1"}}, Statistic: "Average", Period: 60,
		EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 90.5, ComparisonOperator: cloudwatch.GreaterThanThreshold,
		Metrics:              []cloudwatch.MetricDataQuery{{ID: "m1", ReturnData: &no}},
		Tags:                 []cloudwatch.Tag{{Key: "team", Value: "web"}},
		ConfigurationUpdated: alarmsT0,
		State: cloudwatch.AlarmState{Value: state, Reason: "Unchecked: Initial alarm creation", ReasonData: `{"version":"1.0"}`,
			Updated: alarmsT0, Transitioned: alarmsT0},
		NextEvaluation: next}
}

func alarmsWrite(t *testing.T, db *sqlstore.DB, s *sqlstore.AlarmsStore) {
	ctx := context.Background()
	a := testAlarm("cpu-high", cloudwatch.StateInsufficientData, alarmsT0)
	ev := &steward.Event{ID: "ev-1", Time: alarmsT0, Source: "aws.cloudwatch", DetailType: "CloudWatch Alarm Configuration Change",
		Account: "000000000000", Region: "us-east-1", Resources: []string{"arn:aws:cloudwatch:us-east-1:000000000000:alarm:cpu-high"},
		Detail: json.RawMessage(`{"alarmName":"cpu-high"}`)}
	if err := s.Write(ctx, cloudwatch.AlarmWrite{Put: a, Events: []*steward.Event{ev},
		History: []cloudwatch.HistoryItem{{AlarmName: a.Name, AlarmType: "MetricAlarm", Time: alarmsT0, Type: "ConfigurationUpdate", Summary: "created", Data: "{}"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAlarm(ctx, "cpu-high")
	if err != nil || got == nil {
		t.Fatalf("GetAlarm = %v, %v", got, err)
	}
	if got.Version != 1 || !got.NextEvaluation.Equal(alarmsT0) || got.Description != a.Description || got.Threshold != 90.5 ||
		got.Dimensions[0].Value != "mi-1" || got.Tags[0].Value != "web" || got.Metrics[0].ReturnData == nil || *got.Metrics[0].ReturnData ||
		!got.State.Updated.Equal(alarmsT0) || got.State.ReasonData != `{"version":"1.0"}` {
		t.Fatalf("GetAlarm = %+v", got)
	}
	if none, err := s.GetAlarm(ctx, "nope"); none != nil || err != nil {
		t.Fatalf("GetAlarm(nope) = %v, %v", none, err)
	}
	// Insert over an existing alarm, update over a stale version: conflicts,
	// and nothing of the transaction stays.
	stale := cloudwatch.AlarmWrite{Put: a, History: []cloudwatch.HistoryItem{{AlarmName: a.Name, Time: alarmsT0, Type: "StateUpdate", Summary: "x", Data: "{}"}}}
	if err := s.Write(ctx, stale); !errors.Is(err, cloudwatch.ErrAlarmConflict) {
		t.Fatalf("insert over existing: %v", err)
	}
	stale.Expect = 7
	if err := s.Write(ctx, stale); !errors.Is(err, cloudwatch.ErrAlarmConflict) {
		t.Fatalf("update over stale version: %v", err)
	}
	got.State.Value = cloudwatch.StateAlarm
	if err := s.Write(ctx, cloudwatch.AlarmWrite{Put: got, Expect: 1}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetAlarm(ctx, "cpu-high")
	if got.Version != 2 || got.State.Value != cloudwatch.StateAlarm {
		t.Fatalf("after update %+v", got)
	}
	items, err := s.History(ctx, cloudwatch.HistoryQuery{AlarmName: "cpu-high"})
	if err != nil || len(items) != 1 {
		t.Fatalf("History = %d, %v", len(items), err)
	}
	out, err := db.ReadOutbox(ctx, 0, 10)
	if err != nil || len(out) != 1 || out[0].Event.ID != "ev-1" || out[0].Event.Resources[0] != ev.Resources[0] {
		t.Fatalf("outbox = %+v, %v", out, err)
	}
	// Reschedule only over the current version.
	later := alarmsT0.Add(time.Minute)
	if err := s.Reschedule(ctx, "cpu-high", 1, later); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetAlarm(ctx, "cpu-high"); !got.NextEvaluation.Equal(alarmsT0) {
		t.Fatalf("stale reschedule moved it to %v", got.NextEvaluation)
	}
	if err := s.Reschedule(ctx, "cpu-high", 2, later); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetAlarm(ctx, "cpu-high"); !got.NextEvaluation.Equal(later) {
		t.Fatalf("reschedule: %v", got.NextEvaluation)
	}
	if err := s.Write(ctx, cloudwatch.AlarmWrite{Delete: []string{"cpu-high", "nope"}}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetAlarm(ctx, "cpu-high"); got != nil {
		t.Fatal("deleted alarm still there")
	}
	if items, _ = s.History(ctx, cloudwatch.HistoryQuery{AlarmName: "cpu-high"}); len(items) != 1 {
		t.Fatal("history went with the alarm")
	}
}

func alarmsList(t *testing.T, _ *sqlstore.DB, s *sqlstore.AlarmsStore) {
	ctx := context.Background()
	for _, n := range []string{"b-disk", "a-cpu", "a-mem", "Z-upper", "a_cpu", "ä-umlaut"} {
		state := cloudwatch.StateOK
		if n == "a-mem" {
			state = cloudwatch.StateAlarm
		}
		if err := s.Write(ctx, cloudwatch.AlarmWrite{Put: testAlarm(n, state, alarmsT0)}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(q cloudwatch.AlarmQuery) []string {
		t.Helper()
		as, err := s.ListAlarms(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out
	}
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s = %v, want %v", what, got, want)
			}
		}
	}
	check("all", names(cloudwatch.AlarmQuery{}), "Z-upper", "a-cpu", "a-mem", "a_cpu", "b-disk", "ä-umlaut")
	check("prefix", names(cloudwatch.AlarmQuery{Prefix: "a-"}), "a-cpu", "a-mem")
	check("prefix _", names(cloudwatch.AlarmQuery{Prefix: "a_"}), "a_cpu")
	check("prefix ä", names(cloudwatch.AlarmQuery{Prefix: "ä"}), "ä-umlaut")
	check("state", names(cloudwatch.AlarmQuery{State: cloudwatch.StateAlarm}), "a-mem")
	check("names", names(cloudwatch.AlarmQuery{Names: []string{"b-disk", "a-cpu", "nope"}}), "a-cpu", "b-disk")
	check("after", names(cloudwatch.AlarmQuery{After: "a-mem"}), "a_cpu", "b-disk", "ä-umlaut")
}

func alarmsClaim(t *testing.T, _ *sqlstore.DB, s *sqlstore.AlarmsStore) {
	ctx := context.Background()
	for i, n := range []string{"due-1", "due-2", "later"} {
		next := alarmsT0.Add(time.Duration(i) * time.Second)
		if n == "later" {
			next = alarmsT0.Add(time.Hour)
		}
		if err := s.Write(ctx, cloudwatch.AlarmWrite{Put: testAlarm(n, cloudwatch.StateOK, next)}); err != nil {
			t.Fatal(err)
		}
	}
	now := alarmsT0.Add(time.Minute)
	lease := now.Add(30 * time.Second)
	got, err := s.ClaimDue(ctx, now, lease, 1)
	if err != nil || len(got) != 1 || got[0].Name != "due-1" || !got[0].NextEvaluation.Equal(lease) || got[0].Version != 1 {
		t.Fatalf("ClaimDue(1) = %+v, %v", got, err)
	}
	got, err = s.ClaimDue(ctx, now, lease, 10)
	if err != nil || len(got) != 1 || got[0].Name != "due-2" {
		t.Fatalf("ClaimDue(10) = %+v, %v", got, err)
	}
	if got, _ = s.ClaimDue(ctx, now, lease, 10); len(got) != 0 {
		t.Fatalf("claimed again: %d", len(got))
	}
	// The lease runs out: due again.
	if got, _ = s.ClaimDue(ctx, lease, lease.Add(30*time.Second), 10); len(got) != 2 {
		t.Fatalf("after the lease: %d", len(got))
	}
}

func alarmsClaimConcurrent(t *testing.T, _ *sqlstore.DB, s *sqlstore.AlarmsStore) {
	ctx := context.Background()
	const n = 40
	for i := 0; i < n; i++ {
		if err := s.Write(ctx, cloudwatch.AlarmWrite{Put: testAlarm("alarm-"+string(rune('A'+i)), cloudwatch.StateOK, alarmsT0)}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimDue(ctx, alarmsT0, alarmsT0.Add(time.Minute), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, a := range got {
					seen[a.Name]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d of %d alarms", len(seen), n)
	}
	for name, c := range seen {
		if c != 1 {
			t.Errorf("%s claimed %d times", name, c)
		}
	}
}

func alarmsHistory(t *testing.T, _ *sqlstore.DB, s *sqlstore.AlarmsStore) {
	ctx := context.Background()
	var items []cloudwatch.HistoryItem
	for i := 0; i < 6; i++ {
		name, typ := "a", cloudwatch.HistoryStateUpdate
		if i%2 == 1 {
			name = "b"
		}
		if i == 4 {
			typ = cloudwatch.HistoryAction
		}
		alarmType := "MetricAlarm"
		if i == 5 {
			alarmType = "CompositeAlarm"
		}
		items = append(items, cloudwatch.HistoryItem{AlarmName: name, AlarmType: alarmType, Time: alarmsT0.Add(time.Duration(i) * time.Minute),
			Type: typ, Summary: "s" + string(rune('0'+i)), Data: `{"i":` + string(rune('0'+i)) + `}`})
	}
	if err := s.Write(ctx, cloudwatch.AlarmWrite{History: items}); err != nil {
		t.Fatal(err)
	}
	summaries := func(q cloudwatch.HistoryQuery) []string {
		t.Helper()
		got, err := s.History(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, h := range got {
			out = append(out, h.Summary)
		}
		return out
	}
	eq := func(what string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s = %v, want %v", what, got, want)
			}
		}
	}
	eq("all", summaries(cloudwatch.HistoryQuery{}), "s0", "s1", "s2", "s3", "s4", "s5")
	eq("desc", summaries(cloudwatch.HistoryQuery{Descending: true, Limit: 2}), "s5", "s4")
	eq("alarm a", summaries(cloudwatch.HistoryQuery{AlarmName: "a"}), "s0", "s2", "s4")
	eq("type", summaries(cloudwatch.HistoryQuery{Type: cloudwatch.HistoryAction}), "s4")
	eq("alarm type", summaries(cloudwatch.HistoryQuery{AlarmType: "CompositeAlarm"}), "s5")
	eq("range", summaries(cloudwatch.HistoryQuery{Start: alarmsT0.Add(time.Minute), End: alarmsT0.Add(3 * time.Minute)}), "s1", "s2")
	all, _ := s.History(ctx, cloudwatch.HistoryQuery{})
	if !all[3].Time.Equal(alarmsT0.Add(3*time.Minute)) || all[3].Data != `{"i":3}` || all[3].AlarmType != "MetricAlarm" || all[3].ID <= all[2].ID {
		t.Fatalf("item %+v", all[3])
	}
	eq("after asc", summaries(cloudwatch.HistoryQuery{After: all[3].ID}), "s4", "s5")
	eq("after desc", summaries(cloudwatch.HistoryQuery{After: all[3].ID, Descending: true}), "s2", "s1", "s0")
	n, err := s.PurgeHistory(ctx, alarmsT0.Add(2*time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("PurgeHistory = %d, %v", n, err)
	}
	eq("after purge", summaries(cloudwatch.HistoryQuery{}), "s2", "s3", "s4", "s5")
}
