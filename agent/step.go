package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/stewardhq/steward/agent/plugin"
	"github.com/stewardhq/steward/agentproto"
)

// Exit codes with a meaning beyond success and failure (ssm.md §2.8).
const (
	exitSuccessAndStop = 168 // success, skip the remaining steps, stderr cleared
	exitFailAndStop    = 169 // failure, skip the remaining steps
	exitReboot         = 194 // success, reboot requested
)

// supportedSchemas are the Command schema versions this agent runs.
var supportedSchemas = map[string]bool{"": true, "1.0": true, "1.2": true, "2.0": true, "2.0.1": true, "2.0.2": true, "2.0.3": true, "2.2": true}

// outcome is one step's result plus what it means for the steps after it.
type outcome struct {
	res         agentproto.StepResult
	executed    bool // the plugin ran (not skipped, not left out)
	stopAfter   bool // skip the remaining steps (168, 169, onFailure/onSuccess exit)
	clearStderr bool // 168
}

// sharedInputs are the inputs every step may carry (ssm.md §1.7).
type sharedInputs struct {
	OnFailure   string `json:"onFailure"`
	OnSuccess   string `json:"onSuccess"`
	FinallyStep any    `json:"finallyStep"`
}

func parseShared(inputs json.RawMessage) sharedInputs {
	var s sharedInputs
	if len(inputs) > 0 && inputs[0] == '{' {
		json.Unmarshal(inputs, &s) // malformed inputs fail in the plugin
	}
	return s
}

