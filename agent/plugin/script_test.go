package plugin

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stewardhq/steward/agentproto"
)

func inputs(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestShellScriptOutputAndExitCodes(t *testing.T) {
	for _, code := range []int{0, 1, 168, 169, 194, 42} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			env, out, errb := testEnv(t)
			res := runShellScript(context.Background(), env, inputs(t, map[string]any{
				"runCommand": []string{"echo hello", "echo oops >&2", "exit " + strconv.Itoa(code)},
			}))
			if res.Status != "" || res.Code != code {
				t.Fatalf("result = %+v, want exit code %d for the agent to interpret", res, code)
			}
			if out.String() != "hello\n" || errb.String() != "oops\n" {
				t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
			}
		})
	}
}

func TestShellScriptFileAndStringCommand(t *testing.T) {
	env, out, _ := testEnv(t)
	res := runShellScript(context.Background(), env, inputs(t, map[string]any{"runCommand": "echo one; echo two"}))
	if res.Code != 0 || out.String() != "one\ntwo\n" {
		t.Fatalf("result %+v, stdout %q", res, out.String())
	}
	env, _, _ = testEnv(t)
	runShellScript(context.Background(), env, inputs(t, map[string]any{"runCommand": []string{"a=1", "echo $a"}}))
	p := filepath.Join(env.StepDir, "_script.sh")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("script mode %v, want 0700", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(p); string(b) != "a=1\necho $a\n" {
		t.Errorf("script = %q", b)
	}
}

func TestShellScriptEnvironment(t *testing.T) {
	env, out, _ := testEnv(t)
	t.Setenv("STEWARD_TEST_INHERITED", "inherited")
	res := runShellScript(context.Background(), env, inputs(t, map[string]any{
		"runCommand": []string{
			`echo "id=$AWS_SSM_INSTANCE_ID region=$AWS_SSM_REGION_NAME"`,
			`echo "platform=$AWS_SSM_PLATFORM_NAME/$AWS_SSM_PLATFORM_VERSION cmd=$SSM_COMMAND_ID"`,
			`echo "custom=$CUSTOM inherited=$STEWARD_TEST_INHERITED"`,
		},
		"environment": map[string]any{"CUSTOM": "a b", "NUM": 3},
	}))
	want := "id=mi-0123456789abcdef0 region=eu-west-1\n" +
		"platform=Debian GNU/Linux/12 cmd=11111111-2222-3333-4444-555555555555\n" +
		"custom=a b inherited=inherited\n"
	if res.Code != 0 || out.String() != want {
		t.Fatalf("result %+v\nstdout %q\nwant   %q", res, out.String(), want)
	}
}

func TestShellScriptWorkingDirectory(t *testing.T) {
	abs := t.TempDir()
	cwd, _ := os.Getwd()
	cases := []struct {
		name, wd   string
		mkDownload bool
		want       func(env *Env) string
		fail       bool
	}{
		{"absolute", abs, false, func(*Env) string { return abs }, false},
		{"relative", "sub", true, func(e *Env) string { return filepath.Join(e.DownloadDir, "sub") }, false},
		{"empty with downloads", "", true, func(e *Env) string { return e.DownloadDir }, false},
		{"empty without downloads", "", false, func(*Env) string { return cwd }, false},
		{"missing", "/does/not/exist", false, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, out, errb := testEnv(t)
			if tc.mkDownload {
				if err := os.MkdirAll(filepath.Join(env.DownloadDir, "sub"), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			res := runShellScript(context.Background(), env, inputs(t, map[string]any{"runCommand": "pwd -P", "workingDirectory": tc.wd}))
			if tc.fail {
				if res.Status != agentproto.StatusFailed || !strings.Contains(errb.String(), "workingDirectory") {
					t.Fatalf("result %+v stderr %q, want Failed about workingDirectory", res, errb.String())
				}
				return
			}
			want, _ := filepath.EvalSymlinks(tc.want(env))
			if res.Code != 0 || strings.TrimSpace(out.String()) != want {
				t.Fatalf("result %+v, pwd %q, want %q (stderr %q)", res, out.String(), want, errb.String())
			}
		})
	}
}

func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]int{
		`"3600"`: 3600, `10`: 10, `"5"`: 5, `4`: 3600, `"172800"`: 172800, `172801`: 3600,
		`"abc"`: 3600, `""`: 3600, `null`: 3600, `-1`: 3600, `1.5`: 3600, `[1]`: 3600, ``: 3600, `" 30 "`: 30,
	} {
		if got := parseTimeout(json.RawMessage(in)); got != want {
			t.Errorf("parseTimeout(%s) = %d, want %d", in, got, want)
		}
	}
}

// pgidLine prints the script's process group (under dash, $$ is a child of
// the group leader "sh -c").
const pgidLine = `echo "pgid=$(cut -d' ' -f5 /proc/$$/stat)"`

