package awsjson

import (
	"encoding/base64"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward/protocol"
)

// Marshal returns the AWS JSON encoding of v, a wire-shape value: epoch
// seconds for timestamps, "NaN"/"Infinity" strings for non-finite floats,
// base64 for blobs, nil members left out, map keys sorted. A nil v is {}.
func Marshal(v any) ([]byte, error) {
	return AppendValue(nil, v)
}

// AppendValue appends the AWS JSON encoding of v to b (see Marshal).
func AppendValue(b []byte, x any) ([]byte, error) {
	if x == nil {
		return append(b, "{}"...), nil
	}
	v, s, err := valueOf(x)
	if err != nil {
		return b, err
	}
	if s.Kind == protocol.KindPtr && v.IsNil() {
		return append(b, "{}"...), nil
	}
	e := encoder{b: b}
	e.value(s, v)
	return e.b, e.err
}

type encoder struct {
	b   []byte
	err error // first failure; the output is then discarded
}

func (e *encoder) value(s *protocol.Shape, v reflect.Value) {
	switch s.Kind {
	case protocol.KindPtr:
		if v.IsNil() {
			e.b = append(e.b, "null"...)
			return
		}
		e.value(s.Elem, v.Elem())
	case protocol.KindStruct:
		e.structure(s, v)
	case protocol.KindString:
		e.b = appendString(e.b, v.String())
	case protocol.KindBool:
		if v.Bool() {
			e.b = append(e.b, "true"...)
		} else {
			e.b = append(e.b, "false"...)
		}
	case protocol.KindInt:
		e.b = strconv.AppendInt(e.b, v.Int(), 10)
	case protocol.KindUint:
		e.b = strconv.AppendUint(e.b, v.Uint(), 10)
	case protocol.KindFloat:
		f := v.Float()
		if name, ok := protocol.FloatSpecial(f); ok {
			e.b = append(append(append(e.b, '"'), name...), '"')
			return
		}
		e.b = protocol.AppendFloat(e.b, f, s.Bits)
	case protocol.KindBlob:
		e.b = append(e.b, '"')
		e.b = base64.StdEncoding.AppendEncode(e.b, v.Bytes())
		e.b = append(e.b, '"')
	case protocol.KindTime:
		e.b = protocol.AppendEpochSeconds(e.b, protocol.TimeOf(v))
	case protocol.KindList:
		if v.IsNil() {
			e.b = append(e.b, "null"...)
			return
		}
		e.b = append(e.b, '[')
		for i := range v.Len() {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.value(s.Elem, v.Index(i))
		}
		e.b = append(e.b, ']')
	case protocol.KindMap:
		e.mapping(s, v)
	case protocol.KindAny:
		if v.IsNil() {
			e.b = append(e.b, "null"...)
			return
		}
		d := v.Elem()
		ds, err := protocol.ShapeOf(d.Type())
		if err != nil {
			e.fail(err)
			return
		}
		e.value(ds, d)
	}
}

func (e *encoder) structure(s *protocol.Shape, v reflect.Value) {
	e.b = append(e.b, '{')
	first := true
	for i := range s.Fields {
		f := &s.Fields[i]
		fv := f.Of(v)
		if f.Omit(fv) {
			continue
		}
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		e.b = appendString(e.b, f.Name)
		e.b = append(e.b, ':')
		e.value(f.Shape, fv)
	}
	e.b = append(e.b, '}')
}

// mapping writes a map with its keys sorted; nil values are left out.
func (e *encoder) mapping(s *protocol.Shape, v reflect.Value) {
	if v.IsNil() {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '{')
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	first := true
	nillable := s.Elem.Kind == protocol.KindPtr || s.Elem.Kind == protocol.KindAny ||
		s.Elem.Kind == protocol.KindList || s.Elem.Kind == protocol.KindMap
	for _, k := range keys {
		mv := v.MapIndex(k)
		if nillable && mv.IsNil() {
			continue
		}
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		e.b = appendString(e.b, k.String())
		e.b = append(e.b, ':')
		e.value(s.Elem, mv)
	}
	e.b = append(e.b, '}')
}

func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
	e.b = append(e.b, "null"...)
}

const hexDigits = "0123456789abcdef"

// plain marks the ASCII bytes a JSON string carries unescaped.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// U+2028 and U+2029 are escaped so the output is also valid JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && plain[s[i]] {
		i++
	}
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// valueOf returns the reflect value and plan of a wire-shape value.
func valueOf(x any) (reflect.Value, *protocol.Shape, error) {
	v := reflect.ValueOf(x)
	s, err := protocol.ShapeOf(v.Type())
	return v, s, err
}
