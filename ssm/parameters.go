package ssm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// Parameter Store: hierarchical configuration values and secrets with
// versions, labels, tiers, policies and tags, and a "Parameter Store Change"
// event for every change.
//
// Identity: a parameter is identified by its key, the name without a leading
// '/' (AWS treats "/a" and "a" as one parameter and gives both the ARN
// …:parameter/a). The name is kept as it was first created and returned as
// such.
//
// Secrets: a SecureString value is sealed by the Sealer (bound to the
// parameter key as additional data) before it reaches the store; the store
// only ever sees sealed bytes. Without WithDecryption, reads return the
// base64 of the sealed bytes, as AWS returns the KMS ciphertext.

// Sealer encrypts values at rest (the keyring).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// ParameterRecord is one stored version of a parameter.
type ParameterRecord struct {
	Name           string // as first created
	Version        int64
	Type           string
	KeyID          string // SecureString only
	Description    string
	AllowedPattern string
	Tier           string
	Policies       string // JSON array as given; "" for none
	DataType       string
	Value          []byte // String/StringList: the value; SecureString: sealed
	ModifiedAt     time.Time
	ModifiedBy     string   // caller ARN
	Labels         []string // only where a method says it fills them, sorted
}

// ParameterRef selects a parameter version for ParameterStore.GetParameters:
// the latest one, a version (Version > 0) or the one carrying Label.
type ParameterRef struct {
	Key     string
	Version int64
	Label   string
}

// ParameterFilter is one ParameterStringFilter. In a ParameterQuery it is
// normalized: Option is always set; Name (Equals, BeginsWith) and Path values
// are keys (no leading '/'; a path has no trailing '/' either, "" is the
// root); Name Contains values match anywhere in "/"+key; tag:K filters match
// the value of tag K of the parameter (no Values: the tag exists). A Label
// filter returns, for each parameter having one of the labels on some
// version, the highest such version instead of the latest.
type ParameterFilter struct {
	Key    string
	Option string
	Values []string
}

// ParameterQuery is a page of a parameter listing, in key order.
type ParameterQuery struct {
	Filters []ParameterFilter // all must match
	Token   string            // NextToken of the previous page, "" for the first
	Limit   int               // page size, ≥ 1
}

// Store errors.
var (
	// ErrParameterNotFound reports a parameter that does not exist.
	ErrParameterNotFound = errors.New("ssm: parameter not found")
	// ErrInvalidNextToken reports a pagination token the store did not make.
	ErrInvalidNextToken = errors.New("ssm: invalid next token")
	// ErrTooManyUpdates reports a write that lost to concurrent writers too
	// many times; it becomes the TooManyUpdates error.
	ErrTooManyUpdates = errors.New("ssm: too many concurrent updates")
)

// ParameterStore persists parameters. Keys are ParameterKey(name).
//
// GetParameters looks up several versions in one round trip: result[i]
// answers refs[i] and is nil when there is no such parameter or version.
// Labels are not filled.
//
// ListParameters returns a page of latest versions (or labelled versions, see
// ParameterFilter) matching q, in key order, and the token of the next page
// ("" after the last). An unknown q.Token returns ErrInvalidNextToken. Labels
// are not filled.
//
// ParameterHistory returns up to limit versions of a parameter in ascending
// version order starting after token, with Labels filled, and the next token
// ("" after the last). It returns ErrParameterNotFound when the parameter
// does not exist and ErrInvalidNextToken for a token it did not make.
//
// UpdateParameter runs fn in a write transaction on one parameter (see
// ParameterTx) and commits when fn returns nil. An error from fn is returned
// unchanged. fn may run more than once when concurrent writers collide, so
// it must have no effects outside tx.
//
// DeleteParameters deletes the parameters that exist among keys, with their
// versions, labels and tags, appending event(record) for each to the outbox
// in the same transaction, and returns the deleted ones' latest records.
type ParameterStore interface {
	GetParameters(ctx context.Context, refs []ParameterRef) ([]*ParameterRecord, error)
	ListParameters(ctx context.Context, q ParameterQuery) ([]*ParameterRecord, string, error)
	ParameterHistory(ctx context.Context, key, token string, limit int) ([]*ParameterRecord, string, error)
	UpdateParameter(ctx context.Context, key string, fn func(ParameterTx) error) error
	DeleteParameters(ctx context.Context, keys []string, event func(*ParameterRecord) *steward.Event) ([]*ParameterRecord, error)
}

