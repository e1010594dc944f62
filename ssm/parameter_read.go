package ssm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stewardhq/steward"
)

// GetParameter returns one parameter by name, name:version, name:label or ARN.
func (p *Parameters) GetParameter(ctx context.Context, name string, withDecryption bool) (*Parameter, error) {
	var fe fieldErrors
	fe.length(name, "name", 1, paramNameMaxLen, false)
	if err := fe.err(); err != nil {
		return nil, err
	}
	ref, err := parseParamRef(p.env, name, true)
	if err != nil {
		return nil, err
	}
	if ref.foreign {
		return nil, errParameterNotFound(ref.name)
	}
	recs, err := p.store.GetParameters(ctx, []ParameterRef{ref.store()})
	if err != nil {
		return nil, storeError(err)
	}
	if recs[0] == nil {
		return nil, p.missing(ctx, ref)
	}
	return p.parameter(recs[0], ref.selector, withDecryption)
}

// missing explains why ref found nothing: no such parameter, or no such
// version or label.
func (p *Parameters) missing(ctx context.Context, ref paramRef) error {
	if ref.selector == "" {
		return errParameterNotFound(ref.name)
	}
	recs, err := p.store.GetParameters(ctx, []ParameterRef{{Key: ref.key}})
	if err != nil {
		return storeError(err)
	}
	if recs[0] == nil {
		return errParameterNotFound(ref.name)
	}
	if ref.label != "" {
		return steward.Errorf(CodeParameterVersionNotFound, "Systems Manager could not find a version of %s with the label %s. Verify the label and try again.", ref.name, ref.label)
	}
	return steward.Errorf(CodeParameterVersionNotFound, "Systems Manager could not find version %s of %s. Verify the version and try again.", strings.TrimPrefix(ref.selector, ":"), ref.name)
}

func errParameterNotFound(name string) error {
	return steward.Errorf(CodeParameterNotFound, "Parameter %s not found.", name)
}

func (p *Parameters) parameter(rec *ParameterRecord, selector string, decrypt bool) (*Parameter, error) {
	v, err := p.value(rec, decrypt)
	if err != nil {
		return nil, err
	}
	return &Parameter{
		Name:             rec.Name,
		Type:             rec.Type,
		Value:            v,
		Version:          rec.Version,
		Selector:         selector,
		LastModifiedDate: rec.ModifiedAt,
		ARN:              p.arn(rec.Name),
		DataType:         rec.DataType,
	}, nil
}

// GetParametersOutput is the result of GetParameters.
type GetParametersOutput struct {
	Parameters        []*Parameter // sorted by name, then selector
	InvalidParameters []string     // unknown or malformed names, in request order; never nil
}

// GetParameters returns up to 10 parameters; names that match nothing (or
// are malformed) come back in InvalidParameters.
func (p *Parameters) GetParameters(ctx context.Context, names []string, withDecryption bool) (*GetParametersOutput, error) {
	var fe fieldErrors
	fe.listLen(names, "names", 1, paramNamesPerCall)
	for i, n := range names {
		fe.length(n, fmt.Sprintf("names.%d.member", i+1), 1, paramNameMaxLen, false)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	out := &GetParametersOutput{Parameters: []*Parameter{}, InvalidParameters: []string{}}
	var refs []paramRef
	var asked []string
	bad := map[string]bool{}
	seen := map[string]bool{}
	for _, n := range names {
		ref, err := parseParamRef(p.env, n, true)
		if err != nil || ref.foreign {
			bad[n] = true
			continue
		}
		if id := ref.key + ref.selector; !seen[id] {
			seen[id] = true
			refs = append(refs, ref)
			asked = append(asked, n)
		}
	}
	if len(refs) > 0 {
		q := make([]ParameterRef, len(refs))
		for i, r := range refs {
			q[i] = r.store()
		}
		recs, err := p.store.GetParameters(ctx, q)
		if err != nil {
			return nil, storeError(err)
		}
		for i, rec := range recs {
			if rec == nil {
				bad[asked[i]] = true
				continue
			}
			par, err := p.parameter(rec, refs[i].selector, withDecryption)
			if err != nil {
				return nil, err
			}
			out.Parameters = append(out.Parameters, par)
		}
	}
	for _, n := range names {
		if bad[n] {
			out.InvalidParameters = append(out.InvalidParameters, n)
			delete(bad, n)
		}
	}
	slices.SortStableFunc(out.Parameters, func(a, b *Parameter) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Selector, b.Selector)
	})
	return out, nil
}

