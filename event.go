package steward

import (
	"encoding/json"
	"time"
)

// Event is an AWS-shaped service event ("Parameter Store Change", "EC2 Command
// Status-change Notification", …) written to the durable outbox in the same
// transaction as the change it reports, and routed later by EventBridge.
type Event struct {
	ID         string // UUID
	Time       time.Time
	Source     string // "aws.ssm"
	DetailType string
	Account    string
	Region     string
	Resources  []string
	Detail     json.RawMessage
}

// Envelope returns the event as EventBridge delivers it.
func (e *Event) Envelope() ([]byte, error) {
	resources := e.Resources
	if resources == nil {
		resources = []string{}
	}
	return json.Marshal(struct {
		Version    string          `json:"version"`
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       string          `json:"time"`
		Region     string          `json:"region"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
	}{"0", e.ID, e.DetailType, e.Source, e.Account, e.Time.UTC().Format(time.RFC3339), e.Region, resources, e.Detail})
}
