package awsquery_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
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
	"github.com/stewardhq/steward/protocol/awsquery"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// Sample has a member of every kind a wire shape can hold, and every query
// naming variant: renamed, flattened, custom member, key and value names.
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
	JSONOnly    string             `json:"JSONOnly,omitempty" query:"-"`
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
		Name:        "web <prod> & \"blue\" 'q'",
		Description: ptr("line1\nline2\ttab\r é ☃ \x00 \xff"),
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
		Labels:      map[string]string{"sev": "high", "env": "prod"},
		Limits:      map[string]Limit{"cpu": {Max: 4, Enabled: true}, "mem": {Max: 0}},
		Matrix:      [][]int32{{1, 2}, {}, {3}},
		Stamps:      []time.Time{time.Unix(1769000100, 500_000_000), time.Unix(-1, 0)},
		EmptyMap:    map[string]float64{},
		JSONOnly:    "not in query",
		Internal:    "never on the wire",
		Common:      Common{NextToken: ptr("tok")},
	}
}

var svc = &protocol.Service{XMLNamespace: "http://queue.amazonaws.com/doc/2012-11-05/"}

// readForm reads a testdata form file: one pair per line.
func readForm(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(b)), "&")
}

func TestGoldenDecode(t *testing.T) {
	form := readForm(t, "request_sample.form")
	var in Sample
	r := httptest.NewRequest("POST", "/", strings.NewReader(form))
	if err := awsquery.New().Decode(r, []byte(form), &in); err != nil {
		t.Fatal(err)
	}
	golden(t, "request_sample", []byte(dump(&in)))

	// The same pairs in the URL of a GET decode the same.
	var get Sample
	r = httptest.NewRequest("GET", "/?"+form, nil)
	if err := awsquery.New().Decode(r, nil, &get); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(dump(&in), dump(&get)); d != "" {
		t.Errorf("GET differs from POST (-post +get):\n%s", d)
	}
}

func TestGoldenEncode(t *testing.T) {
	c := awsquery.New()
	rec := httptest.NewRecorder()
	c.WriteResult(rec, "req-1", svc, "Describe", sample())
	golden(t, "result_sample", render(t, rec))

	rec = httptest.NewRecorder()
	c.WriteResult(rec, "req-2", svc, "DeleteQueue", nil)
	golden(t, "result_nil", render(t, rec))

	rec = httptest.NewRecorder()
	c.WriteResult(rec, "req-3", &protocol.Service{}, "Describe", &Sample{Name: "zero"})
	golden(t, "result_zero", render(t, rec))
}

func TestGoldenErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault *protocol.Fault
	}{
		{"error_sender", &protocol.Fault{Code: "QueueDoesNotExist", QueryCode: "AWS.SimpleQueueService.NonExistentQueue",
			Message: "The specified queue does not exist <for> this wsdl version.", Status: 400, Sender: true}},
		{"error_receiver", &protocol.Fault{Code: "InternalFailure", Message: "boom"}},
		{"error_fields", &protocol.Fault{Code: "LimitExceeded", Message: "too many", Status: 403, Sender: true,
			Fields: map[string]any{"Limit": 10, "Reasons": []string{"a", "b"}, "At": time.Unix(1769000100, 0), "Code": "dropped", "Nil": nil, "Bad": make(chan int)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			awsquery.New().WriteError(rec, "req-err", svc, tc.fault)
			golden(t, tc.name, render(t, rec))
		})
	}
}

