package iam

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward"
)

// Model constraints of the IAM API (botocore iam/2010-05-08). A violation is
// a ValidationError listing every failed constraint, as AWS reports it.

// The model's patterns, in the model's (Java) spelling.
var (
	namePattern       = modelPattern(`[\w+=,.@-]+`)
	rolePathPattern   = modelPattern(`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	policyPathPattern = modelPattern(`((/[A-Za-z0-9\.,\+@=_-]+)*)/`)
	pathPrefixPattern = modelPattern(`\u002F[\u0021-\u007F]*`)
	documentPattern   = modelPattern(`[\u0009\u000A\u000D\u0020-\u00FF]+`)
	roleDescPattern   = modelPattern(`[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`)
	tagKeyPattern     = modelPattern(`[\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
	tagValuePattern   = modelPattern(`[\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
	markerPattern     = modelPattern(`[\u0020-\u00FF]+`)
	versionIDPattern  = modelPattern(`v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
)

// constraint is a model pattern: the text AWS shows in messages and the
// compiled, whole-string Go equivalent.
type constraint struct {
	text string
	re   *regexp.Regexp
}

var javaEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

func modelPattern(text string) *constraint {
	goText := javaEscape.ReplaceAllString(text, `\x{$1}`)
	return &constraint{text: text, re: regexp.MustCompile(`^(?:` + goText + `)$`)}
}

// fieldErrors collects model-constraint violations: "2 validation errors
// detected: Value 'x' at 'roleName' failed to satisfy constraint: …; …".
type fieldErrors []string

func (f *fieldErrors) add(value, member, constraint string) {
	*f = append(*f, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

// length checks min ≤ len(s) ≤ max in characters.
func (f *fieldErrors) length(s, member string, min, max int) bool {
	n := utf8.RuneCountInString(s)
	switch {
	case n < min:
		f.add(shown(s), member, fmt.Sprintf("Member must have length greater than or equal to %d", min))
		return false
	case n > max:
		f.add(shown(s), member, fmt.Sprintf("Member must have length less than or equal to %d", max))
		return false
	}
	return true
}

func (f *fieldErrors) pattern(s, member string, p *constraint) {
	if !p.re.MatchString(s) {
		f.add(shown(s), member, "Member must satisfy regular expression pattern: "+p.text)
	}
}

// text checks length and pattern of a string member.
func (f *fieldErrors) text(s, member string, min, max int, p *constraint) {
	if f.length(s, member, min, max) && p != nil {
		f.pattern(s, member, p)
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

// document checks a policy document member.
func (f *fieldErrors) document(s, member string) {
	f.text(s, member, 1, documentMax, documentPattern)
}

// tags checks a tag list (model constraints only).
func (f *fieldErrors) tags(tags []Tag, member string) {
	if len(tags) > maxTagsPerEntity {
		f.add(fmt.Sprintf("%d tags", len(tags)), member, fmt.Sprintf("Member must have length less than or equal to %d", maxTagsPerEntity))
	}
	for i, t := range tags {
		f.text(t.Key, fmt.Sprintf("%s.%d.member.key", member, i+1), 1, tagKeyMax, tagKeyPattern)
		f.text(t.Value, fmt.Sprintf("%s.%d.member.value", member, i+1), 0, tagValueMax, tagValuePattern)
	}
}

// paging checks Marker and MaxItems and returns the page size.
func (f *fieldErrors) paging(marker *string, maxItems *int) int {
	if marker != nil {
		f.text(*marker, "marker", 1, markerMax, markerPattern)
	}
	if maxItems == nil {
		return listDefaultItems
	}
	f.intRange(*maxItems, "maxItems", 1, listMaxItems)
	return *maxItems
}

// checkNewTags applies IAM's tag rules beyond the model: keys unique
// regardless of case, none in the aws: namespace.
func checkNewTags(tags []Tag) error {
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return steward.Errorf(CodeInvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
		if strings.HasPrefix(k, "aws:") {
			return steward.Errorf(CodeInvalidInput, "The tag key %s is reserved: keys beginning with aws: are for AWS use.", t.Key)
		}
	}
	return nil
}

// mergeTags adds tags to cur, replacing the value (and spelling) of keys
// already there regardless of case; new keys go at the end.
func mergeTags(cur, add []Tag) []Tag {
	out := append([]Tag(nil), cur...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}

// removeTags drops the tags whose keys are among keys, regardless of case.
func removeTags(cur []Tag, keys []string) []Tag {
	out := make([]Tag, 0, len(cur))
	for _, t := range cur {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// sliceMarker and sliceOffset page an in-memory list (tags): the marker is
// the offset of the next item.
func sliceMarker(next int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o" + strconv.Itoa(next)))
}

func sliceOffset(marker string) (int, error) {
	if marker == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(marker)
	if err != nil || len(b) < 2 || b[0] != 'o' {
		return 0, ErrInvalidMarker
	}
	n, err := strconv.Atoi(string(b[1:]))
	if err != nil || n < 0 {
		return 0, ErrInvalidMarker
	}
	return n, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
