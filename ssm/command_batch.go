package ssm

import (
	"context"
	"sync"
)

// Group commit for the per-node hot path. Acks and results for one command
// arrive from many agents at once, and every one of them changes the same
// command row (counters, dispatch), so their transactions serialize anyway;
// on SQLite they also share one writer. Instead of one transaction each,
// the operations waiting for a command are applied together in one
// transaction: the command is read, dispatched and saved once, the events go
// in one insert, and one commit covers them all.
//
// There is no goroutine: the first caller for a command becomes the leader,
// runs a batch with everything queued so far and then hands leadership to the
// first operation queued meanwhile (so nobody serves others for long); the
// others wait for their operation to be done or for leadership.

// nodeOp is one agent operation on a command: apply runs inside the batch's
// transaction with the node's invocation (nil when the command has none on
// the node: apply must not be called then; the op fails NotFound).
type nodeOp struct {
	nodeID string
	apply  func(ctx context.Context, tx CommandTx, st *engineStep, inv *InvocationRecord) error

	err  error
	wake chan struct{} // closed when done, or when made leader
	lead bool
	done bool
}

// opsPerBatch bounds the ops one command transaction applies.
const opsPerBatch = 128

type commandQueue struct {
	ops     []*nodeOp
	running bool
}

type opBatcher struct {
	mu     sync.Mutex
	queues map[string]*commandQueue
}

// nodeOpResult is what running one batch decided for an op.
type nodeOpResult struct {
	op  *nodeOp
	err error
}

// runNodeOp queues op on the command and returns its outcome.
func (c *Commands) runNodeOp(ctx context.Context, commandID string, op *nodeOp) error {
	b := &c.batch
	op.wake = make(chan struct{})
	b.mu.Lock()
	q := b.queues[commandID]
	if q == nil {
		q = &commandQueue{}
		b.queues[commandID] = q
	}
	q.ops = append(q.ops, op)
	leader := !q.running
	q.running = true
	b.mu.Unlock()
	if !leader {
		<-op.wake
		b.mu.Lock()
		lead, done := op.lead, op.done
		b.mu.Unlock()
		if done || !lead {
			return op.err
		}
	}
	// Leader: run what is queued (op included), then hand over.
	b.mu.Lock()
	ops := q.take()
	b.mu.Unlock()
	c.runBatch(context.WithoutCancel(ctx), commandID, ops)
	b.mu.Lock()
	for _, o := range ops {
		o.done = true
		if o != op {
			close(o.wake)
		}
	}
	if len(q.ops) > 0 {
		next := q.ops[0]
		next.lead = true
		close(next.wake)
	} else {
		q.running = false
		delete(b.queues, commandID)
	}
	b.mu.Unlock()
	return op.err
}

// take removes the ops of the next batch from the queue: the oldest, at
// most opsPerBatch (the first is the leader's own), so that one transaction
// stays short.
func (q *commandQueue) take() []*nodeOp {
	n := min(len(q.ops), opsPerBatch)
	ops := q.ops[:n:n]
	q.ops = q.ops[n:]
	return ops
}

// runBatch applies ops in one command transaction and sets their errors.
func (c *Commands) runBatch(ctx context.Context, commandID string, ops []*nodeOp) {
	now := c.now()
	var results []nodeOpResult
	var wake []string
	var sent *CommandRecord
	var done bool
	err := c.store.UpdateCommand(ctx, commandID, func(tx CommandTx) error {
		results, wake, sent = results[:0], nil, nil
		cmd, err := tx.Command(ctx)
		if err != nil {
			return err
		}
		sent = cmd
		st := newStep(c, tx, cmd, now)
		for _, op := range ops {
			inv, err := tx.Invocation(ctx, op.nodeID)
			if err != nil {
				return err
			}
			if inv == nil {
				results = append(results, nodeOpResult{op, errNotThisNode(commandID)})
				continue
			}
			if err := op.apply(ctx, tx, st, inv); err != nil {
				return err
			}
			results = append(results, nodeOpResult{op: op})
		}
		wake, err = st.finish(ctx)
		done = st.cmd.Done
		return err
	})
	if err != nil {
		if len(ops) > 1 {
			// One op must not fail the others: apply them one by one.
			for _, op := range ops {
				c.runBatch(ctx, commandID, []*nodeOp{op})
			}
			return
		}
		ops[0].err = agentError(err, commandID)
		return
	}
	for _, r := range results {
		r.op.err = r.err
	}
	c.deliver(ctx, sent, wake)
	if done {
		c.messages.forget(commandID)
	}
}
