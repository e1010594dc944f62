package rpcv2cbor_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/protocol/rpcv2cbor"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// Sample has a member of every kind a wire shape can hold.
type Sample struct {
	Name        string             `json:"Name"`
	Description *string            `json:"Description,omitempty"`
	Kind        Kind               `json:"Kind,omitempty"`
	Count       int32              `json:"Count,omitempty"`
	Size        *int64             `json:"Size,omitempty"`
	Offset      int64              `json:"Offset"`
	Unsigned    uint16             `json:"Unsigned,omitempty"`
	Ratio       float64            `json:"Ratio,omitempty"`
	Score       *float64           `json:"Score,omitempty"`
	Ceiling     *float32           `json:"Ceiling,omitempty"`
	Floor       float64            `json:"Floor,omitempty"`
	Enabled     *bool              `json:"Enabled,omitempty"`
	Archived    bool               `json:"Archived,omitempty"`
	Created     time.Time          `json:"Created,omitzero"`
	Modified    *time.Time         `json:"Modified,omitempty"`
	Payload     []byte             `json:"Payload,omitempty"`
	Owner       *Owner             `json:"Owner,omitempty"`
	Tags        []Tag              `json:"Tags,omitempty" query:",member=item"`
	Names       []string           `json:"Names,omitempty"`
	Missing     []string           `json:"Missing,omitempty"`
	Values      []float64          `json:"Values,omitempty" query:"Value,flat"`
	Attributes  map[string]string  `json:"Attributes,omitempty"`
	Labels      map[string]string  `json:"Labels,omitempty" query:"Label,flat,key=Name,value=Value"`
	Limits      map[string]Limit   `json:"Limits,omitempty" query:",key=Name,value=Limit"`
	Matrix      [][]int32          `json:"Matrix,omitempty"`
	Stamps      []time.Time        `json:"Stamps,omitempty"`
	EmptyMap    map[string]float64 `json:"EmptyMap,omitempty"`
	Document    any                `json:"Document,omitempty"`
	Internal    string             `json:"-"`
	unexported  string
	Common      // embedded, flattened
}

type Kind string

type Owner struct {
	ID    string  `json:"Id"`
	Email *string `json:"Email,omitempty"`
}

type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type Limit struct {
	Max     int32 `json:"Max"`
	Enabled bool  `json:"Enabled,omitempty"`
}

type Common struct {
	NextToken *string `json:"NextToken,omitempty"`
}

func ptr[T any](v T) *T { return &v }

func sample() *Sample {
	return &Sample{
		Name:        "web <prod> & \"blue\"",
		Description: ptr("line1\nline2 é ☃"),
		Kind:        "SecureString",
		Count:       42,
		Size:        ptr(int64(-9007199254740993)),
		Unsigned:    65535,
		Ratio:       0.25,
		Score:       ptr(math.NaN()),
		Ceiling:     ptr(float32(math.Inf(1))),
		Floor:       math.Inf(-1),
		Enabled:     ptr(false),
		Archived:    true,
		Created:     time.Date(2026, 1, 21, 10, 15, 0, 123_000_000, time.UTC),
		Modified:    ptr(time.Date(2026, 1, 21, 10, 15, 0, 0, time.FixedZone("CET", 3600))),
		Payload:     []byte("hello\x00world"),
		Owner:       &Owner{ID: "o-1", Email: ptr("ops@example.com")},
		Tags:        []Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: ""}},
		Names:       []string{},
		Values:      []float64{1, 2.5, 1e-7, 1e21},
		Attributes:  map[string]string{"b": "2", "a": "1"},
		Labels:      map[string]string{"sev": "high"},
		Limits:      map[string]Limit{"cpu": {Max: 4, Enabled: true}, "mem": {Max: 0}},
		Matrix:      [][]int32{{1, 2}, {}, {3}},
		Stamps:      []time.Time{time.Unix(1769000100, 500_000_000), time.Unix(-1, 0)},
		EmptyMap:    map[string]float64{},
		Document:    map[string]any{"k": []any{"v", uint64(1)}},
		Internal:    "never on the wire",
		Common:      Common{NextToken: ptr("tok")},
	}
}

