package ssm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// Tick does the time-driven work of State Manager once: it runs the
// associations that are due (and stores their next run time), follows the
// executions still running (their nodes' statuses follow the invocations),
// and every TargetCheck runs associations on nodes that newly match them.
// The loop calls it every Tick; tests call it after moving a fake clock.
func (a *Associations) Tick(ctx context.Context) error {
	now := a.now()
	for {
		due, err := a.store.ClaimDue(ctx, now, now.Add(assocLease), assocClaimBatch)
		if err != nil {
			return err
		}
		for _, as := range due {
			if err := a.runDue(ctx, as); err != nil {
				return err
			}
		}
		if len(due) < assocClaimBatch {
			break
		}
	}
	if err := a.follow(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	check := a.lastCheck.IsZero() || !now.Before(a.lastCheck.Add(a.opts.TargetCheck))
	if check {
		a.lastCheck = now
	}
	a.mu.Unlock()
	if check {
		return a.newTargets(ctx)
	}
	return nil
}

// runDue runs a claimed association and stores its next run time.
func (a *Associations) runDue(ctx context.Context, as *Association) error {
	now := a.now()
	if err := a.run(ctx, as, nil); err != nil {
		a.log.Error("state manager: association run failed", "association", as.AssociationID, "err", err)
	}
	return a.store.SetNextRun(ctx, as.AssociationID, as.Version, nextRun(as, now, false))
}

// newTargets runs every association on the nodes it selects that have no
// status in it yet (a node registered or tagged since its last run).
func (a *Associations) newTargets(ctx context.Context) error {
	all, err := a.store.ListAssociations(ctx)
	if err != nil {
		return err
	}
	for _, as := range all {
		if as.LastExecution.IsZero() {
			continue // its first run covers every node
		}
		nodes, err := a.resolve(ctx, as)
		if err != nil {
			continue
		}
		known, err := a.store.AssociationStatuses(ctx, as.AssociationID)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, t := range known {
			seen[t.NodeID] = true
		}
		var fresh []NodeRef
		for _, n := range nodes {
			if !seen[n.ID] {
				fresh = append(fresh, n)
			}
		}
		if len(fresh) > 0 {
			if err := a.run(ctx, as, fresh); err != nil {
				a.log.Error("state manager: run on new targets failed", "association", as.AssociationID, "err", err)
			}
		}
	}
	return nil
}

func (a *Associations) resolve(ctx context.Context, as *Association) ([]NodeRef, error) {
	if as.InstanceID != "" {
		return a.nodes.ResolveTargets(ctx, []string{as.InstanceID}, nil)
	}
	return a.nodes.ResolveTargets(ctx, nil, as.Targets)
}

// run starts one execution of as on nodes (nil: every node its targets
// select now): the nodes over the per-node limit are recorded Failed /
// LimitExceeded, the others get one Run Command command.
func (a *Associations) run(ctx context.Context, as *Association, nodes []NodeRef) error {
	now := a.now()
	exec := &AssociationExecution{AssociationID: as.AssociationID, Version: as.Version, ExecutionID: uuid.NewString(),
		Status: AssocPending, DetailedStatus: AssocPending, Created: now, LastExecution: now, Counts: map[string]int{}}
	var resolveErr error
	if nodes == nil {
		nodes, resolveErr = a.resolve(ctx, as)
	}
	targets := make([]*AssociationTarget, len(nodes))
	for i, n := range nodes {
		targets[i] = a.target(as, exec, n.ID)
	}
	admitted, err := a.store.StartExecution(ctx, exec, targets, assocPerNodeMax)
	if err != nil {
		return err
	}
	if resolveErr != nil {
		exec.Done, exec.Status, exec.DetailedStatus = true, AssocFailed, AssocFailed
		return a.save(ctx, exec, nil, nil)
	}
	byID := map[string]NodeRef{}
	for _, n := range nodes {
		byID[n.ID] = n
	}
	var send []NodeRef
	for _, id := range admitted {
		send = append(send, byID[id])
	}
	if len(send) == 0 {
		ts, err := a.store.ExecutionTargets(ctx, exec.AssociationID, exec.ExecutionID)
		if err != nil {
			return err
		}
		return a.settle(ctx, exec, ts, nil)
	}
	in := SendCommandInput{
		DocumentName: as.Name, DocumentVersion: as.DocumentVersion, Parameters: as.Parameters, Targets: as.Targets,
		MaxConcurrency: cmpOr(as.MaxConcurrency, assocDefaultConc), MaxErrors: cmpOr(as.MaxErrors, assocDefaultErrors),
	}
	if as.InstanceID != "" {
		in.InstanceIDs = []string{as.InstanceID}
	}
	if o := as.OutputLocation; o != nil {
		in.OutputS3Region, in.OutputS3BucketName, in.OutputS3KeyPrefix = o.OutputS3Region, o.OutputS3BucketName, o.OutputS3KeyPrefix
	}
	cmd, err := a.cmds.sendToNodes(ctx, in, send)
	if err != nil {
		// The document or its parameters no longer fit: every admitted
		// node fails this run.
		code := "ExecutionError"
		var se *steward.Error
		if errors.As(err, &se) {
			code = se.Code
		}
		ts, err2 := a.store.ExecutionTargets(ctx, exec.AssociationID, exec.ExecutionID)
		if err2 != nil {
			return err2
		}
		for _, t := range ts {
			if slices.Contains(admitted, t.NodeID) {
				t.Status, t.DetailedStatus, t.ErrorCode = AssocFailed, AssocFailed, truncate(code, 10)
				t.ExecutionSummary = truncate("The command could not be sent: "+err.Error(), assocSummaryMax)
			}
		}
		return a.settle(ctx, exec, ts, nil)
	}
	if err := a.store.SetExecutionCommand(ctx, exec.AssociationID, exec.ExecutionID, cmd.CommandID); err != nil {
		return err
	}
	exec.CommandID = cmd.CommandID
	return a.followOne(ctx, exec)
}

func (a *Associations) target(as *Association, exec *AssociationExecution, nodeID string) *AssociationTarget {
	return &AssociationTarget{AssociationID: as.AssociationID, AssociationName: as.AssociationName, Version: as.Version,
		DocumentName: as.Name, DocumentVersion: cmpOr(as.DocumentVersion, "$DEFAULT"), ExecutionID: exec.ExecutionID,
		NodeID: nodeID, Status: AssocPending, DetailedStatus: AssocPending, ExecutionDate: exec.Created}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// follow brings the executions still running up to date with their
// commands.
func (a *Associations) follow(ctx context.Context) error {
	open, err := a.store.OpenExecutions(ctx, 200)
	if err != nil {
		return err
	}
	for _, e := range open {
		if err := a.followOne(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// followOne reads an execution's command and invocations and writes the
// nodes' statuses and the execution's.
func (a *Associations) followOne(ctx context.Context, e *AssociationExecution) error {
	ts, err := a.store.ExecutionTargets(ctx, e.AssociationID, e.ExecutionID)
	if err != nil {
		return err
	}
	before := make(map[string]string, len(ts))
	for _, t := range ts {
		before[t.NodeID] = t.Status + "/" + t.DetailedStatus
	}
	if e.CommandID == "" {
		// Started but never sent (a crash between the two): give up after
		// the lease, so the next run starts clean.
		if a.now().Sub(e.Created) > assocLease {
			for _, t := range ts {
				if t.Status == AssocPending {
					t.Status, t.DetailedStatus, t.ErrorCode = AssocFailed, AssocFailed, "SubmitAssocError"
				}
			}
			return a.settle(ctx, e, ts, before)
		}
		return nil
	}
	cmd, err := a.cmds.store.GetCommand(ctx, e.CommandID)
	if errors.Is(err, ErrCommandNotFound) {
		return a.settle(ctx, e, ts, before)
	}
	if err != nil {
		return err
	}
	var keys []InvocationKey
	invs := map[string]*InvocationRecord{}
	token := ""
	for {
		rows, next, err := a.cmds.store.ListInvocations(ctx, InvocationQuery{CommandID: e.CommandID, Token: token, Limit: 500})
		if err != nil {
			return err
		}
		for _, r := range rows {
			inv := r.Invocation
			invs[inv.NodeID] = &inv
			if inv.Phase == PhaseDone {
				keys = append(keys, InvocationKey{CommandID: e.CommandID, NodeID: inv.NodeID})
			}
		}
		if next == "" {
			break
		}
		token = next
	}
	steps, err := a.cmds.store.InvocationSteps(ctx, keys)
	if err != nil {
		return err
	}
	changed := false
	for _, t := range ts {
		inv, ok := invs[t.NodeID]
		if !ok || t.DetailedStatus == AssocLimitHit {
			continue
		}
		st, det, code, summary := targetStatus(inv, steps[InvocationKey{CommandID: e.CommandID, NodeID: t.NodeID}])
		if t.CommandID != e.CommandID || st != t.Status || det != t.DetailedStatus || summary != t.ExecutionSummary {
			changed = true
			t.CommandID, t.Status, t.DetailedStatus, t.ErrorCode, t.ExecutionSummary = e.CommandID, st, det, code, summary
			if !inv.FinishedAt.IsZero() {
				t.ExecutionDate = inv.FinishedAt
			}
		}
	}
	if cmd.Done {
		return a.settle(ctx, e, ts, before)
	}
	if changed {
		return a.save(ctx, e, ts, before)
	}
	return nil
}

// targetStatus maps an invocation to a node's association status.
func targetStatus(inv *InvocationRecord, steps []StepRecord) (status, detailed, code, summary string) {
	switch inv.Status {
	case CmdPending, CmdDelayed:
		return AssocPending, AssocPending, "", ""
	case CmdInProgress, CmdCancelling:
		return AssocPending, AssocInProg, "", ""
	}
	var ok, failed, timedOut, skipped int
	for _, s := range steps {
		switch {
		case s.Status == CmdSuccess && s.StatusDetails == DetailSkipped:
			skipped++
		case s.Status == CmdSuccess:
			ok++
		case s.Status == CmdTimedOut:
			timedOut++
		default:
			failed++
		}
	}
	summary = fmt.Sprintf("%d out of %d plugin%s processed, %d success, %d failed, %d timedout, %d skipped. ",
		len(steps), len(steps), plural(len(steps)), ok, failed, timedOut, skipped)
	if inv.Status == CmdSuccess {
		return AssocSuccess, AssocSuccess, "", summary
	}
	det := inv.StatusDetails
	if inv.Status == CmdTimedOut {
		det = CmdTimedOut
	}
	code = "ExecutionError"
	if len(steps) == 0 {
		summary = "The command did not run on the node: " + inv.StatusDetails + "."
	}
	return AssocFailed, cmpOr(det, AssocFailed), code, summary
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "(s)"
}

// settle ends an execution: its status is Success when every node
// succeeded (or none was targeted), Failed otherwise.
func (a *Associations) settle(ctx context.Context, e *AssociationExecution, ts []*AssociationTarget, before map[string]string) error {
	e.Done, e.Counts = true, map[string]int{}
	failed := false
	for _, t := range ts {
		if t.Status == AssocPending {
			// The command ended without this node's invocation finishing.
			t.Status, t.DetailedStatus = AssocFailed, cmpOr(strings.TrimPrefix(t.DetailedStatus, AssocPending), AssocFailed)
		}
		e.Counts[t.DetailedStatus]++
		failed = failed || t.Status != AssocSuccess
	}
	e.Status, e.DetailedStatus = AssocSuccess, AssocSuccess
	if failed {
		e.Status, e.DetailedStatus = AssocFailed, AssocFailed
	}
	return a.save(ctx, e, ts, before)
}

// save writes an execution and its targets with their events (targets whose
// status is not the one in before; before nil: every target).
func (a *Associations) save(ctx context.Context, e *AssociationExecution, ts []*AssociationTarget, before map[string]string) error {
	as, err := a.store.GetAssociation(ctx, e.AssociationID)
	if errors.Is(err, ErrAssociationNotFound) {
		as, err = nil, nil
	}
	if err != nil {
		return err
	}
	return a.store.SaveExecution(ctx, e, ts, a.events(ctx, as, e, ts, before))
}

// ResourceCountByStatus renders an execution's counts as AWS does:
// "{Success=3, Failed=1}".
func ResourceCountByStatus(counts map[string]int) string {
	keys := slices.Collect(maps.Keys(counts))
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, counts[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
