package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClaims: one claim per (job, period) however many ask at once; earlier
// periods are refused; jobs are independent.
func testClaims(t *testing.T, newDB NewDB) {
	db := newDB(t)
	ctx := context.Background()
	minute := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ok, err := db.ClaimPeriod(ctx, "health", minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d claims of one period, want 1", won.Load())
	}
	for _, tc := range []struct {
		job  string
		at   time.Time
		want bool
	}{
		{"health", minute, false},
		{"health", minute.Add(-time.Minute), false},
		{"other", minute, true},
		{"health", minute.Add(time.Minute), true},
		{"health", minute.Add(time.Minute), false},
	} {
		if ok, err := db.ClaimPeriod(ctx, tc.job, tc.at); err != nil || ok != tc.want {
			t.Errorf("ClaimPeriod(%s, %s) = %v, %v; want %v", tc.job, tc.at.Format(time.TimeOnly), ok, err, tc.want)
		}
	}
}