var svc = &protocol.Service{ShapeNamespace: "com.amazonaws.cloudwatch", QueryCompatible: true}

// A small CBOR writer for hand-made inputs: indefinite lengths, half floats,
// undefined and tags, which no encoder produces on request.
func head(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 1<<8:
		return []byte{major<<5 | 24, byte(n)}
	case n < 1<<16:
		return binary.BigEndian.AppendUint16([]byte{major<<5 | 25}, uint16(n))
	case n < 1<<32:
		return binary.BigEndian.AppendUint32([]byte{major<<5 | 26}, uint32(n))
	}
	return binary.BigEndian.AppendUint64([]byte{major<<5 | 27}, n)
}

func cat(items ...[]byte) []byte { return bytes.Join(items, nil) }
func txt(s string) []byte        { return cat(head(3, uint64(len(s))), []byte(s)) }
func blob(b []byte) []byte       { return cat(head(2, uint64(len(b))), b) }
func uint_(n uint64) []byte      { return head(0, n) }
func neg(n uint64) []byte        { return head(1, n) } // -1-n
func tag(n uint64, item []byte) []byte {
	return cat(head(6, n), item)
}
func f64(f float64) []byte {
	return binary.BigEndian.AppendUint64([]byte{0xfb}, math.Float64bits(f))
}
func f32(f float32) []byte {
	return binary.BigEndian.AppendUint32([]byte{0xfa}, math.Float32bits(f))
}
func f16(bits uint16) []byte { return binary.BigEndian.AppendUint16([]byte{0xf9}, bits) }
func arr(items ...[]byte) []byte {
	return cat(head(4, uint64(len(items))), cat(items...))
}
func arrIndef(items ...[]byte) []byte { return cat([]byte{0x9f}, cat(items...), []byte{0xff}) }
func mp(kv ...[]byte) []byte          { return cat(head(5, uint64(len(kv)/2)), cat(kv...)) }
func mpIndef(kv ...[]byte) []byte     { return cat([]byte{0xbf}, cat(kv...), []byte{0xff}) }

var (
	null      = []byte{0xf6}
	undefined = []byte{0xf7}
	cTrue     = []byte{0xf5}
	cFalse    = []byte{0xf4}
)

// requestSample is a request body using every encoding a client may choose.
func requestSample() []byte {
	return mpIndef(
		txt("Name"), cat([]byte{0x7f}, txt("web "), txt("<prod>"), []byte{0xff}), // chunked text
		txt("Description"), undefined,
		txt("Kind"), txt("SecureString"),
		txt("Count"), uint_(42),
		txt("Size"), neg(9007199254740992),
		txt("Offset"), f64(3), // integral float for an integer
		txt("Unsigned"), uint_(65535),
		txt("Ratio"), f16(0x3400), // 0.25 as a half float
		txt("Score"), f16(0x7e00), // NaN
		txt("Ceiling"), f16(0x7c00), // +Inf
		txt("Floor"), f32(float32(math.Inf(-1))),
		txt("Enabled"), cFalse,
		txt("Archived"), cTrue,
		txt("Created"), tag(1, f64(1769000100.123)),
		txt("Modified"), tag(1, uint_(1769000100)),
		txt("Payload"), cat([]byte{0x5f}, blob([]byte("hello")), blob([]byte("\x00world")), []byte{0xff}),
		txt("Owner"), mp(txt("Id"), txt("o-1"), txt("Email"), txt("ops@example.com"), txt("Unknown"), arr(uint_(1), mp())),
		txt("Tags"), arrIndef(mp(txt("Key"), txt("env"), txt("Value"), txt("prod")), null, mp(txt("Key"), txt("team"), txt("Value"), txt(""))),
		txt("Names"), arr(),
		txt("Missing"), null,
		txt("Values"), arr(uint_(1), f32(2.5), f64(1e-7), neg(0)),
		txt("Attributes"), mp(txt("b"), txt("2"), txt("a"), txt("1"), txt("gone"), null),
		txt("Labels"), mpIndef(txt("sev"), txt("high")),
		txt("Limits"), mp(txt("cpu"), mp(txt("Max"), uint_(4), txt("Enabled"), cTrue), txt("mem"), mp(txt("Max"), uint_(0))),
		txt("Matrix"), arr(arr(uint_(1), uint_(2)), arrIndef(), arr(neg(2))),
		txt("Stamps"), arr(tag(1, f64(1769000100.5)), f64(-1), tag(0, txt("2026-01-21T10:15:00.5Z")), tag(1, neg(0))),
		txt("EmptyMap"), mpIndef(),
		txt("Document"), mp(txt("k"), arr(txt("v"), uint_(1), cTrue)),
		txt("Internal"), txt("ignored"),
		txt("NextToken"), txt("tok"),
		txt("SomethingNew"), tag(55799, mp(txt("nested"), arr(cTrue, f16(0x3c00), blob([]byte{1}), undefined))),
	)
}

