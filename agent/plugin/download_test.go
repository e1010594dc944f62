package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stewardhq/steward/agentproto"
	// Test only: the server's SigV4 verifier checks the agent's S3
	// signatures independently. It is not linked into the agent.
	"github.com/stewardhq/steward/sigv4"
)

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDownloadHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/files/hello.sh":
			fmt.Fprint(w, "#!/bin/sh\necho hello\n")
		case "/private/data.txt":
			if u, p, ok := r.BasicAuth(); !ok || u != "ann" || p != "pw" {
				http.Error(w, "who are you", http.StatusUnauthorized)
				return
			}
			fmt.Fprint(w, "secret data")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	abs := filepath.Join(t.TempDir(), "nested", "out.txt")

	cases := []struct {
		name       string
		sourceInfo any
		dest       string
		want       func(env *Env) string // where the file lands
		content    string
		failWith   string
	}{
		{"object, default destination", map[string]any{"url": srv.URL + "/files/hello.sh", "allowInsecureDownload": true}, "",
			func(e *Env) string { return filepath.Join(e.DownloadDir, "hello.sh") }, "#!/bin/sh\necho hello\n", ""},
		{"string sourceInfo, relative dir", fmt.Sprintf(`{"url": %q, "allowInsecureDownload": "true"}`, srv.URL+"/files/hello.sh"), "scripts/",
			func(e *Env) string { return filepath.Join(e.DownloadDir, "scripts", "hello.sh") }, "#!/bin/sh\necho hello\n", ""},
		{"relative file name", map[string]any{"url": srv.URL + "/files/hello.sh", "allowInsecureDownload": true}, "run.sh",
			func(e *Env) string { return filepath.Join(e.DownloadDir, "run.sh") }, "#!/bin/sh\necho hello\n", ""},
		{"absolute file, basic auth", map[string]any{"url": srv.URL + "/private/data.txt", "allowInsecureDownload": true, "authMethod": "Basic", "username": "ann", "password": "pw"}, abs,
			func(*Env) string { return abs }, "secret data", ""},
		{"http refused without allowInsecureDownload", map[string]any{"url": srv.URL + "/files/hello.sh"}, "", nil, "", "allowInsecureDownload"},
		{"not found", map[string]any{"url": srv.URL + "/nope", "allowInsecureDownload": true}, "", nil, "", "404"},
		{"bad auth", map[string]any{"url": srv.URL + "/private/data.txt", "allowInsecureDownload": true, "authMethod": "Basic", "username": "ann", "password": "no"}, "", nil, "", "401"},
		{"digest unsupported", map[string]any{"url": srv.URL + "/private/data.txt", "allowInsecureDownload": true, "authMethod": "Digest"}, "", nil, "", "Digest"},
		{"no url", map[string]any{}, "", nil, "", "url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, out, errb := testEnv(t)
			res := downloadContent(context.Background(), env, inputs(t, map[string]any{
				"sourceType": "HTTP", "sourceInfo": tc.sourceInfo, "destinationPath": tc.dest,
			}))
			if tc.failWith != "" {
				if res.Status != agentproto.StatusFailed || res.Code != 1 || !strings.Contains(errb.String(), tc.failWith) {
					t.Fatalf("result %+v stderr %q, want Failed mentioning %q", res, errb.String(), tc.failWith)
				}
				return
			}
			if res.Code != 0 || res.Status != "" {
				t.Fatalf("result %+v stderr %q", res, errb.String())
			}
			p := tc.want(env)
			if got := readFile(t, p); got != tc.content {
				t.Fatalf("%s = %q, want %q", p, got, tc.content)
			}
			if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o750 {
				t.Errorf("mode %v, want 0750", fi.Mode().Perm())
			}
			if !strings.Contains(out.String(), "Content downloaded to "+p) {
				t.Errorf("stdout %q does not say where the content went", out.String())
			}
		})
	}
}

