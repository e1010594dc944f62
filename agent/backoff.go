package agent

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff is capped exponential backoff with full jitter: the n-th wait is
// uniform in [0, min(max, min·2ⁿ)].
type backoff struct {
	min, max time.Duration
	n        int
}

func (b *backoff) next() time.Duration {
	ceil := b.ceiling()
	if b.n < 62 {
		b.n++
	}
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil + 1)
}

// ceiling is the current upper bound of the wait.
func (b *backoff) ceiling() time.Duration {
	d := b.min
	for i := 0; i < b.n && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}

func (b *backoff) reset() { b.n = 0 }

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