func TestGoldenDecode(t *testing.T) {
	body := requestSample()
	var in Sample
	if err := rpcv2cbor.New().Decode(nil, body, &in); err != nil {
		t.Fatal(err)
	}
	diag, err := cbor.Diagnose(body)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "request_sample", []byte("# input\n"+diag+"\n\n# decoded\n"+dump(&in)))
}

func TestGoldenEncode(t *testing.T) {
	c := rpcv2cbor.New()
	rec := httptest.NewRecorder()
	c.WriteResult(rec, "req-1", svc, "Describe", sample())
	golden(t, "result_sample", render(t, rec))

	rec = httptest.NewRecorder()
	c.WriteResult(rec, "req-2", svc, "PutMetricData", nil)
	golden(t, "result_nil", render(t, rec))

	rec = httptest.NewRecorder()
	c.WriteResult(rec, "req-3", svc, "Describe", &Sample{Name: "zero"})
	golden(t, "result_zero", render(t, rec))
}

func TestGoldenErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		svc   *protocol.Service
		fault *protocol.Fault
	}{
		{"error_query_compatible", svc, &protocol.Fault{Code: "ResourceNotFound", QueryCode: "ResourceNotFound", Message: "no such alarm", Status: 404, Sender: true}},
		{"error_receiver", svc, &protocol.Fault{Code: "InternalServiceFault", QueryCode: "InternalServiceError", Message: "sorry"}},
		{"error_fields", &protocol.Service{ShapeNamespace: "com.example"}, &protocol.Fault{
			Code: "LimitExceeded", Message: "too many", Sender: true,
			Fields: map[string]any{"Limit": 10, "Reasons": []string{"a"}, "At": time.Unix(1769000100, 0), "message": "dropped", "Nil": nil, "Bad": make(chan int)},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rpcv2cbor.New().WriteError(rec, "req-err", tc.svc, tc.fault)
			golden(t, tc.name, render(t, rec))
		})
	}
}

