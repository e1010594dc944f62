package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Invoking an API destination target: one HTTP request to the
// destination's endpoint with the connection's authorization, the
// transformed input as the body (Content-Type application/json;
// charset=utf-8), and the target's HttpParameters (path wildcards, headers,
// query string). Redirects are not followed.
//
// Outcome, as AWS documents for API destinations: 2xx delivered; 401, 407,
// 409, 429 and 5xx retried; other statuses (1xx, 3xx, the other 4xx) fail
// for good; network errors and timeouts are retried.
//
// Each destination has a token bucket of InvocationRateLimitPerSecond; an
// invocation over the rate waits for its token up to maxRateWait, else it
// is retried later (THROTTLING).

// HTTPParametersTarget is a target's HttpParameters.
type HTTPParametersTarget struct {
	PathParameterValues []string
	HeaderParameters    map[string]string
	QueryParameters     map[string]string
}

const (
	invocationTimeout = 5 * time.Second // AWS's API destination timeout
	maxRateWait       = time.Second
	maxResponseRead   = 64 << 10
)

// defaultHTTPClient does not follow redirects.
func defaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout:       invocationTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// apiDestinationName is the name in an API destination ARN.
func apiDestinationName(resource string) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(resource, "api-destination/"), "/")
	return name
}

// invokeAPIDestination calls an API destination target.
func (b *Buses) invokeAPIDestination(ctx context.Context, t *target, body []byte) error {
	d, err := b.store.GetAPIDestination(ctx, t.resource)
	if errors.Is(err, ErrNotFound) {
		return Permanent(ErrNoResource, "API destination %s does not exist.", t.resource)
	} else if err != nil {
		return err
	}
	cname, ok := b.connectionName(d.ConnectionARN)
	if !ok {
		return Permanent(ErrNoResource, "Connection %s does not exist.", d.ConnectionARN)
	}
	c, err := b.store.GetConnection(ctx, cname)
	if errors.Is(err, ErrNotFound) || (err == nil && b.connectionARN(c) != d.ConnectionARN) {
		return Permanent(ErrNoResource, "Connection %s does not exist.", d.ConnectionARN)
	} else if err != nil {
		return err
	}
	if c.State == StateDeauthorized {
		return Permanent(ErrNoPermissions, "Connection %s is deauthorized.", cname)
	}
	auth, err := b.openAuth(c)
	if err != nil {
		return err
	}
	req, err := buildRequest(ctx, d, auth, t.HTTP, body)
	if err != nil {
		return err
	}
	switch c.AuthType {
	case AuthAPIKey:
		req.Header.Set(auth.APIKeyName, auth.APIKeyValue)
	case AuthBasic:
		req.SetBasicAuth(auth.Username, auth.Password)
	case AuthOAuth:
		tok, err := b.oauthToken(ctx, c, auth)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if wait := b.limits.take(d, b.opts.Clock.Now()); wait > 0 {
		if wait > maxRateWait {
			return Transient(ErrThrottling, "The invocation rate limit of API destination %s was exceeded.", d.Name)
		}
		tm := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return ctx.Err()
		case <-tm.C:
		}
	}
	resp, err := b.opts.HTTPClient.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return &TargetError{Code: ErrTimeout, Message: "The request to the API destination timed out.", Cause: err}
		}
		return &TargetError{Code: ErrConnectionFailure, Message: "The API destination could not be reached.", Cause: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseRead))
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized && c.AuthType == AuthOAuth {
		b.tokens.forget(c.Name)
	}
	return statusError(resp.StatusCode)
}

// statusError classifies an API destination's response status.
func statusError(status int) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusTooManyRequests:
		return Transient(ErrThrottling, "Received response status [%d] from the API destination.", status)
	case status == 401 || status == 407 || status == 409 || status >= 500:
		return Transient(ErrFromTarget, "Received response status [%d] from the API destination.", status)
	}
	return Permanent(ErrFromTarget, "Received response status [%d] from the API destination.", status)
}

