package pattern

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is a small JSON scanner over a string. It serves two readers:
// the pattern compiler, which needs the whole pattern as an ordered tree
// (key order decides which of two writes to one field wins, and errors are
// reported in document order as AWS's streaming parser reports them), and the
// matcher, which walks a document once and keeps only the fields a pattern
// names (see extract.go). Scanning a string rather than bytes lets kept
// strings be substrings of the document: one copy per document, none per
// value.

// maxDepth caps nesting in patterns and documents, so a hostile document
// cannot exhaust the stack. Jackson (which AWS uses) defaults to 1000.
const maxDepth = 1000

type jkind uint8

const (
	jNull jkind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

// jvalue is a parsed JSON value with object members in document order.
type jvalue struct {
	kind jkind
	s    string // string content, or the number's text
	arr  []jvalue
	obj  []jmember
}

type jmember struct {
	key string
	val jvalue
}

// text is how AWS's parser names a token in a message: a number as written,
// a string's content, the literal, or the opening bracket.
func (v jvalue) text() string {
	switch v.kind {
	case jNull:
		return "null"
	case jFalse:
		return "false"
	case jTrue:
		return "true"
	case jArray:
		return "["
	case jObject:
		return "{"
	}
	return v.s
}

// syntaxError is a JSON syntax error at a byte offset.
type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.off) }

type scanner struct {
	s     string
	i     int
	depth int
}

func (sc *scanner) fail(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...), off: sc.i}
}

func (sc *scanner) unexpected(want string) error {
	if sc.i >= len(sc.s) {
		return sc.fail("unexpected end of input: expected %s", want)
	}
	r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
	return sc.fail("unexpected character %q: expected %s", r, want)
}

func (sc *scanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// end checks that only whitespace follows the top-level value.
func (sc *scanner) end() error {
	sc.ws()
	if sc.i != len(sc.s) {
		return sc.unexpected("end of input")
	}
	return nil
}

func (sc *scanner) enter() error {
	sc.depth++
	if sc.depth > maxDepth {
		return sc.fail("nesting deeper than %d", maxDepth)
	}
	return nil
}

// parse reads one value into a tree.
func (sc *scanner) parse() (jvalue, error) {
	sc.ws()
	if sc.i >= len(sc.s) {
		return jvalue{}, sc.unexpected("a value")
	}
	switch c := sc.s[sc.i]; {
	case c == '{':
		if err := sc.enter(); err != nil {
			return jvalue{}, err
		}
		sc.i++
		v := jvalue{kind: jObject}
		sc.ws()
		if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
			sc.i++
			sc.depth--
			return v, nil
		}
		for {
			sc.ws()
			if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
				return jvalue{}, sc.unexpected("a field name")
			}
			key, err := sc.str()
			if err != nil {
				return jvalue{}, err
			}
			sc.ws()
			if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
				return jvalue{}, sc.unexpected("':'")
			}
			sc.i++
			val, err := sc.parse()
			if err != nil {
				return jvalue{}, err
			}
			v.obj = append(v.obj, jmember{key: key, val: val})
			sc.ws()
			if sc.i < len(sc.s) && sc.s[sc.i] == ',' {
				sc.i++
				continue
			}
			if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
				sc.i++
				sc.depth--
				return v, nil
			}
			return jvalue{}, sc.unexpected("',' or '}'")
		}
	case c == '[':
		if err := sc.enter(); err != nil {
			return jvalue{}, err
		}
		sc.i++
		v := jvalue{kind: jArray}
		sc.ws()
		if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
			sc.i++
			sc.depth--
			return v, nil
		}
		for {
			el, err := sc.parse()
			if err != nil {
				return jvalue{}, err
			}
			v.arr = append(v.arr, el)
			sc.ws()
			if sc.i < len(sc.s) && sc.s[sc.i] == ',' {
				sc.i++
				continue
			}
			if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
				sc.i++
				sc.depth--
				return v, nil
			}
			return jvalue{}, sc.unexpected("',' or ']'")
		}
	case c == '"':
		s, err := sc.str()
		return jvalue{kind: jString, s: s}, err
	case c == '-' || c >= '0' && c <= '9':
		s, err := sc.number()
		return jvalue{kind: jNumber, s: s}, err
	default:
		k, err := sc.literal()
		return jvalue{kind: k}, err
	}
}

func (sc *scanner) literal() (jkind, error) {
	rest := sc.s[sc.i:]
	switch {
	case strings.HasPrefix(rest, "true"):
		sc.i += 4
		return jTrue, nil
	case strings.HasPrefix(rest, "false"):
		sc.i += 5
		return jFalse, nil
	case strings.HasPrefix(rest, "null"):
		sc.i += 4
		return jNull, nil
	}
	return 0, sc.unexpected("a value")
}