func TestRoundTrip(t *testing.T) {
	c := rpcv2cbor.New()
	want := sample()
	b, err := rpcv2cbor.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got Sample
	if err := c.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want.Internal = ""
	want.Modified = ptr(want.Modified.UTC())
	if d := cmp.Diff(dump(want), dump(&got)); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

// TestTimestampsRoundTripThroughSDKArithmetic checks that every millisecond
// written as a float survives int64(f*1e3), which aws-sdk-go-v2 computes.
func TestTimestampsRoundTripThroughSDKArithmetic(t *testing.T) {
	type stamp struct {
		T time.Time `json:"T"`
	}
	base := time.Date(2026, 1, 21, 10, 15, 0, 0, time.UTC).UnixMilli()
	for ms := base; ms < base+20_000; ms += 7 {
		b, err := rpcv2cbor.Marshal(&stamp{T: time.UnixMilli(ms)})
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			T cbor.RawTag `cbor:"T"`
		}
		if err := cbor.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		var f float64
		if err := cbor.Unmarshal(v.T.Content, &f); err != nil {
			t.Fatal(err)
		}
		if got := int64(f * 1e3); got != ms {
			t.Fatalf("%d ms written as %v, read back as %d", ms, f, got)
		}
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, body := range [][]byte{nil, mp(), mpIndef(), null, undefined} {
		in := Sample{Name: "kept"}
		if err := rpcv2cbor.New().Unmarshal(body, &in); err != nil {
			t.Errorf("%x: %v", body, err)
		}
		if in.Name != "kept" || in.Names != nil {
			t.Errorf("%x changed the input: %+v", body, in)
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	deep := mp(txt("Unknown"), bytes.Repeat([]byte{0x81}, 40))
	deep = append(deep, 0x00)
	for _, tc := range []struct {
		name string
		body []byte
		path string
	}{
		{"array body", arr(), ""},
		{"text body", txt("x"), ""},
		{"truncated", mp(txt("Name"))[:3], ""},
		{"extra data", cat(mp(), mp()), ""},
		{"reserved ai", []byte{0xa1, 0x64, 'N', 'a', 'm', 'e', 0x1c}, ""},
		{"stray break", mp(txt("Name"), []byte{0xff}), ""},
		{"too deep", deep, ""},
		{"huge array", mp(txt("Names"), head(4, 1<<40)), ""},
		{"non-text key", mp(uint_(1), txt("x")), ""},
		{"invalid utf-8", mp(txt("Name"), cat(head(3, 2), []byte{0xff, 0xfe})), "Name"},
		{"string for int", mp(txt("Count"), txt("5")), "Count"},
		{"int overflow", mp(txt("Count"), uint_(1<<31)), "Count"},
		{"negative unsigned", mp(txt("Unsigned"), neg(0)), "Unsigned"},
		{"unsigned overflow", mp(txt("Unsigned"), uint_(1<<16)), "Unsigned"},
		{"fractional int", mp(txt("Count"), f64(1.5)), "Count"},
		{"float32 overflow", mp(txt("Ceiling"), f64(1e300)), "Ceiling"},
		{"text for bool", mp(txt("Enabled"), txt("true")), "Enabled"},
		{"text for float", mp(txt("Ratio"), txt("NaN")), "Ratio"},
		{"bool for time", mp(txt("Created"), tag(1, cTrue)), "Created"},
		{"time out of range", mp(txt("Created"), tag(1, f64(1e20))), "Created"},
		{"time NaN", mp(txt("Created"), tag(1, f16(0x7e00))), "Created"},
		{"time wrong tag", mp(txt("Created"), tag(4, arr(neg(0), uint_(1)))), "Created"},
		{"bad time text", mp(txt("Created"), txt("yesterday")), "Created"},
		{"text for blob", mp(txt("Payload"), txt("aGk=")), "Payload"},
		{"array for struct", mp(txt("Owner"), arr()), "Owner"},
		{"nested path", mp(txt("Tags"), arr(mp(txt("Key"), txt("a")), mp(txt("Key"), uint_(1)))), "Tags[1].Key"},
		{"map path", mp(txt("Limits"), mp(txt("cpu"), mp(txt("Max"), txt("x")))), "Limits[cpu].Max"},
		{"list in list", mp(txt("Matrix"), arr(arr(), arr(uint_(1), txt("x")))), "Matrix[1][1]"},
		{"map for list", mp(txt("Tags"), mp()), "Tags"},
		{"bad chunk", mp(txt("Name"), cat([]byte{0x7f}, blob([]byte("x")), []byte{0xff})), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Sample
			err := rpcv2cbor.New().Unmarshal(tc.body, &s)
			var de *protocol.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("%x: got %v (%T), want a *protocol.DecodeError", tc.body, err, err)
			}
			if de.Path != tc.path {
				t.Errorf("%x: path %q, want %q (%v)", tc.body, de.Path, tc.path, err)
			}
		})
	}
}

func TestDecodeNotAPointer(t *testing.T) {
	var s Sample
	for _, in := range []any{s, nil, (*Sample)(nil)} {
		if err := rpcv2cbor.New().Unmarshal(mp(), in); err == nil {
			t.Errorf("%T: no error", in)
		}
	}
}

func TestHalfFloats(t *testing.T) {
	type F struct {
		F float64 `json:"F"`
	}
	for bits, want := range map[uint16]float64{
		0x0000: 0, 0x8000: math.Copysign(0, -1), 0x3c00: 1, 0xc000: -2, 0x7bff: 65504,
		0x0001: 5.960464477539063e-8, 0x0400: 6.103515625e-5, 0xfc00: math.Inf(-1),
	} {
		var f F
		if err := rpcv2cbor.New().Unmarshal(mp(txt("F"), f16(bits)), &f); err != nil {
			t.Fatal(err)
		}
		if f.F != want || math.Signbit(f.F) != math.Signbit(want) {
			t.Errorf("half %#04x = %v, want %v", bits, f.F, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(requestSample())
	if b, err := rpcv2cbor.Marshal(sample()); err == nil {
		f.Add(b)
	}
	f.Add(mp(txt("Tags"), arr(mp(txt("Key"), txt("a")))))
	f.Add(mp(txt("Matrix"), arrIndef(arr(uint_(1)))))
	c := rpcv2cbor.New()
	f.Fuzz(func(t *testing.T, body []byte) {
		var s Sample
		err := c.Unmarshal(body, &s)
		if err != nil {
			var de *protocol.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is a %T, not a *protocol.DecodeError", err, err)
			}
			return
		}
		// What was read can be written, and writing is stable from then on.
		b1, err := rpcv2cbor.Marshal(&s)
		if err != nil {
			t.Fatal(err)
		}
		var s2 Sample
		if err := c.Unmarshal(b1, &s2); err != nil {
			t.Fatalf("re-reading %x: %v", b1, err)
		}
		b2, err := rpcv2cbor.Marshal(&s2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("unstable:\n%x\n%x", b1, b2)
		}
	})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s (-want +got):\n%s", path, d)
	}
}

// render prints a response: status, headers but Date, the body in hex and
// in CBOR diagnostic notation.
func render(t *testing.T, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	res := rec.Result()
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP %d\n", res.StatusCode)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range res.Header {
			if k != "Date" && !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(res.Header[k], ", "))
	}
	if got := res.Header.Get("Content-Length"); got != strconv.Itoa(rec.Body.Len()) {
		t.Errorf("Content-Length %s, body has %d bytes", got, rec.Body.Len())
	}
	body := rec.Body.Bytes()
	if len(body) > 0 {
		diag, err := cbor.Diagnose(body)
		if err != nil {
			t.Errorf("response is not CBOR: %v", err)
		}
		fmt.Fprintf(&b, "\n%s\n\n%s\n", hex.EncodeToString(body), diag)
	}
	return b.Bytes()
}