// GetParametersByPathInput is a GetParametersByPath request.
type GetParametersByPathInput struct {
	Path             string
	Recursive        bool
	ParameterFilters []ParameterFilter
	WithDecryption   bool
	MaxResults       *int
	NextToken        string
}

// GetParametersByPath returns a page of the parameters under a path.
func (p *Parameters) GetParametersByPath(ctx context.Context, in GetParametersByPathInput) ([]*Parameter, string, error) {
	var fe fieldErrors
	fe.length(in.Path, "path", 1, paramNameMaxLen, false)
	fe.intRange(in.MaxResults, "maxResults", 1, paramByPathMaxResults)
	checkFilterShapes(&fe, in.ParameterFilters)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	path := strings.Trim(in.Path, " ")
	if !validPathValue(path) {
		return nil, "", errInvalidParamPath()
	}
	filters, err := normalizeFilters(in.ParameterFilters, byPathFilterKeys)
	if err != nil {
		return nil, "", err
	}
	opt := OptionOneLevel
	if in.Recursive {
		opt = OptionRecursive
	}
	filters = append(filters, ParameterFilter{Key: FilterPath, Option: opt, Values: []string{pathKey(path)}})
	recs, next, err := p.store.ListParameters(ctx, ParameterQuery{Filters: filters, Token: in.NextToken, Limit: pageSize(in.MaxResults)})
	if err != nil {
		return nil, "", storeError(err)
	}
	out := make([]*Parameter, 0, len(recs))
	for _, rec := range recs {
		par, err := p.parameter(rec, "", in.WithDecryption)
		if err != nil {
			return nil, "", err
		}
		out = append(out, par)
	}
	return out, next, nil
}

func pageSize(max *int) int {
	if max == nil {
		return paramDefaultPageSize
	}
	return *max
}

// DescribeParametersInput is a DescribeParameters request. Filters is the
// deprecated form (keys Name, Type, KeyId); it cannot be combined with
// ParameterFilters.
type DescribeParametersInput struct {
	Filters          []ParameterFilter
	ParameterFilters []ParameterFilter
	MaxResults       *int
	NextToken        string
	Shared           bool
}

// DescribeParameters returns a page of parameter metadata.
func (p *Parameters) DescribeParameters(ctx context.Context, in DescribeParametersInput) ([]*ParameterMetadata, string, error) {
	var fe fieldErrors
	fe.intRange(in.MaxResults, "maxResults", 1, paramDescribeMaxResults)
	for i, f := range in.Filters {
		fe.enum(f.Key, fmt.Sprintf("filters.%d.member.key", i+1), FilterName, FilterType, FilterKeyID)
		if f.Values == nil {
			fe.null(fmt.Sprintf("filters.%d.member.values", i+1))
		} else {
			fe.listLen(f.Values, fmt.Sprintf("filters.%d.member.values", i+1), 1, paramFilterValuesMax)
		}
		for _, v := range f.Values {
			fe.length(v, fmt.Sprintf("filters.%d.member.values", i+1), 1, paramFilterValueMax, false)
			fe.text(v, fmt.Sprintf("filters.%d.member.values", i+1))
		}
	}
	checkFilterShapes(&fe, in.ParameterFilters)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	if len(in.Filters) > 0 && len(in.ParameterFilters) > 0 {
		return nil, "", steward.Validation("You can use either Filters or ParameterFilters in a single request.")
	}
	given := in.ParameterFilters
	if len(in.Filters) > 0 {
		// The legacy filters: Name matches a name prefix, Type and KeyId
		// match exactly.
		given = make([]ParameterFilter, len(in.Filters))
		for i, f := range in.Filters {
			opt := OptionEquals
			if f.Key == FilterName {
				opt = OptionBeginsWith
			}
			given[i] = ParameterFilter{Key: f.Key, Option: opt, Values: f.Values}
		}
	}
	filters, err := normalizeFilters(given, describeFilterKeys)
	if err != nil {
		return nil, "", err
	}
	if in.Shared {
		// Nothing is shared with this account: parameter sharing across
		// accounts does not exist in Steward.
		return []*ParameterMetadata{}, "", nil
	}
	recs, next, err := p.store.ListParameters(ctx, ParameterQuery{Filters: filters, Token: in.NextToken, Limit: pageSize(in.MaxResults)})
	if err != nil {
		return nil, "", storeError(err)
	}
	out := make([]*ParameterMetadata, 0, len(recs))
	for _, rec := range recs {
		out = append(out, p.metadata(rec))
	}
	return out, next, nil
}

