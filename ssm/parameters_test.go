package ssm_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/keyring"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

const (
	paramAccount = "123456789012"
	paramRegion  = "eu-west-1"
	paramCaller  = "arn:aws:iam::123456789012:user/alice"
)

var paramT0 = time.Date(2026, 1, 21, 10, 15, 0, 123_000_000, time.UTC)

type paramFixture struct {
	p     *ssm.Parameters
	tags  *ssm.Tags
	db    *sqlstore.DB
	ring  *keyring.Keyring
	clock *steward.FakeClock
	ctx   context.Context
}

func newParamFixture(t *testing.T) *paramFixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ring, err := keyring.New(keyring.Generate())
	if err != nil {
		t.Fatal(err)
	}
	clock := steward.NewFakeClock(paramT0)
	p := ssm.NewParameters(db, ring, ssm.Env{Clock: clock, Account: paramAccount, Region: paramRegion})
	tags := ssm.NewTags(db, map[string]func(context.Context, string) error{ssm.ResourceParameter: p.Exists})
	ctx := steward.WithCaller(context.Background(), &steward.Caller{ARN: paramCaller, Account: paramAccount, Region: paramRegion})
	return &paramFixture{p: p, tags: tags, db: db, ring: ring, clock: clock, ctx: ctx}
}

func sptr(s string) *string { return &s }
func i64(v int64) *int64    { return &v }
func num(v int) *int        { return &v }

func wantErrCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func (f *paramFixture) put(t *testing.T, in ssm.PutParameterInput) *ssm.PutParameterOutput {
	t.Helper()
	out, err := f.p.PutParameter(f.ctx, in)
	if err != nil {
		t.Fatalf("PutParameter(%s): %v", in.Name, err)
	}
	return out
}

func (f *paramFixture) putString(t *testing.T, name, value string) *ssm.PutParameterOutput {
	t.Helper()
	return f.put(t, ssm.PutParameterInput{Name: name, Value: &value, Type: ssm.TypeString, Overwrite: true})
}

func (f *paramFixture) get(t *testing.T, name string, decrypt bool) *ssm.Parameter {
	t.Helper()
	p, err := f.p.GetParameter(f.ctx, name, decrypt)
	if err != nil {
		t.Fatalf("GetParameter(%s): %v", name, err)
	}
	return p
}

func TestPutGetTypes(t *testing.T) {
	f := newParamFixture(t)
	out := f.put(t, ssm.PutParameterInput{Name: "/app/url", Value: sptr("https://x"), Type: ssm.TypeString, Description: sptr("the url")})
	if out.Version != 1 || out.Tier != ssm.TierStandard {
		t.Fatalf("PutParameter = %+v", out)
	}
	got := f.get(t, "/app/url", false)
	want := ssm.Parameter{Name: "/app/url", Type: "String", Value: "https://x", Version: 1, LastModifiedDate: paramT0.Truncate(time.Millisecond),
		ARN: "arn:aws:ssm:eu-west-1:123456789012:parameter/app/url", DataType: "text"}
	if *got != want {
		t.Fatalf("GetParameter = %+v\nwant %+v", *got, want)
	}
	// StringList values are kept exactly as given (comma-joined, no escaping).
	f.put(t, ssm.PutParameterInput{Name: "list", Value: sptr("a,b, c,,d"), Type: ssm.TypeStringList})
	if l := f.get(t, "list", true); l.Value != "a,b, c,,d" || l.Type != ssm.TypeStringList || l.ARN != "arn:aws:ssm:eu-west-1:123456789012:parameter/list" {
		t.Fatalf("StringList = %+v", l)
	}
}

func TestSecureString(t *testing.T) {
	f := newParamFixture(t)
	for i, secret := range []string{"hunter2-S3cr3t", "パスワードは秘密です🔑"} {
		name := fmt.Sprint("/sec/", i)
		f.put(t, ssm.PutParameterInput{Name: name, Value: &secret, Type: ssm.TypeSecureString})
		plain := f.get(t, name, true)
		if plain.Value != secret || plain.Type != ssm.TypeSecureString {
			t.Fatalf("with decryption = %+v", plain)
		}
		enc := f.get(t, name, false)
		if enc.Value == secret || strings.Contains(enc.Value, secret) {
			t.Fatalf("without decryption the plaintext came back: %q", enc.Value)
		}
		sealed, err := base64.StdEncoding.DecodeString(enc.Value)
		if err != nil {
			t.Fatalf("ciphertext is not base64: %v", err)
		}
		if bytes.Contains(sealed, []byte(secret)) {
			t.Fatal("ciphertext contains the plaintext")
		}
		// Bound to the parameter: it opens only with the parameter's key as AAD.
		if pt, err := f.ring.Open(sealed, []byte(ssm.ParameterKey(name))); err != nil || string(pt) != secret {
			t.Fatalf("open with the parameter key: %q, %v", pt, err)
		}
		if _, err := f.ring.Open(sealed, []byte("other")); err == nil {
			t.Fatal("sealed value opens for another parameter")
		}
	}
	// Default and explicit KMS keys; KeyId only for SecureString.
	md := describeOne(t, f, "/sec/1")
	if md.KeyID != ssm.DefaultKeyID {
		t.Fatalf("default KeyId = %q", md.KeyID)
	}
	f.put(t, ssm.PutParameterInput{Name: "/sec/custom", Value: sptr("x"), Type: ssm.TypeSecureString, KeyID: sptr("alias/mine")})
	if md := describeOne(t, f, "/sec/custom"); md.KeyID != "alias/mine" {
		t.Fatalf("custom KeyId = %q", md.KeyID)
	}
	_, err := f.p.PutParameter(f.ctx, ssm.PutParameterInput{Name: "/plain", Value: sptr("x"), Type: ssm.TypeString, KeyID: sptr("alias/mine")})
	wantErrCode(t, err, steward.CodeValidation)
	_, err = f.p.PutParameter(f.ctx, ssm.PutParameterInput{Name: "/sec/bad", Value: sptr("x"), Type: ssm.TypeSecureString, KeyID: sptr("alias/bad key!")})
	wantErrCode(t, err, steward.CodeValidation)
	// Overwrite without KeyId keeps the key; the value stays sealed.
	f.put(t, ssm.PutParameterInput{Name: "/sec/custom", Value: sptr("y"), Overwrite: true})
	if md := describeOne(t, f, "/sec/custom"); md.KeyID != "alias/mine" || md.Type != ssm.TypeSecureString || md.Version != 2 {
		t.Fatalf("after overwrite = %+v", md)
	}
	if got := f.get(t, "/sec/custom", true); got.Value != "y" {
		t.Fatalf("overwritten secret = %q", got.Value)
	}
	assertNoPlaintext(t, f.db, "hunter2-S3cr3t", "パスワードは秘密です🔑")
}

