package awsjson

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/protocol"
)

// maxDepth bounds the nesting of objects and arrays, known or skipped, so a
// hostile body cannot recurse without end.
const maxDepth = 256

// Unmarshal reads the AWS JSON encoding of a structure into v, a non-nil
// pointer to a wire-shape struct. Empty input, {} and null leave v as it is;
// members v does not have are skipped (but must be valid JSON). Timestamps
// may be epoch seconds or ISO-8601 strings; floats may be "NaN", "Infinity"
// or "-Infinity"; blobs are base64. Bad input returns *protocol.DecodeError.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("awsjson: Unmarshal needs a non-nil pointer, got %T", v)
	}
	s, err := protocol.ShapeOf(rv.Type())
	if err != nil {
		return err
	}
	d := decoder{data: data}
	d.space()
	if d.pos == len(d.data) {
		return nil
	}
	if c := d.data[d.pos]; c != '{' && c != 'n' && s.Elem.Kind == protocol.KindStruct {
		return &protocol.DecodeError{Msg: "request body is not a JSON object"}
	}
	if derr := d.value(s.Elem, rv.Elem()); derr != nil {
		return derr
	}
	d.space()
	if d.pos != len(d.data) {
		return d.syntax("unexpected data after the JSON value")
	}
	return nil
}

type decoder struct {
	data  []byte
	pos   int
	depth int
}

func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) syntax(msg string) *protocol.DecodeError {
	return &protocol.DecodeError{Msg: fmt.Sprintf("invalid JSON: %s at offset %d", msg, d.pos)}
}

func (d *decoder) mismatch(want string) *protocol.DecodeError {
	got := "end of input"
	if d.pos < len(d.data) {
		switch c := d.data[d.pos]; c {
		case '{':
			got = "object"
		case '[':
			got = "array"
		case '"':
			got = "string"
		case 't', 'f':
			got = "boolean"
		case 'n':
			got = "null"
		default:
			got = "number"
		}
	}
	return &protocol.DecodeError{Msg: "expected " + want + ", found " + got}
}

// value reads one JSON value into v, of plan s. A null leaves v as it is.
func (d *decoder) value(s *protocol.Shape, v reflect.Value) *protocol.DecodeError {
	d.space()
	if d.pos >= len(d.data) {
		return d.syntax("unexpected end of input")
	}
	c := d.data[d.pos]
	if c == 'n' {
		return d.literal("null")
	}
	switch s.Kind {
	case protocol.KindPtr:
		if v.IsNil() {
			v.Set(reflect.New(s.Elem.Type))
		}
		return d.value(s.Elem, v.Elem())
	case protocol.KindStruct:
		if c != '{' {
			return d.mismatch("object")
		}
		return d.structure(s, v)
	case protocol.KindList:
		if c != '[' {
			return d.mismatch("array")
		}
		return d.list(s, v)
	case protocol.KindMap:
		if c != '{' {
			return d.mismatch("object")
		}
		return d.mapping(s, v)
	case protocol.KindString:
		if c != '"' {
			return d.mismatch("string")
		}
		str, err := d.str()
		if err != nil {
			return err
		}
		v.SetString(string(str))
	case protocol.KindBool:
		switch c {
		case 't':
			v.SetBool(true)
			return d.literal("true")
		case 'f':
			v.SetBool(false)
			return d.literal("false")
		}
		return d.mismatch("boolean")
	case protocol.KindInt, protocol.KindUint:
		return d.integer(s, v)
	case protocol.KindFloat:
		return d.float(s, v)
	case protocol.KindBlob:
		if c != '"' {
			return d.mismatch("base64 string")
		}
		str, err := d.str()
		if err != nil {
			return err
		}
		enc := base64.StdEncoding
		if len(str)%4 != 0 {
			enc = base64.RawStdEncoding
		}
		out, berr := enc.AppendDecode(make([]byte, 0, enc.DecodedLen(len(str))), str)
		if berr != nil {
			return &protocol.DecodeError{Msg: "invalid base64 blob"}
		}
		v.SetBytes(out)
	case protocol.KindTime:
		return d.timestamp(v)
	case protocol.KindAny:
		return d.document(v)
	default:
		return d.skip()
	}
	return nil
}

func (d *decoder) structure(s *protocol.Shape, v reflect.Value) *protocol.DecodeError {
	more, err := d.open('}')
	for more && err == nil {
		var key []byte
		if key, err = d.key(); err != nil {
			return err
		}
		if i := s.FieldIndex(string(key)); i < 0 {
			err = d.skip()
		} else {
			f := &s.Fields[i]
			if err = d.value(f.Shape, f.Of(v)); err != nil {
				return err.Within(f.Name)
			}
		}
		if err == nil {
			more, err = d.next('}')
		}
	}
	return err
}

