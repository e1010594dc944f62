package schedule

import (
	"testing"
	"time"
)

var benchParse = []struct {
	name string
	expr string
	d    Dialect
}{
	{"daily", "cron(0 10 * * ? *)", EventBridge},
	{"office-hours", "cron(0/5 8-17 ? * MON-FRI *)", EventBridge},
	{"nth-weekday", "cron(30 23 ? * TUE#3 *)", SSMMaintenanceWindow},
	{"seconds-cadence", "cron(0 0/30 * 1/1 * ? *)", SSMAssociation},
	{"lists", "cron(0,10,20,30,40,50 0-6,18-23 1-10,20-31 JAN,MAR,MAY-AUG ? 2026-2030,2040)", EventBridge},
	{"rate", "rate(5 minutes)", EventBridge},
	{"at", "at(2030-07-07T15:55:00)", SSMMaintenanceWindow},
	{"invalid", "cron(0 10 * * * *)", EventBridge},
}

func BenchmarkParse(b *testing.B) {
	for _, c := range benchParse {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(c.expr, c.d)
			}
		})
	}
}

var benchNext = []struct {
	name   string
	expr   string
	d      Dialect
	tz     string
	offset int
}{
	{"daily", "cron(0 10 * * ? *)", EventBridge, "", 0},
	{"every-5-min-weekdays", "cron(0/5 8-17 ? * MON-FRI *)", EventBridge, "", 0},
	{"first-monday", "cron(0 9 ? * 2#1 *)", EventBridge, "", 0},
	{"last-day", "cron(0 0 L * ? *)", EventBridge, "", 0},
	{"nearest-weekday", "cron(0 0 15W * ? *)", EventBridge, "", 0},
	{"feb-29", "cron(0 0 29 2 ? *)", EventBridge, "", 0},
	{"year-2199", "cron(0 0 1 1 ? 2199)", EventBridge, "", 0},
	{"never-feb-30", "cron(0 0 30 2 ? *)", EventBridge, "", 0},
	{"daily-new-york", "cron(0 9 * * ? *)", SSMMaintenanceWindow, "America/New_York", 0},
	{"offset-berlin", "cron(30 23 ? * TUE#3 *)", SSMMaintenanceWindow, "Europe/Berlin", 2},
	{"seconds", "cron(24 30 09 ? * * *)", SSMMaintenanceWindow, "", 0},
	{"rate", "rate(5 minutes)", EventBridge, "", 0},
}

// BenchmarkNext measures one Next call from a fixed instant (no iteration
// over the results, so each op is the same search).
func BenchmarkNext(b *testing.B) {
	after := time.Date(2026, 1, 14, 9, 58, 0, 0, time.UTC)
	for _, c := range benchNext {
		b.Run(c.name, func(b *testing.B) {
			s, err := Parse(c.expr, c.d)
			if err != nil {
				b.Fatal(err)
			}
			if c.tz != "" {
				s = s.In(mustLoc(b, c.tz))
			}
			if c.offset != 0 {
				s, _ = s.WithOffset(c.offset)
			}
			if s.Kind() == Rate {
				s = s.StartAt(after.Add(-90 * 24 * time.Hour))
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = s.Next(after)
			}
		})
	}
}

// BenchmarkReferenceScan is the minute-by-minute scan Next avoids, for the
// ratio: the daily expression, from just after one fire to the next.
func BenchmarkReferenceScan(b *testing.B) {
	s, _ := Parse("cron(0 10 * * ? *)", EventBridge)
	m := refCompile(s.String())
	after := time.Date(2026, 1, 14, 10, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, ok := refNext(s, m, after, after.Add(25*time.Hour), time.Minute); !ok {
			b.Fatal("no fire")
		}
	}
}