// assertNoPlaintext reads every stored value and fails when one holds a
// secret's plaintext.
func assertNoPlaintext(t *testing.T, db *sqlstore.DB, secrets ...string) {
	t.Helper()
	_, read := db.Pools()
	for _, q := range []string{`SELECT value FROM parameters`, `SELECT value FROM parameter_versions`, `SELECT detail FROM outbox`} {
		rows, err := read.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v []byte
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(v, []byte(s)) {
					t.Fatalf("%s: a stored value holds the plaintext %q", q, s)
				}
			}
		}
		rows.Close()
	}
}

func describeOne(t *testing.T, f *paramFixture, name string) *ssm.ParameterMetadata {
	t.Helper()
	mds, _, err := f.p.DescribeParameters(f.ctx, ssm.DescribeParametersInput{ParameterFilters: []ssm.ParameterFilter{{Key: "Name", Values: []string{name}}}})
	if err != nil || len(mds) != 1 {
		t.Fatalf("DescribeParameters(Name=%s) = %v, %v", name, mds, err)
	}
	return mds[0]
}

func TestPutRules(t *testing.T) {
	f := newParamFixture(t)
	f.put(t, ssm.PutParameterInput{Name: "/exists", Value: sptr("v"), Type: ssm.TypeString, Description: sptr("kept")})
	long := strings.Repeat("x", 4097)
	cases := []struct {
		name string
		in   ssm.PutParameterInput
		code string
	}{
		{"exists without overwrite", ssm.PutParameterInput{Name: "/exists", Value: sptr("v"), Type: ssm.TypeString}, ssm.CodeParameterAlreadyExists},
		{"same parameter without slash", ssm.PutParameterInput{Name: "exists", Value: sptr("v"), Type: ssm.TypeString}, ssm.CodeParameterAlreadyExists},
		{"tags with overwrite", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Overwrite: true, Tags: []ssm.Tag{{Key: "a", Value: "b"}}}, steward.CodeValidation},
		{"no type on create", ssm.PutParameterInput{Name: "/new", Value: sptr("v")}, steward.CodeValidation},
		{"bad type", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: "Integer"}, steward.CodeValidation},
		{"type change", ssm.PutParameterInput{Name: "/exists", Value: sptr("v"), Type: ssm.TypeSecureString, Overwrite: true}, ssm.CodeHierarchyTypeMismatch},
		{"no value", ssm.PutParameterInput{Name: "/new", Type: ssm.TypeString}, steward.CodeValidation},
		{"empty value", ssm.PutParameterInput{Name: "/new", Value: sptr(""), Type: ssm.TypeString}, steward.CodeValidation},
		{"nested parameter", ssm.PutParameterInput{Name: "/new", Value: sptr("x{{ssm:/other}}"), Type: ssm.TypeString}, steward.CodeValidation},
		{"too big for standard", ssm.PutParameterInput{Name: "/new", Value: &long, Type: ssm.TypeString}, steward.CodeValidation},
		{"too big for advanced", ssm.PutParameterInput{Name: "/new", Value: sptr(strings.Repeat("x", 8193)), Type: ssm.TypeString, Tier: ssm.TierAdvanced}, steward.CodeValidation},
		{"bad tier", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Tier: "Premium"}, steward.CodeValidation},
		{"description too long", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Description: sptr(strings.Repeat("d", 1025))}, steward.CodeValidation},
		{"pattern mismatch", ssm.PutParameterInput{Name: "/new", Value: sptr("abc"), Type: ssm.TypeString, AllowedPattern: sptr(`^\d+$`)}, ssm.CodeParameterPatternMismatch},
		{"bad pattern", ssm.PutParameterInput{Name: "/new", Value: sptr("1"), Type: ssm.TypeString, AllowedPattern: sptr(`(`)}, ssm.CodeInvalidAllowedPattern},
		{"bad data type", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, DataType: "Text"}, steward.CodeValidation},
		{"bad ami", ssm.PutParameterInput{Name: "/new", Value: sptr("ami-xyz"), Type: ssm.TypeString, DataType: ssm.DataTypeEC2Image}, steward.CodeValidation},
		{"ami on a list", ssm.PutParameterInput{Name: "/new", Value: sptr("ami-0123456789abcdef0"), Type: ssm.TypeStringList, DataType: ssm.DataTypeEC2Image}, steward.CodeValidation},
		{"policies on standard", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Tier: ssm.TierStandard, Policies: sptr(`[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}}]`)}, steward.CodeValidation},
		{"policy type", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Tier: ssm.TierAdvanced, Policies: sptr(`[{"Type":"SelfDestruct","Version":"1.0","Attributes":{}}]`)}, ssm.CodeInvalidPolicyType},
		{"policy attribute", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Tier: ssm.TierAdvanced, Policies: sptr(`[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"tomorrow"}}]`)}, ssm.CodeInvalidPolicyAttribute},
		{"policies not json", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Tier: ssm.TierAdvanced, Policies: sptr(`{`)}, ssm.CodeInvalidPolicyAttribute},
		{"two expirations", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Tier: ssm.TierAdvanced, Policies: sptr(`[{"Type":"Expiration","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}},{"Type":"Expiration","Attributes":{"Timestamp":"2031-01-01T00:00:00Z"}}]`)}, ssm.CodeIncompatiblePolicy},
		{"too many policies", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Tier: ssm.TierAdvanced, Policies: sptr("[" + strings.TrimSuffix(strings.Repeat(`{"Type":"Expiration"},`, 11), ",") + "]")}, ssm.CodePoliciesLimitExceeded},
		{"too many tags", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Tags: manyParamTags(51)}, ssm.CodeTooManyTagsError},
		{"NUL in description", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Description: sptr("a\x00b")}, steward.CodeValidation},
		{"bad tag key", ssm.PutParameterInput{Name: "/new", Value: sptr("v"), Type: ssm.TypeString, Tags: []ssm.Tag{{Key: "a*b", Value: "v"}}}, steward.CodeValidation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.p.PutParameter(f.ctx, c.in)
			wantErrCode(t, err, c.code)
		})
	}
	if _, err := f.p.GetParameter(f.ctx, "/new", false); steward.ErrorCode(err) != ssm.CodeParameterNotFound {
		t.Fatalf("a refused put created the parameter: %v", err)
	}
	// Overwrite keeps what it does not change.
	f.put(t, ssm.PutParameterInput{Name: "/exists", Value: sptr("w"), Overwrite: true})
	md := describeOne(t, f, "/exists")
	if md.Description != "kept" || md.Type != ssm.TypeString || md.Version != 2 {
		t.Fatalf("after overwrite = %+v", md)
	}
	f.put(t, ssm.PutParameterInput{Name: "/exists", Value: sptr("w"), Overwrite: true, Description: sptr("")})
	if md := describeOne(t, f, "/exists"); md.Description != "" {
		t.Fatalf("description not cleared: %q", md.Description)
	}
	// An allowed pattern stays and applies to later values.
	f.put(t, ssm.PutParameterInput{Name: "/digits", Value: sptr("42"), Type: ssm.TypeString, AllowedPattern: sptr(`^\d+$`)})
	_, err := f.p.PutParameter(f.ctx, ssm.PutParameterInput{Name: "/digits", Value: sptr("x"), Overwrite: true})
	wantErrCode(t, err, ssm.CodeParameterPatternMismatch)
	f.put(t, ssm.PutParameterInput{Name: "/ami", Value: sptr("ami-0123456789abcdef0"), Type: ssm.TypeString, DataType: ssm.DataTypeEC2Image})
	if got := f.get(t, "/ami", false); got.DataType != ssm.DataTypeEC2Image {
		t.Fatalf("DataType = %q", got.DataType)
	}
}

