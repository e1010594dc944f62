package sqs

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/stewardhq/steward"
)

// queueEntry is a queue as the message paths use it: the record, its parsed
// attributes and its ARN.
type queueEntry struct {
	rec    *QueueRecord
	cfg    queueConfig
	arn    string
	loaded time.Time // wall time, for the cache TTL only
}

// queueCache keeps queue metadata for Options.CacheTTL so that a send or a
// receive costs no queue lookup. Changes through this process replace or
// drop entries at once; other processes' changes show within the TTL.
type queueCache struct {
	mu sync.RWMutex
	m  map[string]*queueEntry
}

func (c *queueCache) init() { c.m = make(map[string]*queueEntry) }

func (c *queueCache) get(name string, ttl time.Duration) *queueEntry {
	c.mu.RLock()
	e := c.m[name]
	c.mu.RUnlock()
	if e == nil || ttl < 0 || time.Since(e.loaded) > ttl {
		return nil
	}
	return e
}

func (c *queueCache) put(e *queueEntry) {
	c.mu.Lock()
	if len(c.m) > 100000 {
		clear(c.m)
	}
	c.m[e.rec.Name] = e
	c.mu.Unlock()
}

func (c *queueCache) forget(name string) {
	c.mu.Lock()
	delete(c.m, name)
	c.mu.Unlock()
}

func (q *Queues) entry(rec *QueueRecord) *queueEntry {
	return &queueEntry{rec: rec, cfg: configOf(rec.Attributes), arn: q.env.ARN(rec.Name), loaded: time.Now()}
}

// byName returns the queue called name (QueueDoesNotExist when there is
// none).
func (q *Queues) byName(ctx context.Context, name string) (*queueEntry, error) {
	if e := q.cache.get(name, q.opt.CacheTTL); e != nil {
		return e, nil
	}
	rec, err := q.store.GetQueue(ctx, name)
	if errors.Is(err, ErrQueueNotFound) {
		return nil, notFound()
	}
	if err != nil {
		return nil, steward.Internal(err)
	}
	e := q.entry(rec)
	q.cache.put(e)
	return e, nil
}

// storeErr converts a store error: ErrQueueNotFound becomes
// QueueDoesNotExist (and drops the cached entry), domain errors pass, the
// rest is internal.
func (q *Queues) storeErr(name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrQueueNotFound):
		q.cache.forget(name)
		return notFound()
	}
	var se *steward.Error
	if errors.As(err, &se) {
		return se
	}
	return steward.Internal(err)
}
