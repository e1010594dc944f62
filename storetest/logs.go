package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/logs"
	"github.com/stewardhq/steward/sqlstore"
)

func testLogs(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *sqlstore.LogsStore)
	}{
		{"Groups", logsGroups},
		{"Streams", logsStreams},
		{"Events", logsEvents},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, sqlstore.NewLogsStore(newDB(t))) })
	}
}

var logsT0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func logsGroups(t *testing.T, s *sqlstore.LogsStore) {
	ctx := context.Background()
	for _, n := range []string{"/app/b", "/app/a", "/other", "/app/_x"} {
		if err := s.CreateLogGroup(ctx, logs.Group{Name: n, CreationTime: logsT0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateLogGroup(ctx, logs.Group{Name: "/app/a", CreationTime: logsT0}); !errors.Is(err, logs.ErrExists) {
		t.Errorf("duplicate group: %v", err)
	}
	gs, err := s.ListLogGroups(ctx, "/app/", "", 10)
	if err != nil || len(gs) != 3 || gs[0].Name != "/app/_x" || gs[1].Name != "/app/a" || !gs[0].CreationTime.Equal(logsT0) {
		t.Errorf("ListLogGroups(/app/) = %v, %v", gs, err)
	}
	// '_' in a prefix is not a LIKE wildcard.
	if gs, _ := s.ListLogGroups(ctx, "/app/_", "", 10); len(gs) != 1 {
		t.Errorf("ListLogGroups(/app/_) = %v", gs)
	}
	if gs, _ := s.ListLogGroups(ctx, "", "/app/a", 2); len(gs) != 2 || gs[0].Name != "/app/b" {
		t.Errorf("ListLogGroups after /app/a = %v", gs)
	}
	if err := s.DeleteLogGroup(ctx, "/app/a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteLogGroup(ctx, "/app/a"); !errors.Is(err, logs.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

func logsStreams(t *testing.T, s *sqlstore.LogsStore) {
	ctx := context.Background()
	if err := s.CreateLogStream(ctx, logs.Stream{Group: "g", Name: "a", CreationTime: logsT0}); !errors.Is(err, logs.ErrNotFound) {
		t.Errorf("stream in a missing group: %v", err)
	}
	if err := s.CreateLogGroup(ctx, logs.Group{Name: "g", CreationTime: logsT0}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"b", "a", "a/1"} {
		if err := s.CreateLogStream(ctx, logs.Stream{Group: "g", Name: n, CreationTime: logsT0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateLogStream(ctx, logs.Stream{Group: "g", Name: "a", CreationTime: logsT0}); !errors.Is(err, logs.ErrExists) {
		t.Errorf("duplicate stream: %v", err)
	}
	ss, err := s.ListLogStreams(ctx, "g", "a", "", 10)
	if err != nil || len(ss) != 2 || ss[0].Name != "a" || ss[1].Name != "a/1" || !ss[0].LastEventTime.IsZero() {
		t.Errorf("ListLogStreams(a) = %v, %v", ss, err)
	}
	if _, err := s.ListLogStreams(ctx, "nope", "", "", 10); !errors.Is(err, logs.ErrNotFound) {
		t.Errorf("streams of a missing group: %v", err)
	}
}

func logsEvents(t *testing.T, s *sqlstore.LogsStore) {
	ctx := context.Background()
	if err := s.CreateLogGroup(ctx, logs.Group{Name: "g", CreationTime: logsT0}); err != nil {
		t.Fatal(err)
	}
	ms := logsT0.UnixMilli()
	ev := func(ts int64, m string) logs.Event { return logs.Event{Timestamp: ms + ts, Ingestion: ms, Message: m} }
	if err := s.AppendEvents(ctx, "g", "s1", false, []logs.Event{ev(0, "x")}, logsT0); !errors.Is(err, logs.ErrNotFound) {
		t.Errorf("append to a missing stream: %v", err)
	}
	if err := s.AppendEvents(ctx, "nope", "s1", true, []logs.Event{ev(0, "x")}, logsT0); !errors.Is(err, logs.ErrNotFound) {
		t.Errorf("append to a missing group: %v", err)
	}
	if err := s.AppendEvents(ctx, "g", "s1", true, []logs.Event{ev(10, "a"), ev(10, "b"), ev(20, "c")}, logsT0); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvents(ctx, "g", "s2", true, []logs.Event{ev(5, "d"), ev(15, "e")}, logsT0); err != nil {
		t.Fatal(err)
	}
	msgs := func(evs []logs.Event) string {
		out := ""
		for _, e := range evs {
			out += e.Message
		}
		return out
	}
	all, err := s.ReadEvents(ctx, logs.EventQuery{Group: "g", Limit: 100})
	if err != nil || msgs(all) != "dabec" {
		t.Fatalf("all events = %q, %v", msgs(all), err)
	}
	one, _ := s.ReadEvents(ctx, logs.EventQuery{Group: "g", Streams: []string{"s1"}, Limit: 100})
	if msgs(one) != "abc" || one[0].Seq != 0 || one[1].Seq != 1 {
		t.Errorf("s1 = %+v", one)
	}
	p := logs.Position{Timestamp: all[1].Timestamp, Seq: all[1].Seq, Stream: all[1].Stream}
	if got, _ := s.ReadEvents(ctx, logs.EventQuery{Group: "g", After: &p, Limit: 2}); msgs(got) != "be" {
		t.Errorf("after a = %q", msgs(got))
	}
	if got, _ := s.ReadEvents(ctx, logs.EventQuery{Group: "g", After: &p, Backward: true, Limit: 10}); msgs(got) != "d" {
		t.Errorf("before a = %q", msgs(got))
	}
	if got, _ := s.ReadEvents(ctx, logs.EventQuery{Group: "g", Start: ms + 10, End: ms + 20, Limit: 10}); msgs(got) != "abe" {
		t.Errorf("[10,20) = %q", msgs(got))
	}
	ss, _ := s.ListLogStreams(ctx, "g", "s1", "", 1)
	if len(ss) != 1 || ss[0].FirstEventTime.UnixMilli() != ms+10 || ss[0].LastEventTime.UnixMilli() != ms+20 {
		t.Errorf("s1 = %+v", ss)
	}
	if gs, _ := s.ListLogGroups(ctx, "g", "", 1); len(gs) != 1 || gs[0].StoredBytes != 5 {
		t.Errorf("group = %+v", gs)
	}
	if err := s.DeleteLogGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ReadEvents(ctx, logs.EventQuery{Group: "g", Limit: 10}); len(got) != 0 {
		t.Errorf("events after delete = %v", got)
	}
}
