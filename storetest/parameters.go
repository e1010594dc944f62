package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

func testParameters(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *sqlstore.DB)
	}{
		{"CreateAndGet", paramCreateAndGet},
		{"Versions", paramVersions},
		{"Labels", paramLabels},
		{"History", paramHistory},
		{"Paths", paramPaths},
		{"Filters", paramFilters},
		{"Pagination", paramPagination},
		{"Delete", paramDelete},
		{"Outbox", paramOutbox},
		{"ConcurrentWriters", paramConcurrentWriters},
		{"Tags", paramTags},
		{"VersionLimit", paramVersionLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newDB(t)) })
	}
}

var paramTime = time.UnixMilli(1769000100123).UTC()

func paramRec(name string, version int64, value string) *ssm.ParameterRecord {
	return &ssm.ParameterRecord{
		Name: name, Version: version, Type: ssm.TypeString, Tier: ssm.TierStandard, DataType: ssm.DataTypeText,
		Value: []byte(value), ModifiedAt: paramTime.Add(time.Duration(version) * time.Second),
		ModifiedBy: "arn:aws:iam::000000000000:user/admin",
	}
}

// putParam writes the next version of name (creating it) through the
// transaction interface, the way the domain does.
func putParam(t *testing.T, db *sqlstore.DB, name, value string, tags ...ssm.Tag) *ssm.ParameterRecord {
	t.Helper()
	ctx := context.Background()
	var rec *ssm.ParameterRecord
	err := db.UpdateParameter(ctx, ssm.ParameterKey(name), func(tx ssm.ParameterTx) error {
		cur, err := tx.Current(ctx)
		if err != nil {
			return err
		}
		rec = paramRec(name, 1, value)
		if cur != nil {
			rec.Name, rec.Version = cur.Name, cur.Version+1
			rec.ModifiedAt = paramTime.Add(time.Duration(rec.Version) * time.Second)
		}
		return tx.PutVersion(ctx, rec, tags)
	})
	if err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
	return rec
}

func getOne(t *testing.T, db *sqlstore.DB, ref ssm.ParameterRef) *ssm.ParameterRecord {
	t.Helper()
	recs, err := db.GetParameters(context.Background(), []ssm.ParameterRef{ref})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("GetParameters returned %d results for 1 ref", len(recs))
	}
	return recs[0]
}

