package storetest

import (
	"context"
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
	"github.com/stewardhq/steward/ssm/document"
)

const docAccount = "000000000000"

var docTime = time.UnixMilli(1700000000123).UTC()

// docVersion is a stored version with every field set.
func docVersion(name string, n int) *ssm.DocumentVersion {
	content := fmt.Sprintf(`{"schemaVersion": "2.2", "description": "v%d"}`, n)
	return &ssm.DocumentVersion{
		Name: name, Version: n, DisplayName: "Display " + name, Content: content, Format: document.FormatJSON,
		Hash: document.Hash(content), SchemaVersion: "2.2", Description: fmt.Sprintf("v%d", n),
		Parameters: []ssm.DocumentParameter{
			{Name: "zeta", Type: "String", Description: "last letter", DefaultValue: "", HasDefault: true},
			{Name: "alpha", Type: "StringList"},
		},
		PlatformTypes: []string{"Linux", "MacOS"}, TargetType: "/AWS::EC2::Instance",
		CreatedDate: docTime.Add(time.Duration(n) * time.Second),
	}
}

func createDoc(t *testing.T, db *sqlstore.DB, owner, name, docType string, v *ssm.DocumentVersion, tags []ssm.Tag) {
	t.Helper()
	ctx := context.Background()
	err := db.WriteDocument(ctx, name, func(tx ssm.DocumentTx) error {
		cur, err := tx.Document(ctx)
		if err != nil || cur != nil {
			return fmt.Errorf("Document() = %v, %v before creation", cur, err)
		}
		return tx.CreateDocument(ctx, &ssm.DocumentInfo{Name: name, Owner: owner, Type: docType, CreatedDate: docTime}, v, tags)
	})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
}

func testDocuments(t *testing.T, newDB NewDB) {
	t.Run("Versions", func(t *testing.T) { testDocumentVersions(t, newDB(t)) })
	t.Run("List", func(t *testing.T) { testDocumentList(t, newDB(t)) })
	t.Run("Builtins", func(t *testing.T) { testDocumentBuiltins(t, newDB(t)) })
}

