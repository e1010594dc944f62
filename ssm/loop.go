package ssm

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// loop is the background loop of Run Command, State Manager and Maintenance
// Windows: it runs tick every interval, and at once after wake, until close.
// The zero value is closed.
type loop struct {
	mu     sync.Mutex
	stop   context.CancelFunc
	exited chan struct{}
	kick   chan struct{}
}

// open starts the loop; name is for errors and logs.
func (l *loop) open(ctx context.Context, name string, every time.Duration, log *slog.Logger, tick func(context.Context) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil {
		return errors.New("ssm: " + name + " already open")
	}
	if l.kick == nil {
		l.kick = make(chan struct{}, 1)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.stop, l.exited = cancel, make(chan struct{})
	go func(exited chan struct{}, kick <-chan struct{}) {
		defer close(exited)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-kick:
			}
			if err := tick(ctx); err != nil && ctx.Err() == nil {
				log.Error(name+" tick", "err", err)
			}
		}
	}(l.exited, l.kick)
	return nil
}

// close stops the loop and waits for it to exit.
func (l *loop) close() {
	l.mu.Lock()
	stop, exited := l.stop, l.exited
	l.stop, l.exited = nil, nil
	l.mu.Unlock()
	if stop == nil {
		return
	}
	stop()
	<-exited
}

// wake asks for a tick now (work became due); it never blocks.
func (l *loop) wake() {
	l.mu.Lock()
	kick := l.kick
	l.mu.Unlock()
	if kick == nil {
		return
	}
	select {
	case kick <- struct{}{}:
	default:
	}
}
