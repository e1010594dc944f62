package protocol

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind classifies a wire-shape type the way the codecs treat it.
type Kind uint8

// The kinds of wire-shape types.
const (
	KindInvalid Kind = iota
	KindString       // string and named string types (enums)
	KindBool
	KindInt   // the signed integer kinds
	KindUint  // the unsigned integer kinds (except uint8 slices, which are blobs)
	KindFloat // float32, float64
	KindBlob  // []byte
	KindTime  // time.Time
	KindStruct
	KindList // slices
	KindMap  // map[string]T
	KindPtr  // pointer to any of the above
	KindAny  // interface: the dynamic value decides
)

// Shape is the plan of one Go type: everything the codecs need to read and
// write it without looking at struct tags again. Shapes are built once per
// type by ShapeOf and never change afterwards, so they are safe to share.
type Shape struct {
	Type reflect.Type
	Kind Kind
	// Bits is the size of int, uint and float kinds (8…64).
	Bits int
	// Elem is the pointer target, the list item or the map value.
	Elem *Shape
	// Fields are the members of a structure in declaration order, embedded
	// structures flattened in place.
	Fields []Field

	byName map[string]int // member name → index, for wide structures
}

// Field is one member of a structure.
type Field struct {
	Name      string // modeled member name (json tag, else the Go name)
	QueryName string // awsQuery key segment and XML element name
	Flat      bool   // flattened list or map (awsQuery/XML)
	Member    string // list item element name (awsQuery/XML), "member" by default
	Key       string // map entry key element, "key" by default
	Value     string // map entry value element, "value" by default
	NoQuery   bool   // query:"-": not read or written by awsQuery
	OmitEmpty bool   // omitempty: zero scalars and zero structures are left out
	OmitZero  bool   // omitzero: zero values are left out
	Index     []int  // reflect field index path
	Shape     *Shape
}

// Fields at or below this count are looked up by a linear scan, which beats
// a map for the handful of members most shapes have.
const linearLookup = 8

// FieldIndex returns the index in s.Fields of the member called name, or -1.
func (s *Shape) FieldIndex(name string) int {
	if s.byName != nil {
		if i, ok := s.byName[name]; ok {
			return i
		}
		return -1
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return i
		}
	}
	return -1
}

// Of returns the field's value inside the structure value v.
func (f *Field) Of(v reflect.Value) reflect.Value {
	if len(f.Index) == 1 {
		return v.Field(f.Index[0])
	}
	return v.FieldByIndex(f.Index)
}

// Omit reports whether the member value v is left out on output: nil
// pointers, lists, maps and interfaces always are; with omitempty or
// omitzero, zero scalars, zero timestamps, empty blobs and zero structures
// are too. An empty but non-nil list or map is written: AWS tells [] from
// absent.
func (f *Field) Omit(v reflect.Value) bool {
	switch f.Shape.Kind {
	case KindPtr, KindAny, KindList, KindMap:
		return v.IsNil()
	case KindBlob:
		return v.IsNil() || (f.OmitEmpty && v.Len() == 0)
	case KindTime:
		return (f.OmitEmpty || f.OmitZero) && TimeOf(v).IsZero()
	}
	return (f.OmitEmpty || f.OmitZero) && v.IsZero()
}

// TimeOf returns the time.Time held by v, without allocating when v is
// addressable.
func TimeOf(v reflect.Value) time.Time {
	if v.CanAddr() {
		return *v.Addr().Interface().(*time.Time)
	}
	return v.Interface().(time.Time)
}

var (
	shapeCache sync.Map // reflect.Type → *Shape
	timeType   = reflect.TypeFor[time.Time]()
)

// ShapeOf returns the plan of t, building and caching it on first use. It
// fails for types no wire shape may contain (channels, functions, complex
// numbers, arrays, maps with non-string keys, embedded pointers).
func ShapeOf(t reflect.Type) (*Shape, error) {
	if s, ok := shapeCache.Load(t); ok {
		return s.(*Shape), nil
	}
	b := shapeBuilder{seen: make(map[reflect.Type]*Shape)}
	s, err := b.build(t)
	if err != nil {
		return nil, err
	}
	for typ, sh := range b.seen {
		if typ != t {
			shapeCache.LoadOrStore(typ, sh)
		}
	}
	actual, _ := shapeCache.LoadOrStore(t, s)
	return actual.(*Shape), nil
}

type shapeBuilder struct {
	seen map[reflect.Type]*Shape
}

