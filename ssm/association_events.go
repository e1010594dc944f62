package ssm

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// State Manager's aws.ssm events (reference/ssm.md §10): "EC2 State Manager
// Instance Association State Change" when a node's status in an association
// changes, and "EC2 State Manager Association State Change" when an
// execution ends. They are written with the change they report
// (SaveExecution's transaction). Values that are JSON in AWS's samples
// (targets, aggregated counts) are JSON text inside strings, as AWS sends
// them; an unset document version is the literal "Optional.empty".

type assocEventDetail struct {
	AssociationID               string `json:"association-id"`
	DocumentName                string `json:"document-name"`
	AssociationVersion          string `json:"association-version"`
	DocumentVersion             string `json:"document-version"`
	Targets                     string `json:"targets"`
	CreationDate                string `json:"creation-date"`
	LastSuccessfulExecutionDate string `json:"last-successful-execution-date"`
	LastExecutionDate           string `json:"last-execution-date"`
	LastUpdatedDate             string `json:"last-updated-date"`
	Status                      string `json:"status"`
	AggregatedCount             string `json:"association-status-aggregated-count"`
	ScheduleExpression          string `json:"schedule-expression"`
	CWEVersion                  string `json:"association-cwe-version"`
}

type instanceAssocEventDetail struct {
	AssociationID               string `json:"association-id"`
	InstanceID                  string `json:"instance-id"`
	DocumentName                string `json:"document-name"`
	DocumentVersion             string `json:"document-version"`
	Targets                     string `json:"targets"`
	CreationDate                string `json:"creation-date"`
	LastSuccessfulExecutionDate string `json:"last-successful-execution-date"`
	LastExecutionDate           string `json:"last-execution-date"`
	Status                      string `json:"status"`
	DetailedStatus              string `json:"detailed-status"`
	ErrorCode                   string `json:"error-code"`
	ExecutionSummary            string `json:"execution-summary"`
	OutputURL                   string `json:"output-url"`
	CWEVersion                  string `json:"instance-association-cwe-version"`
}

func eventTimeOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return eventTime(t)
}

func targetsText(as *Association) string {
	type tg struct {
		Key    string   `json:"key"`
		Values []string `json:"values"`
	}
	ts := []tg{}
	if as.InstanceID != "" {
		ts = append(ts, tg{Key: NodeFilterInstanceIDs, Values: []string{as.InstanceID}})
	}
	for _, t := range as.Targets {
		ts = append(ts, tg{Key: t.Key, Values: t.Values})
	}
	b, _ := json.Marshal(ts)
	return string(b)
}

func (a *Associations) newEvent(detailType string, resources []string, detail any) *steward.Event {
	b, _ := json.Marshal(detail)
	return &steward.Event{ID: uuid.NewString(), Time: a.now(), Source: "aws.ssm", DetailType: detailType,
		Account: a.env.Account, Region: a.env.Region, Resources: resources, Detail: b}
}

func (a *Associations) documentARN(ctx context.Context, name string) string {
	if info, err := a.docs.store.GetDocument(ctx, name); err == nil {
		return a.docs.ARN(info)
	}
	return a.env.ARN("document/" + name)
}

// events returns the events of an execution's save: one per target whose
// status differs from before (nil: every target), and the association's
// when the execution is done. as may be nil (the association is gone: no
// events).
func (a *Associations) events(ctx context.Context, as *Association, e *AssociationExecution, ts []*AssociationTarget, before map[string]string) []*steward.Event {
	if as == nil {
		return nil
	}
	docARN := a.documentARN(ctx, as.Name)
	docVersion := cmpOr(as.DocumentVersion, "Optional.empty")
	targets := targetsText(as)
	lastSuccess := as.LastSuccess
	if e.Done && e.Status == AssocSuccess {
		lastSuccess = e.LastExecution
	}
	var out []*steward.Event
	for _, t := range ts {
		if before != nil && before[t.NodeID] == t.Status+"/"+t.DetailedStatus {
			continue
		}
		out = append(out, a.newEvent("EC2 State Manager Instance Association State Change",
			[]string{docARN, a.cmds.nodeARN(t.NodeID)}, instanceAssocEventDetail{
				AssociationID: as.AssociationID, InstanceID: t.NodeID, DocumentName: as.Name, DocumentVersion: docVersion,
				Targets: targets, CreationDate: eventTime(as.Created), LastSuccessfulExecutionDate: eventTimeOrEmpty(lastSuccess),
				LastExecutionDate: eventTime(e.LastExecution), Status: t.Status, DetailedStatus: t.DetailedStatus,
				ErrorCode: t.ErrorCode, ExecutionSummary: t.ExecutionSummary, CWEVersion: "1.0",
			}))
	}
	if e.Done {
		counts, _ := json.Marshal(e.Counts)
		out = append(out, a.newEvent("EC2 State Manager Association State Change", []string{docARN}, assocEventDetail{
			AssociationID: as.AssociationID, DocumentName: as.Name, AssociationVersion: versionString(e.Version),
			DocumentVersion: docVersion, Targets: targets, CreationDate: eventTime(as.Created),
			LastSuccessfulExecutionDate: eventTimeOrEmpty(lastSuccess), LastExecutionDate: eventTime(e.LastExecution),
			LastUpdatedDate: eventTime(as.Updated), Status: e.Status, AggregatedCount: string(counts),
			ScheduleExpression: as.ScheduleExpression, CWEVersion: "1.0",
		}))
	}
	return out
}