func (d *decoder) mapping(s *protocol.Shape, v reflect.Value) *protocol.DecodeError {
	if v.IsNil() {
		v.Set(reflect.MakeMap(s.Type))
	}
	key := reflect.New(s.Type.Key()).Elem()
	elem := reflect.New(s.Elem.Type).Elem()
	more, err := d.open('}')
	for more && err == nil {
		var k []byte
		if k, err = d.key(); err != nil {
			return err
		}
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == 'n' {
			err = d.literal("null") // a null entry is absent
		} else {
			ks := string(k)
			elem.SetZero()
			if err = d.value(s.Elem, elem); err != nil {
				return err.Within("[" + ks + "]")
			}
			key.SetString(ks)
			v.SetMapIndex(key, elem)
		}
		if err == nil {
			more, err = d.next('}')
		}
	}
	return err
}

// list reads an array into the slice v. The result is never nil, so [] stays
// distinguishable from an absent member. Null items are dropped.
func (d *decoder) list(s *protocol.Shape, v reflect.Value) *protocol.DecodeError {
	if v.IsNil() {
		v.Set(reflect.MakeSlice(s.Type, 0, 0))
	} else {
		v.SetLen(0)
	}
	more, err := d.open(']')
	for more && err == nil {
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == 'n' {
			err = d.literal("null")
		} else {
			n := v.Len()
			if n == v.Cap() {
				v.Grow(1)
			}
			v.SetLen(n + 1)
			e := v.Index(n)
			e.SetZero()
			if err = d.value(s.Elem, e); err != nil {
				return err.Within("[" + strconv.Itoa(n) + "]")
			}
		}
		if err == nil {
			more, err = d.next(']')
		}
	}
	return err
}

// open consumes the '{' or '[' at d.pos and reports whether a member or item
// follows (false for {} and []).
func (d *decoder) open(closer byte) (bool, *protocol.DecodeError) {
	if d.depth++; d.depth > maxDepth {
		return false, d.syntax("nesting too deep")
	}
	d.pos++
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == closer {
		d.pos++
		d.depth--
		return false, nil
	}
	return true, nil
}

// next consumes the ',' or the closer after a member or item and reports
// whether another follows.
func (d *decoder) next(closer byte) (bool, *protocol.DecodeError) {
	d.space()
	if d.pos >= len(d.data) {
		return false, d.syntax("unexpected end of input")
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return true, nil
	case closer:
		d.pos++
		d.depth--
		return false, nil
	}
	return false, d.syntax("expected ',' or '" + string(closer) + "'")
}

// key reads a member name and the ':' after it.
func (d *decoder) key() ([]byte, *protocol.DecodeError) {
	d.space()
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return nil, d.syntax("expected a member name")
	}
	key, err := d.str()
	if err != nil {
		return nil, err
	}
	d.space()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		return nil, d.syntax("expected ':'")
	}
	d.pos++
	return key, nil
}

func (d *decoder) integer(s *protocol.Shape, v reflect.Value) *protocol.DecodeError {
	c := d.data[d.pos]
	if c != '-' && (c < '0' || c > '9') {
		return d.mismatch("integer")
	}
	num, err := d.number()
	if err != nil {
		return err
	}
	if s.Kind == protocol.KindInt {
		n, perr := strconv.ParseInt(string(num), 10, s.Bits)
		if perr != nil {
			f, ferr := strconv.ParseFloat(string(num), 64)
			if ferr != nil || f != math.Trunc(f) || f < -math.Ldexp(1, s.Bits-1) || f >= math.Ldexp(1, s.Bits-1) {
				return &protocol.DecodeError{Msg: "value " + string(num) + " is not a " + strconv.Itoa(s.Bits) + "-bit integer"}
			}
			n = int64(f)
		}
		v.SetInt(n)
		return nil
	}
	n, perr := strconv.ParseUint(string(num), 10, s.Bits)
	if perr != nil {
		f, ferr := strconv.ParseFloat(string(num), 64)
		if ferr != nil || f != math.Trunc(f) || f < 0 || f >= math.Ldexp(1, s.Bits) {
			return &protocol.DecodeError{Msg: "value " + string(num) + " is not an unsigned " + strconv.Itoa(s.Bits) + "-bit integer"}
		}
		n = uint64(f)
	}
	v.SetUint(n)
	return nil
}

func (d *decoder) float(s *protocol.Shape, v reflect.Value) *protocol.DecodeError {
	c := d.data[d.pos]
	if c == '"' {
		str, err := d.str()
		if err != nil {
			return err
		}
		f, ok := protocol.ParseFloatSpecial(string(str))
		if !ok {
			return &protocol.DecodeError{Msg: "expected a number or NaN, Infinity, -Infinity, found string"}
		}
		v.SetFloat(f)
		return nil
	}
	if c != '-' && (c < '0' || c > '9') {
		return d.mismatch("number")
	}
	num, err := d.number()
	if err != nil {
		return err
	}
	f, perr := strconv.ParseFloat(string(num), s.Bits)
	if perr != nil {
		return &protocol.DecodeError{Msg: "number " + string(num) + " is out of range"}
	}
	v.SetFloat(f)
	return nil
}

