package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// Connections: CreateConnection, DescribeConnection, ListConnections,
// UpdateConnection, DeauthorizeConnection, DeleteConnection.
//
// A connection's authorization parameters are kept as one JSON document
// sealed by Options.Sealer (bound to the connection's name); Describe
// returns only their non-secret parts (API key name, user name, client ID,
// the endpoint, and the HTTP parameters not marked secret), as AWS does.
//
// Choices: API_KEY and BASIC connections are AUTHORIZED at once;
// OAUTH_CLIENT_CREDENTIALS ones are AUTHORIZING until the first token is
// fetched at an invocation (then AUTHORIZED, or DEAUTHORIZED when the
// authorization endpoint refuses the client). Endpoints may be http:// as
// well as https:// (a self-hosted Steward talks to local services).
// DeauthorizeConnection forgets the secrets; UpdateConnection with new
// ones authorizes the connection again.

// The authorization types and connection states.
const (
	AuthAPIKey = "API_KEY"
	AuthBasic  = "BASIC"
	AuthOAuth  = "OAUTH_CLIENT_CREDENTIALS"

	StateAuthorized   = "AUTHORIZED"
	StateAuthorizing  = "AUTHORIZING"
	StateDeauthorized = "DEAUTHORIZED"
	StateActive       = "ACTIVE"
)

// Sealer encrypts connection secrets at rest (the keyring).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// ConnectionRecord is a stored connection; SealedAuth is its sealed
// ConnectionAuth.
type ConnectionRecord struct {
	Name         string
	UUID         string
	Description  string
	AuthType     string
	State        string
	SealedAuth   []byte
	CreatedAt    time.Time
	ModifiedAt   time.Time
	AuthorizedAt time.Time
}

// ConnectionAuth is a connection's AuthParameters. Exactly one of the API
// key, Basic and OAuth parts is set, per the AuthorizationType.
type ConnectionAuth struct {
	APIKeyName  string          `json:"apiKeyName,omitempty"`
	APIKeyValue string          `json:"apiKeyValue,omitempty"`
	Username    string          `json:"username,omitempty"`
	Password    string          `json:"password,omitempty"`
	OAuth       *OAuthAuth      `json:"oauth,omitempty"`
	Invocation  *HTTPParameters `json:"invocation,omitempty"`
}

// OAuthAuth is OAuthParameters (client credentials).
type OAuthAuth struct {
	ClientID     string          `json:"clientId,omitempty"`
	ClientSecret string          `json:"clientSecret,omitempty"`
	Endpoint     string          `json:"endpoint,omitempty"`
	Method       string          `json:"method,omitempty"`
	HTTP         *HTTPParameters `json:"http,omitempty"`
}

// HTTPParameters are a connection's header, query string and body
// parameters (InvocationHttpParameters, OAuthHttpParameters).
type HTTPParameters struct {
	Headers []HTTPParameter `json:"headers,omitempty"`
	Query   []HTTPParameter `json:"query,omitempty"`
	Body    []HTTPParameter `json:"body,omitempty"`
}

// HTTPParameter is one key and value; Secret values are never described.
type HTTPParameter struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Secret bool   `json:"secret,omitempty"`
}

// Connection is a connection as Describe and List show it: Auth holds the
// non-secret parts only.
type Connection struct {
	ARN          string
	SecretARN    string
	Name         string
	Description  string
	AuthType     string
	State        string
	Auth         ConnectionAuth
	CreatedAt    time.Time
	ModifiedAt   time.Time
	AuthorizedAt time.Time
}

// ConnectionInput is CreateConnection or UpdateConnection. In an update,
// empty members keep their values, and a given InvocationHttpParameters or
// OAuthHttpParameters replaces the old one.
type ConnectionInput struct {
	Name        string
	Description *string
	AuthType    string
	Auth        *ConnectionAuth
}

