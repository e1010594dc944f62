package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	goodCred   = "AKIDSTEWARDTEST/20260121/us-east-1/ssm/aws4_request"
	goodSig    = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	goodAmzDay = "20260121T101500Z"
)

func headerRequest(auth ...string) *http.Request {
	r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, Host: "127.0.0.1:4566", Header: http.Header{}}
	for _, a := range auth {
		r.Header.Add("Authorization", a)
	}
	r.Header.Set("X-Amz-Date", goodAmzDay)
	return r
}

func TestParseHeader(t *testing.T) {
	r := headerRequest("AWS4-HMAC-SHA256 Credential=" + goodCred + ", SignedHeaders=content-type;host;x-amz-date, Signature=" + goodSig)
	r.Header.Set("X-Amz-Security-Token", "tok")
	s, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	want := Signature{AccessKeyID: "AKIDSTEWARDTEST", Date: "20260121", Region: "us-east-1", Service: "ssm",
		Time: signTime, SecurityToken: "tok"}
	if s.AccessKeyID != want.AccessKeyID || s.Date != want.Date || s.Region != want.Region || s.Service != want.Service ||
		!s.Time.Equal(want.Time) || s.SecurityToken != want.SecurityToken || s.Presigned || s.Expires != 0 ||
		strings.Join(s.SignedHeaders, ";") != "content-type;host;x-amz-date" || hex.EncodeToString(s.Signature) != goodSig {
		t.Errorf("Parse = %+v", s)
	}

	// No spaces after the commas, parameters in another order.
	r = headerRequest("AWS4-HMAC-SHA256 Signature=" + goodSig + ",Credential=" + goodCred + ",SignedHeaders=host")
	if _, err := Parse(r); err != nil {
		t.Errorf("compact header: %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	h := func(cred, signed, sig string) string {
		return "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig
	}
	good := h(goodCred, "host;x-amz-date", goodSig)
	cases := []struct {
		name string
		req  *http.Request
		want Kind
	}{
		{"nothing", headerRequest(), Missing},
		{"empty", headerRequest(""), Incomplete},
		{"algorithm only", headerRequest("AWS4-HMAC-SHA256"), Incomplete},
		{"basic auth", headerRequest("Basic dXNlcjpwYXNz"), Incomplete},
		{"sigv2", headerRequest("AWS AKIDSTEWARDTEST:frJIUN8DYpKDtOLCwo//yllqDzg="), Incomplete},
		{"sigv4a", headerRequest(strings.Replace(good, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1)), Incomplete},
		{"lowercase algorithm", headerRequest(strings.Replace(good, "AWS4-HMAC-SHA256", "aws4-hmac-sha256", 1)), Incomplete},
		{"two headers", headerRequest(good, good), Incomplete},
		{"no Credential", headerRequest("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=" + goodSig), Incomplete},
		{"no SignedHeaders", headerRequest("AWS4-HMAC-SHA256 Credential=" + goodCred + ", Signature=" + goodSig), Incomplete},
		{"no Signature", headerRequest("AWS4-HMAC-SHA256 Credential=" + goodCred + ", SignedHeaders=host"), Incomplete},
		{"duplicate Credential", headerRequest(good + ", Credential=" + goodCred), Incomplete},
		{"unknown parameter", headerRequest(good + ", Foo=bar"), Incomplete},
		{"pair without =", headerRequest(good + ", junk"), Incomplete},
		{"4 scope parts", headerRequest(h("AKIDSTEWARDTEST/20260121/us-east-1/ssm", "host", goodSig)), Incomplete},
		{"6 scope parts", headerRequest(h("AKID/X/20260121/us-east-1/ssm/aws4_request", "host", goodSig)), Incomplete},
		{"bad terminator", headerRequest(h("AKIDSTEWARDTEST/20260121/us-east-1/ssm/aws4_reques", "host", goodSig)), Incomplete},
		{"empty key ID", headerRequest(h("/20260121/us-east-1/ssm/aws4_request", "host", goodSig)), Incomplete},
		{"key ID with space", headerRequest(h("AKID TEST/20260121/us-east-1/ssm/aws4_request", "host", goodSig)), Incomplete},
		{"bad scope date", headerRequest(h("AKIDSTEWARDTEST/2026012x/us-east-1/ssm/aws4_request", "host", goodSig)), Incomplete},
		{"empty region", headerRequest(h("AKIDSTEWARDTEST/20260121//ssm/aws4_request", "host", goodSig)), Incomplete},
		{"empty service", headerRequest(h("AKIDSTEWARDTEST/20260121/us-east-1//aws4_request", "host", goodSig)), Incomplete},
		{"host not signed", headerRequest(h(goodCred, "x-amz-date", goodSig)), Incomplete},
		{"empty header name", headerRequest(h(goodCred, "host;;x-amz-date", goodSig)), Incomplete},
		{"trailing ;", headerRequest(h(goodCred, "host;", goodSig)), Incomplete},
		{"uppercase header name", headerRequest(h(goodCred, "Host;x-amz-date", goodSig)), Incomplete},
		{"empty SignedHeaders", headerRequest(h(goodCred, "", goodSig)), Incomplete},
		{"too many headers", headerRequest(h(goodCred, "host"+strings.Repeat(";x-a", 64), goodSig)), Incomplete},
		{"short signature", headerRequest(h(goodCred, "host", goodSig[:63])), Incomplete},
		{"uppercase signature", headerRequest(h(goodCred, "host", strings.ToUpper(goodSig))), Incomplete},
		{"non-hex signature", headerRequest(h(goodCred, "host", strings.Repeat("g", 64))), Incomplete},
		{"scope date mismatch", headerRequest(h("AKIDSTEWARDTEST/20260120/us-east-1/ssm/aws4_request", "host", goodSig)), Incomplete},
	}
	noDate := headerRequest(good)
	noDate.Header.Del("X-Amz-Date")
	badDate := headerRequest(good)
	badDate.Header.Set("X-Amz-Date", "2026-01-21T10:15:00Z")
	feb31 := headerRequest(h("AKIDSTEWARDTEST/20260231/us-east-1/ssm/aws4_request", "host", goodSig))
	feb31.Header.Set("X-Amz-Date", "20260231T101500Z")
	badHTTPDate := headerRequest(good)
	badHTTPDate.Header.Del("X-Amz-Date")
	badHTTPDate.Header.Set("Date", "yesterday")
	cases = append(cases, []struct {
		name string
		req  *http.Request
		want Kind
	}{
		{"no X-Amz-Date nor Date", noDate, Incomplete},
		{"X-Amz-Date not basic format", badDate, Incomplete},
		{"X-Amz-Date February 31st", feb31, Incomplete},
		{"Date not an HTTP date", badHTTPDate, Incomplete},
	}...)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.req)
			if got := kindOf(err); got != tc.want || s != nil {
				t.Fatalf("Parse = %+v, %v; want kind %v", s, err, tc.want)
			}
		})
	}
}

