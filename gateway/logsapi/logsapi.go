// Package logsapi is the CloudWatch Logs operation table: Logs_20140328.*
// over awsJson1_1 (signing name "logs"), wire shapes converted to and from
// the logs domain. Member names are the botocore model's (logs/2014-03-28);
// optional outputs are left out when empty, as AWS does. Times are
// milliseconds since the epoch on this wire.
package logsapi

import (
	"context"
	"strings"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/logs"
	"github.com/stewardhq/steward/protocol"
)

// Service returns the CloudWatch Logs operation table.
func Service(s *logs.Service) *gateway.Service {
	return &gateway.Service{
		Name:        "logs",
		SigningName: "logs",
		Accepts:     gateway.JSON,
		Wire: protocol.Service{
			TargetPrefix: "Logs_20140328",
			JSONVersion:  "1.1",
		},
		Errors: map[string]gateway.ErrorInfo{
			logs.CodeServiceUnavailable: {Status: 500, Server: true},
		},
		Ops: gateway.Ops(
			gateway.Handle("CreateLogGroup", func(ctx context.Context, in *createLogGroupInput) (*struct{}, error) {
				return &struct{}{}, s.CreateLogGroup(ctx, in.LogGroupName)
			}),
			gateway.Handle("DeleteLogGroup", func(ctx context.Context, in *deleteLogGroupInput) (*struct{}, error) {
				return &struct{}{}, s.DeleteLogGroup(ctx, in.LogGroupName)
			}),
			gateway.Handle("DescribeLogGroups", func(ctx context.Context, in *describeLogGroupsInput) (*describeLogGroupsOutput, error) {
				gs, next, err := s.DescribeLogGroups(ctx, in.LogGroupNamePrefix, in.NextToken, in.Limit)
				if err != nil {
					return nil, err
				}
				out := &describeLogGroupsOutput{LogGroups: make([]logGroupWire, len(gs)), NextToken: strOut(next)}
				for i, g := range gs {
					arn := s.GroupARN(g.Name)
					out.LogGroups[i] = logGroupWire{LogGroupName: g.Name, CreationTime: g.CreationTime.UnixMilli(),
						Arn: arn + ":*", LogGroupArn: arn, StoredBytes: g.StoredBytes, MetricFilterCount: 0, LogGroupClass: "STANDARD"}
				}
				return out, nil
			}),
			gateway.Handle("CreateLogStream", func(ctx context.Context, in *createLogStreamInput) (*struct{}, error) {
				return &struct{}{}, s.CreateLogStream(ctx, in.LogGroupName, in.LogStreamName)
			}),
			gateway.Handle("DescribeLogStreams", func(ctx context.Context, in *describeLogStreamsInput) (*describeLogStreamsOutput, error) {
				ss, next, err := s.DescribeLogStreams(ctx, groupOf(in.LogGroupName, in.LogGroupIdentifier), in.LogStreamNamePrefix, in.NextToken, in.Limit)
				if err != nil {
					return nil, err
				}
				out := &describeLogStreamsOutput{LogStreams: make([]logStreamWire, len(ss)), NextToken: strOut(next)}
				for i, st := range ss {
					w := logStreamWire{LogStreamName: st.Name, CreationTime: st.CreationTime.UnixMilli(),
						Arn: s.GroupARN(st.Group) + ":log-stream:" + st.Name}
					if !st.LastEventTime.IsZero() {
						w.FirstEventTimestamp, w.LastEventTimestamp, w.LastIngestionTime = ms(st.FirstEventTime.UnixMilli()), ms(st.LastEventTime.UnixMilli()), ms(st.LastIngestion.UnixMilli())
					}
					out.LogStreams[i] = w
				}
				return out, nil
			}),
			gateway.Handle("PutLogEvents", func(ctx context.Context, in *putLogEventsInput) (*putLogEventsOutput, error) {
				evs := make([]logs.InputEvent, len(in.LogEvents))
				for i, e := range in.LogEvents {
					evs[i] = logs.InputEvent{Timestamp: e.Timestamp, Message: e.Message}
				}
				rej, err := s.PutLogEvents(ctx, in.LogGroupName, in.LogStreamName, evs)
				if err != nil {
					return nil, err
				}
				out := &putLogEventsOutput{}
				if rej != nil {
					out.RejectedLogEventsInfo = &rejectedWire{TooNewLogEventStartIndex: rej.TooNewStartIndex, TooOldLogEventEndIndex: rej.TooOldEndIndex}
				}
				return out, nil
			}),
			gateway.Handle("GetLogEvents", func(ctx context.Context, in *getLogEventsInput) (*getLogEventsOutput, error) {
				res, err := s.GetLogEvents(ctx, logs.GetLogEventsInput{Group: groupOf(in.LogGroupName, in.LogGroupIdentifier),
					Stream: in.LogStreamName, Start: in.StartTime, End: in.EndTime, StartFromHead: in.StartFromHead != nil && *in.StartFromHead,
					Token: in.NextToken, Limit: in.Limit})
				if err != nil {
					return nil, err
				}
				out := &getLogEventsOutput{Events: make([]outputEventWire, len(res.Events)),
					NextForwardToken: res.ForwardToken, NextBackwardToken: res.BackToken}
				for i, e := range res.Events {
					out.Events[i] = outputEventWire{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.Ingestion}
				}
				return out, nil
			}),
			gateway.Handle("FilterLogEvents", func(ctx context.Context, in *filterLogEventsInput) (*filterLogEventsOutput, error) {
				evs, next, err := s.FilterLogEvents(ctx, logs.FilterLogEventsInput{Group: groupOf(in.LogGroupName, in.LogGroupIdentifier),
					Streams: in.LogStreamNames, Start: in.StartTime, End: in.EndTime, Pattern: in.FilterPattern, Token: in.NextToken, Limit: in.Limit})
				if err != nil {
					return nil, err
				}
				out := &filterLogEventsOutput{Events: make([]filteredEventWire, len(evs)), NextToken: strOut(next)}
				for i, e := range evs {
					out.Events[i] = filteredEventWire{LogStreamName: e.Stream, Timestamp: e.Timestamp, Message: e.Message,
						IngestionTime: e.Ingestion, EventID: logs.EventID(e)}
				}
				return out, nil
			}),
		),
	}
}

