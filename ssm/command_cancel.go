package ssm

import (
	"context"
	"errors"
	"slices"

	"github.com/stewardhq/steward"
)

// CancelCommand cancels a command on the nodes instanceIDs names (all of them
// when empty): invocations not yet dispatched end Cancelled at once;
// dispatched ones become Cancelling and their nodes get a cancel message
// (the agent answers with a Cancelled result, or the command's expiry ends
// them Cancelled); finished ones are left alone. Cancelling the whole command
// also stops its dispatching, and it ends Cancelled.
//
// Errors: ValidationException, DuplicateInstanceId, InvalidCommandId (no such
// command), InvalidInstanceId (a node the command was not sent to).
func (c *Commands) CancelCommand(ctx context.Context, commandID string, instanceIDs []string) error {
	var fe fieldErrors
	checkCommandID(&fe, commandID, "commandId", true)
	checkInstanceIDs(&fe, instanceIDs, "instanceIds")
	if err := fe.err(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, id := range instanceIDs {
		if seen[id] {
			return steward.Errorf(CodeDuplicateInstanceID, "Instance ID %s is given more than once.", id)
		}
		seen[id] = true
	}
	now := c.now()
	var wake []string
	err := c.store.UpdateCommand(ctx, commandID, func(tx CommandTx) error {
		wake = nil
		cmd, err := tx.Command(ctx)
		if err != nil {
			return err
		}
		var nodes []string
		if len(instanceIDs) > 0 {
			for _, id := range instanceIDs {
				inv, err := tx.Invocation(ctx, id)
				if err != nil {
					return err
				}
				if inv == nil {
					return steward.Errorf(CodeInvalidInstanceID, "Command %s was not sent to %s.", commandID, id)
				}
			}
			nodes = slices.Clone(instanceIDs)
		}
		st := newStep(c, tx, cmd, now)
		cancelled := InvocationState{Phase: PhaseDone, Status: CmdCancelled, StatusDetails: CmdCancelled, At: now}
		waiting, err := st.transition(ctx, []InvocationPhase{PhaseWaiting}, nodes, cancelled)
		if err != nil {
			return err
		}
		cancelling := InvocationState{Phase: PhaseCancelling, Status: CmdCancelling, StatusDetails: CmdCancelling}
		running, err := st.transition(ctx, []InvocationPhase{PhaseDeliverable, PhaseRunning}, nodes, cancelling)
		if err != nil {
			return err
		}
		if nodes == nil && !cmd.Done && (len(waiting) > 0 || len(running) > 0 || cmd.Counters.InFlight > 0) {
			cmd.CancelRequested = true
		}
		sent, err := st.finish(ctx)
		wake = append(running, sent...)
		return err
	})
	if errors.Is(err, ErrCommandNotFound) {
		return steward.Errorf(CodeInvalidCommandID, "Command %s does not exist.", commandID)
	}
	if err != nil {
		return err
	}
	c.wake(wake)
	return nil
}
