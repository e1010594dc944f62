package sqlstore

import (
	"context"
	"runtime"
	"sync"

	"github.com/stewardhq/steward/sqs"
)

// Group commit for SQS message operations. Sends, receives, deletes and
// visibility changes are small writes that arrive many at once; on SQLite
// they share one writer, and every commit costs a WAL append. Instead of a
// transaction each, the operations waiting at a moment run together in one
// transaction and one commit covers them all: each caller still returns
// only after its change is committed, so an acknowledged send survives a
// kill -9.
//
// There is no goroutine: the first caller becomes the leader, runs a group
// with everything queued so far (up to sqsMaxGroup) and then hands leadership
// to the first operation queued meanwhile; the others wait for their
// operation to be done or for leadership. When an operation of a group
// fails, the group is rolled back and its operations run again one by one,
// so one failure never undoes another caller's change.

// sqsMaxGroup bounds the operations of one transaction.
const sqsMaxGroup = 64

type sqsGroupOp struct {
	fn   func(ctx context.Context, tx sqs.MessageTx) error
	err  error
	wake chan struct{} // closed when done, or when made leader
	lead bool
}

type sqsGroupCommit struct {
	mu      sync.Mutex
	queue   []*sqsGroupOp
	running bool
}

// Messages implements sqs.QueueStore.
func (s *SQSStore) Messages(ctx context.Context, fn func(ctx context.Context, tx sqs.MessageTx) error) error {
	s.prepOnce.Do(func() { s.prepareHot(ctx) })
	g := &s.group
	op := &sqsGroupOp{fn: fn, wake: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, op)
	leader := !g.running
	g.running = true
	g.mu.Unlock()
	if !leader {
		<-op.wake
		g.mu.Lock()
		lead := op.lead
		g.mu.Unlock()
		if !lead {
			return op.err
		}
	}
	// Let operations arriving at this moment join the group: a yield costs
	// far less than the commit they would otherwise need of their own.
	runtime.Gosched()
	g.mu.Lock()
	n := min(len(g.queue), sqsMaxGroup)
	batch := make([]*sqsGroupOp, n)
	copy(batch, g.queue)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()

	s.runGroup(context.WithoutCancel(ctx), batch)

	g.mu.Lock()
	for _, o := range batch {
		if o != op {
			close(o.wake)
		}
	}
	if len(g.queue) > 0 {
		next := g.queue[0]
		next.lead = true
		close(next.wake)
	} else {
		g.running = false
	}
	g.mu.Unlock()
	return op.err
}

// runGroup runs ops in one transaction and sets their errors.
func (s *SQSStore) runGroup(ctx context.Context, ops []*sqsGroupOp) {
	err := s.db.InTx(ctx, func(tx *Tx) error {
		t := &sqsTx{s: s, tx: tx, queues: make(map[int64]bool, 1)}
		for _, op := range ops {
			if err := op.fn(ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, op := range ops {
			op.err = nil
		}
		return
	}
	if len(ops) == 1 {
		ops[0].err = err
		return
	}
	// Something failed: nothing of the group is committed. Run each
	// operation alone so that only the failing one reports an error.
	for _, op := range ops {
		s.runGroup(ctx, []*sqsGroupOp{op})
	}
}