func manyParamTags(n int) []ssm.Tag {
	var tags []ssm.Tag
	for i := 0; i < n; i++ {
		tags = append(tags, ssm.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
	}
	return tags
}

func TestNames(t *testing.T) {
	f := newParamFixture(t)
	deep := "/" + strings.Repeat("l/", 14) + "name" // 15 levels
	cases := []struct {
		name string
		code string
	}{
		{"simple", ""},
		{"/a/b-c_d.e/F9", ""},
		{deep, ""},
		{"/" + strings.Repeat("l/", 15) + "name", ssm.CodeHierarchyLevelLimitExceeded},
		{"has space", steward.CodeValidation},
		{"bad*char", steward.CodeValidation},
		{"a/b", steward.CodeValidation},
		{"/a//b", steward.CodeValidation},
		{"/a/", steward.CodeValidation},
		{"/", steward.CodeValidation},
		{"pärameter", steward.CodeValidation},
		{"name:1", steward.CodeValidation},
		{"awsParam", steward.CodeValidation},
		{"SSM-param", steward.CodeValidation},
		{"/ssm/x", steward.CodeValidation},
		{"/Ssmx/y", steward.CodeValidation},
		{"/aws/x", steward.CodeAccessDenied},
		{"/AWSsec/lab/x", steward.CodeAccessDenied},
		{"/aws", steward.CodeValidation},
		{"/" + strings.Repeat("n", 1011-len("arn:aws:ssm:eu-west-1:123456789012:parameter/")), ""},
		{"/" + strings.Repeat("n", 1012-len("arn:aws:ssm:eu-west-1:123456789012:parameter/")), steward.CodeValidation},
		{strings.Repeat("n", 2049), steward.CodeValidation},
		{"", steward.CodeValidation},
	}
	for _, c := range cases {
		_, err := f.p.PutParameter(f.ctx, ssm.PutParameterInput{Name: c.name, Value: sptr("v"), Type: ssm.TypeString})
		if got := steward.ErrorCode(err); got != c.code {
			t.Errorf("PutParameter(%.40q) = %v, want code %q", c.name, err, c.code)
		}
	}
	// Surrounding spaces are removed; "/x" and "x" are one parameter whose
	// name keeps its first spelling.
	f.put(t, ssm.PutParameterInput{Name: "  /trimmed ", Value: sptr("v"), Type: ssm.TypeString})
	for _, n := range []string{"/trimmed", "trimmed", " trimmed"} {
		if got := f.get(t, n, false); got.Name != "/trimmed" || got.ARN != "arn:aws:ssm:eu-west-1:123456789012:parameter/trimmed" {
			t.Fatalf("GetParameter(%q) = %+v", n, got)
		}
	}
	f.put(t, ssm.PutParameterInput{Name: "trimmed", Value: sptr("w"), Overwrite: true})
	if got := f.get(t, "/trimmed", false); got.Name != "/trimmed" || got.Version != 2 || got.Value != "w" {
		t.Fatalf("after overwrite via the other spelling = %+v", got)
	}
	// Parameter names are case-sensitive.
	if _, err := f.p.GetParameter(f.ctx, "/TRIMMED", false); steward.ErrorCode(err) != ssm.CodeParameterNotFound {
		t.Fatalf("case-insensitive lookup: %v", err)
	}
	// Reading a /aws/ name is allowed (public parameters); it just is not here.
	_, err := f.p.GetParameter(f.ctx, "/aws/service/ami-amazon-linux-latest/x", false)
	wantErrCode(t, err, ssm.CodeParameterNotFound)
	_, err = f.p.GetParameter(f.ctx, "a/b", false)
	wantErrCode(t, err, steward.CodeValidation)
}

func TestSelectorsAndARNs(t *testing.T) {
	f := newParamFixture(t)
	for i := 1; i <= 3; i++ {
		f.putString(t, "/sel/p", fmt.Sprint("v", i))
	}
	f.putString(t, "root", "r")
	if _, err := f.p.LabelParameterVersion(f.ctx, "/sel/p", i64(2), []string{"prod"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, value, selector string
		version               int64
	}{
		{"/sel/p", "v3", "", 3},
		{"/sel/p:1", "v1", ":1", 1},
		{"/sel/p:prod", "v2", ":prod", 2},
		{"sel/p:prod", "", "", 0}, // a path needs its leading slash
		{"arn:aws:ssm:eu-west-1:123456789012:parameter/sel/p", "v3", "", 3},
		{"arn:aws:ssm:eu-west-1:123456789012:parameter/sel/p:1", "v1", ":1", 1},
		{"arn:aws:ssm:eu-west-1:123456789012:parameter/root", "r", "", 1},
	}
	for _, c := range cases {
		got, err := f.p.GetParameter(f.ctx, c.name, false)
		if c.version == 0 {
			wantErrCode(t, err, steward.CodeValidation)
			continue
		}
		if err != nil {
			t.Fatalf("GetParameter(%s): %v", c.name, err)
		}
		if got.Value != c.value || got.Selector != c.selector || got.Version != c.version {
			t.Errorf("GetParameter(%s) = %+v", c.name, got)
		}
	}
	errs := []struct {
		name, code string
	}{
		{"/sel/p:9", ssm.CodeParameterVersionNotFound},
		{"/sel/p:0", ssm.CodeParameterVersionNotFound},
		{"/sel/p:nolabel", ssm.CodeParameterVersionNotFound},
		{"/none:1", ssm.CodeParameterNotFound},
		{"/none", ssm.CodeParameterNotFound},
		{"/sel/p:1:2", steward.CodeValidation},
		{"/sel/p:a\x00b", steward.CodeValidation},
		{"/sel/p:", steward.CodeValidation},
		{"/sel/p:99999999999999999999", steward.CodeValidation},
		{"arn:aws:ssm:us-east-1:123456789012:parameter/sel/p", ssm.CodeParameterNotFound},
		{"arn:aws:ssm:eu-west-1:999999999999:parameter/sel/p", ssm.CodeParameterNotFound},
		{"arn:aws:s3:::bucket", steward.CodeValidation},
		{"arn:aws:ssm:eu-west-1:123456789012:document/x", steward.CodeValidation},
	}
	for _, c := range errs {
		_, err := f.p.GetParameter(f.ctx, c.name, false)
		if got := steward.ErrorCode(err); got != c.code {
			t.Errorf("GetParameter(%s) = %v, want %s", c.name, err, c.code)
		}
	}
}

func TestGetParameters(t *testing.T) {
	f := newParamFixture(t)
	f.putString(t, "/b", "B")
	f.putString(t, "/a", "A1")
	f.putString(t, "/a", "A2")
	f.put(t, ssm.PutParameterInput{Name: "/s", Value: sptr("secret"), Type: ssm.TypeSecureString})
	out, err := f.p.GetParameters(f.ctx, []string{"/b", "/missing", "/a:1", "/a", "/s", "bad name", "/a", "/a:7"}, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range out.Parameters {
		got = append(got, p.Name+p.Selector+"="+p.Value)
	}
	if want := []string{"/a=A2", "/a:1=A1", "/b=B", "/s=secret"}; !slices.Equal(got, want) {
		t.Fatalf("Parameters = %v, want %v", got, want)
	}
	if want := []string{"/missing", "bad name", "/a:7"}; !slices.Equal(out.InvalidParameters, want) {
		t.Fatalf("InvalidParameters = %v, want %v", out.InvalidParameters, want)
	}
	out, err = f.p.GetParameters(f.ctx, []string{"/a"}, false)
	if err != nil || out.InvalidParameters == nil || len(out.InvalidParameters) != 0 {
		t.Fatalf("InvalidParameters must be [] when empty: %#v, %v", out, err)
	}
	out, err = f.p.GetParameters(f.ctx, []string{"/nope"}, false)
	if err != nil || out.Parameters == nil || len(out.Parameters) != 0 {
		t.Fatalf("Parameters must be [] when empty: %#v, %v", out, err)
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprint("/p", i)
	}
	_, err = f.p.GetParameters(f.ctx, eleven, false)
	wantErrCode(t, err, steward.CodeValidation)
	_, err = f.p.GetParameters(f.ctx, nil, false)
	wantErrCode(t, err, steward.CodeValidation)
	// Without decryption a SecureString comes back as ciphertext.
	out, _ = f.p.GetParameters(f.ctx, []string{"/s"}, false)
	if out.Parameters[0].Value == "secret" {
		t.Fatal("GetParameters returned plaintext without decryption")
	}
}

func TestGetParametersByPath(t *testing.T) {
	f := newParamFixture(t)
	for i := 0; i < 13; i++ {
		f.putString(t, fmt.Sprintf("/app/prod/k%02d", i), fmt.Sprint(i))
	}
	f.putString(t, "/app/top", "t")
	f.put(t, ssm.PutParameterInput{Name: "/app/prod/deep/secret", Value: sptr("s3"), Type: ssm.TypeSecureString, KeyID: sptr("alias/k")})
	f.putString(t, "/apple", "no")
	f.putString(t, "rootparam", "r")

	all := func(in ssm.GetParametersByPathInput) []*ssm.Parameter {
		t.Helper()
		var out []*ssm.Parameter
		for i := 0; ; i++ {
			page, next, err := f.p.GetParametersByPath(f.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, page...)
			if next == "" {
				return out
			}
			in.NextToken = next
			if i > 100 {
				t.Fatal("endless pagination")
			}
		}
	}
	names := func(ps []*ssm.Parameter) []string {
		var s []string
		for _, p := range ps {
			s = append(s, p.Name)
		}
		return s
	}
	rec := all(ssm.GetParametersByPathInput{Path: "/app", Recursive: true, WithDecryption: true, MaxResults: num(4)})
	if len(rec) != 15 || rec[0].Name != "/app/prod/deep/secret" || rec[0].Value != "s3" {
		t.Fatalf("recursive = %v", names(rec))
	}
	one := all(ssm.GetParametersByPathInput{Path: "/app/"})
	if got := names(one); !slices.Equal(got, []string{"/app/top"}) {
		t.Fatalf("one level = %v", got)
	}
	if got := names(all(ssm.GetParametersByPathInput{Path: "/"})); !slices.Equal(got, []string{"/apple", "rootparam"}) {
		t.Fatalf("root = %v", got)
	}
	sec := all(ssm.GetParametersByPathInput{Path: "/app", Recursive: true, ParameterFilters: []ssm.ParameterFilter{{Key: "Type", Values: []string{"SecureString"}}}})
	if len(sec) != 1 || sec[0].Value == "s3" {
		t.Fatalf("secure without decryption = %+v", sec)
	}
	byKey := all(ssm.GetParametersByPathInput{Path: "/app", Recursive: true, ParameterFilters: []ssm.ParameterFilter{{Key: "KeyId", Option: "BeginsWith", Values: []string{"alias/"}}}})
	if len(byKey) != 1 {
		t.Fatalf("KeyId filter = %v", names(byKey))
	}
	// A Label filter returns the labelled version.
	f.putString(t, "/app/prod/k01", "new")
	if _, err := f.p.LabelParameterVersion(f.ctx, "/app/prod/k01", i64(1), []string{"Stable"}); err != nil {
		t.Fatal(err)
	}
	lab := all(ssm.GetParametersByPathInput{Path: "/app/prod", ParameterFilters: []ssm.ParameterFilter{{Key: "Label", Values: []string{"Stable"}}}})
	if len(lab) != 1 || lab[0].Value != "1" || lab[0].Version != 1 {
		t.Fatalf("label filter = %+v", lab)
	}

	errs := []struct {
		in   ssm.GetParametersByPathInput
		code string
	}{
		{ssm.GetParametersByPathInput{Path: "app"}, steward.CodeValidation},
		{ssm.GetParametersByPathInput{Path: "/app//x"}, steward.CodeValidation},
		{ssm.GetParametersByPathInput{Path: ""}, steward.CodeValidation},
		{ssm.GetParametersByPathInput{Path: "/app", MaxResults: num(11)}, steward.CodeValidation},
		{ssm.GetParametersByPathInput{Path: "/app", MaxResults: num(0)}, steward.CodeValidation},
		{ssm.GetParametersByPathInput{Path: "/app", NextToken: "garbage"}, ssm.CodeParameterInvalidNextToken},
		{ssm.GetParametersByPathInput{Path: "/app", ParameterFilters: []ssm.ParameterFilter{{Key: "Name", Values: []string{"x"}}}}, ssm.CodeParameterInvalidFilterKey},
		{ssm.GetParametersByPathInput{Path: "/app", ParameterFilters: []ssm.ParameterFilter{{Key: "tag:x", Values: []string{"x"}}}}, ssm.CodeParameterInvalidFilterKey},
		{ssm.GetParametersByPathInput{Path: "/app", ParameterFilters: []ssm.ParameterFilter{{Key: "Label", Option: "BeginsWith", Values: []string{"x"}}}}, ssm.CodeParameterInvalidFilterOption},
		{ssm.GetParametersByPathInput{Path: "/app", ParameterFilters: []ssm.ParameterFilter{{Key: "Type", Option: "Contains", Values: []string{"x"}}}}, ssm.CodeParameterInvalidFilterOption},
		{ssm.GetParametersByPathInput{Path: "/app", ParameterFilters: []ssm.ParameterFilter{{Key: "Type", Values: []string{"Number"}}}}, ssm.CodeParameterInvalidFilterValue},
		{ssm.GetParametersByPathInput{Path: "/app", ParameterFilters: []ssm.ParameterFilter{{Key: "Type"}}}, ssm.CodeParameterInvalidFilterValue},
		{ssm.GetParametersByPathInput{Path: "/app", ParameterFilters: []ssm.ParameterFilter{{Key: "Type", Values: []string{"String"}}, {Key: "Type", Values: []string{"String"}}}}, ssm.CodeParameterInvalidFilterKey},
		{ssm.GetParametersByPathInput{Path: "/app", ParameterFilters: []ssm.ParameterFilter{{Key: "Bogus", Values: []string{"x"}}}}, steward.CodeValidation},
	}
	for i, c := range errs {
		_, _, err := f.p.GetParametersByPath(f.ctx, c.in)
		if got := steward.ErrorCode(err); got != c.code {
			t.Errorf("case %d (%+v) = %v, want %s", i, c.in, err, c.code)
		}
	}
}

func TestDescribeParameters(t *testing.T) {
	f := newParamFixture(t)
	f.put(t, ssm.PutParameterInput{Name: "/svc/api/url", Value: sptr("u"), Type: ssm.TypeString, Description: sptr("API url"), Tags: []ssm.Tag{{Key: "env", Value: "prod"}}})
	f.put(t, ssm.PutParameterInput{Name: "/svc/api/key", Value: sptr("k"), Type: ssm.TypeSecureString})
	f.put(t, ssm.PutParameterInput{Name: "/svc/db/hosts", Value: sptr("a,b"), Type: ssm.TypeStringList, Tier: ssm.TierAdvanced,
		Policies: sptr(`[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00.000Z"}},{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"30","Unit":"Days"}}]`)})
	f.put(t, ssm.PutParameterInput{Name: "plain", Value: sptr("p"), Type: ssm.TypeString, Tier: ssm.TierIntelligentTiering})

	describe := func(in ssm.DescribeParametersInput) []string {
		t.Helper()
		var names []string
		for {
			mds, next, err := f.p.DescribeParameters(f.ctx, in)
			if err != nil {
				t.Fatalf("DescribeParameters(%+v): %v", in, err)
			}
			for _, m := range mds {
				names = append(names, m.Name)
			}
			if next == "" {
				return names
			}
			in.NextToken = next
		}
	}
	pf := func(key, opt string, values ...string) []ssm.ParameterFilter {
		return []ssm.ParameterFilter{{Key: key, Option: opt, Values: values}}
	}
	cases := []struct {
		in   ssm.DescribeParametersInput
		want []string
	}{
		{ssm.DescribeParametersInput{MaxResults: num(1)}, []string{"plain", "/svc/api/key", "/svc/api/url", "/svc/db/hosts"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Name", "BeginsWith", "/svc/api")}, []string{"/svc/api/key", "/svc/api/url"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Name", "Contains", "db")}, []string{"/svc/db/hosts"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Name", "", "svc/api/url")}, []string{"/svc/api/url"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Type", "", "SecureString", "StringList")}, []string{"/svc/api/key", "/svc/db/hosts"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("KeyId", "", "alias/aws/ssm")}, []string{"/svc/api/key"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Tier", "", "Advanced")}, []string{"/svc/db/hosts"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("DataType", "", "text")}, []string{"plain", "/svc/api/key", "/svc/api/url", "/svc/db/hosts"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Path", "", "/svc")}, nil},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Path", "Recursive", "/svc")}, []string{"/svc/api/key", "/svc/api/url", "/svc/db/hosts"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Path", "OneLevel", "/svc/api/")}, []string{"/svc/api/key", "/svc/api/url"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Path", "OneLevel", "/")}, []string{"plain"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("tag:env", "", "prod")}, []string{"/svc/api/url"}},
		{ssm.DescribeParametersInput{ParameterFilters: pf("tag:env", "")}, []string{"/svc/api/url"}},
		{ssm.DescribeParametersInput{Filters: pf("Name", "", "/svc/db")}, []string{"/svc/db/hosts"}},
		{ssm.DescribeParametersInput{Filters: pf("Type", "", "String")}, []string{"plain", "/svc/api/url"}},
		{ssm.DescribeParametersInput{Shared: true}, nil},
	}
	for _, c := range cases {
		if got := describe(c.in); !slices.Equal(got, c.want) {
			t.Errorf("DescribeParameters(%+v) = %v, want %v", c.in, got, c.want)
		}
	}
	md := describeOne(t, f, "/svc/db/hosts")
	if md.Tier != ssm.TierAdvanced || len(md.Policies) != 2 || md.Policies[0].Type != "Expiration" || md.Policies[0].Status != "Pending" ||
		md.LastModifiedUser != paramCaller || md.ARN != "arn:aws:ssm:eu-west-1:123456789012:parameter/svc/db/hosts" {
		t.Fatalf("metadata = %+v", md)
	}
	if md := describeOne(t, f, "plain"); md.Tier != ssm.TierStandard || md.Policies == nil {
		t.Fatalf("intelligent-tiering small value = %+v", md)
	}
	errs := []struct {
		in   ssm.DescribeParametersInput
		code string
	}{
		{ssm.DescribeParametersInput{ParameterFilters: pf("Label", "", "x")}, ssm.CodeParameterInvalidFilterKey},
		{ssm.DescribeParametersInput{ParameterFilters: pf("tag-key", "", "x")}, steward.CodeValidation},
		{ssm.DescribeParametersInput{ParameterFilters: pf("tag:", "", "x")}, steward.CodeValidation},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Name", "Like", "x")}, ssm.CodeParameterInvalidFilterOption},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Name", "TooLongOption", "x")}, steward.CodeValidation},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Path", "Equals", "/x")}, ssm.CodeParameterInvalidFilterOption},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Path", "", "/aws/x")}, steward.CodeValidation},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Path", "", "x")}, steward.CodeValidation},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Tier", "", "Gold")}, ssm.CodeParameterInvalidFilterValue},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Name", "")}, ssm.CodeParameterInvalidFilterValue},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Name", "", "")}, steward.CodeValidation},
		{ssm.DescribeParametersInput{Filters: pf("Name", "", "x"), ParameterFilters: pf("Name", "", "x")}, steward.CodeValidation},
		{ssm.DescribeParametersInput{Filters: pf("Tier", "", "Advanced")}, steward.CodeValidation},
		{ssm.DescribeParametersInput{MaxResults: num(51)}, steward.CodeValidation},
		{ssm.DescribeParametersInput{ParameterFilters: pf("KeyId", "", "a\x00")}, steward.CodeValidation},
		{ssm.DescribeParametersInput{ParameterFilters: pf("Name", "BeginsWith", "/svc/¿")}, ""},
		{ssm.DescribeParametersInput{NextToken: "x"}, ssm.CodeParameterInvalidNextToken},
	}
	for i, c := range errs {
		_, _, err := f.p.DescribeParameters(f.ctx, c.in)
		if got := steward.ErrorCode(err); got != c.code {
			t.Errorf("case %d (%+v) = %v, want %s", i, c.in, err, c.code)
		}
	}
}

