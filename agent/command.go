package agent

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// errCancelled is the cancel cause of a command the server cancelled.
var errCancelled = errors.New("agent: command cancelled")

// maxEarlyCancels bounds the cancels remembered for commands not yet seen.
const maxEarlyCancels = 1024

// commandRun is one command executing on this node.
type commandRun struct {
	a       *Agent
	cmd     *agentproto.Command
	id      string
	dir     string
	ctx     context.Context
	cancel  context.CancelCauseFunc
	secrets *secretSet
	state   *commandState
}

// handleCommand takes a delivered command: a command this node already
// started (running or finished) is only acknowledged again; a new one is
// recorded, acknowledged and started. A command whose delivery deadline has
// passed, or that was cancelled before it arrived, is answered without
// running.
func (a *Agent) handleCommand(ctx context.Context, m agentproto.Message) {
	if m.Command == nil {
		a.log.Warn("command message without a command", "command", m.CommandID)
		return
	}
	cmd := *m.Command
	if m.CommandID != "" {
		cmd.CommandID = m.CommandID
	}
	id := cmd.CommandID
	if id == "" {
		a.log.Warn("command message without a command ID")
		return
	}
	a.mu.Lock()
	_, running := a.running[id]
	a.mu.Unlock()
	if running || a.st.known(id) {
		a.ack(ctx, id)
		return
	}
	now := a.now()
	if err := a.st.create(&cmd, now); err != nil {
		// Not acknowledged: the server offers it again.
		a.log.Error("cannot record a command; not starting it", "command", id, "err", err)
		return
	}
	a.mu.Lock()
	_, cancelled := a.early[id]
	delete(a.early, id)
	a.mu.Unlock()
	switch {
	case cancelled:
		a.log.Info("command cancelled before it arrived", "command", id)
		a.finishUnrun(ctx, &cmd, now, agentproto.StatusCancelled, agentproto.StatusCancelled)
		return
	case !cmd.Deadline.IsZero() && now.After(cmd.Deadline):
		a.log.Info("command arrived after its delivery deadline; not running it", "command", id, "deadline", cmd.Deadline)
		a.finishUnrun(ctx, &cmd, now, agentproto.StatusTimedOut, "DeliveryTimedOut")
		return
	}

	rctx, cancel := context.WithCancelCause(ctx)
	r := &commandRun{
		a: a, cmd: &cmd, id: id, dir: a.st.cmdDir(id),
		ctx: rctx, cancel: cancel, secrets: &secretSet{},
		state: &commandState{CommandID: id, Phase: phaseStarted, Received: now},
	}
	a.mu.Lock()
	a.running[id] = r
	a.mu.Unlock()
	if err := a.ack(ctx, id); gone(err) {
		a.log.Warn("the server does not know this command; not running it", "command", id)
		a.forget(id)
		cancel(nil)
		a.st.setPhase(id, phaseDropped)
		return
	}
	a.log.Info("running command", "command", id, "document", cmd.DocumentName, "steps", len(cmd.Steps))
	a.wg.Go(func() { r.execute(ctx) })
}

// handleCancel acknowledges a cancel and kills the command's processes; a
// cancel for a command not seen yet is remembered.
func (a *Agent) handleCancel(ctx context.Context, m agentproto.Message) {
	id := m.CommandID
	a.ack(ctx, id)
	a.mu.Lock()
	r := a.running[id]
	if r == nil && !a.st.known(id) {
		if len(a.early) >= maxEarlyCancels {
			clear(a.early)
		}
		a.early[id] = struct{}{}
	}
	a.mu.Unlock()
	if r != nil {
		a.log.Info("cancelling command", "command", id)
		r.cancel(errCancelled)
	}
}

// ack acknowledges a command; a failure other than fatal or gone is only
// logged (the server offers the command again and it is acknowledged again).
func (a *Agent) ack(ctx context.Context, id string) error {
	err := a.c.call(ctx, agentproto.PathAck, a.cfg.RequestTimeout, agentproto.AckRequest{CommandID: id}, nil)
	if f := fatal(err); f != nil {
		a.failWith(f)
	} else if err != nil && ctx.Err() == nil && !gone(err) {
		a.log.Warn("ack failed", "command", id, "err", err)
	}
	return err
}

func (a *Agent) forget(id string) {
	a.mu.Lock()
	delete(a.running, id)
	a.mu.Unlock()
}

