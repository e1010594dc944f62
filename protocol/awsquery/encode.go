package awsquery

import (
	"encoding/base64"
	"encoding/xml"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/protocol"
)

// itemNames are the element names inside a list or map that is itself an
// item of a list or map value, where no tag can rename them.
var itemNames = protocol.Field{Member: "member", Key: "key", Value: "value"}

type encoder struct {
	b   []byte
	err error // first failure; the response is then replaced by an error
}

func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *encoder) xmlns(ns string) {
	if ns != "" {
		e.b = append(e.b, ` xmlns="`...)
		e.text(ns)
		e.b = append(e.b, '"')
	}
	e.b = append(e.b, '>')
}

// result writes <opResult> with the members of out.
func (e *encoder) result(op string, out any) {
	v := reflect.ValueOf(out)
	s, err := protocol.ShapeOf(v.Type())
	if err != nil {
		e.fail(err)
		return
	}
	for s.Kind == protocol.KindPtr {
		if v.IsNil() {
			break
		}
		v, s = v.Elem(), s.Elem
	}
	e.open(op + "Result")
	if s.Kind == protocol.KindStruct {
		e.fields(s, v)
	}
	e.close(op + "Result")
}

func (e *encoder) open(name string) {
	e.b = append(e.b, '<')
	e.b = append(e.b, name...)
	e.b = append(e.b, '>')
}

func (e *encoder) close(name string) {
	e.b = append(e.b, '<', '/')
	e.b = append(e.b, name...)
	e.b = append(e.b, '>')
}

// fields writes the members of a structure as elements, in field order.
func (e *encoder) fields(s *protocol.Shape, v reflect.Value) {
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.NoQuery {
			continue
		}
		fv := f.Of(v)
		if f.Omit(fv) {
			continue
		}
		e.member(f, f.Shape, fv)
	}
}

// member writes the member f of value v: one element named f.QueryName, or
// for a flattened list or map, one such element per item.
func (e *encoder) member(f *protocol.Field, s *protocol.Shape, v reflect.Value) {
	for s.Kind == protocol.KindPtr || s.Kind == protocol.KindAny {
		if v.IsNil() {
			return
		}
		if s.Kind == protocol.KindPtr {
			v, s = v.Elem(), s.Elem
			continue
		}
		v = v.Elem()
		var err error
		if s, err = protocol.ShapeOf(v.Type()); err != nil {
			e.fail(err)
			return
		}
	}
	switch {
	case s.Kind == protocol.KindList && f.Flat:
		for i := range v.Len() {
			e.element(f.QueryName, s.Elem, v.Index(i))
		}
	case s.Kind == protocol.KindMap && f.Flat:
		for _, k := range sortedKeys(v) {
			e.open(f.QueryName)
			e.entry(f, s, k, v.MapIndex(k))
			e.close(f.QueryName)
		}
	case s.Kind == protocol.KindList:
		e.open(f.QueryName)
		e.items(f, s, v)
		e.close(f.QueryName)
	case s.Kind == protocol.KindMap:
		e.open(f.QueryName)
		e.entries(f, s, v)
		e.close(f.QueryName)
	default:
		e.element(f.QueryName, s, v)
	}
}

// items writes the items of a (not flattened) list, each as <member>.
func (e *encoder) items(f *protocol.Field, s *protocol.Shape, v reflect.Value) {
	if v.IsNil() {
		return
	}
	for i := range v.Len() {
		e.element(f.Member, s.Elem, v.Index(i))
	}
}

// entries writes the entries of a (not flattened) map, each as <entry>.
func (e *encoder) entries(f *protocol.Field, s *protocol.Shape, v reflect.Value) {
	for _, k := range sortedKeys(v) {
		e.open("entry")
		e.entry(f, s, k, v.MapIndex(k))
		e.close("entry")
	}
}

func (e *encoder) entry(f *protocol.Field, s *protocol.Shape, k, v reflect.Value) {
	e.open(f.Key)
	e.text(k.String())
	e.close(f.Key)
	e.element(f.Value, s.Elem, v)
}

func sortedKeys(v reflect.Value) []reflect.Value {
	if v.IsNil() {
		return nil
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	return keys
}

// element writes <name>value</name>; a nil value is an empty element.
func (e *encoder) element(name string, s *protocol.Shape, v reflect.Value) {
	for s.Kind == protocol.KindPtr || s.Kind == protocol.KindAny {
		if v.IsNil() {
			e.open(name)
			e.close(name)
			return
		}
		if s.Kind == protocol.KindPtr {
			v, s = v.Elem(), s.Elem
			continue
		}
		v = v.Elem()
		var err error
		if s, err = protocol.ShapeOf(v.Type()); err != nil {
			e.fail(err)
			return
		}
	}
	e.open(name)
	switch s.Kind {
	case protocol.KindStruct:
		e.fields(s, v)
	case protocol.KindList:
		e.items(&itemNames, s, v)
	case protocol.KindMap:
		e.entries(&itemNames, s, v)
	default:
		e.scalar(s, v)
	}
	e.close(name)
}

func (e *encoder) scalar(s *protocol.Shape, v reflect.Value) {
	switch s.Kind {
	case protocol.KindString:
		e.text(v.String())
	case protocol.KindBool:
		e.b = strconv.AppendBool(e.b, v.Bool())
	case protocol.KindInt:
		e.b = strconv.AppendInt(e.b, v.Int(), 10)
	case protocol.KindUint:
		e.b = strconv.AppendUint(e.b, v.Uint(), 10)
	case protocol.KindFloat:
		f := v.Float()
		if name, ok := protocol.FloatSpecial(f); ok {
			e.b = append(e.b, name...)
		} else {
			e.b = protocol.AppendFloat(e.b, f, s.Bits)
		}
	case protocol.KindBlob:
		e.b = base64.StdEncoding.AppendEncode(e.b, v.Bytes())
	case protocol.KindTime:
		e.b = protocol.AppendISO8601(e.b, protocol.TimeOf(v))
	}
}

// any writes x as the element name (error members).
func (e *encoder) any(name string, x any) {
	v := reflect.ValueOf(x)
	s, err := protocol.ShapeOf(v.Type())
	if err != nil {
		e.fail(err)
		return
	}
	f := protocol.Field{Name: name, QueryName: name, Member: "member", Key: "key", Value: "value", Shape: s}
	e.member(&f, s, v)
}

// text appends s as XML character data, escaped by encoding/xml when it
// holds anything but plain printable ASCII.
func (e *encoder) text(s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&' || c == '\'' || c == '"' {
			w := appendWriter{&e.b}
			_ = xml.EscapeText(w, []byte(s))
			return
		}
	}
	e.b = append(e.b, s...)
}

type appendWriter struct{ b *[]byte }

func (w appendWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}
