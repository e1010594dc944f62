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
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

func testNodes(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *sqlstore.DB)
	}{
		{"Activations", nodesActivations},
		{"ActivationPages", nodesActivationPages},
		{"Register", nodesRegistration},
		{"RegisterConcurrent", nodesRegisterConcurrent},
		{"List", nodesList},
		{"Updates", nodesUpdates},
		{"Touch", nodesTouch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newDB(t)) })
	}
}

var nodesTime = time.UnixMilli(1772442000123).UTC()

func nodesActivation(id string, created time.Time) *ssm.ActivationRecord {
	return &ssm.ActivationRecord{
		ID: id, CodeHash: []byte{0, 1, 2, 250, 255}, Description: "descr " + id, DefaultInstanceName: "name-" + id,
		IamRole: "role-" + id, RegistrationLimit: 3, ExpirationDate: created.Add(24 * time.Hour), CreatedDate: created,
		Tags: []ssm.Tag{}, // as read back: never nil
	}
}

func nodesActivations(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	a := nodesActivation("a1", nodesTime)
	a.Tags = []ssm.Tag{{Key: "zeta", Value: "1"}, {Key: "alpha", Value: "été"}} // order kept
	a.Metadata = []ssm.RegistrationMetadata{{Key: "k", Value: "v"}}
	b := nodesActivation("b2", nodesTime.Add(time.Second))
	b.IamRole, b.DefaultInstanceName = a.IamRole, ""
	for _, x := range []*ssm.ActivationRecord{a, b} {
		if err := db.CreateActivation(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	list := func(q ssm.ActivationQuery) []*ssm.ActivationRecord {
		t.Helper()
		q.Limit = 10
		recs, next, err := db.ListActivations(ctx, q)
		if err != nil || next != "" {
			t.Fatalf("ListActivations(%+v) = %v, %q, %v", q, recs, next, err)
		}
		return recs
	}
	if diff := cmp.Diff([]*ssm.ActivationRecord{a, b}, list(ssm.ActivationQuery{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	ids := func(recs []*ssm.ActivationRecord) []string {
		out := []string{}
		for _, r := range recs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		q    ssm.ActivationQuery
		want []string
	}{
		{ssm.ActivationQuery{IDs: []string{"b2", "zz"}}, []string{"b2"}},
		{ssm.ActivationQuery{IamRoles: []string{"role-a1"}}, []string{"a1", "b2"}},
		{ssm.ActivationQuery{IamRoles: []string{"role-a1"}, DefaultInstanceNames: []string{""}}, []string{"b2"}},
		{ssm.ActivationQuery{DefaultInstanceNames: []string{"name-a1"}, IDs: []string{"b2"}}, []string{}},
		{ssm.ActivationQuery{IDs: []string{}}, []string{}},
	} {
		if got := ids(list(tc.q)); !slices.Equal(got, tc.want) {
			t.Errorf("ListActivations(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if err := db.DeleteActivation(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteActivation(ctx, "a1"); !errors.Is(err, ssm.ErrActivationNotFound) {
		t.Errorf("DeleteActivation(deleted) = %v", err)
	}
	if got := ids(list(ssm.ActivationQuery{})); !slices.Equal(got, []string{"b2"}) {
		t.Errorf("after delete: %v", got)
	}
}

func nodesActivationPages(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	// Creation order, then ID order among activations created in the same
	// millisecond.
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("act-%d", 6-i)
		created := nodesTime.Add(time.Duration(i/3) * time.Millisecond)
		if err := db.CreateActivation(ctx, nodesActivation(id, created)); err != nil {
			t.Fatal(err)
		}
	}
	want = []string{"act-4", "act-5", "act-6", "act-1", "act-2", "act-3", "act-0"}
	var got []string
	token := ""
	for page := 0; ; page++ {
		recs, next, err := db.ListActivations(ctx, ssm.ActivationQuery{Token: token, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			got = append(got, r.ID)
		}
		if token = next; token == "" || page > 10 {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
	if _, _, err := db.ListActivations(ctx, ssm.ActivationQuery{Token: "???", Limit: 2}); !errors.Is(err, ssm.ErrInvalidNextToken) {
		t.Errorf("bad token: %v", err)
	}
}

// nodesRec is a node as the domain registers it.
func nodesRec(id, activation string) *ssm.NodeRecord {
	return &ssm.NodeRecord{
		ID: id, ActivationID: activation, Name: "web", IamRole: "role", RegistrationDate: nodesTime,
		PublicKey: []byte("0123456789abcdef0123456789abcdef"),
		Facts: agentproto.Facts{AgentVersion: "1.2.3", ComputerName: "host-" + id, IPAddress: "10.0.0.1",
			PlatformType: "Linux", PlatformName: "Debian GNU/Linux", PlatformVersion: "12"},
		LastPing: nodesTime,
	}
}

// nodesRegister registers n with activation act the way the domain does.
func nodesRegister(t *testing.T, db *sqlstore.DB, act string, n *ssm.NodeRecord) {
	t.Helper()
	err := db.RegisterNode(context.Background(), act, func(a *ssm.ActivationRecord) (*ssm.NodeRecord, error) {
		if a == nil {
			return nil, fmt.Errorf("activation %s not found", act)
		}
		return n, nil
	})
	if err != nil {
		t.Fatalf("register %s: %v", n.ID, err)
	}
}

func nodesRegistration(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	act := nodesActivation("act", nodesTime)
	if err := db.CreateActivation(ctx, act); err != nil {
		t.Fatal(err)
	}
	// Unknown activation: register sees nil.
	sentinel := errors.New("refused")
	err := db.RegisterNode(ctx, "nope", func(a *ssm.ActivationRecord) (*ssm.NodeRecord, error) {
		if a != nil {
			t.Errorf("activation for an unknown ID: %+v", a)
		}
		return nil, sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Errorf("RegisterNode error = %v, want the callback's", err)
	}
	// A refusal writes nothing.
	err = db.RegisterNode(ctx, "act", func(a *ssm.ActivationRecord) (*ssm.NodeRecord, error) {
		if diff := cmp.Diff(act, a); diff != "" {
			t.Errorf("activation seen by register (-want +got):\n%s", diff)
		}
		return nil, sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Errorf("RegisterNode error = %v", err)
	}

	n := nodesRec("mi-0000000000000000a", "act")
	n.Tags = []ssm.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "ops"}}
	nodesRegister(t, db, "act", n)
	recs, _, _ := db.ListActivations(ctx, ssm.ActivationQuery{Limit: 1})
	if recs[0].RegistrationsCount != 1 {
		t.Errorf("RegistrationsCount = %d", recs[0].RegistrationsCount)
	}
	got, err := db.GetNode(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *n
	want.Tags = nil
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("GetNode (-want +got):\n%s", diff)
	}
	tags, err := db.ListTags(ctx, ssm.ResourceManagedInstance, n.ID)
	if err != nil || !slices.Equal(tags, n.Tags) {
		t.Errorf("node tags = %v, %v", tags, err)
	}
	if _, err := db.GetNode(ctx, "mi-00000000000000000"); !errors.Is(err, ssm.ErrNodeNotFound) {
		t.Errorf("GetNode(unknown) = %v", err)
	}
	// A node ID is unique.
	err = db.RegisterNode(ctx, "act", func(*ssm.ActivationRecord) (*ssm.NodeRecord, error) { return nodesRec(n.ID, "act"), nil })
	if err == nil {
		t.Error("second node with the same ID accepted")
	}
	recs, _, _ = db.ListActivations(ctx, ssm.ActivationQuery{Limit: 1})
	if recs[0].RegistrationsCount != 1 {
		t.Errorf("RegistrationsCount after a failed insert = %d", recs[0].RegistrationsCount)
	}
}

func nodesRegisterConcurrent(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	if err := db.CreateActivation(ctx, nodesActivation("act", nodesTime)); err != nil { // limit 3
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	registered := 0
	for i := range 12 {
		wg.Go(func() {
			err := db.RegisterNode(ctx, "act", func(a *ssm.ActivationRecord) (*ssm.NodeRecord, error) {
				if a.RegistrationsCount >= a.RegistrationLimit {
					return nil, nodesErrLimit
				}
				return nodesRec(fmt.Sprintf("mi-%017x", i), "act"), nil
			})
			switch {
			case err == nil:
				mu.Lock()
				registered++
				mu.Unlock()
			case !errors.Is(err, nodesErrLimit):
				t.Errorf("register: %v", err)
			}
		})
	}
	wg.Wait()
	recs, _, _ := db.ListActivations(ctx, ssm.ActivationQuery{Limit: 1})
	if registered != 3 || recs[0].RegistrationsCount != 3 {
		t.Errorf("%d registered, count %d; want 3", registered, recs[0].RegistrationsCount)
	}
}

var nodesErrLimit = errors.New("limit")

func nodesList(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	for _, a := range []string{"act1", "act2"} {
		if err := db.CreateActivation(ctx, nodesActivation(a, nodesTime)); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(i int, act string, mut func(*ssm.NodeRecord), tags ...ssm.Tag) string {
		n := nodesRec(fmt.Sprintf("mi-%017x", i), act)
		n.LastPing = nodesTime.Add(time.Duration(i) * time.Second)
		if mut != nil {
			mut(n)
		}
		n.Tags = tags
		nodesRegister(t, db, act, n)
		return n.ID
	}
	n1 := mk(1, "act1", nil, ssm.Tag{Key: "env", Value: "prod"}, ssm.Tag{Key: "role", Value: "web"})
	n2 := mk(2, "act1", func(n *ssm.NodeRecord) { n.Facts.PlatformType = "MacOS" }, ssm.Tag{Key: "env", Value: "dev"})
	n3 := mk(3, "act2", func(n *ssm.NodeRecord) { n.IamRole, n.Facts.AgentVersion = "other", "9.9.9" }, ssm.Tag{Key: "env", Value: "prod"})
	gone := mk(4, "act2", nil, ssm.Tag{Key: "env", Value: "prod"})
	if err := db.DeregisterNode(ctx, gone); err != nil {
		t.Fatal(err)
	}
	// A tag on another resource type with the same ID never matches.
	if err := db.UpdateTags(ctx, ssm.ResourceDocument, n2, func([]ssm.Tag) ([]ssm.Tag, error) {
		return []ssm.Tag{{Key: "role", Value: "web"}}, nil
	}); err != nil {
		t.Fatal(err)
	}

	since := nodesTime.Add(2 * time.Second)
	for _, tc := range []struct {
		name  string
		conds []ssm.NodeCondition
		want  []string
	}{
		{"all", nil, []string{n1, n2, n3}},
		{"ids", []ssm.NodeCondition{{Field: ssm.NodeIDIs, Values: []string{n3, gone, n1, "mi-x"}}}, []string{n1, n3}},
		{"agent", []ssm.NodeCondition{{Field: ssm.NodeAgentVersionIs, Values: []string{"9.9.9"}}}, []string{n3}},
		{"platform", []ssm.NodeCondition{{Field: ssm.NodePlatformTypeIs, Values: []string{"Linux", "Windows"}}}, []string{n1, n3}},
		{"activation", []ssm.NodeCondition{{Field: ssm.NodeActivationIs, Values: []string{"act2"}}}, []string{n3}},
		{"role", []ssm.NodeCondition{{Field: ssm.NodeIamRoleIs, Values: []string{"role"}}}, []string{n1, n2}},
		{"online", []ssm.NodeCondition{{Field: ssm.NodeOnline}}, []string{n2, n3}},
		{"lost", []ssm.NodeCondition{{Field: ssm.NodeConnectionLost}}, []string{n1}},
		{"tag", []ssm.NodeCondition{{Field: ssm.NodeTag, TagKey: "env", Values: []string{"prod"}}}, []string{n1, n3}},
		{"tag OR", []ssm.NodeCondition{{Field: ssm.NodeTag, TagKey: "env", Values: []string{"prod", "dev"}}}, []string{n1, n2, n3}},
		{"tag key", []ssm.NodeCondition{{Field: ssm.NodeTagKey, Values: []string{"role", "nope"}}}, []string{n1}},
		{"AND", []ssm.NodeCondition{
			{Field: ssm.NodeTag, TagKey: "env", Values: []string{"prod"}},
			{Field: ssm.NodeIamRoleIs, Values: []string{"role"}},
			{Field: ssm.NodeOnline},
		}, []string{}},
		{"AND 2", []ssm.NodeCondition{
			{Field: ssm.NodeTag, TagKey: "env", Values: []string{"prod", "dev"}},
			{Field: ssm.NodeTagKey, Values: []string{"env"}},
			{Field: ssm.NodeOnline},
		}, []string{n2, n3}},
	} {
		recs, next, err := db.ListNodes(ctx, ssm.NodeQuery{Conditions: tc.conds, OnlineSince: since})
		if err != nil || next != "" {
			t.Errorf("%s: %v, next %q", tc.name, err, next)
			continue
		}
		got := []string{}
		for _, r := range recs {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	// Pages.
	var got []string
	token := ""
	for page := 0; ; page++ {
		recs, next, err := db.ListNodes(ctx, ssm.NodeQuery{Token: token, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			got = append(got, r.ID)
		}
		if token = next; token == "" || page > 5 {
			break
		}
	}
	if !slices.Equal(got, []string{n1, n2, n3}) {
		t.Errorf("pages = %v", got)
	}
	if _, _, err := db.ListNodes(ctx, ssm.NodeQuery{Token: "e30", Limit: 2}); !errors.Is(err, ssm.ErrInvalidNextToken) {
		t.Errorf("bad token: %v", err)
	}
}

func nodesUpdates(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	if err := db.CreateActivation(ctx, nodesActivation("act", nodesTime)); err != nil {
		t.Fatal(err)
	}
	n := nodesRec("mi-0000000000000000b", "act")
	n.Tags = []ssm.Tag{{Key: "env", Value: "prod"}}
	nodesRegister(t, db, "act", n)
	facts := agentproto.Facts{AgentVersion: "2.0.0", ComputerName: "renamed", IPAddress: "fe80::1", PlatformType: "Linux", PlatformName: "Ubuntu", PlatformVersion: "24.04"}
	if err := db.UpdateNodeFacts(ctx, n.ID, facts); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateNodeRole(ctx, n.ID, "NewRole"); err != nil {
		t.Fatal(err)
	}
	got, _ := db.GetNode(ctx, n.ID)
	if got.Facts != facts || got.IamRole != "NewRole" {
		t.Errorf("after updates: %+v", got)
	}
	if err := db.DeregisterNode(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetNode(ctx, n.ID)
	if err != nil || !got.Deregistered {
		t.Errorf("GetNode(deregistered) = %+v, %v", got, err)
	}
	if tags, _ := db.ListTags(ctx, ssm.ResourceManagedInstance, n.ID); len(tags) != 0 {
		t.Errorf("tags after deregistration: %v", tags)
	}
	for name, err := range map[string]error{
		"facts":        db.UpdateNodeFacts(ctx, n.ID, facts),
		"role":         db.UpdateNodeRole(ctx, n.ID, "R"),
		"deregister":   db.DeregisterNode(ctx, n.ID),
		"unknown role": db.UpdateNodeRole(ctx, "mi-00000000000000000", "R"),
	} {
		if !errors.Is(err, ssm.ErrNodeNotFound) {
			t.Errorf("%s on a deregistered or unknown node: %v", name, err)
		}
	}
}

func nodesTouch(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	act := nodesActivation("act", nodesTime)
	act.RegistrationLimit = 1000
	if err := db.CreateActivation(ctx, act); err != nil {
		t.Fatal(err)
	}
	// More nodes than one UPDATE statement takes.
	const n = 600
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("mi-%017x", i)
		nodesRegister(t, db, "act", nodesRec(ids[i], "act"))
	}
	seen := map[string]time.Time{"mi-fffffffffffffffff": nodesTime.Add(time.Hour)}
	for i, id := range ids {
		switch {
		case i%3 == 0:
			seen[id] = nodesTime.Add(time.Duration(i) * time.Millisecond) // forward
		case i%3 == 1:
			seen[id] = nodesTime.Add(-time.Minute) // backward: ignored
		}
	}
	if err := db.TouchNodes(ctx, seen); err != nil {
		t.Fatal(err)
	}
	recs, _, err := db.ListNodes(ctx, ssm.NodeQuery{})
	if err != nil || len(recs) != n {
		t.Fatalf("ListNodes: %d, %v", len(recs), err)
	}
	for i, r := range recs {
		want := nodesTime
		if i%3 == 0 {
			want = nodesTime.Add(time.Duration(i) * time.Millisecond)
		}
		if !r.LastPing.Equal(want) {
			t.Fatalf("%s: last ping %v, want %v", r.ID, r.LastPing, want)
		}
	}
	if err := db.TouchNodes(ctx, map[string]time.Time{}); err != nil {
		t.Errorf("TouchNodes(empty) = %v", err)
	}
}
