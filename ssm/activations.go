package ssm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// Hybrid activations: an activation is the credential a machine outside AWS
// presents once to become a managed node (mi-…). CreateActivation returns an
// ID and a code; the code is shown once and only its SHA-256 is stored.
// Each registration counts against RegistrationLimit until ExpirationDate.
//
// Tags are given at creation only (ResourceTypeForTagging has no Activation:
// they cannot be changed later) and are copied onto every node registered
// with the activation, as AWS documents for CreateActivation's Tags.

// Activation error codes (the modeled shape names of the SSM API).
const (
	// CodeInvalidActivation: the activation does not exist (or was deleted).
	CodeInvalidActivation = "InvalidActivation"
	// CodeInvalidActivationID: the activation ID is not one (not a UUID).
	CodeInvalidActivationID = "InvalidActivationId"
	// CodeActivationInvalidFilter: a DescribeActivations filter key is
	// unknown or a filter has no values.
	CodeActivationInvalidFilter = "InvalidFilter"
)

// Activation limits: the API model's constraints and the CreateActivation
// documentation. Sources: botocore ssm/2014-11-06; reference/ssm.md §3.
const (
	activationDescriptionMax   = 256
	activationNameMax          = 256
	activationIamRoleMax       = 64
	activationLimitMin         = 1
	activationLimitMax         = 1000
	activationDefaultLimit     = 1
	activationDefaultTTL       = 24 * time.Hour
	activationMaxTTL           = 30 * 24 * time.Hour
	activationCodeLen          = 20
	activationMetadataKeyMax   = 128
	activationMetadataValueMax = 2048
	activationPageMax          = 50
	activationDefaultPageSize  = 50
)

// DescribeActivations filter keys.
const (
	ActivationFilterIDs                 = "ActivationIds"
	ActivationFilterDefaultInstanceName = "DefaultInstanceName"
	ActivationFilterIamRole             = "IamRole"
)

// activationCodeAlphabet is URL-safe: codes survive shells and query strings
// unquoted. 64 symbols, so a random byte masked to 6 bits picks uniformly.
const activationCodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

var activationIDRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// RegistrationMetadata is one CreateActivation RegistrationMetadata item
// ("reserved for internal use" in AWS): stored, never returned.
type RegistrationMetadata struct {
	Key   string
	Value string
}

// ActivationRecord is a stored activation. CodeHash is the SHA-256 of the
// activation code; the code itself is never stored.
type ActivationRecord struct {
	ID                  string
	CodeHash            []byte
	Description         string
	DefaultInstanceName string
	IamRole             string
	RegistrationLimit   int
	RegistrationsCount  int
	ExpirationDate      time.Time
	CreatedDate         time.Time
	Tags                []Tag // in the order given, one per key
	Metadata            []RegistrationMetadata
}

// ActivationQuery selects a page of activations in creation order (oldest
// first, then by ID). A nil list is no condition; a non-nil one matches
// activations whose field is one of its values (an empty list matches none).
type ActivationQuery struct {
	IDs                  []string
	DefaultInstanceNames []string
	IamRoles             []string
	Token                string // NextToken of the previous page, "" for the first
	Limit                int    // page size, ≥ 1
}

// ErrActivationNotFound reports an activation that does not exist.
var ErrActivationNotFound = errors.New("ssm: activation not found")

// ActivationStore persists activations.
//
// CreateActivation stores a new activation (its ID is fresh).
//
// ListActivations returns a page of activations matching q and the token of
// the next page ("" after the last); a token it did not make returns
// ErrInvalidNextToken.
//
// DeleteActivation removes an activation (nodes registered with it stay);
// ErrActivationNotFound when there is none.
type ActivationStore interface {
	CreateActivation(ctx context.Context, a *ActivationRecord) error
	ListActivations(ctx context.Context, q ActivationQuery) ([]*ActivationRecord, string, error)
	DeleteActivation(ctx context.Context, id string) error
}

// CreateActivationInput is a CreateActivation request.
type CreateActivationInput struct {
	Description          string
	DefaultInstanceName  string
	IamRole              string
	RegistrationLimit    *int
	ExpirationDate       *time.Time
	Tags                 []Tag
	RegistrationMetadata []RegistrationMetadata
}

