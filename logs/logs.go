// Package logs is a minimal CloudWatch Logs: log groups, log streams and
// their events, enough for EventBridge's log-group targets and for reading
// them back (GetLogEvents, FilterLogEvents with a plain term filter). The
// Logs issue extends it (retention, metric filters, subscriptions, Insights).
package logs

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward"
)

// Error codes (the model's error shapes).
const (
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceAlreadyExists = "ResourceAlreadyExistsException"
	CodeInvalidParameter      = "InvalidParameterException"
	CodeServiceUnavailable    = "ServiceUnavailableException"
)

// Limits are CloudWatch Logs' quotas this service enforces.
var Limits = struct {
	MaxBatchEvents   int           // events per PutLogEvents
	MaxBatchBytes    int           // message bytes + 26 per event
	EventOverhead    int           // bytes counted per event
	MaxEventBytes    int           // one event's message
	MaxSpan          time.Duration // between the oldest and newest event of a batch
	MaxAge           time.Duration // older than this: too old
	MaxAhead         time.Duration // newer than now+this: too new
	DefaultPageLimit int           // Describe* pages
	MaxPageLimit     int
	DefaultEvents    int // GetLogEvents / FilterLogEvents
	MaxEvents        int
}{
	MaxBatchEvents: 10000, MaxBatchBytes: 1048576, EventOverhead: 26, MaxEventBytes: 1048576 - 26,
	MaxSpan: 24 * time.Hour, MaxAge: 14 * 24 * time.Hour, MaxAhead: 2 * time.Hour,
	DefaultPageLimit: 50, MaxPageLimit: 50, DefaultEvents: 10000, MaxEvents: 10000,
}

var (
	groupName  = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)
	streamName = regexp.MustCompile(`^[^:*]{1,512}$`)
)

// Group is a log group.
type Group struct {
	Name         string
	CreationTime time.Time
	StoredBytes  int64
}

// Stream is a log stream.
type Stream struct {
	Group          string
	Name           string
	CreationTime   time.Time
	FirstEventTime time.Time // zero until an event arrives
	LastEventTime  time.Time
	LastIngestion  time.Time
}

// Event is a log event. Seq orders events of a stream that share a
// timestamp (their arrival order).
type Event struct {
	Stream    string
	Timestamp int64 // ms since the epoch
	Ingestion int64
	Message   string
	Seq       int64
}

// EventQuery selects events of one group, in (Timestamp, Seq) order, or
// reversed when Backward. Start and End are ms (End exclusive, 0 for none);
// After is a position to start beyond (exclusive).
type EventQuery struct {
	Group    string
	Streams  []string // none: every stream
	Start    int64
	End      int64
	After    *Position
	Backward bool
	Limit    int
}

// Position is an event's place in a group's order.
type Position struct {
	Timestamp int64  `json:"t"`
	Seq       int64  `json:"s"`
	Stream    string `json:"n,omitempty"`
}

// Store persists log groups, streams and events. Missing groups or streams
// are ErrNotFound, duplicates ErrExists.
type Store interface {
	CreateLogGroup(ctx context.Context, g Group) error
	ListLogGroups(ctx context.Context, prefix, after string, limit int) ([]Group, error)
	DeleteLogGroup(ctx context.Context, name string) error
	CreateLogStream(ctx context.Context, s Stream) error
	ListLogStreams(ctx context.Context, group, prefix, after string, limit int) ([]Stream, error)
	// AppendEvents adds events to a stream (creating it when create is
	// true), moving the stream's first/last event times and the group's
	// stored bytes.
	AppendEvents(ctx context.Context, group, stream string, create bool, evs []Event, now time.Time) error
	ReadEvents(ctx context.Context, q EventQuery) ([]Event, error)
}

// ErrNotFound and ErrExists are the store's sentinel errors.
var (
	ErrNotFound = errors.New("logs: not found")
	ErrExists   = errors.New("logs: already exists")
)

// Env is where the service runs.
type Env struct {
	Clock   steward.Clock
	Account string
	Region  string
}