// groupOf is the group a request names: logGroupName, else the name in
// logGroupIdentifier (a name or an ARN, with or without ":*").
func groupOf(name, id string) string {
	if name != "" || id == "" {
		return name
	}
	if _, after, ok := strings.Cut(id, ":log-group:"); ok {
		return strings.TrimSuffix(after, ":*")
	}
	return id
}

func strOut(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ms(v int64) *int64 { return &v }

type createLogGroupInput struct {
	LogGroupName string            `json:"logGroupName"`
	KmsKeyID     *string           `json:"kmsKeyId"`
	Tags         map[string]string `json:"tags"`
}

type deleteLogGroupInput struct {
	LogGroupName string `json:"logGroupName"`
}

type describeLogGroupsInput struct {
	LogGroupNamePrefix string  `json:"logGroupNamePrefix"`
	NextToken          *string `json:"nextToken"`
	Limit              *int    `json:"limit"`
}

type describeLogGroupsOutput struct {
	LogGroups []logGroupWire `json:"logGroups"`
	NextToken *string        `json:"nextToken,omitempty"`
}

type logGroupWire struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	MetricFilterCount int    `json:"metricFilterCount"`
	Arn               string `json:"arn"`
	StoredBytes       int64  `json:"storedBytes"`
	LogGroupClass     string `json:"logGroupClass"`
	LogGroupArn       string `json:"logGroupArn"`
}

type createLogStreamInput struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
}

type describeLogStreamsInput struct {
	LogGroupName        string  `json:"logGroupName"`
	LogGroupIdentifier  string  `json:"logGroupIdentifier"`
	LogStreamNamePrefix string  `json:"logStreamNamePrefix"`
	NextToken           *string `json:"nextToken"`
	Limit               *int    `json:"limit"`
}

type describeLogStreamsOutput struct {
	LogStreams []logStreamWire `json:"logStreams"`
	NextToken  *string         `json:"nextToken,omitempty"`
}

type logStreamWire struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   *int64 `json:"lastIngestionTime,omitempty"`
	Arn                 string `json:"arn"`
}

type inputEventWire struct {
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

type putLogEventsInput struct {
	LogGroupName  string           `json:"logGroupName"`
	LogStreamName string           `json:"logStreamName"`
	LogEvents     []inputEventWire `json:"logEvents"`
	SequenceToken *string          `json:"sequenceToken"` // ignored, as AWS now does
}

type putLogEventsOutput struct {
	RejectedLogEventsInfo *rejectedWire `json:"rejectedLogEventsInfo,omitempty"`
}

type rejectedWire struct {
	TooNewLogEventStartIndex *int `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldLogEventEndIndex   *int `json:"tooOldLogEventEndIndex,omitempty"`
}

type getLogEventsInput struct {
	LogGroupName       string  `json:"logGroupName"`
	LogGroupIdentifier string  `json:"logGroupIdentifier"`
	LogStreamName      string  `json:"logStreamName"`
	StartTime          *int64  `json:"startTime"`
	EndTime            *int64  `json:"endTime"`
	NextToken          *string `json:"nextToken"`
	Limit              *int    `json:"limit"`
	StartFromHead      *bool   `json:"startFromHead"`
}

type getLogEventsOutput struct {
	Events            []outputEventWire `json:"events"`
	NextForwardToken  string            `json:"nextForwardToken"`
	NextBackwardToken string            `json:"nextBackwardToken"`
}

type outputEventWire struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

type filterLogEventsInput struct {
	LogGroupName       string   `json:"logGroupName"`
	LogGroupIdentifier string   `json:"logGroupIdentifier"`
	LogStreamNames     []string `json:"logStreamNames"`
	StartTime          *int64   `json:"startTime"`
	EndTime            *int64   `json:"endTime"`
	FilterPattern      string   `json:"filterPattern"`
	NextToken          *string  `json:"nextToken"`
	Limit              *int     `json:"limit"`
}

type filterLogEventsOutput struct {
	Events    []filteredEventWire `json:"events"`
	NextToken *string             `json:"nextToken,omitempty"`
}

type filteredEventWire struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}
