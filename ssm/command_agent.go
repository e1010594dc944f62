package ssm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/ssm/document"
)

// The server side of the agent channel (agentproto): the fleet package
// authenticates the node and calls these with its ID. A node only ever sees
// and touches its own invocations: a command ID that has no invocation on
// the node is NotFound, whatever the command is.

func errNotThisNode(commandID string) error {
	return steward.Errorf(agentproto.CodeNotFound, "Command %s has no invocation on this node.", commandID)
}

func errBadRequest(format string, args ...any) error {
	return steward.Errorf(agentproto.CodeBadRequest, format, args...)
}

// Poll returns the node's work: a KindCommand message for every dispatched
// invocation it has not acknowledged (and whose start deadline has not
// passed), and a KindCancel message for every invocation being cancelled
// whose cancel it has not acknowledged. Commands listed in req.Running that
// are still waiting for an acknowledgement are acknowledged (a lost ack) and
// not offered again. An invocation whose cancel the node acknowledged and
// that it no longer lists as running ends Cancelled (the node never ran it,
// or stopped it without a result getting through).
func (c *Commands) Poll(ctx context.Context, nodeID string, req agentproto.PollRequest) ([]agentproto.Message, error) {
	work, err := c.store.NodeWork(ctx, nodeID)
	if err != nil {
		return nil, err
	}
	now := c.now()
	msgs := []agentproto.Message{}
	for _, w := range work {
		cmd := w.Command
		switch w.Phase {
		case PhaseDeliverable:
			if slices.Contains(req.Running, cmd.CommandID) {
				if err := c.Ack(ctx, nodeID, agentproto.AckRequest{CommandID: cmd.CommandID}); err != nil {
					return nil, err
				}
				continue
			}
			if !now.Before(cmd.Deadline) {
				continue // too late to start; it times out at ExpiresAfter
			}
			m, err := c.commandMessage(cmd)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, m)
		case PhaseCancelling:
			msgs = append(msgs, agentproto.Message{Kind: agentproto.KindCancel, CommandID: cmd.CommandID})
		case PhaseCancelSent:
			if !slices.Contains(req.Running, cmd.CommandID) {
				if err := c.cancelled(ctx, nodeID, cmd.CommandID); err != nil {
					return nil, err
				}
			}
		}
	}
	return msgs, nil
}

// commandMessage is the KindCommand message that delivers cmd to a node (the
// same for every node of the command).
func (c *Commands) commandMessage(cmd *CommandRecord) (agentproto.Message, error) {
	var steps []agentproto.Step
	if err := json.Unmarshal(cmd.Steps, &steps); err != nil {
		return agentproto.Message{}, steward.Internal(err)
	}
	return agentproto.Message{Kind: agentproto.KindCommand, CommandID: cmd.CommandID, Command: &agentproto.Command{
		CommandID: cmd.CommandID, DocumentName: cmd.DocumentName, DocumentVersion: cmd.DocumentVersion,
		SchemaVersion: cmd.SchemaVersion, Steps: steps, Deadline: cmd.Deadline,
		OutputS3Bucket: cmd.OutputS3Bucket, OutputS3Prefix: cmd.OutputS3Prefix, Region: c.env.Region,
	}}, nil
}

// cancelled ends an invocation whose cancel the node acknowledged and that
// the node does not run: Cancelled.
func (c *Commands) cancelled(ctx context.Context, nodeID, commandID string) error {
	return c.runNodeOp(ctx, commandID, &nodeOp{nodeID: nodeID, apply: func(ctx context.Context, tx CommandTx, st *engineStep, inv *InvocationRecord) error {
		if inv.Phase != PhaseCancelSent {
			return nil
		}
		inv.Phase, inv.Status, inv.StatusDetails, inv.FinishedAt = PhaseDone, CmdCancelled, CmdCancelled, st.now
		if err := tx.UpdateInvocation(ctx, inv); err != nil {
			return err
		}
		st.terminal(CmdCancelled, CmdCancelled, true, false)
		st.invocationEvent(nodeID, CmdCancelled)
		return nil
	}})
}