// Service is CloudWatch Logs.
type Service struct {
	store Store
	env   Env
	log   *slog.Logger
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

// GroupARN is a log group's ARN (logGroupArn; DescribeLogGroups' arn
// member appends ":*").
func (s *Service) GroupARN(name string) string {
	return "arn:aws:logs:" + s.env.Region + ":" + s.env.Account + ":log-group:" + name
}

func invalid(format string, args ...any) error {
	return steward.Errorf(CodeInvalidParameter, format, args...)
}

func storeErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return steward.Errorf(CodeResourceNotFound, "The specified %s does not exist.", what)
	case errors.Is(err, ErrExists):
		return steward.Errorf(CodeResourceAlreadyExists, "The specified %s already exists", what)
	}
	return steward.Internal(err)
}

func checkGroup(name string) error {
	if !groupName.MatchString(name) {
		return invalid("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", name)
	}
	return nil
}

func checkStream(name string) error {
	if !streamName.MatchString(name) {
		return invalid("1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*", name)
	}
	return nil
}

func pageLimit(limit *int, def, max int) (int, error) {
	if limit == nil {
		return def, nil
	}
	if *limit < 1 || *limit > max {
		return 0, invalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *limit, max)
	}
	return *limit, nil
}

// CreateLogGroup creates a log group.
func (s *Service) CreateLogGroup(ctx context.Context, name string) error {
	if err := checkGroup(name); err != nil {
		return err
	}
	return storeErr(s.store.CreateLogGroup(ctx, Group{Name: name, CreationTime: s.env.Clock.Now()}), "log group")
}

// DeleteLogGroup deletes a log group with its streams and events.
func (s *Service) DeleteLogGroup(ctx context.Context, name string) error {
	if err := checkGroup(name); err != nil {
		return err
	}
	return storeErr(s.store.DeleteLogGroup(ctx, name), "log group")
}

// pageToken is the opaque NextToken of the Describe operations: the last
// name returned.
func pageToken(last string) string { return "n/" + last }

func pageAfter(token *string) (string, error) {
	if token == nil {
		return "", nil
	}
	after, ok := strings.CutPrefix(*token, "n/")
	if !ok || after == "" {
		return "", invalid("The specified nextToken is invalid.")
	}
	return after, nil
}

// DescribeLogGroups lists groups by name prefix, a page at a time.
func (s *Service) DescribeLogGroups(ctx context.Context, prefix string, token *string, limit *int) ([]Group, string, error) {
	n, err := pageLimit(limit, Limits.DefaultPageLimit, Limits.MaxPageLimit)
	if err != nil {
		return nil, "", err
	}
	after, err := pageAfter(token)
	if err != nil {
		return nil, "", err
	}
	gs, err := s.store.ListLogGroups(ctx, prefix, after, n+1)
	if err != nil {
		return nil, "", steward.Internal(err)
	}
	next := ""
	if len(gs) > n {
		gs = gs[:n]
		next = pageToken(gs[n-1].Name)
	}
	return gs, next, nil
}

// CreateLogStream creates a stream in a group.
func (s *Service) CreateLogStream(ctx context.Context, group, name string) error {
	if err := checkGroup(group); err != nil {
		return err
	}
	if err := checkStream(name); err != nil {
		return err
	}
	err := s.store.CreateLogStream(ctx, Stream{Group: group, Name: name, CreationTime: s.env.Clock.Now()})
	if errors.Is(err, ErrNotFound) {
		return storeErr(err, "log group")
	}
	return storeErr(err, "log stream")
}

// DescribeLogStreams lists a group's streams by name prefix (ordered by
// name; orderBy LastEventTime is not supported yet).
func (s *Service) DescribeLogStreams(ctx context.Context, group, prefix string, token *string, limit *int) ([]Stream, string, error) {
	if err := checkGroup(group); err != nil {
		return nil, "", err
	}
	n, err := pageLimit(limit, Limits.DefaultPageLimit, Limits.MaxPageLimit)
	if err != nil {
		return nil, "", err
	}
	after, err := pageAfter(token)
	if err != nil {
		return nil, "", err
	}
	ss, err := s.store.ListLogStreams(ctx, group, prefix, after, n+1)
	if err != nil {
		return nil, "", storeErr(err, "log group")
	}
	next := ""
	if len(ss) > n {
		ss = ss[:n]
		next = pageToken(ss[n-1].Name)
	}
	return ss, next, nil
}