func paramCreateAndGet(t *testing.T, db *sqlstore.DB) {
	if got := getOne(t, db, ssm.ParameterRef{Key: "nope"}); got != nil {
		t.Fatalf("missing parameter = %+v", got)
	}
	want := putParam(t, db, "/app/db/url", "postgres://x")
	got := getOne(t, db, ssm.ParameterRef{Key: "app/db/url"})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
	// Binary values (sealed SecureStrings) survive byte for byte.
	ctx := context.Background()
	sealed := []byte{0, 1, 2, 0xff, 0xfe, 'x', 0}
	err := db.UpdateParameter(ctx, "secret", func(tx ssm.ParameterTx) error {
		rec := paramRec("secret", 1, "")
		rec.Type, rec.KeyID, rec.Value = ssm.TypeSecureString, ssm.DefaultKeyID, sealed
		rec.Description, rec.AllowedPattern, rec.Tier, rec.Policies = "d", "^.*$", ssm.TierAdvanced, `[{"Type":"Expiration"}]`
		return tx.PutVersion(ctx, rec, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	s := getOne(t, db, ssm.ParameterRef{Key: "secret"})
	if !slices.Equal(s.Value, sealed) || s.KeyID != ssm.DefaultKeyID || s.Tier != ssm.TierAdvanced || s.Policies != `[{"Type":"Expiration"}]` || s.Description != "d" || s.AllowedPattern != "^.*$" {
		t.Fatalf("secure record = %+v", s)
	}
	// Several refs in one call: results line up with refs.
	putParam(t, db, "/app/db/url", "v2")
	recs, err := db.GetParameters(ctx, []ssm.ParameterRef{{Key: "secret"}, {Key: "app/db/url", Version: 1}, {Key: "gone"}, {Key: "app/db/url"}, {Key: "app/db/url", Version: 7}})
	if err != nil {
		t.Fatal(err)
	}
	if recs[0] == nil || recs[0].Name != "secret" || recs[1] == nil || string(recs[1].Value) != "postgres://x" || recs[2] != nil ||
		recs[3] == nil || recs[3].Version != 2 || string(recs[3].Value) != "v2" || recs[4] != nil {
		t.Fatalf("GetParameters = %s", describeRecs(recs))
	}
}

func describeRecs(recs []*ssm.ParameterRecord) string {
	var s []string
	for _, r := range recs {
		if r == nil {
			s = append(s, "<nil>")
			continue
		}
		s = append(s, fmt.Sprintf("%s:%d=%q", r.Name, r.Version, r.Value))
	}
	return fmt.Sprint(s)
}

func paramVersions(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		putParam(t, db, "counter", fmt.Sprint(i))
	}
	// The name keeps its first spelling; "/counter" is the same parameter.
	rec := putParam(t, db, "/counter", "4")
	if rec.Name != "counter" || rec.Version != 4 {
		t.Fatalf("put via /counter = %s:%d", rec.Name, rec.Version)
	}
	err := db.UpdateParameter(ctx, "counter", func(tx ssm.ParameterTx) error {
		n, oldest, err := tx.Versions(ctx)
		if err != nil {
			return err
		}
		if n != 4 || oldest != 1 {
			return fmt.Errorf("Versions = %d, %d; want 4, 1", n, oldest)
		}
		if err := tx.DeleteVersion(ctx, 1); err != nil {
			return err
		}
		if ok, err := tx.HasVersion(ctx, 1); err != nil || ok {
			return fmt.Errorf("HasVersion(1) after delete = %v, %v", ok, err)
		}
		if ok, err := tx.HasVersion(ctx, 2); err != nil || !ok {
			return fmt.Errorf("HasVersion(2) = %v, %v", ok, err)
		}
		n, oldest, err = tx.Versions(ctx)
		if err != nil || n != 3 || oldest != 2 {
			return fmt.Errorf("Versions after delete = %d, %d, %v", n, oldest, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := getOne(t, db, ssm.ParameterRef{Key: "counter", Version: 1}); got != nil {
		t.Fatalf("deleted version 1 still readable: %+v", got)
	}
	if got := getOne(t, db, ssm.ParameterRef{Key: "counter", Version: 2}); got == nil || string(got.Value) != "2" {
		t.Fatalf("version 2 = %+v", got)
	}
	// PutVersion refuses a version that does not follow the latest.
	err = db.UpdateParameter(ctx, "counter", func(tx ssm.ParameterTx) error {
		return tx.PutVersion(ctx, paramRec("counter", 9, "x"), nil)
	})
	if err == nil {
		t.Fatal("PutVersion(9) after 4 succeeded")
	}
}

func paramLabels(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		putParam(t, db, "/l/p", fmt.Sprint(i))
	}
	label := func(fn func(tx ssm.ParameterTx) error) {
		t.Helper()
		if err := db.UpdateParameter(ctx, "l/p", fn); err != nil {
			t.Fatal(err)
		}
	}
	labelsOf := func(v int64) []string {
		t.Helper()
		var out []string
		label(func(tx ssm.ParameterTx) error {
			var err error
			out, err = tx.Labels(ctx, v)
			return err
		})
		return out
	}
	label(func(tx ssm.ParameterTx) error { return tx.MoveLabels(ctx, 1, []string{"prod", "blue"}) })
	if got := labelsOf(1); !slices.Equal(got, []string{"blue", "prod"}) {
		t.Fatalf("labels of 1 = %v", got)
	}
	// A label lives on one version: moving it detaches it from version 1.
	label(func(tx ssm.ParameterTx) error { return tx.MoveLabels(ctx, 2, []string{"prod"}) })
	if got, got2 := labelsOf(1), labelsOf(2); !slices.Equal(got, []string{"blue"}) || !slices.Equal(got2, []string{"prod"}) {
		t.Fatalf("after move: labels of 1 = %v, of 2 = %v", got, got2)
	}
	if got := getOne(t, db, ssm.ParameterRef{Key: "l/p", Label: "prod"}); got == nil || got.Version != 2 || string(got.Value) != "2" {
		t.Fatalf("by label prod = %+v", got)
	}
	if got := getOne(t, db, ssm.ParameterRef{Key: "l/p", Label: "nope"}); got != nil {
		t.Fatalf("by unknown label = %+v", got)
	}
	var removed []string
	label(func(tx ssm.ParameterTx) error {
		var err error
		removed, err = tx.RemoveLabels(ctx, 1, []string{"blue", "prod", "x"})
		return err
	})
	if !slices.Equal(removed, []string{"blue"}) {
		t.Fatalf("RemoveLabels = %v, want [blue] (prod is on version 2)", removed)
	}
	if got := labelsOf(1); len(got) != 0 {
		t.Fatalf("labels of 1 after remove = %v", got)
	}
	// Deleting a version removes its labels.
	label(func(tx ssm.ParameterTx) error { return tx.DeleteVersion(ctx, 2) })
	if got := getOne(t, db, ssm.ParameterRef{Key: "l/p", Label: "prod"}); got != nil {
		t.Fatalf("label of a deleted version still resolves: %+v", got)
	}
}

func paramHistory(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	if _, _, err := db.ParameterHistory(ctx, "none", "", 10); !errors.Is(err, ssm.ErrParameterNotFound) {
		t.Fatalf("history of a missing parameter: %v", err)
	}
	for i := 1; i <= 5; i++ {
		putParam(t, db, "/h", fmt.Sprint(i))
	}
	if err := db.UpdateParameter(ctx, "h", func(tx ssm.ParameterTx) error {
		if err := tx.MoveLabels(ctx, 2, []string{"b", "a"}); err != nil {
			return err
		}
		return tx.MoveLabels(ctx, 5, []string{"latest"})
	}); err != nil {
		t.Fatal(err)
	}
	var all []*ssm.ParameterRecord
	token := ""
	pages := 0
	for {
		page, next, err := db.ParameterHistory(ctx, "h", token, 2)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page...)
		if next == "" {
			break
		}
		token = next
	}
	if pages != 3 || len(all) != 5 {
		t.Fatalf("history: %d pages, %d versions", pages, len(all))
	}
	for i, r := range all {
		if r.Version != int64(i+1) || string(r.Value) != fmt.Sprint(i+1) || r.Name != "/h" || r.Labels == nil {
			t.Fatalf("history[%d] = %+v", i, r)
		}
	}
	if !slices.Equal(all[1].Labels, []string{"a", "b"}) || !slices.Equal(all[4].Labels, []string{"latest"}) || len(all[0].Labels) != 0 {
		t.Fatalf("history labels = %v %v %v", all[0].Labels, all[1].Labels, all[4].Labels)
	}
	if _, _, err := db.ParameterHistory(ctx, "h", "not-a-token!", 2); !errors.Is(err, ssm.ErrInvalidNextToken) {
		t.Fatalf("bad token: %v", err)
	}
}

// list returns every record of a query, page by page.
func list(t *testing.T, db *sqlstore.DB, limit int, filters ...ssm.ParameterFilter) []string {
	t.Helper()
	var names []string
	token := ""
	for i := 0; ; i++ {
		recs, next, err := db.ListParameters(context.Background(), ssm.ParameterQuery{Filters: filters, Token: token, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > limit {
			t.Fatalf("page of %d records for limit %d", len(recs), limit)
		}
		for _, r := range recs {
			names = append(names, r.Name)
		}
		if next == "" {
			return names
		}
		if i > 1000 {
			t.Fatal("pagination does not end")
		}
		token = next
	}
}

func path(key, option string) ssm.ParameterFilter {
	return ssm.ParameterFilter{Key: ssm.FilterPath, Option: option, Values: []string{key}}
}

func paramPaths(t *testing.T, db *sqlstore.DB) {
	for _, n := range []string{"root", "/top", "/a/x", "/a/y", "/a/b/c", "/a/b/d/e", "/ab/z", "/a-b/w", "/A/q"} {
		putParam(t, db, n, "v")
	}
	cases := []struct {
		f    ssm.ParameterFilter
		want []string
	}{
		{path("", ssm.OptionOneLevel), []string{"root", "/top"}},
		{path("a", ssm.OptionOneLevel), []string{"/a/x", "/a/y"}},
		{path("a/b", ssm.OptionOneLevel), []string{"/a/b/c"}},
		{path("a", ssm.OptionRecursive), []string{"/a/b/c", "/a/b/d/e", "/a/x", "/a/y"}},
		{path("A", ssm.OptionRecursive), []string{"/A/q"}},
		{path("a/b", ssm.OptionRecursive), []string{"/a/b/c", "/a/b/d/e"}},
		{path("", ssm.OptionRecursive), []string{"/A/q", "/a-b/w", "/a/b/c", "/a/b/d/e", "/a/x", "/a/y", "/ab/z", "root", "/top"}},
		{path("nothing", ssm.OptionRecursive), nil},
	}
	for _, c := range cases {
		for _, limit := range []int{1, 2, 50} {
			if got := list(t, db, limit, c.f); !slices.Equal(got, c.want) {
				t.Errorf("%s %v limit %d = %v, want %v", c.f.Option, c.f.Values, limit, got, c.want)
			}
		}
	}
}

func paramFilters(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	putParam(t, db, "/f/one", "1", ssm.Tag{Key: "env", Value: "prod"}, ssm.Tag{Key: "team", Value: "Ops-東京"})
	putParam(t, db, "/f/two", "2", ssm.Tag{Key: "env", Value: "dev"})
	putParam(t, db, "/f/Three", "3")
	putParam(t, db, "/g/one", "4")
	err := db.UpdateParameter(ctx, "f/two", func(tx ssm.ParameterTx) error {
		cur, err := tx.Current(ctx)
		if err != nil {
			return err
		}
		rec := paramRec(cur.Name, 2, "secret")
		rec.Type, rec.KeyID, rec.Tier, rec.DataType = ssm.TypeSecureString, "alias/custom", ssm.TierAdvanced, ssm.DataTypeIntegration
		return tx.PutVersion(ctx, rec, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	f := func(key, opt string, values ...string) ssm.ParameterFilter {
		return ssm.ParameterFilter{Key: key, Option: opt, Values: values}
	}
	cases := []struct {
		filters []ssm.ParameterFilter
		want    []string
	}{
		{[]ssm.ParameterFilter{f(ssm.FilterName, ssm.OptionEquals, "f/one", "g/one")}, []string{"/f/one", "/g/one"}},
		{[]ssm.ParameterFilter{f(ssm.FilterName, ssm.OptionBeginsWith, "f/t")}, []string{"/f/two"}},
		{[]ssm.ParameterFilter{f(ssm.FilterName, ssm.OptionBeginsWith, "f/T", "g")}, []string{"/f/Three", "/g/one"}},
		{[]ssm.ParameterFilter{f(ssm.FilterName, ssm.OptionBeginsWith, "")}, []string{"/f/Three", "/f/one", "/f/two", "/g/one"}},
		{[]ssm.ParameterFilter{f(ssm.FilterName, ssm.OptionBeginsWith, "f/¿", "f/t\x7f", "東")}, nil},
		{[]ssm.ParameterFilter{f(ssm.FilterName, ssm.OptionEquals, "f/¿")}, nil},
		{[]ssm.ParameterFilter{f(ssm.FilterName, ssm.OptionContains, "one")}, []string{"/f/one", "/g/one"}},
		{[]ssm.ParameterFilter{f(ssm.FilterName, ssm.OptionContains, "/f/")}, []string{"/f/Three", "/f/one", "/f/two"}},
		{[]ssm.ParameterFilter{f(ssm.FilterName, ssm.OptionContains, "ONE")}, nil},
		{[]ssm.ParameterFilter{f(ssm.FilterType, ssm.OptionEquals, ssm.TypeSecureString)}, []string{"/f/two"}},
		{[]ssm.ParameterFilter{f(ssm.FilterType, ssm.OptionBeginsWith, "Str")}, []string{"/f/Three", "/f/one", "/g/one"}},
		{[]ssm.ParameterFilter{f(ssm.FilterKeyID, ssm.OptionEquals, "alias/custom")}, []string{"/f/two"}},
		{[]ssm.ParameterFilter{f(ssm.FilterTier, ssm.OptionEquals, ssm.TierAdvanced)}, []string{"/f/two"}},
		{[]ssm.ParameterFilter{f(ssm.FilterDataType, ssm.OptionEquals, ssm.DataTypeText)}, []string{"/f/Three", "/f/one", "/g/one"}},
		{[]ssm.ParameterFilter{f("tag:env", ssm.OptionEquals, "prod", "dev")}, []string{"/f/one", "/f/two"}},
		{[]ssm.ParameterFilter{f("tag:env", ssm.OptionEquals)}, []string{"/f/one", "/f/two"}},
		{[]ssm.ParameterFilter{f("tag:env", ssm.OptionBeginsWith, "pr")}, []string{"/f/one"}},
		{[]ssm.ParameterFilter{f("tag:team", ssm.OptionBeginsWith, "Ops-東")}, []string{"/f/one"}},
		{[]ssm.ParameterFilter{f("tag:team", ssm.OptionEquals, "ops-東京")}, nil},
		{[]ssm.ParameterFilter{f("tag:missing", ssm.OptionEquals)}, nil},
		{[]ssm.ParameterFilter{f(ssm.FilterType, ssm.OptionEquals, ssm.TypeString), path("f", ssm.OptionOneLevel)}, []string{"/f/Three", "/f/one"}},
	}
	for _, c := range cases {
		if got := list(t, db, 2, c.filters...); !slices.Equal(got, c.want) {
			t.Errorf("filters %+v = %v, want %v", c.filters, got, c.want)
		}
	}

	// A Label filter returns the labelled version, not the latest.
	putParam(t, db, "/f/one", "1b")
	putParam(t, db, "/f/one", "1c")
	if err := db.UpdateParameter(ctx, "f/one", func(tx ssm.ParameterTx) error { return tx.MoveLabels(ctx, 2, []string{"stable"}) }); err != nil {
		t.Fatal(err)
	}
	recs, next, err := db.ListParameters(ctx, ssm.ParameterQuery{Limit: 10, Filters: []ssm.ParameterFilter{
		path("f", ssm.OptionOneLevel), f(ssm.FilterLabel, ssm.OptionEquals, "stable", "other")}})
	if err != nil || next != "" || len(recs) != 1 || recs[0].Version != 2 || string(recs[0].Value) != "1b" || recs[0].Name != "/f/one" {
		t.Fatalf("label filter = %s, %q, %v", describeRecs(recs), next, err)
	}
}

func paramPagination(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	var want []string
	for i := 0; i < 25; i++ {
		n := fmt.Sprintf("/p/k%02d", i)
		putParam(t, db, n, "v")
		want = append(want, n)
	}
	recursive := path("p", ssm.OptionRecursive)
	if got := list(t, db, 7, recursive); !slices.Equal(got, want) {
		t.Fatalf("pages of 7 = %v", got)
	}
	// A page boundary is a key: parameters added before it are not repeated,
	// those added after it are seen, deleted ones vanish.
	recs, next, err := db.ListParameters(ctx, ssm.ParameterQuery{Filters: []ssm.ParameterFilter{recursive}, Limit: 10})
	if err != nil || len(recs) != 10 || next == "" {
		t.Fatalf("first page: %d, %q, %v", len(recs), next, err)
	}
	putParam(t, db, "/p/k00a", "v")
	putParam(t, db, "/p/k99", "v")
	if _, err := db.DeleteParameters(ctx, []string{"p/k12"}, func(r *ssm.ParameterRecord) *steward.Event {
		return &steward.Event{ID: "d", Detail: json.RawMessage(`{}`)}
	}); err != nil {
		t.Fatal(err)
	}
	var rest []string
	token := next
	for token != "" {
		recs, token, err = db.ListParameters(ctx, ssm.ParameterQuery{Filters: []ssm.ParameterFilter{recursive}, Limit: 10, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			rest = append(rest, r.Name)
		}
	}
	wantRest := slices.Concat(slices.DeleteFunc(slices.Clone(want[10:]), func(s string) bool { return s == "/p/k12" }), []string{"/p/k99"})
	if !slices.Equal(rest, wantRest) {
		t.Fatalf("rest = %v\nwant %v", rest, wantRest)
	}
	for _, tok := range []string{"!!!", "e30", "bm90LWpzb24"} {
		if _, _, err := db.ListParameters(ctx, ssm.ParameterQuery{Limit: 5, Token: tok}); !errors.Is(err, ssm.ErrInvalidNextToken) {
			t.Errorf("token %q: %v", tok, err)
		}
	}
}

func paramDelete(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	putParam(t, db, "/d/a", "1", ssm.Tag{Key: "k", Value: "v"})
	putParam(t, db, "/d/a", "2")
	putParam(t, db, "/d/b", "1")
	if err := db.UpdateParameter(ctx, "d/a", func(tx ssm.ParameterTx) error { return tx.MoveLabels(ctx, 1, []string{"x"}) }); err != nil {
		t.Fatal(err)
	}
	var events []string
	deleted, err := db.DeleteParameters(ctx, []string{"d/a", "missing", "d/b"}, func(r *ssm.ParameterRecord) *steward.Event {
		events = append(events, r.Name)
		return &steward.Event{ID: "del-" + r.Name, Source: "aws.ssm", DetailType: "Parameter Store Change", Detail: json.RawMessage(`{"operation":"Delete"}`)}
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range deleted {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	slices.Sort(events)
	if !slices.Equal(names, []string{"/d/a", "/d/b"}) || !slices.Equal(events, names) {
		t.Fatalf("deleted %v, events %v", names, events)
	}
	if got := getOne(t, db, ssm.ParameterRef{Key: "d/a", Version: 1}); got != nil {
		t.Fatal("versions survive delete")
	}
	tags, err := db.ListTags(ctx, ssm.ResourceParameter, "d/a")
	if err != nil || len(tags) != 0 {
		t.Fatalf("tags survive delete: %v, %v", tags, err)
	}
	// Re-created, the name starts over at version 1 with no labels or tags.
	rec := putParam(t, db, "/d/a", "new")
	if rec.Version != 1 {
		t.Fatalf("re-created version = %d", rec.Version)
	}
	if got := getOne(t, db, ssm.ParameterRef{Key: "d/a", Label: "x"}); got != nil {
		t.Fatal("label survives delete")
	}
	if deleted, err := db.DeleteParameters(ctx, []string{"missing"}, nil); err != nil || len(deleted) != 0 {
		t.Fatalf("delete missing = %v, %v", deleted, err)
	}
	outbox, err := db.ReadOutbox(ctx, 0, 10)
	if err != nil || len(outbox) != 2 {
		t.Fatalf("outbox after delete: %d, %v", len(outbox), err)
	}
}

func paramOutbox(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	event := &steward.Event{ID: "e1", Time: paramTime, Source: "aws.ssm", DetailType: "Parameter Store Change",
		Account: "000000000000", Region: "us-east-1", Resources: []string{"arn:aws:ssm:us-east-1:000000000000:parameter/o"},
		Detail: json.RawMessage(`{"operation":"Create","name":"/o","type":"String","description":""}`)}
	err := db.UpdateParameter(ctx, "o", func(tx ssm.ParameterTx) error {
		if err := tx.PutVersion(ctx, paramRec("/o", 1, "v"), nil); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, event)
	})
	if err != nil {
		t.Fatal(err)
	}
	// A change that fails after writing leaves neither the version nor its event.
	boom := steward.Errorf("Boom", "boom")
	err = db.UpdateParameter(ctx, "o", func(tx ssm.ParameterTx) error {
		if err := tx.PutVersion(ctx, paramRec("/o", 2, "v2"), nil); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, &steward.Event{ID: "e2", Detail: json.RawMessage(`{}`)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failed change returned %v", err)
	}
	got, err := db.ReadOutbox(ctx, 0, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("outbox = %d entries, %v", len(got), err)
	}
	if diff := cmp.Diff(*event, got[0].Event); diff != "" {
		t.Fatalf("event (-want +got):\n%s", diff)
	}
	if rec := getOne(t, db, ssm.ParameterRef{Key: "o"}); rec.Version != 1 {
		t.Fatalf("failed change left version %d", rec.Version)
	}
}

// Writers of one parameter are serialized: concurrent creators see each
// other (one creates, the others find it), concurrent overwriters get
// distinct versions.
func paramConcurrentWriters(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	const writers = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	errs := make(chan error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.UpdateParameter(ctx, "race", func(tx ssm.ParameterTx) error {
				cur, err := tx.Current(ctx)
				if err != nil {
					return err
				}
				rec := paramRec("/race", 1, "v")
				if cur != nil {
					rec.Version = cur.Version + 1
				}
				if err := tx.PutVersion(ctx, rec, nil); err != nil {
					return err
				}
				if cur == nil {
					mu.Lock()
					created++
					mu.Unlock()
				}
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rec := getOne(t, db, ssm.ParameterRef{Key: "race"})
	if rec == nil || rec.Version != writers {
		t.Fatalf("after %d writers: %+v", writers, rec)
	}
	if created < 1 {
		t.Fatal("no writer created the parameter")
	}
	page, _, err := db.ParameterHistory(ctx, "race", "", 50)
	if err != nil || len(page) != writers {
		t.Fatalf("history: %d versions, %v", len(page), err)
	}
}

func paramTags(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	if tags, err := db.ListTags(ctx, "Document", "none"); err != nil || tags == nil || len(tags) != 0 {
		t.Fatalf("ListTags(none) = %#v, %v", tags, err)
	}
	update := func(typ, id string, fn func([]ssm.Tag) ([]ssm.Tag, error)) error {
		return db.UpdateTags(ctx, typ, id, fn)
	}
	add := func(tags ...ssm.Tag) func([]ssm.Tag) ([]ssm.Tag, error) {
		return func(cur []ssm.Tag) ([]ssm.Tag, error) { return append(cur, tags...), nil }
	}
	if err := update("Document", "doc", add(ssm.Tag{Key: "b", Value: "2"}, ssm.Tag{Key: "a", Value: "1"}, ssm.Tag{Key: "B", Value: ""})); err != nil {
		t.Fatal(err)
	}
	if err := update("Parameter", "doc", add(ssm.Tag{Key: "other", Value: "type"})); err != nil {
		t.Fatal(err)
	}
	got, err := db.ListTags(ctx, "Document", "doc")
	want := []ssm.Tag{{Key: "B", Value: ""}, {Key: "a", Value: "1"}, {Key: "b", Value: "2"}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("ListTags = %v, %v; want %v", got, err, want)
	}
	// An error from update writes nothing.
	boom := errors.New("boom")
	if err := update("Document", "doc", func([]ssm.Tag) ([]ssm.Tag, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("UpdateTags error = %v", err)
	}
	if err := update("Document", "doc", func(cur []ssm.Tag) ([]ssm.Tag, error) { return cur[:1], nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ListTags(ctx, "Document", "doc"); !slices.Equal(got, want[:1]) {
		t.Fatalf("after replace = %v", got)
	}
	// Transaction helpers for other stores: PutTags upserts (last value of
	// a repeated key wins), DeleteTags clears one resource.
	err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.PutTags(ctx, "Document", "doc", []ssm.Tag{{Key: "B", Value: "x"}, {Key: "c", Value: "3"}, {Key: "c", Value: "4"}}); err != nil {
			return err
		}
		return tx.PutTags(ctx, "Document", "doc2", []ssm.Tag{{Key: "z", Value: "9"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ListTags(ctx, "Document", "doc"); !slices.Equal(got, []ssm.Tag{{Key: "B", Value: "x"}, {Key: "c", Value: "4"}}) {
		t.Fatalf("after PutTags = %v", got)
	}
	if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return tx.DeleteTags(ctx, "Document", "doc") }); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ListTags(ctx, "Document", "doc"); len(got) != 0 {
		t.Fatalf("after DeleteTags = %v", got)
	}
	if got, _ := db.ListTags(ctx, "Document", "doc2"); len(got) != 1 {
		t.Fatalf("DeleteTags touched another resource: %v", got)
	}
	if got, _ := db.ListTags(ctx, "Parameter", "doc"); len(got) != 1 {
		t.Fatalf("tags of another type = %v", got)
	}
}

// The 100-version rule, driven through the domain: the oldest version is
// dropped, unless it is labelled.
func paramVersionLimit(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	p := ssm.NewParameters(db, nopSealer{}, ssm.Env{Clock: steward.NewFakeClock(paramTime), Account: "000000000000", Region: "us-east-1"})
	put := func(v string) error {
		_, err := p.PutParameter(ctx, ssm.PutParameterInput{Name: "/limit", Value: &v, Type: ssm.TypeString, Overwrite: true})
		return err
	}
	for i := 1; i <= 100; i++ {
		if err := put(fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.LabelParameterVersion(ctx, "/limit", ptr(int64(2)), []string{"keep"}); err != nil {
		t.Fatal(err)
	}
	if err := put("101"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetParameter(ctx, "/limit:1", false); steward.ErrorCode(err) != ssm.CodeParameterVersionNotFound {
		t.Fatalf("version 1 after 101 puts: %v", err)
	}
	if err := put("102"); steward.ErrorCode(err) != ssm.CodeParameterMaxVersionLimitExceeded {
		t.Fatalf("put with labelled oldest = %v", err)
	}
	hist, _, err := db.ParameterHistory(ctx, "limit", "", 50)
	if err != nil || len(hist) != 50 || hist[0].Version != 2 {
		t.Fatalf("history after limit: %d, first %d, %v", len(hist), hist[0].Version, err)
	}
	if _, err := p.LabelParameterVersion(ctx, "/limit", nil, []string{"keep"}); err != nil {
		t.Fatal(err)
	}
	if err := put("102"); err != nil {
		t.Fatalf("put after moving the label: %v", err)
	}
	got, err := p.GetParameter(ctx, "/limit", false)
	if err != nil || got.Version != 102 {
		t.Fatalf("latest = %+v, %v", got, err)
	}
	_, oldest := versionSpan(t, db, "limit")
	if oldest != 3 {
		t.Fatalf("oldest kept version = %d, want 3", oldest)
	}
}

func versionSpan(t *testing.T, db *sqlstore.DB, key string) (int, int64) {
	t.Helper()
	var n int
	var oldest int64
	err := db.UpdateParameter(context.Background(), key, func(tx ssm.ParameterTx) error {
		var err error
		n, oldest, err = tx.Versions(context.Background())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, oldest
}

func ptr[T any](v T) *T { return &v }

// nopSealer is a Sealer for store tests that never store SecureStrings.
type nopSealer struct{}

func (nopSealer) Seal(pt, aad []byte) ([]byte, error) {
	return nil, errors.New("nopSealer: no secrets here")
}
func (nopSealer) Open(sealed, aad []byte) ([]byte, error) {
	return nil, errors.New("nopSealer: no secrets here")
}
