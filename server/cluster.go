package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/fleet"
	"github.com/stewardhq/steward/postgres"
	"github.com/stewardhq/steward/sqs"
)

// Replicas sharing a PostgreSQL database wake each other's long polls with
// LISTEN/NOTIFY: Run Command on one replica dispatches to a node whose poll
// another replica holds, or a message is sent to a queue another replica's
// ReceiveMessage waits on, and that replica answers at once instead of
// after agentproto.PollWait or SQS's recheck. The database stays the
// record: a lost notification only delays the answer.

// wakeForwarder is the ssm.Notifier handed to Run Command before the hub
// exists: it wakes this replica's hub and, on PostgreSQL, the others'.
type wakeForwarder struct {
	hub    atomic.Pointer[fleet.Hub]
	remote atomic.Pointer[cluster]
}

func (w *wakeForwarder) Wake(nodeIDs ...string) {
	if h := w.hub.Load(); h != nil {
		h.Wake(nodeIDs...)
	}
	if c := w.remote.Load(); c != nil {
		c.wake(nodeIDs)
	}
}

func (w *wakeForwarder) WakeWith(msgs []agentproto.Message, nodeIDs ...string) {
	if h := w.hub.Load(); h != nil {
		h.WakeWith(msgs, nodeIDs...)
	}
	if c := w.remote.Load(); c != nil {
		c.wake(nodeIDs) // the others ask the store: the messages stay here
	}
}

const (
	clusterChannel = "steward_wake"
	// clusterPayloadMax keeps a notification under PostgreSQL's 8,000 bytes.
	clusterPayloadMax = 7000
	// clusterQueue bounds wakes waiting to be sent; beyond it they are
	// dropped (the nodes' polls end after PollWait and find their work).
	clusterQueue = 1024
)

// cluster sends this replica's wakes to the others and hands theirs to the
// hub and to SQS. A payload is "w REPLICA NODE NODE…" (agent polls) or
// "q REPLICA QUEUE QUEUE…" (queue IDs) or "r REPLICA rules" (EventBridge's
// buses, rules or targets changed: reload now rather than at the next
// refresh).
type cluster struct {
	s      *Server
	id     string
	hub    *fleet.Hub
	ln     *postgres.Listener
	out    chan wakeup
	done   chan struct{}
	woken  atomic.Int64 // nodes and queues woken for other replicas
	queues atomic.Pointer[sqs.Queues]
	bridge atomic.Pointer[events.Buses]
}

// wakeup is one wake to send: kind "w" (node IDs) or "q" (queue IDs).
type wakeup struct {
	kind string
	ids  []string
}

// openCluster starts listening (returning once it listens) and the sender.
func (s *Server) openCluster(ctx context.Context, w *wakeForwarder) error {
	var b [8]byte
	_, _ = rand.Read(b[:])
	c := &cluster{s: s, id: hex.EncodeToString(b[:]), hub: s.hub, out: make(chan wakeup, clusterQueue), done: make(chan struct{})}
	ln, err := postgres.Listen(ctx, s.cfg.Database, clusterChannel, c.received, s.log)
	if err != nil {
		return err
	}
	c.ln = ln
	go c.send()
	s.cluster = c
	w.remote.Store(c)
	return nil
}

// closeCluster stops sending and listening.
func (s *Server) closeCluster() {
	if c := s.cluster; c != nil {
		s.cluster = nil
		close(c.out)
		<-c.done
		_ = c.ln.Close()
	}
}

// RemoteWakes is how many node and queue wakes this replica received from
// other replicas (tests).
func (s *Server) RemoteWakes() int64 {
	if s.cluster == nil {
		return 0
	}
	return s.cluster.woken.Load()
}

func (c *cluster) wake(nodeIDs []string) { c.enqueue(wakeup{"w", nodeIDs}) }

// rulesChanged is events.Options.OnRulesChanged.
func (c *cluster) rulesChanged() { c.enqueue(wakeup{"r", []string{"rules"}}) }

// wakeQueue is sqs.Options.OnWake.
func (c *cluster) wakeQueue(id int64) { c.enqueue(wakeup{"q", []string{strconv.FormatInt(id, 10)}}) }

func (c *cluster) enqueue(w wakeup) {
	if len(w.ids) == 0 {
		return
	}
	select {
	case c.out <- w:
	default:
		c.s.log.Debug("cluster: wake queue full; other replicas find the work when their waits end", "kind", w.kind, "ids", len(w.ids))
	}
}

// send turns queued wakes into as few notifications as fit: everything
// queued meanwhile, deduplicated, one payload per kind (or more when long).
func (c *cluster) send() {
	defer close(c.done)
	for first := range c.out {
		batch := map[string]map[string]bool{}
		add := func(w wakeup) {
			if batch[w.kind] == nil {
				batch[w.kind] = map[string]bool{}
			}
			for _, id := range w.ids {
				batch[w.kind][id] = true
			}
		}
		add(first)
	drain:
		for {
			select {
			case more, ok := <-c.out:
				if !ok {
					break drain
				}
				add(more)
			default:
				break drain
			}
		}
		for kind, ids := range batch {
			prefix := kind + " " + c.id
			var b strings.Builder
			flush := func() {
				if b.Len() == 0 {
					return
				}
				if err := postgres.Notify(context.Background(), c.s.db, clusterChannel, prefix+b.String()); err != nil {
					c.s.log.Warn("cluster: notifying other replicas failed", "err", err)
				}
				b.Reset()
			}
			for id := range ids {
				if len(prefix)+b.Len()+1+len(id) > clusterPayloadMax {
					flush()
				}
				b.WriteByte(' ')
				b.WriteString(id)
			}
			flush()
		}
	}
}

// received wakes the nodes or queues another replica named.
func (c *cluster) received(payload string) {
	f := strings.Fields(payload)
	if len(f) < 3 || f[1] == c.id {
		return
	}
	ids := f[2:]
	switch f[0] {
	case "w":
		c.woken.Add(int64(len(ids)))
		c.hub.Wake(ids...)
	case "r":
		if b := c.bridge.Load(); b != nil {
			c.woken.Add(1)
			b.RulesChanged()
		}
	case "q":
		q := c.queues.Load()
		if q == nil {
			return
		}
		for _, s := range ids {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil {
				c.woken.Add(1)
				q.WakeQueue(id)
			}
		}
	}
}
