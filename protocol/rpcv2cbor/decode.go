package rpcv2cbor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/stewardhq/steward/protocol"
)

var reflectMapStringAny = reflect.TypeFor[map[string]any]()

// Unmarshal reads a CBOR map into v, a non-nil pointer to a wire-shape
// struct, as RPC v2 CBOR has it. Empty data leaves v as it is; so do null
// and undefined, at the top or for any member. Bad input returns a
// *protocol.DecodeError.
func (c *Codec) Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("rpcv2cbor: Unmarshal needs a non-nil pointer, got %T", v)
	}
	s, err := protocol.ShapeOf(rv.Type())
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return nil
	}
	if err := c.wellformed.Wellformed(data); err != nil {
		return &protocol.DecodeError{Msg: "invalid CBOR: " + describe(err)}
	}
	d := decoder{data: data, doc: c.document}
	d.tags()
	if s.Elem.Kind == protocol.KindStruct && d.pos < len(d.data) {
		if b := d.data[d.pos]; b&0xe0 != majorMap && b != cborNull && b != cborUndefined {
			return &protocol.DecodeError{Msg: "request body is not a CBOR map"}
		}
	}
	if derr := d.value(s.Elem, rv.Elem()); derr != nil {
		return derr
	}
	return nil
}

// describe turns a well-formedness failure into a message without Go type
// names.
func describe(err error) string {
	var (
		nested *cbor.MaxNestedLevelError
		arr    *cbor.MaxArrayElementsError
		mp     *cbor.MaxMapPairsError
		extra  *cbor.ExtraneousDataError
	)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of data"
	case errors.As(err, &nested):
		return "nested deeper than " + strconv.Itoa(MaxNestedLevels) + " levels"
	case errors.As(err, &arr):
		return "array longer than " + strconv.Itoa(MaxArrayElements) + " items"
	case errors.As(err, &mp):
		return "map larger than " + strconv.Itoa(MaxMapPairs) + " pairs"
	case errors.As(err, &extra):
		return "extra data after the body"
	}
	return strings.TrimPrefix(err.Error(), "cbor: ")
}

// decoder walks well-formed CBOR (checked beforehand), still checking every
// bound so that it cannot panic whatever it is given.
type decoder struct {
	data  []byte
	pos   int
	depth int
	doc   cbor.DecMode
}

func truncated() *protocol.DecodeError {
	return &protocol.DecodeError{Msg: "invalid CBOR: unexpected end of data"}
}

// head reads the initial byte and argument of an item. For indefinite-length
// items (additional information 31) indef is true and arg is 0.
func (d *decoder) head() (major, ai byte, arg uint64, indef bool, err *protocol.DecodeError) {
	if d.pos >= len(d.data) {
		return 0, 0, 0, false, truncated()
	}
	b := d.data[d.pos]
	d.pos++
	major, ai = b&0xe0, b&0x1f
	switch {
	case ai < 24:
		return major, ai, uint64(ai), false, nil
	case ai == 31:
		if major == majorUint || major == majorNeg || major == majorTag {
			return 0, 0, 0, false, &protocol.DecodeError{Msg: "invalid CBOR: indefinite length on a " + kindName(b)}
		}
		return major, ai, 0, true, nil
	case ai > 27:
		return 0, 0, 0, false, &protocol.DecodeError{Msg: "invalid CBOR: reserved additional information"}
	}
	n := 1 << (ai - 24)
	if len(d.data)-d.pos < n {
		return 0, 0, 0, false, truncated()
	}
	p := d.data[d.pos : d.pos+n]
	d.pos += n
	switch n {
	case 1:
		arg = uint64(p[0])
	case 2:
		arg = uint64(binary.BigEndian.Uint16(p))
	case 4:
		arg = uint64(binary.BigEndian.Uint32(p))
	default:
		arg = binary.BigEndian.Uint64(p)
	}
	return major, ai, arg, false, nil
}

// tags skips any tags in front of the next item and returns the innermost
// tag number, or -1 when there was none.
func (d *decoder) tags() int64 {
	tag := int64(-1)
	for d.pos < len(d.data) && d.data[d.pos]&0xe0 == majorTag {
		_, _, arg, indef, err := d.head()
		if err != nil || indef {
			return tag
		}
		tag = int64(arg & math.MaxInt64)
	}
	return tag
}

func (d *decoder) peek() (byte, bool) {
	if d.pos >= len(d.data) {
		return 0, false
	}
	return d.data[d.pos], true
}

