package cloudwatch

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/stewardhq/steward"
)

// Alarm tags: TagResource, UntagResource and ListTagsForResource on alarm
// ARNs. Tags are stored with the alarm (Alarm.Tags).

func checkTags(tags []Tag) error {
	if len(tags) > AlarmLimits.MaxTags {
		return invalid("The collection Tags must not have a size greater than %d.", AlarmLimits.MaxTags)
	}
	for i, t := range tags {
		p := "Tags.member." + itoa(i+1)
		if t.Key == "" || len(t.Key) > AlarmLimits.MaxTagKey {
			return invalid("The parameter %s.Key must be between 1 and %d characters.", p, AlarmLimits.MaxTagKey)
		}
		if len(t.Value) > AlarmLimits.MaxTagValue {
			return invalid("The parameter %s.Value must be at most %d characters.", p, AlarmLimits.MaxTagValue)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalid("The parameter %s.Key must not begin with aws: (reserved).", p)
		}
		if err := checkText(p+".Key", t.Key); err != nil {
			return err
		}
		if err := checkText(p+".Value", t.Value); err != nil {
			return err
		}
	}
	return nil
}

// alarmByARN returns the alarm an ARN names, or ResourceNotFoundException.
func (s *Service) alarmByARN(ctx context.Context, arn string) (*Alarm, error) {
	if arn == "" {
		return nil, missing("ResourceARN")
	}
	name, ok := strings.CutPrefix(arn, s.AlarmARN(""))
	if !ok || name == "" {
		return nil, steward.Errorf(CodeResourceNotFoundException, "Resource %s not found.", arn)
	}
	a, err := s.alarms.GetAlarm(ctx, name)
	if err != nil {
		return nil, steward.Internal(err)
	}
	if a == nil {
		return nil, steward.Errorf(CodeResourceNotFoundException, "Resource %s not found.", arn)
	}
	return a, nil
}

// ListTagsForResource returns an alarm's tags.
func (s *Service) ListTagsForResource(ctx context.Context, arn string) ([]Tag, error) {
	if err := s.alarmsOn(); err != nil {
		return nil, err
	}
	a, err := s.alarmByARN(ctx, arn)
	if err != nil {
		return nil, err
	}
	if a.Tags == nil {
		return []Tag{}, nil
	}
	return a.Tags, nil
}

// TagResource adds or replaces tags of an alarm.
func (s *Service) TagResource(ctx context.Context, arn string, tags []Tag) error {
	if len(tags) == 0 {
		return missing("Tags")
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.updateTags(ctx, arn, func(cur []Tag) []Tag {
		for _, t := range tags {
			i := slices.IndexFunc(cur, func(c Tag) bool { return c.Key == t.Key })
			if i >= 0 {
				cur[i].Value = t.Value
			} else {
				cur = append(cur, t)
			}
		}
		return cur
	})
}

// UntagResource removes tags of an alarm by key.
func (s *Service) UntagResource(ctx context.Context, arn string, keys []string) error {
	if len(keys) == 0 {
		return missing("TagKeys")
	}
	return s.updateTags(ctx, arn, func(cur []Tag) []Tag {
		return slices.DeleteFunc(cur, func(t Tag) bool { return slices.Contains(keys, t.Key) })
	})
}

func (s *Service) updateTags(ctx context.Context, arn string, f func([]Tag) []Tag) error {
	if err := s.alarmsOn(); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		a, err := s.alarmByARN(ctx, arn)
		if err != nil {
			return err
		}
		a.Tags = f(slices.Clone(a.Tags))
		if len(a.Tags) > AlarmLimits.MaxTags {
			return invalid("An alarm can have at most %d tags.", AlarmLimits.MaxTags)
		}
		err = s.alarms.Write(ctx, AlarmWrite{Put: a, Expect: a.Version})
		if errors.Is(err, ErrAlarmConflict) && attempt < 5 {
			continue
		}
		if err != nil {
			return steward.Internal(err)
		}
		return nil
	}
}
