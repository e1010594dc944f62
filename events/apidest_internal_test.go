package events

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward"
)

func TestStatusError(t *testing.T) {
	for status, want := range map[int]string{200: "ok", 204: "ok", 301: "permanent", 400: "permanent", 403: "permanent", 404: "permanent",
		401: "retry", 407: "retry", 409: "retry", 429: "retry", 500: "retry", 503: "retry"} {
		err := statusError(status)
		got := "ok"
		var te *TargetError
		if errors.As(err, &te) {
			got = "retry"
			if te.Permanent {
				got = "permanent"
			}
		}
		if got != want {
			t.Errorf("status %d: %s, want %s", status, got, want)
		}
	}
	if te := statusError(429).(*TargetError); te.Code != ErrThrottling {
		t.Errorf("429 code %s", te.Code)
	}
}

func TestFillPath(t *testing.T) {
	hp := &HTTPParametersTarget{PathParameterValues: []string{"a b", "x/y"}}
	got, err := fillPath("https://h/p/*/q/*", hp)
	if err != nil || got != "https://h/p/a%20b/q/x%2Fy" {
		t.Errorf("fillPath: %q %v", got, err)
	}
	if _, err := fillPath("https://h/*", nil); err == nil {
		t.Error("a missing path value is accepted")
	}
	if got, err := fillPath("https://h/plain", nil); err != nil || got != "https://h/plain" {
		t.Errorf("no wildcard: %q %v", got, err)
	}
}

func TestRateLimit(t *testing.T) {
	var l rateLimits
	d := &APIDestinationRecord{Name: "d", RateLimit: 2}
	now := time.Unix(1000, 0)
	if l.take(d, now) != 0 || l.take(d, now) != 0 {
		t.Fatal("the bucket starts full")
	}
	if w := l.take(d, now); w != 500*time.Millisecond {
		t.Errorf("third token in the same instant waits %v, want 500ms", w)
	}
	if w := l.take(d, now.Add(time.Second)); w != 0 {
		t.Errorf("after a second the token is there: waits %v", w)
	}
}

func TestBodyParameters(t *testing.T) {
	got := string(addBodyParameters([]byte(`{"a":1}`), []HTTPParameter{{Key: "a", Value: "no"}, {Key: "b", Value: "yes"}}))
	if got != `{"a":1,"b":"yes"}` {
		t.Errorf("object body: %s", got)
	}
	if got := string(addBodyParameters([]byte(`"text"`), []HTTPParameter{{Key: "b", Value: "x"}})); got != `"text"` {
		t.Errorf("string body changed: %s", got)
	}
}

func TestBuildRequestAndOAuthRequest(t *testing.T) {
	d := &APIDestinationRecord{Name: "d", Endpoint: "http://h/x/*?fixed=1", Method: "PUT"}
	auth := &ConnectionAuth{Invocation: &HTTPParameters{Query: []HTTPParameter{{Key: "k", Value: "v"}}, Headers: []HTTPParameter{{Key: "X-C", Value: "c"}}}}
	req, err := buildRequest(context.Background(), d, auth, &HTTPParametersTarget{PathParameterValues: []string{"7"}, QueryParameters: map[string]string{"t": "u"}}, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "PUT" || req.URL.Path != "/x/7" || req.URL.Query().Encode() != "fixed=1&k=v&t=u" || req.Header.Get("X-C") != "c" {
		t.Errorf("request %s %s", req.Method, req.URL)
	}
	o := &OAuthAuth{ClientID: "id", ClientSecret: "sec", Endpoint: "http://h/token", Method: "POST",
		HTTP: &HTTPParameters{Body: []HTTPParameter{{Key: "scope", Value: "all"}}}}
	req, err = oauthRequest(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	form, _ := url.ParseQuery(string(body))
	id, sec, _ := req.BasicAuth()
	if form.Get("grant_type") != "client_credentials" || form.Get("scope") != "all" || id != "id" || sec != "sec" {
		t.Errorf("token request %s %q", req.URL, body)
	}
}

// FuzzBuildRequest: any endpoint, path values and body make a request or a
// permanent INVALID_PARAMETER, never a panic.
func FuzzBuildRequest(f *testing.F) {
	f.Add("https://h/a/*/b", "v", `{"x":1}`)
	f.Add("http://h/*/*", "", `[]`)
	f.Add("http://[::1]:80/%zz*", "\x00", `"s"`)
	f.Fuzz(func(t *testing.T, endpoint, value, body string) {
		d := &APIDestinationRecord{Name: "d", Endpoint: endpoint, Method: "POST"}
		vals := make([]string, strings.Count(endpoint, "*"))
		for i := range vals {
			vals[i] = value
		}
		auth := &ConnectionAuth{Invocation: &HTTPParameters{Body: []HTTPParameter{{Key: "k", Value: value}}}}
		_, err := buildRequest(context.Background(), d, auth, &HTTPParametersTarget{PathParameterValues: vals}, []byte(body))
		var te *TargetError
		if err != nil && (!errors.As(err, &te) || !te.Permanent) {
			t.Fatalf("error %v is not a permanent target error", err)
		}
	})
}

// FuzzConnectionAuth: any AuthParameters are either accepted or refused
// with a ValidationException; merging an update and stripping the secrets
// never panic, and the stripped form holds no secret.
func FuzzConnectionAuth(f *testing.F) {
	f.Add("API_KEY", "k", "v", "", "", "", "", "", "GET", "h", "x", true)
	f.Add("OAUTH_CLIENT_CREDENTIALS", "", "", "", "", "id", "sec", "https://a/t", "POST", "", "", false)
	f.Add("BASIC", "", "", "u", "p", "", "", "", "", "q", "", true)
	f.Fuzz(func(t *testing.T, typ, keyName, keyValue, user, pass, clientID, clientSecret, endpoint, method, pkey, pval string, secret bool) {
		a := &ConnectionAuth{APIKeyName: keyName, APIKeyValue: keyValue, Username: user, Password: pass,
			Invocation: &HTTPParameters{Headers: []HTTPParameter{{Key: pkey, Value: pval, Secret: secret}}}}
		if clientID != "" || clientSecret != "" || endpoint != "" {
			a.OAuth = &OAuthAuth{ClientID: clientID, ClientSecret: clientSecret, Endpoint: endpoint, Method: method}
		}
		if err := checkAuth(typ, a); err != nil && steward.ErrorCode(err) != CodeValidation {
			t.Fatalf("checkAuth: %v is not a ValidationException", err)
		}
		merged := &ConnectionAuth{}
		merged.merge(a)
		pub := merged.public()
		if pub.APIKeyValue != "" || pub.Password != "" || (pub.OAuth != nil && pub.OAuth.ClientSecret != "") {
			t.Fatalf("public form keeps a secret: %+v", pub)
		}
		if secret && pub.Invocation.Headers[0].Value != "" {
			t.Fatal("a secret header value is described")
		}
	})
}
