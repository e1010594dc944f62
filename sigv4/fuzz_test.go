package sigv4

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"
)

var (
	keyIDRe      = regexp.MustCompile(`^[A-Za-z0-9_]{1,128}$`)
	scopeNameRe  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	headerNameRe = regexp.MustCompile("^[a-z0-9!#$%&'*+.^_`|~-]{1,128}$")
)

// FuzzParse feeds Parse (and Verify) arbitrary Authorization headers,
// query strings and dates. Property: no panic; the result is either an
// *Error of a known kind or a Signature whose fields are well-formed.
func FuzzParse(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential="+goodCred+", SignedHeaders=host;x-amz-date, Signature="+goodSig, "", goodAmzDay, "")
	f.Add("AWS4-HMAC-SHA256 Credential="+goodCred+",SignedHeaders=host,Signature="+goodSig, "a=1&b=%2F", "", "Wed, 21 Jan 2026 10:15:00 GMT")
	f.Add("", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDSTEWARDTEST%2F20260121%2Fus-east-1%2Fssm%2Faws4_request"+
		"&X-Amz-Date=20260121T101500Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature="+goodSig, "", "")
	f.Add("", "X-Amz-Signature=&X-Amz-Expires=99999999999999999999", "", "")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=;;, Signature=zz", "%zz=%", "2026", "")
	f.Add("AWS4-HMAC-SHA256 ,,,=,Credential==", "&&&", goodAmzDay, "")

	v := &Verifier{
		Lookup: func(context.Context, string) (string, error) { return "secret", nil },
		Now:    func() time.Time { return signTime },
	}
	f.Fuzz(func(t *testing.T, auth, query, amzDate, date string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/", RawQuery: query}, RequestURI: "/?" + query,
			Host: "example.com", Header: http.Header{}}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if amzDate != "" {
			r.Header.Set("X-Amz-Date", amzDate)
		}
		if date != "" {
			r.Header.Set("Date", date)
		}

		s, err := Parse(r)
		if err != nil {
			if s != nil {
				t.Fatalf("Parse returned both %+v and %v", s, err)
			}
			if k := kindOf(err); k != Missing && k != Incomplete {
				t.Fatalf("Parse error %v is not Missing or Incomplete", err)
			}
		} else {
			checkWellFormed(t, s)
		}

		_, err = v.Verify(context.Background(), r, []byte(query), "ssm")
		if err != nil && kindOf(err) == 0 {
			t.Fatalf("Verify error %v is not an *Error", err)
		}
	})
}

func checkWellFormed(t *testing.T, s *Signature) {
	t.Helper()
	switch {
	case !keyIDRe.MatchString(s.AccessKeyID):
		t.Fatalf("AccessKeyID %q", s.AccessKeyID)
	case !scopeNameRe.MatchString(s.Region) || !scopeNameRe.MatchString(s.Service):
		t.Fatalf("scope %q/%q", s.Region, s.Service)
	case s.Time.IsZero() || s.Time.Location() != time.UTC || s.Date != s.Time.Format("20060102"):
		t.Fatalf("Date %q, Time %v", s.Date, s.Time)
	case s.amzDate != s.Time.Format("20060102T150405Z"):
		t.Fatalf("amzDate %q, Time %v", s.amzDate, s.Time)
	case len(s.Signature) != 32:
		t.Fatalf("Signature %x", s.Signature)
	case len(s.SignedHeaders) == 0 || len(s.SignedHeaders) > maxSignedHeaders:
		t.Fatalf("SignedHeaders %q", s.SignedHeaders)
	case s.Expires < 0 || s.Expires > MaxPresignExpires || (!s.Presigned && s.Expires != 0):
		t.Fatalf("Expires %v (presigned %v)", s.Expires, s.Presigned)
	}
	host := false
	for _, h := range s.SignedHeaders {
		if !headerNameRe.MatchString(h) {
			t.Fatalf("signed header %q", h)
		}
		host = host || h == "host"
	}
	if !host {
		t.Fatalf("host not among %q", s.SignedHeaders)
	}
}
