package ssm_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/ssm"
)

// Activation tests; the fixture is in nodes_test.go.

var nodeActivationCodeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)

func TestCreateActivationDefaults(t *testing.T) {
	f := newNodeFixture(t)
	out := f.activation(t, ssm.CreateActivationInput{IamRole: "HybridRole", Description: "web servers"})
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(out.ActivationID) {
		t.Errorf("ActivationId %q is not a UUID", out.ActivationID)
	}
	if !nodeActivationCodeRE.MatchString(out.ActivationCode) {
		t.Errorf("ActivationCode %q: want 20 URL-safe characters", out.ActivationCode)
	}
	a := f.activationByID(t, out.ActivationID)
	want := ssm.Activation{ID: out.ActivationID, Description: "web servers", IamRole: "HybridRole", RegistrationLimit: 1,
		ExpirationDate: nodeT0.Add(24 * time.Hour), CreatedDate: nodeT0, Tags: []ssm.Tag{}}
	if fmt.Sprint(*a) != fmt.Sprint(want) {
		t.Errorf("activation =\n%+v, want\n%+v", *a, want)
	}

	// Only the code's hash is stored: no column anywhere holds the code.
	write, _ := f.db.Pools()
	var hash []byte
	var row string
	if err := write.QueryRow(`SELECT code_hash, id || description || default_instance_name || iam_role || tags || metadata FROM activations`).Scan(&hash, &row); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(out.ActivationCode))
	if !bytes.Equal(hash, sum[:]) || strings.Contains(row, out.ActivationCode) {
		t.Errorf("stored hash %x, row %q; want sha256 of the code and no code", hash, row)
	}

	// Codes are random.
	if other := f.activation(t, ssm.CreateActivationInput{}); other.ActivationCode == out.ActivationCode || other.ActivationID == out.ActivationID {
		t.Error("two activations share an ID or a code")
	}
}

