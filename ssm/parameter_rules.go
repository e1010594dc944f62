package ssm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward"
)

// Parameter Store error codes (the modeled shape names of the SSM API).
const (
	CodeParameterNotFound                  = "ParameterNotFound"
	CodeParameterAlreadyExists             = "ParameterAlreadyExists"
	CodeParameterLimitExceeded             = "ParameterLimitExceeded"
	CodeParameterMaxVersionLimitExceeded   = "ParameterMaxVersionLimitExceeded"
	CodeParameterVersionNotFound           = "ParameterVersionNotFound"
	CodeParameterVersionLabelLimitExceeded = "ParameterVersionLabelLimitExceeded"
	CodeParameterPatternMismatch           = "ParameterPatternMismatchException"
	CodeHierarchyLevelLimitExceeded        = "HierarchyLevelLimitExceededException"
	CodeHierarchyTypeMismatch              = "HierarchyTypeMismatchException"
	CodeInvalidAllowedPattern              = "InvalidAllowedPatternException"
	CodeInvalidKeyID                       = "InvalidKeyId"
	CodeUnsupportedParameterType           = "UnsupportedParameterType"
	CodePoliciesLimitExceeded              = "PoliciesLimitExceededException"
	CodeInvalidPolicyType                  = "InvalidPolicyTypeException"
	CodeInvalidPolicyAttribute             = "InvalidPolicyAttributeException"
	CodeIncompatiblePolicy                 = "IncompatiblePolicyException"
	CodeParameterInvalidFilterKey          = "InvalidFilterKey"
	CodeParameterInvalidFilterOption       = "InvalidFilterOption"
	CodeParameterInvalidFilterValue        = "InvalidFilterValue"
	CodeParameterInvalidNextToken          = "InvalidNextToken"
	CodeParameterTooManyUpdates            = "TooManyUpdates"
)

// Parameter Store limits: the AWS quotas and the API model's constraints.
// Sources: botocore ssm/2014-11-06 service model; limits-and-anchors.md §1.5.
const (
	paramNameMaxLen          = 2048 // PSParameterName max
	paramNameUsableLen       = 1011 // usable name length, counting the ARN prefix
	paramMaxLevels           = 15   // hierarchy depth
	paramStandardValueMax    = 4096 // bytes, Standard tier
	paramAdvancedValueMax    = 8192 // bytes, Advanced tier
	paramDescriptionMax      = 1024
	paramAllowedPatternMax   = 1024
	paramKeyIDMax            = 256
	paramPoliciesTextMax     = 4096
	paramDataTypeMax         = 128
	paramMaxPolicies         = 10
	paramMaxVersions         = 100
	paramMaxLabelsPerVersion = 10
	paramLabelMaxLen         = 100
	paramNamesPerCall        = 10 // GetParameters, DeleteParameters
	paramSelectorMax         = 128
	paramByPathMaxResults    = 10
	paramDescribeMaxResults  = 50
	paramHistoryMaxResults   = 50
	paramDefaultPageSize     = 10
	paramFilterKeyMax        = 132
	paramFilterOptionMax     = 10
	paramFilterValuesMax     = 50
	paramFilterValueMax      = 1024
)

// Parameter types, tiers and data types.
const (
	TypeString       = "String"
	TypeStringList   = "StringList"
	TypeSecureString = "SecureString"

	TierStandard           = "Standard"
	TierAdvanced           = "Advanced"
	TierIntelligentTiering = "Intelligent-Tiering"

	DataTypeText        = "text"
	DataTypeEC2Image    = "aws:ec2:image"
	DataTypeIntegration = "aws:ssm:integration"

	// DefaultKeyID is the KMS key a SecureString uses when none is given.
	DefaultKeyID = "alias/aws/ssm"
)

// Filter keys and options of ParameterStringFilter.
const (
	FilterName      = "Name"
	FilterType      = "Type"
	FilterKeyID     = "KeyId"
	FilterPath      = "Path"
	FilterLabel     = "Label"
	FilterTier      = "Tier"
	FilterDataType  = "DataType"
	FilterTagPrefix = "tag:"

	OptionEquals     = "Equals"
	OptionBeginsWith = "BeginsWith"
	OptionContains   = "Contains"
	OptionOneLevel   = "OneLevel"
	OptionRecursive  = "Recursive"
)

