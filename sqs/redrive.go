package sqs

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// RedrivePolicy is a queue's RedrivePolicy attribute: after MaxReceiveCount
// receives, the next receive moves a message to the dead-letter queue.
type RedrivePolicy struct {
	DeadLetterTargetARN string
	MaxReceiveCount     int
}

// String is the normalized JSON AWS reports.
func (p *RedrivePolicy) String() string {
	b, _ := json.Marshal(struct {
		T string `json:"deadLetterTargetArn"`
		N int    `json:"maxReceiveCount"`
	}{p.DeadLetterTargetARN, p.MaxReceiveCount})
	return string(b)
}

// RedriveAllowPolicy is a queue's RedriveAllowPolicy attribute: which
// source queues may use it as their dead-letter queue.
type RedriveAllowPolicy struct {
	Permission string // allowAll, denyAll or byQueue
	SourceARNs []string
}

// String is the normalized JSON AWS reports.
func (p *RedriveAllowPolicy) String() string {
	b, _ := json.Marshal(struct {
		P string   `json:"redrivePermission"`
		S []string `json:"sourceQueueArns,omitempty"`
	}{p.Permission, p.SourceARNs})
	return string(b)
}

// Allows reports whether a source queue may redrive into the queue.
func (p *RedriveAllowPolicy) Allows(sourceARN string) bool {
	switch p.Permission {
	case "denyAll":
		return false
	case "byQueue":
		for _, a := range p.SourceARNs {
			if a == sourceARN {
				return true
			}
		}
		return false
	}
	return true
}

// policyError is AWS's wording for a policy attribute it cannot use.
func policyError(attr, value, reason string) error {
	return invalidParam("Value %s for parameter %s is invalid. Reason: %s", value, attr, reason)
}

// decodeObject reads a JSON object into raw members, keeping numbers as
// written.
func decodeObject(v string) (map[string]json.RawMessage, bool) {
	d := json.NewDecoder(strings.NewReader(v))
	d.UseNumber()
	var m map[string]json.RawMessage
	if err := d.Decode(&m); err != nil || m == nil || d.More() {
		return nil, false
	}
	return m, true
}

// ParseRedrivePolicy reads a RedrivePolicy value:
// {"deadLetterTargetArn":"arn:aws:sqs:…","maxReceiveCount":5}; the count may
// also be a string ("5"), as AWS accepts. Errors are InvalidParameterValue.
func ParseRedrivePolicy(v string) (*RedrivePolicy, error) {
	m, ok := decodeObject(v)
	if !ok {
		return nil, policyError(AttrRedrivePolicy, v, "Invalid JSON.")
	}
	for k := range m {
		if k != "deadLetterTargetArn" && k != "maxReceiveCount" {
			return nil, policyError(AttrRedrivePolicy, v, "Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].")
		}
	}
	rawN, ok := m["maxReceiveCount"]
	if !ok {
		return nil, policyError(AttrRedrivePolicy, v, "Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	}
	rawT, ok := m["deadLetterTargetArn"]
	if !ok {
		return nil, policyError(AttrRedrivePolicy, v, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	var p RedrivePolicy
	if json.Unmarshal(rawT, &p.DeadLetterTargetARN) != nil {
		return nil, policyError(AttrRedrivePolicy, v, "Invalid value for deadLetterTargetArn.")
	}
	if _, _, ok := ParseQueueARN(p.DeadLetterTargetARN); !ok {
		return nil, policyError(AttrRedrivePolicy, v, "Invalid value for deadLetterTargetArn.")
	}
	n, ok := jsonInt(rawN)
	if !ok || n < 1 || n > MaxReceiveCountLimit {
		return nil, policyError(AttrRedrivePolicy, v, "Invalid value for maxReceiveCount: "+string(bytes.Trim(rawN, `"`))+", valid values are from 1 to 1000 both inclusive.")
	}
	p.MaxReceiveCount = n
	return &p, nil
}

// jsonInt reads a JSON integer given as a number or a numeric string.
func jsonInt(raw json.RawMessage) (int, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// ParseRedriveAllowPolicy reads a RedriveAllowPolicy value:
// {"redrivePermission":"allowAll|denyAll|byQueue","sourceQueueArns":[…]}.
// byQueue needs 1–10 source ARNs; the others take none.
func ParseRedriveAllowPolicy(v string) (*RedriveAllowPolicy, error) {
	m, ok := decodeObject(v)
	if !ok {
		return nil, policyError(AttrRedriveAllowPolicy, v, "Invalid JSON.")
	}
	for k := range m {
		if k != "redrivePermission" && k != "sourceQueueArns" {
			return nil, policyError(AttrRedriveAllowPolicy, v, "Only following attributes are supported: [redrivePermission, sourceQueueArns].")
		}
	}
	var p RedriveAllowPolicy
	raw, ok := m["redrivePermission"]
	if !ok || json.Unmarshal(raw, &p.Permission) != nil {
		return nil, policyError(AttrRedriveAllowPolicy, v, "Redrive allow policy does not contain mandatory attribute: redrivePermission.")
	}
	switch p.Permission {
	case "allowAll", "denyAll", "byQueue":
	default:
		return nil, policyError(AttrRedriveAllowPolicy, v, "Invalid value for redrivePermission: valid values are allowAll, denyAll and byQueue.")
	}
	if raw, ok := m["sourceQueueArns"]; ok {
		if json.Unmarshal(raw, &p.SourceARNs) != nil {
			return nil, policyError(AttrRedriveAllowPolicy, v, "Invalid value for sourceQueueArns.")
		}
		for _, a := range p.SourceARNs {
			if _, _, ok := ParseQueueARN(a); !ok {
				return nil, policyError(AttrRedriveAllowPolicy, v, "Invalid value for sourceQueueArns: "+a+".")
			}
		}
	}
	switch {
	case p.Permission == "byQueue" && (len(p.SourceARNs) == 0 || len(p.SourceARNs) > MaxRedriveAllowSources):
		return nil, policyError(AttrRedriveAllowPolicy, v, "sourceQueueArns must list 1 to 10 queues when redrivePermission is byQueue.")
	case p.Permission != "byQueue" && len(p.SourceARNs) > 0:
		return nil, policyError(AttrRedriveAllowPolicy, v, "sourceQueueArns is only allowed when redrivePermission is byQueue.")
	}
	return &p, nil
}

func normRedrivePolicy(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	p, err := ParseRedrivePolicy(v)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

func normRedriveAllowPolicy(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	p, err := ParseRedriveAllowPolicy(v)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}