var (
	connectionNamePattern = modelPattern(`[\.\-_A-Za-z0-9]+`)
	authTypes             = map[string]bool{AuthAPIKey: true, AuthBasic: true, AuthOAuth: true}
	oauthMethods          = map[string]bool{"GET": true, "POST": true, "PUT": true}
	connectionStates      = map[string]bool{"CREATING": true, "UPDATING": true, "DELETING": true, StateAuthorized: true,
		StateDeauthorized: true, StateAuthorizing: true, "DEAUTHORIZING": true, StateActive: true, "FAILED_CONNECTIVITY": true}
)

const (
	maxConnectionName        = 64
	maxConnectionDescription = 512
	maxAuthValue             = 512
	maxEndpoint              = 2048
	maxHTTPParameters        = 100
)

func (b *Buses) connectionARN(r *ConnectionRecord) string {
	return "arn:aws:events:" + b.opts.Region + ":" + b.opts.Account + ":connection/" + r.Name + "/" + r.UUID
}

func (b *Buses) secretARN(r *ConnectionRecord) string {
	return "arn:aws:secretsmanager:" + b.opts.Region + ":" + b.opts.Account + ":secret:events!connection/" + r.Name + "/" + r.UUID
}

// connectionName returns the name in a connection ARN of this account and
// region.
func (b *Buses) connectionName(arn string) (string, bool) {
	s, r, a, res, ok := arnParts(arn)
	if !ok || s != "events" || r != b.opts.Region || a != b.opts.Account || !strings.HasPrefix(res, "connection/") {
		return "", false
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(res, "connection/"), "/")
	return name, name != ""
}

// checkEndpoint validates an HTTP(S) endpoint.
func checkEndpoint(s, member string, f *fieldErrors) {
	if !f.length(s, member, 1, maxEndpoint) {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		f.add(s, member, "Member must be an http or https URL")
	}
}

func checkHTTPParameters(p *HTTPParameters, member string, f *fieldErrors) {
	if p == nil {
		return
	}
	for _, l := range []struct {
		list []HTTPParameter
		name string
	}{{p.Headers, "headerParameters"}, {p.Query, "queryStringParameters"}, {p.Body, "bodyParameters"}} {
		if len(l.list) > maxHTTPParameters {
			f.add(fmt.Sprintf("%d parameters", len(l.list)), member+"."+l.name, fmt.Sprintf("Member must have length less than or equal to %d", maxHTTPParameters))
		}
		for i, h := range l.list {
			f.length(h.Key, fmt.Sprintf("%s.%s.%d.member.key", member, l.name, i+1), 1, maxAuthValue)
			f.length(h.Value, fmt.Sprintf("%s.%s.%d.member.value", member, l.name, i+1), 0, maxAuthValue)
		}
	}
}