// Ack records that the node received a command or a cancel. The first ack of
// a command moves its invocation to InProgress and widens the command's
// dispatch window; an ack of a cancel stops the cancel being offered. Repeats
// change nothing.
func (c *Commands) Ack(ctx context.Context, nodeID string, req agentproto.AckRequest) error {
	return c.runNodeOp(ctx, req.CommandID, &nodeOp{nodeID: nodeID, apply: func(ctx context.Context, tx CommandTx, st *engineStep, inv *InvocationRecord) error {
		switch inv.Phase {
		case PhaseDeliverable:
			inv.Phase, inv.Status, inv.StatusDetails, inv.AckedAt = PhaseRunning, CmdInProgress, CmdInProgress, st.now
			st.cmd.Counters.Acked++
			st.invocationEvent(nodeID, CmdInProgress)
		case PhaseCancelling:
			// A command dispatched but never acked may be acked now (its poll
			// answer crossed the cancel): count it, keep offering the cancel.
			if inv.AckedAt.IsZero() {
				inv.AckedAt = st.now
				st.cmd.Counters.Acked++
			} else {
				inv.Phase = PhaseCancelSent
			}
		default:
			return nil
		}
		return tx.UpdateInvocation(ctx, inv)
	}})
}

// agentError turns store sentinels into the agent channel's codes.
func agentError(err error, commandID string) error {
	if errors.Is(err, ErrCommandNotFound) || errors.Is(err, ErrInvocationNotFound) {
		return errNotThisNode(commandID)
	}
	return err
}

// Output appends streamed output of a step. Offset is the byte offset of
// Data in the step's stream; bytes already stored are kept, so resending is
// safe. Values of the command's {{ssm-secure:}} parameters are masked
// (defensively: the agent masks them first).
func (c *Commands) Output(ctx context.Context, nodeID string, req agentproto.OutputRequest) error {
	if req.Stream != agentproto.Stdout && req.Stream != agentproto.Stderr {
		return errBadRequest("Stream must be stdout or stderr.")
	}
	if req.Offset < 0 {
		return errBadRequest("Offset must not be negative.")
	}
	cmd, _, err := c.store.GetInvocation(ctx, req.CommandID, nodeID)
	if err != nil {
		return agentError(err, req.CommandID)
	}
	if !slices.Contains(cmd.StepNames, req.Step) {
		return errBadRequest("Command %s has no step %q.", req.CommandID, req.Step)
	}
	if req.Data == "" {
		return nil
	}
	data, err := c.mask(ctx, cmd, []byte(req.Data))
	if err != nil {
		return err
	}
	err = c.store.AppendOutput(ctx, InvocationKey{req.CommandID, nodeID}, req.Step, req.Stream, req.Offset, data)
	if err != nil {
		return agentError(err, req.CommandID)
	}
	c.output.broadcast(InvocationKey{req.CommandID, nodeID})
	return nil
}

// mask replaces the values of the command's {{ssm-secure:}} parameters in
// data with asterisks (as many bytes, so stream offsets stay right).
func (c *Commands) mask(ctx context.Context, cmd *CommandRecord, data []byte) ([]byte, error) {
	if len(cmd.SecureRefs) == 0 || c.params == nil {
		return data, nil
	}
	now := c.now()
	secrets, ok := c.secrets.get(cmd.CommandID, now)
	if !ok {
		vals, _, err := c.secureValues(ctx, cmd.SecureRefs)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			if len(v) >= cmdMaskMinLen {
				secrets = append(secrets, v)
			}
		}
		c.secrets.put(cmd.CommandID, secrets, now)
	}
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			data = bytes.ReplaceAll(data, []byte(s), bytes.Repeat([]byte("*"), len(s)))
		}
	}
	return data, nil
}

