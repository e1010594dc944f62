package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward"
)

// fuzzZones: DST in both hemispheres, a 30-minute DST shift (Lord Howe),
// quarter-hour offsets (Kathmandu, Chatham), and a zone that skipped a
// whole day (Apia, 2011-12-30).
var fuzzZones = []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "Pacific/Apia", "Australia/Sydney"}

// FuzzParse: any input parses or is refused with the dialect's
// *steward.Error, never a panic; a parsed schedule keeps its text and
// answers Next strictly after; what an association accepts a maintenance
// window accepts, and so does an EventBridge expression that is not more
// frequent than every 5 minutes.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		for d := range uint8(3) {
			f.Add(c.expr, d)
		}
	}
	f.Fuzz(func(t *testing.T, expr string, db uint8) {
		d := Dialect(db%3 + 1)
		s, err := Parse(expr, d)
		if err != nil {
			var se *steward.Error
			if !errors.As(err, &se) || se.Code != d.rules().code || se.Message == "" || se.Cause == nil {
				t.Fatalf("%s: refusal %#v", d, err)
			}
			return
		}
		if s.String() != expr || s.Kind() == 0 || s.Dialect() != d {
			t.Fatalf("%s: %q parsed as %q kind %v", d, expr, s.String(), s.Kind())
		}
		for _, a := range []string{"1969-12-31T23:59:59Z", "2026-01-14T09:58:00Z", "2199-12-31T23:59:00Z"} {
			after := mustTime(t, a)
			got, ok := s.Next(after)
			if ok && !got.After(after) {
				t.Fatalf("%q: Next(%v) = %v", expr, after, got)
			}
			if ok && s.Kind() == Cron && !refFires(s, refCompile(expr), got) {
				t.Fatalf("%q: Next(%v) = %v, which the reference rejects", expr, after, got)
			}
		}
		switch d {
		case SSMAssociation:
			if _, err := Parse(expr, SSMMaintenanceWindow); err != nil {
				t.Fatalf("%q: association but not maintenance window: %v", expr, err)
			}
		case EventBridge:
			if _, err := Parse(expr, SSMMaintenanceWindow); err != nil && (s.Kind() != Cron || s.cron.minGap() >= 300) {
				t.Fatalf("%q: EventBridge but not maintenance window: %v", expr, err)
			}
		}
	})
}

// FuzzNext: for any valid expression, zone, offset, anchor and instant,
// successive Next results strictly increase, each is a fire time by the
// reference matcher (cron), on the grid (rate) or the at() time; and no
// earlier fire time is skipped, by a brute-force scan of the reference
// over a bounded window.
func FuzzNext(f *testing.F) {
	for i, c := range seqCases {
		d := c.d
		if d == 0 {
			d = EventBridge
		}
		f.Add(c.expr, uint8(d-1), mustTime(f, c.after).Unix(), uint8(i), uint8(c.offset), int64(0))
	}
	f.Add("cron(0/15 * * * ? *)", uint8(0), int64(1793503800), uint8(1), uint8(0), int64(0)) // NY fall-back 2026
	f.Add("cron(30 1 * * ? *)", uint8(2), int64(1793455200), uint8(1), uint8(1), int64(-3600))
	f.Add("cron(0,30 * * * ? *)", uint8(0), int64(1775318400), uint8(3), uint8(0), int64(0))   // Lord Howe
	f.Add("cron(0 0 ? * 6L *)", uint8(2), int64(1325160000), uint8(7), uint8(6), int64(86400)) // Apia 2011
	f.Add("rate(7 days)", uint8(2), int64(1700000000), uint8(2), uint8(0), int64(12345))
	f.Add("at(2026-11-01T01:30:00)", uint8(2), int64(1780000000), uint8(1), uint8(0), int64(0))
	f.Fuzz(func(t *testing.T, expr string, db uint8, afterSec int64, zone uint8, offset uint8, anchorDelta int64) {
		checkNext(t, expr, Dialect(db%3+1), afterSec, zone, offset, anchorDelta)
	})
}

// Field vocabularies for FuzzCron, covering every special form, wrapping
// ranges, steps and year limits.
var (
	fzSecond = []string{"0", "30", "15,45", "*/20", "59"}
	fzMinute = []string{"*", "0", "0/15", "5-50/5", "59", "0,30", "10-20", "*/7", "45-15", "1/10"}
	fzHour   = []string{"*", "0", "23", "22-2", "8-17", "0/6", "*/5", "12", "1,13"}
	fzDOM    = []string{"?", "*", "1", "15", "31", "L", "LW", "L-3", "L-2W", "15W", "1W", "31W", "29", "30", "1-7", "25-5/2", "*/10"}
	fzMonth  = []string{"*", "2", "FEB", "JAN,JUL", "11-2", "*/5", "DEC", "4,6,9,11"}
	fzDOW    = []string{"?", "*", "MON-FRI", "1", "L", "6L", "SUNL", "2#1", "5#5", "FRI-MON", "SUN,SAT", "*/3", "TUE#3"}
	fzYear   = []string{"*", "2026", "2026-2030", "2030/7", "2199", "1990-2199/50", "2024,2028,2100", "1970"}
)