// checkAuth checks a complete set of AuthParameters against the type.
func checkAuth(typ string, a *ConnectionAuth) error {
	var f fieldErrors
	switch typ {
	case AuthAPIKey:
		if a.APIKeyName == "" || a.APIKeyValue == "" {
			return steward.Validation("ApiKeyAuthParameters with ApiKeyName and ApiKeyValue must be specified for authorization type API_KEY.")
		}
		f.length(a.APIKeyName, "authParameters.apiKeyAuthParameters.apiKeyName", 1, maxAuthValue)
		f.length(a.APIKeyValue, "authParameters.apiKeyAuthParameters.apiKeyValue", 1, maxAuthValue)
	case AuthBasic:
		if a.Username == "" || a.Password == "" {
			return steward.Validation("BasicAuthParameters with Username and Password must be specified for authorization type BASIC.")
		}
		f.length(a.Username, "authParameters.basicAuthParameters.username", 1, maxAuthValue)
		f.length(a.Password, "authParameters.basicAuthParameters.password", 1, maxAuthValue)
	case AuthOAuth:
		o := a.OAuth
		if o == nil || o.ClientID == "" || o.ClientSecret == "" || o.Endpoint == "" || o.Method == "" {
			return steward.Validation("OAuthParameters with ClientParameters, AuthorizationEndpoint and HttpMethod must be specified for authorization type OAUTH_CLIENT_CREDENTIALS.")
		}
		f.length(o.ClientID, "authParameters.oAuthParameters.clientParameters.clientID", 1, maxAuthValue)
		f.length(o.ClientSecret, "authParameters.oAuthParameters.clientParameters.clientSecret", 1, maxAuthValue)
		checkEndpoint(o.Endpoint, "authParameters.oAuthParameters.authorizationEndpoint", &f)
		if !oauthMethods[o.Method] {
			f.add(o.Method, "authParameters.oAuthParameters.httpMethod", "Member must satisfy enum value set: [GET, POST, PUT]")
		}
		checkHTTPParameters(o.HTTP, "authParameters.oAuthParameters.oAuthHttpParameters", &f)
	}
	n := 0
	if a.APIKeyName != "" || a.APIKeyValue != "" {
		n++
	}
	if a.Username != "" || a.Password != "" {
		n++
	}
	if a.OAuth != nil {
		n++
	}
	if n > 1 {
		return steward.Validation("Only one of BasicAuthParameters, OAuthParameters, or ApiKeyAuthParameters may be specified.")
	}
	checkHTTPParameters(a.Invocation, "authParameters.invocationHttpParameters", &f)
	return f.err()
}

func (b *Buses) seal(name string, a *ConnectionAuth) ([]byte, error) {
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	if b.opts.Sealer == nil {
		return nil, errors.New("events: no sealer configured for connection secrets")
	}
	return b.opts.Sealer.Seal(raw, []byte("events/connection/"+name))
}