func TestTiers(t *testing.T) {
	f := newParamFixture(t)
	big := strings.Repeat("x", 5000)
	out := f.put(t, ssm.PutParameterInput{Name: "/auto", Value: &big, Type: ssm.TypeString, Tier: ssm.TierIntelligentTiering})
	if out.Tier != ssm.TierAdvanced {
		t.Fatalf("intelligent tiering with 5000 bytes = %s", out.Tier)
	}
	out = f.put(t, ssm.PutParameterInput{Name: "/std", Value: sptr("s"), Type: ssm.TypeString})
	if out.Tier != ssm.TierStandard {
		t.Fatalf("default tier = %s", out.Tier)
	}
	// Standard → Advanced is allowed; back is refused; Advanced stays.
	out = f.put(t, ssm.PutParameterInput{Name: "/std", Value: &big, Tier: ssm.TierAdvanced, Overwrite: true})
	if out.Tier != ssm.TierAdvanced || out.Version != 2 {
		t.Fatalf("upgrade = %+v", out)
	}
	_, err := f.p.PutParameter(f.ctx, ssm.PutParameterInput{Name: "/std", Value: sptr("s"), Tier: ssm.TierStandard, Overwrite: true})
	wantErrCode(t, err, steward.CodeValidation)
	for _, tier := range []string{"", ssm.TierIntelligentTiering} {
		out = f.put(t, ssm.PutParameterInput{Name: "/std", Value: sptr("small"), Tier: tier, Overwrite: true})
		if out.Tier != ssm.TierAdvanced {
			t.Fatalf("tier %q on an advanced parameter = %s", tier, out.Tier)
		}
	}
	// A standard parameter does not grow past 4 KB without a tier change.
	_, err = f.p.PutParameter(f.ctx, ssm.PutParameterInput{Name: "/std2", Value: &big, Type: ssm.TypeString})
	wantErrCode(t, err, steward.CodeValidation)
	// 8 KB exactly fits the advanced tier, multi-byte characters count as bytes.
	kanji := strings.Repeat("東", 8192/3) // 8190 bytes
	f.put(t, ssm.PutParameterInput{Name: "/kanji", Value: &kanji, Type: ssm.TypeString, Tier: ssm.TierAdvanced})
	over := kanji + "東"
	_, err = f.p.PutParameter(f.ctx, ssm.PutParameterInput{Name: "/kanji", Value: &over, Overwrite: true})
	wantErrCode(t, err, steward.CodeValidation)
}

