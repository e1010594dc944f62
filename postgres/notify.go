package postgres

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stewardhq/steward/sqlstore"
)

// Replicas sharing one database wake each other with LISTEN/NOTIFY: a
// replica that made work for another's waiters (a command for a node whose
// long poll another replica holds) notifies a channel, and every replica
// listening hands the payload to its handler. Notifications are a
// shortcut, not the record: one sent while a listener reconnects is lost,
// so receivers still look again on their own (long polls end after
// agentproto.PollWait).

// Notify sends payload on channel (pg_notify; at most 8,000 bytes, delivered
// when the surrounding transaction, here none, commits).
func Notify(ctx context.Context, db *sqlstore.DB, channel, payload string) error {
	_, err := db.Exec(ctx, `SELECT pg_notify(?, ?)`, channel, payload)
	return err
}

// Listener receives a channel's notifications on a connection of its own.
type Listener struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Listen connects to url, LISTENs on channel and returns once listening;
// then fn gets every payload, in order, on one goroutine, until Close. A
// lost connection is reopened with capped, jittered backoff.
func Listen(ctx context.Context, url, channel string, fn func(payload string), log *slog.Logger) (*Listener, error) {
	conn, err := listen(ctx, url, channel)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithCancel(context.Background())
	l := &Listener{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		wait := 100 * time.Millisecond
		for {
			for conn != nil {
				n, err := conn.WaitForNotification(lctx)
				if err != nil {
					_ = conn.Close(context.Background())
					conn = nil
					if lctx.Err() != nil {
						return
					}
					log.Warn("postgres: lost the notification connection; reconnecting", "err", err)
					break
				}
				wait = 100 * time.Millisecond
				fn(n.Payload)
			}
			select {
			case <-lctx.Done():
				return
			case <-time.After(wait + rand.N(wait/2)):
			}
			wait = min(2*wait, 10*time.Second)
			if c, err := listen(lctx, url, channel); err == nil {
				conn = c
			} else if lctx.Err() == nil {
				log.Warn("postgres: cannot reopen the notification connection", "err", err)
			}
		}
	}()
	return l, nil
}

func listen(ctx context.Context, url, channel string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		_ = conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// Close stops listening and waits for the handler to return.
func (l *Listener) Close() error {
	if l == nil {
		return errors.New("postgres: nil listener")
	}
	l.cancel()
	<-l.done
	return nil
}