func testDocumentVersions(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	if _, err := db.GetDocument(ctx, "doc"); !errors.Is(err, ssm.ErrDocumentNotFound) {
		t.Fatalf("GetDocument(missing) = %v, want ErrDocumentNotFound", err)
	}
	if _, err := db.GetDocumentVersion(ctx, "doc", 1, ""); !errors.Is(err, ssm.ErrDocumentNotFound) {
		t.Fatalf("GetDocumentVersion(missing) = %v, want ErrDocumentNotFound", err)
	}
	if _, _, err := db.ListDocumentVersions(ctx, "doc", "", 10); !errors.Is(err, ssm.ErrDocumentNotFound) {
		t.Fatalf("ListDocumentVersions(missing) = %v, want ErrDocumentNotFound", err)
	}

	v1 := docVersion("doc", 1)
	v1.VersionName = "first"
	v1.Requires = []ssm.DocumentRequires{{Name: "schema-doc", Version: "$LATEST", RequireType: "Schema"}, {Name: "other"}}
	createDoc(t, db, docAccount, "doc", "Command", v1, []ssm.Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}, {Key: "b", Value: "3"}})

	info, err := db.GetDocument(ctx, "doc")
	if err != nil {
		t.Fatal(err)
	}
	want := &ssm.DocumentInfo{Name: "doc", Owner: docAccount, Type: "Command", CreatedDate: docTime,
		DefaultVersion: 1, LatestVersion: 1, MaxVersion: 1, VersionCount: 1}
	if diff := cmp.Diff(want, info); diff != "" {
		t.Fatalf("GetDocument (-want +got):\n%s", diff)
	}
	for _, sel := range []struct {
		n    int
		name string
	}{{1, ""}, {0, "first"}, {1, "first"}} {
		got, err := db.GetDocumentVersion(ctx, "doc", sel.n, sel.name)
		if err != nil {
			t.Fatalf("GetDocumentVersion(%v): %v", sel, err)
		}
		if diff := cmp.Diff(v1, got); diff != "" {
			t.Fatalf("GetDocumentVersion(%v) (-want +got):\n%s", sel, diff)
		}
	}
	for _, sel := range []struct {
		n    int
		name string
	}{{2, ""}, {0, "second"}, {2, "first"}} {
		if _, err := db.GetDocumentVersion(ctx, "doc", sel.n, sel.name); !errors.Is(err, ssm.ErrDocumentVersionNotFound) {
			t.Errorf("GetDocumentVersion(%v) = %v, want ErrDocumentVersionNotFound", sel, err)
		}
	}
	tags, err := db.DocumentTags(ctx, "doc")
	if err != nil || !slices.Equal(tags, []ssm.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "3"}}) {
		t.Errorf("DocumentTags = %v, %v", tags, err)
	}

	// A second creation of the name fails; the failed transaction leaves nothing.
	err = db.WriteDocument(ctx, "doc", func(tx ssm.DocumentTx) error {
		return tx.CreateDocument(ctx, &ssm.DocumentInfo{Name: "doc", Owner: docAccount, Type: "Command", CreatedDate: docTime},
			docVersion("doc", 1), nil)
	})
	if !errors.Is(err, ssm.ErrDocumentExists) {
		t.Fatalf("CreateDocument(existing) = %v, want ErrDocumentExists", err)
	}
	boom := errors.New("boom")
	err = db.WriteDocument(ctx, "doc", func(tx ssm.DocumentTx) error {
		if err := tx.PutVersion(ctx, docVersion("doc", 2)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WriteDocument = %v, want boom", err)
	}

	// Versions 2…5 (5 without a version name, 3 named), default 3.
	err = db.WriteDocument(ctx, "doc", func(tx ssm.DocumentTx) error {
		info, err := tx.Document(ctx)
		if err != nil || info.LatestVersion != 1 || info.VersionCount != 1 {
			return fmt.Errorf("Document() = %+v, %v after a rolled-back write", info, err)
		}
		for n := 2; n <= 5; n++ {
			v := docVersion("doc", n)
			if n == 3 {
				v.VersionName = "third"
			}
			if err := tx.PutVersion(ctx, v); err != nil {
				return err
			}
		}
		if v, err := tx.Version(ctx, 0, "third"); err != nil || v == nil || v.Version != 3 {
			return fmt.Errorf("Version(third) = %+v, %v", v, err)
		}
		if v, err := tx.Version(ctx, 9, ""); err != nil || v != nil {
			return fmt.Errorf("Version(9) = %+v, %v", v, err)
		}
		return tx.SetDefaultVersion(ctx, 3)
	})
	if err != nil {
		t.Fatal(err)
	}
	info, _ = db.GetDocument(ctx, "doc")
	want = &ssm.DocumentInfo{Name: "doc", Owner: docAccount, Type: "Command", CreatedDate: docTime,
		DefaultVersion: 3, LatestVersion: 5, MaxVersion: 5, VersionCount: 5}
	if diff := cmp.Diff(want, info); diff != "" {
		t.Fatalf("after updates (-want +got):\n%s", diff)
	}

	// Delete the latest and a middle version: the latest is the highest left,
	// the highest number ever assigned stays.
	err = db.WriteDocument(ctx, "doc", func(tx ssm.DocumentTx) error {
		if err := tx.DeleteVersion(ctx, 5); err != nil {
			return err
		}
		return tx.DeleteVersion(ctx, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	info, _ = db.GetDocument(ctx, "doc")
	if info.LatestVersion != 4 || info.MaxVersion != 5 || info.VersionCount != 3 || info.DefaultVersion != 3 {
		t.Fatalf("after deletes: %+v", info)
	}

	// Versions list in order, in pages, without content.
	var got []int
	token := ""
	for page := 0; ; page++ {
		vs, next, err := db.ListDocumentVersions(ctx, "doc", token, 2)
		if err != nil || len(vs) > 2 || page > 2 {
			t.Fatalf("ListDocumentVersions page %d = %d, %v", page, len(vs), err)
		}
		for _, v := range vs {
			got = append(got, v.Version)
			if v.Content != "" || v.Parameters != nil || v.Hash == "" || v.DisplayName != "Display doc" ||
				!v.CreatedDate.Equal(docTime.Add(time.Duration(v.Version)*time.Second)) {
				t.Errorf("listed version %+v", v)
			}
		}
		if token = next; token == "" {
			break
		}
	}
	if !slices.Equal(got, []int{1, 3, 4}) {
		t.Errorf("versions = %v", got)
	}
	if _, _, err := db.ListDocumentVersions(ctx, "doc", "nonsense", 2); !errors.Is(err, ssm.ErrInvalidNextToken) {
		t.Errorf("ListDocumentVersions(bad token) = %v", err)
	}

	// Delete everything: versions and tags go; the name can be used again.
	if err := db.WriteDocument(ctx, "doc", func(tx ssm.DocumentTx) error { return tx.DeleteDocument(ctx) }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetDocument(ctx, "doc"); !errors.Is(err, ssm.ErrDocumentNotFound) {
		t.Fatalf("GetDocument(deleted) = %v", err)
	}
	if tags, err := db.DocumentTags(ctx, "doc"); err != nil || len(tags) != 0 {
		t.Fatalf("tags of a deleted document = %v, %v", tags, err)
	}
	v1 = docVersion("doc", 1)
	createDoc(t, db, docAccount, "doc", "Automation", v1, nil)
	if got, err := db.GetDocumentVersion(ctx, "doc", 1, ""); err != nil || got.Description != "v1" || got.VersionName != "" {
		t.Fatalf("recreated version = %+v, %v", got, err)
	}
	if vs, _, err := db.ListDocumentVersions(ctx, "doc", "", 10); err != nil || len(vs) != 1 {
		t.Fatalf("versions of the recreated document = %d, %v", len(vs), err)
	}

	// Writers of one document are serialized: each sees the others' versions.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.WriteDocument(ctx, "doc", func(tx ssm.DocumentTx) error {
				info, err := tx.Document(ctx)
				if err != nil {
					return err
				}
				if info.VersionCount != info.MaxVersion || info.LatestVersion != info.MaxVersion {
					return fmt.Errorf("Document() = %+v: a stale read", info)
				}
				return tx.PutVersion(ctx, docVersion("doc", info.MaxVersion+1))
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent writer %d: %v", i, err)
		}
	}
	if info, err := db.GetDocument(ctx, "doc"); err != nil || info.VersionCount != 9 || info.LatestVersion != 9 {
		t.Errorf("after concurrent writers: %+v, %v", info, err)
	}
}

func testDocumentList(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	mk := func(owner, name, docType, schema, target string, platforms []string, tags ...ssm.Tag) {
		v := docVersion(name, 1)
		v.SchemaVersion, v.TargetType, v.PlatformTypes = schema, target, platforms
		createDoc(t, db, owner, name, docType, v, tags)
	}
	mk(ssm.OwnerAmazon, "AWS-RunShellScript", "Command", "1.2", "/AWS::EC2::Instance", []string{"Linux", "MacOS"})
	mk(ssm.OwnerAmazon, "AWS-RunPowerShellScript", "Command", "1.2", "/AWS::EC2::Instance", []string{"Windows", "Linux"})
	mk(docAccount, "deploy-web", "Command", "2.2", "/", []string{"Linux"}, ssm.Tag{Key: "env", Value: "prod"}, ssm.Tag{Key: "team", Value: "web"})
	mk(docAccount, "deploy-db", "Command", "2.2", "", []string{"Windows"}, ssm.Tag{Key: "env", Value: "dev"})
	mk(docAccount, "restart", "Automation", "0.3", "", []string{"Windows", "Linux", "MacOS"})
	mk(docAccount, "Zulu", "Command", "2.2", "", []string{"MacOS"})
	mk("111111111111", "other-account", "Command", "2.2", "", []string{"Linux"})

	// The listing shows the default version, not the latest.
	err := db.WriteDocument(ctx, "deploy-web", func(tx ssm.DocumentTx) error {
		v := docVersion("deploy-web", 2)
		v.SchemaVersion, v.PlatformTypes = "0.3", []string{"Windows"}
		return tx.PutVersion(ctx, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.WriteDocument(ctx, "x", func(tx ssm.DocumentTx) error {
		if n, err := tx.CountDocuments(ctx, docAccount); err != nil || n != 4 {
			return fmt.Errorf("CountDocuments = %d, %v", n, err)
		}
		if n, err := tx.CountDocuments(ctx, ssm.OwnerAmazon); err != nil || n != 2 {
			return fmt.Errorf("CountDocuments(Amazon) = %d, %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	list := func(q ssm.DocumentQuery) []string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 50
		}
		docs, next, err := db.ListDocuments(ctx, q)
		if err != nil || next != "" {
			t.Fatalf("ListDocuments(%+v) = %v, %q", q, err, next)
		}
		var names []string
		for _, d := range docs {
			names = append(names, d.Document.Name)
		}
		return names
	}
	cond := func(f ssm.DocumentField, values ...string) ssm.DocumentCondition {
		return ssm.DocumentCondition{Field: f, Values: values}
	}
	tag := func(key string, values ...string) ssm.DocumentCondition {
		return ssm.DocumentCondition{Field: ssm.DocumentTag, TagKey: key, Values: values}
	}
	all := []string{"AWS-RunPowerShellScript", "AWS-RunShellScript", "Zulu", "deploy-db", "deploy-web", "other-account", "restart"}
	for _, c := range []struct {
		q    ssm.DocumentQuery
		want []string
	}{
		{ssm.DocumentQuery{}, all},
		{ssm.DocumentQuery{Owner: docAccount}, []string{"Zulu", "deploy-db", "deploy-web", "restart"}},
		{ssm.DocumentQuery{Owner: ssm.OwnerAmazon}, []string{"AWS-RunPowerShellScript", "AWS-RunShellScript"}},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{cond(ssm.DocumentNamePrefix, "deploy-", "AWS-RunS")}},
			[]string{"AWS-RunShellScript", "deploy-db", "deploy-web"}},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{cond(ssm.DocumentNamePrefix, "Deploy")}}, nil},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{cond(ssm.DocumentKeyword, "ZUL", "powershell")}},
			[]string{"AWS-RunPowerShellScript", "Zulu"}},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{cond(ssm.DocumentTypeIs, "Automation")}}, []string{"restart"}},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{cond(ssm.DocumentSchemaVersionIs, "1.2", "0.3")}},
			[]string{"AWS-RunPowerShellScript", "AWS-RunShellScript", "restart"}},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{cond(ssm.DocumentTargetTypeIs, "/")}}, []string{"deploy-web"}},
		{ssm.DocumentQuery{Owner: docAccount, Conditions: []ssm.DocumentCondition{cond(ssm.DocumentPlatform, "Windows")}},
			[]string{"deploy-db", "restart"}},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{cond(ssm.DocumentPlatform, "MacOS", "Windows"), cond(ssm.DocumentTypeIs, "Command")}},
			[]string{"AWS-RunPowerShellScript", "AWS-RunShellScript", "Zulu", "deploy-db"}},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{cond(ssm.DocumentPlatform, "BeOS")}}, nil},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{tag("env")}}, []string{"deploy-db", "deploy-web"}},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{tag("env", "prod", "qa")}}, []string{"deploy-web"}},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{tag("env", "dev"), tag("team")}}, nil},
		{ssm.DocumentQuery{Conditions: []ssm.DocumentCondition{tag("env"), tag("team", "web")}}, []string{"deploy-web"}},
	} {
		if got := list(c.q); !slices.Equal(got, c.want) {
			t.Errorf("ListDocuments(%+v) = %v, want %v", c.q, got, c.want)
		}
	}

	// Entries: the default version without content, with tags.
	docs, _, err := db.ListDocuments(ctx, ssm.DocumentQuery{Limit: 50, Conditions: []ssm.DocumentCondition{cond(ssm.DocumentNamePrefix, "deploy-")}})
	if err != nil || len(docs) != 2 {
		t.Fatalf("ListDocuments = %v, %v", docs, err)
	}
	web := docs[1]
	if web.Document.Owner != docAccount || web.Document.Type != "Command" || web.Document.DefaultVersion != 1 ||
		web.Document.LatestVersion != 2 || web.Version.Version != 1 || web.Version.SchemaVersion != "2.2" ||
		web.Version.Content != "" || web.Version.Hash == "" || web.Version.Format != document.FormatJSON ||
		!slices.Equal(web.Version.PlatformTypes, []string{"Linux"}) || !web.Version.CreatedDate.Equal(docTime.Add(time.Second)) ||
		!slices.Equal(web.Tags, []ssm.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "web"}}) {
		t.Errorf("deploy-web entry = %+v", web)
	}
	if docs[0].Tags == nil || len(docs[0].Tags) != 1 {
		t.Errorf("deploy-db tags = %#v", docs[0].Tags)
	}

	// Pages are stable: a document added behind the cursor does not shift them.
	var got []string
	token := ""
	for page := 0; ; page++ {
		docs, next, err := db.ListDocuments(ctx, ssm.DocumentQuery{Token: token, Limit: 3})
		if err != nil || len(docs) > 3 || page > 3 {
			t.Fatalf("page %d: %d, %v", page, len(docs), err)
		}
		for _, d := range docs {
			got = append(got, d.Document.Name)
		}
		if page == 0 {
			mk(docAccount, "AAA-first", "Command", "2.2", "", []string{"Linux"})
		}
		if token = next; token == "" {
			break
		}
	}
	if !slices.Equal(got, all) {
		t.Errorf("pages = %v, want %v", got, all)
	}
	if _, _, err := db.ListDocuments(ctx, ssm.DocumentQuery{Token: "!!", Limit: 3}); !errors.Is(err, ssm.ErrInvalidNextToken) {
		t.Errorf("ListDocuments(bad token) = %v", err)
	}
}

// testDocumentBuiltins installs Amazon's documents twice through the domain:
// the second run changes nothing.
func testDocumentBuiltins(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	clock := steward.NewFakeClock(docTime)
	docs := ssm.NewDocuments(db, ssm.Env{Clock: clock, Account: docAccount, Region: "us-east-1"})
	if err := docs.InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	if err := docs.InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	list, _, err := db.ListDocuments(ctx, ssm.DocumentQuery{Owner: ssm.OwnerAmazon, Limit: 50})
	if err != nil || len(list) != len(document.Builtins()) {
		t.Fatalf("builtins = %d, %v", len(list), err)
	}
	for _, d := range list {
		if d.Document.LatestVersion != 1 || d.Document.DefaultVersion != 1 || !d.Version.CreatedDate.Equal(docTime) {
			t.Errorf("builtin %s = %+v after a second install", d.Document.Name, d.Document)
		}
	}
}
