package logs

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardhq/steward"
)

// Reading events: GetLogEvents (one stream, forward and backward tokens)
// and FilterLogEvents (a group, a plain term filter).

// encodePos is a token: dir is "f" or "b".
func encodePos(dir string, p Position) string {
	return dir + "/" + strconv.FormatInt(p.Timestamp, 10) + "/" + strconv.FormatInt(p.Seq, 10) + "/" + p.Stream
}

func decodePos(token string) (string, Position, error) {
	parts := strings.SplitN(token, "/", 4)
	bad := invalid("The specified nextToken is invalid.")
	if len(parts) != 4 || (parts[0] != "f" && parts[0] != "b") {
		return "", Position{}, bad
	}
	ts, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return "", Position{}, bad
	}
	return parts[0], Position{Timestamp: ts, Seq: seq, Stream: parts[3]}, nil
}

func posOf(e Event) Position { return Position{Timestamp: e.Timestamp, Seq: e.Seq, Stream: e.Stream} }

// GetLogEventsInput is GetLogEvents' request.
type GetLogEventsInput struct {
	Group, Stream string
	Start, End    *int64
	StartFromHead bool
	Token         *string
	Limit         *int
}

// GetLogEventsOutput is a page of a stream's events, oldest first, with the
// tokens to read on either side of it. At either end the token given comes
// back unchanged, which is how clients know to stop.
type GetLogEventsOutput struct {
	Events                  []Event
	ForwardToken, BackToken string
}

// GetLogEvents reads a stream: from its head (startFromHead) or, by
// default, its last events.
func (s *Service) GetLogEvents(ctx context.Context, in GetLogEventsInput) (*GetLogEventsOutput, error) {
	if err := checkGroup(in.Group); err != nil {
		return nil, err
	}
	if err := checkStream(in.Stream); err != nil {
		return nil, err
	}
	n, err := pageLimit(in.Limit, Limits.DefaultEvents, Limits.MaxEvents)
	if err != nil {
		return nil, err
	}
	q := EventQuery{Group: in.Group, Streams: []string{in.Stream}, Limit: n, Backward: !in.StartFromHead}
	if in.Start != nil {
		q.Start = *in.Start
	}
	if in.End != nil {
		q.End = *in.End
	}
	// Without a token, the edge the read starts from.
	edge := Position{Timestamp: q.Start, Seq: -1, Stream: in.Stream}
	if q.Backward {
		edge = Position{Timestamp: 1<<62 - 1, Stream: in.Stream}
	}
	if in.Token != nil {
		dir, p, err := decodePos(*in.Token)
		if err != nil {
			return nil, err
		}
		q.Backward, edge = dir == "b", p
		q.After = &p
	}
	if err := s.streamExists(ctx, in.Group, in.Stream); err != nil {
		return nil, err
	}
	evs, err := s.store.ReadEvents(ctx, q)
	if err != nil {
		return nil, storeErr(err, "log group")
	}
	if q.Backward {
		slices.Reverse(evs)
	}
	out := &GetLogEventsOutput{Events: evs}
	if len(evs) == 0 {
		out.ForwardToken, out.BackToken = encodePos("f", edge), encodePos("b", edge)
		if in.Token != nil {
			out.ForwardToken, out.BackToken = *in.Token, *in.Token
		}
		return out, nil
	}
	out.ForwardToken = encodePos("f", posOf(evs[len(evs)-1]))
	out.BackToken = encodePos("b", posOf(evs[0]))
	return out, nil
}

func (s *Service) streamExists(ctx context.Context, group, stream string) error {
	ss, err := s.store.ListLogStreams(ctx, group, stream, "", 1)
	if err != nil {
		return storeErr(err, "log group")
	}
	if len(ss) == 0 || ss[0].Name != stream {
		return steward.Errorf(CodeResourceNotFound, "The specified log stream does not exist.")
	}
	return nil
}

// FilterLogEventsInput is FilterLogEvents' request.
type FilterLogEventsInput struct {
	Group      string
	Streams    []string
	Start, End *int64
	Pattern    string
	Token      *string
	Limit      *int
}

// FilterLogEvents returns a group's events, oldest first, that match the
// filter pattern. Only the plain term syntax is understood: every term
// must occur in the message (case-sensitive; "quoted phrases" count as one
// term); JSON and space-delimited patterns are refused.
func (s *Service) FilterLogEvents(ctx context.Context, in FilterLogEventsInput) ([]Event, string, error) {
	if err := checkGroup(in.Group); err != nil {
		return nil, "", err
	}
	n, err := pageLimit(in.Limit, Limits.DefaultEvents, Limits.MaxEvents)
	if err != nil {
		return nil, "", err
	}
	terms, err := parseTerms(in.Pattern)
	if err != nil {
		return nil, "", err
	}
	q := EventQuery{Group: in.Group, Streams: in.Streams, Limit: 1000}
	if in.Start != nil {
		q.Start = *in.Start
	}
	if in.End != nil {
		q.End = *in.End
	}
	if in.Token != nil {
		dir, p, err := decodePos(*in.Token)
		if err != nil || dir != "f" {
			return nil, "", invalid("The specified nextToken is invalid.")
		}
		q.After = &p
	}
	var out []Event
	for {
		evs, err := s.store.ReadEvents(ctx, q)
		if err != nil {
			return nil, "", storeErr(err, "log group")
		}
		for _, e := range evs {
			if matchTerms(terms, e.Message) {
				out = append(out, e)
				if len(out) == n {
					return out, encodePos("f", posOf(e)), nil
				}
			}
		}
		if len(evs) < q.Limit {
			return out, "", nil
		}
		p := posOf(evs[len(evs)-1])
		q.After = &p
	}
}

// EventID is FilterLogEvents' eventId of an event.
func EventID(e Event) string {
	return fmt.Sprintf("%020d%020d", e.Timestamp, e.Seq)
}

func parseTerms(p string) ([]string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return nil, nil
	}
	if strings.HasPrefix(p, "{") || strings.HasPrefix(p, "[") {
		return nil, invalid("Only plain term filter patterns are supported by this Steward version.")
	}
	var terms []string
	for p != "" {
		p = strings.TrimLeft(p, " \t")
		if p == "" {
			break
		}
		if p[0] == '"' {
			end := strings.IndexByte(p[1:], '"')
			if end < 0 {
				return nil, invalid("Invalid filter pattern: unterminated quoted term.")
			}
			terms = append(terms, p[1:1+end])
			p = p[2+end:]
			continue
		}
		end := strings.IndexAny(p, " \t")
		if end < 0 {
			end = len(p)
		}
		terms = append(terms, p[:end])
		p = p[end:]
	}
	return terms, nil
}

func matchTerms(terms []string, msg string) bool {
	for _, t := range terms {
		if !strings.Contains(msg, t) {
			return false
		}
	}
	return true
}