func kindName(b byte) string {
	switch b & 0xe0 {
	case majorUint, majorNeg:
		return "integer"
	case majorBytes:
		return "byte string"
	case majorText:
		return "text string"
	case majorArray:
		return "array"
	case majorMap:
		return "map"
	case majorTag:
		return "tag"
	}
	switch b {
	case cborFalse, cborTrue:
		return "boolean"
	case cborNull:
		return "null"
	case cborUndefined:
		return "undefined"
	case cborFloat16, cborFloat32, cborFloat64:
		return "float"
	}
	return "simple value"
}

func (d *decoder) mismatch(want string) *protocol.DecodeError {
	got := "end of data"
	if b, ok := d.peek(); ok {
		got = kindName(b)
	}
	return &protocol.DecodeError{Msg: "expected " + want + ", found " + got}
}

// value reads one item into v, of plan s. Null and undefined leave v as it is.
func (d *decoder) value(s *protocol.Shape, v reflect.Value) *protocol.DecodeError {
	return d.tagged(s, v, d.tags())
}

// tagged is value after the tags in front of the item, the innermost of
// which is tag (-1 for none).
func (d *decoder) tagged(s *protocol.Shape, v reflect.Value, tag int64) *protocol.DecodeError {
	b, ok := d.peek()
	if !ok {
		return truncated()
	}
	if b == cborNull || b == cborUndefined {
		d.pos++
		return nil
	}
	major := b & 0xe0
	switch s.Kind {
	case protocol.KindPtr:
		if v.IsNil() {
			v.Set(reflect.New(s.Elem.Type))
		}
		return d.tagged(s.Elem, v.Elem(), tag)
	case protocol.KindStruct:
		if major != majorMap {
			return d.mismatch("map")
		}
		return d.structure(s, v)
	case protocol.KindList:
		if major != majorArray {
			return d.mismatch("array")
		}
		return d.list(s, v)
	case protocol.KindMap:
		if major != majorMap {
			return d.mismatch("map")
		}
		return d.mapping(s, v)
	case protocol.KindString:
		if major != majorText {
			return d.mismatch("text string")
		}
		str, err := d.text()
		if err != nil {
			return err
		}
		v.SetString(string(str))
	case protocol.KindBool:
		if b != cborTrue && b != cborFalse {
			return d.mismatch("boolean")
		}
		d.pos++
		v.SetBool(b == cborTrue)
	case protocol.KindInt, protocol.KindUint, protocol.KindFloat:
		return d.number(s, v)
	case protocol.KindBlob:
		if major != majorBytes {
			return d.mismatch("byte string")
		}
		by, err := d.bytes(majorBytes)
		if err != nil {
			return err
		}
		v.SetBytes(append([]byte{}, by...))
	case protocol.KindTime:
		return d.timestamp(v, tag)
	case protocol.KindAny:
		return d.document(v)
	default:
		return d.skip()
	}
	return nil
}

// seq is an array or map being read: its count, or indefinite length.
type seq struct {
	n, i  uint64
	indef bool
}

// open reads the head of an array or map.
func (d *decoder) open() (seq, *protocol.DecodeError) {
	if d.depth++; d.depth > MaxNestedLevels {
		return seq{}, &protocol.DecodeError{Msg: "invalid CBOR: nested too deep"}
	}
	_, _, n, indef, err := d.head()
	return seq{n: n, indef: indef}, err
}

// more reports whether another entry of q follows; at the end (the count
// run out, or the break of an indefinite-length container) it leaves q.
func (d *decoder) more(q *seq) (bool, *protocol.DecodeError) {
	if q.indef {
		b, ok := d.peek()
		if !ok {
			return false, truncated()
		}
		if b != cborBreak {
			return true, nil
		}
		d.pos++
	} else if q.i < q.n {
		q.i++
		return true, nil
	}
	d.depth--
	return false, nil
}

// key reads a map key, which must be a text string.
func (d *decoder) key() ([]byte, *protocol.DecodeError) {
	d.tags()
	b, ok := d.peek()
	if !ok {
		return nil, truncated()
	}
	if b&0xe0 != majorText {
		return nil, &protocol.DecodeError{Msg: "map key is a " + kindName(b) + ", not a text string"}
	}
	return d.text()
}

