package sns

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// Delivery policies (reference/events-cloudwatch-sns-sqs.md D5,
// sns-message-delivery-retries.html).
//
// A retry policy has four phases after the first attempt: numNoDelayRetries
// immediate retries, numMinDelayRetries at minDelayTarget, the backoff phase
// (the rest of numRetries) whose delays grow from minDelayTarget to
// maxDelayTarget along backoffFunction, and numMaxDelayRetries at
// maxDelayTarget. AWS does not publish the backoff curves; Steward uses, for
// retry i of n in the backoff phase and x = i/n, the fraction x (linear), x²
// (arithmetic), x³ (geometric) and (2^(10x)−1)/1023 (exponential) of the way
// from min to max, without jitter, so schedules are reproducible.
//
// HTTP/S subscriptions follow the subscription's DeliveryPolicy over the
// topic's "http" defaults (unless the topic disables overrides), over AWS's
// default of 3 retries 20 s apart. SQS follows AWS's policy for AWS-managed
// endpoints (100,015 attempts over 23 days), email AWS's policy for SMTP
// (50 attempts over 6 hours); neither can be changed, as in AWS.

// retryPolicy is a resolved healthy retry policy, delays in seconds.
type retryPolicy struct {
	MinDelay, MaxDelay                  int
	NumRetries                          int
	NoDelay, MinDelayRetries, MaxDelays int
	Backoff                             string
}

var (
	defaultHTTPPolicy = retryPolicy{MinDelay: 20, MaxDelay: 20, NumRetries: 3, Backoff: "linear"}
	// managedPolicy: 3 immediate, 2 × 1 s, 10 backoff 1–20 s, the rest 20 s
	// apart: 100,015 attempts over about 23 days.
	managedPolicy = retryPolicy{MinDelay: 1, MaxDelay: 20, NumRetries: 100014, NoDelay: 3, MinDelayRetries: 2, MaxDelays: 99999, Backoff: "exponential"}
	// smtpPolicy: 2 × 10 s, 10 backoff 10–600 s, 37 × 600 s: 50 attempts over about 6 hours.
	smtpPolicy = retryPolicy{MinDelay: 10, MaxDelay: 600, NumRetries: 49, MinDelayRetries: 2, MaxDelays: 37, Backoff: "exponential"}
)

// delay returns the wait before retry n (1 for the first retry) and false
// when the policy allows no such retry.
func (p retryPolicy) delay(n int) (time.Duration, bool) {
	if n < 1 || n > p.NumRetries {
		return 0, false
	}
	backoff := max(p.NumRetries-p.NoDelay-p.MinDelayRetries-p.MaxDelays, 0)
	sec := func(s float64) time.Duration { return time.Duration(math.Round(s*1000)) * time.Millisecond }
	switch {
	case n <= p.NoDelay:
		return 0, true
	case n <= p.NoDelay+p.MinDelayRetries:
		return sec(float64(p.MinDelay)), true
	case n <= p.NoDelay+p.MinDelayRetries+backoff:
		i := n - p.NoDelay - p.MinDelayRetries
		x := float64(i) / float64(backoff)
		var f float64
		switch p.Backoff {
		case "arithmetic":
			f = x * x
		case "geometric":
			f = x * x * x
		case "exponential":
			f = (math.Pow(2, 10*x) - 1) / 1023
		default:
			f = x
		}
		return sec(float64(p.MinDelay) + float64(p.MaxDelay-p.MinDelay)*f), true
	}
	return sec(float64(p.MaxDelay)), true
}

// total is the sum of all delays (AWS caps HTTP/S policies at 3,600 s).
func (p retryPolicy) total() time.Duration {
	var d time.Duration
	for n := 1; n <= p.NumRetries; n++ {
		x, _ := p.delay(n)
		d += x
	}
	return d
}

// Wire forms of the policies (field order as AWS prints them).

