package ssm

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/schedule"
	"github.com/stewardhq/steward/ssm/document"
)

// AssociationInput is a CreateAssociation (or CreateAssociationBatch entry,
// or UpdateAssociation) request. Members the model has but Steward does not
// support (TargetMaps, TargetLocations, CalendarNames, Duration,
// AutomationTargetParameterName) are refused when given.
type AssociationInput struct {
	Name                    string
	DocumentVersion         string
	InstanceID              string
	Parameters              map[string][]string
	Targets                 []Target
	ScheduleExpression      string
	ScheduleOffset          *int
	ApplyOnlyAtCronInterval bool
	AssociationName         string
	MaxConcurrency          string
	MaxErrors               string
	ComplianceSeverity      string
	SyncCompliance          string
	OutputLocation          *S3OutputLocation
	Tags                    []AssociationTag
	Unsupported             string // name of an unsupported member that was given
}

// AssociationDescription is an association with its status overview.
type AssociationDescription struct {
	*Association
	Status         string // overview Status
	DetailedStatus string
	Counts         map[string]int // nodes by DetailedStatus
}

// checkAssociation applies the model's constraints and State Manager's
// rules, and returns the parsed schedule (ok false when none).
func checkAssociation(in *AssociationInput, update bool) (schedule.Schedule, bool, error) {
	var fe fieldErrors
	if in.Name == "" && !update {
		fe.null("name")
	} else if in.Name != "" {
		fe.docPattern(in.Name, "name", docARNRE, docARNPattern)
	}
	fe.docVersion(in.DocumentVersion, "documentVersion")
	if in.InstanceID != "" {
		fe.docPattern(in.InstanceID, "instanceId", instanceIDRE, instanceIDPattern)
	}
	checkTargets(&fe, in.Targets, "targets")
	fe.length(in.ScheduleExpression, "scheduleExpression", 0, schedule.MaxExpressionLength, false)
	fe.intRange(in.ScheduleOffset, "scheduleOffset", schedule.MinScheduleOffset, schedule.MaxScheduleOffset)
	if in.AssociationName != "" {
		fe.docPattern(in.AssociationName, "associationName", assocNameRE, assocNameRE.String())
	}
	if in.MaxConcurrency != "" {
		fe.length(in.MaxConcurrency, "maxConcurrency", 1, 7, false)
		fe.docPattern(in.MaxConcurrency, "maxConcurrency", maxConcurrencyRE, maxConcurrencyPattern)
	}
	if in.MaxErrors != "" {
		fe.length(in.MaxErrors, "maxErrors", 1, 7, false)
		fe.docPattern(in.MaxErrors, "maxErrors", maxErrorsRE, maxErrorsPattern)
	}
	if in.ComplianceSeverity != "" {
		fe.enum(in.ComplianceSeverity, "complianceSeverity", complianceSeverity...)
	}
	if in.SyncCompliance != "" {
		fe.enum(in.SyncCompliance, "syncCompliance", syncCompliance...)
	}
	if o := in.OutputLocation; o != nil {
		if o.OutputS3Region != "" {
			fe.length(o.OutputS3Region, "outputLocation.s3Location.outputS3Region", cmdS3RegionMin, cmdS3RegionMax, false)
		}
		if o.OutputS3BucketName != "" {
			fe.length(o.OutputS3BucketName, "outputLocation.s3Location.outputS3BucketName", cmdS3BucketMin, cmdS3BucketMax, false)
		}
		fe.length(o.OutputS3KeyPrefix, "outputLocation.s3Location.outputS3KeyPrefix", 0, cmdS3PrefixMax, false)
	}
	for i, t := range in.Tags {
		m := "tags." + strconv.Itoa(i+1) + ".member."
		fe.length(t.Key, m+"key", 1, 128, false)
		fe.length(t.Value, m+"value", 0, 256, false)
	}
	for name, vals := range in.Parameters {
		for i, v := range vals {
			fe.text(v, "parameters."+name+"."+strconv.Itoa(i+1)+".member")
		}
	}
	if err := fe.err(); err != nil {
		return schedule.Schedule{}, false, err
	}
	if in.Unsupported != "" {
		return schedule.Schedule{}, false, steward.Validation("%s is not supported by Steward's State Manager.", in.Unsupported)
	}
	if in.InstanceID != "" && len(in.Targets) > 0 {
		return schedule.Schedule{}, false, steward.Errorf(CodeInvalidTarget, "Specify either InstanceId or Targets, not both.")
	}
	if in.InstanceID == "" && len(in.Targets) == 0 {
		return schedule.Schedule{}, false, steward.Errorf(CodeInvalidTarget, "Specify the managed nodes with Targets or InstanceId.")
	}
	if in.InstanceID != "" && (in.MaxConcurrency != "" || in.MaxErrors != "") {
		return schedule.Schedule{}, false, steward.Errorf(CodeInvalidTarget, "MaxConcurrency and MaxErrors need Targets, not InstanceId.")
	}
	for _, t := range in.Targets {
		if t.Key == "" || len(t.Values) == 0 {
			return schedule.Schedule{}, false, steward.Errorf(CodeInvalidTarget, "Each target needs a key and at least one value.")
		}
		switch {
		case t.Key == NodeFilterInstanceIDs, t.Key == nodeTagKeyFilter:
		case strings.HasPrefix(t.Key, nodeTagFilterPrefix) && len(t.Key) > len(nodeTagFilterPrefix):
		default:
			return schedule.Schedule{}, false, steward.Errorf(CodeInvalidTarget, "The target key %q isn't supported. Use InstanceIds, tag:KEY or tag-key.", t.Key)
		}
	}
	if in.ScheduleExpression == "" {
		if in.ApplyOnlyAtCronInterval {
			return schedule.Schedule{}, false, steward.Errorf(CodeInvalidSchedule, "ApplyOnlyAtCronInterval needs a cron ScheduleExpression.")
		}
		if in.ScheduleOffset != nil {
			return schedule.Schedule{}, false, steward.Errorf(CodeInvalidSchedule, "ScheduleOffset needs a cron ScheduleExpression.")
		}
		return schedule.Schedule{}, false, nil
	}
	s, err := schedule.Parse(in.ScheduleExpression, schedule.SSMAssociation)
	if err != nil {
		return s, false, err
	}
	if s.Kind() == schedule.Rate && in.ApplyOnlyAtCronInterval {
		return s, false, steward.Errorf(CodeInvalidSchedule, "ApplyOnlyAtCronInterval is not supported with rate expressions.")
	}
	if in.ScheduleOffset != nil {
		if s.Kind() != schedule.Cron || !in.ApplyOnlyAtCronInterval {
			return s, false, steward.Errorf(CodeInvalidSchedule, "ScheduleOffset works with cron expressions and ApplyOnlyAtCronInterval only.")
		}
		if s, err = s.WithOffset(*in.ScheduleOffset); err != nil {
			return s, false, err
		}
	}
	return s, true, nil
}

