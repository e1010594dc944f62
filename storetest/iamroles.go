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
	"github.com/stewardhq/steward/iam"
	"github.com/stewardhq/steward/sqlstore"
)

func testIAMRoles(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *sqlstore.DB)
	}{
		{"CreateAndGet", iamCreateAndGet},
		{"CreateRace", iamCreateRace},
		{"Rollback", iamRollback},
		{"ListRoles", iamListRoles},
		{"InlinePolicies", iamInlinePolicies},
		{"ManagedPolicies", iamManagedPolicies},
		{"Attachments", iamAttachments},
		{"RoleDocuments", iamRoleDocuments},
		{"DeleteRole", iamDeleteRole},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newDB(t)) })
	}
}

var iamTime = time.UnixMilli(1769000100123).UTC()

const iamTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func iamRole(name, path string) *iam.RoleRecord {
	return &iam.RoleRecord{
		Name: name, RoleID: "AROA" + fmt.Sprintf("%017d", len(name)*1000+len(path)) + name, Path: path,
		TrustPolicy: iamTrust, Description: "d " + name, MaxSessionDuration: 3600, CreatedAt: iamTime,
	}
}

func iamDoc(action string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"` + action + `","Resource":"*"}}`
}

// iamUpdate runs fn in UpdateIAM and fails the test on error.
func iamUpdate(t *testing.T, db *sqlstore.DB, fn func(context.Context, iam.IAMTx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.UpdateIAM(ctx, func(tx iam.IAMTx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func iamCreateRole(t *testing.T, db *sqlstore.DB, r *iam.RoleRecord) {
	t.Helper()
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error { return tx.CreateRole(ctx, r) })
}

func iamCreatePolicy(t *testing.T, db *sqlstore.DB, name, path, doc string) *iam.PolicyRecord {
	t.Helper()
	p := &iam.PolicyRecord{Name: name, PolicyID: "ANPA" + fmt.Sprintf("%017d", len(name)) + name, Path: path,
		DefaultVersion: 1, NextVersion: 2, CreatedAt: iamTime, UpdatedAt: iamTime}
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error {
		return tx.CreatePolicy(ctx, p, &iam.PolicyVersion{Version: 1, Document: doc, CreatedAt: iamTime})
	})
	return p
}

func iamCreateAndGet(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	if _, err := db.GetRole(ctx, "nope"); !errors.Is(err, iam.ErrNoSuchRole) {
		t.Fatalf("missing role: %v", err)
	}
	want := iamRole("MyRole", "/service-role/")
	want.TrustPolicy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}" // stored byte for byte
	want.Tags = []iam.Tag{{Key: "zeta", Value: "1"}, {Key: "Alpha", Value: ""}}
	want.PermissionsBoundary, want.BoundaryKey = "arn:aws:iam::123456789012:policy/b", "b"
	iamCreateRole(t, db, want)
	got, err := db.GetRole(ctx, "myrole")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
	// PutRole replaces the stored fields; Role sees them in the transaction.
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error {
		r, err := tx.Role(ctx, "myrole")
		if err != nil || r == nil {
			return fmt.Errorf("Role in tx: %v, %v", r, err)
		}
		r.Description, r.MaxSessionDuration, r.Tags = "", 43200, nil
		r.TrustPolicy = iamTrust
		if err := tx.PutRole(ctx, r); err != nil {
			return err
		}
		again, err := tx.Role(ctx, "myrole")
		if err != nil {
			return err
		}
		if again.Description != "" || again.MaxSessionDuration != 43200 {
			return fmt.Errorf("in-tx read = %+v", again)
		}
		missing, err := tx.Role(ctx, "other")
		if missing != nil || err != nil {
			return fmt.Errorf("missing role in tx = %v, %v", missing, err)
		}
		return nil
	})
	got, _ = db.GetRole(ctx, "myrole")
	if got.Description != "" || got.MaxSessionDuration != 43200 || got.Tags != nil || got.TrustPolicy != iamTrust || got.RoleID != want.RoleID {
		t.Fatalf("after PutRole: %+v", got)
	}
}

// iamCreateRace: creators of one name in parallel; the store retries the
// losers, which then see the winner's role.
func iamCreateRace(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, existed := 0, 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := iamRole("Racer", "/")
			r.RoleID = fmt.Sprintf("AROARACER%012d", i)
			err := db.UpdateIAM(ctx, func(tx iam.IAMTx) error {
				cur, err := tx.Role(ctx, "racer")
				if err != nil {
					return err
				}
				if cur != nil {
					mu.Lock()
					existed++
					mu.Unlock()
					return nil
				}
				return tx.CreateRole(ctx, r)
			})
			if err != nil {
				t.Errorf("creator %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	roles, _, err := db.ListRoles(ctx, iam.ListQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	created = len(roles)
	if created != 1 || existed < n-1 {
		t.Fatalf("created %d roles; %d creators saw one (want 1 and ≥ %d)", created, existed, n-1)
	}
}

// iamRollback: an error from fn leaves nothing behind.
func iamRollback(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.UpdateIAM(ctx, func(tx iam.IAMTx) error {
		if err := tx.CreateRole(ctx, iamRole("Gone", "/")); err != nil {
			return err
		}
		if err := tx.PutInlinePolicy(ctx, "gone", iam.InlinePolicy{Name: "p", Document: iamDoc("s3:*"), Size: 10}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateIAM = %v, want fn's error", err)
	}
	if _, err := db.GetRole(ctx, "gone"); !errors.Is(err, iam.ErrNoSuchRole) {
		t.Fatalf("role after rollback: %v", err)
	}
}

func iamListRoles(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	names := []string{"b-role", "A-role", "c.role", "app1", "app2", "x"}
	paths := []string{"/", "/", "/team/", "/app/", "/app/sub/", "/application/"}
	for i, n := range names {
		iamCreateRole(t, db, iamRole(n, paths[i]))
	}
	list := func(prefix string, limit int) []string {
		t.Helper()
		var out []string
		marker := ""
		for pages := 0; ; pages++ {
			roles, next, err := db.ListRoles(ctx, iam.ListQuery{PathPrefix: prefix, Marker: marker, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(roles) > limit {
				t.Fatalf("page of %d > limit %d", len(roles), limit)
			}
			for _, r := range roles {
				out = append(out, r.Name)
			}
			if next == "" {
				return out
			}
			if pages > 20 {
				t.Fatal("listing does not end")
			}
			marker = next
		}
	}
	all := []string{"A-role", "app1", "app2", "b-role", "c.role", "x"} // by lower-cased name
	for _, limit := range []int{1, 2, 5, 100} {
		if got := list("", limit); !slices.Equal(got, all) {
			t.Fatalf("limit %d: %v, want %v", limit, got, all)
		}
	}
	if got := list("/", 2); !slices.Equal(got, all) {
		t.Fatalf("prefix /: %v", got)
	}
	if got := list("/app", 1); !slices.Equal(got, []string{"app1", "app2", "x"}) {
		t.Fatalf("prefix /app: %v", got)
	}
	if got := list("/app/", 10); !slices.Equal(got, []string{"app1", "app2"}) {
		t.Fatalf("prefix /app/: %v", got)
	}
	if got := list("/nothing/", 10); len(got) != 0 {
		t.Fatalf("prefix /nothing/: %v", got)
	}
	for _, bad := range []string{"garbage!", sqlstore.EncodeToken(map[string]int{"k": 1}), sqlstore.EncodeToken(map[string]string{})} {
		if _, _, err := db.ListRoles(ctx, iam.ListQuery{Marker: bad, Limit: 5}); !errors.Is(err, iam.ErrInvalidMarker) {
			t.Fatalf("marker %q: %v", bad, err)
		}
	}
}

func iamInlinePolicies(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	iamCreateRole(t, db, iamRole("R", "/"))
	if _, err := db.GetRolePolicy(ctx, "nope", "p"); !errors.Is(err, iam.ErrNoSuchRole) {
		t.Fatalf("missing role: %v", err)
	}
	if _, err := db.GetRolePolicy(ctx, "r", "p"); !errors.Is(err, iam.ErrNoSuchRolePolicy) {
		t.Fatalf("missing policy: %v", err)
	}
	if _, _, err := db.ListRolePolicies(ctx, "nope", iam.ListQuery{Limit: 5}); !errors.Is(err, iam.ErrNoSuchRole) {
		t.Fatalf("list of missing role: %v", err)
	}
	names := []string{"Zed", "alpha", "Beta"}
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error {
		for _, n := range names {
			if err := tx.PutInlinePolicy(ctx, "r", iam.InlinePolicy{Name: n, Document: iamDoc("s3:" + n), Size: 60}); err != nil {
				return err
			}
		}
		// Replacing by key (regardless of case) keeps one policy, renamed.
		return tx.PutInlinePolicy(ctx, "r", iam.InlinePolicy{Name: "ALPHA", Document: iamDoc("sqs:*"), Size: 61})
	})
	p, err := db.GetRolePolicy(ctx, "r", "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&iam.InlinePolicy{Name: "ALPHA", Document: iamDoc("sqs:*"), Size: 61}, p); diff != "" {
		t.Fatalf("GetRolePolicy (-want +got):\n%s", diff)
	}
	var got []string
	marker := ""
	for {
		page, next, err := db.ListRolePolicies(ctx, "r", iam.ListQuery{Marker: marker, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if next == "" {
			break
		}
		marker = next
	}
	if want := []string{"ALPHA", "Beta", "Zed"}; !slices.Equal(got, want) {
		t.Fatalf("ListRolePolicies = %v, want %v", got, want)
	}
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error {
		all, err := tx.InlinePolicies(ctx, "r")
		if err != nil {
			return err
		}
		if len(all) != 3 || all[0].Size != 61 {
			return fmt.Errorf("InlinePolicies = %+v", all)
		}
		ok, err := tx.DeleteInlinePolicy(ctx, "r", "beta")
		if err != nil || !ok {
			return fmt.Errorf("delete beta: %v %v", ok, err)
		}
		ok, err = tx.DeleteInlinePolicy(ctx, "r", "beta")
		if err != nil || ok {
			return fmt.Errorf("delete beta again: %v %v", ok, err)
		}
		return nil
	})
	if _, err := db.GetRolePolicy(ctx, "r", "beta"); !errors.Is(err, iam.ErrNoSuchRolePolicy) {
		t.Fatalf("deleted policy: %v", err)
	}
}

func iamManagedPolicies(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	if _, err := db.GetPolicy(ctx, "nope"); !errors.Is(err, iam.ErrNoSuchPolicy) {
		t.Fatalf("missing policy: %v", err)
	}
	want := iamCreatePolicy(t, db, "Ops", "/team/", iamDoc("ssm:*"))
	want.Tags = nil
	got, err := db.GetPolicy(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("GetPolicy (-want +got):\n%s", diff)
	}
	// Versions: add v2 and v3, make v3 the default, drop v2.
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error {
		p, err := tx.Policy(ctx, "ops")
		if err != nil || p == nil {
			return fmt.Errorf("Policy in tx: %v %v", p, err)
		}
		for _, n := range []int64{2, 3} {
			if err := tx.PutVersion(ctx, "ops", &iam.PolicyVersion{Version: n, Document: iamDoc(fmt.Sprintf("s3:V%d", n)), CreatedAt: iamTime.Add(time.Duration(n) * time.Second)}); err != nil {
				return err
			}
		}
		p.DefaultVersion, p.NextVersion, p.UpdatedAt = 3, 4, iamTime.Add(time.Hour)
		p.Tags = []iam.Tag{{Key: "k", Value: "v"}}
		if err := tx.PutPolicy(ctx, p); err != nil {
			return err
		}
		if err := tx.DeleteVersion(ctx, "ops", 2); err != nil {
			return err
		}
		vs, err := tx.Versions(ctx, "ops")
		if err != nil {
			return err
		}
		if !slices.Equal(vs, []int64{1, 3}) {
			return fmt.Errorf("Versions = %v", vs)
		}
		return nil
	})
	got, _ = db.GetPolicy(ctx, "ops")
	if got.DefaultVersion != 3 || got.NextVersion != 4 || !got.UpdatedAt.Equal(iamTime.Add(time.Hour)) || len(got.Tags) != 1 {
		t.Fatalf("after PutPolicy: %+v", got)
	}
	v, err := db.GetPolicyVersion(ctx, "ops", 3)
	if err != nil || v.Document != iamDoc("s3:V3") || !v.CreatedAt.Equal(iamTime.Add(3*time.Second)) {
		t.Fatalf("GetPolicyVersion = %+v, %v", v, err)
	}
	if _, err := db.GetPolicyVersion(ctx, "ops", 2); !errors.Is(err, iam.ErrNoSuchPolicy) {
		t.Fatalf("deleted version: %v", err)
	}
	vs, err := db.ListPolicyVersions(ctx, "ops")
	if err != nil || len(vs) != 2 || vs[0].Version != 3 || vs[1].Version != 1 {
		t.Fatalf("ListPolicyVersions = %v, %v", vs, err)
	}

	// Listing: paths, paging, usage filters.
	iamCreatePolicy(t, db, "alpha", "/", iamDoc("s3:*"))
	iamCreatePolicy(t, db, "Boundary", "/", iamDoc("*"))
	iamCreatePolicy(t, db, "zulu", "/team/x/", iamDoc("sqs:*"))
	r := iamRole("Holder", "/")
	r.PermissionsBoundary, r.BoundaryKey = "arn:aws:iam::123456789012:policy/Boundary", "boundary"
	iamCreateRole(t, db, r)
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error { return tx.Attach(ctx, "holder", "zulu") })
	list := func(q iam.PolicyQuery) []string {
		t.Helper()
		var out []string
		for {
			page, next, err := db.ListPolicies(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				out = append(out, p.Name)
			}
			if next == "" {
				return out
			}
			q.Marker = next
		}
	}
	cases := []struct {
		q    iam.PolicyQuery
		want []string
	}{
		{iam.PolicyQuery{ListQuery: iam.ListQuery{Limit: 1}}, []string{"alpha", "Boundary", "Ops", "zulu"}},
		{iam.PolicyQuery{ListQuery: iam.ListQuery{PathPrefix: "/team/", Limit: 1}}, []string{"Ops", "zulu"}},
		{iam.PolicyQuery{ListQuery: iam.ListQuery{PathPrefix: "/team/x/", Limit: 5}}, []string{"zulu"}},
		{iam.PolicyQuery{ListQuery: iam.ListQuery{Limit: 5}, OnlyAttached: true}, []string{"Boundary", "zulu"}},
		{iam.PolicyQuery{ListQuery: iam.ListQuery{Limit: 5}, OnlyAttached: true, Usage: iam.UsagePermissionsPolicy}, []string{"zulu"}},
		{iam.PolicyQuery{ListQuery: iam.ListQuery{Limit: 5}, OnlyAttached: true, Usage: iam.UsagePermissionsBoundary}, []string{"Boundary"}},
	}
	for _, c := range cases {
		if got := list(c.q); !slices.Equal(got, c.want) {
			t.Errorf("ListPolicies(%+v) = %v, want %v", c.q, got, c.want)
		}
	}
	if _, _, err := db.ListPolicies(ctx, iam.PolicyQuery{ListQuery: iam.ListQuery{Marker: "%%", Limit: 5}}); !errors.Is(err, iam.ErrInvalidMarker) {
		t.Fatalf("bad marker: %v", err)
	}
	b, _ := db.GetPolicy(ctx, "boundary")
	z, _ := db.GetPolicy(ctx, "zulu")
	if b.BoundaryCount != 1 || b.AttachmentCount != 0 || z.AttachmentCount != 1 || z.BoundaryCount != 0 {
		t.Fatalf("usage counts: boundary %+v, zulu %+v", b, z)
	}

	// DeletePolicy removes the policy and its versions.
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error { return tx.DeletePolicy(ctx, "ops") })
	if _, err := db.GetPolicy(ctx, "ops"); !errors.Is(err, iam.ErrNoSuchPolicy) {
		t.Fatalf("deleted policy: %v", err)
	}
	if vs, err := db.ListPolicyVersions(ctx, "ops"); err != nil || len(vs) != 0 {
		t.Fatalf("versions of deleted policy: %v %v", vs, err)
	}
}

func iamAttachments(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	iamCreateRole(t, db, iamRole("R", "/"))
	for _, n := range []string{"p3", "P1", "p2"} {
		iamCreatePolicy(t, db, n, "/"+n+"/", iamDoc("s3:"+n))
	}
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error {
		for _, k := range []string{"p3", "p1", "p2", "p1"} { // attaching twice is a no-op
			if err := tx.Attach(ctx, "r", k); err != nil {
				return err
			}
		}
		keys, err := tx.Attached(ctx, "r")
		if err != nil {
			return err
		}
		if !slices.Equal(keys, []string{"p1", "p2", "p3"}) {
			return fmt.Errorf("Attached = %v", keys)
		}
		p, err := tx.Policy(ctx, "p1")
		if err != nil || p.AttachmentCount != 1 {
			return fmt.Errorf("Policy p1 = %+v, %v", p, err)
		}
		return nil
	})
	var got []string
	marker := ""
	for {
		page, next, err := db.ListAttachedRolePolicies(ctx, "r", iam.ListQuery{Marker: marker, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page {
			got = append(got, p.Name+p.Path)
		}
		if next == "" {
			break
		}
		marker = next
	}
	if want := []string{"P1/P1/", "p2/p2/", "p3/p3/"}; !slices.Equal(got, want) {
		t.Fatalf("ListAttachedRolePolicies = %v, want %v", got, want)
	}
	page, _, err := db.ListAttachedRolePolicies(ctx, "r", iam.ListQuery{PathPrefix: "/p2", Limit: 10})
	if err != nil || len(page) != 1 || page[0].Name != "p2" {
		t.Fatalf("path prefix /p2: %v %v", page, err)
	}
	if _, _, err := db.ListAttachedRolePolicies(ctx, "nope", iam.ListQuery{Limit: 10}); !errors.Is(err, iam.ErrNoSuchRole) {
		t.Fatalf("missing role: %v", err)
	}
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error {
		ok, err := tx.Detach(ctx, "r", "p2")
		if err != nil || !ok {
			return fmt.Errorf("detach: %v %v", ok, err)
		}
		ok, err = tx.Detach(ctx, "r", "p2")
		if err != nil || ok {
			return fmt.Errorf("detach again: %v %v", ok, err)
		}
		return nil
	})
	page, _, _ = db.ListAttachedRolePolicies(ctx, "r", iam.ListQuery{Limit: 10})
	if len(page) != 2 {
		t.Fatalf("after detach: %d attached", len(page))
	}
}

func iamRoleDocuments(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	if _, err := db.RoleDocuments(ctx, "nope"); !errors.Is(err, iam.ErrNoSuchRole) {
		t.Fatalf("missing role: %v", err)
	}
	r := iamRole("R", "/")
	r.PermissionsBoundary, r.BoundaryKey = "arn:aws:iam::123456789012:policy/bound", "bound"
	iamCreateRole(t, db, r)
	iamCreatePolicy(t, db, "managed", "/", iamDoc("sns:V1"))
	iamCreatePolicy(t, db, "bound", "/", iamDoc("*"))
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error {
		if err := tx.PutInlinePolicy(ctx, "r", iam.InlinePolicy{Name: "b", Document: iamDoc("s3:B"), Size: 1}); err != nil {
			return err
		}
		if err := tx.PutInlinePolicy(ctx, "r", iam.InlinePolicy{Name: "a", Document: iamDoc("s3:A"), Size: 1}); err != nil {
			return err
		}
		// The attached policy's default version is v2.
		if err := tx.PutVersion(ctx, "managed", &iam.PolicyVersion{Version: 2, Document: iamDoc("sns:V2"), CreatedAt: iamTime}); err != nil {
			return err
		}
		p, err := tx.Policy(ctx, "managed")
		if err != nil {
			return err
		}
		p.DefaultVersion, p.NextVersion = 2, 3
		if err := tx.PutPolicy(ctx, p); err != nil {
			return err
		}
		return tx.Attach(ctx, "r", "managed")
	})
	docs, err := db.RoleDocuments(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if docs.Role.Name != "R" || docs.Role.TrustPolicy != iamTrust {
		t.Fatalf("role = %+v", docs.Role)
	}
	if !slices.Equal(docs.Inline, []string{iamDoc("s3:A"), iamDoc("s3:B")}) {
		t.Fatalf("inline = %v", docs.Inline)
	}
	if !slices.Equal(docs.Attached, []string{iamDoc("sns:V2")}) {
		t.Fatalf("attached = %v", docs.Attached)
	}
	if docs.Boundary == nil || *docs.Boundary != iamDoc("*") {
		t.Fatalf("boundary = %v", docs.Boundary)
	}
	// A boundary key naming no policy reads as no document.
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error {
		r.BoundaryKey = "gone"
		return tx.PutRole(ctx, r)
	})
	if docs, err = db.RoleDocuments(ctx, "r"); err != nil || docs.Boundary != nil {
		t.Fatalf("missing boundary: %v %v", docs.Boundary, err)
	}
}

func iamDeleteRole(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	iamCreateRole(t, db, iamRole("R", "/"))
	iamCreatePolicy(t, db, "m", "/", iamDoc("s3:*"))
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error {
		if err := tx.PutInlinePolicy(ctx, "r", iam.InlinePolicy{Name: "i", Document: iamDoc("s3:*"), Size: 1}); err != nil {
			return err
		}
		return tx.Attach(ctx, "r", "m")
	})
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error { return tx.DeleteRole(ctx, "r") })
	if _, err := db.GetRole(ctx, "r"); !errors.Is(err, iam.ErrNoSuchRole) {
		t.Fatalf("deleted role: %v", err)
	}
	// Its attachments went with it: the policy can go now, and a new role
	// of the same name starts empty.
	p, _ := db.GetPolicy(ctx, "m")
	if p.AttachmentCount != 0 {
		t.Fatalf("attachments after DeleteRole: %d", p.AttachmentCount)
	}
	iamUpdate(t, db, func(ctx context.Context, tx iam.IAMTx) error { return tx.DeletePolicy(ctx, "m") })
	iamCreateRole(t, db, iamRole("r", "/"))
	names, _, err := db.ListRolePolicies(ctx, "r", iam.ListQuery{Limit: 10})
	if err != nil || len(names) != 0 {
		t.Fatalf("inline policies of the new role: %v %v", names, err)
	}
}
