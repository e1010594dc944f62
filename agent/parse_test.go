package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stewardhq/steward/agentproto"
)

func TestEvalPrecondition(t *testing.T) {
	cases := []struct {
		in   string
		want bool
		err  bool
	}{
		{`{"StringEquals": ["platformType", "Linux"]}`, true, false},
		{`{"StringEquals": ["Linux", "platformType"]}`, true, false},
		{`{"StringEquals": ["PLATFORMTYPE", "linux"]}`, true, false},
		{`{"StringEquals": ["platformType", "Windows"]}`, false, false},
		{`{"StringEquals": ["macos", "platformType"]}`, false, false},
		{`{"StringEquals": ["prod", "prod"]}`, true, false},
		{`{"StringEquals": ["prod", "dev"]}`, false, false},
		{`{"StringEquals": ["{{ env }}", "dev"]}`, false, true},
		{`{"StringLike": ["platformType", "Linux"]}`, false, true},
		{`{"stringEquals": ["platformType", "Linux"]}`, false, true},
		{`{"StringEquals": ["platformType"]}`, false, true},
		{`{"StringEquals": ["platformType", "Linux", "x"]}`, false, true},
		{`{"StringEquals": "platformType"}`, false, true},
		{`{"StringEquals": ["platformType", "Linux"], "Other": []}`, false, true},
		{`{}`, false, true},
		{`[]`, false, true},
		{`"x"`, false, true},
	}
	for _, tc := range cases {
		got, err := EvalPrecondition(json.RawMessage(tc.in), PlatformLinux)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("EvalPrecondition(%s) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func FuzzEvalPrecondition(f *testing.F) {
	for _, s := range []string{`{"StringEquals": ["platformType", "Linux"]}`, `{"StringEquals": ["a", "a"]}`, `{"X": 1}`, `null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ok, err := EvalPrecondition(json.RawMessage(in), PlatformLinux)
		if err != nil && ok {
			t.Fatal("true with an error")
		}
	})
}

func TestParseOSRelease(t *testing.T) {
	got := ParseOSRelease([]byte("# comment\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\nPRETTY_NAME='Debian 12'\nBAD LINE\nESC=\"a \\\"b\\\"\"\n"))
	want := map[string]string{"NAME": "Debian GNU/Linux", "VERSION_ID": "12", "ID": "debian", "PRETTY_NAME": "Debian 12", "ESC": `a "b"`}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
}

func FuzzParseOSRelease(f *testing.F) {
	f.Add([]byte("NAME=\"Ubuntu\"\nVERSION_ID=22.04\n"))
	f.Add([]byte("A='\nB=\"\\x\"\n=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for k := range ParseOSRelease(data) {
			if k == "" || strings.ContainsAny(k, " \t\n") {
				t.Fatalf("bad key %q", k)
			}
		}
	})
}

// writeChunks feeds data to a maskWriter in pieces of the given sizes.
func writeChunks(secrets []string, data []byte, sizes []int) string {
	var out bytes.Buffer
	set := &secretSet{}
	set.add(secrets...)
	w := &maskWriter{secrets: set, dst: &out}
	for i := 0; len(data) > 0; i++ {
		n := 1
		if len(sizes) > 0 {
			n = max(1, sizes[i%len(sizes)])
		}
		n = min(n, len(data))
		w.Write(data[:n])
		data = data[n:]
	}
	w.Flush()
	return out.String()
}

func TestMaskWriter(t *testing.T) {
	secrets := []string{"hunter2", "abc"}
	in := []byte("pw=hunter2; again hunter2hunter2; ab abc ✓ hunte")
	want := "pw=****; again ********; ab **** ✓ hunte"
	for _, sizes := range [][]int{nil, {1}, {2}, {3, 5}, {7}, {100}} {
		if got := writeChunks(secrets, in, sizes); got != want {
			t.Errorf("chunks %v: %q, want %q", sizes, got, want)
		}
	}
	// Invalid UTF-8 becomes valid, multi-byte characters are never split.
	if got := writeChunks(nil, []byte("a\xffb é"), []int{1}); got != "a\uFFFDb é" {
		t.Errorf("utf8: %q", got)
	}
}

func FuzzMaskWriter(f *testing.F) {
	f.Add("token", []byte("xx token yy tok en tokentoken"), []byte{1, 2, 3})
	f.Add("ab", []byte("aab\xe2\x9c\x93abab"), []byte{1})
	f.Fuzz(func(t *testing.T, secret string, data []byte, sizes []byte) {
		if len(secret) < 2 || !utf8.ValidString(secret) || strings.ContainsAny(secret, "*\uFFFD") {
			return
		}
		sz := make([]int, len(sizes))
		for i, s := range sizes {
			sz[i] = int(s)
		}
		got := writeChunks([]string{secret}, data, sz)
		whole := writeChunks([]string{secret}, data, []int{len(data) + 1})
		if got != whole {
			t.Fatalf("chunking changed the output: %q vs %q", got, whole)
		}
		if strings.Contains(got, secret) {
			t.Fatalf("secret %q leaked in %q", secret, got)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 out: %q", got)
		}
	})
}

func TestErrorClassification(t *testing.T) {
	se := func(status int, code string) error { return &ServerError{StatusCode: status, Code: code} }
	cases := []struct {
		err        error
		fatal      error
		gone, down bool
	}{
		// fleet answers Deregistered with 403 and a bad signature with 401.
		{se(403, agentproto.CodeDeregistered), ErrDeregistered, false, false},
		{se(401, agentproto.CodeUnauthorized), ErrDeregistered, false, false},
		{se(401, ""), ErrDeregistered, false, false},
		{se(426, agentproto.CodeUpgradeRequired), ErrUpgradeRequired, false, false},
		{se(404, agentproto.CodeNotFound), nil, true, false},
		{se(410, ""), nil, true, false},
		{se(400, agentproto.CodeBadRequest), nil, false, false},
		{se(503, ""), nil, false, true},
		{errors.New("connection refused"), nil, false, true},
	}
	for _, tc := range cases {
		if f := fatal(tc.err); !errors.Is(f, tc.fatal) || (tc.fatal == nil) != (f == nil) {
			t.Errorf("fatal(%v) = %v, want %v", tc.err, f, tc.fatal)
		}
		if gone(tc.err) != tc.gone || serverDown(tc.err) != tc.down {
			t.Errorf("%v: gone %v down %v", tc.err, gone(tc.err), serverDown(tc.err))
		}
	}
}
