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
	now    func() time.Time
	// answered and down, when set, observe every exchange: answered after
	// any HTTP answer below 500, down after a network error or a 5xx.
	answered func(path string)
	down     func()
}

// call POSTs in as JSON to path and decodes a 2xx answer into out (nil
// ignores the body). A non-2xx answer is a *ServerError.
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "steward-agent")
	req.Header.Set(agentproto.HeaderProto, strconv.Itoa(agentproto.Version))
	if c.key != nil {
		// The signature covers the agentproto path, which is the request
		// path when the server URL has no path of its own.
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