func TestDecodeValues(t *testing.T) {
	for _, tc := range []struct {
		form string
		want func(*Sample) bool
	}{
		{"Created=2026-01-21T10:15:00Z", func(s *Sample) bool { return s.Created.Equal(time.Date(2026, 1, 21, 10, 15, 0, 0, time.UTC)) }},
		{"Created=2026-01-21T10:15:00.123456789%2B02:00", func(s *Sample) bool {
			return s.Created.Equal(time.Date(2026, 1, 21, 8, 15, 0, 123456789, time.UTC)) && s.Created.Location() == time.UTC
		}},
		{"Created=2026-01-21T10:15:00.123%2B0000", func(s *Sample) bool { return s.Created.Equal(time.Date(2026, 1, 21, 10, 15, 0, 123e6, time.UTC)) }},
		{"Created=1769000100", func(s *Sample) bool { return s.Created.Equal(time.Unix(1769000100, 0)) }},
		{"Names=", func(s *Sample) bool { return s.Names != nil && len(s.Names) == 0 }},
		{"Names.member.2=b&Names.member.1=a&Names.member.7=c", func(s *Sample) bool { return slices.Equal(s.Names, []string{"a", "b", "c"}) }},
		{"Value.2=2&Value.1=-Infinity", func(s *Sample) bool { return len(s.Values) == 2 && math.IsInf(s.Values[0], -1) && s.Values[1] == 2 }},
		{"Matrix.member.2.member.1=5", func(s *Sample) bool { return len(s.Matrix) == 1 && slices.Equal(s.Matrix[0], []int32{5}) }},
		{"Attributes.entry.1.key=k&Attributes.entry.1.value=", func(s *Sample) bool { v, ok := s.Attributes["k"]; return ok && v == "" }},
		{"Attributes.entry.1.key=k", func(s *Sample) bool { v, ok := s.Attributes["k"]; return ok && v == "" }},
		{"Label.1.Name=a&Label.1.Value=1&Label.2.Name=a&Label.2.Value=2", func(s *Sample) bool { return s.Labels["a"] == "2" }},
		{"EmptyMap=", func(s *Sample) bool { return s.EmptyMap != nil && len(s.EmptyMap) == 0 }},
		{"Name=a+b%20c%2Bd", func(s *Sample) bool { return s.Name == "a b c+d" }},
		{"Name=first&Name=second", func(s *Sample) bool { return s.Name == "second" }},
		{"Payload=aGk", func(s *Sample) bool { return string(s.Payload) == "hi" }},
		{"Enabled=True", func(s *Sample) bool { return s.Enabled != nil && *s.Enabled }},
		{"Description.member.1=x", func(s *Sample) bool { return s.Description == nil }},
		{"Owner.Id=o", func(s *Sample) bool { return s.Owner != nil && s.Owner.ID == "o" }},
		{"JSONOnly=x&Internal=y", func(s *Sample) bool { return s.JSONOnly == "" && s.Internal == "" }},
		{"NextToken=t", func(s *Sample) bool { return s.NextToken != nil && *s.NextToken == "t" }},
		{"&&Name=n&=&noequals", func(s *Sample) bool { return s.Name == "n" }},
		{"Action=X&Version=1&X-Amz-Date=1&x-amz-credential=c", func(s *Sample) bool { return reflect.ValueOf(*s).IsZero() }},
	} {
		var s Sample
		if err := awsquery.Unmarshal(tc.form, &s); err != nil {
			t.Errorf("%s: %v", tc.form, err)
			continue
		}
		if !tc.want(&s) {
			t.Errorf("%s: decoded\n%s", tc.form, dump(&s))
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	for _, tc := range []struct {
		form, path string
	}{
		{"Name=%zz", "Name"},
		{"Na%zzme=x", ""},
		{"Count=x", "Count"},
		{"Count=1.5", "Count"},
		{"Count=2147483648", "Count"},
		{"Unsigned=-1", "Unsigned"},
		{"Ratio=abc", "Ratio"},
		{"Ratio=0x1p3", "Ratio"},
		{"Ratio=1e400", "Ratio"},
		{"Ratio=inf", "Ratio"},
		{"Enabled=yes", "Enabled"},
		{"Created=yesterday", "Created"},
		{"Created=2026-13-01T00:00:00Z", "Created"},
		{"Created=99999999999999", "Created"},
		{"Payload=***", "Payload"},
		{"Owner.Email=%", "Owner.Email"},
		{"Names.member.x=a", "Names.member.x"},
		{"Names.member.0=a", "Names.member.0"},
		{"Names.member.-1=a", "Names.member.-1"},
		{"Names.member.99999999999999999999=a", "Names.member.99999999999999999999"},
		{"Tags.item.1.Key=a&Tags.item.2.Key=b&Value.x=1", "Value.x"},
		{"Attributes.entry.one.key=a", "Attributes.entry.one.key"},
		{"Limits.entry.1.Name=cpu&Limits.entry.1.Limit.Max=x", "Limits.entry.1.Limit.Max"},
		{"Matrix.member.1.member.1=x", "Matrix.member.1.member.1"},
	} {
		var s Sample
		err := awsquery.Unmarshal(tc.form, &s)
		var de *protocol.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: got %v (%T), want a *protocol.DecodeError", tc.form, err, err)
			continue
		}
		if de.Path != tc.path {
			t.Errorf("%s: path %q, want %q (%v)", tc.form, de.Path, tc.path, err)
		}
	}
}

func TestDecodeNotAPointer(t *testing.T) {
	var s Sample
	for _, in := range []any{s, nil, (*Sample)(nil)} {
		if err := awsquery.Unmarshal("Name=x", in); err == nil {
			t.Errorf("%T: no error", in)
		}
	}
}

func TestUnsupportedOutput(t *testing.T) {
	rec := httptest.NewRecorder()
	awsquery.New().WriteResult(rec, "r", svc, "Op", &struct{ C chan int }{})
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "<Code>InternalFailure</Code>") {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(readForm(f, "request_sample.form"))
	for _, s := range []string{"Names=", "Tags.item.1.Key=a", "Limits.entry.1.Name=a&Limits.entry.1.Limit.Max=1", "Matrix.member.1.member.1=1", "Label.1.Name=a"} {
		f.Add(s)
	}
	c := awsquery.New()
	f.Fuzz(func(t *testing.T, form string) {
		var s Sample
		err := awsquery.Unmarshal(form, &s)
		if err != nil {
			var de *protocol.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is a %T, not a *protocol.DecodeError", err, err)
			}
			return
		}
		// Whatever was read can be written as well-formed XML.
		rec := httptest.NewRecorder()
		c.WriteResult(rec, "r", svc, "Op", &s)
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		if err := wellFormed(rec.Body.Bytes()); err != nil {
			t.Fatalf("%v in %s", err, rec.Body)
		}
	})
}

func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
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

// render prints a response: status, headers but Date, the body as sent and
// indented (which also checks it is well-formed XML).
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
	if _, err := http.ParseTime(res.Header.Get("Date")); err != nil {
		t.Errorf("Date header: %v", err)
	}
	fmt.Fprintf(&b, "\n%s\n\n", rec.Body.Bytes())
	d := xml.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	e := xml.NewEncoder(&b)
	e.Indent("", "  ")
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("response is not well-formed XML: %v", err)
		}
		switch tt := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(tt)) == 0 {
				continue
			}
		case xml.StartElement: // the namespace is in the raw body above
			tt.Name.Space, tt.Attr = "", nil
			tok = tt
		case xml.EndElement:
			tt.Name.Space = ""
			tok = tt
		}
		if err := e.EncodeToken(tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
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
