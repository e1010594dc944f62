package sns

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Message attributes (reference D3): names of 1–256 characters of
// A-Za-z0-9_-. with no leading, trailing or doubled dot and not starting
// with "AWS." or "Amazon."; data types String, Number, Binary and
// String.Array, each optionally followed by ".custom-suffix"; values
// non-empty; Number values decimal numbers; String.Array values JSON arrays.
// Value errors are InvalidParameterValue (query code ParameterValueInvalid),
// as AWS answers them.

var numberRE = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// checkAttributes validates message attributes and returns their size
// (names, types and values), which counts toward the message size limit.
func checkAttributes(attrs []MessageAttribute) (int, error) {
	size := 0
	for i, a := range attrs {
		if err := checkAttrName(a.Name); err != nil {
			return 0, err
		}
		if i > 0 && attrs[i-1].Name == a.Name {
			return 0, invalidValue("The message attribute '%s' is given more than once.", a.Name)
		}
		base, suffix, _ := strings.Cut(a.DataType, ".")
		if (base != "String" && base != "Number" && base != "Binary") || len(a.DataType) > 256 || strings.HasSuffix(a.DataType, ".") && suffix == "" {
			return 0, invalidValue("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", a.Name)
		}
		size += len(a.Name) + len(a.DataType)
		if base == "Binary" {
			if len(a.BinaryValue) == 0 {
				return 0, invalidValue("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", a.Name, base)
			}
			size += len(a.BinaryValue)
			continue
		}
		if a.StringValue == "" {
			return 0, invalidValue("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", a.Name, base)
		}
		if !utf8.ValidString(a.StringValue) || strings.ContainsFunc(a.StringValue, badXMLChar) {
			return 0, invalidValue("The message attribute '%s' contains invalid characters.", a.Name)
		}
		switch {
		case base == "Number":
			if !numberRE.MatchString(strings.TrimSpace(a.StringValue)) {
				return 0, invalidValue("Could not cast message attribute '%s' value to number.", a.Name)
			}
		case a.DataType == "String.Array" || strings.HasPrefix(a.DataType, "String.Array."):
			var arr []json.RawMessage
			if json.Unmarshal([]byte(a.StringValue), &arr) != nil {
				return 0, invalidValue("The message attribute '%s' with type 'String.Array' has an invalid value: it must be a JSON array.", a.Name)
			}
		}
		size += len(a.StringValue)
	}
	return size, nil
}

func checkAttrName(name string) error {
	bad := func(reason string) error {
		return invalidValue("The message attribute name '%s' is invalid: %s", name, reason)
	}
	switch {
	case name == "" || len(name) > maxAttrNameLen:
		return bad("it must be 1 to 256 characters long")
	case strings.HasPrefix(name, ".") || strings.HasSuffix(name, "."):
		return bad("it must not start or end with a period")
	case strings.Contains(name, ".."):
		return bad("it must not contain successive periods")
	case hasPrefixFold(name, "AWS.") || hasPrefixFold(name, "Amazon."):
		return bad("the prefixes AWS. and Amazon. are reserved")
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return bad("it may contain only A-Z, a-z, 0-9, underscore, hyphen and period")
		}
	}
	return nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// badXMLChar reports characters XML 1.0 cannot carry (messages travel in
// query responses and XML-based clients).
func badXMLChar(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF
}

// sortAttributes orders attributes by name (the stored and enveloped order).
func sortAttributes(attrs []MessageAttribute) {
	slices.SortFunc(attrs, func(a, b MessageAttribute) int { return strings.Compare(a.Name, b.Name) })
}

// ParseMessageStructure reads a MessageStructure=json message: a JSON object
// of strings with a "default" entry.
func ParseMessageStructure(msg string) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(msg), &raw); err != nil || raw == nil {
		return nil, invalid("Message Structure - JSON message body failed to parse")
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, invalid("Message Structure - JSON message body failed to parse")
		}
		out[k] = s
	}
	if _, ok := out["default"]; !ok {
		return nil, invalid("Message Structure - No default entry in JSON message body")
	}
	return out, nil
}

// bodyFor is the body a protocol receives: its entry of a structured
// message, else "default"; the message itself when unstructured.
func bodyFor(msg *MessageRecord, bodies map[string]string, protocol string) string {
	if msg.Structure != "json" {
		return msg.Body
	}
	if bodies == nil {
		var err error
		if bodies, err = ParseMessageStructure(msg.Body); err != nil {
			return msg.Body
		}
	}
	if b, ok := bodies[protocol]; ok {
		return b
	}
	return bodies["default"]
}