func TestParsePresignRejects(t *testing.T) {
	base := url.Values{
		"Action":              {"GetCallerIdentity"},
		"X-Amz-Algorithm":     {"AWS4-HMAC-SHA256"},
		"X-Amz-Credential":    {goodCred},
		"X-Amz-Date":          {goodAmzDay},
		"X-Amz-Expires":       {"60"},
		"X-Amz-SignedHeaders": {"host"},
		"X-Amz-Signature":     {goodSig},
	}
	req := func(edit func(q url.Values)) *http.Request {
		q := url.Values{}
		for k, v := range base {
			q[k] = append([]string(nil), v...)
		}
		edit(q)
		return &http.Request{Method: "GET", URL: &url.URL{Path: "/", RawQuery: q.Encode()}, Host: "h", Header: http.Header{}}
	}
	if s, err := Parse(req(func(url.Values) {})); err != nil || !s.Presigned || s.Expires != time.Minute {
		t.Fatalf("good presign: %+v, %v", s, err)
	}
	for name, edit := range map[string]func(q url.Values){
		"no credential":      func(q url.Values) { q.Del("X-Amz-Credential") },
		"no signature":       func(q url.Values) { q.Del("X-Amz-Signature") },
		"no date":            func(q url.Values) { q.Del("X-Amz-Date") },
		"no signed headers":  func(q url.Values) { q.Del("X-Amz-SignedHeaders") },
		"no algorithm":       func(q url.Values) { q.Del("X-Amz-Algorithm") },
		"other algorithm":    func(q url.Values) { q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA1") },
		"expires 0":          func(q url.Values) { q.Set("X-Amz-Expires", "0") },
		"expires too long":   func(q url.Values) { q.Set("X-Amz-Expires", "604801") },
		"expires negative":   func(q url.Values) { q.Set("X-Amz-Expires", "-1") },
		"expires not number": func(q url.Values) { q.Set("X-Amz-Expires", "1h") },
		"two signatures":     func(q url.Values) { q.Add("X-Amz-Signature", goodSig) },
		"host not signed":    func(q url.Values) { q.Set("X-Amz-SignedHeaders", "x-amz-date") },
		"scope date differs": func(q url.Values) { q.Set("X-Amz-Date", "20260122T000000Z") },
	} {
		if s, err := Parse(req(edit)); kindOf(err) != Incomplete {
			t.Errorf("%s: Parse = %+v, %v; want Incomplete", name, s, err)
		}
	}
	if s, err := Parse(req(func(q url.Values) { q.Set("X-Amz-Expires", "604800") })); err != nil || s.Expires != MaxPresignExpires {
		t.Errorf("a week: %+v, %v", s, err)
	}
}

// referenceSignature signs by the book with crypto/hmac, independently of
// the package's own HMAC and key cache.
func referenceSignature(secret, amzDate, scope, creq string) string {
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	parts := strings.Split(scope, "/")
	k := mac([]byte("AWS4"+secret), parts[0])
	k = mac(k, parts[1])
	k = mac(k, parts[2])
	k = mac(k, parts[3])
	sum := sha256.Sum256([]byte(creq))
	return hex.EncodeToString(mac(k, "AWS4-HMAC-SHA256\n"+amzDate+"\n"+scope+"\n"+hex.EncodeToString(sum[:])))
}

// The SDKs always send X-Amz-Date; older clients sign the Date header instead.
func TestVerifyDateHeader(t *testing.T) {
	const httpDate = "Wed, 21 Jan 2026 10:15:00 GMT"
	scope := "20260121/us-east-1/ssm/aws4_request"
	creq := "POST\n/\n\ndate:" + httpDate + "\nhost:127.0.0.1:4566\n\ndate;host\n" + sha256Hex([]byte("{}"))
	sig := referenceSignature(testCreds.SecretAccessKey, goodAmzDay, scope, creq)
	r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, RequestURI: "/", Host: "127.0.0.1:4566", Header: http.Header{}}
	r.Header.Set("Date", httpDate)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testCreds.AccessKeyID+"/"+scope+", SignedHeaders=date;host, Signature="+sig)
	s, err := newVerifier(signTime).Verify(context.Background(), r, []byte("{}"), "ssm")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Time.Equal(signTime) {
		t.Errorf("Time = %v", s.Time)
	}
}

