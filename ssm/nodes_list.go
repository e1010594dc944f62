package ssm

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// DescribeInstanceInformation and target resolution.

// Listing and targeting limits (API model).
const (
	nodeFilterValuesMax      = 100 // InstanceInformationFilterValueSet
	nodePageMin              = 5   // MaxResultsEC2Compatible
	nodePageMax              = 50
	nodeDefaultPageSize      = 10 // "The default value is 10 items."
	nodeTargetsMax           = 5  // Targets
	nodeTargetKeyMax         = 163
	nodeTargetValuesMax      = 50 // TargetValues
	nodeTagFilterPrefix      = "tag:"
	nodeTagKeyFilter         = "tag-key"
	nodeTargetResourceGroups = "resource-groups:"
)

// InstanceInformationFilter keys (the legacy InstanceInformationFilterList
// accepts exactly these; Filters accepts them too).
const (
	NodeFilterInstanceIDs       = "InstanceIds"
	NodeFilterAgentVersion      = "AgentVersion"
	NodeFilterPingStatus        = "PingStatus"
	NodeFilterPlatformTypes     = "PlatformTypes"
	NodeFilterActivationIDs     = "ActivationIds"
	NodeFilterIamRole           = "IamRole"
	NodeFilterResourceType      = "ResourceType"
	NodeFilterAssociationStatus = "AssociationStatus"
)

// Keys only Filters (InstanceInformationStringFilter) accepts, besides
// tag:KEY and tag-key.
const (
	NodeFilterPlatformType = "PlatformType"
	NodeFilterSourceIDs    = "SourceIds"
	NodeFilterSourceTypes  = "SourceTypes"
)

var nodeLegacyFilterKeys = []string{
	NodeFilterInstanceIDs, NodeFilterAgentVersion, NodeFilterPingStatus, NodeFilterPlatformTypes,
	NodeFilterActivationIDs, NodeFilterIamRole, NodeFilterResourceType, NodeFilterAssociationStatus,
}