// fakeGitHub serves the contents API for owner "acme", repository "ops".
func fakeGitHub(t *testing.T, token string) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var seen []string
	files := map[string]string{
		"scripts/run.sh":        "#!/bin/sh\necho from github\n",
		"scripts/lib/common.sh": "common\n",
		"README.md":             "readme\n",
	}
	dirs := map[string][]githubEntry{
		"scripts":     {{Type: "file", Name: "run.sh", Path: "scripts/run.sh"}, {Type: "dir", Name: "lib", Path: "scripts/lib"}},
		"scripts/lib": {{Type: "file", Name: "common.sh", Path: "scripts/lib/common.sh"}},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		if token != "" && r.Header.Get("Authorization") != "token "+token {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		p, ok := strings.CutPrefix(r.URL.Path, "/api/v3/repos/acme/ops/contents/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		if ref := r.URL.Query().Get("ref"); ref != "" && ref != "main" {
			http.NotFound(w, r)
			return
		}
		raw := r.Header.Get("Accept") == "application/vnd.github.raw"
		if body, ok := files[p]; ok {
			if raw {
				fmt.Fprint(w, body)
				return
			}
			json.NewEncoder(w).Encode(githubEntry{Type: "file", Name: filepath.Base(p), Path: p})
			return
		}
		if list, ok := dirs[p]; ok && !raw {
			json.NewEncoder(w).Encode(list)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestDownloadGitHub(t *testing.T) {
	srv, seen := fakeGitHub(t, "ghp_tok")
	env, _, errb := testEnv(t)
	env.GitHubAPIURL = srv.URL + "/api/v3"
	res := downloadContent(context.Background(), env, inputs(t, map[string]any{
		"sourceType": "GitHub",
		"sourceInfo": `{"owner": "acme", "repository": "ops", "path": "scripts/run.sh", "getOptions": "branch:main", "tokenInfo": "ghp_tok"}`,
	}))
	if res.Code != 0 {
		t.Fatalf("result %+v stderr %q", res, errb.String())
	}
	if got := readFile(t, filepath.Join(env.DownloadDir, "run.sh")); got != "#!/bin/sh\necho from github\n" {
		t.Fatalf("run.sh = %q", got)
	}
	if !strings.Contains(strings.Join(*seen, " "), "/api/v3/repos/acme/ops/contents/scripts/run.sh?ref=main") {
		t.Errorf("requests %v", *seen)
	}

	// A folder, into a relative destination.
	env, _, errb = testEnv(t)
	env.GitHubAPIURL = srv.URL + "/api/v3"
	res = downloadContent(context.Background(), env, inputs(t, map[string]any{
		"sourceType":      "GitHub",
		"sourceInfo":      map[string]any{"owner": "acme", "repository": "ops", "path": "scripts", "tokenInfo": "ghp_tok"},
		"destinationPath": "tools",
	}))
	if res.Code != 0 {
		t.Fatalf("folder: result %+v stderr %q", res, errb.String())
	}
	if got := readFile(t, filepath.Join(env.DownloadDir, "tools", "lib", "common.sh")); got != "common\n" {
		t.Fatalf("lib/common.sh = %q", got)
	}
	if got := readFile(t, filepath.Join(env.DownloadDir, "tools", "run.sh")); !strings.Contains(got, "from github") {
		t.Fatalf("run.sh = %q", got)
	}

	// A wrong token is a clear failure.
	env, _, errb = testEnv(t)
	env.GitHubAPIURL = srv.URL + "/api/v3"
	res = downloadContent(context.Background(), env, inputs(t, map[string]any{
		"sourceType": "GitHub",
		"sourceInfo": map[string]any{"owner": "acme", "repository": "ops", "path": "README.md", "tokenInfo": "wrong"},
	}))
	if res.Status != agentproto.StatusFailed || !strings.Contains(errb.String(), "401") {
		t.Fatalf("wrong token: result %+v stderr %q", res, errb.String())
	}
}

// fakeS3 serves GET /<bucket>/<key> and checks SigV4 (service s3) with the
// server's verifier when keys are configured.
func fakeS3(t *testing.T, objects map[string]string, secrets map[string]string) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var regions []string
	v := &sigv4.Verifier{Lookup: func(_ context.Context, id string) (string, error) {
		if s, ok := secrets[id]; ok {
			return s, nil
		}
		return "", sigv4.ErrUnknownKey
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(secrets) > 0 {
			sig, err := v.Verify(r.Context(), r, nil, "s3")
			if err != nil {
				http.Error(w, "SignatureDoesNotMatch: "+err.Error(), http.StatusForbidden)
				return
			}
			mu.Lock()
			regions = append(regions, sig.Region)
			mu.Unlock()
		}
		body, ok := objects[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.Error(w, "NoSuchKey", http.StatusNotFound)
			return
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &regions
}

func TestDownloadS3(t *testing.T) {
	objects := map[string]string{"maint/scripts/maintenance.sh": "#!/bin/sh\necho maintenance\n"}
	srv, regions := fakeS3(t, objects, map[string]string{"AKIDSTEWARD": "s3cr3t"})
	creds := S3Config{Endpoint: srv.URL, AccessKeyID: "AKIDSTEWARD", SecretAccessKey: "s3cr3t"}

	cases := []struct {
		name, path string
		cfg        S3Config
		region     string
		fail       string
	}{
		// The seed article's object URL, fetched from the configured endpoint.
		{"aws path-style to endpoint", "https://s3-ap-northeast-1.amazonaws.com/maint/scripts/maintenance.sh", creds, "ap-northeast-1", ""},
		{"aws virtual-hosted to endpoint, region from config", "https://maint.s3.eu-west-1.amazonaws.com/scripts/maintenance.sh", S3Config{Endpoint: srv.URL, Region: "eu-central-1", AccessKeyID: "AKIDSTEWARD", SecretAccessKey: "s3cr3t"}, "eu-central-1", ""},
		// No region in the URL or the config: the command's region.
		{"endpoint URL itself", srv.URL + "/maint/scripts/maintenance.sh", creds, "eu-west-1", ""},
		{"wrong secret", srv.URL + "/maint/scripts/maintenance.sh", S3Config{Endpoint: srv.URL, AccessKeyID: "AKIDSTEWARD", SecretAccessKey: "nope"}, "", "403"},
		{"s3 URI", "s3://maint/scripts/maintenance.sh", creds, "", "must be the object URL"},
		{"missing object", srv.URL + "/maint/nope.sh", creds, "", "404"},
		{"plain http elsewhere", "http://example.invalid/maint/x.sh", creds, "", "https"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, _, errb := testEnv(t)
			env.S3 = tc.cfg
			before := len(*regions)
			res := downloadContent(context.Background(), env, inputs(t, map[string]any{
				"sourceType": "S3", "sourceInfo": map[string]string{"path": tc.path},
			}))
			if tc.fail != "" {
				if res.Status != agentproto.StatusFailed || !strings.Contains(errb.String(), tc.fail) {
					t.Fatalf("result %+v stderr %q, want Failed mentioning %q", res, errb.String(), tc.fail)
				}
				return
			}
			if res.Code != 0 {
				t.Fatalf("result %+v stderr %q", res, errb.String())
			}
			if got := readFile(t, filepath.Join(env.DownloadDir, "maintenance.sh")); got != objects["maint/scripts/maintenance.sh"] {
				t.Fatalf("maintenance.sh = %q", got)
			}
			if len(*regions) != before+1 || (*regions)[before] != tc.region {
				t.Errorf("signed regions %v, want %q last", *regions, tc.region)
			}
		})
	}

	// Anonymous GET of a public object (no credentials configured).
	pub, _ := fakeS3(t, objects, nil)
	env, _, errb := testEnv(t)
	env.S3 = S3Config{Endpoint: pub.URL}
	res := downloadContent(context.Background(), env, inputs(t, map[string]any{
		"sourceType": "S3", "sourceInfo": `{"path": "https://maint.s3.amazonaws.com/scripts/maintenance.sh"}`, "destinationPath": "m.sh",
	}))
	if res.Code != 0 || readFile(t, filepath.Join(env.DownloadDir, "m.sh")) != objects["maint/scripts/maintenance.sh"] {
		t.Fatalf("anonymous: result %+v stderr %q", res, errb.String())
	}
}

func TestDownloadBadInputs(t *testing.T) {
	for _, in := range []string{
		`{}`,
		`{"sourceType": "S3"}`,
		`{"sourceType": "S3", "sourceInfo": "not json"}`,
		`{"sourceType": "S3", "sourceInfo": [1]}`,
		`{"sourceType": "Git", "sourceInfo": {"repository": "x"}}`,
		`{"sourceType": "SSMDocument", "sourceInfo": {"name": "x"}}`,
		`{"sourceType": "FTP", "sourceInfo": {"url": "ftp://x"}}`,
		`{"sourceType": "GitHub", "sourceInfo": {"owner": "a"}}`,
		`{"sourceType": "GitHub", "sourceInfo": {"owner": "a", "repository": "b", "getOptions": "tag:v1"}}`,
	} {
		env, _, errb := testEnv(t)
		res := downloadContent(context.Background(), env, json.RawMessage(in))
		if res.Status != agentproto.StatusFailed || res.Code != 1 || errb.String() == "" {
			t.Errorf("%s: result %+v stderr %q", in, res, errb.String())
		}
	}
}

func TestParseS3Path(t *testing.T) {
	ep, _ := url.Parse("http://127.0.0.1:9000")
	cases := []struct {
		in, url, bucket, key, region string
		endpoint                     *url.URL
		err                          bool
	}{
		{in: "https://s3-ap-northeast-1.amazonaws.com/b/k/x.sh", url: "https://s3-ap-northeast-1.amazonaws.com/b/k/x.sh", bucket: "b", key: "k/x.sh", region: "ap-northeast-1"},
		{in: "https://s3.eu-west-1.amazonaws.com/b/x", url: "https://s3.eu-west-1.amazonaws.com/b/x", bucket: "b", key: "x", region: "eu-west-1"},
		{in: "https://s3.amazonaws.com/b/x", url: "https://s3.amazonaws.com/b/x", bucket: "b", key: "x", region: "us-east-1"},
		{in: "https://my.bucket.s3.amazonaws.com/a/b", url: "https://my.bucket.s3.amazonaws.com/a/b", bucket: "my.bucket", key: "a/b", region: "us-east-1"},
		{in: "https://s3-logs.s3.us-west-2.amazonaws.com/a", url: "https://s3-logs.s3.us-west-2.amazonaws.com/a", bucket: "s3-logs", key: "a", region: "us-west-2"},
		{in: "https://bkt.s3.dualstack.us-east-2.amazonaws.com/a", url: "https://bkt.s3.dualstack.us-east-2.amazonaws.com/a", bucket: "bkt", key: "a", region: "us-east-2"},
		{in: "https://minio.lan/b/k", url: "https://minio.lan/b/k", bucket: "b", key: "k"},
		{in: "https://bkt.s3.amazonaws.com/k", endpoint: ep, url: "http://127.0.0.1:9000/bkt/k", bucket: "bkt", key: "k", region: "us-east-1"},
		{in: "http://127.0.0.1:9000/b/k", endpoint: ep, url: "http://127.0.0.1:9000/b/k", bucket: "b", key: "k"},
		{in: "  https://minio.lan/b/k  ", url: "https://minio.lan/b/k", bucket: "b", key: "k"},
		{in: "s3://b/k", err: true},
		{in: "S3://b/k", err: true},
		{in: "http://minio.lan/b/k", err: true},
		{in: "https://minio.lan/b", err: true},
		{in: "https://minio.lan/b/folder/", err: true},
		{in: "https://bkt.s3.amazonaws.com/", err: true},
		{in: "https://user:pw@minio.lan/b/k", err: true},
		{in: "", err: true},
		{in: "/b/k", err: true},
	}
	for _, tc := range cases {
		obj, err := ParseS3Path(tc.in, tc.endpoint)
		if tc.err {
			if err == nil {
				t.Errorf("ParseS3Path(%q) = %+v, want an error", tc.in, obj)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseS3Path(%q): %v", tc.in, err)
			continue
		}
		if obj.URL.String() != tc.url || obj.Bucket != tc.bucket || obj.Key != tc.key || obj.Region != tc.region {
			t.Errorf("ParseS3Path(%q) = %s %q %q %q, want %s %q %q %q", tc.in, obj.URL, obj.Bucket, obj.Key, obj.Region, tc.url, tc.bucket, tc.key, tc.region)
		}
	}
	if _, err := ParseS3Path("s3://bucket/key", nil); err == nil || !strings.Contains(err.Error(), "object URL") {
		t.Errorf("s3:// error %v does not explain the object URL", err)
	}
}

func TestParseSourceInfo(t *testing.T) {
	for _, in := range []string{`{"path": "https://a/b/c", "n": 1, "b": true}`, `"{\"path\": \"https://a/b/c\", \"n\": 1, \"b\": true}"`} {
		si, err := ParseSourceInfo(json.RawMessage(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if si.Get("path") != "https://a/b/c" || si.Get("PATH") != "https://a/b/c" || si.Get("n") != "1" || si.Get("b") != "true" {
			t.Errorf("%s: %v", in, si)
		}
	}
	for _, in := range []string{``, `null`, `""`, `"x"`, `[1]`, `3`, `{"a": {"b": 1}}`, `"[1]"`, `{`} {
		if si, err := ParseSourceInfo(json.RawMessage(in)); err == nil {
			t.Errorf("ParseSourceInfo(%s) = %v, want an error", in, si)
		}
	}
}

func FuzzParseSourceInfo(f *testing.F) {
	for _, s := range []string{`{"path": "https://a/b/c"}`, `"{\"url\": \"x\"}"`, `""`, `[]`, `{"a": [1]}`, `"\"\""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		si, err := ParseSourceInfo(json.RawMessage(in))
		if err == nil && si == nil {
			t.Fatal("nil SourceInfo without an error")
		}
	})
}

func FuzzParseS3Path(f *testing.F) {
	for _, s := range []string{"https://s3.amazonaws.com/b/k", "s3://b/k", "https://b.s3-eu-west-1.amazonaws.com/k", "http://127.0.0.1:9000/b/k", "https://x/..//", "https://.s3.amazonaws.com/k"} {
		f.Add(s, true)
	}
	ep, _ := url.Parse("http://127.0.0.1:9000")
	f.Fuzz(func(t *testing.T, in string, withEndpoint bool) {
		var e *url.URL
		if withEndpoint {
			e = ep
		}
		obj, err := ParseS3Path(in, e)
		if err != nil {
			return
		}
		if obj.Bucket == "" || obj.Key == "" || strings.HasSuffix(obj.Key, "/") || obj.URL == nil || obj.URL.Host == "" {
			t.Fatalf("ParseS3Path(%q) accepted %+v", in, obj)
		}
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(in)), "s3://") {
			t.Fatalf("accepted an s3:// URI: %q", in)
		}
	})
}
