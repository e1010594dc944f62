package sigv4

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The AWS Signature Version 4 test suite (see testdata/sigv4-test-suite/README.md):
// request (.req), canonical request (.creq), string to sign (.sts) and
// Authorization header (.authz), signed for service "service" in us-east-1
// at 20150830T123600Z by AKIDEXAMPLE.
const (
	suiteKeyID  = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

type suiteCase struct {
	name                  string
	req, creq, sts, authz string
}

func loadSuite(t *testing.T) []suiteCase {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", "sigv4-test-suite", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []suiteCase
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		name := filepath.Base(dir)
		read := func(ext string) string {
			b, err := os.ReadFile(filepath.Join(dir, name+"."+ext))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		cases = append(cases, suiteCase{name, read("req"), read("creq"), read("sts"), read("authz")})
	}
	if len(cases) < 20 {
		t.Fatalf("found %d test-suite cases", len(cases))
	}
	return cases
}

// suiteRequest builds the request of a .req file the way a server would
// hold it. It parses the file by hand: some requests ("GET /example space/")
// are not valid HTTP, so net/http would refuse them.
func suiteRequest(t *testing.T, raw, authz string) (*http.Request, []byte) {
	t.Helper()
	head, body, _ := strings.Cut(raw, "\n\n")
	lines := strings.Split(head, "\n")
	method, rest, _ := strings.Cut(lines[0], " ")
	target := rest[:strings.LastIndexByte(rest, ' ')]
	path, query, _ := strings.Cut(target, "?")
	r := &http.Request{
		Method:     method,
		RequestURI: target,
		URL:        &url.URL{Path: path, RawQuery: query},
		Header:     http.Header{},
	}
	for _, l := range lines[1:] {
		name, value, _ := strings.Cut(l, ":")
		value = strings.Trim(value, " \t")
		if textproto.CanonicalMIMEHeaderKey(name) == "Host" {
			r.Host = value
			continue
		}
		r.Header.Add(name, value)
	}
	r.Header.Set("Authorization", authz)
	return r, []byte(body)
}

func suiteVerifier() *Verifier {
	return &Verifier{
		Lookup: func(_ context.Context, akid string) (string, error) {
			if akid == suiteKeyID {
				return suiteSecret, nil
			}
			return "", ErrUnknownKey
		},
		Now: func() time.Time { return suiteTime.Add(time.Minute) },
	}
}

func TestAWSTestSuite(t *testing.T) {
	v := suiteVerifier()
	for _, tc := range loadSuite(t) {
		t.Run(tc.name, func(t *testing.T) {
			r, body := suiteRequest(t, tc.req, tc.authz)
			s, err := Parse(r)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(body)
			payload := []byte(hex.EncodeToString(sum[:]))
			uri := appendCanonicalURI(nil, requestPath(r), true)
			creq := new(scratch).canonicalRequest(nil, r, s, uri, payload)
			if string(creq) != tc.creq {
				t.Errorf("canonical request\n got %q\nwant %q", creq, tc.creq)
			}
			crHash := sha256.Sum256(creq)
			if sts := appendStringToSign(nil, s, &crHash); string(sts) != tc.sts {
				t.Errorf("string to sign\n got %q\nwant %q", sts, tc.sts)
			}
			if _, err := v.Verify(context.Background(), r, body, "service"); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// The same requests through net/http's own request parser, where it
// accepts them.
func TestAWSTestSuiteOverHTTP(t *testing.T) {
	v := suiteVerifier()
	for _, tc := range loadSuite(t) {
		t.Run(tc.name, func(t *testing.T) {
			head, body, _ := strings.Cut(tc.req, "\n\n")
			wire := strings.ReplaceAll(head, "\n", "\r\n") + "\r\nAuthorization: " + tc.authz + "\r\n\r\n" + body
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire)))
			if err != nil {
				t.Skipf("net/http refuses this request: %v", err)
			}
			if _, err := v.Verify(context.Background(), r, []byte(body), "service"); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestAWSTestSuiteTampered(t *testing.T) {
	v := suiteVerifier()
	for _, tc := range loadSuite(t) {
		r, body := suiteRequest(t, tc.req, tc.authz)
		r.Header.Set("X-Amz-Date", "20150830T123601Z")
		if _, err := v.Verify(context.Background(), r, body, "service"); kindOf(err) != Mismatch {
			t.Errorf("%s with another X-Amz-Date: %v", tc.name, err)
		}
	}
}
