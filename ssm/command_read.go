package ssm

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward"
)

// CommandFilter is one CommandFilter of ListCommands / ListCommandInvocations.
type CommandFilter struct {
	Key   string
	Value string
}

// The CommandFilterKey enum.
const (
	filterInvokedAfter   = "InvokedAfter"
	filterInvokedBefore  = "InvokedBefore"
	filterStatus         = "Status"
	filterExecutionStage = "ExecutionStage"
	filterDocumentName   = "DocumentName"
)

var commandFilterKeys = []string{filterInvokedAfter, filterInvokedBefore, filterStatus, filterExecutionStage, filterDocumentName}

// Status filter values (the CommandFilter documentation): those compared with
// Status and those compared with StatusDetails.
var (
	commandStatusValues     = []string{CmdPending, CmdInProgress, CmdSuccess, CmdCancelled, CmdFailed, CmdTimedOut}
	commandDetailValues     = []string{DetailAccessDenied, DetailDeliveryTimedOut, DetailExecutionTimedOut, DetailIncomplete, DetailNoInstancesInTag, "LimitExceeded"}
	invocationStatusValues  = []string{CmdPending, CmdInProgress, CmdDelayed, CmdSuccess, CmdCancelled, CmdFailed, CmdTimedOut}
	invocationDetailsValues = []string{DetailAccessDenied, DetailDeliveryTimedOut, DetailExecutionTimedOut, DetailUndeliverable, DetailInvalidPlatform, DetailTerminated}
)

// ListCommandsInput is a ListCommands request.
type ListCommandsInput struct {
	CommandID  string
	InstanceID string
	MaxResults *int
	NextToken  string
	Filters    []CommandFilter
}

// CommandList is a page of ListCommands.
type CommandList struct {
	Commands  []*CommandRecord
	NextToken string
}

// ListCommands lists commands, newest first, narrowed by CommandId,
// InstanceId and Filters (all must hold). Errors: ValidationException,
// InvalidCommandId for a CommandId that does not exist, InvalidFilterValue,
// InvalidNextToken.
func (c *Commands) ListCommands(ctx context.Context, in ListCommandsInput) (*CommandList, error) {
	var fe fieldErrors
	checkCommandID(&fe, in.CommandID, "commandId", false)
	checkInstanceID(&fe, in.InstanceID, "instanceId", false)
	fe.intRange(in.MaxResults, "maxResults", 1, cmdPageMax)
	checkFilters(&fe, in.Filters)
	if err := fe.err(); err != nil {
		return nil, err
	}
	f, none, err := parseFilters(in.Filters, false)
	if err != nil {
		return nil, err
	}
	if in.CommandID != "" {
		if _, err := c.store.GetCommand(ctx, in.CommandID); errors.Is(err, ErrCommandNotFound) {
			return nil, steward.Errorf(CodeInvalidCommandID, "Command %s does not exist.", in.CommandID)
		} else if err != nil {
			return nil, err
		}
	}
	if none {
		return &CommandList{Commands: []*CommandRecord{}}, nil
	}
	q := CommandQuery{CommandID: in.CommandID, NodeID: in.InstanceID, After: f.after, Before: f.before, Statuses: f.statuses,
		Details: f.details, Done: f.done, DocumentName: f.document, Token: in.NextToken, Limit: pageLimit(in.MaxResults)}
	cmds, next, err := c.store.ListCommands(ctx, q)
	if err != nil {
		return nil, cmdStoreError(err)
	}
	if cmds == nil {
		cmds = []*CommandRecord{}
	}
	return &CommandList{Commands: cmds, NextToken: next}, nil
}

func pageLimit(max *int) int {
	if max == nil {
		return cmdPageMax
	}
	return *max
}

func cmdStoreError(err error) error {
	if errors.Is(err, ErrInvalidNextToken) {
		return steward.Errorf(CodeCommandInvalidNextToken, "The specified token isn't valid.")
	}
	return err
}

func checkCommandID(fe *fieldErrors, id, member string, required bool) {
	switch {
	case id == "" && required:
		fe.null(member)
	case id != "":
		fe.length(id, member, cmdIDLen, cmdIDLen, false)
	}
}