// CreateActivationOutput is the result of CreateActivation. ActivationCode is
// the only copy of the code: Steward keeps its hash.
type CreateActivationOutput struct {
	ActivationID   string
	ActivationCode string
}

// CreateActivation creates an activation for RegistrationLimit registrations
// (default 1) until ExpirationDate (default 24 hours from now, at most 30
// days ahead, in the future).
func (n *Nodes) CreateActivation(ctx context.Context, in CreateActivationInput) (*CreateActivationOutput, error) {
	var fe fieldErrors
	fe.length(in.Description, "description", 0, activationDescriptionMax, false)
	fe.text(in.Description, "description")
	fe.length(in.DefaultInstanceName, "defaultInstanceName", 0, activationNameMax, false)
	if !tagPattern.MatchString(in.DefaultInstanceName) {
		fe.add(in.DefaultInstanceName, "defaultInstanceName", `Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
	}
	if in.IamRole == "" {
		fe.null("iamRole")
	}
	fe.length(in.IamRole, "iamRole", 0, activationIamRoleMax, false)
	fe.text(in.IamRole, "iamRole")
	fe.intRange(in.RegistrationLimit, "registrationLimit", activationLimitMin, activationLimitMax)
	checkTagList(&fe, in.Tags, "tags")
	for i, m := range in.RegistrationMetadata {
		at := fmt.Sprintf("registrationMetadata.%d.member", i+1)
		checkMetadataText(&fe, m.Key, at+".key", activationMetadataKeyMax)
		checkMetadataText(&fe, m.Value, at+".value", activationMetadataValueMax)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	tags := uniqueTags(in.Tags)
	if len(tags) > maxTagsPerResource {
		// The tags go onto every node registered with the activation.
		return nil, steward.Validation("An activation can have at most %d tags; the request has %d.", maxTagsPerResource, len(tags))
	}
	now := n.now()
	expires := now.Add(activationDefaultTTL)
	if in.ExpirationDate != nil {
		expires = in.ExpirationDate.UTC().Truncate(time.Millisecond)
		if !expires.After(now) {
			return nil, steward.Validation("The expiration date %s must be in the future.", expires.Format(time.RFC3339))
		}
		if expires.After(now.Add(activationMaxTTL)) {
			return nil, steward.Validation("The expiration date %s is more than 30 days in the future.", expires.Format(time.RFC3339))
		}
	}
	limit := activationDefaultLimit
	if in.RegistrationLimit != nil {
		limit = *in.RegistrationLimit
	}
	code, err := newActivationCode()
	if err != nil {
		return nil, steward.Internal(err)
	}
	hash := sha256.Sum256([]byte(code))
	rec := &ActivationRecord{
		ID: uuid.NewString(), CodeHash: hash[:], Description: in.Description, DefaultInstanceName: in.DefaultInstanceName,
		IamRole: in.IamRole, RegistrationLimit: limit, ExpirationDate: expires, CreatedDate: now,
		Tags: tags, Metadata: in.RegistrationMetadata,
	}
	if err := n.store.CreateActivation(ctx, rec); err != nil {
		return nil, err
	}
	return &CreateActivationOutput{ActivationID: rec.ID, ActivationCode: code}, nil
}

// checkMetadataText applies RegistrationMetadataKey/Value: 1…max characters,
// pattern ^(?!\s*$).+ (not blank, one line).
func checkMetadataText(fe *fieldErrors, s, member string, max int) {
	fe.length(s, member, 1, max, false)
	fe.text(s, member)
	if s != "" && (strings.TrimSpace(s) == "" || strings.ContainsAny(s, "\r\n")) {
		fe.add(s, member, `Member must satisfy regular expression pattern: ^(?!\s*$).+`)
	}
}

func newActivationCode() (string, error) {
	b := make([]byte, activationCodeLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = activationCodeAlphabet[b[i]&63]
	}
	return string(b), nil
}

// ActivationFilter is one DescribeActivations filter.
type ActivationFilter struct {
	Key    string
	Values []string
}

// DescribeActivationsInput is a DescribeActivations request.
type DescribeActivationsInput struct {
	Filters    []ActivationFilter
	MaxResults *int
	NextToken  string
}

// Activation is an activation as DescribeActivations returns it.
type Activation struct {
	ID                  string
	Description         string
	DefaultInstanceName string
	IamRole             string
	RegistrationLimit   int
	RegistrationsCount  int
	ExpirationDate      time.Time
	Expired             bool
	CreatedDate         time.Time
	Tags                []Tag
}

// ActivationList is a page of DescribeActivations.
type ActivationList struct {
	Activations []*Activation // never nil
	NextToken   string
}

// DescribeActivations lists activations, oldest first, narrowed by filters
// (ActivationIds, DefaultInstanceName, IamRole: exact values; filters AND,
// values OR). An unknown key or a filter without values is InvalidFilter.
func (n *Nodes) DescribeActivations(ctx context.Context, in DescribeActivationsInput) (*ActivationList, error) {
	var fe fieldErrors
	fe.intRange(in.MaxResults, "maxResults", 1, activationPageMax)
	if err := fe.err(); err != nil {
		return nil, err
	}
	q := ActivationQuery{Token: in.NextToken, Limit: activationDefaultPageSize}
	if in.MaxResults != nil {
		q.Limit = *in.MaxResults
	}
	for _, f := range in.Filters {
		var field *[]string
		switch f.Key {
		case ActivationFilterIDs:
			field = &q.IDs
		case ActivationFilterDefaultInstanceName:
			field = &q.DefaultInstanceNames
		case ActivationFilterIamRole:
			field = &q.IamRoles
		default:
			return nil, steward.Errorf(CodeActivationInvalidFilter, "The filter key %q isn't valid. Valid keys: ActivationIds, DefaultInstanceName, IamRole.", f.Key)
		}
		if len(f.Values) == 0 {
			return nil, steward.Errorf(CodeActivationInvalidFilter, "The filter %s needs at least one value.", f.Key)
		}
		*field = nodeNarrow(*field, f.Values)
	}
	out := &ActivationList{Activations: []*Activation{}}
	recs, next, err := n.store.ListActivations(ctx, q)
	if err != nil {
		return nil, nodeStoreError(err)
	}
	now := n.now()
	for _, r := range recs {
		out.Activations = append(out.Activations, &Activation{
			ID: r.ID, Description: r.Description, DefaultInstanceName: r.DefaultInstanceName, IamRole: r.IamRole,
			RegistrationLimit: r.RegistrationLimit, RegistrationsCount: r.RegistrationsCount,
			ExpirationDate: r.ExpirationDate, Expired: !now.Before(r.ExpirationDate), CreatedDate: r.CreatedDate,
			Tags: r.Tags,
		})
	}
	out.NextToken = next
	return out, nil
}

// nodeNarrow narrows cur (nil: everything) to the values also in add,
// keeping the first occurrence of each; the result is never nil. Two filters
// on one key AND together: the values both allow.
func nodeNarrow(cur, add []string) []string {
	out := []string{}
	for _, v := range add {
		if (cur == nil || slices.Contains(cur, v)) && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// DeleteActivation deletes an activation: no more registrations with it.
// Nodes registered with it stay registered. A malformed ID is
// InvalidActivationId; an activation that does not exist (or was deleted
// already) is InvalidActivation.
func (n *Nodes) DeleteActivation(ctx context.Context, id string) error {
	if id == "" {
		var fe fieldErrors
		fe.null("activationId")
		return fe.err()
	}
	if !activationIDRE.MatchString(id) {
		return steward.Errorf(CodeInvalidActivationID, "The activation ID %s isn't valid. Verify that you entered the correct ActivationId and try again.", strconv.Quote(id))
	}
	if err := n.store.DeleteActivation(ctx, id); err != nil {
		if errors.Is(err, ErrActivationNotFound) {
			return steward.Errorf(CodeInvalidActivation, "Activation %s doesn't exist. It might have been deleted.", id)
		}
		return err
	}
	return nil
}
