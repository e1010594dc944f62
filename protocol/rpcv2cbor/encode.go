package rpcv2cbor

import (
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward/protocol"
)

// CBOR major types, shifted into the high bits of an initial byte.
const (
	majorUint  = 0 << 5
	majorNeg   = 1 << 5
	majorBytes = 2 << 5
	majorText  = 3 << 5
	majorArray = 4 << 5
	majorMap   = 5 << 5
	majorTag   = 6 << 5
	majorOther = 7 << 5
)

const (
	cborFalse     = 0xf4
	cborTrue      = 0xf5
	cborNull      = 0xf6
	cborUndefined = 0xf7
	cborFloat16   = 0xf9
	cborFloat32   = 0xfa
	cborFloat64   = 0xfb
	cborBreak     = 0xff
	tagEpoch      = 0xc1 // tag 1
)

// Marshal returns the CBOR encoding of v, a wire-shape value, as RPC v2 CBOR
// writes it. A nil v (or nil pointer) encodes as no bytes at all.
func Marshal(v any) ([]byte, error) {
	return AppendValue(nil, v)
}

// AppendValue appends the CBOR encoding of v to b (see Marshal).
func AppendValue(b []byte, x any) ([]byte, error) {
	if x == nil {
		return b, nil
	}
	v := reflect.ValueOf(x)
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return b, nil
	}
	return appendItem(b, x)
}

// appendItem appends x as one CBOR data item; nil is null.
func appendItem(b []byte, x any) ([]byte, error) {
	if x == nil {
		return append(b, cborNull), nil
	}
	v := reflect.ValueOf(x)
	s, err := protocol.ShapeOf(v.Type())
	if err != nil {
		return b, err
	}
	e := encoder{b: b}
	e.value(s, v)
	return e.b, e.err
}

type encoder struct {
	b   []byte
	err error
}

func (e *encoder) value(s *protocol.Shape, v reflect.Value) {
	switch s.Kind {
	case protocol.KindPtr:
		if v.IsNil() {
			e.b = append(e.b, cborNull)
			return
		}
		e.value(s.Elem, v.Elem())
	case protocol.KindStruct:
		e.structure(s, v)
	case protocol.KindString:
		e.b = appendText(e.b, v.String())
	case protocol.KindBool:
		if v.Bool() {
			e.b = append(e.b, cborTrue)
		} else {
			e.b = append(e.b, cborFalse)
		}
	case protocol.KindInt:
		e.b = appendInt(e.b, v.Int())
	case protocol.KindUint:
		e.b = appendHead(e.b, majorUint, v.Uint())
	case protocol.KindFloat:
		if s.Bits == 32 {
			bits := math.Float32bits(float32(v.Float()))
			if math.IsNaN(v.Float()) {
				bits = 0x7fc00000 // the one quiet NaN, whatever payload Go carried
			}
			e.b = binary.BigEndian.AppendUint32(append(e.b, cborFloat32), bits)
		} else {
			e.b = appendFloat64(e.b, v.Float())
		}
	case protocol.KindBlob:
		by := v.Bytes()
		e.b = appendHead(e.b, majorBytes, uint64(len(by)))
		e.b = append(e.b, by...)
	case protocol.KindTime:
		e.b = appendTime(e.b, protocol.TimeOf(v).UnixMilli())
	case protocol.KindList:
		if v.IsNil() {
			e.b = append(e.b, cborNull)
			return
		}
		n := v.Len()
		e.b = appendHead(e.b, majorArray, uint64(n))
		for i := range n {
			e.value(s.Elem, v.Index(i))
		}
	case protocol.KindMap:
		e.mapping(s, v)
	case protocol.KindAny:
		if v.IsNil() {
			e.b = append(e.b, cborNull)
			return
		}
		d := v.Elem()
		ds, err := protocol.ShapeOf(d.Type())
		if err != nil {
			if e.err == nil {
				e.err = err
			}
			e.b = append(e.b, cborNull)
			return
		}
		e.value(ds, d)
	}
}

func (e *encoder) structure(s *protocol.Shape, v reflect.Value) {
	start := len(e.b)
	e.b = append(e.b, majorMap)
	n := 0
	for i := range s.Fields {
		f := &s.Fields[i]
		fv := f.Of(v)
		if f.Omit(fv) {
			continue
		}
		e.b = appendText(e.b, f.Name)
		e.value(f.Shape, fv)
		n++
	}
	e.b = patchHead(e.b, start, majorMap, n)
}

// mapping writes a map with its keys sorted; nil values are left out.
func (e *encoder) mapping(s *protocol.Shape, v reflect.Value) {
	if v.IsNil() {
		e.b = append(e.b, cborNull)
		return
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	nillable := s.Elem.Kind == protocol.KindPtr || s.Elem.Kind == protocol.KindAny ||
		s.Elem.Kind == protocol.KindList || s.Elem.Kind == protocol.KindMap
	start := len(e.b)
	e.b = append(e.b, majorMap)
	n := 0
	for _, k := range keys {
		mv := v.MapIndex(k)
		if nillable && mv.IsNil() {
			continue
		}
		e.b = appendText(e.b, k.String())
		e.value(s.Elem, mv)
		n++
	}
	e.b = patchHead(e.b, start, majorMap, n)
}

// appendHead appends the initial bytes of an item of major type m with
// argument n, in the shortest form.
func appendHead(b []byte, m byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= math.MaxUint8:
		return append(b, m|24, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), n)
}

// patchHead rewrites the one-byte placeholder head at b[at] to carry count
// n, moving what follows when the count needs more bytes.
func patchHead(b []byte, at int, m byte, n int) []byte {
	if n < 24 {
		b[at] = m | byte(n)
		return b
	}
	var buf [9]byte
	h := appendHead(buf[:0], m, uint64(n))
	b[at] = h[0]
	return slices.Insert(b, at+1, h[1:]...)
}

func appendInt(b []byte, n int64) []byte {
	if n >= 0 {
		return appendHead(b, majorUint, uint64(n))
	}
	return appendHead(b, majorNeg, uint64(-(n + 1)))
}

func appendFloat64(b []byte, f float64) []byte {
	bits := math.Float64bits(f)
	if math.IsNaN(f) {
		bits = 0x7ff8000000000000 // the one quiet NaN, whatever payload Go carried
	}
	return binary.BigEndian.AppendUint64(append(b, cborFloat64), bits)
}

// appendText appends s as a text string, invalid UTF-8 replaced.
func appendText(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b = appendHead(b, majorText, uint64(len(s)))
	return append(b, s...)
}

// appendTime appends epoch milliseconds ms as tag 1: an integer count of
// seconds when whole, else float64 seconds chosen so that a reader computing
// int64(f*1e3) (as aws-sdk-go-v2 does) gets ms back.
func appendTime(b []byte, ms int64) []byte {
	b = append(b, tagEpoch)
	if ms%1000 == 0 {
		return appendInt(b, ms/1000)
	}
	f := float64(ms) / 1e3
	for range 4 {
		if int64(f*1e3) == ms {
			break
		}
		if int64(f*1e3) < ms {
			f = math.Nextafter(f, math.Inf(1))
		} else {
			f = math.Nextafter(f, math.Inf(-1))
		}
	}
	return appendFloat64(b, f)
}