// InputEvent is an event given to PutLogEvents.
type InputEvent struct {
	Timestamp int64
	Message   string
}

// Rejected is PutLogEvents' rejectedLogEventsInfo: indexes into the batch
// (AWS's meaning: events before TooOldEndIndex, exclusive, were too old;
// events from TooNewStartIndex on were too new).
type Rejected struct {
	TooNewStartIndex *int
	TooOldEndIndex   *int
}

// PutLogEvents stores a batch in an existing stream. Events too old or too
// new are left out and reported, as AWS does.
func (s *Service) PutLogEvents(ctx context.Context, group, stream string, evs []InputEvent) (*Rejected, error) {
	return s.put(ctx, group, stream, false, evs)
}

// Deliver writes messages as events of a stream, creating the stream when
// it does not exist: what AWS services delivering to a log group do.
func (s *Service) Deliver(ctx context.Context, group, stream string, evs []InputEvent) error {
	_, err := s.put(ctx, group, stream, true, evs)
	return err
}

func (s *Service) put(ctx context.Context, group, stream string, create bool, evs []InputEvent) (*Rejected, error) {
	if err := checkGroup(group); err != nil {
		return nil, err
	}
	if err := checkStream(stream); err != nil {
		return nil, err
	}
	if len(evs) == 0 || len(evs) > Limits.MaxBatchEvents {
		return nil, invalid("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and %d", Limits.MaxBatchEvents)
	}
	size := 0
	for i, e := range evs {
		if e.Message == "" {
			return nil, invalid("Log event message must not be empty (event %d).", i)
		}
		if !utf8.ValidString(e.Message) {
			return nil, invalid("Log event message must be valid UTF-8 (event %d).", i)
		}
		if len(e.Message) > Limits.MaxEventBytes {
			return nil, invalid("Log event too large: %d bytes exceeds limit of %d", len(e.Message), Limits.MaxEventBytes)
		}
		size += len(e.Message) + Limits.EventOverhead
		if i > 0 && e.Timestamp < evs[i-1].Timestamp {
			return nil, invalid("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	if size > Limits.MaxBatchBytes {
		return nil, invalid("Upload too large: %d bytes exceeds limit of %d", size, Limits.MaxBatchBytes)
	}
	if time.Duration(evs[len(evs)-1].Timestamp-evs[0].Timestamp)*time.Millisecond > Limits.MaxSpan {
		return nil, invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	now := s.env.Clock.Now()
	oldest := now.Add(-Limits.MaxAge).UnixMilli()
	newest := now.Add(Limits.MaxAhead).UnixMilli()
	// Sorted: the too-old events are a prefix, the too-new a suffix.
	lo := sort.Search(len(evs), func(i int) bool { return evs[i].Timestamp >= oldest })
	hi := sort.Search(len(evs), func(i int) bool { return evs[i].Timestamp > newest })
	var rej *Rejected
	if lo > 0 || hi < len(evs) {
		rej = &Rejected{}
		if lo > 0 {
			rej.TooOldEndIndex = &lo
		}
		if hi < len(evs) {
			rej.TooNewStartIndex = &hi
		}
	}
	keep := make([]Event, 0, max(hi-lo, 0))
	for _, e := range evs[lo:max(hi, lo)] {
		keep = append(keep, Event{Stream: stream, Timestamp: e.Timestamp, Ingestion: now.UnixMilli(), Message: e.Message})
	}
	err := s.store.AppendEvents(ctx, group, stream, create, keep, now)
	if errors.Is(err, ErrNotFound) {
		return nil, steward.Errorf(CodeResourceNotFound, "The specified log group or log stream does not exist.")
	}
	if err != nil {
		return nil, steward.Internal(err)
	}
	return rej, nil
}
