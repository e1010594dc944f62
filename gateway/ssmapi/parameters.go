package ssmapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/ssm"
)

// parameterOps are the Parameter Store operations.
func parameterOps(p *ssm.Parameters) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("PutParameter", func(ctx context.Context, in *putParameterInput) (*putParameterOutput, error) {
			out, err := p.PutParameter(ctx, ssm.PutParameterInput{
				Name: in.Name, Value: in.Value, Type: in.Type, Description: in.Description, KeyID: in.KeyId,
				Overwrite: paramDeref(in.Overwrite), AllowedPattern: in.AllowedPattern, Tags: resourceTagsIn(in.Tags),
				Tier: in.Tier, Policies: in.Policies, DataType: in.DataType,
			})
			if err != nil {
				return nil, err
			}
			return &putParameterOutput{Version: out.Version, Tier: out.Tier}, nil
		}),
		gateway.Handle("GetParameter", func(ctx context.Context, in *getParameterInput) (*getParameterOutput, error) {
			par, err := p.GetParameter(ctx, in.Name, paramDeref(in.WithDecryption))
			if err != nil {
				return nil, err
			}
			return &getParameterOutput{Parameter: parameterOut(par)}, nil
		}),
		gateway.Handle("GetParameters", func(ctx context.Context, in *getParametersInput) (*getParametersOutput, error) {
			out, err := p.GetParameters(ctx, in.Names, paramDeref(in.WithDecryption))
			if err != nil {
				return nil, err
			}
			return &getParametersOutput{Parameters: parametersOut(out.Parameters), InvalidParameters: out.InvalidParameters}, nil
		}),
		gateway.Handle("GetParametersByPath", func(ctx context.Context, in *getParametersByPathInput) (*getParametersByPathOutput, error) {
			pars, next, err := p.GetParametersByPath(ctx, ssm.GetParametersByPathInput{
				Path: in.Path, Recursive: paramDeref(in.Recursive), ParameterFilters: parameterFiltersIn(in.ParameterFilters),
				WithDecryption: paramDeref(in.WithDecryption), MaxResults: paramIntIn(in.MaxResults), NextToken: paramDeref(in.NextToken),
			})
			if err != nil {
				return nil, err
			}
			return &getParametersByPathOutput{Parameters: parametersOut(pars), NextToken: paramTokenOut(next)}, nil
		}),
		gateway.Handle("DescribeParameters", func(ctx context.Context, in *describeParametersInput) (*describeParametersOutput, error) {
			legacy := make([]ssm.ParameterFilter, len(in.Filters))
			for i, f := range in.Filters {
				legacy[i] = ssm.ParameterFilter{Key: f.Key, Values: f.Values}
			}
			mds, next, err := p.DescribeParameters(ctx, ssm.DescribeParametersInput{
				Filters: legacy, ParameterFilters: parameterFiltersIn(in.ParameterFilters),
				MaxResults: paramIntIn(in.MaxResults), NextToken: paramDeref(in.NextToken), Shared: paramDeref(in.Shared),
			})
			if err != nil {
				return nil, err
			}
			out := &describeParametersOutput{Parameters: make([]parameterMetadata, len(mds)), NextToken: paramTokenOut(next)}
			for i, md := range mds {
				out.Parameters[i] = parameterMetadataOut(md)
			}
			return out, nil
		}),
		gateway.Handle("GetParameterHistory", func(ctx context.Context, in *getParameterHistoryInput) (*getParameterHistoryOutput, error) {
			hist, next, err := p.GetParameterHistory(ctx, ssm.GetParameterHistoryInput{
				Name: in.Name, WithDecryption: paramDeref(in.WithDecryption), MaxResults: paramIntIn(in.MaxResults), NextToken: paramDeref(in.NextToken),
			})
			if err != nil {
				return nil, err
			}
			out := &getParameterHistoryOutput{Parameters: make([]parameterHistory, len(hist)), NextToken: paramTokenOut(next)}
			for i, h := range hist {
				out.Parameters[i] = parameterHistory{parameterMetadata: parameterMetadataOut(&h.ParameterMetadata), Value: h.Value, Labels: h.Labels}
				out.Parameters[i].ARN = "" // ParameterHistory has no ARN member
			}
			return out, nil
		}),
		gateway.Handle("DeleteParameter", func(ctx context.Context, in *deleteParameterInput) (*struct{}, error) {
			return &struct{}{}, p.DeleteParameter(ctx, in.Name)
		}),
		gateway.Handle("DeleteParameters", func(ctx context.Context, in *deleteParametersInput) (*deleteParametersOutput, error) {
			out, err := p.DeleteParameters(ctx, in.Names)
			if err != nil {
				return nil, err
			}
			return &deleteParametersOutput{DeletedParameters: out.DeletedParameters, InvalidParameters: out.InvalidParameters}, nil
		}),
		gateway.Handle("LabelParameterVersion", func(ctx context.Context, in *labelParameterVersionInput) (*labelParameterVersionOutput, error) {
			out, err := p.LabelParameterVersion(ctx, in.Name, in.ParameterVersion, in.Labels)
			if err != nil {
				return nil, err
			}
			return &labelParameterVersionOutput{InvalidLabels: out.InvalidLabels, ParameterVersion: out.ParameterVersion}, nil
		}),
		gateway.Handle("UnlabelParameterVersion", func(ctx context.Context, in *unlabelParameterVersionInput) (*unlabelParameterVersionOutput, error) {
			out, err := p.UnlabelParameterVersion(ctx, in.Name, in.ParameterVersion, in.Labels)
			if err != nil {
				return nil, err
			}
			return &unlabelParameterVersionOutput{RemovedLabels: out.RemovedLabels, InvalidLabels: out.InvalidLabels}, nil
		}),
	}
}

