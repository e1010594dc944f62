package sqs

import "sync"

// waiters wakes the long polls of a queue. A poll takes the queue's current
// channel before it looks at the store; anything that may make a message
// receivable (a send, a redrive into the queue, a visibility change to 0, a
// purge or deletion) closes the channel and starts a new one. A change that
// lands between the look and the wait therefore still wakes the poll: no
// wake-up is lost.
type waiters struct {
	mu sync.Mutex
	ch map[int64]*waitSlot
}

type waitSlot struct {
	c     chan struct{}
	users int
}

func (w *waiters) init() { w.ch = make(map[int64]*waitSlot) }

// watch returns the channel closed by the next wake of queue id; release
// must be called when the caller stops waiting.
func (w *waiters) watch(id int64) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.ch[id]
	if s == nil {
		s = &waitSlot{c: make(chan struct{})}
		w.ch[id] = s
	}
	s.users++
	return s.c
}

// release ends a watch of queue id taken on channel c.
func (w *waiters) release(id int64, c <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.ch[id]; s != nil && s.c == c {
		s.users--
		if s.users == 0 {
			delete(w.ch, id)
		}
	}
}

// wake releases every poll watching queue id. It costs one map lookup when
// nobody waits.
func (w *waiters) wake(id int64) {
	w.mu.Lock()
	s := w.ch[id]
	if s != nil {
		delete(w.ch, id)
	}
	w.mu.Unlock()
	if s != nil {
		close(s.c)
	}
}

// wake releases the long polls of queue id in this process and tells
// Options.OnWake.
func (q *Queues) wake(id int64) {
	q.waiters.wake(id)
	if q.opt.OnWake != nil {
		q.opt.OnWake(id)
	}
}

// WakeQueue releases the long polls of queue id held in this process (a
// change another replica made), without telling OnWake.
func (q *Queues) WakeQueue(id int64) { q.waiters.wake(id) }