func TestHMACMatchesCryptoHMAC(t *testing.T) {
	var buf []byte
	for _, n := range []int{0, 1, 31, 32, 63, 64, 65, 200} {
		key := []byte(strings.Repeat("k", n))
		for _, msg := range []string{"", "20260121", strings.Repeat("m", 300)} {
			var got [32]byte
			got, buf = hmacSHA256(buf, key, []byte(msg))
			h := hmac.New(sha256.New, key)
			h.Write([]byte(msg))
			if !hmac.Equal(got[:], h.Sum(nil)) {
				t.Errorf("key %d bytes, msg %d bytes: mismatch", n, len(msg))
			}
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1&a=10", "a=1&a=10&a=2"},
		{"flag&x=", "flag=&x="},
		{"&&a=1&", "a=1"},
		{"q=a+b%20c%2Bd", "q=a%20b%20c%2Bd"},
		{"q=%7e%2d%41", "q=~-A"},
		{"q=100%&r=%zz", "q=100%25&r=%25zz"},
		{"k=a%2Fb&k=a-b", "k=a%2Fb&k=a-b"}, // sorted after encoding: '%' < '-'
		{"%E2%9C%93=%E2%9C%93", "%E2%9C%93=%E2%9C%93"},
		{"a=b=c", "a=b%3Dc"},
	} {
		st := new(scratch)
		if got := string(st.appendCanonicalQuery(nil, tc.raw, false)); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.raw, got, tc.want)
		}
	}
	st := new(scratch)
	if got := string(st.appendCanonicalQuery(nil, "X-Amz-Signature=abc&X-Amz-Date=1", true)); got != "X-Amz-Date=1" {
		t.Errorf("presigned: %q", got)
	}
}

func TestCanonicalURI(t *testing.T) {
	for _, tc := range []struct{ raw, norm, asIs string }{
		{"/", "/", "/"},
		{"", "/", "/"},
		{"/a%20b/c%2Fd", "/a%2520b/c%252Fd", "/a%2520b/c%252Fd"},
		{"/service/GraniteServiceVersion20100801/operation/ListMetrics",
			"/service/GraniteServiceVersion20100801/operation/ListMetrics", "/service/GraniteServiceVersion20100801/operation/ListMetrics"},
		{"//a/./b/../c/", "/a/c/", "//a/./b/../c/"},
		{"/a/..", "/", "/a/.."},
		{"/../..", "/", "/../.."},
		{"/a/b/..", "/a", "/a/b/.."},
		{"/a/b/../", "/a/", "/a/b/../"},
		{"/.a/..b/", "/.a/..b/", "/.a/..b/"},
	} {
		if got := string(appendCanonicalURI(nil, tc.raw, true)); got != tc.norm {
			t.Errorf("normalised %q: got %q, want %q", tc.raw, got, tc.norm)
		}
		if got := string(appendCanonicalURI(nil, tc.raw, false)); got != tc.asIs {
			t.Errorf("as is %q: got %q, want %q", tc.raw, got, tc.asIs)
		}
	}
}