// Wire shapes (botocore ssm/2014-11-06). Pointers and omitempty leave out
// the members AWS leaves out; lists AWS always returns are never nil.

type putParameterInput struct {
	Name           string        `json:"Name"`
	Description    *string       `json:"Description"`
	Value          *string       `json:"Value"`
	Type           string        `json:"Type"`
	KeyId          *string       `json:"KeyId"`
	Overwrite      *bool         `json:"Overwrite"`
	AllowedPattern *string       `json:"AllowedPattern"`
	Tags           []resourceTag `json:"Tags"`
	Tier           string        `json:"Tier"`
	Policies       *string       `json:"Policies"`
	DataType       string        `json:"DataType"`
}

type putParameterOutput struct {
	Version int64  `json:"Version"`
	Tier    string `json:"Tier"`
}

type parameterWire struct {
	Name             string    `json:"Name"`
	Type             string    `json:"Type"`
	Value            string    `json:"Value"`
	Version          int64     `json:"Version"`
	Selector         string    `json:"Selector,omitempty"`
	SourceResult     string    `json:"SourceResult,omitempty"`
	LastModifiedDate time.Time `json:"LastModifiedDate"`
	ARN              string    `json:"ARN"`
	DataType         string    `json:"DataType,omitempty"`
}

type getParameterInput struct {
	Name           string `json:"Name"`
	WithDecryption *bool  `json:"WithDecryption"`
}

type getParameterOutput struct {
	Parameter parameterWire `json:"Parameter"`
}

type getParametersInput struct {
	Names          []string `json:"Names"`
	WithDecryption *bool    `json:"WithDecryption"`
}

type getParametersOutput struct {
	Parameters        []parameterWire `json:"Parameters"`
	InvalidParameters []string        `json:"InvalidParameters"`
}

type parameterStringFilter struct {
	Key    string   `json:"Key"`
	Option string   `json:"Option,omitempty"`
	Values []string `json:"Values,omitempty"`
}

type getParametersByPathInput struct {
	Path             string                  `json:"Path"`
	Recursive        *bool                   `json:"Recursive"`
	ParameterFilters []parameterStringFilter `json:"ParameterFilters"`
	WithDecryption   *bool                   `json:"WithDecryption"`
	MaxResults       *int32                  `json:"MaxResults"`
	NextToken        *string                 `json:"NextToken"`
}

type getParametersByPathOutput struct {
	Parameters []parameterWire `json:"Parameters"`
	NextToken  *string         `json:"NextToken,omitempty"`
}

type parametersFilter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

type describeParametersInput struct {
	Filters          []parametersFilter      `json:"Filters"`
	ParameterFilters []parameterStringFilter `json:"ParameterFilters"`
	MaxResults       *int32                  `json:"MaxResults"`
	NextToken        *string                 `json:"NextToken"`
	Shared           *bool                   `json:"Shared"`
}

