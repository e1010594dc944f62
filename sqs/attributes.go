package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward"
)

// MessageAttributeValue is one message attribute (or system attribute).
// DataType is String, Number or Binary, optionally followed by a custom
// label ("Number.float", "Binary.gif"); String and Number carry
// StringValue, Binary carries BinaryValue.
//
// StringListValues and BinaryListValues are in the model but reserved by
// AWS ("not implemented"); a send carrying them is refused as AWS refuses
// it.
type MessageAttributeValue struct {
	DataType         string
	StringValue      string
	BinaryValue      []byte
	StringListValues []string
	BinaryListValues [][]byte
}

// Transport types of the MD5 encoding (AWS: "1 for String and Number, 2 for
// Binary").
const (
	transportString = 1
	transportBinary = 2
)

func transportOf(dataType string) byte {
	if strings.HasPrefix(dataType, "Binary") {
		return transportBinary
	}
	return transportString
}

// EncodeAttributes returns the canonical encoding of attrs: for each
// attribute in name order, the name, the data type, one transport-type byte
// and the value, each string prefixed with its length as 4 big-endian bytes.
// These are exactly the bytes AWS hashes into MD5OfMessageAttributes
// (and MD5OfMessageSystemAttributes), so Steward stores them as they are.
// It returns nil for no attributes.
func EncodeAttributes(attrs map[string]MessageAttributeValue) []byte {
	if len(attrs) == 0 {
		return nil
	}
	names := make([]string, 0, len(attrs))
	size := 0
	for n, v := range attrs {
		names = append(names, n)
		size += 13 + len(n) + len(v.DataType) + len(v.StringValue) + len(v.BinaryValue)
	}
	slices.Sort(names)
	b := make([]byte, 0, size)
	for _, n := range names {
		v := attrs[n]
		b = appendLV(b, n)
		b = appendLV(b, v.DataType)
		if t := transportOf(v.DataType); t == transportBinary {
			b = append(b, t)
			b = binary.BigEndian.AppendUint32(b, uint32(len(v.BinaryValue)))
			b = append(b, v.BinaryValue...)
		} else {
			b = append(b, t)
			b = appendLV(b, v.StringValue)
		}
	}
	return b
}