type healthyRetryJSON struct {
	MinDelayTarget     *json.Number `json:"minDelayTarget,omitempty"`
	MaxDelayTarget     *json.Number `json:"maxDelayTarget,omitempty"`
	NumRetries         *json.Number `json:"numRetries,omitempty"`
	NumMaxDelayRetries *json.Number `json:"numMaxDelayRetries,omitempty"`
	NumNoDelayRetries  *json.Number `json:"numNoDelayRetries,omitempty"`
	NumMinDelayRetries *json.Number `json:"numMinDelayRetries,omitempty"`
	BackoffFunction    *string      `json:"backoffFunction,omitempty"`
}

type throttleJSON struct {
	MaxReceivesPerSecond *json.Number `json:"maxReceivesPerSecond,omitempty"`
}

type requestJSON struct {
	HeaderContentType *string `json:"headerContentType,omitempty"`
}

// subDeliveryPolicy is a subscription's DeliveryPolicy.
type subDeliveryPolicy struct {
	HealthyRetryPolicy *healthyRetryJSON `json:"healthyRetryPolicy,omitempty"`
	ThrottlePolicy     *throttleJSON     `json:"throttlePolicy,omitempty"`
	RequestPolicy      *requestJSON      `json:"requestPolicy,omitempty"`
}

// topicDeliveryPolicy is a topic's DeliveryPolicy.
type topicDeliveryPolicy struct {
	HTTP *struct {
		DefaultHealthyRetryPolicy    *healthyRetryJSON `json:"defaultHealthyRetryPolicy,omitempty"`
		DisableSubscriptionOverrides *bool             `json:"disableSubscriptionOverrides,omitempty"`
		DefaultThrottlePolicy        *throttleJSON     `json:"defaultThrottlePolicy,omitempty"`
		DefaultRequestPolicy         *requestJSON      `json:"defaultRequestPolicy,omitempty"`
	} `json:"http,omitempty"`
}

func policyError(reason string) error { return invalid("DeliveryPolicy: %s", reason) }

func decodePolicy(src string, v any) error {
	d := json.NewDecoder(strings.NewReader(src))
	d.UseNumber()
	if err := d.Decode(v); err != nil || d.More() {
		return policyError("Invalid JSON")
	}
	return nil
}

// parseSubDeliveryPolicy validates a subscription DeliveryPolicy.
func parseSubDeliveryPolicy(src string) (*subDeliveryPolicy, error) {
	var p subDeliveryPolicy
	if err := decodePolicy(src, &p); err != nil {
		return nil, err
	}
	if _, err := applyRetry(defaultHTTPPolicy, p.HealthyRetryPolicy); err != nil {
		return nil, err
	}
	if err := checkThrottle(p.ThrottlePolicy); err != nil {
		return nil, err
	}
	if err := checkRequest(p.RequestPolicy); err != nil {
		return nil, err
	}
	return &p, nil
}

