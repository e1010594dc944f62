package awsjson_test

// Tests of the helpers the codecs share in package protocol (shape.go).

import (
	"math"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stewardhq/steward/protocol"
)

func TestParseEpochSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"0", time.Unix(0, 0), true},
		{"1769000100", time.Unix(1769000100, 0), true},
		{"1769000100.123", time.Unix(1769000100, 123e6), true},
		{"1769000100.1234567891", time.Unix(1769000100, 123456789), true},
		{"-1.5", time.Unix(-2, 5e8), true},
		{"+5", time.Unix(5, 0), true},
		{".5", time.Unix(0, 5e8), true},
		{"1.", time.Unix(1, 0), true},
		{"1.7690001001234E9", time.Unix(1769000100, 123400000), true},
		{"0001769000100", time.Unix(1769000100, 0), true},
		{"253402300799", time.Unix(253402300799, 0), true},
		{"-62135596800", time.Unix(-62135596800, 0), true},
		{"253402300800", time.Time{}, false},
		{"-62135596801", time.Time{}, false},
		{"99999999999999", time.Time{}, false},
		{"1e400", time.Time{}, false},
		{"", time.Time{}, false},
		{".", time.Time{}, false},
		{"-", time.Time{}, false},
		{"1x", time.Time{}, false},
		{"2026-01-21", time.Time{}, false},
	} {
		got, ok := protocol.ParseEpochSeconds(tc.in)
		if ok != tc.ok || !got.Equal(tc.want) || (ok && got.Location() != time.UTC) {
			t.Errorf("ParseEpochSeconds(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-01-21T10:15:00Z", utc(2026, 1, 21, 10, 15, 0, 0), true},
		{"2026-01-21T10:15:00.123Z", utc(2026, 1, 21, 10, 15, 0, 123e6), true},
		{"2026-01-21T10:15:00.123456789Z", utc(2026, 1, 21, 10, 15, 0, 123456789), true},
		{"2026-01-21T10:15:00+01:00", utc(2026, 1, 21, 9, 15, 0, 0), true},
		{"2026-01-21T10:15:00.5-0130", utc(2026, 1, 21, 11, 45, 0, 5e8), true},
		{"2026-01-21T10:15:00", utc(2026, 1, 21, 10, 15, 0, 0), true},
		{"2026-01-21", utc(2026, 1, 21, 0, 0, 0, 0), true},
		{"1769000100.5", time.Unix(1769000100, 5e8), true},
		{"9999-12-31T23:59:59-01:00", time.Time{}, false},
		{"2026-02-30T00:00:00Z", time.Time{}, false},
		{"Wed, 21 Jan 2026 10:15:00 GMT", time.Time{}, false},
		{"", time.Time{}, false},
	} {
		got, ok := protocol.ParseTimestamp(tc.in)
		if ok != tc.ok || !got.Equal(tc.want) || (ok && got.Location() != time.UTC) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestEpochFromFloat(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want time.Time
		ok   bool
	}{
		{1769000100.123, time.Unix(1769000100, 123e6), true},
		{1769000100.9999999, time.Unix(1769000101, 0), true},
		{-0.25, time.Unix(-1, 75e7), true},
		{math.NaN(), time.Time{}, false},
		{math.Inf(1), time.Time{}, false},
		{1e20, time.Time{}, false},
	} {
		got, ok := protocol.EpochFromFloat(tc.in)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("EpochFromFloat(%v) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAppendTimestamps(t *testing.T) {
	for _, tc := range []struct {
		t          time.Time
		epoch, iso string
	}{
		{time.Unix(1769000100, 0), "1769000100", "2026-01-21T12:55:00.000Z"},
		{time.Unix(1769000100, 123_456_789), "1769000100.123", "2026-01-21T12:55:00.123Z"},
		{time.Unix(1769000100, 500_000_000), "1769000100.5", "2026-01-21T12:55:00.500Z"},
		{time.Unix(1769000100, 20_000_000), "1769000100.02", "2026-01-21T12:55:00.020Z"},
		{time.Unix(-2, 500_000_000), "-1.5", "1969-12-31T23:59:58.500Z"},
		{time.Unix(0, 0), "0", "1970-01-01T00:00:00.000Z"},
		{time.Date(2026, 1, 21, 10, 15, 0, 0, time.FixedZone("X", -3600)), "1768994100", "2026-01-21T11:15:00.000Z"},
	} {
		if got := string(protocol.AppendEpochSeconds(nil, tc.t)); got != tc.epoch {
			t.Errorf("AppendEpochSeconds(%v) = %s, want %s", tc.t, got, tc.epoch)
		}
		if got := string(protocol.AppendISO8601(nil, tc.t)); got != tc.iso {
			t.Errorf("AppendISO8601(%v) = %s, want %s", tc.t, got, tc.iso)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		bits int
		want string
	}{
		{0, 64, "0"}, {1, 64, "1"}, {0.1, 64, "0.1"}, {-2.5, 64, "-2.5"}, {1e20, 64, "100000000000000000000"},
		{1e21, 64, "1e+21"}, {1e-7, 64, "1e-7"}, {1.5e-10, 64, "1.5e-10"}, {float64(float32(0.1)), 32, "0.1"},
	} {
		if got := string(protocol.AppendFloat(nil, tc.f, tc.bits)); got != tc.want {
			t.Errorf("AppendFloat(%v, %d) = %s, want %s", tc.f, tc.bits, got, tc.want)
		}
	}
	for f, want := range map[float64]string{math.Inf(1): "Infinity", math.Inf(-1): "-Infinity"} {
		if got, ok := protocol.FloatSpecial(f); !ok || got != want {
			t.Errorf("FloatSpecial(%v) = %s", f, got)
		}
		if back, ok := protocol.ParseFloatSpecial(want); !ok || back != f {
			t.Errorf("ParseFloatSpecial(%s) = %v", want, back)
		}
	}
	if got, ok := protocol.FloatSpecial(math.NaN()); !ok || got != "NaN" {
		t.Errorf("FloatSpecial(NaN) = %s", got)
	}
	if _, ok := protocol.FloatSpecial(1); ok {
		t.Error("FloatSpecial(1) is special")
	}
}

type (
	recursive struct {
		Name     string       `json:"Name"`
		Children []*recursive `json:"Children,omitempty"`
	}
	wide struct {
		A, B, C, D, E, F, G, H string
		I                      string `json:"Eye" query:"I,flat,member=M,key=K,value=V"`
		Skip                   string `json:"-"`
		NoQuery                string `query:"-"`
	}
	base struct {
		ID    string `json:"Id"`
		Shade string `json:"Shade"`
	}
	embedding struct {
		Shade string `json:"Shade"`
		base
		Last string `json:"Last"`
	}
	embedsPointer struct {
		*base
	}
)

func TestShapeOf(t *testing.T) {
	s, err := protocol.ShapeOf(reflect.TypeFor[recursive]())
	if err != nil {
		t.Fatal(err)
	}
	if kids := s.Fields[1].Shape; kids.Kind != protocol.KindList || kids.Elem.Kind != protocol.KindPtr || kids.Elem.Elem != s {
		t.Errorf("recursive shape not tied back to itself: %+v", kids)
	}
	again, _ := protocol.ShapeOf(reflect.TypeFor[recursive]())
	if again != s {
		t.Error("ShapeOf did not cache")
	}

	w, err := protocol.ShapeOf(reflect.TypeFor[wide]())
	if err != nil {
		t.Fatal(err)
	}
	if i := w.FieldIndex("Eye"); i != 8 || w.Fields[i].QueryName != "I" || !w.Fields[i].Flat ||
		w.Fields[i].Member != "M" || w.Fields[i].Key != "K" || w.Fields[i].Value != "V" {
		t.Errorf("Eye at %d: %+v", i, w.Fields)
	}
	if w.FieldIndex("I") != -1 || w.FieldIndex("Skip") != -1 || !w.Fields[9].NoQuery ||
		w.FieldIndex("NoQuery") != 9 || w.FieldIndex("A") != 0 || w.FieldIndex("H") != 7 {
		t.Error("wide struct lookups wrong")
	}

	e, err := protocol.ShapeOf(reflect.TypeFor[embedding]())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range e.Fields {
		names = append(names, f.Name)
	}
	if !reflect.DeepEqual(names, []string{"Shade", "Id", "Last"}) || !reflect.DeepEqual(e.Fields[1].Index, []int{1, 0}) {
		t.Errorf("embedded fields %v", e.Fields)
	}

	for _, typ := range []reflect.Type{
		reflect.TypeFor[chan int](), reflect.TypeFor[map[int]string](), reflect.TypeFor[[2]string](),
		reflect.TypeFor[struct{ F func() }](), reflect.TypeFor[embedsPointer](), reflect.TypeFor[complex128](),
	} {
		if _, err := protocol.ShapeOf(typ); err == nil {
			t.Errorf("ShapeOf(%v) did not fail", typ)
		}
	}
}

func TestFaultHelpers(t *testing.T) {
	for _, tc := range []struct {
		f      protocol.Fault
		status int
		header string
	}{
		{protocol.Fault{Code: "A", Sender: true}, 400, "A;Sender"},
		{protocol.Fault{Code: "A", QueryCode: "Q"}, 500, "Q;Receiver"},
		{protocol.Fault{Code: "A", QueryCode: "Q", Status: 404, Sender: true}, 404, "Q;Sender"},
	} {
		if got := protocol.FaultStatus(&tc.f); got != tc.status {
			t.Errorf("FaultStatus(%+v) = %d", tc.f, got)
		}
		if got := protocol.QueryErrorHeader(&tc.f); got != tc.header {
			t.Errorf("QueryErrorHeader(%+v) = %s", tc.f, got)
		}
	}
}

func TestDateHeaderFormat(t *testing.T) {
	var d protocol.DateHeader
	now := time.Date(2026, 1, 21, 10, 15, 0, 100, time.FixedZone("X", 3600))
	if got := d.Format(now); got != "Wed, 21 Jan 2026 09:15:00 GMT" {
		t.Errorf("Format = %s", got)
	}
	if got := d.Format(now.Add(500 * time.Millisecond)); got != "Wed, 21 Jan 2026 09:15:00 GMT" {
		t.Errorf("same second = %s", got)
	}
	if got := d.Format(now.Add(time.Second)); got != "Wed, 21 Jan 2026 09:15:01 GMT" {
		t.Errorf("next second = %s", got)
	}
	if _, err := http.ParseTime(d.Format(time.Now())); err != nil {
		t.Error(err)
	}
}