// dump prints every member of v, one per line, showing nil apart from empty.
func dump(v any) string {
	var b strings.Builder
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				fmt.Fprintf(&b, "%s = nil\n", path)
				return
			}
			walk(path, v.Elem())
		case reflect.Struct:
			if t, ok := v.Interface().(time.Time); ok {
				fmt.Fprintf(&b, "%s = %s\n", path, t.Format(time.RFC3339Nano+" MST"))
				return
			}
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(strings.TrimPrefix(path+"."+f.Name, "."), v.Field(i))
				}
			}
		case reflect.Slice:
			switch {
			case v.IsNil():
				fmt.Fprintf(&b, "%s = nil\n", path)
			case v.Type().Elem().Kind() == reflect.Uint8:
				fmt.Fprintf(&b, "%s = %q\n", path, v.Bytes())
			case v.Len() == 0:
				fmt.Fprintf(&b, "%s = []\n", path)
			}
			for i := range v.Len() {
				if v.Type().Elem().Kind() != reflect.Uint8 {
					walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
				}
			}
		case reflect.Map:
			switch {
			case v.IsNil():
				fmt.Fprintf(&b, "%s = nil\n", path)
			case v.Len() == 0:
				fmt.Fprintf(&b, "%s = {}\n", path)
			}
			keys := v.MapKeys()
			slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
			for _, k := range keys {
				walk(fmt.Sprintf("%s[%v]", path, k), v.MapIndex(k))
			}
		case reflect.String:
			fmt.Fprintf(&b, "%s = %q\n", path, v.String())
		case reflect.Float32, reflect.Float64:
			fmt.Fprintf(&b, "%s = %s\n", path, strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()))
		default:
			fmt.Fprintf(&b, "%s = %v\n", path, v)
		}
	}
	walk("", reflect.ValueOf(v))
	return b.String()
}