// nextRun is when an association version runs next after after (zero: not
// again). first is true for a new version (creation or update).
func nextRun(a *Association, after time.Time, first bool) time.Time {
	if first && !a.ApplyOnlyAtCronInterval {
		return after
	}
	if a.ScheduleExpression == "" {
		return time.Time{}
	}
	s, err := schedule.Parse(a.ScheduleExpression, schedule.SSMAssociation)
	if err != nil {
		return time.Time{}
	}
	if a.ScheduleOffset != nil {
		if s, err = s.WithOffset(*a.ScheduleOffset); err != nil {
			return time.Time{}
		}
	}
	if s.Kind() == schedule.Cron && a.ScheduleOffset != nil {
		s = s.StartAt(a.Updated)
	}
	t, ok := s.Next(after)
	if !ok {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

// checkDocument resolves the association's document: a Command document
// (Automation associations are not supported), version present.
func (a *Associations) checkDocument(ctx context.Context, name, version string) (string, error) {
	info, _, err := a.docs.lookup(ctx, name, version, "")
	if err != nil {
		return "", err
	}
	if info.Type != document.TypeCommand {
		return "", steward.Errorf(CodeInvalidDocument, "Document %s is of type %s; Steward's State Manager runs Command documents only.", info.Name, info.Type)
	}
	return info.Name, nil
}

func (a *Associations) build(ctx context.Context, in *AssociationInput, update bool) (*Association, error) {
	if _, _, err := checkAssociation(in, update); err != nil {
		return nil, err
	}
	name, err := a.checkDocument(ctx, in.Name, in.DocumentVersion)
	if err != nil {
		return nil, err
	}
	// The parameters must fit the document (rendered as a command would be).
	if _, v, err := a.docs.lookup(ctx, name, in.DocumentVersion, ""); err == nil {
		if _, err := a.cmds.render(ctx, v, in.Parameters); err != nil {
			return nil, err
		}
	}
	as := &Association{
		Name: name, DocumentVersion: in.DocumentVersion, InstanceID: in.InstanceID, Parameters: in.Parameters,
		Targets: in.Targets, ScheduleExpression: in.ScheduleExpression, ScheduleOffset: in.ScheduleOffset,
		ApplyOnlyAtCronInterval: in.ApplyOnlyAtCronInterval, AssociationName: in.AssociationName,
		MaxConcurrency: in.MaxConcurrency, MaxErrors: in.MaxErrors, ComplianceSeverity: in.ComplianceSeverity,
		SyncCompliance: cmpOr(in.SyncCompliance, "AUTO"), OutputLocation: in.OutputLocation, Tags: in.Tags,
	}
	if as.Parameters == nil {
		as.Parameters = map[string][]string{}
	}
	if len(as.Targets) > 0 {
		as.MaxConcurrency = cmpOr(as.MaxConcurrency, assocDefaultConc)
		as.MaxErrors = cmpOr(as.MaxErrors, assocDefaultErrors)
	}
	return as, nil
}

// CreateAssociation creates an association (version 1) and, unless
// ApplyOnlyAtCronInterval, makes it run now.
//
// Errors: ValidationException, InvalidTarget, InvalidSchedule,
// InvalidDocument, InvalidDocumentVersion, InvalidParameters,
// AssociationAlreadyExists (legacy InstanceId form: the document is
// already associated with the node),
// AssociationLimitExceeded.
func (a *Associations) CreateAssociation(ctx context.Context, in AssociationInput) (*AssociationDescription, error) {
	as, err := a.build(ctx, &in, false)
	if err != nil {
		return nil, err
	}
	now := a.now()
	as.AssociationID, as.Version, as.Created, as.Updated = uuid.NewString(), 1, now, now
	as.NextRun = nextRun(as, now, true)
	if err := a.store.CreateAssociation(ctx, as, assocAccountMax); err != nil {
		return nil, assocStoreError(err, as.AssociationID)
	}
	a.wakeLoop()
	return &AssociationDescription{Association: as, Status: AssocPending, DetailedStatus: "Creating", Counts: map[string]int{}}, nil
}

// BatchFailure is a CreateAssociationBatch entry that failed.
type BatchFailure struct {
	Index   int
	Message string
	Fault   string // Client | Server | Unknown
}

// CreateAssociationBatch creates each entry on its own; failures are
// reported per entry.
func (a *Associations) CreateAssociationBatch(ctx context.Context, entries []AssociationInput) ([]*AssociationDescription, []BatchFailure, error) {
	if len(entries) == 0 {
		return nil, nil, steward.Validation("1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	var ok []*AssociationDescription
	var failed []BatchFailure
	for i, e := range entries {
		d, err := a.CreateAssociation(ctx, e)
		if err == nil {
			ok = append(ok, d)
			continue
		}
		var se *steward.Error
		if !errors.As(err, &se) {
			return nil, nil, err
		}
		fault := "Client"
		if se.Code == CodeInternalServerError {
			fault = "Server"
		}
		failed = append(failed, BatchFailure{Index: i, Message: se.Message, Fault: fault})
	}
	return ok, failed, nil
}

// find returns the association an ID, or a document name and node, names.
func (a *Associations) find(ctx context.Context, id, name, instanceID string) (*Association, error) {
	if id != "" {
		if !assocIDRE.MatchString(id) {
			return nil, steward.Validation("1 validation error detected: Value '%s' at 'associationId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", id)
		}
		as, err := a.store.GetAssociation(ctx, id)
		if err != nil {
			return nil, assocStoreError(err, id)
		}
		return as, nil
	}
	if name == "" || instanceID == "" {
		return nil, steward.Errorf(CodeAssociationDoesNotExist, "Specify AssociationId, or Name and InstanceId.")
	}
	all, err := a.store.ListAssociations(ctx)
	if err != nil {
		return nil, err
	}
	for _, as := range all {
		if as.Name == name && as.InstanceID == instanceID {
			return as, nil
		}
	}
	return nil, steward.Errorf(CodeAssociationDoesNotExist, "No association of %s with %s exists.", name, instanceID)
}

// describe adds the status overview.
func (a *Associations) describe(ctx context.Context, as *Association) (*AssociationDescription, error) {
	ts, err := a.store.AssociationStatuses(ctx, as.AssociationID)
	if err != nil {
		return nil, err
	}
	d := &AssociationDescription{Association: as, Counts: map[string]int{}}
	pending, failed := false, false
	for _, t := range ts {
		d.Counts[t.DetailedStatus]++
		switch t.Status {
		case AssocPending:
			pending = true
		case AssocFailed:
			failed = true
		}
	}
	switch {
	case len(ts) == 0 || pending:
		d.Status, d.DetailedStatus = AssocPending, AssocPending
	case failed:
		d.Status, d.DetailedStatus = AssocFailed, AssocFailed
	default:
		d.Status, d.DetailedStatus = AssocSuccess, AssocSuccess
	}
	if len(ts) == 0 && as.LastExecution.IsZero() {
		d.DetailedStatus = "Creating"
	}
	return d, nil
}

// DescribeAssociation returns an association (by ID, or by document name
// and node for the legacy form), optionally one of its versions.
func (a *Associations) DescribeAssociation(ctx context.Context, id, name, instanceID, version string) (*AssociationDescription, error) {
	as, err := a.find(ctx, id, name, instanceID)
	if err != nil {
		return nil, err
	}
	if version != "" && version != "$LATEST" {
		n, err := strconv.Atoi(version)
		if err != nil || n < 1 {
			return nil, steward.Errorf(CodeInvalidAssociationVersion, "The association version %s isn't valid.", version)
		}
		v, err := a.store.GetAssociationVersion(ctx, as.AssociationID, n)
		if errors.Is(err, ErrAssociationNotFound) {
			return nil, steward.Errorf(CodeInvalidAssociationVersion, "The association %s has no version %s.", as.AssociationID, version)
		}
		if err != nil {
			return nil, err
		}
		v.LastExecution, v.LastSuccess = as.LastExecution, as.LastSuccess
		as = v
	}
	return a.describe(ctx, as)
}

// AssociationFilter is a ListAssociations filter.
type AssociationFilter struct{ Key, Value string }

// The AssociationFilterKey enum.
var assocFilterKeys = []string{"InstanceId", "Name", "AssociationId", "AssociationStatusName", "LastExecutedBefore",
	"LastExecutedAfter", "AssociationName", "ResourceGroupName"}

func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func pageOffset(token string) (int, error) {
	if token == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !strings.HasPrefix(string(b), "o:") {
		return 0, steward.Errorf(CodeInvalidNextToken, "The specified token isn't valid.")
	}
	n, err := strconv.Atoi(string(b[2:]))
	if err != nil || n < 0 {
		return 0, steward.Errorf(CodeInvalidNextToken, "The specified token isn't valid.")
	}
	return n, nil
}

func pageOf[T any](all []T, token string, maxResults *int, def, maxN int, member string) ([]T, string, error) {
	var fe fieldErrors
	fe.intRange(maxResults, member, 1, maxN)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	off, err := pageOffset(token)
	if err != nil {
		return nil, "", err
	}
	n := def
	if maxResults != nil {
		n = *maxResults
	}
	if off > len(all) {
		off = len(all)
	}
	end := min(len(all), off+n)
	next := ""
	if end < len(all) {
		next = pageToken(end)
	}
	return all[off:end], next, nil
}

// ListAssociations lists associations (current versions) matching the
// filters, in ID order.
func (a *Associations) ListAssociations(ctx context.Context, filters []AssociationFilter, maxResults *int, token string) ([]*AssociationDescription, string, error) {
	var fe fieldErrors
	for i, f := range filters {
		m := "associationFilterList." + strconv.Itoa(i+1) + ".member."
		fe.enum(f.Key, m+"key", assocFilterKeys...)
		fe.length(f.Value, m+"value", 1, -1, false)
	}
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	all, err := a.store.ListAssociations(ctx)
	if err != nil {
		return nil, "", err
	}
	var out []*AssociationDescription
	for _, as := range all {
		d, err := a.describe(ctx, as)
		if err != nil {
			return nil, "", err
		}
		keep, err := a.matches(ctx, d, filters)
		if err != nil {
			return nil, "", err
		}
		if keep {
			out = append(out, d)
		}
	}
	return pageOf(out, token, maxResults, assocPageDefault, assocPageMax, "maxResults")
}

func (a *Associations) matches(ctx context.Context, d *AssociationDescription, filters []AssociationFilter) (bool, error) {
	for _, f := range filters {
		switch f.Key {
		case "InstanceId":
			if d.InstanceID == f.Value {
				continue
			}
			ts, err := a.store.AssociationStatuses(ctx, d.AssociationID)
			if err != nil {
				return false, err
			}
			if !slices.ContainsFunc(ts, func(t *AssociationTarget) bool { return t.NodeID == f.Value }) {
				return false, nil
			}
		case "Name":
			if d.Name != f.Value {
				return false, nil
			}
		case "AssociationId":
			if d.AssociationID != f.Value {
				return false, nil
			}
		case "AssociationStatusName":
			if d.Status != f.Value {
				return false, nil
			}
		case "AssociationName":
			if d.AssociationName != f.Value {
				return false, nil
			}
		case "LastExecutedBefore", "LastExecutedAfter":
			t, err := time.Parse(time.RFC3339, f.Value)
			if err != nil {
				return false, steward.Validation("The filter value %s isn't a valid date (use yyyy-MM-ddTHH:mm:ssZ).", f.Value)
			}
			if d.LastExecution.IsZero() || (f.Key == "LastExecutedBefore" && !d.LastExecution.Before(t)) ||
				(f.Key == "LastExecutedAfter" && !d.LastExecution.After(t)) {
				return false, nil
			}
		case "ResourceGroupName":
			return false, nil // Steward has no resource groups
		}
	}
	return true, nil
}

// UpdateAssociation replaces an association with a new version (every
// member not given is reset, as AWS does, except the document name and
// AssociationName, which default to the current ones) and, unless
// ApplyOnlyAtCronInterval, makes it run now. version, when given, must be
// the current version (or $LATEST).
func (a *Associations) UpdateAssociation(ctx context.Context, id, version string, in AssociationInput) (*AssociationDescription, error) {
	cur, err := a.find(ctx, id, "", "")
	if err != nil {
		return nil, err
	}
	if version != "" && version != "$LATEST" && version != versionString(cur.Version) {
		return nil, steward.Errorf(CodeInvalidAssociationVersion, "The association version %s isn't the latest version (%d).", version, cur.Version)
	}
	if cur.Version >= assocVersionMax {
		return nil, steward.Errorf(CodeAssociationVersionLimitExceeded, "The association has reached %d versions.", assocVersionMax)
	}
	in.Name = cmpOr(in.Name, cur.Name)
	in.AssociationName = cmpOr(in.AssociationName, cur.AssociationName)
	if len(in.Targets) == 0 && in.InstanceID == "" {
		in.Targets, in.InstanceID = cur.Targets, cur.InstanceID
	}
	as, err := a.build(ctx, &in, true)
	if err != nil {
		return nil, err
	}
	now := a.now()
	as.AssociationID, as.Version, as.Created, as.Updated = cur.AssociationID, cur.Version+1, cur.Created, now
	as.LastExecution, as.LastSuccess, as.Tags = cur.LastExecution, cur.LastSuccess, cur.Tags
	as.NextRun = nextRun(as, now, true)
	if err := a.store.UpdateAssociation(ctx, as, cur.Version); err != nil {
		return nil, assocStoreError(err, id)
	}
	a.wakeLoop()
	return a.describe(ctx, as)
}

// ListAssociationVersions lists an association's versions, oldest first.
func (a *Associations) ListAssociationVersions(ctx context.Context, id string, maxResults *int, token string) ([]*Association, string, error) {
	if _, err := a.find(ctx, id, "", ""); err != nil {
		return nil, "", err
	}
	vs, err := a.store.ListAssociationVersions(ctx, id)
	if err != nil {
		return nil, "", assocStoreError(err, id)
	}
	return pageOf(vs, token, maxResults, assocPageDefault, assocPageMax, "maxResults")
}

// DeleteAssociation deletes an association (by ID, or document name and
// node), its versions, executions and node statuses. Commands it already
// sent run on.
func (a *Associations) DeleteAssociation(ctx context.Context, id, name, instanceID string) error {
	as, err := a.find(ctx, id, name, instanceID)
	if err != nil {
		return err
	}
	return assocStoreError(a.store.DeleteAssociation(ctx, as.AssociationID), as.AssociationID)
}

// StartAssociationsOnce makes associations run now.
func (a *Associations) StartAssociationsOnce(ctx context.Context, ids []string) error {
	if len(ids) == 0 || len(ids) > assocStartOnceMax {
		return steward.Validation("1 validation error detected: Value at 'associationIds' failed to satisfy constraint: Member must have length between 1 and %d", assocStartOnceMax)
	}
	var list []*Association
	for _, id := range ids {
		if !assocIDRE.MatchString(id) {
			return steward.Errorf(CodeInvalidAssociation, "The association ID %s isn't valid.", id)
		}
		as, err := a.store.GetAssociation(ctx, id)
		if err != nil {
			return assocStoreError(err, id)
		}
		list = append(list, as)
	}
	now := a.now()
	for _, as := range list {
		if err := a.store.SetNextRun(ctx, as.AssociationID, as.Version, now); err != nil {
			return err
		}
	}
	a.wakeLoop()
	return nil
}

// InstanceAssociationStatus is DescribeInstanceAssociationsStatus's answer
// for one association of a node.
type InstanceAssociationStatus = AssociationTarget

// DescribeInstanceAssociationsStatus returns a node's status in every
// association that has targeted it, by association ID.
// NodeOverview is what DescribeInstanceInformation shows of a node's
// associations: their aggregate status and the status counts, and the
// latest (successful) execution dates.
type NodeOverview struct {
	Status            string         // Failed when one failed, else Pending when one is pending or running, else Success
	Counts            map[string]int // by status
	LastExecution     time.Time
	LastSuccessfulRun time.Time
}

// Overviews returns the NodeOverview of each of nodeIDs that has
// associations, in one query.
func (a *Associations) Overviews(ctx context.Context, nodeIDs []string) (map[string]NodeOverview, error) {
	if len(nodeIDs) == 0 {
		return map[string]NodeOverview{}, nil
	}
	byNode, err := a.store.NodesStatuses(ctx, nodeIDs)
	if err != nil {
		return nil, steward.Internal(err)
	}
	out := make(map[string]NodeOverview, len(byNode))
	for id, ts := range byNode {
		o := NodeOverview{Counts: map[string]int{}}
		failed, pending := false, false
		for _, t := range ts {
			o.Counts[t.Status]++
			switch t.Status {
			case "Failed":
				failed = true
			case "Success":
				if t.ExecutionDate.After(o.LastSuccessfulRun) {
					o.LastSuccessfulRun = t.ExecutionDate
				}
			default:
				pending = true
			}
			if t.ExecutionDate.After(o.LastExecution) {
				o.LastExecution = t.ExecutionDate
			}
		}
		switch {
		case failed:
			o.Status = "Failed"
		case pending:
			o.Status = "Pending"
		default:
			o.Status = "Success"
		}
		out[id] = o
	}
	return out, nil
}

// CountByNode returns how many associations each node has, the count
// DescribeInstanceAssociationsStatus lists (limit: 20 per node), in one
// query for all of nodeIDs.
func (a *Associations) CountByNode(ctx context.Context, nodeIDs []string) (map[string]int, error) {
	if len(nodeIDs) == 0 {
		return map[string]int{}, nil
	}
	m, err := a.store.NodeCounts(ctx, nodeIDs)
	if err != nil {
		return nil, steward.Internal(err)
	}
	return m, nil
}

func (a *Associations) DescribeInstanceAssociationsStatus(ctx context.Context, instanceID string, maxResults *int, token string) ([]*AssociationTarget, string, error) {
	var fe fieldErrors
	if instanceID == "" {
		fe.null("instanceId")
	} else {
		fe.docPattern(instanceID, "instanceId", instanceIDRE, instanceIDPattern)
	}
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	if _, err := a.nodes.ResolveTargets(ctx, []string{instanceID}, nil); err != nil {
		return nil, "", err
	}
	ts, err := a.store.NodeStatuses(ctx, instanceID)
	if err != nil {
		return nil, "", err
	}
	return pageOf(ts, token, maxResults, assocPageDefault, assocPageMax, "maxResults")
}

// DescribeAssociationExecutions lists an association's executions, newest
// first. Filters are not supported yet (refused).
func (a *Associations) DescribeAssociationExecutions(ctx context.Context, id string, filtered bool, maxResults *int, token string) ([]*AssociationExecution, string, error) {
	if _, err := a.find(ctx, id, "", ""); err != nil {
		return nil, "", err
	}
	if filtered {
		return nil, "", steward.Validation("Filters on association executions are not supported by Steward.")
	}
	es, err := a.store.ListExecutions(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return pageOf(es, token, maxResults, assocExecPageMax, assocExecPageMax, "maxResults")
}

// DescribeAssociationExecutionTargets lists the nodes of an execution, by
// node ID; filters (Status, ResourceId, ResourceType) apply.
func (a *Associations) DescribeAssociationExecutionTargets(ctx context.Context, id, execID string, filters []AssociationFilter, maxResults *int, token string) ([]*AssociationTarget, string, error) {
	if _, err := a.find(ctx, id, "", ""); err != nil {
		return nil, "", err
	}
	if _, err := a.store.GetExecution(ctx, id, execID); err != nil {
		return nil, "", assocStoreError(err, id)
	}
	var fe fieldErrors
	for i, f := range filters {
		fe.enum(f.Key, "filters."+strconv.Itoa(i+1)+".member.key", "Status", "ResourceId", "ResourceType")
	}
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	ts, err := a.store.ExecutionTargets(ctx, id, execID)
	if err != nil {
		return nil, "", err
	}
	out := ts[:0:0]
	for _, t := range ts {
		keep := true
		for _, f := range filters {
			switch f.Key {
			case "Status":
				keep = keep && t.Status == f.Value
			case "ResourceId":
				keep = keep && t.NodeID == f.Value
			case "ResourceType":
				keep = keep && f.Value == "ManagedInstance"
			}
		}
		if keep {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].NodeID < out[j].NodeID })
	return pageOf(out, token, maxResults, assocExecPageMax, assocExecPageMax, "maxResults")
}
