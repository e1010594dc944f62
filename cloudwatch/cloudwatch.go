package cloudwatch

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward"
)

// Error codes (the model's error shape names; the gateway maps them to the
// query codes InvalidParameterValue, InvalidParameterCombination,
// MissingParameter and InvalidNextToken).
const (
	CodeInvalidParameterValue       = "InvalidParameterValueException"
	CodeInvalidParameterCombination = "InvalidParameterCombinationException"
	CodeMissingParameter            = "MissingRequiredParameterException"
	CodeInvalidNextToken            = "InvalidNextToken"
	CodeResourceNotFound            = "ResourceNotFound"          // alarms (DeleteAlarms, SetAlarmState …)
	CodeResourceNotFoundException   = "ResourceNotFoundException" // tagging
	CodeLimitExceeded               = "LimitExceededFault"
	CodeInvalidFormat               = "InvalidFormatFault"
)

// Limits are CloudWatch's metric quotas and bounds (reference B1–B3, the
// botocore model).
var Limits = struct {
	MaxNamespace      int           // Namespace length
	MaxMetricName     int           // MetricName length
	MaxDimensions     int           // per metric
	MaxDimensionName  int           // Dimension Name length
	MaxDimensionValue int           // Dimension Value length
	MaxData           int           // MetricData items per PutMetricData
	MaxValues         int           // Values (and Counts) per datum
	MaxAbsValue       float64       // |value| bound (2^360)
	MaxAge            time.Duration // datum timestamps no older
	MaxAhead          time.Duration // datum timestamps no further ahead
	MaxDatapoints     int           // GetMetricStatistics datapoints per call
	MaxStatistics     int           // GetMetricStatistics Statistics
	MaxExtended       int           // GetMetricStatistics ExtendedStatistics
	MaxQueries        int           // GetMetricData MetricDataQueries
	MaxExpression     int           // GetMetricData Expression length
	DefaultMaxPoints  int           // GetMetricData MaxDatapoints default
	MaxListFilters    int           // ListMetrics Dimensions
	ListPage          int           // ListMetrics page size
	RecentlyActive    time.Duration // ListMetrics RecentlyActive=PT3H
}{
	MaxNamespace: 255, MaxMetricName: 255, MaxDimensions: 30, MaxDimensionName: 255, MaxDimensionValue: 1024,
	MaxData: 1000, MaxValues: 150, MaxAbsValue: math.Ldexp(1, 360),
	MaxAge: 14 * 24 * time.Hour, MaxAhead: 2 * time.Hour,
	MaxDatapoints: 1440, MaxStatistics: 5, MaxExtended: 10,
	MaxQueries: 500, MaxExpression: 2048, DefaultMaxPoints: 100800,
	MaxListFilters: 10, ListPage: 500, RecentlyActive: 3 * time.Hour,
}

// Units is the StandardUnit enum.
var Units = map[string]bool{
	"Seconds": true, "Microseconds": true, "Milliseconds": true,
	"Bytes": true, "Kilobytes": true, "Megabytes": true, "Gigabytes": true, "Terabytes": true,
	"Bits": true, "Kilobits": true, "Megabits": true, "Gigabits": true, "Terabits": true,
	"Percent": true, "Count": true,
	"Bytes/Second": true, "Kilobytes/Second": true, "Megabytes/Second": true, "Gigabytes/Second": true, "Terabytes/Second": true,
	"Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true, "Gigabits/Second": true, "Terabits/Second": true,
	"Count/Second": true, "None": true,
}

// UnitNone is the unit data is stored with when the caller gives none.
const UnitNone = "None"

// Env is where the service runs.
type Env struct {
	Clock   steward.Clock
	Account string
	Region  string
}

// Service is CloudWatch metrics.
type Service struct {
	store Store
	env   Env
	log   *slog.Logger

	alarms    AlarmStore     // nil: no alarms (UseAlarms)
	publisher TopicPublisher // alarm actions
	engine    alarmEngine
}

// New returns the service on store.
func New(store Store, env Env, log *slog.Logger) *Service {
	if env.Clock == nil {
		env.Clock = steward.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, env: env, log: log}
}