func TestHistoryAndLabels(t *testing.T) {
	f := newParamFixture(t)
	for i := 1; i <= 4; i++ {
		f.clock.Advance(time.Minute)
		f.put(t, ssm.PutParameterInput{Name: "/h/p", Value: sptr(fmt.Sprint("v", i)), Type: ssm.TypeSecureString, Overwrite: true, Description: sptr(fmt.Sprint("d", i))})
	}
	lab, err := f.p.LabelParameterVersion(f.ctx, "/h/p", i64(2), []string{"prod", "1bad", "awsLabel", "SSMx", "has space", "prod", "ok.label-2_x"})
	if err != nil {
		t.Fatal(err)
	}
	if lab.ParameterVersion != 2 || !slices.Equal(lab.InvalidLabels, []string{"1bad", "awsLabel", "SSMx", "has space"}) {
		t.Fatalf("LabelParameterVersion = %+v", lab)
	}
	lab, err = f.p.LabelParameterVersion(f.ctx, "/h/p", nil, []string{"latest"})
	if err != nil || lab.ParameterVersion != 4 || lab.InvalidLabels == nil {
		t.Fatalf("label latest = %+v, %v", lab, err)
	}
	// Moving prod from 2 to 3.
	if _, err := f.p.LabelParameterVersion(f.ctx, "/h/p", i64(3), []string{"prod"}); err != nil {
		t.Fatal(err)
	}
	hist, next, err := f.p.GetParameterHistory(f.ctx, ssm.GetParameterHistoryInput{Name: "/h/p", WithDecryption: true})
	if err != nil || next != "" || len(hist) != 4 {
		t.Fatalf("history = %d, %q, %v", len(hist), next, err)
	}
	for i, h := range hist {
		if h.Version != int64(i+1) || h.Value != fmt.Sprint("v", i+1) || h.Description != fmt.Sprint("d", i+1) || h.KeyID != ssm.DefaultKeyID ||
			h.LastModifiedUser != paramCaller || !h.LastModifiedDate.Equal(paramT0.Add(time.Duration(i+1)*time.Minute)) || h.Labels == nil || h.Policies == nil || h.Tier != ssm.TierStandard {
			t.Fatalf("history[%d] = %+v", i, h)
		}
	}
	if !slices.Equal(hist[1].Labels, []string{"ok.label-2_x"}) || !slices.Equal(hist[2].Labels, []string{"prod"}) || !slices.Equal(hist[3].Labels, []string{"latest"}) {
		t.Fatalf("labels = %v %v %v", hist[1].Labels, hist[2].Labels, hist[3].Labels)
	}
	page, next, err := f.p.GetParameterHistory(f.ctx, ssm.GetParameterHistoryInput{Name: "h/p", MaxResults: num(3)})
	wantErrCode(t, err, steward.CodeValidation) // a hierarchy needs its leading slash
	page, next, err = f.p.GetParameterHistory(f.ctx, ssm.GetParameterHistoryInput{Name: " /h/p", MaxResults: num(3)})
	if err != nil || len(page) != 3 || next == "" || page[0].Value == "v1" {
		t.Fatalf("first page = %d, %q, %v", len(page), next, err)
	}
	page, next, err = f.p.GetParameterHistory(f.ctx, ssm.GetParameterHistoryInput{Name: "/h/p", MaxResults: num(3), NextToken: next})
	if err != nil || len(page) != 1 || next != "" || page[0].Version != 4 {
		t.Fatalf("second page = %d, %q, %v", len(page), next, err)
	}
	_, _, err = f.p.GetParameterHistory(f.ctx, ssm.GetParameterHistoryInput{Name: "/h/none"})
	wantErrCode(t, err, ssm.CodeParameterNotFound)
	_, _, err = f.p.GetParameterHistory(f.ctx, ssm.GetParameterHistoryInput{Name: "/h/p", MaxResults: num(51)})
	wantErrCode(t, err, steward.CodeValidation)
	_, _, err = f.p.GetParameterHistory(f.ctx, ssm.GetParameterHistoryInput{Name: "/h/p", NextToken: "zz"})
	wantErrCode(t, err, ssm.CodeParameterInvalidNextToken)

	// Label limits and errors.
	ten := []string{"l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9"}
	if _, err := f.p.LabelParameterVersion(f.ctx, "/h/p", i64(1), ten); err != nil {
		t.Fatal(err)
	}
	_, err = f.p.LabelParameterVersion(f.ctx, "/h/p", i64(1), []string{"eleventh"})
	wantErrCode(t, err, ssm.CodeParameterVersionLabelLimitExceeded)
	_, err = f.p.LabelParameterVersion(f.ctx, "/h/p", i64(1), ten[:3]) // already there: no change
	wantErrCode(t, err, "")
	_, err = f.p.LabelParameterVersion(f.ctx, "/h/p", i64(1), append(slices.Clone(ten), "x"))
	wantErrCode(t, err, steward.CodeValidation)
	_, err = f.p.LabelParameterVersion(f.ctx, "/h/p", i64(1), []string{strings.Repeat("l", 101)})
	wantErrCode(t, err, steward.CodeValidation)
	_, err = f.p.LabelParameterVersion(f.ctx, "/h/p", i64(1), nil)
	wantErrCode(t, err, steward.CodeValidation)
	_, err = f.p.LabelParameterVersion(f.ctx, "/h/p", i64(9), []string{"x"})
	wantErrCode(t, err, ssm.CodeParameterVersionNotFound)
	_, err = f.p.LabelParameterVersion(f.ctx, "/h/none", nil, []string{"x"})
	wantErrCode(t, err, ssm.CodeParameterNotFound)

	un, err := f.p.UnlabelParameterVersion(f.ctx, "/h/p", i64(3), []string{"prod", "latest", "nope"})
	if err != nil || !slices.Equal(un.RemovedLabels, []string{"prod"}) || !slices.Equal(un.InvalidLabels, []string{"latest", "nope"}) {
		t.Fatalf("Unlabel = %+v, %v", un, err)
	}
	if _, err := f.p.GetParameter(f.ctx, "/h/p:prod", false); steward.ErrorCode(err) != ssm.CodeParameterVersionNotFound {
		t.Fatalf("removed label still resolves: %v", err)
	}
	_, err = f.p.UnlabelParameterVersion(f.ctx, "/h/p", i64(1), []string{"a\x00"})
	wantErrCode(t, err, steward.CodeValidation)
	_, err = f.p.UnlabelParameterVersion(f.ctx, "/h/p", nil, []string{"x"})
	wantErrCode(t, err, steward.CodeValidation)
	_, err = f.p.UnlabelParameterVersion(f.ctx, "/h/p", i64(42), []string{"x"})
	wantErrCode(t, err, ssm.CodeParameterVersionNotFound)
	_, err = f.p.UnlabelParameterVersion(f.ctx, "/h/none", i64(1), []string{"x"})
	wantErrCode(t, err, ssm.CodeParameterNotFound)
}

// BenchmarkGetParameter measures the GetParameter hot path below the gateway
// (domain + one SQLite point query + opening a SecureString).
func BenchmarkGetParameter(b *testing.B) {
	for _, typ := range []string{ssm.TypeString, ssm.TypeSecureString} {
		b.Run(typ, func(b *testing.B) {
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "steward.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ring, err := keyring.New(keyring.Generate())
			if err != nil {
				b.Fatal(err)
			}
			p := ssm.NewParameters(db, ring, ssm.Env{Clock: steward.SystemClock{}, Account: paramAccount, Region: paramRegion})
			ctx := context.Background()
			for i := 0; i < 1000; i++ {
				if _, err := p.PutParameter(ctx, ssm.PutParameterInput{Name: fmt.Sprintf("/bench/app/p%04d", i), Value: sptr("value"), Type: typ}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := p.GetParameter(ctx, fmt.Sprintf("/bench/app/p%04d", i%1000), true); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		})
	}
}