// execute runs the command's steps, stores the result and delivers it. When
// the agent stops mid-command it stores nothing: the next start reports the
// command as interrupted.
func (r *commandRun) execute(agentCtx context.Context) {
	defer r.cancel(nil)
	defer r.a.forget(r.id)
	var outs []outcome
	if !supportedSchemas[r.cmd.SchemaVersion] {
		outs = make([]outcome, len(r.cmd.Steps))
		for i, st := range r.cmd.Steps {
			outs[i] = notRun(r, st, agentproto.StatusFailed, 1)
			outs[i].executed = true
		}
		if len(outs) > 0 {
			outs[0].res.Stderr = fmt.Sprintf("Document with schema version %s is not supported by this version of steward-agent\n", r.cmd.SchemaVersion)
		}
	} else {
		outs = r.sequence(r.ctx, r.cmd.SchemaVersion, r.cmd.Steps, r.dir, 0, nil, r.progress)
	}
	interrupted := false
	for _, o := range outs {
		interrupted = interrupted || o.res.Status == agentproto.StatusCancelled
	}
	if interrupted && agentCtx.Err() != nil && !errors.Is(context.Cause(r.ctx), errCancelled) {
		r.a.log.Info("agent stopping: command interrupted", "command", r.id)
		return
	}
	res := buildResult(r.id, outs)
	if err := r.a.st.writeResult(r.state, res, r.a.now()); err != nil {
		r.a.log.Error("cannot store the result; sending it anyway", "command", r.id, "err", err)
	}
	r.a.log.Info("command finished", "command", r.id, "status", res.Status, "code", res.ResponseCode)
	r.a.deliver(agentCtx, r.id, res)
}

// progress records a finished top-level step in state.json, so an
// interrupted command can be reported with the steps it completed.
func (r *commandRun) progress(_ int, o outcome) {
	if o.res.Status == agentproto.StatusCancelled {
		// Killed, by a cancel (a result follows) or an agent stop (the
		// next start reports the step as interrupted).
		return
	}
	sr := o.res
	sr.Stdout, sr.Stderr, sr.StdoutOffset, sr.StderrOffset = "", "", 0, 0
	r.state.Steps = append(r.state.Steps, sr)
	if err := r.a.st.saveState(r.state); err != nil {
		r.a.log.Warn("cannot record command progress", "command", r.id, "err", err)
	}
}

func buildResult(id string, outs []outcome) *agentproto.ResultRequest {
	status, code := summarize(outs, false)
	res := &agentproto.ResultRequest{CommandID: id, Status: status, ResponseCode: code, Steps: make([]agentproto.StepResult, len(outs))}
	for i, o := range outs {
		res.Steps[i] = o.res
	}
	return res
}

// finishUnrun answers a command that will not run: every step gets status
// and details, response code -1 (never started).
func (a *Agent) finishUnrun(ctx context.Context, cmd *agentproto.Command, t time.Time, status, details string) {
	res := &agentproto.ResultRequest{CommandID: cmd.CommandID, Status: status, ResponseCode: -1}
	for _, st := range cmd.Steps {
		res.Steps = append(res.Steps, agentproto.StepResult{
			Name: st.Name, Action: st.Action, Status: status, StatusDetails: details, ResponseCode: -1, StartTime: t, EndTime: t,
		})
	}
	state := &commandState{CommandID: cmd.CommandID, Phase: phaseStarted, Received: t}
	if err := a.st.writeResult(state, res, t); err != nil {
		a.log.Error("cannot store the result; sending it anyway", "command", cmd.CommandID, "err", err)
	}
	if err := a.ack(ctx, cmd.CommandID); gone(err) {
		a.st.setPhase(cmd.CommandID, phaseDropped)
		return
	}
	a.wg.Go(func() { a.deliver(ctx, cmd.CommandID, res) })
}