// ParameterTx is a write transaction on one parameter.
//
// Current returns the latest version (nil when the parameter does not exist)
// and locks the parameter for the rest of the transaction. Versions returns
// the number of stored versions and the oldest one. HasVersion reports
// whether a version is stored. Labels returns the labels of a version, sorted.
// PutVersion stores rec as the new latest version (rec.Version is 1 for a new
// parameter, else Current's + 1); for a new parameter, it replaces the
// resource's tags with tags. DeleteVersion removes a version and its labels.
// MoveLabels attaches labels to version, detaching them from any other
// version. RemoveLabels detaches labels from version and returns those that
// were attached. AppendEvent writes e to the outbox in the transaction.
type ParameterTx interface {
	Current(ctx context.Context) (*ParameterRecord, error)
	Versions(ctx context.Context) (count int, oldest int64, err error)
	HasVersion(ctx context.Context, version int64) (bool, error)
	Labels(ctx context.Context, version int64) ([]string, error)
	PutVersion(ctx context.Context, rec *ParameterRecord, tags []Tag) error
	DeleteVersion(ctx context.Context, version int64) error
	MoveLabels(ctx context.Context, version int64, labels []string) error
	RemoveLabels(ctx context.Context, version int64, labels []string) ([]string, error)
	AppendEvent(ctx context.Context, e *steward.Event) error
}

// Parameters is Parameter Store.
type Parameters struct {
	store  ParameterStore
	sealer Sealer
	env    Env
}

// NewParameters returns Parameter Store on store, sealing SecureString values
// with sealer.
func NewParameters(store ParameterStore, sealer Sealer, env Env) *Parameters {
	if env.Clock == nil {
		env.Clock = steward.SystemClock{}
	}
	return &Parameters{store: store, sealer: sealer, env: env}
}

// Parameter is a parameter value as GetParameter returns it.
type Parameter struct {
	Name             string
	Type             string
	Value            string // plaintext, or for SecureString without decryption the base64 ciphertext
	Version          int64
	Selector         string
	SourceResult     string
	LastModifiedDate time.Time
	ARN              string
	DataType         string
}

// ParameterMetadata is what DescribeParameters returns for a parameter.
type ParameterMetadata struct {
	Name             string
	ARN              string
	Type             string
	KeyID            string
	LastModifiedDate time.Time
	LastModifiedUser string
	Description      string
	AllowedPattern   string
	Version          int64
	Tier             string
	Policies         []ParameterPolicy
	DataType         string
}

// ParameterHistory is one version as GetParameterHistory returns it.
type ParameterHistory struct {
	ParameterMetadata
	Value  string
	Labels []string
}

// PutParameterInput is a PutParameter request. Pointer fields distinguish
// "not given" (keep the current value on overwrite) from empty.
type PutParameterInput struct {
	Name           string
	Value          *string
	Type           string
	Description    *string
	KeyID          *string
	Overwrite      bool
	AllowedPattern *string
	Tags           []Tag
	Tier           string
	Policies       *string
	DataType       string
}

// PutParameterOutput is the result of PutParameter.
type PutParameterOutput struct {
	Version int64
	Tier    string
}