func (b *Buses) openAuth(r *ConnectionRecord) (*ConnectionAuth, error) {
	if b.opts.Sealer == nil {
		return nil, errors.New("events: no sealer configured for connection secrets")
	}
	raw, err := b.opts.Sealer.Open(r.SealedAuth, []byte("events/connection/"+r.Name))
	if err != nil {
		return nil, err
	}
	var a ConnectionAuth
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// public strips the secrets of AuthParameters.
func (a *ConnectionAuth) public() ConnectionAuth {
	out := ConnectionAuth{APIKeyName: a.APIKeyName, Username: a.Username, Invocation: a.Invocation.public()}
	if o := a.OAuth; o != nil {
		out.OAuth = &OAuthAuth{ClientID: o.ClientID, Endpoint: o.Endpoint, Method: o.Method, HTTP: o.HTTP.public()}
	}
	return out
}

func (p *HTTPParameters) public() *HTTPParameters {
	if p == nil {
		return nil
	}
	strip := func(in []HTTPParameter) []HTTPParameter {
		var out []HTTPParameter
		for _, h := range in {
			if h.Secret {
				h.Value = ""
			}
			out = append(out, h)
		}
		return out
	}
	return &HTTPParameters{Headers: strip(p.Headers), Query: strip(p.Query), Body: strip(p.Body)}
}

func (b *Buses) connectionOut(r *ConnectionRecord, withAuth bool) (*Connection, error) {
	c := &Connection{ARN: b.connectionARN(r), Name: r.Name, Description: r.Description, AuthType: r.AuthType, State: r.State,
		CreatedAt: r.CreatedAt, ModifiedAt: r.ModifiedAt, AuthorizedAt: r.AuthorizedAt}
	if withAuth {
		c.SecretARN = b.secretARN(r)
		a, err := b.openAuth(r)
		if err != nil {
			return nil, internal(err)
		}
		c.Auth = a.public()
	}
	return c, nil
}

func checkConnectionName(name string, f *fieldErrors) {
	f.text(name, "name", 1, maxConnectionName, connectionNamePattern)
}

// CreateConnection creates a connection.
//
// Errors: ValidationException, ResourceAlreadyExistsException.
func (b *Buses) CreateConnection(ctx context.Context, in ConnectionInput) (*Connection, error) {
	var f fieldErrors
	checkConnectionName(in.Name, &f)
	f.optional(in.Description, "description", 0, maxConnectionDescription, nil)
	if !authTypes[in.AuthType] {
		f.add(in.AuthType, "authorizationType", "Member must satisfy enum value set: [OAUTH_CLIENT_CREDENTIALS, BASIC, API_KEY]")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	if in.Auth == nil {
		return nil, steward.Validation("AuthParameters must be specified.")
	}
	if err := checkAuth(in.AuthType, in.Auth); err != nil {
		return nil, err
	}
	now := b.now()
	r := &ConnectionRecord{Name: in.Name, UUID: uuid.NewString(), Description: deref(in.Description), AuthType: in.AuthType,
		State: StateAuthorized, CreatedAt: now, ModifiedAt: now, AuthorizedAt: now}
	if in.AuthType == AuthOAuth {
		r.State, r.AuthorizedAt = StateAuthorizing, time.Time{}
	}
	sealed, err := b.seal(r.Name, in.Auth)
	if err != nil {
		return nil, internal(err)
	}
	r.SealedAuth = sealed
	if err := b.store.PutConnection(ctx, r, true); errors.Is(err, ErrConflict) {
		return nil, steward.Errorf(CodeResourceAlreadyExists, "Connection %s already exists.", in.Name)
	} else if err != nil {
		return nil, internal(err)
	}
	return b.connectionOut(r, false)
}

func (b *Buses) getConnection(ctx context.Context, name string) (*ConnectionRecord, error) {
	r, err := b.store.GetConnection(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return nil, notFound("Failed to describe the connection(s). Connection '%s' does not exist.", name)
	}
	if err != nil {
		return nil, internal(err)
	}
	return r, nil
}

// DescribeConnection returns a connection without its secrets.
//
// Errors: ValidationException, ResourceNotFoundException.
func (b *Buses) DescribeConnection(ctx context.Context, name string) (*Connection, error) {
	var f fieldErrors
	checkConnectionName(name, &f)
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := b.getConnection(ctx, name)
	if err != nil {
		return nil, err
	}
	return b.connectionOut(r, true)
}

// ListConnections returns a page of connections in name order.
func (b *Buses) ListConnections(ctx context.Context, prefix, state *string, token *string, limit *int) ([]*Connection, string, error) {
	var f fieldErrors
	f.optional(prefix, "namePrefix", 1, maxConnectionName, connectionNamePattern)
	if state != nil && !connectionStates[*state] {
		f.add(*state, "connectionState", "Member must satisfy enum value set: [CREATING, UPDATING, DELETING, AUTHORIZED, DEAUTHORIZED, AUTHORIZING, DEAUTHORIZING, ACTIVE, FAILED_CONNECTIVITY]")
	}
	tok, n := f.token(token), f.limit(limit)
	if err := f.err(); err != nil {
		return nil, "", err
	}
	recs, next, err := b.store.ListConnections(ctx, deref(prefix), deref(state), tok, n)
	if err != nil {
		return nil, "", tokenError(err)
	}
	out := make([]*Connection, len(recs))
	for i, r := range recs {
		out[i], _ = b.connectionOut(r, false)
	}
	return out, next, nil
}

// UpdateConnection changes a connection; new secrets authorize a
// deauthorized one again.
//
// Errors: ValidationException, ResourceNotFoundException.
func (b *Buses) UpdateConnection(ctx context.Context, in ConnectionInput) (*Connection, error) {
	var f fieldErrors
	checkConnectionName(in.Name, &f)
	f.optional(in.Description, "description", 0, maxConnectionDescription, nil)
	if in.AuthType != "" && !authTypes[in.AuthType] {
		f.add(in.AuthType, "authorizationType", "Member must satisfy enum value set: [OAUTH_CLIENT_CREDENTIALS, BASIC, API_KEY]")
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	r, err := b.getConnection(ctx, in.Name)
	if err != nil {
		return nil, err
	}
	auth, err := b.openAuth(r)
	if err != nil {
		return nil, internal(err)
	}
	typ := r.AuthType
	if in.AuthType != "" && in.AuthType != typ {
		typ, auth = in.AuthType, &ConnectionAuth{Invocation: auth.Invocation}
	}
	if in.Auth != nil {
		auth.merge(in.Auth)
	}
	if err := checkAuth(typ, auth); err != nil {
		return nil, err
	}
	if in.Description != nil {
		r.Description = *in.Description
	}
	now := b.now()
	r.AuthType, r.ModifiedAt = typ, now
	if in.Auth != nil || in.AuthType != "" || r.State == StateDeauthorized {
		r.State, r.AuthorizedAt = StateAuthorized, now
		if typ == AuthOAuth {
			r.State, r.AuthorizedAt = StateAuthorizing, time.Time{}
		}
	}
	if r.SealedAuth, err = b.seal(r.Name, auth); err != nil {
		return nil, internal(err)
	}
	if err := b.store.PutConnection(ctx, r, false); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, notFound("Connection '%s' does not exist.", in.Name)
		}
		return nil, internal(err)
	}
	b.tokens.forget(r.Name)
	return b.connectionOut(r, false)
}

// merge applies the members given in an update.
func (a *ConnectionAuth) merge(u *ConnectionAuth) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&a.APIKeyName, u.APIKeyName)
	set(&a.APIKeyValue, u.APIKeyValue)
	set(&a.Username, u.Username)
	set(&a.Password, u.Password)
	if u.OAuth != nil {
		if a.OAuth == nil {
			a.OAuth = &OAuthAuth{}
		}
		set(&a.OAuth.ClientID, u.OAuth.ClientID)
		set(&a.OAuth.ClientSecret, u.OAuth.ClientSecret)
		set(&a.OAuth.Endpoint, u.OAuth.Endpoint)
		set(&a.OAuth.Method, u.OAuth.Method)
		if u.OAuth.HTTP != nil {
			a.OAuth.HTTP = u.OAuth.HTTP
		}
	}
	if u.Invocation != nil {
		a.Invocation = u.Invocation
	}
}

