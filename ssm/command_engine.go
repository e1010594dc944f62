package ssm

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// engineStep is one step of the Run Command engine inside a command
// transaction: it moves invocations, keeps the command's counters, runs rate
// control, derives the command status and collects the events of every
// status change, all in the transaction that caused them.
type engineStep struct {
	c      *Commands
	tx     CommandTx
	cmd    *CommandRecord
	now    time.Time
	status string // the command's Status when the step began
	settle bool   // a command without targets may leave Pending now
	events []*steward.Event
	notes  []*CommandNotification // SNS notifications (command_notify.go)
	wake   []string
}

func newStep(c *Commands, tx CommandTx, cmd *CommandRecord, now time.Time) *engineStep {
	return &engineStep{c: c, tx: tx, cmd: cmd, now: now, status: cmd.Status}
}

// terminal counts an invocation that reached a terminal status.
// dispatched tells whether it had been dispatched (it leaves the in-flight
// count), acked whether this terminal answer is also its first sign of life.
func (s *engineStep) terminal(status, details string, dispatched, acked bool) {
	k := &s.cmd.Counters
	k.Completed++
	if dispatched {
		k.InFlight--
	}
	if acked {
		k.Acked++
	}
	switch {
	case status == CmdSuccess:
		k.Success++
	case status == CmdFailed && details == CmdFailed:
		k.Failed++
	case status == CmdFailed: // Undeliverable, InvalidPlatform, AccessDenied
		k.NonCounting++
	case status == CmdTimedOut && details == DetailDeliveryTimedOut:
		k.DeliveryTimedOut++
	case status == CmdTimedOut:
		k.ExecTimedOut++
	case details == DetailTerminated:
		k.Terminated++
	default:
		k.Cancelled++
	}
}

// transition moves the invocations of the from phases (of nodeIDs, or all)
// to a terminal or cancelling state, counting and reporting each.
func (s *engineStep) transition(ctx context.Context, from []InvocationPhase, nodeIDs []string, to InvocationState) ([]string, error) {
	ids, err := s.tx.Transition(ctx, from, nodeIDs, to)
	if err != nil {
		return nil, err
	}
	dispatched := from[0] != PhaseWaiting
	for _, id := range ids {
		if to.Phase == PhaseDone {
			s.terminal(to.Status, to.StatusDetails, dispatched, false)
		}
		s.invocationEvent(id, to.Status)
	}
	return ids, nil
}

// expireAll times out every invocation not finished: DeliveryTimedOut, or
// Cancelled for those being cancelled.
func (s *engineStep) expireAll(ctx context.Context) error {
	timedOut := InvocationState{Phase: PhaseDone, Status: CmdTimedOut, StatusDetails: DetailDeliveryTimedOut, At: s.now}
	if _, err := s.transition(ctx, []InvocationPhase{PhaseWaiting}, nil, timedOut); err != nil {
		return err
	}
	if _, err := s.transition(ctx, []InvocationPhase{PhaseDeliverable, PhaseRunning}, nil, timedOut); err != nil {
		return err
	}
	cancelled := InvocationState{Phase: PhaseDone, Status: CmdCancelled, StatusDetails: CmdCancelled, At: s.now}
	_, err := s.transition(ctx, []InvocationPhase{PhaseCancelling, PhaseCancelSent}, nil, cancelled)
	return err
}