func (d *decoder) timestamp(v reflect.Value) *protocol.DecodeError {
	c := d.data[d.pos]
	var text []byte
	var err *protocol.DecodeError
	switch {
	case c == '"':
		text, err = d.str()
	case c == '-' || (c >= '0' && c <= '9'):
		text, err = d.number()
	default:
		return d.mismatch("timestamp")
	}
	if err != nil {
		return err
	}
	t, ok := protocol.ParseTimestamp(string(text))
	if !ok {
		return &protocol.DecodeError{Msg: "invalid timestamp " + strconv.Quote(string(text))}
	}
	*v.Addr().Interface().(*time.Time) = t
	return nil
}

// document reads any JSON value into an interface member with
// encoding/json's rules (numbers as float64).
func (d *decoder) document(v reflect.Value) *protocol.DecodeError {
	start := d.pos
	if err := d.skip(); err != nil {
		return err
	}
	var x any
	if err := json.Unmarshal(d.data[start:d.pos], &x); err != nil {
		return &protocol.DecodeError{Msg: "invalid JSON document"}
	}
	if x == nil {
		return nil
	}
	xv := reflect.ValueOf(x)
	if !xv.Type().AssignableTo(v.Type()) {
		return &protocol.DecodeError{Msg: "cannot hold a JSON " + xv.Kind().String()}
	}
	v.Set(xv)
	return nil
}

// skip reads past one JSON value, checking it is well formed.
func (d *decoder) skip() *protocol.DecodeError {
	d.space()
	if d.pos >= len(d.data) {
		return d.syntax("unexpected end of input")
	}
	switch d.data[d.pos] {
	case '{':
		more, err := d.open('}')
		for more && err == nil {
			if _, err = d.key(); err == nil {
				if err = d.skip(); err == nil {
					more, err = d.next('}')
				}
			}
		}
		return err
	case '[':
		more, err := d.open(']')
		for more && err == nil {
			if err = d.skip(); err == nil {
				more, err = d.next(']')
			}
		}
		return err
	case '"':
		_, err := d.str()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	_, err := d.number()
	return err
}

func (d *decoder) literal(lit string) *protocol.DecodeError {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return d.syntax("invalid literal")
	}
	d.pos += len(lit)
	return nil
}

// number reads a number token as JSON's grammar has it.
func (d *decoder) number() ([]byte, *protocol.DecodeError) {
	start, i, n := d.pos, d.pos, len(d.data)
	digits := func() bool {
		j := i
		for i < n && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < n && d.data[i] == '-' {
		i++
	}
	switch {
	case i < n && d.data[i] == '0':
		i++
	case !digits():
		d.pos = i
		return nil, d.syntax("invalid number")
	}
	if i < n && d.data[i] == '.' {
		i++
		if !digits() {
			d.pos = i
			return nil, d.syntax("invalid number")
		}
	}
	if i < n && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < n && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if !digits() {
			d.pos = i
			return nil, d.syntax("invalid number")
		}
	}
	d.pos = i
	return d.data[start:i], nil
}

// str reads the string at d.pos (a '"') and returns its unescaped content.
// The result aliases the input unless escapes or invalid UTF-8 had to be
// rewritten.
func (d *decoder) str() ([]byte, *protocol.DecodeError) {
	start := d.pos + 1
	escaped, ascii := false, true
	i := start
	for {
		if i >= len(d.data) {
			d.pos = i
			return nil, d.syntax("unterminated string")
		}
		c := d.data[i]
		switch {
		case c == '"':
			raw := d.data[start:i]
			d.pos = i + 1
			if !escaped && (ascii || utf8.Valid(raw)) {
				return raw, nil
			}
			var s string
			if err := json.Unmarshal(d.data[start-1:i+1], &s); err != nil {
				return nil, d.syntax("invalid string")
			}
			return []byte(s), nil
		case c == '\\':
			escaped = true
			i++
			if i >= len(d.data) {
				continue
			}
			switch d.data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(d.data)-i < 5 || !isHex4(d.data[i+1:i+5]) {
					d.pos = i
					return nil, d.syntax("invalid \\u escape")
				}
				i += 5
			default:
				d.pos = i
				return nil, d.syntax("invalid escape")
			}
		case c < 0x20:
			d.pos = i
			return nil, d.syntax("control character in string")
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			i++
		}
	}
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
