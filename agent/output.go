package agent

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/agentproto"
)

// Mask replaces a secret value in output.
const Mask = "****"

// secretSet holds the {{ssm-secure:…}} values a command resolved, longest
// first; output writers mask them.
type secretSet struct {
	mu     sync.Mutex
	values [][]byte
}

func (s *secretSet) add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if v == "" || s.hasLocked(v) {
			continue
		}
		s.values = append(s.values, []byte(v))
	}
	sort.Slice(s.values, func(i, j int) bool { return len(s.values[i]) > len(s.values[j]) })
}

func (s *secretSet) hasLocked(v string) bool {
	for _, x := range s.values {
		if string(x) == v {
			return true
		}
	}
	return false
}

func (s *secretSet) snapshot() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values
}

// maskString masks every secret in s.
func (s *secretSet) maskString(str string) string {
	for _, v := range s.snapshot() {
		str = string(bytes.ReplaceAll([]byte(str), v, []byte(Mask)))
	}
	return str
}

// maskWriter masks secrets in a byte stream and makes it valid UTF-8 before
// passing it on: it holds back a tail that could be the start of a secret or
// of a multi-byte character until more data or Flush decides it. It is safe
// for concurrent use.
type maskWriter struct {
	mu      sync.Mutex
	secrets *secretSet
	dst     io.Writer
	pending []byte
}

func (w *maskWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	w.emit(false)
	return len(p), nil
}

// Flush passes on everything held back.
func (w *maskWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.emit(true)
}

func (w *maskWriter) emit(final bool) {
	if len(w.pending) == 0 {
		return
	}
	secrets := w.secrets.snapshot()
	for _, s := range secrets {
		if bytes.Contains(w.pending, s) {
			w.pending = bytes.ReplaceAll(w.pending, s, []byte(Mask))
		}
	}
	cut := len(w.pending)
	if !final {
		cut = holdBack(w.pending, secrets)
		// Do not split a multi-byte character.
		for i := cut - 1; i >= 0 && i >= cut-utf8.UTFMax; i-- {
			if utf8.RuneStart(w.pending[i]) {
				if !utf8.FullRune(w.pending[i:cut]) {
					cut = i
				}
				break
			}
		}
	}
	if cut > 0 {
		w.dst.Write(validUTF8(w.pending[:cut]))
	}
	n := copy(w.pending, w.pending[cut:])
	w.pending = w.pending[:n]
}

// validUTF8 replaces each byte that is not part of a valid UTF-8 sequence
// with U+FFFD (byte by byte, so the result does not depend on how the stream
// was split into writes).
func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = append(out, "\uFFFD"...)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// holdBack returns where the tail of b that could begin a secret starts
// (len(b) when none could).
func holdBack(b []byte, secrets [][]byte) int {
	longest := 0
	for _, s := range secrets {
		longest = max(longest, len(s))
	}
	for i := max(0, len(b)-longest+1); i < len(b); i++ {
		tail := b[i:]
		for _, s := range secrets {
			if len(tail) < len(s) && bytes.HasPrefix(s, tail) {
				return i
			}
		}
	}
	return len(b)
}

// recorder appends one stream of a step to its file and counts the bytes;
// the streamer reads them back from the file, so memory stays flat however
// much a step prints.
type recorder struct {
	stream string
	f      *os.File
	wake   func()

	mu   sync.Mutex
	size int64
	err  error
}

func newRecorder(dir, stream string, wake func()) (*recorder, error) {
	f, err := os.OpenFile(filepath.Join(dir, stream), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return &recorder{stream: stream, f: f, wake: wake}, nil
}

// Write never fails: output that cannot be stored is dropped (the first
// error is kept) rather than stalling the process that prints it.
func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	if r.err == nil {
		n, err := r.f.Write(p)
		r.size += int64(n)
		r.err = err
	}
	r.mu.Unlock()
	if r.wake != nil {
		r.wake()
	}
	return len(p), nil
}

func (r *recorder) written() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.size
}

// read returns up to max bytes from off, cut at a character boundary (the
// stream is valid UTF-8).
func (r *recorder) read(off int64, max int) []byte {
	n := min(r.written()-off, int64(max))
	if n <= 0 {
		return nil
	}
	buf := make([]byte, n)
	k, _ := r.f.ReadAt(buf, off)
	buf = buf[:k]
	if int64(k) == r.written()-off {
		return buf
	}
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-utf8.UTFMax; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				buf = buf[:i]
			}
			break
		}
	}
	return buf
}

// streamer sends a step's output to the server while it runs: every
// interval, or as soon as chunk bytes are waiting, in OutputRequests with
// byte offsets. A failed send is retried after a backoff from the same
// offset (the server ignores bytes it already has).
type streamer struct {
	a    *Agent
	cmd  string
	step string
	recs []*recorder
	sent []int64 // confirmed offsets, by recorder

	wake chan struct{}
	stop chan struct{}
	done chan struct{}

	bo      backoff
	retryAt time.Time
	failing bool
	off     bool // the server does not want this output (404/410)
}

