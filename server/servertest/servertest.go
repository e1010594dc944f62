// Package servertest starts a real Steward server on 127.0.0.1:0 with a fresh
// data directory for a test, and drives it with real clients: aws-sdk-go-v2
// configs and the aws CLI binaries.
//
// Client binaries that are missing skip the test, unless
// STEWARD_TEST_CLIENTS=require (set by CI), which makes a missing client a
// failure.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stewardhq/steward/server"
)

// Server is a running test server.
type Server struct {
	*server.Server
	URL             string
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	DataDir         string
}

// Option changes the server configuration before it opens.
type Option func(*server.Config)

// WithDatabase selects the database (a postgres:// URL, for example).
func WithDatabase(url string) Option { return func(c *server.Config) { c.Database = url } }

// Start opens a server for the duration of the test.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := server.Config{
		Addr:    "127.0.0.1:0",
		DataDir: t.TempDir(),
		Logger:  slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	admin := s.Admin()
	return &Server{
		Server:          s,
		URL:             s.URL(),
		Region:          s.Config().Region,
		AccessKeyID:     admin.AccessKeyID,
		SecretAccessKey: admin.Secret,
		DataDir:         s.Config().DataDir,
	}
}

// AWSConfig returns an aws-sdk-go-v2 config that talks to the server.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:           s.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.SecretAccessKey, ""),
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 1,
		HTTPClient:       SDKHTTPClient,
	}
}

// SQLiteFile is the path of the server's SQLite database.
func (s *Server) SQLiteFile() string { return filepath.Join(s.DataDir, "steward.db") }

// ClientsRequired reports whether missing client binaries fail tests (CI).
func ClientsRequired() bool { return os.Getenv("STEWARD_TEST_CLIENTS") == "require" }

// NeedBinary skips (or, in CI, fails) the test when bin is not installed, and
// returns its path.
func NeedBinary(t testing.TB, bin string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		if ClientsRequired() {
			t.Fatalf("%s is required (STEWARD_TEST_CLIENTS=require) but not installed", bin)
		}
		t.Skipf("%s not installed", bin)
	}
	return p
}

// The CLI binaries tests drive.
const (
	CLIv1     = "aws"          // the pip AWS CLI v1 (newest protocols: JSON to SQS and CloudWatch)
	CLIDebian = "/usr/bin/aws" // Debian's awscli 2.9 (older protocols: query to SQS and CloudWatch)
)

// CLI runs an aws CLI binary against the server with --output json and
// returns its standard output; err carries standard error.
func (s *Server) CLI(t testing.TB, bin string, args ...string) (string, error) {
	t.Helper()
	return s.CLIWithCreds(t, bin, s.AccessKeyID, s.SecretAccessKey, args...)
}

// CLIWithCreds is CLI with other credentials.
func (s *Server) CLIWithCreds(t testing.TB, bin, akid, secret string, args ...string) (string, error) {
	t.Helper()
	path := NeedBinary(t, bin)
	home := t.TempDir()
	full := append([]string{"--endpoint-url", s.URL, "--output", "json"}, args...)
	cmd := exec.Command(path, full...)
	cmd.Env = append(cleanEnv(),
		"HOME="+home,
		"AWS_ACCESS_KEY_ID="+akid,
		"AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_DEFAULT_REGION="+s.Region,
		"AWS_REGION="+s.Region,
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &CLIError{Err: err, Stderr: stderr.String()}
	}
	return stdout.String(), nil
}

// CLIError is a failed CLI run.
type CLIError struct {
	Err    error
	Stderr string
}

func (e *CLIError) Error() string { return e.Err.Error() + ": " + e.Stderr }

// cleanEnv is the test's environment without AWS_* variables.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if len(kv) >= 4 && kv[:4] == "AWS_" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// ServiceCLI runs one service's commands ("events", "logs" …) through one
// aws CLI binary against Srv, failing T when a command does not do what the
// test expects.
type ServiceCLI struct {
	T       testing.TB
	Srv     *Server
	Bin     string // CLIv1 or CLIDebian
	Service string
}

// JSON runs `aws SERVICE args…`, which must succeed, and decodes its JSON
// output (an empty output is an empty map).
func (c ServiceCLI) JSON(args ...string) map[string]any {
	c.T.Helper()
	out, err := c.Srv.CLI(c.T, c.Bin, append([]string{c.Service}, args...)...)
	if err != nil {
		c.T.Fatalf("%s %s %s: %v", c.Bin, c.Service, strings.Join(args, " "), err)
	}
	m := map[string]any{}
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			c.T.Fatalf("%s %s %s: output %q: %v", c.Bin, c.Service, args[0], out, err)
		}
	}
	return m
}

// Fails runs `aws SERVICE args…`, which must fail with the error code code.
func (c ServiceCLI) Fails(code string, args ...string) {
	c.T.Helper()
	_, err := c.Srv.CLI(c.T, c.Bin, append([]string{c.Service}, args...)...)
	if err == nil || !strings.Contains(err.Error(), "("+code+")") {
		c.T.Errorf("%s %s %s: %v, want %s", c.Bin, c.Service, strings.Join(args, " "), err, code)
	}
}
