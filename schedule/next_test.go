package schedule

import (
	"testing"
	"time"
	_ "time/tzdata" // the DST cases must not depend on the host's zoneinfo
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// seqCase: successive Next calls from after must return want, in order;
// "none" means Next reports no further fire time.
type seqCase struct {
	name   string
	expr   string
	d      Dialect
	tz     string
	anchor string
	offset int
	after  string
	want   []string
}

const docAfter = "2026-01-14T09:58:00Z" // a Wednesday

var seqCases = []seqCase{
	// The AWS documentation's examples.
	{name: "daily 10:00", expr: "cron(0 10 * * ? *)", after: docAfter,
		want: []string{"2026-01-14T10:00:00Z", "2026-01-15T10:00:00Z", "2026-01-16T10:00:00Z"}},
	{name: "daily 12:15", expr: "cron(15 12 * * ? *)", after: docAfter,
		want: []string{"2026-01-14T12:15:00Z", "2026-01-15T12:15:00Z"}},
	{name: "weekdays 18:00", expr: "cron(0 18 ? * MON-FRI *)", after: "2026-01-15T18:00:00Z",
		want: []string{"2026-01-16T18:00:00Z", "2026-01-19T18:00:00Z", "2026-01-20T18:00:00Z"}},
	{name: "1st of the month", expr: "cron(0 8 1 * ? *)", after: docAfter,
		want: []string{"2026-02-01T08:00:00Z", "2026-03-01T08:00:00Z", "2026-04-01T08:00:00Z"}},
	{name: "every 15 minutes", expr: "cron(0/15 * * * ? *)", after: docAfter,
		want: []string{"2026-01-14T10:00:00Z", "2026-01-14T10:15:00Z", "2026-01-14T10:30:00Z"}},
	{name: "every 10 minutes on weekdays", expr: "cron(0/10 * ? * MON-FRI *)", after: "2026-01-16T23:55:00Z",
		want: []string{"2026-01-19T00:00:00Z", "2026-01-19T00:10:00Z"}},
	{name: "every 5 minutes in office hours", expr: "cron(0/5 8-17 ? * MON-FRI *)", after: "2026-01-16T17:52:00Z",
		want: []string{"2026-01-16T17:55:00Z", "2026-01-19T08:00:00Z", "2026-01-19T08:05:00Z"}},
	{name: "first Monday", expr: "cron(0 9 ? * 2#1 *)", after: docAfter,
		want: []string{"2026-02-02T09:00:00Z", "2026-03-02T09:00:00Z", "2026-04-06T09:00:00Z"}},
	{name: "last day", expr: "cron(0 0 L * ? *)", after: docAfter,
		want: []string{"2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z"}},
	{name: "last Friday", expr: "cron(0 0 ? * 6L *)", after: docAfter,
		want: []string{"2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z", "2026-03-27T00:00:00Z"}},
	{name: "weekday nearest the 15th", expr: "cron(0 0 15W * ? *)", after: docAfter,
		want: []string{"2026-01-15T00:00:00Z", "2026-02-16T00:00:00Z", "2026-03-16T00:00:00Z", "2026-04-15T00:00:00Z"}},
	{name: "third Thursday 02:00", expr: "cron(0 2 ? * THU#3 *)", d: SSMMaintenanceWindow, after: docAfter,
		want: []string{"2026-01-15T02:00:00Z", "2026-02-19T02:00:00Z"}},
	{name: "seconds field", expr: "cron(24 30 09 ? * * *)", d: SSMMaintenanceWindow, after: "2026-01-14T09:30:23.9Z",
		want: []string{"2026-01-14T09:30:24Z", "2026-01-15T09:30:24Z"}},
	{name: "association every 30 minutes (7 fields)", expr: "cron(0 0/30 * 1/1 * ? *)", d: SSMAssociation, after: docAfter,
		want: []string{"2026-01-14T10:00:00Z", "2026-01-14T10:30:00Z", "2026-01-14T11:00:00Z"}},

	// L and W at month edges.
	{name: "1W on a Saturday moves to Monday the 3rd", expr: "cron(0 0 1W * ? *)", after: "2026-07-15T00:00:00Z",
		want: []string{"2026-08-03T00:00:00Z", "2026-09-01T00:00:00Z"}},
	{name: "31W: Sunday the 31st moves back to Friday; 30-day months skip", expr: "cron(0 0 31W * ? *)", after: "2026-05-01T00:00:00Z",
		want: []string{"2026-05-29T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"}},
	{name: "LW", expr: "cron(0 0 LW * ? *)", after: "2026-01-01T00:00:00Z",
		want: []string{"2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z", "2026-03-31T00:00:00Z"}},
	{name: "L-2", expr: "cron(0 0 L-2 * ? *)", after: "2026-01-01T00:00:00Z",
		want: []string{"2026-01-29T00:00:00Z", "2026-02-26T00:00:00Z", "2026-03-29T00:00:00Z"}},
	{name: "L in day-of-week is Saturday", expr: "cron(0 0 ? * L *)", after: docAfter,
		want: []string{"2026-01-17T00:00:00Z", "2026-01-24T00:00:00Z"}},
	{name: "fifth Thursday of February: leap years starting on a Thursday", expr: "cron(0 0 ? 2 5#5 *)", after: "2026-01-01T00:00:00Z",
		want: []string{"2052-02-29T00:00:00Z", "2080-02-29T00:00:00Z"}},

	// Leap years.
	{name: "Feb 29", expr: "cron(0 0 29 2 ? *)", after: "2025-01-01T00:00:00Z",
		want: []string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
	{name: "Feb 29 skips 2100", expr: "cron(0 0 29 FEB ? *)", after: "2096-03-01T00:00:00Z",
		want: []string{"2104-02-29T00:00:00Z", "2108-02-29T00:00:00Z"}},
	{name: "last day of February", expr: "cron(0 0 L 2 ? *)", after: "2026-01-01T00:00:00Z",
		want: []string{"2026-02-28T00:00:00Z", "2027-02-28T00:00:00Z", "2028-02-29T00:00:00Z"}},
	{name: "Feb 29 2100 never comes", expr: "cron(0 12 29 FEB ? 2100)", after: "2026-01-01T00:00:00Z",
		want: []string{"none"}},
	{name: "Feb 30 never comes", expr: "cron(0 0 30 2 ? *)", after: "2026-01-01T00:00:00Z",
		want: []string{"none"}},

	// Years.
	{name: "year range ends", expr: "cron(0 0 1 1 ? 2027-2029)", after: "2026-06-01T00:00:00Z",
		want: []string{"2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z", "2029-01-01T00:00:00Z", "none"}},
	{name: "year step", expr: "cron(0 0 1 1 ? 2030/5)", after: "2026-06-01T00:00:00Z",
		want: []string{"2030-01-01T00:00:00Z", "2035-01-01T00:00:00Z", "2040-01-01T00:00:00Z"}},
	{name: "far year", expr: "cron(0 0 1 1 ? 2199)", after: "2026-06-01T00:00:00Z",
		want: []string{"2199-01-01T00:00:00Z", "none"}},
	{name: "past year", expr: "cron(0 0 * * ? 2020)", after: "2026-06-01T00:00:00Z",
		want: []string{"none"}},
	{name: "after MaxYear", expr: "cron(0 0 * * ? *)", after: "2199-12-31T00:00:00Z",
		want: []string{"none"}},
	{name: "before 1970", expr: "cron(0 0 1 1 ? *)", after: "1900-06-01T00:00:00Z",
		want: []string{"1970-01-01T00:00:00Z", "1971-01-01T00:00:00Z"}},

	// Ranges that wrap, lists with empty items, sub-second after.
	{name: "hours 22-2", expr: "cron(0 22-2 * * ? *)", after: "2026-01-14T21:30:00Z",
		want: []string{"2026-01-14T22:00:00Z", "2026-01-14T23:00:00Z", "2026-01-15T00:00:00Z", "2026-01-15T01:00:00Z", "2026-01-15T02:00:00Z", "2026-01-15T22:00:00Z"}},
	{name: "FRI-MON", expr: "cron(0 12 ? * FRI-MON *)", after: docAfter,
		want: []string{"2026-01-16T12:00:00Z", "2026-01-17T12:00:00Z", "2026-01-18T12:00:00Z", "2026-01-19T12:00:00Z", "2026-01-23T12:00:00Z"}},
	{name: "empty list items", expr: "cron(0/5, 9-18, ?, *, MON-FRI, *)", after: "2026-01-16T18:52:00Z",
		want: []string{"2026-01-16T18:55:00Z", "2026-01-19T09:00:00Z"}},
	{name: "strictly after, to the nanosecond", expr: "cron(0/15 * * * ? *)", after: "2026-01-14T10:00:00.000000001Z",
		want: []string{"2026-01-14T10:15:00Z"}},
	{name: "just before", expr: "cron(0/15 * * * ? *)", after: "2026-01-14T09:59:59.999999999Z",
		want: []string{"2026-01-14T10:00:00Z"}},

	// Time zones and DST. New York: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z);
	// 2026-11-01 02:00 EDT → 01:00 EST (06:00Z). Berlin: 2026-03-29 02:00 CET
	// → 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST → 02:00 CET (01:00Z).
	{name: "NY 09:00 keeps the wall clock across spring-forward", expr: "cron(0 9 * * ? *)", d: SSMMaintenanceWindow, tz: "America/New_York", after: "2026-03-07T15:00:00Z",
		want: []string{"2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z"}},
	{name: "NY 02:30 is skipped on spring-forward day", expr: "cron(30 2 * * ? *)", d: SSMMaintenanceWindow, tz: "America/New_York", after: "2026-03-06T12:00:00Z",
		want: []string{"2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"}},
	{name: "NY 01:30 fires once on fall-back day", expr: "cron(30 1 * * ? *)", d: SSMMaintenanceWindow, tz: "America/New_York", after: "2026-10-31T12:00:00Z",
		want: []string{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
	{name: "NY every 15 minutes across fall-back: the repeated hour is not repeated", expr: "cron(0/15 * * * ? *)", tz: "America/New_York", after: "2026-11-01T05:40:00Z",
		want: []string{"2026-11-01T05:45:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:15:00Z"}},
	{name: "NY every 15 minutes from inside the repeated hour", expr: "cron(0/15 * * * ? *)", tz: "America/New_York", after: "2026-11-01T06:10:00Z",
		want: []string{"2026-11-01T07:00:00Z"}},
	{name: "NY every 15 minutes across spring-forward", expr: "cron(0/15 * * * ? *)", tz: "America/New_York", after: "2026-03-08T06:40:00Z",
		want: []string{"2026-03-08T06:45:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:15:00Z"}},
	{name: "Berlin Sunday 02:30 skipped in March, once in October", expr: "cron(30 2 ? * SUN *)", d: SSMMaintenanceWindow, tz: "Europe/Berlin", after: "2026-03-22T12:00:00Z",
		want: []string{"2026-04-05T00:30:00Z", "2026-04-12T00:30:00Z"}},
	{name: "Berlin Sunday 02:30 in October fires at the first 02:30", expr: "cron(30 2 ? * SUN *)", d: SSMMaintenanceWindow, tz: "Europe/Berlin", after: "2026-10-18T12:00:00Z",
		want: []string{"2026-10-25T00:30:00Z", "2026-11-01T01:30:00Z"}},
	{name: "Berlin hourly across fall-back", expr: "cron(0 * * * ? *)", tz: "Europe/Berlin", after: "2026-10-24T23:30:00Z",
		want: []string{"2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"}},
	{name: "Berlin hourly across spring-forward", expr: "cron(0 * * * ? *)", tz: "Europe/Berlin", after: "2026-03-29T00:30:00Z",
		want: []string{"2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"}},
	{name: "at in a spring-forward gap never fires", expr: "at(2026-03-08T02:30:00)", d: SSMMaintenanceWindow, tz: "America/New_York", after: "2026-01-01T00:00:00Z",
		want: []string{"none"}},
	{name: "at in a repeated hour fires at the first", expr: "at(2026-11-01T01:30:00)", d: SSMMaintenanceWindow, tz: "America/New_York", after: "2026-01-01T00:00:00Z",
		want: []string{"2026-11-01T05:30:00Z", "none"}},
	{name: "at in Los Angeles (the CLI example)", expr: "at(2019-07-07T13:15:30)", d: SSMMaintenanceWindow, tz: "America/Los_Angeles", after: "2019-01-01T00:00:00Z",
		want: []string{"2019-07-07T20:15:30Z", "none"}},
	{name: "rate days are 24 hours whatever DST does", expr: "rate(1 day)", d: SSMMaintenanceWindow, tz: "America/New_York", anchor: "2026-03-07T14:00:00Z", after: "2026-03-07T14:00:00Z",
		want: []string{"2026-03-08T14:00:00Z", "2026-03-09T14:00:00Z"}},

	// at.
	{name: "at in the past", expr: "at(2020-07-07T15:55:00)", d: SSMAssociation, after: "2026-01-01T00:00:00Z",
		want: []string{"none"}},
	{name: "at ahead", expr: "at(2020-07-07T15:55:00)", d: SSMAssociation, after: "2020-01-01T00:00:00Z",
		want: []string{"2020-07-07T15:55:00Z", "none"}},
	{name: "at exactly at after is not after", expr: "at(2020-07-07T15:55:00)", d: SSMAssociation, after: "2020-07-07T15:55:00Z",
		want: []string{"none"}},
	{name: "at before the anchor", expr: "at(2020-07-07T15:55:00)", d: SSMMaintenanceWindow, anchor: "2020-08-01T00:00:00Z", after: "2020-01-01T00:00:00Z",
		want: []string{"none"}},

	// rate anchors.
	{name: "rate counts from the anchor", expr: "rate(5 minutes)", anchor: "2026-01-14T09:58:30Z", after: "2026-01-14T09:58:30Z",
		want: []string{"2026-01-14T10:03:30Z", "2026-01-14T10:08:30Z"}},
	{name: "rate before the anchor starts at the anchor", expr: "rate(5 minutes)", anchor: "2026-01-14T09:58:30Z", after: "2026-01-14T09:00:00Z",
		want: []string{"2026-01-14T09:58:30Z", "2026-01-14T10:03:30Z"}},
	{name: "rate catches up from long after the anchor", expr: "rate(7 days)", anchor: "2026-01-01T06:00:00Z", after: "2027-01-01T00:00:00Z",
		want: []string{"2027-01-07T06:00:00Z", "2027-01-14T06:00:00Z"}},
	{name: "rate keeps the anchor's nanoseconds", expr: "rate(1 minute)", anchor: "2026-01-14T10:00:00.25Z", after: "2026-01-14T10:05:00.249Z",
		want: []string{"2026-01-14T10:05:00.25Z", "2026-01-14T10:06:00.25Z"}},
	{name: "rate without an anchor is one period after after", expr: "rate(1 hour)", after: "2026-01-14T10:17:05.5Z",
		want: []string{"2026-01-14T11:17:05.5Z", "2026-01-14T12:17:05.5Z"}},

	// cron with an anchor (StartDate).
	{name: "cron waits for the anchor", expr: "cron(0 10 * * ? *)", d: SSMMaintenanceWindow, anchor: "2026-01-20T00:00:00Z", after: docAfter,
		want: []string{"2026-01-20T10:00:00Z", "2026-01-21T10:00:00Z"}},
	{name: "the anchor is inclusive", expr: "cron(0 10 * * ? *)", d: SSMMaintenanceWindow, anchor: "2026-01-20T10:00:00Z", after: docAfter,
		want: []string{"2026-01-20T10:00:00Z"}},
	{name: "an anchor with nanoseconds rounds up", expr: "cron(0 10 * * ? *)", d: SSMMaintenanceWindow, anchor: "2026-01-20T10:00:00.1Z", after: docAfter,
		want: []string{"2026-01-21T10:00:00Z"}},

	// ScheduleOffset.
	{name: "third Tuesday + 2 days (the SSM example)", expr: "cron(30 23 ? * TUE#3 *)", d: SSMMaintenanceWindow, offset: 2, after: "2026-01-01T00:00:00Z",
		want: []string{"2026-01-22T23:30:00Z", "2026-02-19T23:30:00Z", "2026-03-19T23:30:00Z", "2026-04-23T23:30:00Z"}},
	{name: "second Thursday + 3 days is the next Sunday (the association example)", expr: "cron(0 0 ? * THU#2 *)", d: SSMAssociation, offset: 3, after: "2026-01-01T00:00:00Z",
		want: []string{"2026-01-11T00:00:00Z", "2026-02-15T00:00:00Z", "2026-03-15T00:00:00Z"}},
	{name: "offset without anchor counts a cron day already passed", expr: "cron(0 12 ? * MON *)", d: SSMMaintenanceWindow, offset: 2, after: "2026-03-10T10:00:00Z",
		want: []string{"2026-03-11T12:00:00Z", "2026-03-18T12:00:00Z"}},
	{name: "…but not one before the anchor (SSM: it takes effect next period)", expr: "cron(0 12 ? * MON *)", d: SSMMaintenanceWindow, offset: 2, anchor: "2026-03-10T10:00:00Z", after: "2026-03-10T10:00:00Z",
		want: []string{"2026-03-18T12:00:00Z", "2026-03-25T12:00:00Z"}},
	{name: "daily + 3 with an anchor", expr: "cron(0 6 * * ? *)", d: SSMMaintenanceWindow, offset: 3, anchor: "2026-01-10T00:00:00Z", after: "2026-01-10T00:00:00Z",
		want: []string{"2026-01-13T06:00:00Z", "2026-01-14T06:00:00Z"}},
	{name: "offset crosses the month", expr: "cron(0 6 L * ? *)", d: SSMMaintenanceWindow, offset: 1, after: "2026-01-01T00:00:00Z",
		want: []string{"2026-01-01T06:00:00Z", "2026-02-01T06:00:00Z", "2026-03-01T06:00:00Z"}}, // Dec 31 + 1 first
	{name: "offset landing in a spring-forward gap is skipped", expr: "cron(30 2 ? * SAT *)", d: SSMMaintenanceWindow, tz: "America/New_York", offset: 1, after: "2026-03-01T12:00:00Z",
		want: []string{"2026-03-15T06:30:00Z", "2026-03-22T06:30:00Z"}},
	{name: "offset past MaxYear still fires", expr: "cron(0 0 31 12 ? 2199)", d: SSMMaintenanceWindow, offset: 6, after: "2199-01-01T00:00:00Z",
		want: []string{"2200-01-06T00:00:00Z", "none"}},
}

func (c seqCase) schedule(t testing.TB) Schedule {
	t.Helper()
	d := c.d
	if d == 0 {
		d = EventBridge
	}
	s, err := Parse(c.expr, d)
	if err != nil {
		t.Fatalf("%s: %v", c.expr, err)
	}
	if c.tz != "" {
		s = s.In(mustLoc(t, c.tz))
	}
	if c.anchor != "" {
		s = s.StartAt(mustTime(t, c.anchor))
	}
	if c.offset != 0 {
		if s, err = s.WithOffset(c.offset); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestNextSequences(t *testing.T) {
	for _, c := range seqCases {
		t.Run(c.name, func(t *testing.T) {
			s := c.schedule(t)
			var ref refCron
			if s.Kind() == Cron {
				ref = refCompile(c.expr)
			}
			after := mustTime(t, c.after)
			for i, w := range c.want {
				got, ok := s.Next(after)
				if w == "none" {
					if ok {
						t.Fatalf("Next #%d after %v = %v, want none", i+1, after, got)
					}
					return
				}
				want := mustTime(t, w)
				if !ok || !got.Equal(want) {
					t.Fatalf("Next #%d after %v = %v, %v; want %v", i+1, after, got.UTC(), ok, want)
				}
				if got.Location() != s.Location() {
					t.Errorf("result in %v, want %v", got.Location(), s.Location())
				}
				if ref != nil && !refFires(s, ref, got) {
					t.Errorf("reference matcher rejects %v (%v)", got.UTC(), got)
				}
				// Nothing fires in between (by the reference), when that is cheap to scan.
				if ref != nil && got.Sub(after) <= 3*24*time.Hour {
					step := time.Minute
					if s.cron.hasSeconds {
						step = time.Second
					}
					if r, ok := refNext(s, ref, after, got, step); !ok || !r.Equal(got) {
						t.Errorf("reference scan from %v finds %v, %v; Next said %v", after, r.UTC(), ok, got.UTC())
					}
				}
				after = got
			}
		})
	}
}

// TestRateFarApart: a rate anchored long ago lands on the grid, strictly
// after, within one period.
func TestRateFarApart(t *testing.T) {
	s, _ := Parse("rate(7 days)", EventBridge)
	anchor := mustTime(t, "1970-01-01T00:00:00.5Z")
	s = s.StartAt(anchor)
	for _, a := range []string{"1970-01-01T00:00:00Z", "2199-06-01T13:14:15Z", "9999-12-31T23:59:59Z"} {
		after := mustTime(t, a)
		got, ok := s.Next(after)
		if !ok || !got.After(after) || got.Sub(after) > 7*24*time.Hour {
			t.Fatalf("after %v: %v %v", after, got, ok)
		}
		if d := got.Unix() - anchor.Unix(); d%(7*24*3600) != 0 || got.Nanosecond() != anchor.Nanosecond() {
			t.Errorf("after %v: %v is off the grid", after, got)
		}
	}
	// The end of time: no overflow, no wrap.
	for _, after := range []time.Time{time.Unix(1<<62, 0), time.Unix(-1<<62, 0)} {
		if got, ok := s.Next(after); ok && !got.After(after) {
			t.Errorf("after %v: %v", after, got)
		}
		noAnchor := s.StartAt(time.Time{})
		if got, ok := noAnchor.Next(after); ok && !got.After(after) {
			t.Errorf("no anchor, after %v: %v", after, got)
		}
	}
}

// TestZeroSchedule: the zero value never fires.
func TestZeroSchedule(t *testing.T) {
	if _, ok := (Schedule{}).Next(mustTime(t, docAfter)); ok {
		t.Fatal("zero Schedule fired")
	}
	if (Schedule{}).Location() != time.UTC {
		t.Fatal("zero Schedule not in UTC")
	}
}

// TestInDoesNotShare: In, StartAt and WithOffset return copies.
func TestInDoesNotShare(t *testing.T) {
	s, _ := Parse("cron(0 10 * * ? *)", SSMMaintenanceWindow)
	ny := s.In(mustLoc(t, "America/New_York"))
	o, _ := ny.WithOffset(1)
	a := o.StartAt(mustTime(t, docAfter))
	if s.Location() != time.UTC || s.Offset() != 0 || !s.Anchor().IsZero() || ny.Offset() != 0 || !o.Anchor().IsZero() || a.Offset() != 1 {
		t.Fatal("options leaked between copies")
	}
	after := mustTime(t, docAfter)
	g1, _ := s.Next(after)
	g2, _ := ny.Next(after)
	if g1.Equal(g2) {
		t.Fatal("location had no effect")
	}
}

// TestCalendarArithmetic checks the day-number helpers against package time
// over a few centuries either side of 1970.
func TestCalendarArithmetic(t *testing.T) {
	for d := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2400; d = d.AddDate(0, 0, 13) {
		y, m, day := d.Date()
		n := daysFromCivil(y, int(m), day)
		if n != d.Unix()/secondsPerDay { // midnights: exact division either side of 1970
			t.Fatalf("%v: days %d", d, n)
		}
		if yy, mm, dd := civilFromDays(n); yy != y || mm != int(m) || dd != day {
			t.Fatalf("%v: back to %d-%d-%d", d, yy, mm, dd)
		}
		if weekday(y, int(m), day) != int(d.Weekday())+1 {
			t.Fatalf("%v: weekday %d", d, weekday(y, int(m), day))
		}
		if daysIn(y, int(m)) != time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() {
			t.Fatalf("%v: days in month", d)
		}
	}
}