func (p *Parameters) metadata(rec *ParameterRecord) *ParameterMetadata {
	pols := []ParameterPolicy{}
	if rec.Policies != "" {
		if parsed, err := parsePolicies(rec.Policies); err == nil {
			pols = parsed
		}
	}
	return &ParameterMetadata{
		Name:             rec.Name,
		ARN:              p.arn(rec.Name),
		Type:             rec.Type,
		KeyID:            rec.KeyID,
		LastModifiedDate: rec.ModifiedAt,
		LastModifiedUser: rec.ModifiedBy,
		Description:      rec.Description,
		AllowedPattern:   rec.AllowedPattern,
		Version:          rec.Version,
		Tier:             rec.Tier,
		Policies:         pols,
		DataType:         rec.DataType,
	}
}

// GetParameterHistoryInput is a GetParameterHistory request.
type GetParameterHistoryInput struct {
	Name           string
	WithDecryption bool
	MaxResults     *int
	NextToken      string
}

// GetParameterHistory returns a page of a parameter's versions, oldest first.
func (p *Parameters) GetParameterHistory(ctx context.Context, in GetParameterHistoryInput) ([]*ParameterHistory, string, error) {
	var fe fieldErrors
	fe.length(in.Name, "name", 1, paramNameMaxLen, false)
	fe.intRange(in.MaxResults, "maxResults", 1, paramHistoryMaxResults)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	ref, err := parseParamRef(p.env, in.Name, false)
	if err != nil {
		return nil, "", err
	}
	if ref.foreign {
		return nil, "", errParameterNotFound(ref.name)
	}
	limit := paramHistoryMaxResults
	if in.MaxResults != nil {
		limit = *in.MaxResults
	}
	recs, next, err := p.store.ParameterHistory(ctx, ref.key, in.NextToken, limit)
	if errors.Is(err, ErrParameterNotFound) {
		return nil, "", errParameterNotFound(ref.name)
	}
	if err != nil {
		return nil, "", storeError(err)
	}
	out := make([]*ParameterHistory, 0, len(recs))
	for _, rec := range recs {
		v, err := p.value(rec, in.WithDecryption)
		if err != nil {
			return nil, "", err
		}
		labels := rec.Labels
		if labels == nil {
			labels = []string{}
		}
		out = append(out, &ParameterHistory{ParameterMetadata: *p.metadata(rec), Value: v, Labels: labels})
	}
	return out, next, nil
}

// Exists reports whether the parameter named id exists: nil when it does, a
// ParameterNotFound (or name validation) error when not. It is the resource
// checker of "Parameter" tags.
func (p *Parameters) Exists(ctx context.Context, id string) error {
	ref, err := parseParamRef(p.env, id, false)
	if err != nil {
		return err
	}
	if ref.foreign {
		return errParameterNotFound(ref.name)
	}
	recs, err := p.store.GetParameters(ctx, []ParameterRef{{Key: ref.key}})
	if err != nil {
		return storeError(err)
	}
	if recs[0] == nil {
		return errParameterNotFound(ref.name)
	}
	return nil
}

// The filter keys each operation accepts.
var (
	byPathFilterKeys   = []string{FilterType, FilterKeyID, FilterLabel}
	describeFilterKeys = []string{FilterName, FilterType, FilterKeyID, FilterPath, FilterTier, FilterDataType, FilterTagPrefix + "*"}
)