// DeauthorizeConnection forgets a connection's secrets (the API key value,
// password or client secret); invocations through it fail until an update
// gives new ones.
//
// Errors: ValidationException, ResourceNotFoundException.
func (b *Buses) DeauthorizeConnection(ctx context.Context, name string) (*Connection, error) {
	var f fieldErrors
	checkConnectionName(name, &f)
	if err := f.err(); err != nil {
		return nil, err
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	r, err := b.getConnection(ctx, name)
	if err != nil {
		return nil, err
	}
	auth, err := b.openAuth(r)
	if err != nil {
		return nil, internal(err)
	}
	auth.APIKeyValue, auth.Password = "", ""
	if auth.OAuth != nil {
		auth.OAuth.ClientSecret = ""
	}
	if r.SealedAuth, err = b.seal(r.Name, auth); err != nil {
		return nil, internal(err)
	}
	r.State, r.ModifiedAt = StateDeauthorized, b.now()
	if err := b.store.PutConnection(ctx, r, false); err != nil {
		return nil, internal(err)
	}
	b.tokens.forget(r.Name)
	return b.connectionOut(r, false)
}

// DeleteConnection deletes a connection.
//
// Errors: ValidationException, ResourceNotFoundException.
func (b *Buses) DeleteConnection(ctx context.Context, name string) (*Connection, error) {
	var f fieldErrors
	checkConnectionName(name, &f)
	if err := f.err(); err != nil {
		return nil, err
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	r, err := b.getConnection(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := b.store.DeleteConnection(ctx, name); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, internal(err)
	}
	b.tokens.forget(name)
	r.State = "DELETING"
	return b.connectionOut(r, false)
}