// secureValues reads SecureString values (decrypted) by name; names that do
// not exist or are not SecureStrings come back in invalid.
func (c *Commands) secureValues(ctx context.Context, names []string) (map[string]string, []string, error) {
	vals := map[string]string{}
	var invalid []string
	for batch := range slices.Chunk(names, paramNamesPerCall) {
		res, err := c.params.GetParameters(ctx, batch, true)
		if err != nil {
			if steward.ErrorCode(err) == steward.CodeValidation {
				invalid = append(invalid, batch...)
				continue
			}
			return nil, nil, err
		}
		byKey := map[string]*Parameter{}
		for _, p := range res.Parameters {
			byKey[ParameterKey(p.Name)+p.Selector] = p
		}
		for _, n := range batch {
			if p := byKey[ParameterKey(n)]; p != nil && p.Type == TypeSecureString {
				vals[n] = p.Value
			} else {
				invalid = append(invalid, n)
			}
		}
	}
	return vals, invalid, nil
}

// Result records the node's final answer for a command: the invocation's
// status and response code, each step's result, and any output the agent had
// not streamed (merged by offset). The first terminal answer wins; answers
// for an invocation already terminal (a repeat, or one that timed out or was
// cancelled meanwhile) are accepted and ignored. Rate control then runs for
// the command.
func (c *Commands) Result(ctx context.Context, nodeID string, req agentproto.ResultRequest) error {
	status, details, err := resultStatus(req)
	if err != nil {
		return err
	}
	// The steps are matched and the output masked inside the command's
	// transaction, against the command as stored now (a runDocument step
	// may have added {{ssm-secure:}} names since it was sent).
	err = c.runNodeOp(ctx, req.CommandID, &nodeOp{nodeID: nodeID, apply: func(ctx context.Context, tx CommandTx, st *engineStep, inv *InvocationRecord) error {
		if inv.Phase == PhaseDone || inv.Phase == PhaseWaiting {
			return nil // terminal already, or never sent: nothing to record
		}
		steps, outputs, err := c.resultSteps(ctx, st.cmd, req)
		if err != nil {
			return err
		}
		acked := inv.AckedAt.IsZero()
		if acked {
			inv.AckedAt = st.now
		}
		inv.Phase, inv.Status, inv.StatusDetails, inv.FinishedAt, inv.ResponseCode = PhaseDone, status, details, st.now, req.ResponseCode
		if err := tx.UpdateInvocation(ctx, inv); err != nil {
			return err
		}
		if err := tx.PutSteps(ctx, nodeID, steps); err != nil {
			return err
		}
		for _, o := range outputs {
			if err := tx.AppendOutput(ctx, nodeID, o.step, o.stream, o.offset, o.data); err != nil {
				return err
			}
		}
		st.terminal(status, details, true, acked)
		st.invocationEvent(nodeID, status)
		return nil
	}})
	if err != nil {
		return err
	}
	c.output.broadcast(InvocationKey{req.CommandID, nodeID})
	return nil
}

// resultOutput is output a result carries for one step and stream.
type resultOutput struct {
	step, stream string
	offset       int64
	data         []byte
}

// resultSteps matches a result's steps to the command's (others are
// ignored; a step reported twice counts once) and masks their output.
func (c *Commands) resultSteps(ctx context.Context, cmd *CommandRecord, req agentproto.ResultRequest) ([]StepRecord, []resultOutput, error) {
	var outputs []resultOutput
	var steps []StepRecord
	for _, sr := range req.Steps {
		i := slices.Index(cmd.StepNames, sr.Name)
		if i < 0 {
			continue // not a step of this command: ignored
		}
		if slices.ContainsFunc(steps, func(s StepRecord) bool { return s.Index == i }) {
			continue // a step reported twice: the first report counts
		}
		ps, pd := pluginStatus(sr.Status, sr.StatusDetails)
		steps = append(steps, StepRecord{Index: i, Name: sr.Name, Action: sr.Action, Status: ps, StatusDetails: pd,
			ResponseCode: sr.ResponseCode, StartedAt: millis(sr.StartTime), EndedAt: millis(sr.EndTime)})
		for _, o := range []resultOutput{{sr.Name, agentproto.Stdout, sr.StdoutOffset, []byte(sr.Stdout)}, {sr.Name, agentproto.Stderr, sr.StderrOffset, []byte(sr.Stderr)}} {
			if len(o.data) == 0 || o.offset < 0 {
				continue
			}
			var err error
			if o.data, err = c.mask(ctx, cmd, o.data); err != nil {
				return nil, nil, err
			}
			outputs = append(outputs, o)
		}
	}
	return steps, outputs, nil
}

