package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stewardhq/steward/postgres/pgtest"
	"github.com/stewardhq/steward/server/servertest"
)

// API destinations end to end: connections and API destinations made with
// aws-sdk-go-v2's EventBridge client, an httptest endpoint as the target,
// the dead-letter queue read with both aws CLIs.

// hookRequest is one request an endpoint received.
type hookRequest struct {
	at     time.Time
	method string
	path   string
	query  string
	header http.Header
	body   string
}

// hook is an httptest endpoint answering status and recording requests.
type hook struct {
	srv    *httptest.Server
	status int
	mu     sync.Mutex
	reqs   []hookRequest
	got    chan struct{}
	tokens int // OAuth token requests
}

func newHook(t *testing.T, status int) *hook {
	h := &hook{status: status, got: make(chan struct{}, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/token" {
			h.mu.Lock()
			h.tokens++
			h.mu.Unlock()
			id, secret, _ := r.BasicAuth()
			if id != "client-1" || secret != "client-secret" || !strings.Contains(string(body), "grant_type=client_credentials") {
				http.Error(w, "bad client", http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"tok-123","token_type":"Bearer","expires_in":3600}`))
			return
		}
		h.mu.Lock()
		h.reqs = append(h.reqs, hookRequest{at: time.Now(), method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, header: r.Header.Clone(), body: string(body)})
		h.mu.Unlock()
		w.WriteHeader(h.status)
		h.got <- struct{}{}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) wait(t *testing.T, n int) []hookRequest {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-h.got:
		case <-time.After(30 * time.Second):
			t.Fatalf("the endpoint received %d of %d requests", i, n)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRequest(nil), h.reqs...)
}

// apiDestination makes a connection and an API destination on endpoint.
func apiDestination(t *testing.T, eb *eventbridge.Client, name string, auth *ebtypes.CreateConnectionAuthRequestParameters, typ ebtypes.ConnectionAuthorizationType, endpoint string) string {
	t.Helper()
	ctx := context.Background()
	c, err := eb.CreateConnection(ctx, &eventbridge.CreateConnectionInput{Name: aws.String(name + "-conn"), AuthorizationType: typ, AuthParameters: auth})
	if err != nil {
		t.Fatal(err)
	}
	d, err := eb.CreateApiDestination(ctx, &eventbridge.CreateApiDestinationInput{Name: aws.String(name), ConnectionArn: c.ConnectionArn,
		InvocationEndpoint: aws.String(endpoint), HttpMethod: ebtypes.ApiDestinationHttpMethodPost, InvocationRateLimitPerSecond: aws.Int32(50)})
	if err != nil {
		t.Fatal(err)
	}
	if d.ApiDestinationState != ebtypes.ApiDestinationStateActive {
		t.Errorf("api destination state %s", d.ApiDestinationState)
	}
	return aws.ToString(d.ApiDestinationArn)
}

// TestAPIDestinationDelivers: an API_KEY connection; the endpoint receives
// the transformed input with the key header, the path wildcard filled and
// the target's header and query parameters. Describe never shows the key,
// and the key is not stored in clear.
func TestAPIDestinationDelivers(t *testing.T) {
	t.Parallel()
	apiDestinationDelivers(t, servertest.Start(t), true)
}

// TestAPIDestinationPostgres: the same on PostgreSQL, with the list
// filters.
func TestAPIDestinationPostgres(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, servertest.WithDatabase(pgtest.URL(t)))
	apiDestinationDelivers(t, srv, false)
	ctx := context.Background()
	eb := eventbridge.NewFromConfig(srv.AWSConfig())
	cs, err := eb.ListConnections(ctx, &eventbridge.ListConnectionsInput{NamePrefix: aws.String("orders"), ConnectionState: ebtypes.ConnectionStateAuthorized})
	if err != nil || len(cs.Connections) != 1 {
		t.Fatalf("list connections: %v %v", cs, err)
	}
	ds, err := eb.ListApiDestinations(ctx, &eventbridge.ListApiDestinationsInput{ConnectionArn: cs.Connections[0].ConnectionArn, Limit: aws.Int32(1)})
	if err != nil || len(ds.ApiDestinations) != 1 || aws.ToString(ds.ApiDestinations[0].Name) != "orders-hook" {
		t.Fatalf("list api destinations: %v %v", ds, err)
	}
}

func apiDestinationDelivers(t *testing.T, srv *servertest.Server, sqlite bool) {
	ctx := context.Background()
	eb := eventbridge.NewFromConfig(srv.AWSConfig())
	h := newHook(t, http.StatusOK)
	const secret = "s3cr3t-api-key-value"
	arn := apiDestination(t, eb, "orders-hook", &ebtypes.CreateConnectionAuthRequestParameters{
		ApiKeyAuthParameters: &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("x-api-key"), ApiKeyValue: aws.String(secret)},
		InvocationHttpParameters: &ebtypes.ConnectionHttpParameters{
			HeaderParameters: []ebtypes.ConnectionHeaderParameter{{Key: aws.String("x-team"), Value: aws.String("ops")},
				{Key: aws.String("x-signing"), Value: aws.String("hidden-too"), IsValueSecret: true}},
		},
	}, ebtypes.ConnectionAuthorizationTypeApiKey, h.srv.URL+"/orders/*/events")

	desc, err := eb.DescribeConnection(ctx, &eventbridge.DescribeConnectionInput{Name: aws.String("orders-hook-conn")})
	if err != nil {
		t.Fatal(err)
	}
	if desc.ConnectionState != ebtypes.ConnectionStateAuthorized || aws.ToString(desc.AuthParameters.ApiKeyAuthParameters.ApiKeyName) != "x-api-key" {
		t.Errorf("describe connection: %+v", desc)
	}
	raw, _ := json.Marshal(desc)
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte("hidden-too")) {
		t.Errorf("DescribeConnection shows a secret: %s", raw)
	}
	for _, f := range []string{srv.SQLiteFile(), srv.SQLiteFile() + "-wal"} {
		if db, err := os.ReadFile(f); sqlite && err == nil && bytes.Contains(db, []byte(secret)) {
			t.Errorf("the API key is stored in clear in %s", f)
		}
	}

	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("orders"), EventPattern: aws.String(`{"source":["shop"]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("orders"), Targets: []ebtypes.Target{{
		Id: aws.String("hook"), Arn: aws.String(arn),
		InputTransformer: &ebtypes.InputTransformer{InputPathsMap: map[string]string{"id": "$.detail.id"}, InputTemplate: aws.String(`{"order": <id>, "rule": <aws.events.rule-name>}`)},
		HttpParameters: &ebtypes.HttpParameters{PathParameterValues: []string{"eu"}, HeaderParameters: map[string]string{"x-source": "steward"},
			QueryStringParameters: map[string]string{"v": "2"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("shop"), DetailType: aws.String("Order Placed"), Detail: aws.String(`{"id":"o-7"}`)}}}); err != nil {
		t.Fatal(err)
	}
	r := h.wait(t, 1)[0]
	if r.method != "POST" || r.path != "/orders/eu/events" || r.query != "v=2" {
		t.Errorf("request %s %s?%s", r.method, r.path, r.query)
	}
	if r.body != `{"order":"o-7","rule":"orders"}` && r.body != `{"order": "o-7", "rule": "orders"}` {
		t.Errorf("body %q", r.body)
	}
	for k, want := range map[string]string{"X-Api-Key": secret, "Content-Type": "application/json; charset=utf-8", "X-Source": "steward",
		"X-Team": "ops", "X-Signing": "hidden-too"} {
		if got := r.header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
}

// TestAPIDestinationOAuth: an OAUTH_CLIENT_CREDENTIALS connection fetches
// its token once (cached), sends it as a Bearer token and becomes
// AUTHORIZED.
func TestAPIDestinationOAuth(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	eb := eventbridge.NewFromConfig(srv.AWSConfig())
	h := newHook(t, http.StatusAccepted)
	arn := apiDestination(t, eb, "oauth-hook", &ebtypes.CreateConnectionAuthRequestParameters{
		OAuthParameters: &ebtypes.CreateConnectionOAuthRequestParameters{
			ClientParameters:      &ebtypes.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("client-1"), ClientSecret: aws.String("client-secret")},
			AuthorizationEndpoint: aws.String(h.srv.URL + "/token"), HttpMethod: ebtypes.ConnectionOAuthHttpMethodPost,
		},
	}, ebtypes.ConnectionAuthorizationTypeOauthClientCredentials, h.srv.URL+"/hook")
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("all"), EventPattern: aws.String(`{"source":["app"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("all"), Targets: []ebtypes.Target{{Id: aws.String("h"), Arn: aws.String(arn)}}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{}`)}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range h.wait(t, 2) {
		if got := r.header.Get("Authorization"); got != "Bearer tok-123" {
			t.Errorf("Authorization %q", got)
		}
	}
	h.mu.Lock()
	tokens := h.tokens
	h.mu.Unlock()
	if tokens != 1 {
		t.Errorf("%d token requests, want 1 (cached)", tokens)
	}
	desc, err := eb.DescribeConnection(ctx, &eventbridge.DescribeConnectionInput{Name: aws.String("oauth-hook-conn")})
	if err != nil {
		t.Fatal(err)
	}
	if desc.ConnectionState != ebtypes.ConnectionStateAuthorized || desc.LastAuthorizedTime == nil ||
		aws.ToString(desc.AuthParameters.OAuthParameters.ClientParameters.ClientID) != "client-1" {
		t.Errorf("describe: state %s, %+v", desc.ConnectionState, desc.AuthParameters.OAuthParameters)
	}
}

// TestAPIDestinationRetriesThenDLQ: an endpoint that always answers 500.
// The target is retried MaximumRetryAttempts (2) times with exponential
// backoff — retry n waits at least half of 2^(n-1) s — then the event goes
// to the dead-letter queue with AWS's attributes, read with both CLIs'
// `aws sqs receive-message --message-attribute-names All`.
func TestAPIDestinationRetriesThenDLQ(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	eb := eventbridge.NewFromConfig(srv.AWSConfig())
	q := sqs.NewFromConfig(srv.AWSConfig())
	_, dlq := evQueue(t, q, "hook-dlq")
	h := newHook(t, http.StatusInternalServerError)
	arn := apiDestination(t, eb, "broken-hook", &ebtypes.CreateConnectionAuthRequestParameters{
		ApiKeyAuthParameters: &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("Authorization"), ApiKeyValue: aws.String("Token abc")},
	}, ebtypes.ConnectionAuthorizationTypeApiKey, h.srv.URL+"/hook")
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("alerts"), EventPattern: aws.String(`{"source":["monitor"]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("alerts"), Targets: []ebtypes.Target{{
		Id: aws.String("webhook"), Arn: aws.String(arn),
		RetryPolicy:      &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(2)},
		DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlq)},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("monitor"), DetailType: aws.String("Alarm"), Detail: aws.String(`{"level":"high"}`)}}}); err != nil {
		t.Fatal(err)
	}

	type attr struct{ StringValue, DataType string }
	var msgs []struct {
		Body              string
		MessageAttributes map[string]attr
	}
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		msgs = nil
		deadline := time.Now().Add(60 * time.Second)
		for len(msgs) < 1 && time.Now().Before(deadline) {
			out := evCLI(t, srv, bin, "sqs", "receive-message", "--queue-url", srv.URL+"/000000000000/hook-dlq",
				"--message-attribute-names", "All", "--max-number-of-messages", "10", "--visibility-timeout", "0", "--wait-time-seconds", "1")
			raw, _ := json.Marshal(out["Messages"])
			_ = json.Unmarshal(raw, &msgs)
		}
		if len(msgs) != 1 {
			t.Fatalf("%s: %d dead letters", bin, len(msgs))
		}
		a := msgs[0].MessageAttributes
		want := map[string]string{
			"RULE_ARN": "arn:aws:events:us-east-1:000000000000:rule/alerts", "TARGET_ARN": arn, "ERROR_CODE": "ERROR_FROM_TARGET",
			"EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts", "RETRY_ATTEMPTS": "2",
		}
		for k, v := range want {
			if a[k].StringValue != v || a[k].DataType != "String" {
				t.Errorf("%s: %s = %+v, want %q", bin, k, a[k], v)
			}
		}
		if !strings.Contains(a["ERROR_MESSAGE"].StringValue, "500") {
			t.Errorf("%s: ERROR_MESSAGE %q", bin, a["ERROR_MESSAGE"].StringValue)
		}
		var ev struct {
			Source string `json:"source"`
		}
		if err := json.Unmarshal([]byte(msgs[0].Body), &ev); err != nil || ev.Source != "monitor" {
			t.Errorf("%s: dead letter body %q", bin, msgs[0].Body)
		}
	}

	reqs := h.wait(t, 3)
	if len(reqs) != 3 {
		t.Fatalf("%d attempts, want 3 (1 + 2 retries)", len(reqs))
	}
	for i, r := range reqs {
		if r.header.Get("Authorization") != "Token abc" {
			t.Errorf("attempt %d: Authorization %q", i+1, r.header.Get("Authorization"))
		}
	}
	// Retry n waits between half and all of 2^(n-1) s: the gaps are at
	// least 0.5 s and 1 s, so they grow in their lower bounds.
	for n, min := range []time.Duration{500 * time.Millisecond, time.Second} {
		if gap := reqs[n+1].at.Sub(reqs[n].at); gap < min {
			t.Errorf("gap before retry %d is %v, below the backoff's %v", n+1, gap, min)
		}
	}
}