func checkInstanceID(fe *fieldErrors, id, member string, required bool) {
	switch {
	case id == "" && required:
		fe.null(member)
	case id != "":
		fe.docPattern(id, member, instanceIDRE, instanceIDPattern)
	}
}

func checkFilters(fe *fieldErrors, filters []CommandFilter) {
	if filters != nil && len(filters) == 0 {
		fe.add("[]", "filters", "Member must have length greater than or equal to 1")
	}
	if len(filters) > cmdFiltersMax {
		fe.add("["+strconv.Itoa(len(filters))+" filters]", "filters", "Member must have length less than or equal to "+strconv.Itoa(cmdFiltersMax))
	}
	for i, f := range filters {
		m := "filters." + strconv.Itoa(i+1) + ".member."
		if f.Key == "" {
			fe.null(m + "key")
		} else {
			fe.enum(f.Key, m+"key", commandFilterKeys...)
		}
		if f.Value == "" {
			fe.null(m + "value")
		} else {
			fe.length(f.Value, m+"value", 1, cmdFilterValueMax, false)
		}
	}
}

// parsedFilters are CommandFilters as query conditions.
type parsedFilters struct {
	after, before time.Time
	statuses      []string
	details       []string
	done          *bool
	document      string
}

// parseFilters reads filters (combined with AND). none reports filters no
// command can satisfy (two different statuses, say).
func parseFilters(filters []CommandFilter, invocations bool) (parsedFilters, bool, error) {
	var f parsedFilters
	none := false
	statusValues, detailValues := commandStatusValues, commandDetailValues
	if invocations {
		statusValues, detailValues = invocationStatusValues, invocationDetailsValues
	}
	badValue := func(fl CommandFilter) error {
		return steward.Errorf(CodeCommandInvalidFilterValue, "The value %s is not valid for the filter %s.", fl.Value, fl.Key)
	}
	for _, fl := range filters {
		switch fl.Key {
		case filterInvokedAfter, filterInvokedBefore:
			t, ok := parseFilterTime(fl.Value)
			if !ok {
				return f, false, badValue(fl)
			}
			if fl.Key == filterInvokedAfter && t.After(f.after) {
				f.after = t
			}
			if fl.Key == filterInvokedBefore && (f.before.IsZero() || t.Before(f.before)) {
				f.before = t
			}
		case filterStatus:
			switch {
			case containsString(statusValues, fl.Value):
				none = none || (len(f.statuses) > 0 && f.statuses[0] != fl.Value)
				f.statuses = []string{fl.Value}
			case containsString(detailValues, fl.Value):
				none = none || (len(f.details) > 0 && f.details[0] != fl.Value)
				f.details = []string{fl.Value}
			default:
				return f, false, badValue(fl)
			}
		case filterExecutionStage:
			if invocations {
				return f, false, steward.Errorf(CodeCommandInvalidFilterKey, "The ExecutionStage filter can be used with ListCommands only.")
			}
			var done bool
			switch fl.Value {
			case "Executing":
			case "Complete":
				done = true
			default:
				return f, false, badValue(fl)
			}
			none = none || (f.done != nil && *f.done != done)
			f.done = &done
		case filterDocumentName:
			none = none || (f.document != "" && f.document != fl.Value)
			f.document = fl.Value
		}
	}
	if !f.before.IsZero() && !f.after.IsZero() && !f.after.Before(f.before) {
		none = true
	}
	return f, none, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseFilterTime reads an InvokedAfter/InvokedBefore value: an ISO-8601
// date-time (2024-07-07T00:00:00Z, with or without a zone or fraction) or a
// date.
func parseFilterTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// ListCommandInvocationsInput is a ListCommandInvocations request.
type ListCommandInvocationsInput struct {
	CommandID  string
	InstanceID string
	MaxResults *int
	NextToken  string
	Filters    []CommandFilter
	Details    bool
}

// CommandInvocation is an invocation as ListCommandInvocations shows it.
type CommandInvocation struct {
	CommandID         string
	InstanceID        string
	InstanceName      string
	Comment           string
	DocumentName      string
	DocumentVersion   string
	RequestedDateTime time.Time
	Status            string
	StatusDetails     string
	TraceOutput       string
	StandardOutputURL string
	StandardErrorURL  string
	Plugins           []CommandPlugin // filled with Details only
	ServiceRole       string
	Notification      NotificationConfig
	CloudWatch        CloudWatchOutputConfig
}

// CommandPlugin is one step of an invocation.
type CommandPlugin struct {
	Name                   string
	Status                 string
	StatusDetails          string
	ResponseCode           int
	ResponseStartDateTime  time.Time
	ResponseFinishDateTime time.Time
	Output                 string
	StandardOutputURL      string
	StandardErrorURL       string
	OutputS3Region         string
	OutputS3BucketName     string
	OutputS3KeyPrefix      string
}

// InvocationList is a page of ListCommandInvocations.
type InvocationList struct {
	Invocations []*CommandInvocation
	NextToken   string
}

// ListCommandInvocations lists invocations, newest command first, narrowed by
// CommandId, InstanceId and Filters. With Details each carries its plugins
// with the first 2,500 characters of their output. An unknown CommandId lists
// nothing.
func (c *Commands) ListCommandInvocations(ctx context.Context, in ListCommandInvocationsInput) (*InvocationList, error) {
	var fe fieldErrors
	checkCommandID(&fe, in.CommandID, "commandId", false)
	checkInstanceID(&fe, in.InstanceID, "instanceId", false)
	fe.intRange(in.MaxResults, "maxResults", 1, cmdPageMax)
	checkFilters(&fe, in.Filters)
	if err := fe.err(); err != nil {
		return nil, err
	}
	f, none, err := parseFilters(in.Filters, true)
	if err != nil {
		return nil, err
	}
	out := &InvocationList{Invocations: []*CommandInvocation{}}
	if none {
		return out, nil
	}
	rows, next, err := c.store.ListInvocations(ctx, InvocationQuery{CommandID: in.CommandID, NodeID: in.InstanceID,
		After: f.after, Before: f.before, Statuses: f.statuses, Details: f.details, DocumentName: f.document,
		Token: in.NextToken, Limit: pageLimit(in.MaxResults)})
	if err != nil {
		return nil, cmdStoreError(err)
	}
	out.NextToken = next
	var steps map[InvocationKey][]StepRecord
	var heads map[InvocationKey][]OutputChunk
	if in.Details && len(rows) > 0 {
		keys := make([]InvocationKey, len(rows))
		for i, r := range rows {
			keys[i] = InvocationKey{r.Invocation.CommandID, r.Invocation.NodeID}
		}
		if steps, err = c.store.InvocationSteps(ctx, keys); err != nil {
			return nil, err
		}
		if heads, err = c.store.OutputHeads(ctx, keys, 4*cmdPluginOutputMax); err != nil {
			return nil, err
		}
	}
	for _, r := range rows {
		inv, cmd := &r.Invocation, r.Command
		ci := &CommandInvocation{
			CommandID: inv.CommandID, InstanceID: inv.NodeID, Comment: cmd.Comment, DocumentName: cmd.DocumentName,
			DocumentVersion: cmd.DocumentVersion, RequestedDateTime: inv.RequestedAt, Status: inv.Status,
			StatusDetails: inv.StatusDetails, ServiceRole: cmd.ServiceRole, Notification: cmd.Notification,
			CloudWatch: cmd.CloudWatch, Plugins: []CommandPlugin{},
		}
		if in.Details {
			key := InvocationKey{inv.CommandID, inv.NodeID}
			for i, name := range cmd.StepNames {
				p := pluginView(cmd, inv, name, stepAt(steps[key], i))
				p.Output = truncateOutput(
					assemble(heads[key], name, "stdout", 4*cmdPluginOutputMax),
					assemble(heads[key], name, "stderr", 4*cmdPluginOutputMax), cmdPluginOutputMax)
				ci.Plugins = append(ci.Plugins, p)
			}
		}
		out.Invocations = append(out.Invocations, ci)
	}
	return out, nil
}

func stepAt(steps []StepRecord, i int) *StepRecord {
	for j := range steps {
		if steps[j].Index == i {
			return &steps[j]
		}
	}
	return nil
}

// pluginView is one step of an invocation: its stored result, or, before
// there is one, what the invocation's state implies.
func pluginView(cmd *CommandRecord, inv *InvocationRecord, name string, st *StepRecord) CommandPlugin {
	p := CommandPlugin{Name: name, ResponseCode: -1, OutputS3Region: cmd.OutputS3Region,
		OutputS3BucketName: cmd.OutputS3Bucket, OutputS3KeyPrefix: cmd.OutputS3Prefix}
	if st != nil {
		p.Status, p.StatusDetails, p.ResponseCode = st.Status, st.StatusDetails, st.ResponseCode
		p.ResponseStartDateTime, p.ResponseFinishDateTime = st.StartedAt, st.EndedAt
		return p
	}
	switch inv.Phase {
	case PhaseWaiting, PhaseDeliverable:
		p.Status, p.StatusDetails = CmdPending, CmdPending
	case PhaseRunning, PhaseCancelling, PhaseCancelSent:
		p.Status, p.StatusDetails = CmdInProgress, CmdInProgress
	default:
		p.Status, p.StatusDetails = inv.Status, inv.StatusDetails
	}
	return p
}

// GetCommandInvocationInput is a GetCommandInvocation request.
type GetCommandInvocationInput struct {
	CommandID  string
	InstanceID string
	PluginName string
}

// CommandInvocationResult is GetCommandInvocation's answer for one step.
type CommandInvocationResult struct {
	CommandID              string
	InstanceID             string
	Comment                string
	DocumentName           string
	DocumentVersion        string
	PluginName             string
	ResponseCode           int
	ExecutionStartDateTime string
	ExecutionElapsedTime   string
	ExecutionEndDateTime   string
	Status                 string
	StatusDetails          string
	StandardOutputContent  string
	StandardOutputURL      string
	StandardErrorContent   string
	StandardErrorURL       string
	CloudWatch             CloudWatchOutputConfig
}

// GetCommandInvocation returns one step of an invocation: PluginName names
// it, and may be left out when the document has a single step. Status and
// StatusDetails are the step's once it has a result, the invocation's before.
// The output contents are the first 24,000 (stdout) and 8,000 (stderr)
// characters received so far. Errors: ValidationException,
// InvocationDoesNotExist (the waiter keeps waiting on it), InvalidPluginName.
func (c *Commands) GetCommandInvocation(ctx context.Context, in GetCommandInvocationInput) (*CommandInvocationResult, error) {
	var fe fieldErrors
	checkCommandID(&fe, in.CommandID, "commandId", true)
	checkInstanceID(&fe, in.InstanceID, "instanceId", true)
	if in.PluginName != "" {
		fe.length(in.PluginName, "pluginName", cmdPluginNameMin, -1, false)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	cmd, inv, err := c.store.GetInvocation(ctx, in.CommandID, in.InstanceID)
	if errors.Is(err, ErrInvocationNotFound) {
		return nil, steward.Errorf(CodeInvocationDoesNotExist, "Command %s has no invocation on %s.", in.CommandID, in.InstanceID)
	}
	if err != nil {
		return nil, err
	}
	idx, err := pluginIndex(cmd, in.PluginName)
	if err != nil {
		return nil, err
	}
	key := InvocationKey{cmd.CommandID, inv.NodeID}
	steps, err := c.store.InvocationSteps(ctx, []InvocationKey{key})
	if err != nil {
		return nil, err
	}
	name := cmd.StepNames[idx]
	st := stepAt(steps[key], idx)
	out := &CommandInvocationResult{
		CommandID: cmd.CommandID, InstanceID: inv.NodeID, Comment: cmd.Comment, DocumentName: cmd.DocumentName,
		DocumentVersion: cmd.DocumentVersion, PluginName: name, ResponseCode: -1,
		Status: inv.Status, StatusDetails: inv.StatusDetails, CloudWatch: cmd.CloudWatch,
	}
	if st != nil {
		out.Status, out.StatusDetails, out.ResponseCode = st.Status, st.StatusDetails, st.ResponseCode
		if !st.StartedAt.IsZero() {
			out.ExecutionStartDateTime = eventTime(st.StartedAt)
		}
		if !st.EndedAt.IsZero() {
			out.ExecutionEndDateTime = eventTime(st.EndedAt)
			if !st.StartedAt.IsZero() {
				out.ExecutionElapsedTime = isoDuration(st.EndedAt.Sub(st.StartedAt))
			}
		}
	} else if inv.Phase == PhaseDone && len(cmd.StepNames) == 1 && inv.ResponseCode != -1 {
		out.ResponseCode = inv.ResponseCode
	}
	stdout, err := c.store.ReadStream(ctx, key, name, "stdout", 4*cmdStdoutContentMax)
	if err != nil {
		return nil, err
	}
	stderr, err := c.store.ReadStream(ctx, key, name, "stderr", 4*cmdStderrContentMax)
	if err != nil {
		return nil, err
	}
	out.StandardOutputContent = firstRunes(assemble(stdout, name, "stdout", 4*cmdStdoutContentMax), cmdStdoutContentMax)
	out.StandardErrorContent = firstRunes(assemble(stderr, name, "stderr", 4*cmdStderrContentMax), cmdStderrContentMax)
	return out, nil
}

// pluginIndex finds the step a PluginName names.
func pluginIndex(cmd *CommandRecord, plugin string) (int, error) {
	if plugin == "" {
		if len(cmd.StepNames) == 1 {
			return 0, nil
		}
		return 0, steward.Errorf(CodeInvalidPluginName, "Document %s has %d steps; give the PluginName of one: %s.",
			cmd.DocumentName, len(cmd.StepNames), strings.Join(cmd.StepNames, ", "))
	}
	for i, n := range cmd.StepNames {
		if n == plugin {
			return i, nil
		}
	}
	return 0, steward.Errorf(CodeInvalidPluginName, "Document %s has no step %s; its steps are: %s.",
		cmd.DocumentName, plugin, strings.Join(cmd.StepNames, ", "))
}

// isoDuration formats d as ISO-8601, the way Java's Duration prints it:
// PT1.271S, PT2M3.5S, PT0S.
func isoDuration(d time.Duration) string {
	if d <= 0 {
		return "PT0S"
	}
	ms := d.Milliseconds()
	h, ms := ms/3600000, ms%3600000
	m, ms := ms/60000, ms%60000
	s, frac := ms/1000, ms%1000
	var b strings.Builder
	b.WriteString("PT")
	if h > 0 {
		b.WriteString(strconv.FormatInt(h, 10) + "H")
	}
	if m > 0 {
		b.WriteString(strconv.FormatInt(m, 10) + "M")
	}
	if s > 0 || frac > 0 || (h == 0 && m == 0) {
		b.WriteString(strconv.FormatInt(s, 10))
		if frac > 0 {
			f := strings.TrimRight(strconv.FormatInt(1000+frac, 10)[1:], "0")
			b.WriteString("." + f)
		}
		b.WriteString("S")
	}
	return b.String()
}

// assemble joins the chunks of one step stream in offset order (bytes
// already covered are skipped), up to max bytes.
func assemble(chunks []OutputChunk, step, stream string, maxBytes int) []byte {
	var out []byte
	var end int64
	for _, ch := range chunks {
		if ch.Step != step || ch.Stream != stream {
			continue
		}
		data := ch.Data
		if ch.Offset < end {
			skip := end - ch.Offset
			if skip >= int64(len(data)) {
				continue
			}
			data = data[skip:]
		}
		out = append(out, data...)
		end = max(end, ch.Offset+int64(len(ch.Data)))
		if len(out) >= maxBytes {
			return out[:maxBytes]
		}
	}
	return out
}

// firstRunes returns the first n characters of b (an incomplete character
// at the end is dropped).
func firstRunes(b []byte, n int) string {
	count := 0
	for i := 0; i < len(b); {
		if count == n {
			return string(b[:i])
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 && !utf8.FullRune(b[i:]) {
			return string(b[:i])
		}
		i += size
		count++
	}
	return string(b)
}

// The plugin output layout of the agent (CommandPlugin Output): stdout, then
// a title and stderr, each cut with a marker when both do not fit.
const (
	outputErrorTitle     = "\n----------ERROR-------\n"
	outputTruncatedOut   = "\n---Output truncated---"
	outputTruncatedError = "\n---Error truncated----"
)

// truncateOutput builds the plugin Output of at most capacity characters:
// stdout + "\n----------ERROR-------\n" + stderr, stdout and/or stderr cut
// (with their markers) to make room, as the agent does. Lengths are counted
// in characters.
func truncateOutput(stdoutB, stderrB []byte, capacity int) string {
	stdout := []rune(string(stdoutB))
	stderr := []rune(string(stderrB))
	title := ""
	if len(stderr) > 0 {
		title = outputErrorTitle
	}
	avail := capacity - len(title)
	lenOut, lenErr := len(stdout), len(stderr)
	truncOut, truncErr := len(outputTruncatedOut), len(outputTruncatedError)
	switch {
	case lenOut+lenErr < avail:
		return string(stdout) + title + string(stderr)
	case lenOut > avail/2 && lenErr > avail/2:
		n := (avail - truncOut - truncErr) / 2
		return string(stdout[:n]) + outputTruncatedOut + title + string(stderr[:n]) + outputTruncatedError
	case lenOut < avail/2:
		n := avail - truncErr - lenOut
		return string(stdout) + title + string(stderr[:max(0, n)]) + outputTruncatedError
	}
	n := avail - truncOut - lenErr
	return string(stdout[:max(0, n)]) + outputTruncatedOut + title + string(stderr)
}

// OutputPage is a piece of an invocation's full output, for
// `steward command output`.
type OutputPage struct {
	Stdout        string
	Stderr        string
	NextOffset    int64 // cursor for the next call
	Done          bool  // the invocation is terminal and everything was read
	Status        string
	StatusDetails string
	Steps         []string
}

// ReadOutput returns the output of an invocation that arrived after the
// cursor offset (0 for the start), for one step or (step "") all of them in
// arrival order. When nothing new is there and the invocation is not
// finished it waits up to wait (at most 20 s) for Output or Result, ending
// early when ctx does. Errors: InvocationDoesNotExist, InvalidPluginName.
func (c *Commands) ReadOutput(ctx context.Context, commandID, nodeID, step string, offset int64, wait time.Duration) (*OutputPage, error) {
	wait = min(max(wait, 0), cmdOutputWaitMax)
	key := InvocationKey{commandID, nodeID}
	var timer *time.Timer
	for {
		ch := c.output.acquire(key)
		page, err := c.readOutput(ctx, key, step, offset)
		if err != nil || page.Done || page.NextOffset != offset || wait == 0 {
			c.output.release(key, ch)
			return page, err
		}
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		}
		select {
		case <-ch:
			c.output.release(key, ch)
		case <-timer.C:
			c.output.release(key, ch)
			return page, nil
		case <-ctx.Done():
			c.output.release(key, ch)
			return nil, ctx.Err()
		}
	}
}

func (c *Commands) readOutput(ctx context.Context, key InvocationKey, step string, offset int64) (*OutputPage, error) {
	cmd, inv, err := c.store.GetInvocation(ctx, key.CommandID, key.NodeID)
	if errors.Is(err, ErrInvocationNotFound) {
		return nil, steward.Errorf(CodeInvocationDoesNotExist, "Command %s has no invocation on %s.", key.CommandID, key.NodeID)
	}
	if err != nil {
		return nil, err
	}
	if step != "" {
		if _, err := pluginIndex(cmd, step); err != nil {
			return nil, err
		}
	}
	chunks, err := c.store.ReadOutput(ctx, key, step, offset, cmdOutputReadMax)
	if err != nil {
		return nil, err
	}
	page := &OutputPage{NextOffset: offset, Status: inv.Status, StatusDetails: inv.StatusDetails, Steps: cmd.StepNames}
	var stdout, stderr strings.Builder
	size := 0
	for _, ch := range chunks {
		if ch.Stream == "stderr" {
			stderr.Write(ch.Data)
		} else {
			stdout.Write(ch.Data)
		}
		size += len(ch.Data)
		page.NextOffset = ch.Seq
	}
	page.Stdout, page.Stderr = stdout.String(), stderr.String()
	page.Done = inv.Phase == PhaseDone && size < cmdOutputReadMax
	return page, nil
}

// millis truncates a time to the millisecond in UTC (what the store keeps).
func millis(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}