// resultStatus maps an agent's invocation status to the API's Status and
// StatusDetails.
func resultStatus(req agentproto.ResultRequest) (string, string, error) {
	switch req.Status {
	case agentproto.StatusSuccess:
		return CmdSuccess, CmdSuccess, nil
	case agentproto.StatusFailed:
		return CmdFailed, CmdFailed, nil
	case agentproto.StatusCancelled:
		return CmdCancelled, CmdCancelled, nil
	case agentproto.StatusInvalidPlatform:
		return CmdFailed, DetailInvalidPlatform, nil
	case agentproto.StatusTimedOut:
		// The agent refusing to start after the deadline reports every step
		// DeliveryTimedOut; a timeout while running is ExecutionTimedOut.
		delivery := len(req.Steps) > 0
		for _, s := range req.Steps {
			delivery = delivery && s.StatusDetails == DetailDeliveryTimedOut
		}
		if delivery {
			return CmdTimedOut, DetailDeliveryTimedOut, nil
		}
		return CmdTimedOut, DetailExecutionTimedOut, nil
	}
	return "", "", errBadRequest("Status %q is not a result status.", req.Status)
}

// pluginStatus maps a step's status to the CommandPluginStatus enum and its
// StatusDetails. Skipped steps are Success/Skipped (the enum has no Skipped).
func pluginStatus(status, details string) (string, string) {
	switch status {
	case agentproto.StatusSkipped:
		return CmdSuccess, DetailSkipped
	case agentproto.StatusInvalidPlatform:
		return CmdFailed, DetailInvalidPlatform
	case agentproto.StatusTimedOut:
		if details == "" {
			details = DetailExecutionTimedOut
		}
		return CmdTimedOut, details
	case agentproto.StatusSuccess, agentproto.StatusFailed, agentproto.StatusCancelled:
		if details == "" {
			details = status
		}
		return status, details
	}
	if details == "" {
		details = status
	}
	return CmdFailed, details
}

// Parameters returns the decrypted values of SecureString parameters the
// node's command references with {{ssm-secure:}} (in its own document or in
// documents it ran with aws:runDocument). Names it does not reference, that do
// not exist or that are not SecureStrings come back in Invalid. Only an
// invocation that is in progress on the node may ask.
func (c *Commands) Parameters(ctx context.Context, nodeID string, req agentproto.ParametersRequest) (agentproto.ParametersResponse, error) {
	resp := agentproto.ParametersResponse{Values: map[string]string{}}
	cmd, inv, err := c.store.GetInvocation(ctx, req.CommandID, nodeID)
	if err != nil {
		return resp, agentError(err, req.CommandID)
	}
	if inv.Phase == PhaseWaiting || inv.Phase == PhaseDone {
		return resp, errNotThisNode(req.CommandID)
	}
	var ask []string
	for _, n := range req.Names {
		if slices.Contains(cmd.SecureRefs, n) && !slices.Contains(ask, n) {
			ask = append(ask, n)
		} else {
			resp.Invalid = append(resp.Invalid, n)
		}
	}
	if len(ask) == 0 || c.params == nil {
		resp.Invalid = append(resp.Invalid, ask...)
		return resp, nil
	}
	vals, invalid, err := c.secureValues(ctx, ask)
	if err != nil {
		return resp, err
	}
	resp.Values = vals
	resp.Invalid = append(resp.Invalid, invalid...)
	return resp, nil
}