func appendLV(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

var errBadAttributes = errors.New("sqs: malformed attribute encoding")

// DecodeAttributes reads an encoding made by EncodeAttributes. It never
// panics, whatever the bytes.
func DecodeAttributes(b []byte) (map[string]MessageAttributeValue, error) {
	if len(b) == 0 {
		return nil, nil
	}
	out := make(map[string]MessageAttributeValue)
	err := walkAttributes(b, func(name string, v MessageAttributeValue, _ []byte) bool {
		out[name] = v
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// walkAttributes calls fn with each attribute and its raw encoding, until
// fn returns false.
func walkAttributes(b []byte, fn func(name string, v MessageAttributeValue, raw []byte) bool) error {
	for len(b) > 0 {
		start := b
		name, rest, ok := readLV(b)
		if !ok {
			return errBadAttributes
		}
		typ, rest, ok := readLV(rest)
		if !ok || len(rest) < 1 {
			return errBadAttributes
		}
		t := rest[0]
		val, rest, ok := readLV(rest[1:])
		if !ok {
			return errBadAttributes
		}
		v := MessageAttributeValue{DataType: string(typ)}
		switch t {
		case transportString:
			v.StringValue = string(val)
		case transportBinary:
			v.BinaryValue = append([]byte{}, val...)
		default:
			return errBadAttributes
		}
		b = rest
		if !fn(string(name), v, start[:len(start)-len(rest)]) {
			return nil
		}
	}
	return nil
}

func readLV(b []byte) (val, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}

// MD5Hex returns the hex MD5 of b: MD5OfMessageBody of a body, and
// MD5OfMessageAttributes of an attribute encoding.
func MD5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// MD5OfBody returns the hex MD5 of a message body's UTF-8 bytes.
func MD5OfBody(body string) string {
	sum := md5.Sum([]byte(body))
	return hex.EncodeToString(sum[:])
}

// MD5OfAttributes returns MD5OfMessageAttributes for attrs ("" for none).
func MD5OfAttributes(attrs map[string]MessageAttributeValue) string {
	if len(attrs) == 0 {
		return ""
	}
	return MD5Hex(EncodeAttributes(attrs))
}

// selectAttributes returns the part of an attribute encoding a receive
// asked for: names are attribute names, "All" or ".*" for every one, and
// "prefix.*" for those starting with prefix. The result is itself a
// canonical encoding (the order is kept), so its MD5 is what a client
// computes over the attributes it gets.
func selectAttributes(enc []byte, names []string) []byte {
	if len(enc) == 0 || len(names) == 0 {
		return nil
	}
	for _, n := range names {
		if n == "All" || n == ".*" {
			return enc
		}
	}
	var out []byte
	_ = walkAttributes(enc, func(name string, _ MessageAttributeValue, raw []byte) bool {
		for _, n := range names {
			if n == name || strings.HasSuffix(n, ".*") && strings.HasPrefix(name, n[:len(n)-1]) {
				out = append(out, raw...)
				break
			}
		}
		return true
	})
	return out
}

// attributesSize is what the attributes count towards the message size
// limit: names, data types and values.
func attributesSize(attrs map[string]MessageAttributeValue) int {
	n := 0
	for name, v := range attrs {
		n += len(name) + len(v.DataType) + len(v.StringValue) + len(v.BinaryValue)
	}
	return n
}

// checkAttributes validates message attributes as AWS does (InvalidParameter
// Value otherwise). system selects the rules of MessageSystemAttributes.
func checkAttributes(attrs map[string]MessageAttributeValue, system bool) error {
	kind := "user"
	if system {
		kind = "system"
	}
	if !system && len(attrs) > MaxMessageAttributes {
		return invalidParam("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), MaxMessageAttributes)
	}
	for name, v := range attrs {
		if system {
			if name != "AWSTraceHeader" {
				return invalidParam("Message system attribute name '%s' is invalid.", name)
			}
			if v.DataType != "String" {
				return invalidParam("Message system attribute '%s' has an invalid data type '%s'.", name, v.DataType)
			}
		} else if !validAttributeName(name) {
			return invalidParam("Message (%s) attribute name '%s' is invalid.", kind, name)
		}
		if err := checkValue(name, kind, v); err != nil {
			return err
		}
	}
	return nil
}

// validAttributeName: 1–256 of [A-Za-z0-9_.-], no leading or trailing
// period, no "..", and not starting with AWS. or Amazon. (any case).
func validAttributeName(name string) bool {
	if name == "" || len(name) > MaxAttributeNameLen || name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") {
		return false
	}
	low := strings.ToLower(name)
	if strings.HasPrefix(low, "aws.") || strings.HasPrefix(low, "amazon.") {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func checkValue(name, kind string, v MessageAttributeValue) error {
	if len(v.StringListValues) > 0 || len(v.BinaryListValues) > 0 {
		return invalidParam("Message attribute list values in SendMessage operation are not supported.")
	}
	if v.DataType == "" {
		return invalidParam("The message (%s) attribute '%s' must contain a non-empty attribute type.", kind, name)
	}
	base, custom, _ := strings.Cut(v.DataType, ".")
	if len(v.DataType) > MaxDataTypeLen || !utf8.ValidString(custom) {
		return invalidParam("The message (%s) attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", kind, name)
	}
	switch base {
	case "String":
		if v.StringValue == "" {
			return invalidParam("The message (%s) attribute '%s' must contain a non-empty message attribute value for message attribute type 'String'.", kind, name)
		}
		if !validText(v.StringValue) {
			return steward.Errorf(CodeInvalidMessageContents, "Invalid characters found in the message (%s) attribute '%s'.", kind, name)
		}
	case "Number":
		if v.StringValue == "" {
			return invalidParam("The message (%s) attribute '%s' must contain a non-empty message attribute value for message attribute type 'Number'.", kind, name)
		}
		if !validNumber(v.StringValue) {
			return invalidParam("Can't cast the value of message (%s) attribute '%s' to a number.", kind, name)
		}
	case "Binary":
		if len(v.BinaryValue) == 0 {
			return invalidParam("The message (%s) attribute '%s' must contain a non-empty message attribute value for message attribute type 'Binary'.", kind, name)
		}
	default:
		return invalidParam("The message (%s) attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", kind, name)
	}
	if base != "Binary" && len(v.BinaryValue) > 0 || base == "Binary" && v.StringValue != "" {
		return invalidParam("The message (%s) attribute '%s' must contain a value of type '%s' only.", kind, name, base)
	}
	return nil
}

// validNumber accepts what AWS's Number type does: a decimal with an
// optional sign, fraction and exponent, up to 38 significant digits, in
// ±10^-128 … 10^126.
func validNumber(s string) bool {
	digits, i := 0, 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 || i == start {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		es := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == es {
			return false
		}
	}
	if i != len(s) {
		return false
	}
	sig := strings.TrimLeft(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.SplitN(strings.ToLower(s), "e", 2)[0]), "0")
	if len(strings.TrimRight(sig, "0")) > 38 {
		return false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return false
	}
	a := math.Abs(f)
	return a == 0 || a >= 1e-128 && a < 1e126
}

// validText reports whether s holds only the characters SQS accepts in
// bodies and string values: #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD |
// #x10000–#x10FFFF, as valid UTF-8.
func validText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r >= 0xD800 && r <= 0xDFFF || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += n
	}
	return true
}
