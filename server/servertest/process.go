package servertest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// Binaries builds steward and steward-agent once per test binary and returns
// their paths.
func Binaries(t testing.TB) (steward, agent string) {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "steward-bin-")
		if buildErr != nil {
			return
		}
		root := moduleRoot()
		for _, b := range []struct{ out, pkg string }{{"steward", "./cmd/steward"}, {"steward-agent", "./cmd/steward-agent"}} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(buildDir, b.out), b.pkg)
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "steward"), filepath.Join(buildDir, "steward-agent")
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Process is a steward server running as its own process, so tests can kill
// it with SIGKILL and start it again on the same data and port.
type Process struct {
	t       testing.TB
	bin     string
	DataDir string
	Addr    string
	URL     string
	Region  string
	cmd     *exec.Cmd
	done    chan struct{}

	AccessKeyID, SecretAccessKey string
}

// StartProcess starts `steward server` on a free loopback port with a fresh
// data directory and fixed admin credentials.
func StartProcess(t testing.TB) *Process {
	t.Helper()
	bin, _ := Binaries(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &Process{t: t, bin: bin, DataDir: t.TempDir(), Addr: addr, URL: "http://" + addr, Region: "us-east-1",
		AccessKeyID: "AKIASTEWARDTEST00001", SecretAccessKey: "test-secret-key-for-process-tests-000000"}
	p.Start()
	t.Cleanup(func() { p.Kill() })
	return p
}

// Start (re)starts the server process and waits until it is healthy.
func (p *Process) Start() {
	p.t.Helper()
	cmd := exec.Command(p.bin, "server", "--addr", p.Addr, "--data", p.DataDir, "--region", p.Region)
	cmd.Env = append(cleanEnv(), "STEWARD_ACCESS_KEY_ID="+p.AccessKeyID, "STEWARD_SECRET_ACCESS_KEY="+p.SecretAccessKey)
	cmd.Stdout = io.Discard
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.cmd = cmd
	p.done = make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if line := sc.Text(); strings.Contains(line, "level=ERROR") || strings.Contains(line, "panic") {
				p.t.Log("steward: " + line)
			}
		}
		cmd.Wait()
		close(p.done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/_steward/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-p.done:
			p.t.Fatalf("steward server exited during start")
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("steward server not healthy after 30 s")
		}
	}
}

// Kill9 kills the server with SIGKILL and waits for it to be gone.
func (p *Process) Kill9() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.cmd = nil
}

// Kill stops the server (SIGKILL) if it is running.
func (p *Process) Kill() { p.Kill9() }

// AWSConfig returns an aws-sdk-go-v2 config for the process.
func (p *Process) AWSConfig() aws.Config {
	return aws.Config{
		Region:           p.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(p.AccessKeyID, p.SecretAccessKey, ""),
		BaseEndpoint:     aws.String(p.URL),
		RetryMaxAttempts: 1,
		HTTPClient:       SDKHTTPClient,
	}
}

// waitFor polls cond every few milliseconds until it is true or the timeout
// passes; it is for end-to-end tests waiting on other processes, not a timing
// assertion.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-time.After(25 * time.Millisecond):
		}
	}
}