// Document renders another Command document for an aws:runDocument step of
// the node's command in progress: parameters validated and substituted,
// {{ssm:}} references resolved. Its {{ssm-secure:}} names join those the
// command may ask for. Errors: NotFound for a command not in progress on the
// node; BadRequest for a document that does not exist, is not a Command
// document, or whose parameters are not valid (the message says why).
func (c *Commands) Document(ctx context.Context, nodeID string, req agentproto.DocumentRequest) (agentproto.DocumentResponse, error) {
	var resp agentproto.DocumentResponse
	_, inv, err := c.store.GetInvocation(ctx, req.CommandID, nodeID)
	if err != nil {
		return resp, agentError(err, req.CommandID)
	}
	if inv.Phase == PhaseWaiting || inv.Phase == PhaseDone {
		return resp, errNotThisNode(req.CommandID)
	}
	info, v, err := c.docs.lookup(ctx, req.Name, req.Version, "")
	if err == nil && info.Type != document.TypeCommand {
		err = steward.Errorf(CodeInvalidDocument, "Document %s is of type %s, not Command.", info.Name, info.Type)
	}
	var doc *renderedDoc
	if err == nil {
		doc, err = c.render(ctx, v, req.Parameters)
	}
	if err != nil {
		var se *steward.Error
		if errors.As(err, &se) && se.Code != steward.CodeInternalFailure {
			return resp, errBadRequest("%s: %s", se.Code, se.Message)
		}
		return resp, err
	}
	if len(doc.secureRefs) > 0 {
		err := c.store.UpdateCommand(ctx, req.CommandID, func(tx CommandTx) error {
			cmd, err := tx.Command(ctx)
			if err != nil {
				return err
			}
			added := false
			for _, n := range doc.secureRefs {
				if !slices.Contains(cmd.SecureRefs, n) {
					cmd.SecureRefs = append(cmd.SecureRefs, n)
					added = true
				}
			}
			if !added {
				return nil
			}
			slices.Sort(cmd.SecureRefs)
			return tx.SaveCommand(ctx, cmd)
		})
		if err != nil {
			return resp, agentError(err, req.CommandID)
		}
		c.secrets.drop(req.CommandID)
	}
	return agentproto.DocumentResponse{SchemaVersion: doc.schema, Steps: doc.steps}, nil
}

// NodeDeregistered ends the invocations of a node that was deregistered and
// that it never received: those waiting or dispatched but not acknowledged
// become Failed/Undeliverable (not an error for MaxErrors), and a cancel it
// never received completes as Cancelled. The node registry calls it when it
// deregisters a node.
func (c *Commands) NodeDeregistered(ctx context.Context, nodeID string) error {
	ids, err := c.store.NodeInvocations(ctx, nodeID, []InvocationPhase{PhaseWaiting, PhaseDeliverable, PhaseCancelling})
	if err != nil {
		return err
	}
	for _, id := range ids {
		now := c.now()
		var wake []string
		err := c.store.UpdateCommand(ctx, id, func(tx CommandTx) error {
			wake = nil
			cmd, err := tx.Command(ctx)
			if err != nil {
				return err
			}
			st := newStep(c, tx, cmd, now)
			undeliverable := InvocationState{Phase: PhaseDone, Status: CmdFailed, StatusDetails: DetailUndeliverable, At: now}
			if _, err := st.transition(ctx, []InvocationPhase{PhaseWaiting}, []string{nodeID}, undeliverable); err != nil {
				return err
			}
			if _, err := st.transition(ctx, []InvocationPhase{PhaseDeliverable}, []string{nodeID}, undeliverable); err != nil {
				return err
			}
			cancelled := InvocationState{Phase: PhaseDone, Status: CmdCancelled, StatusDetails: CmdCancelled, At: now}
			if _, err := st.transition(ctx, []InvocationPhase{PhaseCancelling}, []string{nodeID}, cancelled); err != nil {
				return err
			}
			wake, err = st.finish(ctx)
			return err
		})
		if err != nil && !errors.Is(err, ErrCommandNotFound) {
			return err
		}
		c.wake(wake)
	}
	return nil
}

// drop forgets a command's cached secret values.
func (s *secretCache) drop(commandID string) {
	s.mu.Lock()
	delete(s.m, commandID)
	s.mu.Unlock()
}