func newStreamer(a *Agent, cmd, step string) *streamer {
	return &streamer{
		a: a, cmd: cmd, step: step,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
		bo:   backoff{min: a.cfg.BackoffMin, max: a.cfg.BackoffMax},
	}
}

func (s *streamer) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *streamer) pending() int64 {
	var n int64
	for i, r := range s.recs {
		n += r.written() - s.sent[i]
	}
	return n
}

// run is the streamer's goroutine; it returns after finish or when ctx ends.
func (s *streamer) run(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.a.cfg.OutputInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			if !s.failing {
				s.flush(ctx, true)
			}
			return
		case <-t.C:
			s.flush(ctx, false)
		case <-s.wake:
			if s.pending() >= int64(s.a.cfg.OutputChunkSize) {
				s.flush(ctx, false)
			}
		}
	}
}

// flush sends what is waiting, chunk by chunk, until a send fails.
func (s *streamer) flush(ctx context.Context, final bool) {
	if s.off || (!final && time.Now().Before(s.retryAt)) {
		return
	}
	for i, r := range s.recs {
		for {
			data := r.read(s.sent[i], s.a.cfg.OutputChunkSize)
			if len(data) == 0 {
				break
			}
			err := s.a.c.call(ctx, agentproto.PathOutput, s.a.cfg.RequestTimeout, agentproto.OutputRequest{
				CommandID: s.cmd, Step: s.step, Stream: r.stream, Offset: s.sent[i], Data: string(data),
			}, nil)
			switch {
			case err == nil:
				s.sent[i] += int64(len(data))
				s.failing = false
				s.bo.reset()
			case gone(err):
				s.off = true
				return
			default:
				if ctx.Err() == nil {
					s.a.log.Debug("sending output failed; will retry", "command", s.cmd, "step", s.step, "err", err)
				}
				s.failing = true
				s.retryAt = time.Now().Add(s.bo.next())
				return
			}
		}
	}
}

// stepOutput is where one top-level step's output goes: masked, recorded
// in DIR/commands/<id>/<step>/stdout|stderr and streamed.
type stepOutput struct {
	stdout, stderr *maskWriter
	recs           []*recorder // stdout, stderr
	st             *streamer   // nil when not streaming
	cancel         context.CancelFunc
}

func (a *Agent) newStepOutput(ctx context.Context, secrets *secretSet, cmdID, step, dir string) (*stepOutput, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	o := &stepOutput{}
	var wake func()
	if a.c != nil {
		o.st = newStreamer(a, cmdID, step)
		wake = o.st.poke
	}
	for _, stream := range []string{agentproto.Stdout, agentproto.Stderr} {
		r, err := newRecorder(dir, stream, wake)
		if err != nil {
			o.closeFiles()
			return nil, err
		}
		o.recs = append(o.recs, r)
	}
	o.stdout = &maskWriter{secrets: secrets, dst: o.recs[0]}
	o.stderr = &maskWriter{secrets: secrets, dst: o.recs[1]}
	if o.st != nil {
		o.st.recs = o.recs
		o.st.sent = make([]int64, len(o.recs))
		sctx, cancel := context.WithCancel(ctx)
		o.cancel = cancel
		a.wg.Go(func() { o.st.run(sctx) })
	}
	return o, nil
}

// finish flushes and stops streaming (one last send unless the server is
// failing), then puts what the server has not confirmed — up to
// MaxResultOutput bytes per stream — into res with its offset.
// clearStderr drops stderr from the result (exit code 168).
func (o *stepOutput) finish(a *Agent, res *agentproto.StepResult, clearStderr bool) {
	o.stdout.Flush()
	o.stderr.Flush()
	sent := make([]int64, len(o.recs))
	if o.st != nil {
		close(o.st.stop)
		<-o.st.done
		o.cancel()
		copy(sent, o.st.sent)
	}
	out := o.recs[0].read(sent[0], a.cfg.MaxResultOutput)
	res.Stdout, res.StdoutOffset = string(out), sent[0]
	if !clearStderr {
		errOut := o.recs[1].read(sent[1], a.cfg.MaxResultOutput)
		res.Stderr, res.StderrOffset = string(errOut), sent[1]
	}
	if len(out) == 0 {
		res.StdoutOffset = 0
	}
	if len(res.Stderr) == 0 {
		res.StderrOffset = 0
	}
	for _, r := range o.recs {
		r.mu.Lock()
		err := r.err
		r.mu.Unlock()
		if err != nil {
			a.log.Warn("could not store step output", "stream", r.stream, "err", err)
		}
	}
	o.closeFiles()
}

func (o *stepOutput) closeFiles() {
	for _, r := range o.recs {
		r.f.Close()
	}
}

// readOutput reads a stored stream of a step for a recovered result.
func readOutput(dir, stream string, max int) string {
	f, err := os.Open(filepath.Join(dir, stream))
	if err != nil {
		return ""
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(max)))
	if err != nil && !errors.Is(err, io.EOF) {
		return ""
	}
	return string(validUTF8(data))
}