func TestCreateActivationRules(t *testing.T) {
	f := newNodeFixture(t)
	long := func(n int) string { return strings.Repeat("x", n) }
	at := func(d time.Duration) *time.Time { t := nodeT0.Add(d); return &t }
	tags := func(n int) []ssm.Tag {
		var out []ssm.Tag
		for i := range n {
			out = append(out, ssm.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		in   ssm.CreateActivationInput
		code string
	}{
		{"no role", ssm.CreateActivationInput{}, steward.CodeValidation},
		{"role 64", ssm.CreateActivationInput{IamRole: long(64)}, ""},
		{"role 65", ssm.CreateActivationInput{IamRole: long(65)}, steward.CodeValidation},
		{"description 256", ssm.CreateActivationInput{IamRole: "r", Description: long(256)}, ""},
		{"description 257", ssm.CreateActivationInput{IamRole: "r", Description: long(257)}, steward.CodeValidation},
		{"description NUL", ssm.CreateActivationInput{IamRole: "r", Description: "a\x00b"}, steward.CodeValidation},
		{"name 256", ssm.CreateActivationInput{IamRole: "r", DefaultInstanceName: long(256)}, ""},
		{"name 257", ssm.CreateActivationInput{IamRole: "r", DefaultInstanceName: long(257)}, steward.CodeValidation},
		{"name pattern", ssm.CreateActivationInput{IamRole: "r", DefaultInstanceName: "web*1"}, steward.CodeValidation},
		{"name unicode", ssm.CreateActivationInput{IamRole: "r", DefaultInstanceName: "Serveur été 1"}, ""},
		{"limit 0", ssm.CreateActivationInput{IamRole: "r", RegistrationLimit: ptr(0)}, steward.CodeValidation},
		{"limit 1000", ssm.CreateActivationInput{IamRole: "r", RegistrationLimit: ptr(1000)}, ""},
		{"limit 1001", ssm.CreateActivationInput{IamRole: "r", RegistrationLimit: ptr(1001)}, steward.CodeValidation},
		{"expires now", ssm.CreateActivationInput{IamRole: "r", ExpirationDate: at(0)}, steward.CodeValidation},
		{"expired", ssm.CreateActivationInput{IamRole: "r", ExpirationDate: at(-time.Hour)}, steward.CodeValidation},
		{"expires in 1ms", ssm.CreateActivationInput{IamRole: "r", ExpirationDate: at(time.Millisecond)}, ""},
		{"expires in 30 days", ssm.CreateActivationInput{IamRole: "r", ExpirationDate: at(30 * 24 * time.Hour)}, ""},
		{"expires in 30 days and 1s", ssm.CreateActivationInput{IamRole: "r", ExpirationDate: at(30*24*time.Hour + time.Second)}, steward.CodeValidation},
		{"50 tags", ssm.CreateActivationInput{IamRole: "r", Tags: tags(50)}, ""},
		{"51 tags", ssm.CreateActivationInput{IamRole: "r", Tags: tags(51)}, steward.CodeValidation},
		{"bad tag key", ssm.CreateActivationInput{IamRole: "r", Tags: []ssm.Tag{{Key: "a*b", Value: "v"}}}, steward.CodeValidation},
		{"empty tag key", ssm.CreateActivationInput{IamRole: "r", Tags: []ssm.Tag{{Key: "", Value: "v"}}}, steward.CodeValidation},
		{"metadata", ssm.CreateActivationInput{IamRole: "r", RegistrationMetadata: []ssm.RegistrationMetadata{{Key: "k", Value: "v"}}}, ""},
		{"metadata blank value", ssm.CreateActivationInput{IamRole: "r", RegistrationMetadata: []ssm.RegistrationMetadata{{Key: "k", Value: "  "}}}, steward.CodeValidation},
		{"metadata empty key", ssm.CreateActivationInput{IamRole: "r", RegistrationMetadata: []ssm.RegistrationMetadata{{Key: "", Value: "v"}}}, steward.CodeValidation},
		{"metadata two lines", ssm.CreateActivationInput{IamRole: "r", RegistrationMetadata: []ssm.RegistrationMetadata{{Key: "k", Value: "a\nb"}}}, steward.CodeValidation},
		{"metadata value 2049", ssm.CreateActivationInput{IamRole: "r", RegistrationMetadata: []ssm.RegistrationMetadata{{Key: "k", Value: long(2049)}}}, steward.CodeValidation},
	} {
		_, err := f.nodes.CreateActivation(f.ctx, tc.in)
		wantCode(t, tc.name, err, tc.code)
	}
}

func TestDescribeActivations(t *testing.T) {
	f := newNodeFixture(t)
	var ids []string
	for i := range 5 {
		role := "RoleA"
		if i%2 == 1 {
			role = "RoleB"
		}
		out := f.activation(t, ssm.CreateActivationInput{IamRole: role, DefaultInstanceName: fmt.Sprintf("web-%d", i),
			RegistrationLimit: ptr(i + 1), Tags: []ssm.Tag{{Key: "env", Value: "prod"}, {Key: "n", Value: fmt.Sprint(i)}}})
		ids = append(ids, out.ActivationID)
		f.clock.Advance(time.Second) // listing order is creation order
	}
	list := func(in ssm.DescribeActivationsInput) []string {
		t.Helper()
		out, err := f.nodes.DescribeActivations(f.ctx, in)
		if err != nil {
			t.Fatalf("DescribeActivations(%+v): %v", in, err)
		}
		got := []string{}
		for _, a := range out.Activations {
			got = append(got, a.ID)
		}
		return got
	}
	if got := list(ssm.DescribeActivationsInput{}); !slices.Equal(got, ids) {
		t.Errorf("all = %v, want %v (creation order)", got, ids)
	}
	if got := list(ssm.DescribeActivationsInput{Filters: []ssm.ActivationFilter{{Key: "IamRole", Values: []string{"RoleB"}}}}); !slices.Equal(got, []string{ids[1], ids[3]}) {
		t.Errorf("IamRole=RoleB = %v", got)
	}
	// Values OR, filters AND.
	got := list(ssm.DescribeActivationsInput{Filters: []ssm.ActivationFilter{
		{Key: "DefaultInstanceName", Values: []string{"web-0", "web-1", "web-2"}},
		{Key: "IamRole", Values: []string{"RoleA"}},
	}})
	if !slices.Equal(got, []string{ids[0], ids[2]}) {
		t.Errorf("name in (0,1,2) AND RoleA = %v", got)
	}
	got = list(ssm.DescribeActivationsInput{Filters: []ssm.ActivationFilter{
		{Key: "ActivationIds", Values: []string{ids[0], ids[4]}},
		{Key: "ActivationIds", Values: []string{ids[4], ids[3]}},
	}})
	if !slices.Equal(got, []string{ids[4]}) {
		t.Errorf("two ActivationIds filters = %v, want the intersection", got)
	}
	if got := list(ssm.DescribeActivationsInput{Filters: []ssm.ActivationFilter{{Key: "ActivationIds", Values: []string{"nope"}}}}); len(got) != 0 {
		t.Errorf("unknown ID = %v, want none", got)
	}

	// Pagination.
	var paged []string
	token := ""
	for page := 0; ; page++ {
		out, err := f.nodes.DescribeActivations(f.ctx, ssm.DescribeActivationsInput{MaxResults: ptr(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Activations {
			paged = append(paged, a.ID)
		}
		if token = out.NextToken; token == "" {
			break
		}
		if page > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("paged = %v, want %v", paged, ids)
	}

	// Fields, tags, Expired.
	a := f.activationByID(t, ids[2])
	if a.RegistrationLimit != 3 || a.DefaultInstanceName != "web-2" || a.Expired ||
		!slices.Equal(a.Tags, []ssm.Tag{{Key: "env", Value: "prod"}, {Key: "n", Value: "2"}}) {
		t.Errorf("activation = %+v", a)
	}
	f.clock.Set(a.ExpirationDate.Add(-time.Millisecond))
	if f.activationByID(t, ids[2]).Expired {
		t.Error("Expired before the expiration date")
	}
	f.clock.Set(a.ExpirationDate)
	if !f.activationByID(t, ids[2]).Expired {
		t.Error("not Expired at the expiration date")
	}

	for _, tc := range []struct {
		name string
		in   ssm.DescribeActivationsInput
		code string
	}{
		{"unknown key", ssm.DescribeActivationsInput{Filters: []ssm.ActivationFilter{{Key: "Name", Values: []string{"x"}}}}, ssm.CodeActivationInvalidFilter},
		{"no values", ssm.DescribeActivationsInput{Filters: []ssm.ActivationFilter{{Key: "IamRole"}}}, ssm.CodeActivationInvalidFilter},
		{"max 0", ssm.DescribeActivationsInput{MaxResults: ptr(0)}, steward.CodeValidation},
		{"max 51", ssm.DescribeActivationsInput{MaxResults: ptr(51)}, steward.CodeValidation},
		{"max 50", ssm.DescribeActivationsInput{MaxResults: ptr(50)}, ""},
		{"bad token", ssm.DescribeActivationsInput{NextToken: "garbage!"}, ssm.CodeNodeInvalidNextToken},
	} {
		_, err := f.nodes.DescribeActivations(f.ctx, tc.in)
		wantCode(t, tc.name, err, tc.code)
	}
}

func TestDeleteActivation(t *testing.T) {
	f := newNodeFixture(t)
	act := f.activation(t, ssm.CreateActivationInput{RegistrationLimit: ptr(3)})
	node, _ := f.register(t, act, nodeFacts("a"))

	wantCode(t, "malformed", f.nodes.DeleteActivation(f.ctx, "not-a-uuid"), ssm.CodeInvalidActivationID)
	wantCode(t, "empty", f.nodes.DeleteActivation(f.ctx, ""), steward.CodeValidation)
	wantCode(t, "unknown", f.nodes.DeleteActivation(f.ctx, "11111111-2222-4333-8444-555555555555"), ssm.CodeInvalidActivation)
	wantCode(t, "delete", f.nodes.DeleteActivation(f.ctx, act.ActivationID), "")
	wantCode(t, "delete again", f.nodes.DeleteActivation(f.ctx, act.ActivationID), ssm.CodeInvalidActivation)

	// No more registrations; the node registered before stays, with its
	// activation ID.
	pub, _, _ := ed25519.GenerateKey(nil)
	_, err := f.nodes.Register(f.ctx, agentproto.RegisterRequest{ActivationID: act.ActivationID, ActivationCode: act.ActivationCode, PublicKey: pub})
	wantCode(t, "register with a deleted activation", err, agentproto.CodeInvalidActivation)
	list := f.describe(t, ssm.DescribeInstanceInformationInput{})
	if len(list) != 1 || list[0].InstanceID != node || list[0].ActivationID != act.ActivationID {
		t.Errorf("nodes after DeleteActivation = %+v", list)
	}
}
