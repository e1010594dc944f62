package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// Errors Run returns.
var (
	// ErrDeregistered: the server answered 401 (Unauthorized or
	// Deregistered) — the node was deregistered or its key is not known.
	// Register again.
	ErrDeregistered = errors.New("agent: the node was deregistered (the server no longer accepts its key); register it again")
	// ErrUpgradeRequired: the server cannot serve this protocol version.
	ErrUpgradeRequired = errors.New("agent: the server requires a newer agent")
	// ErrNotRegistered: the state directory holds no identity.
	ErrNotRegistered = errors.New("agent: this node is not registered (no identity in the state directory); run steward-agent register")
)

// ServerError is a non-2xx answer of the Steward server. Code is the
// agentproto error code (agentproto.CodeActivationExpired, …) when the body
// carried one.
type ServerError struct {
	StatusCode int
	Code       string
	Message    string
}

func (e *ServerError) Error() string {
	var b strings.Builder
	b.WriteString("server answered ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// fatal reports whether err means the agent must stop, and why.
func fatal(err error) error {
	var se *ServerError
	if !errors.As(err, &se) {
		return nil
	}
	switch {
	case se.Code == agentproto.CodeSessionExpired:
		return nil // the client opens a new session
	case se.StatusCode == http.StatusUnauthorized || se.Code == agentproto.CodeDeregistered || se.Code == agentproto.CodeUnauthorized:
		return fmt.Errorf("%w (%w)", ErrDeregistered, se)
	case se.StatusCode == http.StatusUpgradeRequired || se.Code == agentproto.CodeUpgradeRequired:
		return fmt.Errorf("%w (%w)", ErrUpgradeRequired, se)
	}
	return nil
}

// gone reports whether err means the server no longer wants what was sent
// (404 NotFound, 410 Gone): stop retrying it.
func gone(err error) bool {
	var se *ServerError
	return errors.As(err, &se) && (se.StatusCode == http.StatusNotFound || se.StatusCode == http.StatusGone || se.Code == agentproto.CodeNotFound)
}

// serverDown reports whether err says nothing reached a working server: a
// network error or a 5xx.
func serverDown(err error) bool {
	var se *ServerError
	if errors.As(err, &se) {
		return se.StatusCode >= 500
	}
	return err != nil
}

// Response bodies are bounded.
const (
	maxErrorBody    = 64 << 10
	maxResponseBody = 32 << 20
)

// client speaks agentproto to the server.
type client struct {
	base   string // server URL without a trailing slash
	nodeID string
	key    ed25519.PrivateKey // nil: unsigned (Register)
	hc     *http.Client
	// sess is the open session requests are signed in (agentproto.Session);
	// nil until the first signed request opens one. sessMu serializes
	// opening. noSessionsUntil: the server has no session endpoint (an
	// older server); sign with the node key until then.
	sessMu          sync.Mutex
	sess            *agentproto.Session
	noSessionsUntil time.Time
	now             func() time.Time
	// answered and down, when set, observe every exchange: answered after
	// any HTTP answer below 500, down after a network error or a 5xx.
	answered func(path string)
	down     func()
}

// sessionRefresh: a session this close to its end is replaced before use.
const sessionRefresh = 5 * time.Minute

// noSessionsRetry is how long the agent signs with its node key after a
// server without sessions answered.
const noSessionsRetry = 10 * time.Minute

// call POSTs in as JSON to path and decodes a 2xx answer into out (nil
// ignores the body). A non-2xx answer is a *ServerError. Signed requests go
// in a session, opened on first use; when the server no longer knows the
// session (it restarted) a new one is opened and the request sent again.
func (c *client) call(ctx context.Context, path string, timeout time.Duration, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var sess *agentproto.Session
	if c.key != nil && path != agentproto.PathSession {
		if sess, err = c.session(ctx); err != nil {
			return err
		}
	}
	err = c.send(ctx, path, sess, body, out)
	var se *ServerError
	if sess != nil && errors.As(err, &se) && se.Code == agentproto.CodeSessionExpired {
		c.dropSession(sess)
		if sess, err = c.session(ctx); err != nil {
			return err
		}
		err = c.send(ctx, path, sess, body, out)
	}
	return err
}

// session returns the session to sign in, opening one when there is none
// or it is about to end; nil means sign with the node key.
func (c *client) session(ctx context.Context) (*agentproto.Session, error) {
	c.sessMu.Lock()
	defer c.sessMu.Unlock()
	now := c.now()
	if c.sess != nil && now.Add(sessionRefresh).Before(c.sess.Expires) {
		return c.sess, nil
	}
	if now.Before(c.noSessionsUntil) {
		return nil, nil
	}
	priv, err := agentproto.NewSessionKey()
	if err != nil {
		return nil, err
	}
	var resp agentproto.SessionResponse
	err = c.send(ctx, agentproto.PathSession, nil, mustJSON(agentproto.SessionRequest{PublicKey: priv.PublicKey().Bytes()}), &resp)
	var se *ServerError
	if errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
		c.noSessionsUntil = now.Add(noSessionsRetry)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if c.sess, err = agentproto.OpenSession(priv, c.nodeID, resp, now); err != nil {
		return nil, err
	}
	return c.sess, nil
}

// dropSession forgets sess unless another request already replaced it.
func (c *client) dropSession(sess *agentproto.Session) {
	c.sessMu.Lock()
	if c.sess == sess {
		c.sess = nil
	}
	c.sessMu.Unlock()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// send makes one request, signed in sess, or with the node key when sess is
// nil and the client has one.
func (c *client) send(ctx context.Context, path string, sess *agentproto.Session, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "steward-agent")
	req.Header.Set(agentproto.HeaderProto, strconv.Itoa(agentproto.Version))
	// The signature covers the agentproto path, which is the request path
	// when the server URL has no path of its own.
	switch {
	case sess != nil:
		req.Header.Set(agentproto.HeaderAuth, sess.Sign(http.MethodPost, path, c.now(), body))
	case c.key != nil:
		req.Header.Set(agentproto.HeaderAuth, agentproto.Sign(c.key, c.nodeID, http.MethodPost, path, c.now(), body))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.observe(path, err)
		return fmt.Errorf("%s: %w", strings.TrimPrefix(path, agentproto.PathPrefix), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		se := &ServerError{StatusCode: resp.StatusCode}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		var er agentproto.ErrorResponse
		if json.Unmarshal(data, &er) == nil {
			se.Code, se.Message = er.Code, er.Message
		} else {
			se.Message = strings.TrimSpace(string(data))
		}
		c.observe(path, se)
		return se
	}
	if out != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBody)).Decode(out); err != nil {
			c.observe(path, err)
			return fmt.Errorf("%s: decoding the answer: %w", strings.TrimPrefix(path, agentproto.PathPrefix), err)
		}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	c.observe(path, nil)
	return nil
}

func (c *client) observe(path string, err error) {
	if serverDown(err) {
		if c.down != nil && !errors.Is(err, context.Canceled) {
			c.down()
		}
		return
	}
	if c.answered != nil {
		c.answered(path)
	}
}
