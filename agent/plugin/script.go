package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Script timeouts (ssm.md §1.8): timeoutSeconds outside [Min, Max] or not a
// number falls back to the default, as the stock agent does.
const (
	DefaultTimeoutSeconds = 3600
	MinTimeoutSeconds     = 5
	MaxTimeoutSeconds     = 172800
)

// pipeWaitDelay is how long a finished script's output pipes may stay open
// (held by a background child it left running) before they are closed.
const pipeWaitDelay = 2 * time.Second

// errTimedOut is the cancel cause of a script that ran past timeoutSeconds.
var errTimedOut = errors.New("execution timed out")

// scriptInputs are the inputs of aws:runShellScript and aws:runPowerShellScript.
type scriptInputs struct {
	RunCommand       json.RawMessage            `json:"runCommand"`
	WorkingDirectory json.RawMessage            `json:"workingDirectory"`
	TimeoutSeconds   json.RawMessage            `json:"timeoutSeconds"`
	Environment      map[string]json.RawMessage `json:"environment"`
}

type script struct {
	lines   []string
	workDir string
	timeout int // seconds
	env     map[string]string
}

func parseScript(raw json.RawMessage) (*script, error) {
	var in scriptInputs
	if err := decodeInputs(raw, &in); err != nil {
		return nil, err
	}
	lines, err := stringList(in.RunCommand)
	if err != nil {
		return nil, fmt.Errorf("runCommand must be a string or a list of strings: %v", err)
	}
	if len(in.RunCommand) == 0 || string(in.RunCommand) == "null" {
		return nil, errors.New("runCommand is required")
	}
	wd, err := flexString(in.WorkingDirectory)
	if err != nil {
		return nil, fmt.Errorf("workingDirectory: %v", err)
	}
	s := &script{lines: lines, workDir: strings.TrimSpace(wd), timeout: parseTimeout(in.TimeoutSeconds)}
	if len(in.Environment) > 0 {
		s.env = make(map[string]string, len(in.Environment))
		for k, v := range in.Environment {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				return nil, fmt.Errorf("environment: invalid variable name %q", k)
			}
			val, err := flexString(v)
			if err != nil {
				return nil, fmt.Errorf("environment %s: %v", k, err)
			}
			s.env[k] = val
		}
	}
	return s, nil
}

// parseTimeout reads timeoutSeconds: a number or a numeric string in
// [MinTimeoutSeconds, MaxTimeoutSeconds]; anything else is the default.
func parseTimeout(raw json.RawMessage) int {
	s, err := flexString(raw)
	if err != nil {
		return DefaultTimeoutSeconds
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < MinTimeoutSeconds || n > MaxTimeoutSeconds {
		return DefaultTimeoutSeconds
	}
	return n
}

func runShellScript(ctx context.Context, env *Env, raw json.RawMessage) Result {
	s, err := parseScript(raw)
	if err != nil {
		return failf(env, "%s: %v", ActionRunShellScript, err)
	}
	path, err := writeScript(env, "_script.sh", s.lines)
	if err != nil {
		return failf(env, "%s: %v", ActionRunShellScript, err)
	}
	shell := env.Shell
	if shell == "" {
		shell = "sh"
	}
	return runProcess(ctx, env, s, shell, "-c", shellQuote(path))
}

func runPowerShellScript(ctx context.Context, env *Env, raw json.RawMessage) Result {
	s, err := parseScript(raw)
	if err != nil {
		return failf(env, "%s: %v", ActionRunPowerShellScript, err)
	}
	pwsh := env.PowerShell
	if pwsh == "" {
		pwsh = "pwsh"
	}
	bin, err := exec.LookPath(pwsh)
	if err != nil {
		return failf(env, "%s: pwsh not found: PowerShell (%s) is not installed on this node or not on PATH", ActionRunPowerShellScript, pwsh)
	}
	path, err := writeScript(env, "_script.ps1", s.lines)
	if err != nil {
		return failf(env, "%s: %v", ActionRunPowerShellScript, err)
	}
	return runProcess(ctx, env, s, bin, "-NoProfile", "-NonInteractive", "-File", path)
}

// writeScript writes the lines joined with "\n" to StepDir/name, mode 0700.
func writeScript(env *Env, name string, lines []string) (string, error) {
	if err := os.MkdirAll(env.StepDir, 0o700); err != nil {
		return "", fmt.Errorf("creating the step directory: %v", err)
	}
	path := filepath.Join(env.StepDir, name)
	body := strings.Join(lines, "\n") + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o700)
	if err != nil {
		return "", fmt.Errorf("writing the script: %v", err)
	}
	_, werr := f.WriteString(body)
	cerr := f.Close()
	if werr != nil || cerr != nil {
		return "", fmt.Errorf("writing the script: %v", errors.Join(werr, cerr))
	}
	// OpenFile's mode is filtered by the umask.
	if err := os.Chmod(path, 0o700); err != nil {
		return "", fmt.Errorf("writing the script: %v", err)
	}
	return path, nil
}

