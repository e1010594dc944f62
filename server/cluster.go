package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync/atomic"

	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/fleet"
	"github.com/stewardhq/steward/postgres"
)

// Replicas sharing a PostgreSQL database wake each other's held agent polls
// with LISTEN/NOTIFY: Run Command on one replica dispatches to a node whose
// long poll another replica holds, and that replica answers it at once
// instead of after agentproto.PollWait. The database stays the record: a
// lost notification only delays delivery to the poll's end.

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
// hub. A payload is "w REPLICA NODE NODE…".
type cluster struct {
	s     *Server
	id    string
	hub   *fleet.Hub
	ln    *postgres.Listener
	out   chan []string
	done  chan struct{}
	woken atomic.Int64 // nodes woken for other replicas
}

// openCluster starts listening (returning once it listens) and the sender.
func (s *Server) openCluster(ctx context.Context, w *wakeForwarder) error {
	var b [8]byte
	_, _ = rand.Read(b[:])
	c := &cluster{s: s, id: hex.EncodeToString(b[:]), hub: s.hub, out: make(chan []string, clusterQueue), done: make(chan struct{})}
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

// RemoteWakes is how many node wakes this replica received from other
// replicas (tests).
func (s *Server) RemoteWakes() int64 {
	if s.cluster == nil {
		return 0
	}
	return s.cluster.woken.Load()
}

func (c *cluster) wake(nodeIDs []string) {
	if len(nodeIDs) == 0 {
		return
	}
	select {
	case c.out <- nodeIDs:
	default:
		c.s.log.Debug("cluster: wake queue full; other replicas' polls find the work when they end", "nodes", len(nodeIDs))
	}
}

// send turns queued wakes into as few notifications as fit.
func (c *cluster) send() {
	defer close(c.done)
	for ids := range c.out {
		batch := ids
	drain:
		for {
			select {
			case more, ok := <-c.out:
				if !ok {
					break drain
				}
				batch = append(batch, more...)
			default:
				break drain
			}
		}
		prefix := "w " + c.id
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
		for _, id := range batch {
			if len(prefix)+b.Len()+1+len(id) > clusterPayloadMax {
				flush()
			}
			b.WriteByte(' ')
			b.WriteString(id)
		}
		flush()
	}
}

// received wakes the nodes another replica named.
func (c *cluster) received(payload string) {
	f := strings.Fields(payload)
	if len(f) < 3 || f[0] != "w" || f[1] == c.id {
		return
	}
	ids := f[2:]
	c.woken.Add(int64(len(ids)))
	c.hub.Wake(ids...)
}
