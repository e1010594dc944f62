package awsjson_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/protocol/awsjson"
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

// sample returns a fully populated Sample.
func sample() *Sample {
	return &Sample{
		Name:        "web <prod> & \"blue\"",
		Description: ptr("line1\nline2\ttab \u2028 é ☃"),
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
		Internal:    "never on the wire",
		Common:      Common{NextToken: ptr("tok")},
	}
}

var (
	svc10 = &protocol.Service{TargetPrefix: "AmazonSQS", JSONVersion: "1.0", ShapeNamespace: "com.amazonaws.sqs", QueryCompatible: true}
	svc11 = &protocol.Service{TargetPrefix: "AmazonSSM", JSONVersion: "1.1", ShapeNamespace: "com.amazonaws.ssm"}
)

func TestGoldenEncode(t *testing.T) {
	c := awsjson.New("1.1")
	rec := httptest.NewRecorder()
	c.WriteResult(rec, "req-1", svc11, "Describe", sample())
	golden(t, "result_sample", render(t, rec))

	rec = httptest.NewRecorder()
	c.WriteResult(rec, "req-2", svc11, "Delete", nil)
	golden(t, "result_nil", render(t, rec))

	rec = httptest.NewRecorder()
	awsjson.New("1.0").WriteResult(rec, "req-3", svc10, "Describe", &Sample{Name: "zero"})
	golden(t, "result_zero_1_0", render(t, rec))
}

func TestGoldenErrors(t *testing.T) {
	fault := &protocol.Fault{
		Code:      "QueueDoesNotExist",
		QueryCode: "AWS.SimpleQueueService.NonExistentQueue",
		Message:   `The specified queue does not exist for this wsdl version "x".`,
		Status:    400,
		Sender:    true,
	}
	for _, tc := range []struct {
		name  string
		codec *awsjson.Codec
		svc   *protocol.Service
		fault *protocol.Fault
	}{
		{"error_1_0_query_compatible", awsjson.New("1.0"), svc10, fault},
		{"error_1_1", awsjson.New("1.1"), svc11, &protocol.Fault{Code: "ParameterNotFound", Message: "Parameter /x not found.", Sender: true}},
		{"error_1_1_fields", awsjson.New("1.1"), svc11, &protocol.Fault{
			Code: "InternalServerError", Message: "boom", Status: 500,
			Fields: map[string]any{"RetryAfterSeconds": 3, "Reasons": []string{"a", "b"}, "At": time.Unix(1769000100, 0), "message": "dropped", "Nil": nil},
		}},
		{"error_1_0_receiver", awsjson.New("1.0"), &protocol.Service{ShapeNamespace: "com.amazonaws.cloudwatch", QueryCompatible: true}, &protocol.Fault{
			Code: "InternalServiceFault", QueryCode: "InternalServiceError", Message: "sorry",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tc.codec.WriteError(rec, "req-err", tc.svc, tc.fault)
			golden(t, tc.name, render(t, rec))
		})
	}
}

func TestGoldenDecode(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "request_sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in Sample
	if err := awsjson.New("1.1").Decode(nil, body, &in); err != nil {
		t.Fatal(err)
	}
	golden(t, "request_sample", []byte(dump(&in)))
}

// TestRoundTrip writes the sample and reads it back.
func TestRoundTrip(t *testing.T) {
	want := sample()
	b, err := awsjson.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got Sample
	if err := awsjson.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want.Internal = ""
	want.Modified = ptr(want.Modified.UTC())
	if d := cmp.Diff(dump(want), dump(&got)); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, body := range []string{"", "  \n", "{}", "null", " { } "} {
		in := Sample{Name: "kept"}
		if err := awsjson.Unmarshal([]byte(body), &in); err != nil {
			t.Errorf("%q: %v", body, err)
		}
		if in.Name != "kept" || in.Names != nil {
			t.Errorf("%q changed the input: %+v", body, in)
		}
	}
}