// buildRequest makes the invocation request: the endpoint with its `*`
// path wildcards filled in order, the connection's and the target's query
// parameters, headers and body parameters.
func buildRequest(ctx context.Context, d *APIDestinationRecord, auth *ConnectionAuth, hp *HTTPParametersTarget, body []byte) (*http.Request, error) {
	endpoint, err := fillPath(d.Endpoint, hp)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, Permanent(ErrInvalidParameter, "The endpoint of API destination %s is not a valid URL.", d.Name)
	}
	q := u.Query()
	inv := auth.Invocation
	if inv == nil {
		inv = &HTTPParameters{}
	}
	for _, p := range inv.Query {
		q.Set(p.Key, p.Value)
	}
	if hp != nil {
		for k, v := range hp.QueryParameters {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	if len(inv.Body) > 0 {
		body = addBodyParameters(body, inv.Body)
	}
	var rd io.Reader
	if d.Method != http.MethodGet && d.Method != http.MethodHead {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, d.Method, u.String(), rd)
	if err != nil {
		return nil, Permanent(ErrInvalidParameter, "The request to API destination %s could not be made.", d.Name)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Amazon/EventBridge/ApiDestinations")
	if hp != nil {
		for k, v := range hp.HeaderParameters {
			req.Header.Set(k, v)
		}
	}
	for _, p := range inv.Headers {
		req.Header.Set(p.Key, p.Value)
	}
	return req, nil
}

// fillPath replaces the endpoint's `*` wildcards by PathParameterValues, in
// order.
func fillPath(endpoint string, hp *HTTPParametersTarget) (string, error) {
	n := strings.Count(endpoint, "*")
	if n == 0 {
		return endpoint, nil
	}
	var vals []string
	if hp != nil {
		vals = hp.PathParameterValues
	}
	if len(vals) != n {
		return "", Permanent(ErrInvalidParameter, "The API destination endpoint has %d path parameters but the target gives %d PathParameterValues.", n, len(vals))
	}
	var sb strings.Builder
	i := 0
	for _, r := range endpoint {
		if r == '*' {
			sb.WriteString(url.PathEscape(vals[i]))
			i++
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String(), nil
}

// addBodyParameters adds the connection's body parameters to a JSON object
// body (members the body has already stay); other bodies are left alone.
func addBodyParameters(body []byte, params []HTTPParameter) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return body
	}
	for _, p := range params {
		if _, ok := obj[p.Key]; !ok {
			v, _ := json.Marshal(p.Value)
			obj[p.Key] = v
		}
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return out
}

// rateLimits are the token buckets of the API destinations.
type rateLimits struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	rate   int
	tokens float64
	at     time.Time
}

// take takes a token of destination d at now and returns how long the
// caller must wait for it (0: at once). A token owed is still taken.
func (l *rateLimits) take(d *APIDestinationRecord, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	rate := max(d.RateLimit, 1)
	bk := l.buckets[d.Name]
	if bk == nil || bk.rate != rate {
		bk = &bucket{rate: rate, tokens: float64(rate), at: now}
		l.buckets[d.Name] = bk
	}
	if el := now.Sub(bk.at); el > 0 {
		bk.tokens = min(float64(rate), bk.tokens+el.Seconds()*float64(rate))
		bk.at = now
	}
	if bk.tokens >= 1 {
		bk.tokens--
		return 0
	}
	wait := time.Duration((1 - bk.tokens) / float64(rate) * float64(time.Second))
	if wait <= maxRateWait {
		bk.tokens--
	}
	return wait
}

func (l *rateLimits) forget(name string) {
	l.mu.Lock()
	delete(l.buckets, name)
	l.mu.Unlock()
}

// oauthTokens caches access tokens per connection until they expire.
type oauthTokens struct {
	fetch  sync.Mutex // one token request at a time (concurrent deliveries wait for it)
	mu     sync.Mutex
	tokens map[string]oauthToken
}

type oauthToken struct {
	value    string
	expires  time.Time
	modified time.Time // the connection version it was fetched for
}

func (o *oauthTokens) get(name string, modified, now time.Time) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.tokens[name]
	if !ok || !t.modified.Equal(modified) || !now.Before(t.expires) {
		return "", false
	}
	return t.value, true
}

func (o *oauthTokens) put(name string, t oauthToken) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tokens == nil {
		o.tokens = map[string]oauthToken{}
	}
	o.tokens[name] = t
}

func (o *oauthTokens) forget(name string) {
	o.mu.Lock()
	delete(o.tokens, name)
	o.mu.Unlock()
}