// deliver sends a stored result until the server accepts it (2xx), no
// longer wants it (404/410), the agent must stop (401) or ctx ends; a later
// start sends it again in that last case.
func (a *Agent) deliver(ctx context.Context, id string, res *agentproto.ResultRequest) {
	bo := backoff{min: a.cfg.BackoffMin, max: a.cfg.BackoffMax}
	for attempt := 1; ; attempt++ {
		err := a.c.call(ctx, agentproto.PathResult, a.cfg.RequestTimeout, res, nil)
		switch {
		case err == nil:
			if err := a.st.setPhase(id, phaseDelivered); err != nil {
				a.log.Warn("cannot record result delivery", "command", id, "err", err)
			}
			a.log.Debug("result delivered", "command", id, "attempts", attempt)
			return
		case gone(err):
			a.log.Warn("the server no longer wants this result; dropping it", "command", id, "err", err)
			a.st.setPhase(id, phaseDropped)
			return
		case fatal(err) != nil:
			a.failWith(fatal(err))
			return
		case ctx.Err() != nil:
			return
		}
		a.log.Debug("sending result failed; will retry", "command", id, "attempt", attempt, "err", err)
		if !sleep(ctx, bo.next()) {
			return
		}
	}
}

// recoverCommands runs at start: results stored but not accepted are sent
// again, and commands that were running when the agent stopped are
// reported Failed with the steps they completed.
func (a *Agent) recoverCommands(ctx context.Context) {
	states, errs := a.st.states()
	for _, err := range errs {
		a.log.Warn("unreadable command state", "err", err)
	}
	for dir, st := range states {
		id := st.CommandID
		if a.st.cmdDir(id) != dir {
			a.log.Warn("command state in an unexpected directory; skipping it", "dir", dir)
			continue
		}
		var res *agentproto.ResultRequest
		switch {
		case st.Phase == phaseFinished || (st.Phase == phaseStarted && a.st.hasResult(id)):
			r, err := a.st.readResult(id)
			if err != nil {
				a.log.Error("stored result unreadable; reporting the command as interrupted", "command", id, "err", err)
				res = a.interruptedResult(st)
				break
			}
			res = r
		case st.Phase == phaseStarted:
			res = a.interruptedResult(st)
			if err := a.st.writeResult(st, res, a.now()); err != nil {
				a.log.Error("cannot store the result; sending it anyway", "command", id, "err", err)
			}
			a.log.Warn("command was interrupted by an agent stop; reporting it failed", "command", id)
		default:
			continue
		}
		a.wg.Go(func() { a.deliver(ctx, id, res) })
	}
}

// interruptedNote ends the stderr of the step that was running when the
// agent stopped.
const interruptedNote = "\nsteward-agent: the agent stopped while this step was running; the step was not resumed.\n"

// interruptedResult reports a command the agent stopped in the middle of:
// completed steps as recorded, the running step Failed, the rest Skipped.
func (a *Agent) interruptedResult(st *commandState) *agentproto.ResultRequest {
	cmd, err := a.st.loadCommand(st.CommandID)
	if err != nil {
		cmd = &agentproto.Command{CommandID: st.CommandID}
		for _, s := range st.Steps {
			cmd.Steps = append(cmd.Steps, agentproto.Step{Name: s.Name, Action: s.Action})
		}
	}
	dirs := stepDirNames(cmd.Steps)
	dir := a.st.cmdDir(st.CommandID)
	now := a.now()
	outs := make([]outcome, len(cmd.Steps))
	for i, s := range cmd.Steps {
		stepDir := filepath.Join(dir, dirs[i])
		switch {
		case i < len(st.Steps):
			outs[i] = outcome{res: st.Steps[i], executed: st.Steps[i].Status != agentproto.StatusSkipped}
		case i == len(st.Steps):
			outs[i] = outcome{executed: true, res: agentproto.StepResult{
				Name: s.Name, Action: s.Action, Status: agentproto.StatusFailed, StatusDetails: agentproto.StatusFailed,
				ResponseCode: 1, StartTime: st.Received, EndTime: now,
				Stderr: readOutput(stepDir, agentproto.Stderr, a.cfg.MaxResultOutput) + interruptedNote,
			}}
		default:
			outs[i] = outcome{res: agentproto.StepResult{
				Name: s.Name, Action: s.Action, Status: agentproto.StatusSkipped, StatusDetails: agentproto.StatusSkipped,
				StartTime: now, EndTime: now,
			}}
			continue
		}
		outs[i].res.Stdout = readOutput(stepDir, agentproto.Stdout, a.cfg.MaxResultOutput)
		if i < len(st.Steps) {
			outs[i].res.Stderr = readOutput(stepDir, agentproto.Stderr, a.cfg.MaxResultOutput)
		}
	}
	res := buildResult(st.CommandID, outs)
	if res.Status == agentproto.StatusSuccess {
		res.Status, res.ResponseCode = agentproto.StatusFailed, 1
	}
	return res
}