func (b *shapeBuilder) build(t reflect.Type) (*Shape, error) {
	if s, ok := b.seen[t]; ok {
		return s, nil // recursive shapes point at themselves
	}
	if s, ok := shapeCache.Load(t); ok {
		return s.(*Shape), nil
	}
	s := &Shape{Type: t}
	b.seen[t] = s
	var err error
	switch t.Kind() {
	case reflect.String:
		s.Kind = KindString
	case reflect.Bool:
		s.Kind = KindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s.Kind, s.Bits = KindInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s.Kind, s.Bits = KindUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		s.Kind, s.Bits = KindFloat, t.Bits()
	case reflect.Interface:
		s.Kind = KindAny
	case reflect.Pointer:
		s.Kind = KindPtr
		s.Elem, err = b.build(t.Elem())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s.Kind = KindBlob
			break
		}
		s.Kind = KindList
		s.Elem, err = b.build(t.Elem())
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			err = fmt.Errorf("protocol: map key of %v is not a string", t)
			break
		}
		s.Kind = KindMap
		s.Elem, err = b.build(t.Elem())
	case reflect.Struct:
		if t == timeType {
			s.Kind = KindTime
			break
		}
		s.Kind = KindStruct
		err = b.fields(s, t, nil)
	default:
		err = fmt.Errorf("protocol: unsupported type %v", t)
	}
	if err != nil {
		delete(b.seen, t)
		return nil, err
	}
	return s, nil
}

// fields appends the members of struct type t (reached through index) to s,
// embedded structures flattened in place. A member shadows members of the
// same name in structures it embeds, as in encoding/json.
func (b *shapeBuilder) fields(s *Shape, t reflect.Type, index []int) error {
	type member struct {
		i     int
		tag   string
		embed bool
	}
	var members []member
	direct := make(map[string]bool)
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, hasTag := sf.Tag.Lookup("json")
		if tag == "-" {
			continue
		}
		if sf.Anonymous && !hasTag {
			switch ft := sf.Type; {
			case ft.Kind() == reflect.Struct && ft != timeType:
				members = append(members, member{i: i, embed: true})
				continue
			case ft.Kind() == reflect.Pointer:
				return fmt.Errorf("protocol: %v embeds pointer %v", t, ft)
			}
		}
		if !sf.IsExported() {
			continue
		}
		members = append(members, member{i: i, tag: tag})
		direct[jsonName(sf, tag)] = true
	}
	for _, m := range members {
		sf := t.Field(m.i)
		path := append(append([]int(nil), index...), m.i)
		if m.embed {
			start := len(s.Fields)
			if err := b.fields(s, sf.Type, path); err != nil {
				return err
			}
			kept := s.Fields[:start]
			for _, f := range s.Fields[start:] {
				if !direct[f.Name] {
					kept = append(kept, f)
				}
			}
			s.Fields = kept
			continue
		}
		f := Field{
			Name:   jsonName(sf, m.tag),
			Member: "member",
			Key:    "key",
			Value:  "value",
			Index:  path,
		}
		f.QueryName = f.Name
		_, opts, _ := strings.Cut(m.tag, ",")
		for opt := range strings.SplitSeq(opts, ",") {
			switch opt {
			case "omitempty":
				f.OmitEmpty = true
			case "omitzero":
				f.OmitZero = true
			}
		}
		if q, ok := sf.Tag.Lookup("query"); ok {
			parseQueryTag(&f, q)
		}
		if s.FieldIndex(f.Name) >= 0 {
			continue // already declared by an embedding structure
		}
		fs, err := b.build(sf.Type)
		if err != nil {
			return fmt.Errorf("%w (member %s of %v)", err, f.Name, t)
		}
		f.Shape = fs
		s.Fields = append(s.Fields, f)
	}
	if index == nil && len(s.Fields) > linearLookup {
		s.byName = make(map[string]int, len(s.Fields))
		for i, f := range s.Fields {
			s.byName[f.Name] = i
		}
	}
	return nil
}

func jsonName(sf reflect.StructField, tag string) string {
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return sf.Name
}

// parseQueryTag reads `query:"Name,flat,member=M,key=K,value=V"` into f.
func parseQueryTag(f *Field, tag string) {
	name, opts, _ := strings.Cut(tag, ",")
	if name == "-" {
		f.NoQuery = true
		return
	}
	if name != "" {
		f.QueryName = name
	}
	for opt := range strings.SplitSeq(opts, ",") {
		k, v, _ := strings.Cut(opt, "=")
		switch k {
		case "flat":
			f.Flat = true
		case "member":
			f.Member = v
		case "key":
			f.Key = v
		case "value":
			f.Value = v
		}
	}
}

// Timestamps travel between year 1 and year 9999; anything else is refused so
// that every accepted value can be written back in every format.
const (
	minEpoch = -62135596800 // 0001-01-01T00:00:00Z
	maxEpoch = 253402300799 // 9999-12-31T23:59:59Z
)

