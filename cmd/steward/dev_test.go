package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stewardhq/steward/server/servertest"
)

// TestDevCommandsWorkAsPasted builds the real binary, starts `steward dev`,
// runs the shell commands it prints with each aws CLI, and stops it with
// SIGTERM. It reports (without asserting on) the time from process start to
// the first healthy answer.
func TestDevCommandsWorkAsPasted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "steward")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	cmd := exec.Command(bin, "dev", "--addr", "127.0.0.1:0", "--data", data)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	// Read the banner: the endpoint line, then the commands to paste.
	var endpoint string
	var commands []string
	sc := bufio.NewScanner(stdout)
	inCommands := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "endpoint"):
			endpoint = strings.TrimSpace(strings.TrimPrefix(line, "endpoint"))
		case strings.HasPrefix(line, "Paste these"):
			inCommands = true
		case strings.HasPrefix(line, "Stop with"):
			inCommands = false
		case inCommands && line != "":
			commands = append(commands, line)
		}
		if strings.HasPrefix(line, "Stop with") {
			break
		}
	}
	if endpoint == "" || len(commands) < 3 {
		t.Fatalf("banner: endpoint %q, commands %q", endpoint, commands)
	}
	resp, err := http.Get(endpoint + "/_steward/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	t.Logf("process start to healthy: %s", time.Since(started).Round(time.Millisecond))
	go func() { // keep draining stdout
		for sc.Scan() {
		}
	}()

	for _, cli := range []string{servertest.CLIv1, servertest.CLIDebian} {
		path := servertest.NeedBinary(t, cli)
		shim := t.TempDir()
		if err := os.Symlink(path, filepath.Join(shim, "aws")); err != nil {
			t.Fatal(err)
		}
		script := "set -e\n" + strings.Join(commands, "\n") + "\n"
		sh := exec.Command("bash", "-c", script)
		sh.Env = append(envWithoutAWS(), "PATH="+shim+":"+os.Getenv("PATH"), "HOME="+t.TempDir(), "AWS_PAGER=")
		out, err := sh.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: pasted commands failed: %v\n%s", cli, err, out)
		}
		if !strings.Contains(string(out), `"Value": "s3cr3t"`) || !strings.Contains(string(out), "AWS-RunShellScript") ||
			!strings.Contains(string(out), `"Status": "Success"`) || !strings.Contains(string(out), "Linux") || !strings.Contains(string(out), `"PingStatus": "Online"`) {
			t.Errorf("%s: unexpected output:\n%s", cli, out)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("steward dev after SIGTERM: %v", err)
	}
}

func envWithoutAWS() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PATH=") {
			out = append(out, kv)
		}
	}
	return out
}
