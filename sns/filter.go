package sns

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/stewardhq/steward/events/pattern"
)

// Filter policies (reference D4) use EventBridge's matcher (events/pattern)
// with SNS's limits. A policy is compiled once per (policy, scope) and the
// compiled form shared by every subscription that has it; publishing only
// matches. Scope MessageAttributes matches a document built from the
// message attributes (String → string, Number → number, String.Array → the
// array; Binary is ignored); scope MessageBody matches the body the
// subscriber would receive (its protocol's entry of a MessageStructure=json
// message), which must be a JSON object (anything else matches no policy).

// Filter scopes.
const (
	ScopeMessageAttributes = "MessageAttributes"
	ScopeMessageBody       = "MessageBody"
)

// maxCompiled bounds the cache; past it, the cache starts over.
const maxCompiled = 10000

type filterKey struct{ policy, scope string }

type filterCache struct {
	mu sync.Mutex
	m  map[filterKey]*pattern.Pattern
}

func (c *filterCache) init() { c.m = map[filterKey]*pattern.Pattern{} }

// compile returns the compiled policy, or an InvalidParameter error naming
// the reason.
func (c *filterCache) compile(policy, scope string) (*pattern.Pattern, error) {
	k := filterKey{policy, scope}
	c.mu.Lock()
	p, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	s := pattern.MessageAttributes
	if scope == ScopeMessageBody {
		s = pattern.MessageBody
	}
	p, err := pattern.CompileFilterPolicy([]byte(policy), s)
	if err != nil {
		var pe *pattern.Error
		if errors.As(err, &pe) {
			return nil, invalid("%s", pe.Reason)
		}
		return nil, invalid("FilterPolicy: %s", err.Error())
	}
	c.mu.Lock()
	if len(c.m) >= maxCompiled {
		c.m = map[filterKey]*pattern.Pattern{}
	}
	c.m[k] = p
	c.mu.Unlock()
	return p, nil
}

// filterScope is a subscription's scope (MessageAttributes by default).
func filterScope(sub *SubscriptionRecord) string {
	if s := sub.Attributes[AttrFilterPolicyScope]; s != "" {
		return s
	}
	return ScopeMessageAttributes
}

// matches reports whether a subscription takes a message: no policy, or the
// policy matches. attrDoc is the message's attribute document; body the
// body this subscriber gets.
func (t *Topics) matches(sub *SubscriptionRecord, attrDoc []byte, body string) bool {
	policy := sub.Attributes[AttrFilterPolicy]
	if policy == "" {
		return true
	}
	scope := filterScope(sub)
	p, err := t.filters.compile(policy, scope)
	if err != nil {
		// Stored policies were valid when set; a policy the matcher now
		// refuses lets nothing through rather than everything.
		t.log.Warn("sns: stored filter policy does not compile", "subscription", sub.ARN, "err", err)
		return false
	}
	doc := attrDoc
	if scope == ScopeMessageBody {
		trimmed := strings.TrimSpace(body)
		if !strings.HasPrefix(trimmed, "{") {
			return false
		}
		doc = []byte(trimmed)
	}
	ok, err := p.Match(doc)
	return err == nil && ok
}

// AttributeDocument builds the JSON document a MessageAttributes-scope
// policy is matched against. Attributes are validated at publish (Number
// values are numbers, String.Array values JSON arrays).
func AttributeDocument(attrs []MessageAttribute) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	for _, a := range attrs {
		base, _, _ := strings.Cut(a.DataType, ".")
		var v []byte
		switch {
		case a.DataType == "String.Array" || strings.HasPrefix(a.DataType, "String.Array."):
			if json.Valid([]byte(a.StringValue)) {
				v = []byte(a.StringValue)
			}
		case base == "Number":
			v = numberJSON(a.StringValue)
		case base == "String":
			v, _ = json.Marshal(a.StringValue)
		}
		if v == nil {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(a.Name)
		b.Write(name)
		b.WriteByte(':')
		b.Write(v)
		n++
	}
	b.WriteByte('}')
	return b.Bytes()
}

// numberJSON returns a Number attribute as a JSON number: the text itself
// when it is one, else its float value; nil when it is not a number.
func numberJSON(s string) []byte {
	s = strings.TrimSpace(s)
	if !numberRE.MatchString(s) {
		return nil
	}
	if json.Valid([]byte(s)) {
		return []byte(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64)
}
