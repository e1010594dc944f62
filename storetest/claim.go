package storetest

import (
	"sync"
	"testing"
)

// claimEachOnce runs claim from workers goroutines until it returns no rows
// and checks that want distinct rows were claimed, each exactly once: the
// contract of every durable work table's ClaimDeliveries.
func claimEachOnce[D any](t *testing.T, workers, want int, claim func() ([]D, error), id func(D) int64) {
	t.Helper()
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := claim()
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[id(d)]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != want {
		t.Errorf("claimed %d rows, want %d", len(seen), want)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("row %d claimed %d times", id, n)
		}
	}
}