// Sweep drops buckets past their resolution's retention and metrics that
// went quiet (Store.PurgePoints). It returns how many rows went; run it
// periodically.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	n, err := s.store.PurgePoints(ctx, s.env.Clock.Now())
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.log.Debug("cloudwatch sweep", "purged", n)
	}
	return n, nil
}

func invalid(format string, args ...any) error {
	return steward.Errorf(CodeInvalidParameterValue, format, args...)
}

func combination(format string, args ...any) error {
	return steward.Errorf(CodeInvalidParameterCombination, format, args...)
}

func missing(param string) error {
	return steward.Errorf(CodeMissingParameter, "The parameter %s is required.", param)
}

// checkDimensions validates a metric's dimensions; param names the
// collection in messages ("MetricData.member.1.Dimensions").
func checkDimensions(param string, dims []Dimension) error {
	if len(dims) > Limits.MaxDimensions {
		return invalid("The collection %s must not have a size greater than %d.", param, Limits.MaxDimensions)
	}
	seen := make(map[string]bool, len(dims))
	for i, d := range dims {
		p := param + ".member." + itoa(i+1)
		if d.Name == "" {
			return missing(p + ".Name")
		}
		if d.Value == "" {
			return missing(p + ".Value")
		}
		if len(d.Name) > Limits.MaxDimensionName {
			return invalid("The parameter %s.Name must be shorter than %d characters.", p, Limits.MaxDimensionName+1)
		}
		if len(d.Value) > Limits.MaxDimensionValue {
			return invalid("The parameter %s.Value must be shorter than %d characters.", p, Limits.MaxDimensionValue+1)
		}
		if err := checkText(p+".Name", d.Name); err != nil {
			return err
		}
		if err := checkText(p+".Value", d.Value); err != nil {
			return err
		}
		if d.Name[0] == ':' {
			return invalid("The parameter %s.Name must not begin with ':'.", p)
		}
		if seen[d.Name] {
			return invalid("No metric may have duplicate dimension names: %s has %s twice.", param, d.Name)
		}
		seen[d.Name] = true
	}
	return nil
}

// checkNamespace validates a namespace; custom callers may not use AWS/.
func checkNamespace(ns string, allowAWS bool) error {
	switch {
	case ns == "":
		return missing("Namespace")
	case len(ns) > Limits.MaxNamespace:
		return invalid("The parameter Namespace must be shorter than %d characters.", Limits.MaxNamespace+1)
	case ns[0] == ':':
		return invalid("The parameter Namespace must not begin with ':'.")
	case !allowAWS && strings.HasPrefix(ns, "AWS/"):
		return invalid("The value %s for parameter Namespace is invalid: the AWS/ prefix is reserved for AWS services.", ns)
	}
	return checkText("Namespace", ns)
}

func checkMetricName(param, name string) error {
	if name == "" {
		return missing(param)
	}
	if len(name) > Limits.MaxMetricName {
		return invalid("The parameter %s must be shorter than %d characters.", param, Limits.MaxMetricName+1)
	}
	return checkText(param, name)
}

func checkUnit(param, unit string) error {
	if unit != "" && !Units[unit] {
		return invalid("The parameter %s must be a value in the set [ Seconds, Microseconds, Milliseconds, Bytes, Kilobytes, Megabytes, Gigabytes, Terabytes, Bits, Kilobits, Megabits, Gigabits, Terabits, Percent, Count, Bytes/Second, Kilobytes/Second, Megabytes/Second, Gigabytes/Second, Terabytes/Second, Bits/Second, Kilobits/Second, Megabits/Second, Gigabits/Second, Terabits/Second, Count/Second, None ].", param)
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// checkText rejects what no name or value may hold: invalid UTF-8 and
// ASCII control characters (CloudWatch refuses them, and MetricKey relies
// on their absence).
func checkText(param, s string) error {
	if !utf8.ValidString(s) {
		return invalid("The parameter %s must be valid UTF-8.", param)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return invalid("The parameter %s must not contain control characters.", param)
		}
	}
	return nil
}
