// Package plugin runs the step actions of Command documents on a Linux node:
// aws:runShellScript, aws:runPowerShellScript, aws:downloadContent and
// aws:runDocument (ssm.md §1.8).
//
// A plugin only runs its action and says what happened (Result). What that
// means for the command — exit codes 168/169/194, onFailure, preconditions,
// skipping — is decided by package agent, which also resolves
// {{ssm-secure:…}} placeholders before a plugin sees its inputs and masks
// their values in everything written to Env.Stdout and Env.Stderr.
package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// Actions this package runs.
const (
	ActionRunShellScript      = "aws:runShellScript"
	ActionRunPowerShellScript = "aws:runPowerShellScript"
	ActionDownloadContent     = "aws:downloadContent"
	ActionRunDocument         = "aws:runDocument"
)

// Func runs one step. inputs is the step's "inputs" object with every
// placeholder already resolved. A Func returns when its work is done or ctx
// ends; it leaves no process or goroutine behind.
type Func func(ctx context.Context, env *Env, inputs json.RawMessage) Result

// Lookup returns the plugin for a step action; false for an action this agent
// does not run.
func Lookup(action string) (Func, bool) {
	switch action {
	case ActionRunShellScript:
		return runShellScript, true
	case ActionRunPowerShellScript:
		return runPowerShellScript, true
	case ActionDownloadContent:
		return downloadContent, true
	case ActionRunDocument:
		return runDocument, true
	}
	return nil, false
}

// Actions lists the actions Lookup knows, for error messages.
func Actions() []string {
	return []string{ActionRunShellScript, ActionRunPowerShellScript, ActionDownloadContent, ActionRunDocument}
}

// SecureInputAllowed reports whether {{ssm-secure:…}} may be resolved in the
// top-level input key of action. The script plugins write runCommand to a
// file in the state directory, so a secret there would land on disk; the
// agent refuses it and points at the environment input instead.
func SecureInputAllowed(action, key string) bool {
	if action == ActionRunShellScript || action == ActionRunPowerShellScript {
		return key != "runCommand"
	}
	return true
}

// Env is what a plugin gets from the agent for one step.
type Env struct {
	CommandID       string
	InstanceID      string // mi-…
	Region          string
	PlatformName    string
	PlatformVersion string

	// StepDir is the step's own directory (created by the plugin when it
	// needs it): scripts are written here.
	StepDir string
	// DownloadDir is the command's downloads directory: relative
	// destinationPath, workingDirectory and LocalPath documents resolve
	// under it.
	DownloadDir string

	// Stdout and Stderr receive the step's output; they are safe for
	// concurrent use and mask secrets.
	Stdout, Stderr io.Writer

	// Shell runs aws:runShellScript scripts as Shell -c <script>; "" is "sh".
	Shell string
	// PowerShell is the pwsh binary; "" looks up "pwsh" on PATH.
	PowerShell string

	// HTTPClient fetches aws:downloadContent sources; nil is a default client.
	HTTPClient *http.Client
	// GitHubAPIURL is the GitHub REST API base; "" is https://api.github.com.
	GitHubAPIURL string
	// S3 configures S3 downloads (endpoint, credentials).
	S3 S3Config
	// Now is the clock used to sign S3 requests; nil is time.Now.
	Now func() time.Time

	// Documents fetches and runs nested documents for aws:runDocument.
	Documents DocumentRunner
	// Depth is the nesting depth of the document this step belongs to: 0
	// for the command's own steps.
	Depth int
}

// MaxDocumentDepth bounds aws:runDocument nesting (ssm.md §1.8).
const MaxDocumentDepth = 3

// DocumentRunner is what aws:runDocument needs from the agent.
type DocumentRunner interface {
	// Fetch returns the resolved steps of an SSM document (documentType
	// SSMDocument) from the server.
	Fetch(ctx context.Context, name, version string, params map[string][]string) (*agentproto.DocumentResponse, error)
	// Run runs steps as a nested document one level deeper, writing their
	// output to the calling step's output, and sums them up in one Result.
	Run(ctx context.Context, schemaVersion string, steps []agentproto.Step) Result
}

// Result is the outcome of one step.
type Result struct {
	// Status is an agentproto status when the plugin decided it (Failed,
	// TimedOut, Cancelled, Success); "" means Code is a process exit code for
	// the agent to interpret (0, 168, 169, 194, 137, …).
	Status string
	// Details is the StatusDetails when Status is set (e.g.
	// ExecutionTimedOut); "" lets the agent choose.
	Details string
	// Code is the response code.
	Code int
}

// KilledCode is the response code of a process the agent killed (128 + SIGKILL).
const KilledCode = 137

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// failf writes a message to the step's stderr and returns Failed, code 1.
func failf(env *Env, format string, args ...any) Result {
	msg := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	io.WriteString(env.Stderr, msg)
	return Result{Status: agentproto.StatusFailed, Code: 1}
}

// cancelled turns a context error into the matching Result; ok is false when
// ctx is still live.
func ctxResult(ctx context.Context, timeoutCause error) (Result, bool) {
	if ctx.Err() == nil {
		return Result{}, false
	}
	if timeoutCause != nil && context.Cause(ctx) == timeoutCause {
		return Result{Status: agentproto.StatusTimedOut, Details: "ExecutionTimedOut", Code: KilledCode}, true
	}
	return Result{Status: agentproto.StatusCancelled, Code: KilledCode}, true
}

// decodeInputs unmarshals a step's inputs; null or absent inputs are {}.
func decodeInputs(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("invalid step inputs: %v", err)
	}
	return nil
}

// flexString reads a JSON scalar as text: strings as they are, numbers and
// booleans in their JSON form, null and absent as "". Parameter substitution
// may turn a declared String into a number, so inputs accept both.
func flexString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var v any
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", fmt.Errorf("expected a string, got %s", jsonKind(raw))
}

// stringList reads a string or a list of scalars (runCommand).
func stringList(raw json.RawMessage) ([]string, error) {
	raw = json.RawMessage(strings.TrimSpace(string(raw)))
	if len(raw) > 0 && raw[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			s, err := flexString(it)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := flexString(raw)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	return []string{s}, nil
}

func jsonKind(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
