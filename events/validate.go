package events

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward"
)

// Model constraints of the EventBridge API (botocore events/2015-10-07). A
// violation is a ValidationException listing every failed constraint, as
// AWS reports it.

type constraint struct {
	text string
	re   *regexp.Regexp
}

func modelPattern(text string) *constraint {
	return &constraint{text: text, re: regexp.MustCompile(`^(?:` + text + `)$`)}
}

var (
	ruleNamePattern   = modelPattern(`[\.\-_A-Za-z0-9]+`)
	busNamePattern    = modelPattern(`[/\.\-_A-Za-z0-9]+`)
	busNameOrARN      = modelPattern(`(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/\.\-_A-Za-z0-9]+`)
	putEventsBusName  = modelPattern(`(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[\.\-_A-Za-z0-9]+`)
	runCommandKeyPat  = modelPattern(`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
	transformerKeyPat = modelPattern(`[A-Za-z0-9\_\-]+`)
)

// fieldErrors collects model-constraint violations: "2 validation errors
// detected: Value 'x' at 'name' failed to satisfy constraint: …; …".
type fieldErrors []string

func (f *fieldErrors) add(value, member, constraint string) {
	*f = append(*f, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", shown(value), member, constraint))
}

// length checks min ≤ len(s) ≤ max in characters and reports whether it held.
func (f *fieldErrors) length(s, member string, min, max int) bool {
	n := utf8.RuneCountInString(s)
	switch {
	case n < min:
		f.add(s, member, fmt.Sprintf("Member must have length greater than or equal to %d", min))
		return false
	case max > 0 && n > max:
		f.add(s, member, fmt.Sprintf("Member must have length less than or equal to %d", max))
		return false
	}
	return true
}

// text checks length and pattern of a string member.
func (f *fieldErrors) text(s, member string, min, max int, p *constraint) {
	if f.length(s, member, min, max) && p != nil && !p.re.MatchString(s) {
		f.add(s, member, "Member must satisfy regular expression pattern: "+p.text)
	}
}

// optional checks a member that may be absent.
func (f *fieldErrors) optional(s *string, member string, min, max int, p *constraint) {
	if s != nil {
		f.text(*s, member, min, max, p)
	}
}

func (f *fieldErrors) intRange(v int, member string, min, max int) {
	switch {
	case v < min:
		f.add(strconv.Itoa(v), member, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	case v > max:
		f.add(strconv.Itoa(v), member, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

// limit checks an optional page size and returns it (default maxPageSize).
func (f *fieldErrors) limit(v *int) int {
	if v == nil {
		return maxPageSize
	}
	f.intRange(*v, "limit", 1, maxPageSize)
	return *v
}

func (f *fieldErrors) token(s *string) string {
	if s == nil {
		return ""
	}
	f.length(*s, "nextToken", 1, 2048)
	return *s
}

func (f *fieldErrors) err() error {
	switch len(*f) {
	case 0:
		return nil
	case 1:
		return steward.Validation("1 validation error detected: %s", (*f)[0])
	}
	return steward.Validation("%d validation errors detected: %s", len(*f), strings.Join(*f, "; "))
}

// shown is a value as a message may echo it: long values are cut and NULs
// escaped.
func shown(s string) string {
	if utf8.RuneCountInString(s) > 200 {
		r := []rune(s)
		s = string(r[:200]) + "…"
	}
	return strings.ReplaceAll(s, "\x00", `\u0000`)
}

// tags checks a tag list.
func (f *fieldErrors) tags(tags []Tag, member string) {
	for i, t := range tags {
		f.length(t.Key, fmt.Sprintf("%s.%d.member.key", member, i+1), 1, maxTagKey)
		if utf8.RuneCountInString(t.Value) > maxTagValue {
			f.length(t.Value, fmt.Sprintf("%s.%d.member.value", member, i+1), 0, maxTagValue)
		}
	}
}

// busName resolves an EventBusName member (a name or a bus ARN of this
// account and region); "" is the default bus.
func (b *Buses) busName(s *string, member string, f *fieldErrors) string {
	if s == nil {
		return DefaultBus
	}
	f.text(*s, member, 1, maxARN, busNameOrARN)
	return b.busFromARN(*s)
}

// busFromARN returns the bus name in a bus ARN of this account and region,
// the name itself when it is not an ARN, and "\x00"+arn (no such bus) for a
// bus ARN elsewhere.
func (b *Buses) busFromARN(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	prefix := "arn:aws:events:" + b.opts.Region + ":" + b.opts.Account + ":event-bus/"
	if name, ok := strings.CutPrefix(s, prefix); ok {
		return name
	}
	return "\x00" + s
}

// shownBus is a resolved bus name as messages show it.
func shownBus(name string) string { return strings.TrimPrefix(name, "\x00") }