func (d *decoder) structure(s *protocol.Shape, v reflect.Value) *protocol.DecodeError {
	q, err := d.open()
	for more := err == nil; more && err == nil; {
		if more, err = d.more(&q); !more || err != nil {
			break
		}
		var k []byte
		if k, err = d.key(); err != nil {
			break
		}
		i := s.FieldIndex(string(k))
		if i < 0 {
			err = d.skip()
			continue
		}
		f := &s.Fields[i]
		if err = d.value(f.Shape, f.Of(v)); err != nil {
			return err.Within(f.Name)
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
	q, err := d.open()
	for more := err == nil; more && err == nil; {
		if more, err = d.more(&q); !more || err != nil {
			break
		}
		var k []byte
		if k, err = d.key(); err != nil {
			break
		}
		d.tags()
		if b, ok := d.peek(); ok && (b == cborNull || b == cborUndefined) {
			d.pos++ // a null entry is absent
			continue
		}
		ks := string(k)
		elem.SetZero()
		if err = d.value(s.Elem, elem); err != nil {
			return err.Within("[" + ks + "]")
		}
		key.SetString(ks)
		v.SetMapIndex(key, elem)
	}
	return err
}

// list reads an array into the slice v, never leaving it nil so that an
// empty array stays distinguishable from an absent member. Null items are
// dropped.
func (d *decoder) list(s *protocol.Shape, v reflect.Value) *protocol.DecodeError {
	if v.IsNil() {
		v.Set(reflect.MakeSlice(s.Type, 0, 0))
	} else {
		v.SetLen(0)
	}
	q, err := d.open()
	for more := err == nil; more && err == nil; {
		if more, err = d.more(&q); !more || err != nil {
			break
		}
		d.tags()
		if b, ok := d.peek(); ok && (b == cborNull || b == cborUndefined) {
			d.pos++
			continue
		}
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
	return err
}

// text reads a text string (definite or chunked) and checks it is UTF-8.
func (d *decoder) text() ([]byte, *protocol.DecodeError) {
	by, err := d.bytes(majorText)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(by) {
		return nil, &protocol.DecodeError{Msg: "text string is not valid UTF-8"}
	}
	return by, nil
}

// bytes reads a byte or text string of major type m. A definite-length
// string aliases the input; chunks of an indefinite one are joined.
func (d *decoder) bytes(m byte) ([]byte, *protocol.DecodeError) {
	_, _, n, indef, err := d.head()
	if err != nil {
		return nil, err
	}
	if !indef {
		if uint64(len(d.data)-d.pos) < n {
			return nil, truncated()
		}
		by := d.data[d.pos : d.pos+int(n)]
		d.pos += int(n)
		return by, nil
	}
	var out []byte
	for {
		b, ok := d.peek()
		if !ok {
			return nil, truncated()
		}
		if b == cborBreak {
			d.pos++
			return out, nil
		}
		if b&0xe0 != m || b&0x1f == 31 {
			return nil, &protocol.DecodeError{Msg: "invalid CBOR: bad chunk in indefinite-length string"}
		}
		chunk, err := d.bytes(m)
		if err != nil {
			return nil, err
		}
		out = append(out, chunk...)
	}
}

// number reads an integer or float item into an int, uint or float member.
// Integers are accepted for floats and integral floats for integers.
func (d *decoder) number(s *protocol.Shape, v reflect.Value) *protocol.DecodeError {
	b, _ := d.peek()
	switch b & 0xe0 {
	case majorUint, majorNeg:
		major, _, arg, _, err := d.head()
		if err != nil {
			return err
		}
		neg := major == majorNeg
		switch s.Kind {
		case protocol.KindInt:
			limit := uint64(1)<<(s.Bits-1) - 1
			if arg > limit {
				return rangeError(s)
			}
			n := int64(arg)
			if neg {
				n = -1 - n
			}
			v.SetInt(n)
		case protocol.KindUint:
			if neg || (s.Bits < 64 && arg >= uint64(1)<<s.Bits) {
				return rangeError(s)
			}
			v.SetUint(arg)
		default:
			f := float64(arg)
			if neg {
				f = -1 - f
			}
			v.SetFloat(f)
		}
		return nil
	}
	f, ok, err := d.float()
	if err != nil {
		return err
	}
	if !ok {
		return d.mismatch("number")
	}
	switch s.Kind {
	case protocol.KindInt:
		if f != math.Trunc(f) || f < -math.Ldexp(1, s.Bits-1) || f >= math.Ldexp(1, s.Bits-1) {
			return rangeError(s)
		}
		v.SetInt(int64(f))
	case protocol.KindUint:
		if f != math.Trunc(f) || f < 0 || f >= math.Ldexp(1, s.Bits) {
			return rangeError(s)
		}
		v.SetUint(uint64(f))
	default:
		if s.Bits == 32 && !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
			return rangeError(s)
		}
		v.SetFloat(f)
	}
	return nil
}

func rangeError(s *protocol.Shape) *protocol.DecodeError {
	return &protocol.DecodeError{Msg: "number does not fit a " + s.Type.String()}
}

// float reads a half, single or double precision float; ok is false (and
// nothing is consumed) when the next item is not a float.
func (d *decoder) float() (float64, bool, *protocol.DecodeError) {
	b, _ := d.peek()
	var n int
	switch b {
	case cborFloat16:
		n = 2
	case cborFloat32:
		n = 4
	case cborFloat64:
		n = 8
	default:
		return 0, false, nil
	}
	if len(d.data)-d.pos < 1+n {
		return 0, false, truncated()
	}
	p := d.data[d.pos+1 : d.pos+1+n]
	d.pos += 1 + n
	switch n {
	case 2:
		return halfToFloat(binary.BigEndian.Uint16(p)), true, nil
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p))), true, nil
	}
	return math.Float64frombits(binary.BigEndian.Uint64(p)), true, nil
}

