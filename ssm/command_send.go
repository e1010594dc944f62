package ssm

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/ssm/document"
)

// SendCommandInput is a SendCommand request. Nil pointers are absent members.
type SendCommandInput struct {
	InstanceIDs            []string
	Targets                []Target
	DocumentName           string
	DocumentVersion        string
	DocumentHash           string
	DocumentHashType       string
	TimeoutSeconds         *int
	Comment                string
	Parameters             map[string][]string
	OutputS3Region         string
	OutputS3BucketName     string
	OutputS3KeyPrefix      string
	MaxConcurrency         string
	MaxErrors              string
	ServiceRoleArn         string
	NotificationConfig     *NotificationConfig
	CloudWatchOutputConfig *CloudWatchOutputConfig
	AlarmConfiguration     *AlarmConfiguration
}

// The API model's patterns for Run Command members.
const (
	instanceIDPattern     = `(^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)`
	maxConcurrencyPattern = `^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$`
	maxErrorsPattern      = `^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$`
	targetKeyPattern      = `^[\p{L}\p{Z}\p{N}_.:/=\-@]*$|resource-groups:ResourceTypeFilters|resource-groups:Name`
	logGroupPattern       = `[\.\-_/#A-Za-z0-9]+`
)

var (
	instanceIDRE     = regexp.MustCompile(instanceIDPattern)
	maxConcurrencyRE = regexp.MustCompile(maxConcurrencyPattern)
	maxErrorsRE      = regexp.MustCompile(maxErrorsPattern)
	targetKeyRE      = regexp.MustCompile(targetKeyPattern)
	logGroupRE       = regexp.MustCompile(`^` + logGroupPattern + `$`)
)

// The NotificationEvent and NotificationType enums.
var (
	notificationEvents = []string{"All", "InProgress", "Success", "TimedOut", "Cancelled", "Failed"}
	notificationTypes  = []string{"Command", "Invocation"}
)

// SendCommand runs a Command document on managed nodes: the nodes InstanceIDs
// names, or those Targets select (resolved once, now). The command and one
// invocation per node are stored at once; the first dispatch happens in the
// same transaction and the chosen nodes are woken.
//
// Errors: ValidationException for members outside the model's constraints,
// DuplicateInstanceId, InvalidInstanceId (from the node directory),
// InvalidDocument (unknown, not a Command document, or a hash mismatch),
// InvalidDocumentVersion, InvalidParameters, MaxDocumentSizeExceeded.
func (c *Commands) SendCommand(ctx context.Context, in SendCommandInput) (*CommandRecord, error) {
	if err := checkSendCommand(in); err != nil {
		return nil, err
	}
	if len(in.InstanceIDs) > 0 && len(in.Targets) > 0 {
		return nil, steward.Validation("Specify either InstanceIds or Targets, not both.")
	}
	if len(in.InstanceIDs) == 0 && len(in.Targets) == 0 {
		return nil, steward.Validation("Specify the managed nodes to run the command on, with InstanceIds or Targets.")
	}
	seen := make(map[string]bool, len(in.InstanceIDs))
	for _, id := range in.InstanceIDs {
		if seen[id] {
			return nil, steward.Errorf(CodeDuplicateInstanceID, "Instance ID %s is given more than once.", id)
		}
		seen[id] = true
	}
	return c.send(ctx, in, nil)
}

// sendToNodes sends a command on behalf of State Manager: in names the
// document, parameters, rate control and the Targets echoed on the command;
// nodes are the nodes to run on, already resolved (and limited) by the
// caller. in is not checked against the SendCommand model (an association's
// targets may select more than 50 nodes).
func (c *Commands) sendToNodes(ctx context.Context, in SendCommandInput, nodes []NodeRef) (*CommandRecord, error) {
	if nodes == nil {
		nodes = []NodeRef{}
	}
	return c.send(ctx, in, nodes)
}