// runProcess runs name args in its own process group with the script's
// working directory, environment and timeout. On timeout or when ctx ends
// the whole group is killed with SIGKILL, so no child (not even a
// backgrounded one) survives. A script that exits on its own may leave
// background children running, as on the stock agent; its output pipes are
// closed pipeWaitDelay after it exits.
func runProcess(ctx context.Context, env *Env, s *script, name string, args ...string) Result {
	dir, err := workingDir(env, s.workDir)
	if err != nil {
		return failf(env, "%v", err)
	}
	runCtx, stop := context.WithTimeoutCause(ctx, time.Duration(s.timeout)*time.Second, errTimedOut)
	defer stop()

	cmd := exec.CommandContext(runCtx, name, args...)
	cmd.Dir = dir
	cmd.Env = environ(env, s.env)
	cmd.Stdout = env.Stdout
	cmd.Stderr = env.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = pipeWaitDelay

	if err := cmd.Start(); err != nil {
		if res, ok := ctxResult(runCtx, errTimedOut); ok {
			res.Code = 1 // nothing was started, nothing killed
			return res
		}
		return failf(env, "starting %s: %v", name, err)
	}
	waitErr := cmd.Wait()
	if res, ok := ctxResult(runCtx, errTimedOut); ok {
		// Wait has returned, but a member of the group that closed its
		// output early may still be alive: kill the group again (ESRCH when
		// it is already gone).
		killGroup(cmd.Process.Pid)
		return res
	}
	if cmd.ProcessState == nil {
		return failf(env, "running %s: %v", name, waitErr)
	}
	return Result{Code: exitCode(cmd.ProcessState)}
}

// killGroup sends SIGKILL to the process group led by pid.
func killGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// exitCode is the process's exit status, or 128+signal when a signal ended
// it (as shells report it: SIGKILL is 137).
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// workingDir resolves workingDirectory: absolute as given; relative under
// the command's downloads directory; empty is the downloads directory when
// an earlier step created it (aws:downloadContent, as AWS-RunRemoteScript
// relies on), else the agent's own working directory.
func workingDir(env *Env, wd string) (string, error) {
	var path string
	switch {
	case wd == "":
		if fi, err := os.Stat(env.DownloadDir); err == nil && fi.IsDir() && env.DownloadDir != "" {
			return env.DownloadDir, nil
		}
		return "", nil
	case filepath.IsAbs(wd):
		path = wd
	default:
		path = filepath.Join(env.DownloadDir, wd)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("workingDirectory %s does not exist", path)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("workingDirectory %s is not a directory", path)
	}
	return path, nil
}

// environ is the agent's environment plus the SSM variables (ssm.md §2.9)
// plus the environment input, later entries winning.
func environ(env *Env, extra map[string]string) []string {
	out := os.Environ()
	out = append(out,
		"AWS_SSM_INSTANCE_ID="+env.InstanceID,
		"AWS_SSM_REGION_NAME="+env.Region,
		"AWS_SSM_PLATFORM_NAME="+env.PlatformName,
		"AWS_SSM_PLATFORM_VERSION="+env.PlatformVersion,
		"SSM_COMMAND_ID="+env.CommandID,
	)
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+extra[k])
	}
	return out
}

// shellQuote quotes s for sh -c.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