// halfToFloat widens an IEEE 754 half-precision float.
func halfToFloat(h uint16) float64 {
	exp, mant := int(h>>10)&0x1f, float64(h&0x3ff)
	var f float64
	switch exp {
	case 0:
		f = math.Ldexp(mant, -24)
	case 0x1f:
		if mant == 0 {
			f = math.Inf(1)
		} else {
			f = math.NaN()
		}
	default:
		f = math.Ldexp(mant+1024, exp-25)
	}
	if h&0x8000 != 0 {
		f = -f
	}
	return f
}

// timestamp reads epoch seconds (integer or float, normally under tag 1) or
// RFC 3339 text (normally under tag 0).
func (d *decoder) timestamp(v reflect.Value, tag int64) *protocol.DecodeError {
	if tag > 1 {
		return &protocol.DecodeError{Msg: "timestamp under tag " + strconv.FormatInt(tag, 10) + ", not tag 1"}
	}
	b, _ := d.peek()
	var t time.Time
	var ok bool
	switch b & 0xe0 {
	case majorText:
		str, err := d.text()
		if err != nil {
			return err
		}
		t, ok = protocol.ParseTimestamp(string(str))
	case majorUint, majorNeg:
		major, _, arg, _, err := d.head()
		if err != nil {
			return err
		}
		if arg <= math.MaxInt64 {
			sec := int64(arg)
			if major == majorNeg {
				sec = -1 - sec
			}
			t, ok = protocol.EpochFromFloat(float64(sec))
		}
	default:
		f, isFloat, err := d.float()
		if err != nil {
			return err
		}
		if !isFloat {
			return d.mismatch("timestamp")
		}
		t, ok = protocol.EpochFromFloat(f)
	}
	if !ok {
		return &protocol.DecodeError{Msg: "timestamp out of range"}
	}
	*v.Addr().Interface().(*time.Time) = t
	return nil
}

// document reads any item into an interface member with fxamacker/cbor's
// rules (maps as map[string]any).
func (d *decoder) document(v reflect.Value) *protocol.DecodeError {
	start := d.pos
	if err := d.skip(); err != nil {
		return err
	}
	var x any
	if err := d.doc.Unmarshal(d.data[start:d.pos], &x); err != nil {
		return &protocol.DecodeError{Msg: "invalid document: " + describe(err)}
	}
	if x == nil {
		return nil
	}
	xv := reflect.ValueOf(x)
	if !xv.Type().AssignableTo(v.Type()) {
		return &protocol.DecodeError{Msg: "cannot hold a CBOR " + xv.Kind().String()}
	}
	v.Set(xv)
	return nil
}

// skip reads past one item, whatever it is.
func (d *decoder) skip() *protocol.DecodeError {
	d.tags()
	b, ok := d.peek()
	if !ok {
		return truncated()
	}
	switch b & 0xe0 {
	case majorBytes, majorText:
		_, err := d.bytes(b & 0xe0)
		return err
	case majorArray, majorMap:
		items := 1
		if b&0xe0 == majorMap {
			items = 2
		}
		q, err := d.open()
		for more := err == nil; more && err == nil; {
			if more, err = d.more(&q); !more || err != nil {
				break
			}
			for range items {
				if err = d.skip(); err != nil {
					break
				}
			}
		}
		return err
	}
	if b == cborBreak {
		return &protocol.DecodeError{Msg: "invalid CBOR: unexpected break"}
	}
	_, _, _, _, err := d.head()
	return err
}