// PutParameter creates a parameter or, with Overwrite, adds a version.
func (p *Parameters) PutParameter(ctx context.Context, in PutParameterInput) (*PutParameterOutput, error) {
	var fe fieldErrors
	fe.length(in.Name, "name", 1, paramNameMaxLen, false)
	if in.Value == nil {
		fe.null("value")
	} else {
		fe.length(*in.Value, "value", 1, -1, true)
	}
	if in.Type != "" {
		fe.enum(in.Type, "type", TypeString, TypeStringList, TypeSecureString)
	}
	if in.Description != nil {
		fe.length(*in.Description, "description", 0, paramDescriptionMax, false)
		fe.text(*in.Description, "description")
	}
	if in.KeyID != nil {
		fe.length(*in.KeyID, "keyId", 1, paramKeyIDMax, false)
		if *in.KeyID != "" && !keyIDPattern.MatchString(*in.KeyID) {
			fe.add(*in.KeyID, "keyId", "Member must satisfy regular expression pattern: ^([a-zA-Z0-9:/_-]+)$")
		}
	}
	if in.AllowedPattern != nil {
		fe.length(*in.AllowedPattern, "allowedPattern", 0, paramAllowedPatternMax, false)
		fe.text(*in.AllowedPattern, "allowedPattern")
	}
	if in.Tier != "" {
		fe.enum(in.Tier, "tier", TierStandard, TierAdvanced, TierIntelligentTiering)
	}
	if in.Policies != nil {
		fe.length(*in.Policies, "policies", 1, paramPoliciesTextMax, false)
	}
	fe.length(in.DataType, "dataType", 0, paramDataTypeMax, false)
	checkTagList(&fe, in.Tags, "tags")
	if err := fe.err(); err != nil {
		return nil, err
	}
	if in.Overwrite && len(in.Tags) > 0 {
		return nil, steward.Validation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	}
	if len(in.Tags) > maxTagsPerResource {
		return nil, steward.Errorf(CodeTooManyTagsError, "A resource can have at most %d tags; the request has %d.", maxTagsPerResource, len(in.Tags))
	}
	name, err := parseParamName(in.Name)
	if err != nil {
		return nil, err
	}
	if err := name.checkWritable(p.env); err != nil {
		return nil, err
	}
	switch in.DataType {
	case "", DataTypeText, DataTypeEC2Image, DataTypeIntegration:
	default:
		return nil, steward.Validation("The following data type is not supported: %s (Data type names are all lowercase.)", in.DataType)
	}
	value := *in.Value
	if nestedValue.MatchString(value) {
		return nil, steward.Validation(`Parameter value can't nest another parameter. Do not use "{{}}" in the value.`)
	}
	if in.Policies != nil {
		if _, err := parsePolicies(*in.Policies); err != nil {
			return nil, err
		}
	}
	if in.AllowedPattern != nil && *in.AllowedPattern != "" {
		if _, err := regexp.Compile(*in.AllowedPattern); err != nil {
			return nil, steward.Errorf(CodeInvalidAllowedPattern, "The allowed pattern %s is not a valid regular expression.", *in.AllowedPattern)
		}
	}
	tags := dedupeTags(in.Tags)

	var out PutParameterOutput
	caller := steward.CallerFrom(ctx).ARN
	err = p.store.UpdateParameter(ctx, name.key, func(tx ParameterTx) error {
		cur, err := tx.Current(ctx)
		if err != nil {
			return err
		}
		if cur != nil && !in.Overwrite {
			return steward.Errorf(CodeParameterAlreadyExists, "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
		}
		rec, err := p.nextVersion(cur, name, in, value)
		if err != nil {
			return err
		}
		rec.ModifiedAt = p.now()
		rec.ModifiedBy = caller
		op := "Create"
		if cur != nil {
			op = "Update"
			count, oldest, err := tx.Versions(ctx)
			if err != nil {
				return err
			}
			if count >= paramMaxVersions {
				labels, err := tx.Labels(ctx, oldest)
				if err != nil {
					return err
				}
				if len(labels) > 0 {
					return steward.Errorf(CodeParameterMaxVersionLimitExceeded, "You attempted to create a new version of %s by calling the PutParameter API with the overwrite flag. Version %d, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.", rec.Name, oldest)
				}
				if err := tx.DeleteVersion(ctx, oldest); err != nil {
					return err
				}
			}
		}
		if rec.Type == TypeSecureString {
			if rec.Value, err = p.sealer.Seal([]byte(value), []byte(name.key)); err != nil {
				return steward.Internal(err)
			}
		}
		var newTags []Tag
		if cur == nil {
			newTags = tags
		}
		if err := tx.PutVersion(ctx, rec, newTags); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, p.changeEvent(op, rec)); err != nil {
			return err
		}
		out = PutParameterOutput{Version: rec.Version, Tier: rec.Tier}
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return &out, nil
}

// nextVersion applies the PutParameter rules to the current version (nil for
// a new parameter) and the request, and returns the new version with its
// plaintext value (sealed later).
func (p *Parameters) nextVersion(cur *ParameterRecord, name paramName, in PutParameterInput, value string) (*ParameterRecord, error) {
	rec := &ParameterRecord{Name: name.name, Version: 1, Type: in.Type, DataType: in.DataType, Tier: TierStandard}
	if cur != nil {
		rec = &ParameterRecord{
			Name: cur.Name, Version: cur.Version + 1, Type: cur.Type, KeyID: cur.KeyID,
			Description: cur.Description, AllowedPattern: cur.AllowedPattern, Tier: cur.Tier,
			Policies: cur.Policies, DataType: cur.DataType,
		}
		if in.Type != "" && in.Type != cur.Type {
			return nil, steward.Errorf(CodeHierarchyTypeMismatch, "The parameter type can't be changed from %s to %s. You must create a new, unique parameter.", cur.Type, in.Type)
		}
		if in.DataType != "" {
			rec.DataType = in.DataType
		}
	}
	if rec.Type == "" {
		return nil, steward.Validation("A parameter type is required when you create a parameter.")
	}
	if rec.DataType == "" {
		rec.DataType = DataTypeText
	}
	if in.Description != nil {
		rec.Description = *in.Description
	}
	if in.AllowedPattern != nil {
		rec.AllowedPattern = *in.AllowedPattern
	}
	if in.Policies != nil {
		rec.Policies = *in.Policies
		if pols, _ := parsePolicies(rec.Policies); len(pols) == 0 {
			rec.Policies = "" // "[]" removes the policies
		}
	}

	// KMS key: SecureString only; the default key when none is given.
	switch {
	case rec.Type != TypeSecureString && in.KeyID != nil:
		return nil, steward.Validation("KeyId is required for SecureString type parameter only.")
	case rec.Type == TypeSecureString && in.KeyID != nil:
		rec.KeyID = *in.KeyID
	case rec.Type == TypeSecureString && rec.KeyID == "":
		rec.KeyID = DefaultKeyID
	case rec.Type != TypeSecureString:
		rec.KeyID = ""
	}

	switch rec.DataType {
	case DataTypeEC2Image:
		if rec.Type != TypeString {
			return nil, steward.Validation("The data type %s is supported only for String parameters.", DataTypeEC2Image)
		}
		if !amiPattern.MatchString(value) {
			return nil, steward.Validation("Parameter value, %s, cannot be validated against allowedDataType: %s. The value must be an AMI ID such as ami-12345abcde0123456.", value, DataTypeEC2Image)
		}
	}

	if rec.AllowedPattern != "" {
		re, err := regexp.Compile(rec.AllowedPattern)
		if err != nil {
			return nil, steward.Errorf(CodeInvalidAllowedPattern, "The allowed pattern %s is not a valid regular expression.", rec.AllowedPattern)
		}
		if !re.MatchString(value) {
			// Never echo the value: it may be a secret.
			return nil, steward.Errorf(CodeParameterPatternMismatch, "Parameter value, cannot be validated against allowedPattern: %s", rec.AllowedPattern)
		}
	}

	// Tier: Standard → Advanced is allowed, never back; Intelligent-Tiering
	// (and an unspecified tier) promotes only when the request needs it.
	needsAdvanced := len(value) > paramStandardValueMax || rec.Policies != ""
	switch in.Tier {
	case TierAdvanced:
		rec.Tier = TierAdvanced
	case TierStandard:
		if cur != nil && cur.Tier == TierAdvanced {
			return nil, steward.Validation("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.")
		}
		rec.Tier = TierStandard
	case TierIntelligentTiering:
		if needsAdvanced {
			rec.Tier = TierAdvanced
		}
	}
	if len(value) > paramAdvancedValueMax {
		return nil, steward.Validation("Parameter values are limited to %d bytes in the advanced-parameter tier (%d bytes in the standard tier); this value has %d bytes.", paramAdvancedValueMax, paramStandardValueMax, len(value))
	}
	if rec.Tier == TierStandard && len(value) > paramStandardValueMax {
		return nil, steward.Validation("Standard tier parameters support a maximum parameter value of %d bytes; this value has %d bytes. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html", paramStandardValueMax, len(value))
	}
	if rec.Tier == TierStandard && rec.Policies != "" {
		return nil, steward.Validation("Standard tier parameters don't support parameter policies. To attach a parameter policy, use the advanced-parameter tier.")
	}
	if rec.Type != TypeSecureString {
		rec.Value = []byte(value)
	}
	return rec, nil
}

// changeEvent is the "Parameter Store Change" event of a change to rec.
func (p *Parameters) changeEvent(operation string, rec *ParameterRecord) *steward.Event {
	detail, _ := json.Marshal(struct {
		Operation   string `json:"operation"`
		Name        string `json:"name"`
		Type        string `json:"type"`
		Description string `json:"description"`
	}{operation, rec.Name, rec.Type, rec.Description})
	return &steward.Event{
		ID:         uuid.NewString(),
		Time:       p.now(),
		Source:     "aws.ssm",
		DetailType: "Parameter Store Change",
		Account:    p.env.Account,
		Region:     p.env.Region,
		Resources:  []string{p.arn(rec.Name)},
		Detail:     detail,
	}
}

// arn is arn:aws:ssm:REGION:ACCOUNT:parameter/KEY (one slash whether or not
// the name starts with one).
func (p *Parameters) arn(name string) string { return p.env.ARN("parameter/" + ParameterKey(name)) }

func (p *Parameters) now() time.Time { return p.env.Clock.Now().UTC().Truncate(time.Millisecond) }

// value renders a stored value: plaintext for String and StringList; for a
// SecureString the plaintext when decrypt is set, else the base64 ciphertext.
func (p *Parameters) value(rec *ParameterRecord, decrypt bool) (string, error) {
	if rec.Type != TypeSecureString {
		return string(rec.Value), nil
	}
	if !decrypt {
		return base64.StdEncoding.EncodeToString(rec.Value), nil
	}
	pt, err := p.sealer.Open(rec.Value, []byte(ParameterKey(rec.Name)))
	if err != nil {
		return "", steward.Internal(err)
	}
	return string(pt), nil
}

// storeError turns store sentinels into AWS errors; *steward.Error values and
// unexpected errors pass through (the gateway reports the latter as
// InternalFailure).
func storeError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrInvalidNextToken):
		return steward.Errorf(CodeParameterInvalidNextToken, "The specified token isn't valid.")
	case errors.Is(err, ErrTooManyUpdates):
		return steward.Errorf(CodeParameterTooManyUpdates, "There are concurrent updates for a resource that supports one update at a time.")
	}
	return err
}