func TestDecodeValues(t *testing.T) {
	for _, tc := range []struct {
		body string
		want func(*Sample) bool
	}{
		{`{"Created":1769000100}`, func(s *Sample) bool { return s.Created.Equal(time.Unix(1769000100, 0)) }},
		{`{"Created":1769000100.5}`, func(s *Sample) bool { return s.Created.Equal(time.Unix(1769000100, 5e8)) }},
		{`{"Created":1.7690001001234E9}`, func(s *Sample) bool { return s.Created.Equal(time.Unix(1769000100, 123400000)) }},
		{`{"Created":-1.5}`, func(s *Sample) bool { return s.Created.Equal(time.Unix(-2, 5e8)) }},
		{`{"Created":"2026-01-21T10:15:00.123+01:00"}`, func(s *Sample) bool {
			return s.Created.Equal(time.Date(2026, 1, 21, 9, 15, 0, 123e6, time.UTC)) && s.Created.Location() == time.UTC
		}},
		{`{"Created":"2026-01-21T10:15:00Z"}`, func(s *Sample) bool { return s.Created.Equal(time.Date(2026, 1, 21, 10, 15, 0, 0, time.UTC)) }},
		{`{"Score":"Infinity","Ratio":"-Infinity","Floor":1E2}`, func(s *Sample) bool {
			return math.IsInf(*s.Score, 1) && math.IsInf(s.Ratio, -1) && s.Floor == 100
		}},
		{`{"Count":1e2,"Size":-0,"Offset":9223372036854775807}`, func(s *Sample) bool {
			return s.Count == 100 && *s.Size == 0 && s.Offset == math.MaxInt64
		}},
		{`{"Payload":"aGk"}`, func(s *Sample) bool { return string(s.Payload) == "hi" }},
		{`{"Payload":"aGk\/"}`, func(s *Sample) bool { return string(s.Payload) == "hi?" }},
		{`{"Payload":""}`, func(s *Sample) bool { return s.Payload != nil && len(s.Payload) == 0 }},
		{`{"Names":[],"Tags":[null],"Attributes":{}}`, func(s *Sample) bool {
			return s.Names != nil && len(s.Names) == 0 && s.Tags != nil && len(s.Tags) == 0 && s.Attributes != nil
		}},
		{`{"Attributes":{"a":null,"b":"x"}}`, func(s *Sample) bool { return len(s.Attributes) == 1 && s.Attributes["b"] == "x" }},
		{`{"Name":"\u00e9\ud83d\ude00\n","name":"ignored"}`, func(s *Sample) bool { return s.Name == "é😀\n" }},
		{"{\"Name\":\"a\xffb\"}", func(s *Sample) bool { return s.Name == "a\uFFFDb" }},
		{`{"Description":null,"Owner":null,"Tags":null}`, func(s *Sample) bool { return s.Description == nil && s.Owner == nil && s.Tags == nil }},
		{`{"Unknown":{"deep":[1,{"x":[true,false,null,"s",-1.5e-3]}]},"Name":"n"}`, func(s *Sample) bool { return s.Name == "n" }},
		{`{"NextToken":"t"}`, func(s *Sample) bool { return s.NextToken != nil && *s.NextToken == "t" }},
		{`{"Name":"first","Name":"second"}`, func(s *Sample) bool { return s.Name == "second" }},
	} {
		var s Sample
		if err := awsjson.Unmarshal([]byte(tc.body), &s); err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if !tc.want(&s) {
			t.Errorf("%s: decoded %s", tc.body, dump(&s))
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	for _, tc := range []struct {
		body, path string
	}{
		{`[]`, ""},
		{`"x"`, ""},
		{`{`, ""},
		{`{"Name":"x"`, ""},
		{`{"Name":"x",}`, ""},
		{`{"Name" "x"}`, ""},
		{`{Name:"x"}`, ""},
		{`{"Name":"x"} {}`, ""},
		{`{"Name":"unterminated}`, "Name"},
		{`{"Name":"bad \x escape"}`, "Name"},
		{"{\"Name\":\"ctrl \x01\"}", "Name"},
		{`{"Name":"\ud800"}`, ""}, // lone surrogate is replaced, not an error
		{`{"Name":5}`, "Name"},
		{`{"Count":"5"}`, "Count"},
		{`{"Count":1.5}`, "Count"},
		{`{"Count":2147483648}`, "Count"},
		{`{"Unsigned":-1}`, "Unsigned"},
		{`{"Unsigned":65536}`, "Unsigned"},
		{`{"Ratio":"1.5"}`, "Ratio"},
		{`{"Ratio":1e400}`, "Ratio"},
		{`{"Ratio":01}`, ""},
		{`{"Ratio":-}`, "Ratio"},
		{`{"Ratio":.5}`, "Ratio"},
		{`{"Enabled":"true"}`, "Enabled"},
		{`{"Enabled":tru}`, "Enabled"},
		{`{"Created":"yesterday"}`, "Created"},
		{`{"Created":1e20}`, "Created"},
		{`{"Created":true}`, "Created"},
		{`{"Payload":"not base64!"}`, "Payload"},
		{`{"Payload":5}`, "Payload"},
		{`{"Owner":[]}`, "Owner"},
		{`{"Owner":{"Id":1}}`, "Owner.Id"},
		{`{"Tags":{}}`, "Tags"},
		{`{"Tags":[{"Key":"a"},{"Key":false}]}`, "Tags[1].Key"},
		{`{"Matrix":[[1],[2,"x"]]}`, "Matrix[1][1]"},
		{`{"Limits":{"cpu":{"Max":"x"}}}`, "Limits[cpu].Max"},
		{`{"Attributes":[]}`, "Attributes"},
		{`{"Unknown":[1,2}`, ""},
		{`{"Unknown":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, ""},
		{`{"Unknown":nul}`, ""},
	} {
		var s Sample
		err := awsjson.Unmarshal([]byte(tc.body), &s)
		if tc.body == `{"Name":"\ud800"}` {
			if err != nil {
				t.Errorf("%s: %v", tc.body, err)
			}
			continue
		}
		var de *protocol.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: got %v (%T), want a *protocol.DecodeError", tc.body, err, err)
			continue
		}
		if de.Path != tc.path {
			t.Errorf("%s: path %q, want %q (%v)", tc.body, de.Path, tc.path, err)
		}
	}
}

func TestDecodeNotAPointer(t *testing.T) {
	var s Sample
	for _, in := range []any{s, nil, (*Sample)(nil)} {
		if err := awsjson.Unmarshal([]byte(`{}`), in); err == nil {
			t.Errorf("%T: no error", in)
		}
	}
}

func TestUnsupportedOutput(t *testing.T) {
	rec := httptest.NewRecorder()
	awsjson.New("1.1").WriteResult(rec, "r", svc11, "Op", &struct{ C chan int }{})
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "InternalFailure") {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}

func TestNewUnknownVersion(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(\"2.0\") did not panic")
		}
	}()
	awsjson.New("2.0")
}

func TestDateHeader(t *testing.T) {
	rec := httptest.NewRecorder()
	awsjson.New("1.1").WriteResult(rec, "r", svc11, "Op", nil)
	if _, err := http.ParseTime(rec.Header().Get("Date")); err != nil {
		t.Errorf("Date %q: %v", rec.Header().Get("Date"), err)
	}
}

func FuzzDecode(f *testing.F) {
	if seed, err := os.ReadFile(filepath.Join("testdata", "request_sample.json")); err == nil {
		f.Add(seed)
	}
	for _, s := range []string{`{}`, `{"Tags":[{"Key":"a"}],"Created":1.5}`, `{"Limits":{"a":{"Max":1}}}`, `{"Score":"NaN","Matrix":[[1]]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var s Sample
		err := awsjson.Unmarshal(body, &s)
		if err != nil {
			var de *protocol.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is a %T, not a *protocol.DecodeError", err, err)
			}
			return
		}
		// What was read can be written, and writing is stable from then on.
		b1, err := awsjson.Marshal(&s)
		if err != nil {
			t.Fatal(err)
		}
		var s2 Sample
		if err := awsjson.Unmarshal(b1, &s2); err != nil {
			t.Fatalf("re-reading %s: %v", b1, err)
		}
		b2, err := awsjson.Marshal(&s2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("unstable:\n%s\n%s", b1, b2)
		}
	})
}

// golden compares got with testdata/name.golden, or rewrites it with -update.
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

// render prints a response: status, headers but Date, blank line, body.
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
	b.WriteString("\n")
	b.Write(rec.Body.Bytes())
	b.WriteString("\n")
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
			slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
			for _, k := range keys {
				walk(fmt.Sprintf("%s[%s]", path, k), v.MapIndex(k))
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