var (
	// nodeTargetKeyRE is the TargetKey pattern (its other branches,
	// resource-groups:Name and resource-groups:ResourceTypeFilters, match the
	// first one already).
	nodeTargetKeyRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=\-@]*$`)

	nodeResourceTypes = []string{ResourceManagedInstance, "EC2Instance"}
	nodeSourceTypes   = []string{"AWS::EC2::Instance", "AWS::IoT::Thing", SourceTypeManagedInstance}
	nodePingStatuses  = []string{PingOnline, PingConnectionLost, PingInactive}
)

// InstanceInformationFilter is one filter of DescribeInstanceInformation,
// from either list (the legacy list's key and valueSet, or Filters' Key and
// Values).
type InstanceInformationFilter struct {
	Key    string
	Values []string
}

// DescribeInstanceInformationInput is a DescribeInstanceInformation request.
type DescribeInstanceInformationInput struct {
	InstanceInformationFilterList []InstanceInformationFilter
	Filters                       []InstanceInformationFilter
	MaxResults                    *int
	NextToken                     string
}

// InstanceInformation describes a node as DescribeInstanceInformation
// returns it. Association fields are not reported yet (State Manager).
type InstanceInformation struct {
	InstanceID       string
	PingStatus       string
	LastPingDateTime time.Time // zero: never
	AgentVersion     string
	IsLatestVersion  bool
	PlatformType     string
	PlatformName     string
	PlatformVersion  string
	ActivationID     string
	IamRole          string
	RegistrationDate time.Time
	ResourceType     string // ManagedInstance
	Name             string
	IPAddress        string
	ComputerName     string
	SourceID         string // the node ID
	SourceType       string // AWS::SSM::ManagedInstance
	// Associations is the node's State Manager overview; nil without
	// associations (or without State Manager).
	Associations *NodeOverview
}

// InstanceInformationList is a page of DescribeInstanceInformation.
type InstanceInformationList struct {
	Instances []*InstanceInformation // never nil
	NextToken string
}

// DescribeInstanceInformation lists registered nodes in ID order, narrowed by
// the legacy InstanceInformationFilterList or by Filters (not both). Filters
// AND together, values of one filter OR. Beyond the legacy keys, Filters
// takes PlatformType, SourceIds, SourceTypes, tag:KEY (tag KEY has one of
// the values) and tag-key (the node has one of the tag keys). AWS documents
// that tag filters cannot be combined with others; Steward ANDs them.
//
// An instance ID that is not one (pattern) is InvalidInstanceId; IDs that
// are well-formed but unknown are simply not listed. A value outside the
// enum of PingStatus, PlatformType(s), ResourceType or SourceTypes is
// InvalidInstanceInformationFilterValue; an unknown key in Filters is
// InvalidFilterKey.
func (n *Nodes) DescribeInstanceInformation(ctx context.Context, in DescribeInstanceInformationInput) (*InstanceInformationList, error) {
	var fe fieldErrors
	fe.intRange(in.MaxResults, "maxResults", nodePageMin, nodePageMax)
	for i, f := range in.InstanceInformationFilterList {
		m := "instanceInformationFilterList." + strconv.Itoa(i+1) + ".member"
		if f.Key == "" {
			fe.null(m + ".key")
		} else {
			fe.enum(f.Key, m+".key", nodeLegacyFilterKeys...)
		}
		checkNodeFilterValues(&fe, f.Values, m+".valueSet")
	}
	for i, f := range in.Filters {
		m := "filters." + strconv.Itoa(i+1) + ".member"
		if f.Key == "" {
			fe.null(m + ".key")
		}
		checkNodeFilterValues(&fe, f.Values, m+".values")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if len(in.InstanceInformationFilterList) > 0 && len(in.Filters) > 0 {
		return nil, steward.Validation("InstanceInformationFilterList and Filters cannot be used together; use Filters (InstanceInformationFilterList is deprecated).")
	}
	filters, legacy := in.Filters, false
	if len(in.InstanceInformationFilterList) > 0 {
		filters, legacy = in.InstanceInformationFilterList, true
	}
	q := NodeQuery{OnlineSince: n.onlineSince(), Token: in.NextToken, Limit: nodeDefaultPageSize}
	if in.MaxResults != nil {
		q.Limit = *in.MaxResults
	}
	none := false
	for _, f := range filters {
		cond, matchesNone, err := nodeFilterCondition(f, legacy)
		if err != nil {
			return nil, err
		}
		none = none || matchesNone
		if cond != nil {
			q.Conditions = append(q.Conditions, *cond)
		}
	}
	out := &InstanceInformationList{Instances: []*InstanceInformation{}}
	if none {
		return out, nil
	}
	recs, next, err := n.store.ListNodes(ctx, q)
	if err != nil {
		return nil, nodeStoreError(err)
	}
	for _, r := range recs {
		out.Instances = append(out.Instances, n.instanceInformation(r, q.OnlineSince))
	}
	out.NextToken = next
	if n.assocs != nil && len(out.Instances) > 0 {
		ids := make([]string, len(out.Instances))
		for i, in := range out.Instances {
			ids[i] = in.InstanceID
		}
		overviews, err := n.assocs.Overviews(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, in := range out.Instances {
			if o, ok := overviews[in.InstanceID]; ok {
				in.Associations = &o
			}
		}
	}
	return out, nil
}

func checkNodeFilterValues(fe *fieldErrors, values []string, member string) {
	switch {
	case values == nil:
		fe.null(member)
		return
	case len(values) == 0:
		fe.add("[]", member, "Member must have length greater than or equal to 1")
	case len(values) > nodeFilterValuesMax:
		fe.add(fmt.Sprintf("[%d values]", len(values)), member, fmt.Sprintf("Member must have length less than or equal to %d", nodeFilterValuesMax))
	}
	for j, v := range values {
		fe.length(v, member+"."+strconv.Itoa(j+1)+".member", 1, -1, false)
	}
}

// nodeFilterCondition translates one filter into a store condition (nil when
// it selects every node) or reports that it selects none.
func nodeFilterCondition(f InstanceInformationFilter, legacy bool) (cond *NodeCondition, none bool, err error) {
	in := func(field NodeField) (*NodeCondition, bool, error) {
		return &NodeCondition{Field: field, Values: f.Values}, false, nil
	}
	enum := func(allowed []string) error {
		for _, v := range f.Values {
			if !slices.Contains(allowed, v) {
				return steward.Errorf(CodeInvalidInstanceInformationFilterValue, "The value %q isn't valid for the filter %s. Valid values: %s.", v, f.Key, strings.Join(allowed, ", "))
			}
		}
		return nil
	}
	switch f.Key {
	case NodeFilterInstanceIDs:
		for _, v := range f.Values {
			if !nodeInstanceIDRE.MatchString(v) {
				return nil, false, steward.Errorf(CodeNodeInvalidInstanceID, "The instance ID %q isn't valid.", v)
			}
		}
		return in(NodeIDIs)
	case NodeFilterAgentVersion:
		return in(NodeAgentVersionIs)
	case NodeFilterActivationIDs:
		return in(NodeActivationIs)
	case NodeFilterIamRole:
		return in(NodeIamRoleIs)
	case NodeFilterPingStatus:
		if err := enum(nodePingStatuses); err != nil {
			return nil, false, err
		}
		online, lost := slices.Contains(f.Values, PingOnline), slices.Contains(f.Values, PingConnectionLost)
		switch {
		case online && lost:
			return nil, false, nil
		case online:
			return &NodeCondition{Field: NodeOnline}, false, nil
		case lost:
			return &NodeCondition{Field: NodeConnectionLost}, false, nil
		}
		return nil, true, nil // Inactive only: never reported
	case NodeFilterResourceType:
		if err := enum(nodeResourceTypes); err != nil {
			return nil, false, err
		}
		return nil, !slices.Contains(f.Values, ResourceManagedInstance), nil
	case NodeFilterPlatformTypes:
		if err := enum(nodePlatformTypes); err != nil {
			return nil, false, err
		}
		return in(NodePlatformTypeIs)
	case NodeFilterAssociationStatus:
		// No node has an association status until State Manager exists.
		return nil, true, nil
	}
	if legacy {
		// Not reached: the legacy keys are an enum checked before.
		return nil, false, steward.Errorf(CodeNodeInvalidFilterKey, "The filter key %q isn't valid.", f.Key)
	}
	switch {
	case f.Key == NodeFilterPlatformType:
		if err := enum(nodePlatformTypes); err != nil {
			return nil, false, err
		}
		return in(NodePlatformTypeIs)
	case f.Key == NodeFilterSourceIDs:
		return in(NodeIDIs)
	case f.Key == NodeFilterSourceTypes:
		if err := enum(nodeSourceTypes); err != nil {
			return nil, false, err
		}
		return nil, !slices.Contains(f.Values, SourceTypeManagedInstance), nil
	case f.Key == nodeTagKeyFilter:
		return in(NodeTagKey)
	case strings.HasPrefix(f.Key, nodeTagFilterPrefix) && len(f.Key) > len(nodeTagFilterPrefix):
		return &NodeCondition{Field: NodeTag, TagKey: strings.TrimPrefix(f.Key, nodeTagFilterPrefix), Values: f.Values}, false, nil
	}
	return nil, false, steward.Errorf(CodeNodeInvalidFilterKey, "The filter key %q isn't valid. Valid keys: ActivationIds, AgentVersion, AssociationStatus, IamRole, InstanceIds, PingStatus, PlatformType, ResourceType, SourceIds, SourceTypes, tag-key, tag:{keyname}.", f.Key)
}

func (n *Nodes) instanceInformation(r *NodeRecord, onlineSince time.Time) *InstanceInformation {
	return &InstanceInformation{
		InstanceID: r.ID, PingStatus: nodePingStatus(r.LastPing, onlineSince), LastPingDateTime: r.LastPing, AgentVersion: r.Facts.AgentVersion,
		IsLatestVersion: n.latestAgent != "" && r.Facts.AgentVersion == n.latestAgent,
		PlatformType:    r.Facts.PlatformType, PlatformName: r.Facts.PlatformName, PlatformVersion: r.Facts.PlatformVersion,
		ActivationID: r.ActivationID, IamRole: r.IamRole, RegistrationDate: r.RegistrationDate,
		ResourceType: ResourceManagedInstance, Name: r.Name, IPAddress: r.Facts.IPAddress, ComputerName: r.Facts.ComputerName,
		SourceID: r.ID, SourceType: SourceTypeManagedInstance,
	}
}

// ResolveTargets implements NodeDirectory.
//
// instanceIDs must match the InstanceId pattern (else ValidationException)
// and name registered nodes (else InvalidInstanceId, naming the unknown
// ones); duplicates count once. Targets (at most 5, at most 50 values each)
// take the keys InstanceIds (values OR; "*" selects every node, as State
// Manager uses it), tag:KEY (the node's tag KEY has one of the values) and
// tag-key (the node has one of the tag keys); keys AND together. A target
// without values selects nothing. resource-groups:Name and
// resource-groups:ResourceTypeFilters are InvalidTarget (no resource
// groups here), and so is any other key. Giving both instanceIDs and
// targets is a ValidationException; giving neither selects nothing.
func (n *Nodes) ResolveTargets(ctx context.Context, instanceIDs []string, targets []Target) ([]NodeRef, error) {
	var fe fieldErrors
	for i, id := range instanceIDs {
		if !nodeInstanceIDRE.MatchString(id) {
			fe.add(id, "instanceIds."+strconv.Itoa(i+1)+".member", `Member must satisfy regular expression pattern: (^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)`)
		}
	}
	if len(targets) > nodeTargetsMax {
		fe.add(fmt.Sprintf("[%d targets]", len(targets)), "targets", fmt.Sprintf("Member must have length less than or equal to %d", nodeTargetsMax))
	}
	for i, t := range targets {
		m := "targets." + strconv.Itoa(i+1) + ".member"
		fe.length(t.Key, m+".key", 1, nodeTargetKeyMax, false)
		if !nodeTargetKeyRE.MatchString(t.Key) {
			fe.add(t.Key, m+".key", `Member must satisfy regular expression pattern: ^[\p{L}\p{Z}\p{N}_.:/=\-@]*$|resource-groups:ResourceTypeFilters|resource-groups:Name`)
		}
		if len(t.Values) > nodeTargetValuesMax {
			fe.add(fmt.Sprintf("[%d values]", len(t.Values)), m+".values", fmt.Sprintf("Member must have length less than or equal to %d", nodeTargetValuesMax))
		}
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if len(instanceIDs) > 0 && len(targets) > 0 {
		return nil, steward.Validation("Specify either InstanceIds or Targets, not both.")
	}
	if len(instanceIDs) > 0 {
		return n.resolveInstanceIDs(ctx, instanceIDs)
	}
	if len(targets) == 0 {
		return []NodeRef{}, nil
	}
	q := NodeQuery{OnlineSince: n.onlineSince()}
	none := false
	for _, t := range targets {
		switch {
		case t.Key == NodeFilterInstanceIDs:
			if slices.Contains(t.Values, "*") {
				continue // every node
			}
			for _, v := range t.Values {
				if !nodeInstanceIDRE.MatchString(v) {
					return nil, steward.Errorf(CodeNodeInvalidInstanceID, "The instance ID %q isn't valid.", v)
				}
			}
			q.Conditions = append(q.Conditions, NodeCondition{Field: NodeIDIs, Values: t.Values})
		case strings.HasPrefix(t.Key, nodeTagFilterPrefix) && len(t.Key) > len(nodeTagFilterPrefix):
			q.Conditions = append(q.Conditions, NodeCondition{Field: NodeTag, TagKey: strings.TrimPrefix(t.Key, nodeTagFilterPrefix), Values: t.Values})
		case t.Key == nodeTagKeyFilter:
			q.Conditions = append(q.Conditions, NodeCondition{Field: NodeTagKey, Values: t.Values})
		case strings.HasPrefix(t.Key, nodeTargetResourceGroups):
			return nil, steward.Errorf(CodeNodeInvalidTarget, "Targets with key %s are not supported: Steward has no resource groups. Use tag:KEY, tag-key or InstanceIds.", t.Key)
		default:
			return nil, steward.Errorf(CodeNodeInvalidTarget, "The target key %q isn't valid for managed nodes. Use tag:KEY, tag-key or InstanceIds.", t.Key)
		}
		none = none || len(t.Values) == 0
	}
	if none {
		return []NodeRef{}, nil
	}
	recs, _, err := n.store.ListNodes(ctx, q)
	if err != nil {
		return nil, err
	}
	return n.nodeRefs(recs, q.OnlineSince), nil
}

func (n *Nodes) resolveInstanceIDs(ctx context.Context, instanceIDs []string) ([]NodeRef, error) {
	ids := nodeNarrow(nil, instanceIDs)
	q := NodeQuery{OnlineSince: n.onlineSince(), Conditions: []NodeCondition{{Field: NodeIDIs, Values: ids}}}
	recs, _, err := n.store.ListNodes(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(recs) < len(ids) {
		var missing []string
		for _, id := range ids {
			if !slices.ContainsFunc(recs, func(r *NodeRecord) bool { return r.ID == id }) {
				missing = append(missing, id)
			}
		}
		return nil, steward.Errorf(CodeNodeInvalidInstanceID, "These instances are not registered managed nodes: %s.", strings.Join(missing, ", "))
	}
	return n.nodeRefs(recs, q.OnlineSince), nil
}

func (*Nodes) nodeRefs(recs []*NodeRecord, onlineSince time.Time) []NodeRef {
	out := make([]NodeRef, len(recs))
	for i, r := range recs {
		out[i] = NodeRef{ID: r.ID, PlatformType: r.Facts.PlatformType, PingStatus: nodePingStatus(r.LastPing, onlineSince)}
	}
	return out
}