// checkFilterShapes applies the model constraints of ParameterStringFilter.
func checkFilterShapes(fe *fieldErrors, filters []ParameterFilter) {
	for i, f := range filters {
		at := fmt.Sprintf("parameterFilters.%d.member.", i+1)
		fe.length(f.Key, at+"key", 1, paramFilterKeyMax, false)
		if f.Key != "" && !filterKeyPattern(f.Key) {
			fe.add(f.Key, at+"key", "Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType")
		}
		if f.Option != "" {
			fe.length(f.Option, at+"option", 1, paramFilterOptionMax, false)
		}
		if f.Values != nil {
			fe.listLen(f.Values, at+"values", 1, paramFilterValuesMax)
			for _, v := range f.Values {
				fe.length(v, at+"values", 1, paramFilterValueMax, false)
				fe.text(v, at+"values")
			}
		}
	}
}

func filterKeyPattern(k string) bool {
	switch k {
	case FilterName, FilterType, FilterKeyID, FilterPath, FilterLabel, FilterTier, FilterDataType:
		return true
	}
	return strings.HasPrefix(k, FilterTagPrefix) && len(k) > len(FilterTagPrefix)
}

// normalizeFilters applies the semantic filter rules of an operation and
// returns the filters in the form ParameterQuery documents.
func normalizeFilters(filters []ParameterFilter, allowed []string) ([]ParameterFilter, error) {
	out := make([]ParameterFilter, 0, len(filters)+1)
	seen := map[string]bool{}
	for _, f := range filters {
		key := f.Key
		if !slices.Contains(allowed, key) && !(strings.HasPrefix(key, FilterTagPrefix) && slices.Contains(allowed, FilterTagPrefix+"*")) {
			return nil, steward.Errorf(CodeParameterInvalidFilterKey, "The following filter key is not valid: %s. Valid filter keys include: [%s].", key, strings.Join(allowed, ", "))
		}
		if seen[key] {
			return nil, steward.Errorf(CodeParameterInvalidFilterKey, "The following filter is duplicated in the request: %s. A request can contain only one occurrence of a specific filter.", key)
		}
		seen[key] = true
		tag := strings.HasPrefix(key, FilterTagPrefix)
		if len(f.Values) == 0 && !tag {
			return nil, steward.Errorf(CodeParameterInvalidFilterValue, "The following filter values are missing : null for filter key %s.", key)
		}
		opt := f.Option
		var options []string
		switch {
		case key == FilterPath:
			options = []string{OptionRecursive, OptionOneLevel}
			if opt == "" {
				opt = OptionOneLevel
			}
		case key == FilterName && slices.Contains(allowed, FilterName):
			options = []string{OptionEquals, OptionBeginsWith, OptionContains}
		case key == FilterLabel:
			options = []string{OptionEquals}
		default:
			options = []string{OptionEquals, OptionBeginsWith}
		}
		if opt == "" {
			opt = OptionEquals
		}
		if !slices.Contains(options, opt) {
			return nil, steward.Errorf(CodeParameterInvalidFilterOption, "The following filter option is not valid: %s. Valid options include: [%s].", opt, strings.Join(options, ", "))
		}
		values := slices.Clone(f.Values)
		var valid []string
		switch key {
		case FilterType:
			valid = []string{TypeString, TypeStringList, TypeSecureString}
		case FilterTier:
			valid = []string{TierStandard, TierAdvanced, TierIntelligentTiering}
		case FilterDataType:
			valid = []string{DataTypeText, DataTypeEC2Image, DataTypeIntegration}
		case FilterName:
			if opt != OptionContains {
				for i, v := range values {
					values[i] = ParameterKey(v)
				}
			}
		case FilterPath:
			for i, v := range values {
				lower := strings.ToLower(v)
				if strings.HasPrefix(lower, "/aws") || strings.HasPrefix(lower, "/ssm") {
					return nil, steward.Validation(`Filters for common parameters can't be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.`)
				}
				if !validPathValue(v) {
					return nil, errInvalidParamPath()
				}
				values[i] = pathKey(v)
			}
		}
		if valid != nil && opt == OptionEquals {
			for _, v := range values {
				if !slices.Contains(valid, v) {
					return nil, steward.Errorf(CodeParameterInvalidFilterValue, "The following filter value is not valid: %s. Valid values include: [%s].", v, strings.Join(valid, ", "))
				}
			}
		}
		out = append(out, ParameterFilter{Key: key, Option: opt, Values: values})
	}
	return out, nil
}
