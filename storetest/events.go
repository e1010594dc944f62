package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/stewardhq/steward/cloudwatch"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/sqlstore"
)

func testEvents(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *eventsFixture)
	}{
		{"Buses", eventsBuses},
		{"Rules", eventsRules},
		{"Targets", eventsTargets},
		{"Tags", eventsTags},
		{"Deliveries", eventsDeliveries},
		{"ConcurrentClaims", eventsConcurrentClaims},
		{"Schedules", eventsSchedules},
		{"Outbox", eventsOutbox},
		{"Metrics", eventsMetrics},
		{"ExportMetrics", eventsExportMetrics},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			tc.run(t, &eventsFixture{EventsStore: sqlstore.NewEventsStore(db), db: db})
		})
	}
}

type eventsFixture struct {
	*sqlstore.EventsStore
	db *sqlstore.DB
}

var evTime = time.UnixMilli(1769000100123).UTC()

func evUpdate(t *testing.T, s *eventsFixture, fn func(events.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func evBus(t *testing.T, s *eventsFixture, name string) {
	t.Helper()
	evUpdate(t, s, func(tx events.Tx) error {
		return tx.InsertBus(context.Background(), &events.BusRecord{Name: name, Description: "d " + name, CreatedAt: evTime, ModifiedAt: evTime})
	})
}

func evRule(t *testing.T, s *eventsFixture, bus, name string, mod func(*events.RuleRecord)) *events.RuleRecord {
	t.Helper()
	r := &events.RuleRecord{Bus: bus, Name: name, EventPattern: `{"source":["x"]}`, State: events.StateEnabled,
		CreatedBy: "000000000000", CreatedAt: evTime, ModifiedAt: evTime}
	if mod != nil {
		mod(r)
	}
	evUpdate(t, s, func(tx events.Tx) error { return tx.PutRule(context.Background(), r) })
	return r
}

func eventsBuses(t *testing.T, s *eventsFixture) {
	ctx := context.Background()
	for _, n := range []string{"default", "b-1", "b-2", "c"} {
		evBus(t, s, n)
	}
	err := s.Update(ctx, func(tx events.Tx) error {
		return tx.InsertBus(ctx, &events.BusRecord{Name: "c", CreatedAt: evTime, ModifiedAt: evTime})
	})
	if !errors.Is(err, events.ErrConflict) {
		t.Fatalf("second InsertBus = %v, want ErrConflict", err)
	}
	got, err := s.GetBus(ctx, "b-1")
	if err != nil || got.Description != "d b-1" || !got.CreatedAt.Equal(evTime) {
		t.Fatalf("GetBus = %+v, %v", got, err)
	}
	if _, err := s.GetBus(ctx, "nope"); !errors.Is(err, events.ErrNotFound) {
		t.Fatalf("GetBus(nope) = %v", err)
	}
	var names []string
	token := ""
	for {
		page, next, err := s.ListBuses(ctx, "", token, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page {
			names = append(names, b.Name)
		}
		if next == "" {
			break
		}
		token = next
	}
	if diff := cmp.Diff([]string{"b-1", "b-2", "c", "default"}, names); diff != "" {
		t.Errorf("ListBuses (-want +got):\n%s", diff)
	}
	page, _, err := s.ListBuses(ctx, "b-", "", 10)
	if err != nil || len(page) != 2 {
		t.Errorf("ListBuses(prefix b-) = %d, %v", len(page), err)
	}
	if _, _, err := s.ListBuses(ctx, "", "garbage!", 10); !errors.Is(err, events.ErrInvalidToken) {
		t.Errorf("bad token = %v", err)
	}
	evUpdate(t, s, func(tx events.Tx) error {
		return tx.UpdateBus(ctx, &events.BusRecord{Name: "c", Description: "new", ModifiedAt: evTime.Add(time.Second)})
	})
	if got, _ := s.GetBus(ctx, "c"); got.Description != "new" || !got.ModifiedAt.Equal(evTime.Add(time.Second)) {
		t.Errorf("after UpdateBus: %+v", got)
	}

	// Deleting a bus deletes its rules, targets and tags.
	evRule(t, s, "c", "r", nil)
	evUpdate(t, s, func(tx events.Tx) error {
		if err := tx.PutTargets(ctx, []*events.TargetRecord{{Bus: "c", Rule: "r", Target: events.Target{ID: "t", ARN: "arn:x"}}}); err != nil {
			return err
		}
		if err := tx.SetTags(ctx, "c", "", []events.Tag{{Key: "k", Value: "v"}}); err != nil {
			return err
		}
		return tx.SetTags(ctx, "c", "r", []events.Tag{{Key: "k", Value: "v"}})
	})
	evUpdate(t, s, func(tx events.Tx) error {
		n, err := tx.CountBuses(ctx)
		if err != nil || n != 4 {
			t.Errorf("CountBuses = %d, %v", n, err)
		}
		return tx.DeleteBus(ctx, "c")
	})
	if _, err := s.GetRule(ctx, "c", "r"); !errors.Is(err, events.ErrNotFound) {
		t.Errorf("rule after DeleteBus: %v", err)
	}
	if ts, _ := s.AllTargets(ctx); len(ts) != 0 {
		t.Errorf("targets after DeleteBus: %d", len(ts))
	}
	if tags, _ := s.Tags(ctx, "c", "r"); len(tags) != 0 {
		t.Errorf("tags after DeleteBus: %v", tags)
	}
}

func eventsRules(t *testing.T, s *eventsFixture) {
	ctx := context.Background()
	evBus(t, s, "default")
	evBus(t, s, "other")
	v0, err := s.RulesVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := evRule(t, s, "default", "alpha", func(r *events.RuleRecord) {
		r.ScheduleExpression, r.Description, r.RoleARN, r.NextFireAt = "rate(5 minutes)", "説明", "arn:aws:iam::000000000000:role/r", evTime.Add(time.Minute)
	})
	if v1, _ := s.RulesVersion(ctx); v1 != v0+1 {
		t.Errorf("RulesVersion %d after one Update from %d", v1, v0)
	}
	got, err := s.GetRule(ctx, "default", "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetRule (-want +got):\n%s", diff)
	}
	// PutRule replaces.
	evRule(t, s, "default", "alpha", func(r *events.RuleRecord) { r.State = events.StateDisabled })
	if got, _ := s.GetRule(ctx, "default", "alpha"); got.State != events.StateDisabled || got.ScheduleExpression != "" {
		t.Errorf("after replace: %+v", got)
	}
	for i := range 7 {
		evRule(t, s, "default", fmt.Sprintf("r-%d", i), nil)
	}
	evRule(t, s, "other", "r-x", nil)
	var names []string
	q := events.RuleQuery{Bus: "default", Prefix: "r-", Limit: 3}
	for {
		page, next, err := s.ListRules(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			names = append(names, r.Name)
		}
		if next == "" {
			break
		}
		q.Token = next
	}
	if len(names) != 7 || names[0] != "r-0" || names[6] != "r-6" {
		t.Errorf("ListRules = %v", names)
	}
	all, err := s.AllRules(ctx)
	if err != nil || len(all) != 9 {
		t.Errorf("AllRules = %d, %v", len(all), err)
	}
	evUpdate(t, s, func(tx events.Tx) error {
		n, err := tx.CountRules(ctx, "default")
		if err != nil || n != 8 {
			t.Errorf("CountRules = %d, %v", n, err)
		}
		return tx.DeleteRule(ctx, "default", "r-0")
	})
	if _, err := s.GetRule(ctx, "default", "r-0"); !errors.Is(err, events.ErrNotFound) {
		t.Errorf("deleted rule: %v", err)
	}
}

func eventsTargets(t *testing.T, s *eventsFixture) {
	ctx := context.Background()
	evBus(t, s, "default")
	evRule(t, s, "default", "r1", nil)
	evRule(t, s, "default", "r2", nil)
	in, path := `{"a":1}`, "$.detail"
	attempts, age, group := 3, 600, "g-1"
	full := events.Target{
		ID: "full", ARN: "arn:aws:ssm:us-east-1::document/AWS-RunShellScript", RoleARN: "arn:aws:iam::000000000000:role/x",
		InputTransformer: &events.InputTransformer{PathsMap: map[string]string{"s": "$.detail.state"}, Template: `{"s": <s>}`},
		RetryPolicy:      &events.RetryPolicy{MaximumRetryAttempts: &attempts, MaximumEventAgeInSeconds: &age},
		DeadLetterARN:    "arn:aws:sqs:us-east-1:000000000000:dlq", SQSMessageGroup: &group,
		RunCommand: []events.RunCommandTarget{{Key: "InstanceIds", Values: []string{"mi-0123456789abcdef0"}}}, HasRunCommand: true,
	}
	recs := []*events.TargetRecord{
		{Bus: "default", Rule: "r1", Target: full},
		{Bus: "default", Rule: "r1", Target: events.Target{ID: "b", ARN: "arn:aws:sqs:us-east-1:000000000000:q", Input: &in}},
		{Bus: "default", Rule: "r1", Target: events.Target{ID: "a", ARN: "arn:aws:sqs:us-east-1:000000000000:q", InputPath: &path}},
		{Bus: "default", Rule: "r2", Target: events.Target{ID: "a", ARN: "arn:aws:sqs:us-east-1:000000000000:q"}},
	}
	evUpdate(t, s, func(tx events.Tx) error { return tx.PutTargets(ctx, recs) })
	got, next, err := s.ListTargets(ctx, "default", "r1", "", 2)
	if err != nil || len(got) != 2 || next == "" || got[0].ID != "a" || got[1].ID != "b" {
		t.Fatalf("ListTargets page 1 = %v, %q, %v", got, next, err)
	}
	if *got[0].InputPath != path || *got[1].Input != in {
		t.Errorf("Input / InputPath not kept: %+v %+v", got[0], got[1])
	}
	rest, next, err := s.ListTargets(ctx, "default", "r1", next, 2)
	if err != nil || len(rest) != 1 || next != "" {
		t.Fatalf("ListTargets page 2 = %v, %q, %v", rest, next, err)
	}
	if diff := cmp.Diff(recs[0], rest[0]); diff != "" {
		t.Errorf("target round trip (-want +got):\n%s", diff)
	}
	names, _, err := s.RuleNamesByTarget(ctx, "default", "arn:aws:sqs:us-east-1:000000000000:q", "", 10)
	if err != nil || !cmp.Equal(names, []string{"r1", "r2"}) {
		t.Errorf("RuleNamesByTarget = %v, %v", names, err)
	}
	page1, next, _ := s.RuleNamesByTarget(ctx, "default", "arn:aws:sqs:us-east-1:000000000000:q", "", 1)
	page2, _, _ := s.RuleNamesByTarget(ctx, "default", "arn:aws:sqs:us-east-1:000000000000:q", next, 1)
	if !cmp.Equal(append(page1, page2...), []string{"r1", "r2"}) {
		t.Errorf("RuleNamesByTarget pages = %v %v", page1, page2)
	}
	// Replace by ID, remove by ID.
	evUpdate(t, s, func(tx events.Tx) error {
		return tx.PutTargets(ctx, []*events.TargetRecord{{Bus: "default", Rule: "r1", Target: events.Target{ID: "a", ARN: "arn:aws:sns:us-east-1:000000000000:t"}}})
	})
	evUpdate(t, s, func(tx events.Tx) error {
		removed, err := tx.DeleteTargets(ctx, "default", "r1", []string{"b", "missing"})
		if !cmp.Equal(removed, []string{"b"}) {
			t.Errorf("DeleteTargets removed %v", removed)
		}
		cur, _ := tx.Targets(ctx, "default", "r1")
		if len(cur) != 2 || cur[0].ARN != "arn:aws:sns:us-east-1:000000000000:t" {
			t.Errorf("targets after replace/remove: %+v", cur)
		}
		return err
	})
	// Deleting a rule deletes its targets.
	evUpdate(t, s, func(tx events.Tx) error { return tx.DeleteRule(ctx, "default", "r1") })
	all, _ := s.AllTargets(ctx)
	if len(all) != 1 || all[0].Rule != "r2" {
		t.Errorf("targets after DeleteRule: %+v", all)
	}
}

func eventsTags(t *testing.T, s *eventsFixture) {
	ctx := context.Background()
	evBus(t, s, "default")
	evRule(t, s, "default", "r", nil)
	evUpdate(t, s, func(tx events.Tx) error {
		return tx.SetTags(ctx, "default", "r", []events.Tag{{Key: "b", Value: "1"}, {Key: "a", Value: "タグ"}})
	})
	evUpdate(t, s, func(tx events.Tx) error { return tx.SetTags(ctx, "default", "r", []events.Tag{{Key: "b", Value: "2"}}) })
	evUpdate(t, s, func(tx events.Tx) error {
		return tx.SetTags(ctx, "default", "", []events.Tag{{Key: "bus", Value: "x"}})
	})
	got, err := s.Tags(ctx, "default", "r")
	if err != nil || !cmp.Equal(got, []events.Tag{{Key: "a", Value: "タグ"}, {Key: "b", Value: "2"}}) {
		t.Errorf("Tags = %v, %v", got, err)
	}
	evUpdate(t, s, func(tx events.Tx) error { return tx.RemoveTags(ctx, "default", "r", []string{"a", "zz"}) })
	if got, _ := s.Tags(ctx, "default", "r"); !cmp.Equal(got, []events.Tag{{Key: "b", Value: "2"}}) {
		t.Errorf("after RemoveTags: %v", got)
	}
	if got, _ := s.Tags(ctx, "default", ""); len(got) != 1 {
		t.Errorf("bus tags: %v", got)
	}
}

func evDelivery(rule, id string) *events.Delivery {
	return &events.Delivery{Bus: "default", Rule: rule, TargetID: "t", EventID: id, Event: []byte(`{"id":"` + id + `","detail":{"é":"<>&"}}`),
		IngestedAt: evTime, DueAt: evTime}
}

func eventsDeliveries(t *testing.T, s *eventsFixture) {
	ctx := context.Background()
	var ds []*events.Delivery
	for i := range 250 { // more than one INSERT's worth
		ds = append(ds, evDelivery("r", fmt.Sprintf("e-%03d", i)))
	}
	lease := evTime.Add(time.Minute)
	if err := s.Ingest(ctx, &events.Ingest{Deliveries: ds, LeaseUntil: lease,
		Metrics: []events.Metric{{Bus: "default", Rule: "r", Name: events.MetricMatchedEvents, Minute: evTime.Truncate(time.Minute), Value: 250}}}); err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for _, d := range ds {
		if d.ID == 0 || ids[d.ID] {
			t.Fatalf("delivery %s got ID %d (dup %v)", d.EventID, d.ID, ids[d.ID])
		}
		ids[d.ID] = true
	}
	if n, _ := s.CountDeliveries(ctx); n != 250 {
		t.Errorf("CountDeliveries = %d", n)
	}
	// Leased rows are not claimable before the lease ends.
	got, err := s.ClaimDeliveries(ctx, evTime, evTime.Add(time.Minute), 500)
	if err != nil || len(got) != 0 {
		t.Fatalf("claim during lease = %d, %v", len(got), err)
	}
	got, err = s.ClaimDeliveries(ctx, lease, lease.Add(time.Minute), 100)
	if err != nil || len(got) != 100 {
		t.Fatalf("claim after lease = %d, %v", len(got), err)
	}
	if d := got[0]; string(d.Event) != string(ds[0].Event) || !d.IngestedAt.Equal(evTime) || d.Attempts != 0 || d.Failure != "" {
		t.Errorf("claimed row = %+v", d)
	}
	// Retry: due later, with a failure; then claimable at its due time.
	if err := s.RetryDelivery(ctx, got[0].ID, 3, `{"code":"NO_RESOURCE"}`, lease.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseLeases(ctx); err != nil { // a restart: every other row claimable at once
		t.Fatal(err)
	}
	rest, _ := s.ClaimDeliveries(ctx, lease, lease.Add(3*time.Hour), 500)
	if len(rest) != 249 {
		t.Errorf("after ReleaseLeases claimed %d, want 249", len(rest))
	}
	later, _ := s.ClaimDeliveries(ctx, lease.Add(time.Hour), lease.Add(2*time.Hour), 500)
	if len(later) != 1 || later[0].Attempts != 3 || later[0].Failure != `{"code":"NO_RESOURCE"}` {
		t.Fatalf("retried row = %+v", later)
	}
	var all []int64
	for id := range ids {
		all = append(all, id)
	}
	if err := s.FinishDeliveries(ctx, all, []events.Metric{{Bus: "default", Rule: "r", Name: events.MetricInvocations, Minute: evTime.Truncate(time.Minute), Value: 250}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountDeliveries(ctx); n != 0 {
		t.Errorf("CountDeliveries after finish = %d", n)
	}
}

func eventsConcurrentClaims(t *testing.T, s *eventsFixture) {
	ctx := context.Background()
	var ds []*events.Delivery
	for i := range 300 {
		ds = append(ds, evDelivery("r", fmt.Sprintf("e-%d", i)))
	}
	if err := s.Ingest(ctx, &events.Ingest{Deliveries: ds, LeaseUntil: evTime}); err != nil {
		t.Fatal(err)
	}
	claimEachOnce(t, 6, 300, func() ([]*events.Delivery, error) {
		return s.ClaimDeliveries(ctx, evTime, evTime.Add(time.Hour), 20)
	}, func(d *events.Delivery) int64 { return d.ID })
}

func eventsSchedules(t *testing.T, s *eventsFixture) {
	ctx := context.Background()
	evBus(t, s, "default")
	at := evTime.Truncate(time.Minute)
	evRule(t, s, "default", "due", func(r *events.RuleRecord) {
		r.EventPattern, r.ScheduleExpression, r.NextFireAt = "", "rate(1 minute)", at
	})
	evRule(t, s, "default", "later", func(r *events.RuleRecord) { r.ScheduleExpression, r.NextFireAt = "rate(1 hour)", at.Add(time.Hour) })
	evRule(t, s, "default", "off", func(r *events.RuleRecord) {
		r.ScheduleExpression, r.NextFireAt, r.State = "rate(1 minute)", at, events.StateDisabled
	})
	due, err := s.DueSchedules(ctx, at)
	if err != nil || len(due) != 1 || due[0].Name != "due" {
		t.Fatalf("DueSchedules = %v, %v", due, err)
	}
	fire := &events.Fire{Bus: "default", Rule: "due", From: at, To: at.Add(time.Minute)}
	if err := s.Ingest(ctx, &events.Ingest{Fire: fire, Deliveries: []*events.Delivery{evDelivery("due", "f1")}, LeaseUntil: at}); err != nil {
		t.Fatal(err)
	}
	// The same fire again (a second replica, a retry): refused, nothing written.
	err = s.Ingest(ctx, &events.Ingest{Fire: fire, Deliveries: []*events.Delivery{evDelivery("due", "f2")}, LeaseUntil: at})
	if !errors.Is(err, events.ErrConflict) {
		t.Fatalf("second fire = %v, want ErrConflict", err)
	}
	if n, _ := s.CountDeliveries(ctx); n != 1 {
		t.Errorf("deliveries = %d, want 1", n)
	}
	if r, _ := s.GetRule(ctx, "default", "due"); !r.NextFireAt.Equal(at.Add(time.Minute)) {
		t.Errorf("NextFireAt = %v", r.NextFireAt)
	}
}

func eventsOutbox(t *testing.T, s *eventsFixture) {
	ctx := context.Background()
	for i := range 5 {
		e := &steward.Event{ID: fmt.Sprintf("o-%d", i), Time: evTime, Source: "aws.ssm", DetailType: "Parameter Store Change",
			Account: "000000000000", Region: "us-east-1", Resources: []string{"arn:r"}, Detail: json.RawMessage(`{"n":` + fmt.Sprint(i) + `}`)}
		if err := s.db.InTx(ctx, func(tx *sqlstore.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	// A failing fn leaves the outbox as it was.
	boom := errors.New("boom")
	if _, err := s.DrainOutbox(ctx, 3, func([]events.OutboxEvent) (*events.Ingest, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("DrainOutbox(fail) = %v", err)
	}
	var order []string
	drain := func(limit int) int {
		n, err := s.DrainOutbox(ctx, limit, func(evs []events.OutboxEvent) (*events.Ingest, error) {
			in := &events.Ingest{LeaseUntil: evTime}
			for _, e := range evs {
				order = append(order, e.Event.ID)
				if e.Event.Source != "aws.ssm" || len(e.Event.Resources) != 1 || !e.Event.Time.Equal(evTime) {
					t.Errorf("outbox event = %+v", e.Event)
				}
				in.Deliveries = append(in.Deliveries, evDelivery("r", e.Event.ID))
			}
			return in, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := drain(3); n != 3 {
		t.Fatalf("first drain = %d", n)
	}
	if n := drain(3); n != 2 {
		t.Fatalf("second drain = %d", n)
	}
	if n := drain(3); n != 0 {
		t.Fatalf("third drain = %d", n)
	}
	if !cmp.Equal(order, []string{"o-0", "o-1", "o-2", "o-3", "o-4"}) {
		t.Errorf("drain order = %v", order)
	}
	if n, _ := s.CountDeliveries(ctx); n != 5 {
		t.Errorf("deliveries = %d", n)
	}
	if left, _ := s.db.ReadOutbox(ctx, 0, 10); len(left) != 0 {
		t.Errorf("outbox still holds %d", len(left))
	}
}

func eventsMetrics(t *testing.T, s *eventsFixture) {
	ctx := context.Background()
	m0 := evTime.Truncate(time.Minute)
	add := func(rule, name string, minute time.Time, v int64) {
		t.Helper()
		if err := s.FinishDeliveries(ctx, nil, []events.Metric{{Bus: "default", Rule: rule, Name: name, Minute: minute, Value: v}}); err != nil {
			t.Fatal(err)
		}
	}
	add("r", events.MetricInvocations, m0, 2)
	add("r", events.MetricInvocations, m0, 3)
	add("r", events.MetricInvocations, m0.Add(time.Minute), 1)
	add("", events.MetricMatchedEvents, m0, 7)
	add("old", events.MetricInvocations, m0.Add(-time.Hour), 9)
	got, err := s.Metrics(ctx, m0)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Rule+got[i].Minute.String() < got[j].Rule+got[j].Minute.String() })
	want := []events.Metric{
		{Bus: "default", Rule: "", Name: events.MetricMatchedEvents, Minute: m0, Value: 7},
		{Bus: "default", Rule: "r", Name: events.MetricInvocations, Minute: m0, Value: 5},
		{Bus: "default", Rule: "r", Name: events.MetricInvocations, Minute: m0.Add(time.Minute), Value: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Metrics (-want +got):\n%s", diff)
	}
	if err := s.PurgeMetrics(ctx, m0); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.Metrics(ctx, time.Time{}); len(all) != 3 {
		t.Errorf("after purge: %d metrics", len(all))
	}
}

// eventsExportMetrics: counters reach CloudWatch (AWS/Events) once each,
// increments after an export in the next one, on a custom bus with both
// dimensions.
func eventsExportMetrics(t *testing.T, s *eventsFixture) {
	ctx := context.Background()
	m0 := evTime.Truncate(time.Minute)
	add := func(bus, rule string, v int64) {
		t.Helper()
		if err := s.FinishDeliveries(ctx, nil, []events.Metric{{Bus: bus, Rule: rule, Name: events.MetricInvocations, Minute: m0, Value: v}}); err != nil {
			t.Fatal(err)
		}
	}
	export := func(want int) {
		t.Helper()
		if n, err := s.ExportMetrics(ctx); err != nil || n != want {
			t.Fatalf("ExportMetrics = %d, %v; want %d", n, err, want)
		}
	}
	cw := sqlstore.NewMetricsStore(s.db)
	sum := func(dims ...cloudwatch.Dimension) float64 {
		t.Helper()
		ps, err := cw.ReadPoints(ctx, cloudwatch.MetricKey("AWS/Events", events.MetricInvocations, dims), 60, m0, m0.Add(time.Minute), "Count", false)
		if err != nil {
			t.Fatal(err)
		}
		total := 0.0
		for _, p := range ps {
			total += p.Stats.Sum
		}
		return total
	}
	rule := cloudwatch.Dimension{Name: "RuleName", Value: "r"}
	bus := cloudwatch.Dimension{Name: "EventBusName", Value: "orders"}
	export(0)
	add("default", "r", 2)
	add("default", "r", 3)
	add("orders", "r", 4)
	export(2)
	export(0)
	if got := sum(rule); got != 5 {
		t.Errorf("Invocations{RuleName=r} = %v, want 5", got)
	}
	if got := sum(bus, rule); got != 4 {
		t.Errorf("Invocations{EventBusName=orders,RuleName=r} = %v, want 4", got)
	}
	add("default", "r", 1)
	export(1)
	if got := sum(rule); got != 6 {
		t.Errorf("after a second export: %v, want 6", got)
	}
	// EventBridge's own reading is unchanged.
	if got, _ := s.Metrics(ctx, m0); len(got) != 2 || got[0].Value+got[1].Value != 10 {
		t.Errorf("Metrics after export: %+v", got)
	}
}