// startedScript prints its process group, leaves a background grandchild
// (holding the output pipe) and one that does not, then blocks.
var startedScript = []string{
	pgidLine,
	`sleep 1000 &`,
	`(sleep 1000 >/dev/null 2>&1 &)`,
	`echo started`,
	`sleep 1000`,
}

func pgidFrom(t *testing.T, out string) int {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "pgid="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no pgid in %q", out)
	return 0
}

func TestShellScriptTimeoutKillsProcessGroup(t *testing.T) {
	env, out, _ := testEnv(t)
	res := runShellScript(context.Background(), env, inputs(t, map[string]any{
		"runCommand": startedScript, "timeoutSeconds": MinTimeoutSeconds,
	}))
	want := Result{Status: agentproto.StatusTimedOut, Details: "ExecutionTimedOut", Code: KilledCode}
	if res != want {
		t.Fatalf("result %+v, want %+v", res, want)
	}
	waitGroupGone(t, pgidFrom(t, out.String()))
}

func TestShellScriptCancelKillsProcessGroup(t *testing.T) {
	env, out, _ := testEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result, 1)
	go func() {
		done <- runShellScript(ctx, env, inputs(t, map[string]any{"runCommand": startedScript}))
	}()
	out.waitContains(t, "started")
	pgid := pgidFrom(t, out.String())
	t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	if len(groupMembers(t, pgid)) < 3 {
		t.Fatalf("expected the script and two sleeps in group %d, got %v", pgid, groupMembers(t, pgid))
	}
	cancel()
	res := <-done
	if res.Status != agentproto.StatusCancelled {
		t.Fatalf("result %+v, want Cancelled", res)
	}
	waitGroupGone(t, pgid)
}

func TestShellScriptBackgroundChildDoesNotHang(t *testing.T) {
	env, out, _ := testEnv(t)
	res := runShellScript(context.Background(), env, inputs(t, map[string]any{
		"runCommand": []string{pgidLine, "sleep 1000 &", "echo done"},
	}))
	pgid := pgidFrom(t, out.String())
	t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	if res.Code != 0 || !strings.Contains(out.String(), "done") {
		t.Fatalf("result %+v stdout %q", res, out.String())
	}
}

func TestScriptInputErrors(t *testing.T) {
	for _, in := range []string{`{}`, `{"runCommand": {"a": 1}}`, `{"runCommand": "x", "environment": {"A=B": "c"}}`, `[1]`, `{"runCommand": "x", "workingDirectory": ["a"]}`} {
		env, _, errb := testEnv(t)
		res := runShellScript(context.Background(), env, json.RawMessage(in))
		if res.Status != agentproto.StatusFailed || res.Code != 1 || errb.String() == "" {
			t.Errorf("inputs %s: result %+v stderr %q, want Failed with a message", in, res, errb.String())
		}
	}
}

func TestPowerShellNotFound(t *testing.T) {
	env, _, errb := testEnv(t)
	env.PowerShell = "steward-no-such-pwsh"
	res := runPowerShellScript(context.Background(), env, inputs(t, map[string]any{"runCommand": "Write-Output hi"}))
	if res.Status != agentproto.StatusFailed || res.Code != 1 || !strings.Contains(errb.String(), "pwsh not found") {
		t.Fatalf("result %+v stderr %q", res, errb.String())
	}
	if _, err := exec.LookPath("pwsh"); err != nil {
		env, _, errb := testEnv(t)
		res := runPowerShellScript(context.Background(), env, inputs(t, map[string]any{"runCommand": "Write-Output hi"}))
		if res.Status != agentproto.StatusFailed || !strings.Contains(errb.String(), "pwsh not found") {
			t.Fatalf("without pwsh on PATH: result %+v stderr %q", res, errb.String())
		}
	}
}

func TestPowerShellRunsWithFakePwsh(t *testing.T) {
	// A stand-in pwsh shows the command line the plugin builds.
	dir := t.TempDir()
	fake := filepath.Join(dir, "pwsh")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"args: $*\"\ncat \"$4\"\nexit 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env, out, _ := testEnv(t)
	env.PowerShell = fake
	res := runPowerShellScript(context.Background(), env, inputs(t, map[string]any{"runCommand": []string{"Write-Output a", "Write-Output b"}}))
	script := filepath.Join(env.StepDir, "_script.ps1")
	want := "args: -NoProfile -NonInteractive -File " + script + "\nWrite-Output a\nWrite-Output b\n"
	if res.Code != 7 || out.String() != want {
		t.Fatalf("result %+v stdout %q, want %q", res, out.String(), want)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/var/lib/steward-agent/commands/x/_script.sh": "/var/lib/steward-agent/commands/x/_script.sh",
		"/tmp/a b/_script.sh":                          "'/tmp/a b/_script.sh'",
		"/tmp/it's":                                    `'/tmp/it'\''s'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