// number scans a JSON number and returns its text.
func (sc *scanner) number() (string, error) {
	start := sc.i
	s := sc.s
	i := sc.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		sc.i = i
		return "", sc.unexpected("a digit")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			sc.i = i
			return "", sc.unexpected("a digit")
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			sc.i = i
			return "", sc.unexpected("a digit")
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	sc.i = i
	return s[start:i], nil
}

// str scans a string starting at its opening quote and returns its content.
// Without escapes the result is a substring of the input.
//
// Invalid UTF-8 becomes U+FFFD, byte by byte, as encoding/json does, so a
// document matches the same whether given as text or decoded.
func (sc *scanner) str() (string, error) {
	s := sc.s
	i := sc.i + 1
	start := i
	for i < len(s) {
		c := s[i]
		if plainByte[c] && c < utf8.RuneSelf {
			i++
			continue
		}
		switch {
		case c == '"':
			sc.i = i + 1
			return s[start:i], nil
		case c == '\\':
			sc.i = i
			return sc.strSlow(start)
		case c < 0x20:
			sc.i = i
			return "", sc.fail("control character in string")
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				sc.i = i
				return sc.strSlow(start)
			}
			i += n
			continue
		}
		i++
	}
	sc.i = i
	return "", sc.unexpected("'\"'")
}

func (sc *scanner) strSlow(start int) (string, error) {
	s := sc.s
	var b strings.Builder
	b.WriteString(s[start:sc.i])
	i := sc.i
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			sc.i = i + 1
			return b.String(), nil
		case c < 0x20:
			sc.i = i
			return "", sc.fail("control character in string")
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b.WriteRune(utf8.RuneError)
			} else {
				b.WriteString(s[i : i+n])
			}
			i += n
			continue
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			sc.i = i + 1
			return "", sc.unexpected("an escape")
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				sc.i = i
				return "", sc.fail("invalid \\u escape")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						b.WriteRune(d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
			continue
		default:
			sc.i = i
			return "", sc.fail("invalid escape \\%c", e)
		}
		i += 2
	}
	sc.i = i
	return "", sc.unexpected("'\"'")
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// skip validates and passes over one value without keeping it.
func (sc *scanner) skip() error {
	sc.ws()
	if sc.i >= len(sc.s) {
		return sc.unexpected("a value")
	}
	switch c := sc.s[sc.i]; {
	case c == '{':
		if err := sc.enter(); err != nil {
			return err
		}
		sc.i++
		sc.ws()
		if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
			sc.i++
			sc.depth--
			return nil
		}
		for {
			sc.ws()
			if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
				return sc.unexpected("a field name")
			}
			if err := sc.skipStr(); err != nil {
				return err
			}
			sc.ws()
			if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
				return sc.unexpected("':'")
			}
			sc.i++
			if err := sc.skip(); err != nil {
				return err
			}
			sc.ws()
			if sc.i < len(sc.s) && sc.s[sc.i] == ',' {
				sc.i++
				continue
			}
			if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
				sc.i++
				sc.depth--
				return nil
			}
			return sc.unexpected("',' or '}'")
		}
	case c == '[':
		if err := sc.enter(); err != nil {
			return err
		}
		sc.i++
		sc.ws()
		if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
			sc.i++
			sc.depth--
			return nil
		}
		for {
			if err := sc.skip(); err != nil {
				return err
			}
			sc.ws()
			if sc.i < len(sc.s) && sc.s[sc.i] == ',' {
				sc.i++
				continue
			}
			if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
				sc.i++
				sc.depth--
				return nil
			}
			return sc.unexpected("',' or ']'")
		}
	case c == '"':
		return sc.skipStr()
	case c == '-' || c >= '0' && c <= '9':
		_, err := sc.number()
		return err
	default:
		_, err := sc.literal()
		return err
	}
}

// plainByte marks the bytes a string scan passes over without a second
// look: not a quote, a backslash or a control character.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipStr validates and passes over a string without building it.
func (sc *scanner) skipStr() error {
	s := sc.s
	i := sc.i + 1
	for i < len(s) {
		c := s[i]
		if plainByte[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			sc.i = i + 1
			return nil
		case c < 0x20:
			sc.i = i
			return sc.fail("control character in string")
		case c == '\\':
			if i+1 >= len(s) {
				sc.i = i + 1
				return sc.unexpected("an escape")
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(s, i+2); !ok {
					sc.i = i
					return sc.fail("invalid \\u escape")
				}
				i += 6
			default:
				sc.i = i
				return sc.fail("invalid escape \\%c", s[i+1])
			}
			continue
		}
		i++
	}
	sc.i = i
	return sc.unexpected("'\"'")
}

// parseJSON parses a whole document into a tree.
func parseJSON(src string) (jvalue, error) {
	sc := scanner{s: src}
	v, err := sc.parse()
	if err != nil {
		return jvalue{}, err
	}
	if err := sc.end(); err != nil {
		return jvalue{}, err
	}
	return v, nil
}
