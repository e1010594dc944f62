package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// downloadTimeout bounds one aws:downloadContent step.
const downloadTimeout = time.Hour

// maxErrorBody bounds how much of a failed download's body is quoted.
const maxErrorBody = 512

// Secret is a configuration value that never prints: fmt, slog and JSON
// encoding show "****". Use string(s) for the value.
type Secret string

func (s Secret) String() string                { return redacted(s) }
func (s Secret) GoString() string              { return redacted(s) }
func (s Secret) LogValue() slog.Value          { return slog.StringValue(redacted(s)) }
func (s Secret) MarshalJSON() ([]byte, error)  { return json.Marshal(redacted(s)) }
func (s *Secret) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, (*string)(s)) }

func redacted(s Secret) string {
	if s == "" {
		return ""
	}
	return "****"
}

// S3Config configures aws:downloadContent sourceType S3.
type S3Config struct {
	// Endpoint is an S3-compatible service (e.g. "http://minio.lan:9000").
	// When set, object URLs on AWS hosts are fetched from it path-style,
	// and object URLs on its own host may use its scheme.
	Endpoint string `json:"endpoint,omitempty"`
	// Region signs requests whose URL names no region; "" is the command's
	// region, then us-east-1.
	Region string `json:"region,omitempty"`
	// AccessKeyID and SecretAccessKey sign every S3 GET with SigV4 (service
	// "s3"); without them the GET is anonymous (public objects).
	AccessKeyID     string `json:"accessKeyId,omitempty"`
	SecretAccessKey Secret `json:"secretAccessKey,omitempty"`
	SessionToken    Secret `json:"sessionToken,omitempty"`
}

// downloadInputs are the inputs of aws:downloadContent.
type downloadInputs struct {
	SourceType      json.RawMessage `json:"sourceType"`
	SourceInfo      json.RawMessage `json:"sourceInfo"`
	DestinationPath json.RawMessage `json:"destinationPath"`
}

// fetched is one file to save: rel is its path under the destination
// directory when the source is a folder ("" for a single file).
type fetched struct {
	name string // base name of the source
	rel  string
	open func() (io.ReadCloser, error)
}