type parameterInlinePolicy struct {
	PolicyText   string `json:"PolicyText,omitempty"`
	PolicyType   string `json:"PolicyType,omitempty"`
	PolicyStatus string `json:"PolicyStatus,omitempty"`
}

type parameterMetadata struct {
	Name             string                  `json:"Name"`
	ARN              string                  `json:"ARN,omitempty"`
	Type             string                  `json:"Type"`
	KeyId            string                  `json:"KeyId,omitempty"`
	LastModifiedDate time.Time               `json:"LastModifiedDate"`
	LastModifiedUser string                  `json:"LastModifiedUser,omitempty"`
	Description      string                  `json:"Description,omitempty"`
	AllowedPattern   string                  `json:"AllowedPattern,omitempty"`
	Version          int64                   `json:"Version"`
	Tier             string                  `json:"Tier,omitempty"`
	Policies         []parameterInlinePolicy `json:"Policies"`
	DataType         string                  `json:"DataType,omitempty"`
}

type describeParametersOutput struct {
	Parameters []parameterMetadata `json:"Parameters"`
	NextToken  *string             `json:"NextToken,omitempty"`
}

type getParameterHistoryInput struct {
	Name           string  `json:"Name"`
	WithDecryption *bool   `json:"WithDecryption"`
	MaxResults     *int32  `json:"MaxResults"`
	NextToken      *string `json:"NextToken"`
}

type parameterHistory struct {
	parameterMetadata
	Value  string   `json:"Value"`
	Labels []string `json:"Labels"`
}

type getParameterHistoryOutput struct {
	Parameters []parameterHistory `json:"Parameters"`
	NextToken  *string            `json:"NextToken,omitempty"`
}

type deleteParameterInput struct {
	Name string `json:"Name"`
}

type deleteParametersInput struct {
	Names []string `json:"Names"`
}

type deleteParametersOutput struct {
	DeletedParameters []string `json:"DeletedParameters"`
	InvalidParameters []string `json:"InvalidParameters"`
}

type labelParameterVersionInput struct {
	Name             string   `json:"Name"`
	ParameterVersion *int64   `json:"ParameterVersion"`
	Labels           []string `json:"Labels"`
}

type labelParameterVersionOutput struct {
	InvalidLabels    []string `json:"InvalidLabels"`
	ParameterVersion int64    `json:"ParameterVersion"`
}

type unlabelParameterVersionInput struct {
	Name             string   `json:"Name"`
	ParameterVersion *int64   `json:"ParameterVersion"`
	Labels           []string `json:"Labels"`
}

type unlabelParameterVersionOutput struct {
	RemovedLabels []string `json:"RemovedLabels"`
	InvalidLabels []string `json:"InvalidLabels"`
}

func parameterOut(p *ssm.Parameter) parameterWire {
	return parameterWire{
		Name: p.Name, Type: p.Type, Value: p.Value, Version: p.Version, Selector: p.Selector,
		SourceResult: p.SourceResult, LastModifiedDate: p.LastModifiedDate, ARN: p.ARN, DataType: p.DataType,
	}
}

func parametersOut(ps []*ssm.Parameter) []parameterWire {
	out := make([]parameterWire, len(ps))
	for i, p := range ps {
		out[i] = parameterOut(p)
	}
	return out
}

func parameterMetadataOut(md *ssm.ParameterMetadata) parameterMetadata {
	pols := make([]parameterInlinePolicy, len(md.Policies))
	for i, pol := range md.Policies {
		pols[i] = parameterInlinePolicy{PolicyText: pol.Text, PolicyType: pol.Type, PolicyStatus: pol.Status}
	}
	return parameterMetadata{
		Name: md.Name, ARN: md.ARN, Type: md.Type, KeyId: md.KeyID, LastModifiedDate: md.LastModifiedDate,
		LastModifiedUser: md.LastModifiedUser, Description: md.Description, AllowedPattern: md.AllowedPattern,
		Version: md.Version, Tier: md.Tier, Policies: pols, DataType: md.DataType,
	}
}

func parameterFiltersIn(in []parameterStringFilter) []ssm.ParameterFilter {
	out := make([]ssm.ParameterFilter, len(in))
	for i, f := range in {
		out[i] = ssm.ParameterFilter{Key: f.Key, Option: f.Option, Values: f.Values}
	}
	return out
}

func paramDeref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func paramIntIn(v *int32) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}

func paramTokenOut(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}