// fieldErrors collects AWS model-constraint violations and reports them the
// way AWS does: "2 validation errors detected: Value 'x' at 'name' failed to
// satisfy constraint: …; Value …".
type fieldErrors []string

func (f *fieldErrors) add(value, member, constraint string) {
	*f = append(*f, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

func (f *fieldErrors) null(member string) {
	*f = append(*f, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", member))
}

// length checks min ≤ len(s) ≤ max in characters (max < 0: no maximum).
// Sensitive values are shown as ***.
func (f *fieldErrors) length(s, member string, min, max int, sensitive bool) {
	n := utf8.RuneCountInString(s)
	shown := s
	if sensitive {
		shown = "***"
	}
	switch {
	case n < min:
		f.add(shown, member, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case max >= 0 && n > max:
		f.add(shown, member, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// text rejects NUL characters, which no AWS string member holds and which
// PostgreSQL text cannot store.
func (f *fieldErrors) text(s, member string) {
	if strings.IndexByte(s, 0) >= 0 {
		f.add(strings.ReplaceAll(s, "\x00", `\u0000`), member, "Member must not contain null characters")
	}
}

func (f *fieldErrors) enum(s, member string, allowed ...string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	f.add(s, member, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

func (f *fieldErrors) intRange(v *int, member string, min, max int) {
	if v == nil {
		return
	}
	switch {
	case *v < min:
		f.add(strconv.Itoa(*v), member, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	case *v > max:
		f.add(strconv.Itoa(*v), member, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

func (f *fieldErrors) listLen(items []string, member string, min, max int) {
	switch {
	case len(items) < min:
		f.add("["+strings.Join(items, ", ")+"]", member, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case len(items) > max:
		f.add("["+strings.Join(items, ", ")+"]", member, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

func (f fieldErrors) err() error {
	switch len(f) {
	case 0:
		return nil
	case 1:
		return steward.Validation("1 validation error detected: %s", f[0])
	}
	return steward.Validation("%d validation errors detected: %s", len(f), strings.Join(f, "; "))
}

// paramName is a syntactically valid parameter name.
type paramName struct {
	name string // as given, surrounding spaces removed
	key  string // the name without its leading '/': "/a" and "a" are one parameter
}

// ParameterKey returns the identity of a parameter name: the name without its
// leading '/'. AWS treats "/a" and "a" as the same parameter (and builds the
// same ARN for both).
func ParameterKey(name string) string { return strings.TrimPrefix(name, "/") }

// parentKey is the key of the hierarchy level holding key: "a/b" for "a/b/c",
// "" at the root.
func parentKey(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return ""
}

// ParameterParent returns the key of the hierarchy level a parameter key lives
// in ("" at the root). Stores index it for one-level path queries.
func ParameterParent(key string) string { return parentKey(key) }

func errInvalidParamName() error {
	return steward.Validation(`Parameter name: can't be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`)
}

func errInvalidParamPath() error {
	return steward.Validation(`The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "/". It can't be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.`)
}

func nameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// parseParamName checks the syntax every operation applies to a name: the
// allowed characters, and for a hierarchy a leading '/' and no empty level.
// Spaces around the name are removed, as AWS does.
func parseParamName(raw string) (paramName, error) {
	s := strings.Trim(raw, " ")
	if s == "" {
		return paramName{}, errInvalidParamName()
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !nameChar(c) && c != '/' {
			return paramName{}, errInvalidParamName()
		}
	}
	if strings.Contains(s, "/") {
		if s[0] != '/' || strings.HasSuffix(s, "/") || strings.Contains(s, "//") {
			return paramName{}, errInvalidParamName()
		}
	}
	return paramName{name: s, key: ParameterKey(s)}, nil
}

// checkWritable applies the rules for creating or updating a parameter:
// reserved prefixes, hierarchy depth, usable length.
func (n paramName) checkWritable(env Env) error {
	lower := strings.ToLower(n.key)
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm") {
		path := strings.Contains(n.key, "/")
		switch {
		case path && strings.HasPrefix(lower, "aws"):
			return &steward.Error{Code: steward.CodeAccessDenied, Message: "No access to reserved parameter name: " + n.key + "."}
		case path:
			return errInvalidParamName()
		default:
			return steward.Validation(`Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive).`)
		}
	}
	if levels := strings.Count(n.key, "/") + 1; levels > paramMaxLevels {
		return steward.Errorf(CodeHierarchyLevelLimitExceeded, "A hierarchy can have a maximum of %d levels. You specified %d levels for the parameter %s.", paramMaxLevels, levels, n.name)
	}
	if l := len(env.ARN("parameter/")) + len(n.key); l > paramNameUsableLen {
		return steward.Validation("Parameter name: can't be longer than %d characters, counting the ARN prefix %q; this name counts %d.", paramNameUsableLen, env.ARN("parameter/"), l)
	}
	return nil
}

// paramRef is a parsed reference to a parameter in a read: a name or an ARN,
// optionally with a version or label selector.
type paramRef struct {
	paramName
	version  int64  // > 0: a version selector
	label    string // a label selector
	selector string // ":3" or ":label" as AWS echoes it; "" without one
	foreign  bool   // an ARN of another account or region
}

func (r paramRef) store() ParameterRef {
	return ParameterRef{Key: r.key, Version: r.version, Label: r.label}
}

// parseParamRef reads "name", "name:version", "name:label" or a parameter ARN
// (arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME, also with a selector).
// selectors tells whether a selector is allowed.
func parseParamRef(env Env, raw string, selectors bool) (paramRef, error) {
	var ref paramRef
	s := strings.Trim(raw, " ")
	if strings.HasPrefix(s, "arn:") {
		parts := strings.SplitN(s, ":", 6)
		if len(parts) != 6 || parts[2] != "ssm" || !strings.HasPrefix(parts[1], "aws") || !strings.HasPrefix(parts[5], "parameter/") {
			return ref, errInvalidParamName()
		}
		ref.foreign = parts[3] != env.Region || parts[4] != env.Account
		s = strings.TrimPrefix(parts[5], "parameter")
		if !strings.Contains(s[1:], "/") {
			s = s[1:] // parameter/name is the root-level "name"
		}
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		sel := s[i+1:]
		s = s[:i]
		if !selectors || sel == "" || len(sel) > paramSelectorMax || strings.IndexByte(sel, ':') >= 0 || strings.IndexByte(sel, 0) >= 0 {
			return ref, errInvalidParamName()
		}
		ref.selector = ":" + sel
		if isDigits(sel) {
			v, err := strconv.ParseInt(sel, 10, 64)
			if err != nil {
				return ref, steward.Validation("The version selector %s is not a valid parameter version.", sel)
			}
			ref.version = v
			if v == 0 {
				ref.version = -1 // no such version; never matches
			}
		} else {
			ref.label = sel
		}
	}
	n, err := parseParamName(s)
	if err != nil {
		return ref, err
	}
	ref.paramName = n
	return ref, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validLabel reports whether a label meets AWS's label rules (the ones whose
// failure puts a label in InvalidLabels rather than failing the call): letters,
// digits, '.', '-', '_'; not starting with a digit, "aws" or "ssm".
func validLabel(l string) bool {
	if l == "" || len(l) > paramLabelMaxLen || l[0] >= '0' && l[0] <= '9' {
		return false
	}
	lower := strings.ToLower(l)
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm") {
		return false
	}
	for i := 0; i < len(l); i++ {
		if !nameChar(l[i]) {
			return false
		}
	}
	return true
}

var (
	keyIDPattern = regexp.MustCompile(`^([a-zA-Z0-9:/_-]+)$`)
	amiPattern   = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	nestedValue  = regexp.MustCompile(`(?s)\{\{.*\}\}`)
)

// validPathValue checks a hierarchy path as GetParametersByPath and the Path
// filter take it: a leading '/', levels of name characters, an optional
// trailing '/'.
func validPathValue(p string) bool {
	if p == "" || p[0] != '/' || strings.Contains(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; !nameChar(c) && c != '/' {
			return false
		}
	}
	return true
}

// pathKey is the key form of a path: "/a/b/" → "a/b", "/" → "".
func pathKey(p string) string { return strings.Trim(p, "/") }

// ParameterPolicy is one parameter policy as DescribeParameters reports it.
type ParameterPolicy struct {
	Text   string // the policy JSON
	Type   string // Expiration, ExpirationNotification, NoChangeNotification
	Status string // Pending, Finished, Failed, InProgress
}

// parsePolicies checks a Policies JSON array and returns its policies.
func parsePolicies(text string) ([]ParameterPolicy, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, steward.Errorf(CodeInvalidPolicyAttribute, "Policies must be a JSON array of parameter policies: %v", jsonProblem(err))
	}
	if len(raw) > paramMaxPolicies {
		return nil, steward.Errorf(CodePoliciesLimitExceeded, "A parameter can have at most %d policies; the request has %d.", paramMaxPolicies, len(raw))
	}
	out := make([]ParameterPolicy, 0, len(raw))
	seen := map[string]bool{}
	for _, r := range raw {
		var p struct {
			Type       string                     `json:"Type"`
			Version    string                     `json:"Version"`
			Attributes map[string]json.RawMessage `json:"Attributes"`
		}
		if err := json.Unmarshal(r, &p); err != nil {
			return nil, steward.Errorf(CodeInvalidPolicyAttribute, "A parameter policy must be a JSON object: %v", jsonProblem(err))
		}
		switch p.Type {
		case "Expiration", "ExpirationNotification", "NoChangeNotification":
		default:
			return nil, steward.Errorf(CodeInvalidPolicyType, "The policy type %q is not supported. Parameter Store supports the following policy types: Expiration, ExpirationNotification, and NoChangeNotification.", p.Type)
		}
		if seen[p.Type] {
			return nil, steward.Errorf(CodeIncompatiblePolicy, "A parameter can have only one %s policy.", p.Type)
		}
		seen[p.Type] = true
		if p.Version != "" && p.Version != "1.0" {
			return nil, steward.Errorf(CodeInvalidPolicyAttribute, "The policy version %q is not valid. Use 1.0.", p.Version)
		}
		if err := checkPolicyAttributes(p.Type, p.Attributes); err != nil {
			return nil, err
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, r); err != nil {
			return nil, steward.Errorf(CodeInvalidPolicyAttribute, "A parameter policy must be valid JSON.")
		}
		out = append(out, ParameterPolicy{Text: compact.String(), Type: p.Type, Status: "Pending"})
	}
	if seen["ExpirationNotification"] && !seen["Expiration"] {
		return nil, steward.Errorf(CodeIncompatiblePolicy, "An ExpirationNotification policy needs an Expiration policy on the same parameter.")
	}
	return out, nil
}

func checkPolicyAttributes(typ string, attrs map[string]json.RawMessage) error {
	str := func(k string) (string, bool) {
		var s string
		if json.Unmarshal(attrs[k], &s) != nil {
			return "", false
		}
		return s, true
	}
	bad := func(k string) error {
		return steward.Errorf(CodeInvalidPolicyAttribute, "The %s policy attribute %s is missing or not valid.", typ, k)
	}
	switch typ {
	case "Expiration":
		ts, ok := str("Timestamp")
		if !ok {
			return bad("Timestamp")
		}
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			return bad("Timestamp")
		}
	case "ExpirationNotification", "NoChangeNotification":
		k := "Before"
		if typ == "NoChangeNotification" {
			k = "After"
		}
		n, ok := str(k)
		if !ok || !isDigits(n) {
			return bad(k)
		}
		if u, ok := str("Unit"); !ok || u != "Days" && u != "Hours" {
			return bad("Unit")
		}
	}
	return nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	}
	return "unexpected JSON structure"
}
