package input

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// Raw JSON navigation: a selected value is a sub-slice of the event, so key
// order and number text come out exactly as they went in.

var errSyntax = errors.New("input: event is not valid JSON")

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// maxDepth bounds nesting while skipping (the event is ours, but Apply is
// fuzzed with anything).
const maxDepth = 512

// skipValue returns the offset just after the JSON value starting at i
// (whitespace before it allowed).
func skipValue(b []byte, i int) (int, error) { return skipDepth(b, i, 0) }

func skipDepth(b []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return 0, errSyntax
	}
	i = skipSpace(b, i)
	if i >= len(b) {
		return 0, errSyntax
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == closer {
			return i + 1, nil
		}
		for {
			var err error
			if c == '{' {
				i = skipSpace(b, i)
				if i >= len(b) || b[i] != '"' {
					return 0, errSyntax
				}
				if i, err = skipString(b, i); err != nil {
					return 0, err
				}
				i = skipSpace(b, i)
				if i >= len(b) || b[i] != ':' {
					return 0, errSyntax
				}
				i++
			}
			if i, err = skipDepth(b, i, depth+1); err != nil {
				return 0, err
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return 0, errSyntax
			}
			if b[i] == closer {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, errSyntax
			}
			i++
		}
	default:
		j := i
		for j < len(b) && !isSpace(b[j]) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ':' {
			j++
		}
		if j == i || !json.Valid(b[i:j]) {
			return 0, errSyntax
		}
		return j, nil
	}
}

// skipString returns the offset after the string literal starting at i.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errSyntax
}

// member finds key in the object starting at i and returns the bounds of
// its value. The last occurrence of a duplicated key wins.
func member(b []byte, i int, key string) (start, end int, ok bool, err error) {
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '{' {
		return 0, 0, false, nil
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return 0, 0, false, nil
	}
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return 0, 0, false, errSyntax
		}
		ke, err := skipString(b, i)
		if err != nil {
			return 0, 0, false, err
		}
		k := b[i:ke]
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return 0, 0, false, errSyntax
		}
		vs := skipSpace(b, i+1)
		ve, err := skipValue(b, vs)
		if err != nil {
			return 0, 0, false, err
		}
		if keyEquals(k, key) {
			start, end, ok = vs, ve, true
		}
		i = skipSpace(b, ve)
		if i >= len(b) {
			return 0, 0, false, errSyntax
		}
		if b[i] == '}' {
			return start, end, ok, nil
		}
		if b[i] != ',' {
			return 0, 0, false, errSyntax
		}
		i++
	}
}

// keyEquals compares a quoted JSON key with a plain string.
func keyEquals(quoted []byte, key string) bool {
	inner := quoted[1 : len(quoted)-1]
	if len(inner) == len(key) && string(inner) == key {
		return true
	}
	for _, c := range inner {
		if c == '\\' {
			var s string
			return json.Unmarshal(quoted, &s) == nil && s == key
		}
	}
	return false
}

// elements returns the bounds of every element of the array starting at i
// (nil, false when it is not an array).
func elements(b []byte, i int) ([][2]int, bool, error) {
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '[' {
		return nil, false, nil
	}
	var out [][2]int
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return out, true, nil
	}
	for {
		s := skipSpace(b, i)
		e, err := skipValue(b, s)
		if err != nil {
			return nil, false, err
		}
		out = append(out, [2]int{s, e})
		i = skipSpace(b, e)
		if i >= len(b) {
			return nil, false, errSyntax
		}
		if b[i] == ']' {
			return out, true, nil
		}
		if b[i] != ',' {
			return nil, false, errSyntax
		}
		i++
	}
}

// members returns the bounds of every member value of the object at i.
func members(b []byte, i int) ([][2]int, bool, error) {
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '{' {
		return nil, false, nil
	}
	var out [][2]int
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return out, true, nil
	}
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return nil, false, errSyntax
		}
		ke, err := skipString(b, i)
		if err != nil {
			return nil, false, err
		}
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return nil, false, errSyntax
		}
		vs := skipSpace(b, i+1)
		ve, err := skipValue(b, vs)
		if err != nil {
			return nil, false, err
		}
		out = append(out, [2]int{vs, ve})
		i = skipSpace(b, ve)
		if i >= len(b) {
			return nil, false, errSyntax
		}
		if b[i] == '}' {
			return out, true, nil
		}
		if b[i] != ',' {
			return nil, false, errSyntax
		}
		i++
	}
}

// AppendString appends s as a JSON string literal: quotes, backslashes and
// control characters escaped, everything else (including <, > and &) as
// is. Invalid UTF-8 becomes U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

// appendEscaped appends the JSON-escaped content of s (no quotes).
func appendEscaped(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return dst
}

// unquote returns the text of a JSON string literal.
func unquote(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(inner)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(inner)
	}
	return s
}

// isString reports whether raw is a JSON string literal.
func isString(raw []byte) bool { return len(raw) >= 2 && raw[0] == '"' }