func (s sharedInputs) finally() bool {
	switch v := s.FinallyStep.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// sequence runs steps in order and applies the flow rules: 168/169 and
// onFailure/onSuccess exit skip the rest (a finallyStep still runs);
// cancellation leaves the rest Cancelled. out, when not nil, receives the
// output of every step (a nested document writes into its parent step);
// otherwise each step gets its own recorded, streamed output. done is
// called after each step (top level: to persist progress).
func (r *commandRun) sequence(ctx context.Context, schema string, steps []agentproto.Step, dir string, depth int, out *stepOutput, done func(i int, o outcome)) []outcome {
	results := make([]outcome, len(steps))
	dirs := stepDirNames(steps)
	stopping := false
	for i, st := range steps {
		shared := parseShared(st.Inputs)
		last := i == len(steps)-1
		switch {
		case ctx.Err() != nil:
			results[i] = notRun(r, st, agentproto.StatusCancelled, -1)
		case stopping && !(last && shared.finally()):
			results[i] = notRun(r, st, agentproto.StatusSkipped, 0)
		default:
			o := r.stepWithOutput(ctx, schema, st, filepath.Join(dir, dirs[i]), depth, out)
			failed := o.res.Status == agentproto.StatusFailed || o.res.Status == agentproto.StatusTimedOut
			switch {
			case failed && strings.EqualFold(shared.OnFailure, "exit"):
				o.stopAfter = true
			case failed && strings.EqualFold(shared.OnFailure, "successAndExit"):
				o.res.Status, o.res.StatusDetails = agentproto.StatusSuccess, agentproto.StatusSuccess
				o.stopAfter = true
			case o.res.Status == agentproto.StatusSuccess && strings.EqualFold(shared.OnSuccess, "exit"):
				o.stopAfter = true
			}
			stopping = stopping || o.stopAfter
			results[i] = o
		}
		if done != nil {
			done(i, results[i])
		}
	}
	return results
}

func notRun(r *commandRun, st agentproto.Step, status string, code int) outcome {
	now := r.a.now()
	return outcome{res: agentproto.StepResult{
		Name: st.Name, Action: st.Action, Status: status, StatusDetails: status,
		ResponseCode: code, StartTime: now, EndTime: now,
	}}
}

// stepWithOutput runs one step, giving it its own output unless it shares
// its parent's.
func (r *commandRun) stepWithOutput(ctx context.Context, schema string, st agentproto.Step, stepDir string, depth int, shared *stepOutput) outcome {
	if shared != nil {
		o := r.step(ctx, schema, st, stepDir, depth, shared)
		shared.stdout.Flush()
		shared.stderr.Flush()
		return o
	}
	out, err := r.a.newStepOutput(ctx, r.secrets, r.id, st.Name, stepDir)
	if err != nil {
		r.a.log.Error("cannot record step output", "command", r.id, "step", st.Name, "err", err)
		o := notRun(r, st, agentproto.StatusFailed, 1)
		o.res.Stderr = "steward-agent: cannot record the step's output: " + err.Error()
		return o
	}
	o := r.step(ctx, schema, st, stepDir, depth, out)
	out.finish(r.a, &o.res, o.clearStderr)
	return o
}

// step evaluates the precondition, resolves secrets, runs the plugin and
// interprets its result.
func (r *commandRun) step(ctx context.Context, schema string, st agentproto.Step, stepDir string, depth int, out *stepOutput) outcome {
	o := outcome{res: agentproto.StepResult{Name: st.Name, Action: st.Action, StartTime: r.a.now()}}
	finish := func(status, details string, code int) outcome {
		o.res.Status, o.res.ResponseCode, o.res.EndTime = status, code, r.a.now()
		if details == "" {
			details = status
		}
		o.res.StatusDetails = details
		return o
	}
	failf := func(format string, args ...any) outcome {
		fmt.Fprintf(out.stderr, format+"\n", args...)
		o.executed = true // attempted: its code counts as the last one
		return finish(agentproto.StatusFailed, "", 1)
	}

	if hasJSON(st.Precondition) {
		if schema != "2.2" {
			return failf("Step %s: preconditions are supported in schema version 2.2 only (this document is %s)", st.Name, schema)
		}
		ok, err := EvalPrecondition(st.Precondition, PlatformLinux)
		if err != nil {
			return failf("Step %s: %v", st.Name, err)
		}
		if !ok {
			fmt.Fprintf(out.stdout, "Step execution skipped due to unsatisfied preconditions: %s. Step name: %s\n", compactJSON(st.Precondition), st.Name)
			return finish(agentproto.StatusSkipped, "", 0)
		}
	}
	run, ok := plugin.Lookup(st.Action)
	if !ok {
		return failf("Step %s: the plugin %q is not supported by this agent (it runs %s)", st.Name, st.Action, strings.Join(plugin.Actions(), ", "))
	}
	inputs, err := r.resolveSecure(ctx, st.Action, st.Inputs)
	if err != nil {
		return failf("Step %s: %v", st.Name, err)
	}
	env := r.env(stepDir, depth, out)
	res := run(ctx, env, inputs)
	o.executed = true

	if res.Status != "" {
		code := res.Code
		if res.Status == agentproto.StatusFailed && code == 0 {
			code = 1
		}
		return finish(res.Status, res.Details, code)
	}
	switch code := res.Code; code {
	case 0:
		return finish(agentproto.StatusSuccess, "", 0)
	case exitSuccessAndStop:
		o.stopAfter, o.clearStderr = true, true
		return finish(agentproto.StatusSuccess, "", code)
	case exitFailAndStop:
		o.stopAfter = true
		return finish(agentproto.StatusFailed, "", code)
	case exitReboot:
		fmt.Fprintf(out.stdout, "\nsteward-agent: the step exited with %d (reboot requested); this agent does not reboot the node, the step is reported as successful.\n", code)
		return finish(agentproto.StatusSuccess, "", code)
	case plugin.KilledCode:
		// A script killed with SIGKILL (by itself or anyone) is reported
		// as timed out, as the stock agent does.
		return finish(agentproto.StatusTimedOut, "ExecutionTimedOut", code)
	default:
		return finish(agentproto.StatusFailed, "", code)
	}
}

// env is the plugin environment of one step.
func (r *commandRun) env(stepDir string, depth int, out *stepOutput) *plugin.Env {
	a := r.a
	return &plugin.Env{
		CommandID:       r.id,
		InstanceID:      a.id.NodeID,
		Region:          firstNonEmpty(r.cmd.Region, a.id.Region),
		PlatformName:    a.factsNow().PlatformName,
		PlatformVersion: a.factsNow().PlatformVersion,
		StepDir:         stepDir,
		DownloadDir:     filepath.Join(r.dir, "downloads"),
		Stdout:          out.stdout,
		Stderr:          out.stderr,
		Shell:           a.cfg.ShellPath,
		PowerShell:      a.cfg.PowerShellPath,
		HTTPClient:      a.cfg.DownloadClient,
		GitHubAPIURL:    a.cfg.GitHubAPIURL,
		S3:              a.cfg.S3,
		Now:             a.now,
		Documents:       &nested{r: r, dir: stepDir, depth: depth, out: out},
		Depth:           depth,
	}
}

// nested runs aws:runDocument's sub-steps for one step.
type nested struct {
	r     *commandRun
	dir   string
	depth int
	out   *stepOutput
}

func (n *nested) Fetch(ctx context.Context, name, version string, params map[string][]string) (*agentproto.DocumentResponse, error) {
	var resp agentproto.DocumentResponse
	err := n.r.a.c.call(ctx, agentproto.PathDocument, n.r.a.cfg.RequestTimeout, agentproto.DocumentRequest{
		CommandID: n.r.id, Name: name, Version: version, Parameters: params,
	}, &resp)
	if err != nil {
		return nil, err
	}
	return &resp, nil
}

// Run runs the nested steps into the parent step's output and sums them
// up: Cancelled, TimedOut or Failed when any sub-step was, else Success;
// the code is the last executed sub-step's.
func (n *nested) Run(ctx context.Context, schema string, steps []agentproto.Step) plugin.Result {
	if !supportedSchemas[schema] {
		fmt.Fprintf(n.out.stderr, "Document with schema version %s is not supported by this version of steward-agent\n", schema)
		return plugin.Result{Status: agentproto.StatusFailed, Code: 1}
	}
	outs := n.r.sequence(ctx, schema, steps, n.dir, n.depth+1, n.out, nil)
	status, code := summarize(outs, false)
	return plugin.Result{Status: status, Code: code, Details: detailsOf(outs, status)}
}

// summarize gives the status and response code of a run of steps.
func summarize(outs []outcome, cancelled bool) (string, int) {
	status := agentproto.StatusSuccess
	code := 0
	anyTimedOut, anyFailed, anyCancelled := false, false, false
	for _, o := range outs {
		switch o.res.Status {
		case agentproto.StatusTimedOut:
			anyTimedOut = true
		case agentproto.StatusFailed:
			anyFailed = true
		case agentproto.StatusCancelled:
			anyCancelled = anyCancelled || o.executed
		}
		if o.executed {
			code = o.res.ResponseCode
		}
	}
	switch {
	case cancelled || anyCancelled:
		status = agentproto.StatusCancelled
	case anyTimedOut:
		status = agentproto.StatusTimedOut
	case anyFailed:
		status = agentproto.StatusFailed
	}
	if status == agentproto.StatusFailed && code == 0 {
		code = 1
	}
	return status, code
}

// detailsOf is the StatusDetails matching a summarized status: the first
// timed-out step's details for TimedOut.
func detailsOf(outs []outcome, status string) string {
	if status == agentproto.StatusTimedOut {
		for _, o := range outs {
			if o.res.Status == agentproto.StatusTimedOut {
				return o.res.StatusDetails
			}
		}
	}
	return status
}

// EvalPrecondition evaluates a schema 2.2 precondition on a node of
// platform: {"StringEquals": [a, b]} where one argument is "platformType"
// (either order) compares the other with platform case-insensitively; two
// other strings (parameters already substituted) compare as they are. Any
// other operator or shape is an error.
func EvalPrecondition(raw json.RawMessage, platform string) (bool, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, fmt.Errorf("precondition must be an object like {\"StringEquals\": [\"platformType\", \"Linux\"]}")
	}
	if len(m) != 1 {
		return false, errors.New("precondition must have exactly one operator")
	}
	for op, args := range m {
		if op != "StringEquals" {
			return false, fmt.Errorf("precondition operator %q is not supported (only StringEquals)", op)
		}
		var list []string
		if err := json.Unmarshal(args, &list); err != nil || len(list) != 2 {
			return false, errors.New("StringEquals takes a list of two strings")
		}
		a, b := list[0], list[1]
		switch {
		case strings.EqualFold(a, "platformType"):
			return strings.EqualFold(b, platform), nil
		case strings.EqualFold(b, "platformType"):
			return strings.EqualFold(a, platform), nil
		}
		if strings.Contains(a, "{{") || strings.Contains(b, "{{") {
			return false, errors.New("precondition arguments must not hold unresolved placeholders")
		}
		return a == b, nil
	}
	return false, nil
}

func hasJSON(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && string(t) != "null"
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

var _ io.Writer = (*maskWriter)(nil)
