package cloudwatch

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/stewardhq/steward"
)

// ListMetricsInput filters ListMetrics. RecentlyActive "PT3H" keeps
// metrics with data in the last three hours; otherwise the last two weeks.
type ListMetricsInput struct {
	Namespace      string
	MetricName     string
	Dimensions     []DimensionFilter
	RecentlyActive string
	NextToken      string
}

// ListMetrics lists metrics with recent data, a page of 500 at a time in
// identity order; the second result is the next page's token ("" at the
// end).
func (s *Service) ListMetrics(ctx context.Context, in ListMetricsInput) ([]Metric, string, error) {
	if in.Namespace != "" {
		if err := checkNamespace(in.Namespace, true); err != nil {
			return nil, "", err
		}
	}
	if in.MetricName != "" {
		if err := checkMetricName("MetricName", in.MetricName); err != nil {
			return nil, "", err
		}
	}
	if len(in.Dimensions) > Limits.MaxListFilters {
		return nil, "", invalid("The collection Dimensions must not have a size greater than %d.", Limits.MaxListFilters)
	}
	for i, d := range in.Dimensions {
		p := "Dimensions.member." + itoa(i+1)
		switch {
		case d.Name == "":
			return nil, "", missing(p + ".Name")
		case len(d.Name) > Limits.MaxDimensionName:
			return nil, "", invalid("The parameter %s.Name must be shorter than %d characters.", p, Limits.MaxDimensionName+1)
		case d.Value != nil && (*d.Value == "" || len(*d.Value) > Limits.MaxDimensionValue):
			return nil, "", invalid("The parameter %s.Value must be between 1 and %d characters.", p, Limits.MaxDimensionValue)
		}
		if err := checkText(p+".Name", d.Name); err != nil {
			return nil, "", err
		}
		if d.Value != nil {
			if err := checkText(p+".Value", *d.Value); err != nil {
				return nil, "", err
			}
		}
	}
	now := s.env.Clock.Now()
	q := MetricQuery{Namespace: in.Namespace, Name: in.MetricName, Dimensions: in.Dimensions,
		ActiveSince: now.Add(-MetricActiveFor), Limit: Limits.ListPage + 1}
	switch in.RecentlyActive {
	case "":
	case "PT3H":
		q.ActiveSince = now.Add(-Limits.RecentlyActive)
	default:
		return nil, "", invalid("The parameter RecentlyActive must be a value in the set [ PT3H ].")
	}
	if in.NextToken != "" {
		after, ok := parseKeyToken(in.NextToken)
		if !ok {
			return nil, "", steward.Errorf(CodeInvalidNextToken, "The NextToken is not valid.")
		}
		q.After = after
	}
	ms, err := s.store.ListMetrics(ctx, q)
	if err != nil {
		return nil, "", steward.Internal(err)
	}
	next := ""
	if len(ms) > Limits.ListPage {
		ms = ms[:Limits.ListPage]
		next = keyToken(ms[len(ms)-1].Key)
	}
	return ms, next, nil
}

func keyToken(key string) string {
	return "k" + base64.RawURLEncoding.EncodeToString([]byte(key))
}

func parseKeyToken(tok string) (string, bool) {
	rest, ok := strings.CutPrefix(tok, "k")
	if !ok {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) == 0 {
		return "", false
	}
	return string(b), true
}