// send is SendCommand after the request checks; resolved, when not nil, are
// the nodes to run on (else in's InstanceIDs or Targets are resolved now).
func (c *Commands) send(ctx context.Context, in SendCommandInput, resolved []NodeRef) (*CommandRecord, error) {
	info, v, err := c.docs.lookup(ctx, in.DocumentName, in.DocumentVersion, "")
	if err != nil {
		return nil, err
	}
	if info.Type != document.TypeCommand {
		return nil, steward.Errorf(CodeInvalidDocument, "Document %s is of type %s; SendCommand runs Command documents only.", info.Name, info.Type)
	}
	if in.DocumentHash != "" && !hashMatches(v, in.DocumentHash, in.DocumentHashType) {
		return nil, steward.Errorf(CodeInvalidDocument, "The document hash does not match document %s version %d.", info.Name, v.Version)
	}
	doc, err := c.render(ctx, v, in.Parameters)
	if err != nil {
		return nil, err
	}
	nodes := resolved
	if nodes == nil {
		if nodes, err = c.nodes.ResolveTargets(ctx, in.InstanceIDs, in.Targets); err != nil {
			return nil, err
		}
	}

	now := c.now()
	timeout := cmdTimeoutDefault
	if in.TimeoutSeconds != nil {
		timeout = *in.TimeoutSeconds
	}
	cmd := &CommandRecord{
		CommandID:        uuid.NewString(),
		DocumentName:     info.Name,
		DocumentVersion:  in.DocumentVersion,
		SchemaVersion:    doc.schema,
		Steps:            doc.stepsJSON,
		StepNames:        doc.names,
		SecureRefs:       doc.secureRefs,
		Comment:          in.Comment,
		Parameters:       in.Parameters,
		InstanceIDs:      in.InstanceIDs,
		Targets:          in.Targets,
		RequestedAt:      now,
		Deadline:         now.Add(time.Duration(timeout) * time.Second),
		TimeoutSeconds:   timeout,
		ExecutionTimeout: doc.execTimeout,
		OutputS3Region:   cmpOr(in.OutputS3Region, c.env.Region),
		OutputS3Bucket:   in.OutputS3BucketName,
		OutputS3Prefix:   in.OutputS3KeyPrefix,
		MaxConcurrency:   cmpOr(in.MaxConcurrency, cmdDefaultConcurrency),
		MaxErrors:        cmpOr(in.MaxErrors, cmdDefaultErrors),
		ServiceRole:      in.ServiceRoleArn,
		Alarms:           in.AlarmConfiguration,
		Status:           CmdPending,
		StatusDetails:    CmdPending,
	}
	cmd.ExpiresAt = cmd.Deadline.Add(time.Duration(doc.execTimeout) * time.Second)
	if cmd.DocumentVersion == "" {
		cmd.DocumentVersion = "$DEFAULT"
	}
	if cmd.Parameters == nil {
		cmd.Parameters = map[string][]string{}
	}
	if in.NotificationConfig != nil {
		cmd.Notification = *in.NotificationConfig
	}
	if in.CloudWatchOutputConfig != nil {
		cmd.CloudWatch = *in.CloudWatchOutputConfig
	}
	cmd.Counters.Target = len(nodes)
	cmd.ConcurrencyLimit, _ = parseMaxConcurrency(cmd.MaxConcurrency, len(nodes))
	cmd.ErrorLimit, _ = parseMaxErrors(cmd.MaxErrors, len(nodes))

	invs := make([]*InvocationRecord, len(nodes))
	var invalid []string
	for i, n := range nodes {
		inv := &InvocationRecord{
			CommandID: cmd.CommandID, NodeID: n.ID, Seq: i, Status: CmdPending, StatusDetails: CmdPending,
			Offline: n.PingStatus != "" && n.PingStatus != "Online", RequestedAt: now, ResponseCode: -1,
		}
		if n.PlatformType != "" && !slices.Contains(doc.platforms, n.PlatformType) {
			inv.Phase, inv.Status, inv.StatusDetails, inv.FinishedAt = PhaseDone, CmdFailed, DetailInvalidPlatform, now
			invalid = append(invalid, n.ID)
		}
		invs[i] = inv
	}

	var wake []string
	var created *CommandRecord
	err = c.store.CreateCommand(ctx, cmd, invs, func(tx CommandTx) error {
		cur, err := tx.Command(ctx)
		if err != nil {
			return err
		}
		st := newStep(c, tx, cur, now)
		st.status = "" // the creation is a status change
		for _, id := range invalid {
			st.terminal(CmdFailed, DetailInvalidPlatform, false, false)
			st.invocationEvent(id, CmdFailed)
		}
		wake, err = st.finish(ctx)
		created = cur
		return err
	})
	if err != nil {
		return nil, err
	}
	c.deliver(ctx, created, wake)
	if len(nodes) == 0 {
		// Accepted as Pending; settles at NoInstancesInTag now (the sweeper
		// settles it after a crash).
		if err := c.expire(ctx, cmd.CommandID, now); err != nil {
			return nil, err
		}
	}
	out := *cmd
	out.Steps = nil
	out.Status, out.StatusDetails, out.Done, out.Stopped, out.Counters = created.Status, created.StatusDetails, created.Done, created.Stopped, created.Counters
	return &out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// hashMatches checks a DocumentHash: Sha256 (the default) or the deprecated
// Sha1, in hex, of the version's content.
func hashMatches(v *DocumentVersion, hash, hashType string) bool {
	if hashType == "Sha1" {
		sum := sha1.Sum([]byte(v.Content))
		return strings.EqualFold(hex.EncodeToString(sum[:]), hash)
	}
	return strings.EqualFold(v.Hash, hash)
}

// checkSendCommand applies the API model's constraints.
func checkSendCommand(in SendCommandInput) error {
	var fe fieldErrors
	if in.DocumentName == "" {
		fe.null("documentName")
	} else {
		fe.docPattern(in.DocumentName, "documentName", docARNRE, docARNPattern)
	}
	fe.docVersion(in.DocumentVersion, "documentVersion")
	fe.length(in.DocumentHash, "documentHash", 0, cmdHashMax, false)
	if in.DocumentHashType != "" {
		fe.enum(in.DocumentHashType, "documentHashType", "Sha256", "Sha1")
	}
	checkInstanceIDs(&fe, in.InstanceIDs, "instanceIds")
	checkTargets(&fe, in.Targets, "targets")
	fe.intRange(in.TimeoutSeconds, "timeoutSeconds", cmdTimeoutMin, cmdTimeoutMax)
	fe.length(in.Comment, "comment", 0, cmdCommentMax, false)
	if in.OutputS3Region != "" {
		fe.length(in.OutputS3Region, "outputS3Region", cmdS3RegionMin, cmdS3RegionMax, false)
	}
	if in.OutputS3BucketName != "" {
		fe.length(in.OutputS3BucketName, "outputS3BucketName", cmdS3BucketMin, cmdS3BucketMax, false)
	}
	fe.length(in.OutputS3KeyPrefix, "outputS3KeyPrefix", 0, cmdS3PrefixMax, false)
	if in.MaxConcurrency != "" {
		fe.length(in.MaxConcurrency, "maxConcurrency", 1, 7, false)
		fe.docPattern(in.MaxConcurrency, "maxConcurrency", maxConcurrencyRE, maxConcurrencyPattern)
	}
	if in.MaxErrors != "" {
		fe.length(in.MaxErrors, "maxErrors", 1, 7, false)
		fe.docPattern(in.MaxErrors, "maxErrors", maxErrorsRE, maxErrorsPattern)
	}
	if n := in.NotificationConfig; n != nil {
		for i, e := range n.NotificationEvents {
			fe.enum(e, "notificationConfig.notificationEvents."+strconv.Itoa(i+1)+".member", notificationEvents...)
		}
		if n.NotificationType != "" {
			fe.enum(n.NotificationType, "notificationConfig.notificationType", notificationTypes...)
		}
	}
	if cw := in.CloudWatchOutputConfig; cw != nil && cw.CloudWatchLogGroupName != "" {
		fe.length(cw.CloudWatchLogGroupName, "cloudWatchOutputConfig.cloudWatchLogGroupName", 1, cmdLogGroupMax, false)
		fe.docPattern(cw.CloudWatchLogGroupName, "cloudWatchOutputConfig.cloudWatchLogGroupName", logGroupRE, logGroupPattern)
	}
	if a := in.AlarmConfiguration; a != nil {
		fe.listLen(a.Alarms, "alarmConfiguration.alarms", 1, 1)
		for i, name := range a.Alarms {
			fe.length(name, "alarmConfiguration.alarms."+strconv.Itoa(i+1)+".member.name", 1, 255, false)
		}
	}
	for name, vals := range in.Parameters {
		for i, v := range vals {
			fe.text(v, "parameters."+name+"."+strconv.Itoa(i+1)+".member")
		}
	}
	return fe.err()
}

func checkInstanceIDs(fe *fieldErrors, ids []string, member string) {
	if len(ids) > cmdInstanceIDsMax {
		fe.add("["+strconv.Itoa(len(ids))+" ids]", member, "Member must have length less than or equal to "+strconv.Itoa(cmdInstanceIDsMax))
	}
	for i, id := range ids {
		fe.docPattern(id, member+"."+strconv.Itoa(i+1)+".member", instanceIDRE, instanceIDPattern)
	}
}

func checkTargets(fe *fieldErrors, targets []Target, member string) {
	if len(targets) > cmdTargetsMax {
		fe.add("["+strconv.Itoa(len(targets))+" targets]", member, "Member must have length less than or equal to "+strconv.Itoa(cmdTargetsMax))
	}
	for i, t := range targets {
		m := member + "." + strconv.Itoa(i+1) + ".member."
		fe.length(t.Key, m+"key", 1, 163, false)
		if t.Key != "" {
			fe.docPattern(t.Key, m+"key", targetKeyRE, targetKeyPattern)
		}
		if len(t.Values) > cmdTargetValuesMax {
			fe.add("["+strconv.Itoa(len(t.Values))+" values]", m+"values", "Member must have length less than or equal to "+strconv.Itoa(cmdTargetValuesMax))
		}
	}
}

// parseMaxConcurrency resolves MaxConcurrency against the target count: a
// number, or a percentage rounded up; at least 1.
func parseMaxConcurrency(s string, targets int) (int, error) {
	if !maxConcurrencyRE.MatchString(s) {
		return 0, errors.New("MaxConcurrency must be a number from 1 or a percentage from 1% to 100%")
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		pct, _ := strconv.Atoi(p)
		return max(1, (pct*targets+99)/100), nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, err
	}
	return max(1, n), nil
}

// parseMaxErrors resolves MaxErrors against the target count: a number, or a
// percentage rounded down.
func parseMaxErrors(s string, targets int) (int, error) {
	if !maxErrorsRE.MatchString(s) {
		return 0, errors.New("MaxErrors must be a number from 0 or a percentage from 0% to 100%")
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		pct, _ := strconv.Atoi(p)
		return pct * targets / 100, nil
	}
	return strconv.Atoi(s)
}
