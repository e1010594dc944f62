package logs_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/logs"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func newService(t testing.TB) (*logs.Service, *steward.FakeClock) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := steward.NewFakeClock(t0)
	return logs.New(sqlstore.NewLogsStore(db), logs.Env{Clock: clock, Account: "000000000000", Region: "us-east-1"}, nil), clock
}

func code(err error) string { return steward.ErrorCode(err) }

func ptr[T any](v T) *T { return &v }

func TestPutLogEventsLimits(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	if err := s.CreateLogGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLogStream(ctx, "g", "s"); err != nil {
		t.Fatal(err)
	}
	now := t0.UnixMilli()
	day := int64(24 * time.Hour / time.Millisecond)
	big := strings.Repeat("x", 1048576-25)
	tests := []struct {
		name string
		evs  []logs.InputEvent
		code string
	}{
		{"empty batch", nil, logs.CodeInvalidParameter},
		{"empty message", []logs.InputEvent{{Timestamp: now}}, logs.CodeInvalidParameter},
		{"event too large", []logs.InputEvent{{Timestamp: now, Message: big}}, logs.CodeInvalidParameter},
		{"batch too large", []logs.InputEvent{{Timestamp: now, Message: big[:600000]}, {Timestamp: now, Message: big[:600000]}}, logs.CodeInvalidParameter},
		{"out of order", []logs.InputEvent{{Timestamp: now, Message: "b"}, {Timestamp: now - 1, Message: "a"}}, logs.CodeInvalidParameter},
		{"spans a day", []logs.InputEvent{{Timestamp: now - day - 1, Message: "a"}, {Timestamp: now, Message: "b"}}, logs.CodeInvalidParameter},
		{"too many", make([]logs.InputEvent, 10001), logs.CodeInvalidParameter},
	}
	for _, tc := range tests {
		if _, err := s.PutLogEvents(ctx, "g", "s", tc.evs); code(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := s.PutLogEvents(ctx, "g", "nope", []logs.InputEvent{{Timestamp: now, Message: "x"}}); code(err) != logs.CodeResourceNotFound {
		t.Errorf("missing stream: %v", err)
	}
	// Exactly at the edges: 14 days old and 2 hours ahead are accepted.
	rej, err := s.PutLogEvents(ctx, "g", "s", []logs.InputEvent{
		{Timestamp: now - 14*day - 1, Message: "old"}, {Timestamp: now - 14*day, Message: "edge"}})
	if err != nil || rej == nil || rej.TooOldEndIndex == nil || *rej.TooOldEndIndex != 1 || rej.TooNewStartIndex != nil {
		t.Errorf("too old: %+v, %v", rej, err)
	}
	rej, err = s.PutLogEvents(ctx, "g", "s", []logs.InputEvent{
		{Timestamp: now + 2*3600*1000, Message: "edge"}, {Timestamp: now + 2*3600*1000 + 1, Message: "new"}})
	if err != nil || rej == nil || rej.TooNewStartIndex == nil || *rej.TooNewStartIndex != 1 || rej.TooOldEndIndex != nil {
		t.Errorf("too new: %+v, %v", rej, err)
	}
	rej, err = s.PutLogEvents(ctx, "g", "s", []logs.InputEvent{{Timestamp: now + 3*3600*1000, Message: "all new"}})
	if err != nil || rej == nil || *rej.TooNewStartIndex != 0 {
		t.Errorf("all too new: %+v, %v", rej, err)
	}
	out, err := s.GetLogEvents(ctx, logs.GetLogEventsInput{Group: "g", Stream: "s", StartFromHead: true})
	if err != nil || len(out.Events) != 2 || out.Events[0].Message != "edge" || out.Events[1].Ingestion != now {
		t.Errorf("stored = %+v, %v", out, err)
	}
}

func TestGetLogEventsTokens(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	if err := s.Deliver(ctx, "g", "s", []logs.InputEvent{{Timestamp: 1, Message: "x"}}); code(err) != logs.CodeResourceNotFound {
		t.Errorf("deliver to a missing group: %v", err)
	}
	if err := s.CreateLogGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	var evs []logs.InputEvent
	for i := range 5 {
		evs = append(evs, logs.InputEvent{Timestamp: t0.UnixMilli() + int64(i/2), Message: string(rune('a' + i))})
	}
	if err := s.Deliver(ctx, "g", "s", evs); err != nil { // creates the stream
		t.Fatal(err)
	}
	msgs := func(o *logs.GetLogEventsOutput) string {
		var b strings.Builder
		for _, e := range o.Events {
			b.WriteString(e.Message)
		}
		return b.String()
	}
	get := func(in logs.GetLogEventsInput) *logs.GetLogEventsOutput {
		t.Helper()
		in.Group, in.Stream = "g", "s"
		o, err := s.GetLogEvents(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	var got []string
	o := get(logs.GetLogEventsInput{StartFromHead: true, Limit: ptr(2)})
	for len(o.Events) > 0 {
		got = append(got, msgs(o))
		o = get(logs.GetLogEventsInput{Token: &o.ForwardToken, Limit: ptr(2)})
	}
	if strings.Join(got, "|") != "ab|cd|e" {
		t.Errorf("forward = %v", got)
	}
	tok := o.ForwardToken
	if again := get(logs.GetLogEventsInput{Token: &tok}); again.ForwardToken != tok || len(again.Events) != 0 {
		t.Errorf("at the end the token must come back unchanged: %+v", again)
	}
	got = nil
	o = get(logs.GetLogEventsInput{Limit: ptr(2)})
	for len(o.Events) > 0 {
		got = append(got, msgs(o))
		o = get(logs.GetLogEventsInput{Token: &o.BackToken, Limit: ptr(2)})
	}
	if strings.Join(got, "|") != "de|bc|a" {
		t.Errorf("backward = %v", got)
	}
	if o := get(logs.GetLogEventsInput{StartFromHead: true, Start: ptr(t0.UnixMilli() + 1), End: ptr(t0.UnixMilli() + 2)}); msgs(o) != "cd" {
		t.Errorf("time range = %q", msgs(o))
	}
	for _, bad := range []string{"", "x", "f/1/2", "f/a/b/s", "z/1/2/s"} {
		if _, err := s.GetLogEvents(ctx, logs.GetLogEventsInput{Group: "g", Stream: "s", Token: &bad}); code(err) != logs.CodeInvalidParameter {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	if _, err := s.GetLogEvents(ctx, logs.GetLogEventsInput{Group: "g", Stream: "nope"}); code(err) != logs.CodeResourceNotFound {
		t.Errorf("missing stream: %v", err)
	}
}

func TestFilterAndDescribe(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	for _, g := range []string{"a/1", "a/2", "a/3", "b"} {
		if err := s.CreateLogGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateLogGroup(ctx, "a/1"); code(err) != logs.CodeResourceAlreadyExists {
		t.Errorf("duplicate: %v", err)
	}
	var names []string
	var tok *string
	for {
		gs, next, err := s.DescribeLogGroups(ctx, "a/", tok, ptr(2))
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			names = append(names, g.Name)
		}
		if next == "" {
			break
		}
		tok = &next
	}
	if strings.Join(names, ",") != "a/1,a/2,a/3" {
		t.Errorf("groups = %v", names)
	}
	if _, _, err := s.DescribeLogGroups(ctx, "", nil, ptr(51)); code(err) != logs.CodeInvalidParameter {
		t.Errorf("limit 51: %v", err)
	}
	ms := t0.UnixMilli()
	for i, st := range []string{"s1", "s2"} {
		if err := s.Deliver(ctx, "b", st, []logs.InputEvent{{Timestamp: ms + int64(i), Message: "ERROR disk full on " + st}, {Timestamp: ms + 10, Message: "INFO ok"}}); err != nil {
			t.Fatal(err)
		}
	}
	evs, next, err := s.FilterLogEvents(ctx, logs.FilterLogEventsInput{Group: "b", Pattern: `ERROR "disk full"`})
	if err != nil || len(evs) != 2 || evs[0].Stream != "s1" || evs[1].Stream != "s2" || next != "" {
		t.Errorf("filter = %+v, %q, %v", evs, next, err)
	}
	evs, next, err = s.FilterLogEvents(ctx, logs.FilterLogEventsInput{Group: "b", Limit: ptr(3)})
	if err != nil || len(evs) != 3 || next == "" {
		t.Fatalf("page 1 = %+v, %q, %v", evs, next, err)
	}
	evs, next, _ = s.FilterLogEvents(ctx, logs.FilterLogEventsInput{Group: "b", Limit: ptr(3), Token: &next})
	if len(evs) != 1 || next != "" || evs[0].Stream != "s2" || evs[0].Message != "INFO ok" {
		t.Errorf("page 2 = %+v, %q", evs, next)
	}
	if _, _, err := s.FilterLogEvents(ctx, logs.FilterLogEventsInput{Group: "b", Pattern: `{ $.level = "x" }`}); code(err) != logs.CodeInvalidParameter {
		t.Errorf("JSON pattern: %v", err)
	}
	if err := s.DeleteLogGroup(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.DescribeLogStreams(ctx, "b", "", nil, nil); code(err) != logs.CodeResourceNotFound {
		t.Errorf("streams of a deleted group: %v", err)
	}
}

// FuzzRequests: filter patterns and tokens from the wire never panic and
// fail only with InvalidParameterException.
func FuzzRequests(f *testing.F) {
	for _, s := range []string{`ERROR "a b"`, `"unterminated`, `{ $.x = 1 }`, "f/1/2/s", "b/-1/0/", "n/x", ""} {
		f.Add(s)
	}
	svc, _ := newService(f)
	ctx := context.Background()
	if err := svc.CreateLogGroup(ctx, "g"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		_, _, err := svc.FilterLogEvents(ctx, logs.FilterLogEventsInput{Group: "g", Pattern: in, Token: &in})
		if err != nil && code(err) != logs.CodeInvalidParameter {
			t.Errorf("FilterLogEvents(%q): %v", in, err)
		}
		if _, _, err := svc.DescribeLogGroups(ctx, in, &in, nil); err != nil && code(err) != logs.CodeInvalidParameter {
			t.Errorf("DescribeLogGroups(%q): %v", in, err)
		}
	})
}