func downloadContent(ctx context.Context, env *Env, raw json.RawMessage) Result {
	var in downloadInputs
	if err := decodeInputs(raw, &in); err != nil {
		return failf(env, "%s: %v", ActionDownloadContent, err)
	}
	sourceType, err := flexString(in.SourceType)
	if err != nil || sourceType == "" {
		return failf(env, "%s: sourceType is required (HTTP, S3 or GitHub)", ActionDownloadContent)
	}
	dest, err := flexString(in.DestinationPath)
	if err != nil {
		return failf(env, "%s: destinationPath: %v", ActionDownloadContent, err)
	}
	info, err := ParseSourceInfo(in.SourceInfo)
	if err != nil {
		return failf(env, "%s: %v", ActionDownloadContent, err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, downloadTimeout, errTimedOut)
	defer cancel()

	var saved []string
	switch strings.ToLower(strings.TrimSpace(sourceType)) {
	case "http":
		saved, err = downloadHTTP(ctx, env, info, dest)
	case "s3":
		saved, err = downloadS3(ctx, env, info, dest)
	case "github":
		saved, err = downloadGitHub(ctx, env, info, dest)
	case "git", "ssmdocument":
		err = fmt.Errorf("sourceType %s is not supported by this agent (use HTTP, S3 or GitHub)", sourceType)
	default:
		err = fmt.Errorf("unknown sourceType %q (use HTTP, S3 or GitHub)", sourceType)
	}
	if res, ok := ctxResult(ctx, errTimedOut); ok {
		res.Code = 1 // no process was killed
		return res
	}
	if err != nil {
		return failf(env, "%s: %v", ActionDownloadContent, err)
	}
	for _, p := range saved {
		fmt.Fprintf(env.Stdout, "Content downloaded to %s\n", p)
	}
	return Result{Code: 0}
}

func (e *Env) httpClient() *http.Client {
	if e.HTTPClient != nil {
		return e.HTTPClient
	}
	return http.DefaultClient
}

// downloadHTTP: sourceInfo {"url", "allowInsecureDownload", "authMethod"
// None|Basic, "username", "password"}; http:// needs allowInsecureDownload.
func downloadHTTP(ctx context.Context, env *Env, info SourceInfo, dest string) ([]string, error) {
	raw := info.Get("url")
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Host == "" {
		return nil, fmt.Errorf("sourceInfo url %q is not an http(s) URL", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !strings.EqualFold(info.Get("allowInsecureDownload"), "true") {
			return nil, fmt.Errorf("sourceInfo url %q is not https; set \"allowInsecureDownload\": true to allow it", raw)
		}
	default:
		return nil, fmt.Errorf("sourceInfo url %q is not an http(s) URL", raw)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	switch m := info.Get("authMethod"); strings.ToLower(m) {
	case "", "none":
	case "basic":
		req.SetBasicAuth(info.Get("username"), info.Get("password"))
	default:
		return nil, fmt.Errorf("sourceInfo authMethod %q is not supported (None or Basic)", m)
	}
	return save(env, dest, []fetched{{name: path.Base(u.Path), open: func() (io.ReadCloser, error) { return get(env, req) }}})
}

// downloadS3: sourceInfo {"path": object URL}.
func downloadS3(ctx context.Context, env *Env, info SourceInfo, dest string) ([]string, error) {
	var endpoint *url.URL
	if env.S3.Endpoint != "" {
		u, err := url.Parse(env.S3.Endpoint)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("the agent's S3 endpoint %q is not a URL", env.S3.Endpoint)
		}
		endpoint = u
	}
	obj, err := ParseS3Path(info.Get("path"), endpoint)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, obj.URL.String(), nil)
	if err != nil {
		return nil, err
	}
	if env.S3.AccessKeyID != "" {
		region := obj.Region
		if endpoint != nil || region == "" {
			region = firstNonEmpty(env.S3.Region, region, env.Region, "us-east-1")
		}
		if err := signS3(ctx, req, env.S3, region, env.now()); err != nil {
			return nil, fmt.Errorf("signing the S3 request: %v", err)
		}
	}
	return save(env, dest, []fetched{{name: path.Base(obj.Key), open: func() (io.ReadCloser, error) { return get(env, req) }}})
}

var emptyPayloadHash = func() string { s := sha256.Sum256(nil); return hex.EncodeToString(s[:]) }()

func signS3(ctx context.Context, req *http.Request, cfg S3Config, region string, now time.Time) error {
	req.Header.Set("X-Amz-Content-Sha256", emptyPayloadHash)
	creds := aws.Credentials{AccessKeyID: cfg.AccessKeyID, SecretAccessKey: string(cfg.SecretAccessKey), SessionToken: string(cfg.SessionToken)}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	return signer.SignHTTP(ctx, creds, req, emptyPayloadHash, "s3", region, now.UTC())
}

// get performs req and returns the body of a 2xx answer.
func get(env *Env, req *http.Request) (io.ReadCloser, error) {
	resp, err := env.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", redactURL(req.URL), err)
	}
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s: %s", redactURL(req.URL), resp.Status, strings.TrimSpace(string(msg)))
	}
	return resp.Body, nil
}

func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// destination resolves destinationPath: relative paths land under the
// command's downloads directory. It reports whether the path names a
// directory (empty, a trailing "/", or an existing directory) rather than
// the file itself, as the stock agent decides it.
func destination(env *Env, dest string) (string, bool) {
	switch {
	case dest == "":
		return env.DownloadDir, true
	case !filepath.IsAbs(dest):
		dir := strings.HasSuffix(dest, "/")
		dest = filepath.Join(env.DownloadDir, dest)
		if dir {
			return dest, true
		}
	}
	if strings.HasSuffix(dest, "/") {
		return filepath.Clean(dest), true
	}
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		return dest, true
	}
	return filepath.Clean(dest), false
}

// save fetches each file and writes it under dest. A single file goes to
// dest itself unless dest names a directory; a folder's files keep their
// relative paths under dest.
func save(env *Env, dest string, files []fetched) ([]string, error) {
	target, isDir := destination(env, dest)
	var out []string
	for _, f := range files {
		p := target
		switch {
		case f.rel != "":
			p = filepath.Join(target, filepath.FromSlash(f.rel))
		case isDir:
			name := f.name
			if name == "" || name == "/" || name == "." || name == ".." {
				return out, errors.New("the source names no file; give destinationPath a file name")
			}
			p = filepath.Join(target, name)
		}
		body, err := f.open()
		if err != nil {
			return out, err
		}
		err = writeFile(p, body)
		body.Close()
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}

// writeFile streams r into path through a temporary file, mode 0750 (a
// downloaded script is run by name, e.g. by AWS-RunRemoteScript).
func writeFile(p string, r io.Reader) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("creating %s: %v", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".download-*")
	if err != nil {
		return fmt.Errorf("writing %s: %v", p, err)
	}
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o750)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %v", p, err)
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