// FuzzCron: FuzzNext's checks over expressions built from valid fields, so
// that most inputs reach Next.
func FuzzCron(f *testing.F) {
	f.Add(uint8(0), uint8(1), uint8(0), uint8(2), uint8(0), uint8(0), uint8(0), false, int64(1793503800), uint8(1), uint8(0), int64(0))
	f.Add(uint8(0), uint8(3), uint8(1), uint8(5), uint8(4), uint8(1), uint8(5), true, int64(1774746000), uint8(2), uint8(2), int64(3600))
	f.Add(uint8(2), uint8(8), uint8(6), uint8(11), uint8(1), uint8(0), uint8(0), false, int64(1325160000), uint8(7), uint8(0), int64(0))
	f.Add(uint8(1), uint8(0), uint8(3), uint8(0), uint8(2), uint8(0), uint8(6), false, int64(4000000000), uint8(3), uint8(6), int64(-86400))
	f.Fuzz(func(t *testing.T, sec, minute, hour, dom, month, dow, year uint8, seconds bool, afterSec int64, zone, offset uint8, anchorDelta int64) {
		pick := func(v []string, i uint8) string { return v[int(i)%len(v)] }
		expr := "cron(" + pick(fzMinute, minute) + " " + pick(fzHour, hour) + " " + pick(fzDOM, dom) + " " +
			pick(fzMonth, month) + " " + pick(fzDOW, dow) + " " + pick(fzYear, year) + ")"
		d := EventBridge
		if seconds {
			expr = "cron(" + pick(fzSecond, sec) + " " + expr[len("cron("):]
			d = SSMMaintenanceWindow
		} else if offset%7 != 0 {
			d = SSMMaintenanceWindow // offsets need a Systems Manager dialect
		}
		checkNext(t, expr, d, afterSec, zone, offset, anchorDelta)
	})
}

// checkNext is the body of FuzzNext and FuzzCron.
func checkNext(t *testing.T, expr string, d Dialect, afterSec int64, zone, offset uint8, anchorDelta int64) {
	t.Helper()
	s, err := Parse(expr, d)
	if err != nil {
		return
	}
	loc, err := LoadLocation(fuzzZones[int(zone)%len(fuzzZones)])
	if err != nil {
		t.Fatal(err)
	}
	s = s.In(loc)
	// after: any second from 1990 to 2199.
	const lo, hi = 631152000, 7258118400
	after := time.Unix(lo+(afterSec%(hi-lo)+(hi-lo))%(hi-lo), 0)
	if anchorDelta != 0 {
		s = s.StartAt(after.Add(time.Duration(anchorDelta%(40*86400)) * time.Second))
	}
	if o := int(offset % 7); o != 0 {
		if os, err := s.WithOffset(o); err == nil {
			s = os
		}
	}

	var ref refCron
	if s.Kind() == Cron {
		ref = refCompile(expr)
	}
	prev := after
	for i := range 5 {
		got, ok := s.Next(prev)
		if !ok {
			if i == 0 && ref != nil {
				window := bruteWindow(s)
				if r, found := refNext(s, ref, after, after.Add(window), bruteStep(s)); found {
					t.Fatalf("%q in %v: Next(%v) = none; the reference fires at %v", expr, loc, after, r)
				}
			}
			return
		}
		if !got.After(prev) {
			t.Fatalf("%q in %v: Next(%v) = %v, not after", expr, loc, prev, got)
		}
		switch s.Kind() {
		case Cron:
			if !refFires(s, ref, got) {
				t.Fatalf("%q in %v offset %d anchor %v: Next(%v) = %v (%v), which the reference rejects", expr, loc, s.Offset(), s.Anchor(), prev, got.UTC(), got)
			}
			if i == 0 {
				window := bruteWindow(s)
				limit := after.Add(window)
				if got.Before(limit) {
					limit = got
				}
				r, found := refNext(s, ref, after, limit, bruteStep(s))
				if found && !r.Equal(got) || !found && !got.After(limit) {
					t.Fatalf("%q in %v offset %d: Next(%v) = %v; the reference scan finds %v, %v", expr, loc, s.Offset(), after, got.UTC(), r.UTC(), found)
				}
			}
		case Rate:
			if a := s.Anchor(); !a.IsZero() {
				d := got.Unix() - a.Unix()
				onGrid := d >= 0 && d%int64(s.Period()/time.Second) == 0 && got.Nanosecond() == a.Nanosecond()
				least := got.Equal(a) || !got.Add(-s.Period()).After(prev)
				if !onGrid || !least {
					t.Fatalf("%q anchored %v: Next(%v) = %v", expr, a, prev, got)
				}
			} else if !got.Equal(prev.Add(s.Period())) {
				t.Fatalf("%q: Next(%v) = %v", expr, prev, got)
			}
		case At:
			if i > 0 {
				t.Fatalf("%q fired twice", expr)
			}
			c := civilOf(got.In(loc))
			if c != s.at || !refFirstOccurrence(got.In(loc)) {
				t.Fatalf("%q in %v: %v", expr, loc, got)
			}
		}
		prev = got
	}
}

// bruteStep and bruteWindow bound the reference scan: minute steps over two
// days, or second steps over three hours for the seconds form.
func bruteStep(s Schedule) time.Duration {
	if s.cron.hasSeconds {
		return time.Second
	}
	return time.Minute
}

func bruteWindow(s Schedule) time.Duration {
	if s.cron.hasSeconds {
		return 3 * time.Hour
	}
	return 48 * time.Hour
}