// finish runs rate control (stop on MaxErrors, dispatch up to the window),
// derives the command status, saves the command and appends the events. It
// returns the nodes to wake once the transaction commits.
func (s *engineStep) finish(ctx context.Context) ([]string, error) {
	cmd := s.cmd
	k := &cmd.Counters
	if !cmd.Done {
		if !cmd.Stopped && k.Errors() > cmd.ErrorLimit {
			cmd.Stopped = true
			terminated := InvocationState{Phase: PhaseDone, Status: CmdCancelled, StatusDetails: DetailTerminated, At: s.now}
			if _, err := s.transition(ctx, []InvocationPhase{PhaseWaiting}, nil, terminated); err != nil {
				return nil, err
			}
		}
		waiting := k.Target - k.Completed - k.InFlight
		if !cmd.Stopped && !cmd.CancelRequested && waiting > 0 && s.now.Before(cmd.Deadline) {
			window := min(cmd.ConcurrencyLimit, 2*k.Acked+1)
			if n := min(window-k.InFlight, waiting); n > 0 {
				sent, err := s.tx.Dispatch(ctx, n, s.now)
				if err != nil {
					return nil, err
				}
				k.InFlight += len(sent)
				for _, d := range sent {
					s.wake = append(s.wake, d.NodeID)
					if d.Offline {
						s.invocationEvent(d.NodeID, CmdDelayed)
					}
				}
			}
		}
	}
	cmd.Status, cmd.StatusDetails, cmd.Done = deriveStatus(cmd, s.settle)
	if cmd.Status != s.status {
		if err := s.commandEvent(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.tx.SaveCommand(ctx, cmd); err != nil {
		return nil, err
	}
	if len(s.events) > 0 {
		if err := s.tx.AppendEvents(ctx, s.events); err != nil {
			return nil, err
		}
	}
	if len(s.notes) > 0 {
		if err := s.tx.AddNotifications(ctx, s.notes); err != nil {
			return nil, err
		}
	}
	return s.wake, nil
}

// deriveStatus is the command status of reference/ssm.md §2.3 from the
// counters: in progress until every invocation is terminal, then the outcome.
// A command without targets stays Pending until settle (AWS accepts it as
// Pending and settles it at NoInstancesInTag right after).
func deriveStatus(cmd *CommandRecord, settle bool) (status, details string, done bool) {
	k := cmd.Counters
	if k.Target == 0 {
		if settle || cmd.Done {
			return CmdSuccess, DetailNoInstancesInTag, true
		}
		return CmdPending, CmdPending, false
	}
	if k.Completed < k.Target {
		switch {
		case cmd.CancelRequested:
			return CmdCancelling, CmdCancelling, false
		case k.Acked > 0 || k.Completed > 0:
			return CmdInProgress, CmdInProgress, false
		}
		return CmdPending, CmdPending, false
	}
	limit := cmd.ErrorLimit
	switch {
	case cmd.CancelRequested:
		return CmdCancelled, CmdCancelled, true
	case k.Errors() > limit && k.Failed <= limit && k.ExecTimedOut > limit:
		return CmdTimedOut, DetailExecutionTimedOut, true
	case k.Errors() > limit:
		return CmdFailed, CmdFailed, true
	case k.DeliveryTimedOut > limit:
		return CmdTimedOut, DetailDeliveryTimedOut, true
	case k.Success > 0 && k.Success+k.NonCounting == k.Target:
		return CmdSuccess, CmdSuccess, true
	case k.NonCounting == k.Target:
		return CmdFailed, CmdFailed, true
	}
	return CmdFailed, DetailIncomplete, true
}

// Event detail shapes (reference/ssm.md §10).
type commandEventDetail struct {
	CommandID         string              `json:"command-id"`
	DocumentName      string              `json:"document-name"`
	ExpireAfter       string              `json:"expire-after"`
	Parameters        map[string][]string `json:"parameters"`
	RequestedDateTime string              `json:"requested-date-time"`
	Status            string              `json:"status"`
}

type invocationEventDetail struct {
	CommandID         string `json:"command-id"`
	DocumentName      string `json:"document-name"`
	InstanceID        string `json:"instance-id"`
	RequestedDateTime string `json:"requested-date-time"`
	Status            string `json:"status"`
}

// eventTime formats a time as the events do: 2026-01-21T10:15:00.120Z.
func eventTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *engineStep) event(detailType string, resources []string, detail any) {
	b, _ := json.Marshal(detail)
	s.events = append(s.events, &steward.Event{
		ID:         uuid.NewString(),
		Time:       s.now,
		Source:     "aws.ssm",
		DetailType: detailType,
		Account:    s.c.env.Account,
		Region:     s.c.env.Region,
		Resources:  resources,
		Detail:     b,
	})
}

// invocationEvent records an "EC2 Command Invocation Status-change
// Notification" (and the SNS notification when the command asks for one).
func (s *engineStep) invocationEvent(nodeID, status string) {
	s.notifyInvocation(nodeID, status)
	s.event("EC2 Command Invocation Status-change Notification", []string{s.c.nodeARN(nodeID)}, invocationEventDetail{
		CommandID: s.cmd.CommandID, DocumentName: s.cmd.DocumentName, InstanceID: nodeID,
		RequestedDateTime: eventTime(s.cmd.RequestedAt), Status: status,
	})
}

// commandEvent records an "EC2 Command Status-change Notification" for the
// command's current status; its resources are all the command's nodes. The
// SNS notification, when the command asks for one, is recorded too.
func (s *engineStep) commandEvent(ctx context.Context) error {
	s.notifyCommand()
	nodes, err := s.tx.NodeIDs(ctx)
	if err != nil {
		return err
	}
	arns := make([]string, len(nodes))
	for i, n := range nodes {
		arns[i] = s.c.nodeARN(n)
	}
	params := s.cmd.Parameters
	if params == nil {
		params = map[string][]string{}
	}
	s.event("EC2 Command Status-change Notification", arns, commandEventDetail{
		CommandID: s.cmd.CommandID, DocumentName: s.cmd.DocumentName, ExpireAfter: eventTime(s.cmd.ExpiresAt),
		Parameters: params, RequestedDateTime: eventTime(s.cmd.RequestedAt), Status: s.cmd.Status,
	})
	return nil
}

// nodeARN is arn:aws:ssm:REGION:ACCOUNT:managed-instance/ID (EC2 IDs get the
// EC2 instance ARN).
func (c *Commands) nodeARN(id string) string {
	if len(id) > 2 && id[:2] == "i-" {
		return "arn:aws:ec2:" + c.env.Region + ":" + c.env.Account + ":instance/" + id
	}
	return c.env.ARN("managed-instance/" + id)
}