// parseTopicDeliveryPolicy validates a topic DeliveryPolicy.
func parseTopicDeliveryPolicy(src string) (*topicDeliveryPolicy, error) {
	var p topicDeliveryPolicy
	if err := decodePolicy(src, &p); err != nil {
		return nil, err
	}
	if p.HTTP != nil {
		if _, err := applyRetry(defaultHTTPPolicy, p.HTTP.DefaultHealthyRetryPolicy); err != nil {
			return nil, err
		}
		if err := checkThrottle(p.HTTP.DefaultThrottlePolicy); err != nil {
			return nil, err
		}
		if err := checkRequest(p.HTTP.DefaultRequestPolicy); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// applyRetry returns base with the fields of j set, validated.
func applyRetry(base retryPolicy, j *healthyRetryJSON) (retryPolicy, error) {
	if j == nil {
		return base, nil
	}
	p := base
	num := func(n *json.Number, name string, lo, hi int, dst *int) error {
		if n == nil {
			return nil
		}
		v, err := n.Int64()
		if err != nil || v < int64(lo) || v > int64(hi) {
			return policyError(name + " must be an integer between " + itoa(lo) + " and " + itoa(hi))
		}
		*dst = int(v)
		return nil
	}
	for _, f := range []struct {
		n      *json.Number
		name   string
		lo, hi int
		dst    *int
	}{
		{j.MinDelayTarget, "minDelayTarget", 1, 3600, &p.MinDelay},
		{j.MaxDelayTarget, "maxDelayTarget", 1, 3600, &p.MaxDelay},
		{j.NumRetries, "numRetries", 0, 100, &p.NumRetries},
		{j.NumNoDelayRetries, "numNoDelayRetries", 0, 100, &p.NoDelay},
		{j.NumMinDelayRetries, "numMinDelayRetries", 0, 100, &p.MinDelayRetries},
		{j.NumMaxDelayRetries, "numMaxDelayRetries", 0, 100, &p.MaxDelays},
	} {
		if err := num(f.n, f.name, f.lo, f.hi, f.dst); err != nil {
			return p, err
		}
	}
	if j.BackoffFunction != nil {
		switch *j.BackoffFunction {
		case "linear", "arithmetic", "geometric", "exponential":
			p.Backoff = *j.BackoffFunction
		default:
			return p, policyError("backoffFunction must be one of linear, arithmetic, geometric, exponential")
		}
	}
	if p.MinDelay > p.MaxDelay {
		return p, policyError("minDelayTarget must be less than or equal to maxDelayTarget")
	}
	if p.NoDelay+p.MinDelayRetries+p.MaxDelays > p.NumRetries {
		return p, policyError("numRetries must be at least numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries")
	}
	if p.total() > time.Hour {
		return p, policyError("The total retry time of the policy must not exceed 3600 seconds")
	}
	return p, nil
}

func checkThrottle(t *throttleJSON) error {
	if t == nil || t.MaxReceivesPerSecond == nil {
		return nil
	}
	if v, err := t.MaxReceivesPerSecond.Int64(); err != nil || v < 1 {
		return policyError("maxReceivesPerSecond must be a positive integer")
	}
	return nil
}

var contentTypes = []string{"text/plain", "application/json", "application/xml"}

func checkRequest(r *requestJSON) error {
	if r == nil || r.HeaderContentType == nil {
		return nil
	}
	base, params, _ := strings.Cut(*r.HeaderContentType, ";")
	base = strings.TrimSpace(base)
	ok := false
	for _, c := range contentTypes {
		ok = ok || base == c
	}
	if p := strings.TrimSpace(params); p != "" && !strings.EqualFold(p, "charset=UTF-8") {
		ok = false
	}
	if !ok {
		return policyError("headerContentType must be one of text/plain, application/json, application/xml (optionally with ; charset=UTF-8)")
	}
	return nil
}

const defaultContentType = "text/plain; charset=UTF-8"

// httpDelivery is what an HTTP/S delivery follows.
type httpDelivery struct {
	retry       retryPolicy
	contentType string
}

// resolveHTTP combines the topic and subscription policies (both already
// validated when stored).
func resolveHTTP(topicPolicy, subPolicy string) httpDelivery {
	d := httpDelivery{retry: defaultHTTPPolicy, contentType: defaultContentType}
	overrides := true
	if topicPolicy != "" {
		if tp, err := parseTopicDeliveryPolicy(topicPolicy); err == nil && tp.HTTP != nil {
			if r, err := applyRetry(d.retry, tp.HTTP.DefaultHealthyRetryPolicy); err == nil {
				d.retry = r
			}
			if rp := tp.HTTP.DefaultRequestPolicy; rp != nil && rp.HeaderContentType != nil {
				d.contentType = *rp.HeaderContentType
			}
			if tp.HTTP.DisableSubscriptionOverrides != nil && *tp.HTTP.DisableSubscriptionOverrides {
				overrides = false
			}
		}
	}
	if subPolicy != "" && overrides {
		if sp, err := parseSubDeliveryPolicy(subPolicy); err == nil {
			if r, err := applyRetry(d.retry, sp.HealthyRetryPolicy); err == nil {
				d.retry = r
			}
			if rp := sp.RequestPolicy; rp != nil && rp.HeaderContentType != nil {
				d.contentType = *rp.HeaderContentType
			}
		}
	}
	return d
}

type retryOut struct {
	MinDelayTarget     int    `json:"minDelayTarget"`
	MaxDelayTarget     int    `json:"maxDelayTarget"`
	NumRetries         int    `json:"numRetries"`
	NumMaxDelayRetries int    `json:"numMaxDelayRetries"`
	NumNoDelayRetries  int    `json:"numNoDelayRetries"`
	NumMinDelayRetries int    `json:"numMinDelayRetries"`
	BackoffFunction    string `json:"backoffFunction"`
}

func retryOf(p retryPolicy) retryOut {
	return retryOut{p.MinDelay, p.MaxDelay, p.NumRetries, p.MaxDelays, p.NoDelay, p.MinDelayRetries, p.Backoff}
}

// effectiveTopicDeliveryPolicy is GetTopicAttributes' EffectiveDeliveryPolicy.
func effectiveTopicDeliveryPolicy(topicPolicy string) string {
	d := resolveHTTP(topicPolicy, "")
	out := struct {
		HTTP struct {
			DefaultHealthyRetryPolicy    retryOut      `json:"defaultHealthyRetryPolicy"`
			DisableSubscriptionOverrides bool          `json:"disableSubscriptionOverrides"`
			DefaultThrottlePolicy        *throttleJSON `json:"defaultThrottlePolicy,omitempty"`
			DefaultRequestPolicy         requestJSON   `json:"defaultRequestPolicy"`
		} `json:"http"`
	}{}
	out.HTTP.DefaultHealthyRetryPolicy = retryOf(d.retry)
	out.HTTP.DefaultRequestPolicy.HeaderContentType = &d.contentType
	if tp, err := parseTopicDeliveryPolicy(topicPolicy); topicPolicy != "" && err == nil && tp.HTTP != nil {
		out.HTTP.DisableSubscriptionOverrides = tp.HTTP.DisableSubscriptionOverrides != nil && *tp.HTTP.DisableSubscriptionOverrides
		out.HTTP.DefaultThrottlePolicy = tp.HTTP.DefaultThrottlePolicy
	}
	return marshalCompact(out)
}

// effectiveSubDeliveryPolicy is GetSubscriptionAttributes'
// EffectiveDeliveryPolicy of an HTTP/S subscription.
func effectiveSubDeliveryPolicy(topicPolicy, subPolicy string) string {
	d := resolveHTTP(topicPolicy, subPolicy)
	out := struct {
		HealthyRetryPolicy retryOut      `json:"healthyRetryPolicy"`
		SicklyRetryPolicy  *struct{}     `json:"sicklyRetryPolicy"`
		ThrottlePolicy     *throttleJSON `json:"throttlePolicy"`
		RequestPolicy      requestJSON   `json:"requestPolicy"`
		Guaranteed         bool          `json:"guaranteed"`
	}{HealthyRetryPolicy: retryOf(d.retry)}
	out.RequestPolicy.HeaderContentType = &d.contentType
	if sp, err := parseSubDeliveryPolicy(subPolicy); subPolicy != "" && err == nil {
		out.ThrottlePolicy = sp.ThrottlePolicy
	}
	return marshalCompact(out)
}

// redrivePolicy is a subscription's RedrivePolicy.
type redrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
}

// parseRedrivePolicy validates a RedrivePolicy: an SQS queue ARN of this
// account and region (a FIFO queue for a FIFO topic).
func (t *Topics) parseRedrivePolicy(src string, fifo bool) (*redrivePolicy, error) {
	var p redrivePolicy
	d := json.NewDecoder(strings.NewReader(src))
	if err := d.Decode(&p); err != nil || d.More() {
		return nil, invalid("RedrivePolicy: Invalid JSON")
	}
	region, account, name, ok := arnParts(p.DeadLetterTargetArn, "sqs")
	if !ok || strings.Contains(name, ":") {
		return nil, invalid("RedrivePolicy: deadLetterTargetArn is an invalid arn")
	}
	if account != t.opts.Account || region != t.opts.Region {
		return nil, invalid("RedrivePolicy: deadLetterTargetArn must be a queue of the same account and region")
	}
	if fifo != strings.HasSuffix(name, ".fifo") {
		return nil, invalid("RedrivePolicy: a FIFO topic needs a FIFO dead-letter queue and a standard topic a standard one")
	}
	return &p, nil
}

func marshalCompact(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
