package ssm_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/ssm"
)

// Deletes, change events, tags and concurrent writers.

func TestDelete(t *testing.T) {
	f := newParamFixture(t)
	f.putString(t, "/d/a", "1")
	f.putString(t, "/d/b", "1")
	f.putString(t, "c", "1")
	wantErrCode(t, f.p.DeleteParameter(f.ctx, "/d/a"), "")
	wantErrCode(t, f.p.DeleteParameter(f.ctx, "/d/a"), ssm.CodeParameterNotFound)
	wantErrCode(t, f.p.DeleteParameter(f.ctx, "bad name"), steward.CodeValidation)
	_, err := f.p.GetParameter(f.ctx, "/d/a", false)
	wantErrCode(t, err, ssm.CodeParameterNotFound)
	out, err := f.p.DeleteParameters(f.ctx, []string{"/d/b", "/d/a", "/c", "b@d", "/d/b"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.DeletedParameters, []string{"/d/b", "/c"}) || !slices.Equal(out.InvalidParameters, []string{"/d/a", "b@d"}) {
		t.Fatalf("DeleteParameters = %+v", out)
	}
	_, err = f.p.DeleteParameters(f.ctx, nil)
	wantErrCode(t, err, steward.CodeValidation)
	// A deleted name can be created again from version 1.
	if out := f.putString(t, "/d/a", "again"); out.Version != 1 {
		t.Fatalf("re-created at version %d", out.Version)
	}
}

type eventDetail struct {
	Operation   string `json:"operation"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

func TestChangeEvents(t *testing.T) {
	f := newParamFixture(t)
	f.put(t, ssm.PutParameterInput{Name: "/ev/p", Value: sptr("top-secret-value"), Type: ssm.TypeSecureString, Description: sptr("db password")})
	f.put(t, ssm.PutParameterInput{Name: "/ev/p", Value: sptr("top-secret-value-2"), Overwrite: true})
	if _, err := f.p.LabelParameterVersion(f.ctx, "/ev/p", nil, []string{"prod"}); err != nil {
		t.Fatal(err)
	}
	f.putString(t, "root", "x")
	// Refused changes write no event.
	_, err := f.p.PutParameter(f.ctx, ssm.PutParameterInput{Name: "/ev/p", Value: sptr("x"), Type: ssm.TypeString, Overwrite: true})
	wantErrCode(t, err, ssm.CodeHierarchyTypeMismatch)
	_, err = f.p.LabelParameterVersion(f.ctx, "/ev/p", i64(7), []string{"x"})
	wantErrCode(t, err, ssm.CodeParameterVersionNotFound)
	if _, err := f.p.UnlabelParameterVersion(f.ctx, "/ev/p", i64(2), []string{"prod"}); err != nil {
		t.Fatal(err)
	}
	wantErrCode(t, f.p.DeleteParameter(f.ctx, "/ev/p"), "")

	entries, err := f.db.ReadOutbox(f.ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []eventDetail
	for _, e := range entries {
		ev := e.Event
		if ev.Source != "aws.ssm" || ev.DetailType != "Parameter Store Change" || ev.Account != paramAccount || ev.Region != paramRegion || !ev.Time.Equal(paramT0) || ev.ID == "" {
			t.Fatalf("event envelope = %+v", ev)
		}
		if strings.Contains(string(ev.Detail), "top-secret") {
			t.Fatalf("event carries the value: %s", ev.Detail)
		}
		var d eventDetail
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatal(err)
		}
		wantARN := "arn:aws:ssm:eu-west-1:123456789012:parameter/" + strings.TrimPrefix(d.Name, "/")
		if len(ev.Resources) != 1 || ev.Resources[0] != wantARN {
			t.Fatalf("resources = %v, want %s", ev.Resources, wantARN)
		}
		got = append(got, d)
	}
	want := []eventDetail{
		{"Create", "/ev/p", "SecureString", "db password"},
		{"Update", "/ev/p", "SecureString", "db password"},
		{"LabelParameterVersion", "/ev/p", "SecureString", "db password"},
		{"Create", "root", "String", ""},
		{"Delete", "/ev/p", "SecureString", "db password"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events = %+v\nwant %+v", got, want)
	}
	assertNoPlaintext(t, f.db, "top-secret-value")
}

func TestTags(t *testing.T) {
	f := newParamFixture(t)
	f.put(t, ssm.PutParameterInput{Name: "/t/p", Value: sptr("v"), Type: ssm.TypeString, Tags: []ssm.Tag{{Key: "b", Value: "1"}, {Key: "a", Value: "東京"}}})
	list := func(id string) []ssm.Tag {
		t.Helper()
		tags, err := f.tags.ListTagsForResource(f.ctx, ssm.ResourceParameter, id)
		if err != nil {
			t.Fatal(err)
		}
		return tags
	}
	if got := list("/t/p"); !slices.Equal(got, []ssm.Tag{{Key: "a", Value: "東京"}, {Key: "b", Value: "1"}}) {
		t.Fatalf("tags from PutParameter = %v", got)
	}
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "t/p", []ssm.Tag{{Key: "b", Value: "2"}}), ssm.CodeInvalidResourceID)
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "/t/p", []ssm.Tag{{Key: "b", Value: "2"}, {Key: "c", Value: ""}}), "")
	if got := list("/t/p"); !slices.Equal(got, []ssm.Tag{{Key: "a", Value: "東京"}, {Key: "b", Value: "2"}, {Key: "c", Value: ""}}) {
		t.Fatalf("after add = %v", got)
	}
	wantErrCode(t, f.tags.RemoveTagsFromResource(f.ctx, ssm.ResourceParameter, "/t/p", []string{"a", "zz"}), "")
	if got := list("/t/p"); !slices.Equal(got, []ssm.Tag{{Key: "b", Value: "2"}, {Key: "c", Value: ""}}) {
		t.Fatalf("after remove = %v", got)
	}
	// The parameter's ARN names the same resource.
	arn := "arn:aws:ssm:eu-west-1:123456789012:parameter/t/p"
	if got := list(arn); !slices.Equal(got, []ssm.Tag{{Key: "b", Value: "2"}, {Key: "c", Value: ""}}) {
		t.Fatalf("tags by ARN = %v", got)
	}
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "arn:aws:ssm:eu-west-1:999999999999:parameter/t/p", []ssm.Tag{{Key: "x", Value: "y"}}), ssm.CodeInvalidResourceID)
	// Describe sees tags added later.
	mds, _, err := f.p.DescribeParameters(f.ctx, ssm.DescribeParametersInput{ParameterFilters: []ssm.ParameterFilter{{Key: "tag:b", Values: []string{"2"}}}})
	if err != nil || len(mds) != 1 {
		t.Fatalf("tag filter = %v, %v", mds, err)
	}
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "/t/p", manyParamTags(48)), "")
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "/t/p", manyParamTags(49)), ssm.CodeTooManyTagsError)
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "/t/none", []ssm.Tag{{Key: "a", Value: "b"}}), ssm.CodeInvalidResourceID)
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "bad name", []ssm.Tag{{Key: "a", Value: "b"}}), ssm.CodeInvalidResourceID)
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceMaintenanceWindow, "mw-0123456789abcdef0", []ssm.Tag{{Key: "a", Value: "b"}}), ssm.CodeInvalidResourceType)
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, "Bucket", "x", []ssm.Tag{{Key: "a", Value: "b"}}), steward.CodeValidation)
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "/t/p", []ssm.Tag{{Key: "", Value: "b"}}), steward.CodeValidation)
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "/t/p", []ssm.Tag{{Key: "a", Value: "b|c"}}), steward.CodeValidation)
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "/t/p", []ssm.Tag{{Key: strings.Repeat("k", 129), Value: "b"}}), steward.CodeValidation)
	wantErrCode(t, f.tags.AddTagsToResource(f.ctx, ssm.ResourceParameter, "/t/p", nil), steward.CodeValidation)
	wantErrCode(t, f.tags.RemoveTagsFromResource(f.ctx, ssm.ResourceParameter, "/t/p", nil), steward.CodeValidation)
	_, err = f.tags.ListTagsForResource(f.ctx, ssm.ResourceParameter, "/t/none")
	wantErrCode(t, err, ssm.CodeInvalidResourceID)
	_, err = f.tags.ListTagsForResource(f.ctx, ssm.ResourceOpsItem, "oi-1")
	wantErrCode(t, err, ssm.CodeInvalidResourceType)
	// Deleting the parameter deletes its tags; a new one starts untagged.
	wantErrCode(t, f.p.DeleteParameter(f.ctx, "/t/p"), "")
	f.putString(t, "/t/p", "again")
	if got := list("/t/p"); len(got) != 0 {
		t.Fatalf("tags survived delete: %v", got)
	}
}

func TestConcurrentPuts(t *testing.T) {
	f := newParamFixture(t)
	const n = 20
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			v := "v"
			_, err := f.p.PutParameter(f.ctx, ssm.PutParameterInput{Name: "/race", Value: &v, Type: ssm.TypeString, Overwrite: true})
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := f.get(t, "/race", false); got.Version != n {
		t.Fatalf("version after %d concurrent puts = %d", n, got.Version)
	}
}