// oauthResponse is the token endpoint's answer (RFC 6749 section 5.1).
type oauthResponse struct {
	AccessToken string          `json:"access_token"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
}

// oauthToken returns the connection's access token, fetched from its
// authorization endpoint with the client credentials when none is cached.
func (b *Buses) oauthToken(ctx context.Context, c *ConnectionRecord, auth *ConnectionAuth) (string, error) {
	now := b.opts.Clock.Now()
	if tok, ok := b.tokens.get(c.Name, c.ModifiedAt, now); ok {
		return tok, nil
	}
	b.tokens.fetch.Lock()
	defer b.tokens.fetch.Unlock()
	if tok, ok := b.tokens.get(c.Name, c.ModifiedAt, now); ok {
		return tok, nil
	}
	o := auth.OAuth
	if o == nil || o.ClientSecret == "" {
		return "", Permanent(ErrNoPermissions, "Connection %s has no OAuth client credentials.", c.Name)
	}
	req, err := oauthRequest(ctx, o)
	if err != nil {
		return "", err
	}
	resp, err := b.opts.HTTPClient.Do(req)
	if err != nil {
		return "", &TargetError{Code: ErrConnectionFailure, Message: "The authorization endpoint could not be reached.", Cause: err}
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseRead))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 429 {
			b.setConnectionState(ctx, c, StateDeauthorized)
			return "", Permanent(ErrNoPermissions, "The authorization endpoint of connection %s refused the client credentials (status %d).", c.Name, resp.StatusCode)
		}
		return "", Transient(ErrFromTarget, "The authorization endpoint of connection %s answered status %d.", c.Name, resp.StatusCode)
	}
	var r oauthResponse
	if err := json.Unmarshal(raw, &r); err != nil || r.AccessToken == "" {
		return "", Transient(ErrFromTarget, "The authorization endpoint of connection %s did not return an access_token.", c.Name)
	}
	ttl := time.Hour
	var secs float64
	if err := json.Unmarshal(r.ExpiresIn, &secs); err == nil && secs > 0 {
		ttl = time.Duration(secs * float64(time.Second))
	} else if s := strings.Trim(string(r.ExpiresIn), `"`); s != "" {
		if _, err := fmt.Sscanf(s, "%g", &secs); err == nil && secs > 0 {
			ttl = time.Duration(secs * float64(time.Second))
		}
	}
	ttl = max(ttl-min(30*time.Second, ttl/10), time.Second) // refresh a little early
	b.tokens.put(c.Name, oauthToken{value: r.AccessToken, expires: now.Add(ttl), modified: c.ModifiedAt})
	if c.State != StateAuthorized {
		b.setConnectionState(ctx, c, StateAuthorized)
	}
	return r.AccessToken, nil
}

// oauthRequest is the client-credentials token request: client ID and
// secret as Basic authorization, grant_type=client_credentials and the
// OAuthHttpParameters (body parameters as a form).
func oauthRequest(ctx context.Context, o *OAuthAuth) (*http.Request, error) {
	u, err := url.Parse(o.Endpoint)
	if err != nil {
		return nil, Permanent(ErrInvalidParameter, "The authorization endpoint is not a valid URL.")
	}
	hp := o.HTTP
	if hp == nil {
		hp = &HTTPParameters{}
	}
	q := u.Query()
	for _, p := range hp.Query {
		q.Set(p.Key, p.Value)
	}
	form := url.Values{}
	for _, p := range hp.Body {
		form.Set(p.Key, p.Value)
	}
	if form.Get("grant_type") == "" {
		form.Set("grant_type", "client_credentials")
	}
	var rd io.Reader
	if o.Method == http.MethodGet {
		for k, v := range form {
			q[k] = v
		}
	} else {
		rd = strings.NewReader(form.Encode())
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, o.Method, u.String(), rd)
	if err != nil {
		return nil, Permanent(ErrInvalidParameter, "The token request could not be made.")
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	for _, p := range hp.Headers {
		req.Header.Set(p.Key, p.Value)
	}
	req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
	return req, nil
}

// setConnectionState records an OAuth connection's authorization outcome.
func (b *Buses) setConnectionState(ctx context.Context, c *ConnectionRecord, state string) {
	b.ctl.Lock()
	defer b.ctl.Unlock()
	cur, err := b.store.GetConnection(ctx, c.Name)
	if err != nil || !cur.ModifiedAt.Equal(c.ModifiedAt) || cur.State == state {
		return
	}
	cur.State = state
	if state == StateAuthorized {
		cur.AuthorizedAt = b.now()
	}
	if err := b.store.PutConnection(ctx, cur, false); err != nil {
		b.log.Error("events: recording a connection's state", "connection", c.Name, "err", err)
	}
}

// Model limits of a target's HttpParameters.
const (
	maxHTTPKey   = 512
	maxHTTPValue = 512
)

// kindAPIDestination is the target kind of API destinations (kept apart
// from the iota list in targets.go, which other target kinds extend).
const kindAPIDestination targetKind = 100