// ParseEpochSeconds reads a decimal count of seconds since the Unix epoch,
// with optional fraction and exponent ("1769000100", "1769000100.123",
// "1.769e9"). Plain decimals are read exactly, to the nanosecond.
func ParseEpochSeconds(s string) (time.Time, bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	whole := s[start:i]
	var frac string
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = s[fs:i]
	}
	if whole == "" && frac == "" {
		return time.Time{}, false
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return time.Time{}, false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		return EpochFromFloat(f)
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		return time.Time{}, false
	}
	var sec, nsec int64
	for _, c := range []byte(whole) {
		sec = sec*10 + int64(c-'0')
	}
	for k := range 9 {
		nsec *= 10
		if k < len(frac) {
			nsec += int64(frac[k] - '0')
		}
	}
	if neg {
		sec = -sec
		if nsec > 0 {
			sec--
			nsec = 1e9 - nsec
		}
	}
	if sec < minEpoch || sec > maxEpoch {
		return time.Time{}, false
	}
	return time.Unix(sec, nsec).UTC(), true
}

// EpochFromFloat converts binary epoch seconds to a time, rounded to the
// microsecond (a float64 near 2026 carries no finer digits).
func EpochFromFloat(f float64) (time.Time, bool) {
	if math.IsNaN(f) || f < minEpoch || f > maxEpoch+1 {
		return time.Time{}, false
	}
	sec := math.Floor(f)
	us := math.Round((f - sec) * 1e6)
	if us >= 1e6 {
		sec++
		us -= 1e6
	}
	if sec > maxEpoch {
		return time.Time{}, false
	}
	return time.Unix(int64(sec), int64(us)*1000).UTC(), true
}

// ParseTimestamp reads an ISO-8601 date-time ("2026-01-21T10:15:00Z", with
// or without fractional seconds, "Z" or a numeric offset, or no zone for
// UTC) or epoch seconds. The result is in UTC.
func ParseTimestamp(s string) (time.Time, bool) {
	if t, ok := ParseEpochSeconds(s); ok {
		return t, true
	}
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			if y := t.Year(); y < 1 || y > 9999 {
				return time.Time{}, false
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// isoLayouts are tried in order; Go accepts a fractional second after the
// seconds field even when the layout has none.
var isoLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

// AppendEpochSeconds appends t as decimal epoch seconds with millisecond
// precision: "1769000100" when whole, else "1769000100.123" (trailing zeros
// dropped).
func AppendEpochSeconds(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	if r := ms % 1000; r != 0 {
		b = append(b, '.', byte('0'+r/100), byte('0'+r/10%10), byte('0'+r%10))
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	}
	return b
}

// AppendISO8601 appends t in UTC with milliseconds: 2026-01-21T10:15:00.123Z.
func AppendISO8601(b []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
}

// FloatSpecial returns the wire text of a non-finite float ("NaN",
// "Infinity", "-Infinity"), or false for a finite one.
func FloatSpecial(f float64) (string, bool) {
	switch {
	case math.IsNaN(f):
		return "NaN", true
	case math.IsInf(f, 1):
		return "Infinity", true
	case math.IsInf(f, -1):
		return "-Infinity", true
	}
	return "", false
}

// ParseFloatSpecial reads "NaN", "Infinity" or "-Infinity".
func ParseFloatSpecial(s string) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	return 0, false
}

// AppendFloat appends a finite float the way encoding/json writes it: plain
// decimal, exponent form only for very large or very small magnitudes.
func AppendFloat(b []byte, f float64, bits int) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// 1e-07 → 1e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// FaultStatus returns the HTTP status of f: f.Status, else 400 for a client
// fault and 500 for a server fault.
func FaultStatus(f *Fault) int {
	switch {
	case f.Status != 0:
		return f.Status
	case f.Sender:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// QueryErrorHeader returns the x-amzn-query-error value of f, which
// query-compatible services send on JSON and CBOR errors:
// "<QueryCode>;Sender" or "<QueryCode>;Receiver".
func QueryErrorHeader(f *Fault) string {
	code := cmp.Or(f.QueryCode, f.Code)
	if f.Sender {
		return code + ";Sender"
	}
	return code + ";Receiver"
}

// DateHeader formats the HTTP Date header, once per second rather than once
// per response. The zero value is ready to use.
type DateHeader struct {
	last atomic.Pointer[stampedDate]
}

type stampedDate struct {
	unix int64
	text string
}

// Format returns now as an HTTP date (RFC 1123, GMT).
func (d *DateHeader) Format(now time.Time) string {
	sec := now.Unix()
	if p := d.last.Load(); p != nil && p.unix == sec {
		return p.text
	}
	p := &stampedDate{unix: sec, text: now.UTC().Format(http.TimeFormat)}
	d.last.Store(p)
	return p.text
}
