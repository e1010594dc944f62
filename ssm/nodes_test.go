package ssm_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

const nodeLatestAgent = "1.4.2"

var nodeT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// nodeStore counts the writes the domain makes, around the real store.
type nodeStore struct {
	*sqlstore.DB
	factWrites atomic.Int64
}

func (s *nodeStore) UpdateNodeFacts(ctx context.Context, id string, f agentproto.Facts) error {
	s.factWrites.Add(1)
	return s.DB.UpdateNodeFacts(ctx, id, f)
}

type nodeFixture struct {
	nodes *ssm.Nodes
	tags  *ssm.Tags
	store *nodeStore
	db    *sqlstore.DB
	clock *steward.FakeClock
	ctx   context.Context
}

func newNodeFixture(t *testing.T) *nodeFixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := steward.NewFakeClock(nodeT0)
	store := &nodeStore{DB: db}
	n := ssm.NewNodes(store, ssm.Env{Clock: clock, Account: "123456789012", Region: "eu-west-1"}, ssm.WithLatestAgentVersion(nodeLatestAgent))
	tags := ssm.NewTags(db, map[string]func(context.Context, string) error{ssm.ResourceManagedInstance: n.Exists})
	return &nodeFixture{nodes: n, tags: tags, store: store, db: db, clock: clock, ctx: context.Background()}
}

func (f *nodeFixture) activation(t *testing.T, in ssm.CreateActivationInput) *ssm.CreateActivationOutput {
	t.Helper()
	if in.IamRole == "" {
		in.IamRole = "SSMServiceRole"
	}
	out, err := f.nodes.CreateActivation(f.ctx, in)
	if err != nil {
		t.Fatalf("CreateActivation: %v", err)
	}
	return out
}

func nodeFacts(host string) agentproto.Facts {
	return agentproto.Facts{AgentVersion: nodeLatestAgent, ComputerName: host, IPAddress: "10.0.0.7",
		PlatformType: "Linux", PlatformName: "Debian GNU/Linux", PlatformVersion: "12"}
}

func (f *nodeFixture) register(t *testing.T, act *ssm.CreateActivationOutput, facts agentproto.Facts) (string, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(nil)
	resp, err := f.nodes.Register(f.ctx, agentproto.RegisterRequest{ActivationID: act.ActivationID, ActivationCode: act.ActivationCode, PublicKey: pub, Facts: facts})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	return resp.NodeID, priv
}

func (f *nodeFixture) activationByID(t *testing.T, id string) *ssm.Activation {
	t.Helper()
	out, err := f.nodes.DescribeActivations(f.ctx, ssm.DescribeActivationsInput{Filters: []ssm.ActivationFilter{{Key: "ActivationIds", Values: []string{id}}}})
	if err != nil || len(out.Activations) != 1 {
		t.Fatalf("DescribeActivations(%s) = %+v, %v", id, out, err)
	}
	return out.Activations[0]
}

func (f *nodeFixture) describe(t *testing.T, in ssm.DescribeInstanceInformationInput) []*ssm.InstanceInformation {
	t.Helper()
	out, err := f.nodes.DescribeInstanceInformation(f.ctx, in)
	if err != nil {
		t.Fatalf("DescribeInstanceInformation(%+v): %v", in, err)
	}
	return out.Instances
}

func nodeInfoIDs(list []*ssm.InstanceInformation) []string {
	ids := []string{}
	for _, i := range list {
		ids = append(ids, i.InstanceID)
	}
	return ids
}

func nodeRefIDs(list []ssm.NodeRef) []string {
	ids := []string{}
	for _, r := range list {
		ids = append(ids, r.ID)
	}
	return ids
}

func nodeSorted(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

func TestRegister(t *testing.T) {
	f := newNodeFixture(t)
	act := f.activation(t, ssm.CreateActivationInput{IamRole: "HybridRole", DefaultInstanceName: "web", RegistrationLimit: ptr(2),
		Tags: []ssm.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "ops"}}})
	pub, _, _ := ed25519.GenerateKey(nil)
	req := func(mut func(*agentproto.RegisterRequest)) agentproto.RegisterRequest {
		r := agentproto.RegisterRequest{ActivationID: act.ActivationID, ActivationCode: act.ActivationCode, PublicKey: pub, Facts: nodeFacts("h")}
		mut(&r)
		return r
	}
	for _, tc := range []struct {
		name string
		req  agentproto.RegisterRequest
		code string
	}{
		{"wrong code", req(func(r *agentproto.RegisterRequest) { r.ActivationCode = strings.Repeat("A", 20) }), agentproto.CodeInvalidActivation},
		{"code prefix", req(func(r *agentproto.RegisterRequest) { r.ActivationCode = act.ActivationCode[:19] }), agentproto.CodeInvalidActivation},
		{"no code", req(func(r *agentproto.RegisterRequest) { r.ActivationCode = "" }), agentproto.CodeInvalidActivation},
		{"unknown activation", req(func(r *agentproto.RegisterRequest) { r.ActivationID = "11111111-2222-4333-8444-555555555555" }), agentproto.CodeInvalidActivation},
		{"malformed activation", req(func(r *agentproto.RegisterRequest) { r.ActivationID = "x" }), agentproto.CodeInvalidActivation},
		{"short key", req(func(r *agentproto.RegisterRequest) { r.PublicKey = pub[:31] }), agentproto.CodeBadRequest},
		{"no key", req(func(r *agentproto.RegisterRequest) { r.PublicKey = nil }), agentproto.CodeBadRequest},
		{"bad platform", req(func(r *agentproto.RegisterRequest) { r.Facts.PlatformType = "Plan9" }), agentproto.CodeBadRequest},
		{"NUL in facts", req(func(r *agentproto.RegisterRequest) { r.Facts.ComputerName = "a\x00" }), agentproto.CodeBadRequest},
		{"long IP", req(func(r *agentproto.RegisterRequest) { r.Facts.IPAddress = strings.Repeat("1", 47) }), agentproto.CodeBadRequest},
	} {
		_, err := f.nodes.Register(f.ctx, tc.req)
		wantCode(t, tc.name, err, tc.code)
	}
	if a := f.activationByID(t, act.ActivationID); a.RegistrationsCount != 0 {
		t.Fatalf("failed registrations counted: %d", a.RegistrationsCount)
	}

	f.clock.Advance(time.Minute)
	node, _ := f.register(t, act, nodeFacts("web-1.example"))
	if !regexp.MustCompile(`^mi-[0-9a-f]{17}$`).MatchString(node) {
		t.Errorf("node ID %q", node)
	}
	if a := f.activationByID(t, act.ActivationID); a.RegistrationsCount != 1 {
		t.Errorf("RegistrationsCount = %d, want 1", a.RegistrationsCount)
	}
	info := f.describe(t, ssm.DescribeInstanceInformationInput{})
	want := ssm.InstanceInformation{
		InstanceID: node, PingStatus: ssm.PingOnline, LastPingDateTime: nodeT0.Add(time.Minute), AgentVersion: nodeLatestAgent,
		IsLatestVersion: true, PlatformType: "Linux", PlatformName: "Debian GNU/Linux", PlatformVersion: "12",
		ActivationID: act.ActivationID, IamRole: "HybridRole", RegistrationDate: nodeT0.Add(time.Minute),
		ResourceType: "ManagedInstance", Name: "web", IPAddress: "10.0.0.7", ComputerName: "web-1.example",
		SourceID: node, SourceType: "AWS::SSM::ManagedInstance",
	}
	if len(info) != 1 || *info[0] != want {
		t.Errorf("DescribeInstanceInformation =\n%+v\nwant\n%+v", info, want)
	}
	// The activation's tags are copied onto the node.
	tags, err := f.tags.ListTagsForResource(f.ctx, ssm.ResourceManagedInstance, node)
	if err != nil || !slices.Equal(tags, []ssm.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "ops"}}) {
		t.Errorf("node tags = %v, %v", tags, err)
	}

	f.register(t, act, nodeFacts("web-2"))
	_, err = f.nodes.Register(f.ctx, req(func(*agentproto.RegisterRequest) {}))
	wantCode(t, "over the limit", err, agentproto.CodeActivationLimit)

	// Expiry.
	exp := f.activation(t, ssm.CreateActivationInput{RegistrationLimit: ptr(5)})
	f.clock.Advance(24*time.Hour - time.Millisecond)
	f.register(t, exp, nodeFacts("just-in-time"))
	f.clock.Advance(time.Millisecond)
	_, err = f.nodes.Register(f.ctx, agentproto.RegisterRequest{ActivationID: exp.ActivationID, ActivationCode: exp.ActivationCode, PublicKey: pub})
	wantCode(t, "expired", err, agentproto.CodeActivationExpired)
	// A wrong code for an expired activation says nothing about expiry.
	_, err = f.nodes.Register(f.ctx, agentproto.RegisterRequest{ActivationID: exp.ActivationID, ActivationCode: act.ActivationCode, PublicKey: pub})
	wantCode(t, "expired, wrong code", err, agentproto.CodeInvalidActivation)
}

func TestRegisterConcurrentLimit(t *testing.T) {
	f := newNodeFixture(t)
	act := f.activation(t, ssm.CreateActivationInput{RegistrationLimit: ptr(5)})
	var wg sync.WaitGroup
	var ok, limited atomic.Int64
	for range 20 {
		wg.Go(func() {
			pub, _, _ := ed25519.GenerateKey(nil)
			_, err := f.nodes.Register(f.ctx, agentproto.RegisterRequest{ActivationID: act.ActivationID, ActivationCode: act.ActivationCode, PublicKey: pub})
			switch steward.ErrorCode(err) {
			case "":
				ok.Add(1)
			case agentproto.CodeActivationLimit:
				limited.Add(1)
			default:
				t.Errorf("Register: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 5 || limited.Load() != 15 {
		t.Errorf("%d registered, %d refused; want 5 and 15", ok.Load(), limited.Load())
	}
	if a := f.activationByID(t, act.ActivationID); a.RegistrationsCount != 5 {
		t.Errorf("RegistrationsCount = %d", a.RegistrationsCount)
	}
}

func TestNodeKeyAndHeartbeat(t *testing.T) {
	f := newNodeFixture(t)
	act := f.activation(t, ssm.CreateActivationInput{RegistrationLimit: ptr(2)})
	node, priv := f.register(t, act, nodeFacts("a"))

	key, err := f.nodes.NodeKey(f.ctx, node)
	if err != nil || !bytes.Equal(key, priv.Public().(ed25519.PublicKey)) {
		t.Fatalf("NodeKey = %x, %v", key, err)
	}
	_, err = f.nodes.NodeKey(f.ctx, "mi-00000000000000000")
	wantCode(t, "NodeKey(unknown)", err, agentproto.CodeUnauthorized)

	// Unchanged facts are not written; changed ones are.
	if err := f.nodes.Heartbeat(f.ctx, node, nodeFacts("a")); err != nil {
		t.Fatal(err)
	}
	if n := f.store.factWrites.Load(); n != 0 {
		t.Errorf("%d fact writes for unchanged facts", n)
	}
	changed := nodeFacts("a")
	changed.AgentVersion, changed.IPAddress = "1.4.1", "10.0.0.8"
	if err := f.nodes.Heartbeat(f.ctx, node, changed); err != nil {
		t.Fatal(err)
	}
	if n := f.store.factWrites.Load(); n != 1 {
		t.Errorf("%d fact writes, want 1", n)
	}
	info := f.describe(t, ssm.DescribeInstanceInformationInput{})[0]
	if info.AgentVersion != "1.4.1" || info.IPAddress != "10.0.0.8" || info.IsLatestVersion {
		t.Errorf("after heartbeat: %+v", info)
	}
	bad := changed
	bad.PlatformType = "Amiga"
	wantCode(t, "Heartbeat(bad facts)", f.nodes.Heartbeat(f.ctx, node, bad), agentproto.CodeBadRequest)
	wantCode(t, "Heartbeat(unknown)", f.nodes.Heartbeat(f.ctx, "mi-00000000000000000", changed), agentproto.CodeUnauthorized)

	// Deregistered: the key still comes back (to check the signature) with
	// a Deregistered error.
	if err := f.nodes.DeregisterManagedInstance(f.ctx, node); err != nil {
		t.Fatal(err)
	}
	key, err = f.nodes.NodeKey(f.ctx, node)
	wantCode(t, "NodeKey(deregistered)", err, agentproto.CodeDeregistered)
	if !bytes.Equal(key, priv.Public().(ed25519.PublicKey)) {
		t.Error("NodeKey(deregistered) returned no key")
	}
	wantCode(t, "Heartbeat(deregistered)", f.nodes.Heartbeat(f.ctx, node, nodeFacts("b")), agentproto.CodeDeregistered)
}

func TestPingStatus(t *testing.T) {
	f := newNodeFixture(t)
	act := f.activation(t, ssm.CreateActivationInput{RegistrationLimit: ptr(3)})
	a, _ := f.register(t, act, nodeFacts("a"))
	f.clock.Advance(5 * time.Second)
	b, _ := f.register(t, act, nodeFacts("b"))
	status := func() map[string]string {
		m := map[string]string{}
		for _, i := range f.describe(t, ssm.DescribeInstanceInformationInput{}) {
			m[i.InstanceID] = i.PingStatus
		}
		return m
	}
	byPing := func(values ...string) []string {
		return nodeInfoIDs(f.describe(t, ssm.DescribeInstanceInformationInput{Filters: []ssm.InstanceInformationFilter{{Key: "PingStatus", Values: values}}}))
	}
	if s := status(); s[a] != ssm.PingOnline || s[b] != ssm.PingOnline {
		t.Fatalf("after registration: %v", s)
	}
	// a registered at t0: Online through t0+ConnectionLostAfter, lost after.
	f.clock.Set(nodeT0.Add(agentproto.ConnectionLostAfter))
	if s := status(); s[a] != ssm.PingOnline {
		t.Errorf("at the threshold: %v", s)
	}
	f.clock.Advance(time.Millisecond)
	if s := status(); s[a] != ssm.PingConnectionLost || s[b] != ssm.PingOnline {
		t.Errorf("past the threshold: %v", s)
	}
	if got := byPing("ConnectionLost"); !slices.Equal(got, []string{a}) {
		t.Errorf("PingStatus=ConnectionLost lists %v", got)
	}
	if got := byPing("Online"); !slices.Equal(got, []string{b}) {
		t.Errorf("PingStatus=Online lists %v", got)
	}
	if got := byPing("Online", "ConnectionLost"); len(got) != 2 {
		t.Errorf("both statuses list %v", got)
	}
	if got := byPing("Inactive"); len(got) != 0 {
		t.Errorf("Inactive lists %v", got)
	}

	// A batch of pings brings a back; times never go backwards.
	now := f.clock.Now()
	if err := f.nodes.Touch(f.ctx, map[string]time.Time{a: now, b: nodeT0, "mi-00000000000000000": now}); err != nil {
		t.Fatal(err)
	}
	list := f.describe(t, ssm.DescribeInstanceInformationInput{})
	for _, i := range list {
		want := map[string]time.Time{a: now.Truncate(time.Millisecond), b: nodeT0.Add(5 * time.Second)}[i.InstanceID]
		if !i.LastPingDateTime.Equal(want) || i.PingStatus != ssm.PingOnline {
			t.Errorf("%s: last ping %v (%s), want %v Online", i.InstanceID, i.LastPingDateTime, i.PingStatus, want)
		}
	}
	if err := f.nodes.Touch(f.ctx, nil); err != nil {
		t.Errorf("Touch(nil) = %v", err)
	}

	// NodeRef statuses follow the same rule.
	f.clock.Advance(agentproto.ConnectionLostAfter + time.Millisecond)
	refs, err := f.nodes.ResolveTargets(f.ctx, []string{a, b}, nil)
	if err != nil || len(refs) != 2 || refs[0].PingStatus != ssm.PingConnectionLost || refs[0].PlatformType != "Linux" {
		t.Errorf("ResolveTargets = %+v, %v", refs, err)
	}
}

// nodeFleet registers nodes with tags: web (Linux, env=prod,role=web), db
// (Linux, env=prod,role=db), dev (MacOS, env=dev) and win (Windows, no tags,
// other activation and role).
func nodeFleet(t *testing.T, f *nodeFixture) (act1, act2 string, ids map[string]string) {
	t.Helper()
	a1 := f.activation(t, ssm.CreateActivationInput{IamRole: "RoleA", RegistrationLimit: ptr(10)})
	a2 := f.activation(t, ssm.CreateActivationInput{IamRole: "RoleB", RegistrationLimit: ptr(10)})
	ids = map[string]string{}
	for _, n := range []struct {
		name, platform string
		act            *ssm.CreateActivationOutput
		tags           []ssm.Tag
	}{
		{"web", "Linux", a1, []ssm.Tag{{Key: "env", Value: "prod"}, {Key: "role", Value: "web"}}},
		{"db", "Linux", a1, []ssm.Tag{{Key: "env", Value: "prod"}, {Key: "role", Value: "db"}}},
		{"dev", "MacOS", a1, []ssm.Tag{{Key: "env", Value: "dev"}}},
		{"win", "Windows", a2, nil},
	} {
		facts := nodeFacts(n.name)
		facts.PlatformType = n.platform
		if n.name == "win" {
			facts.AgentVersion = "1.0.0"
		}
		id, _ := f.register(t, n.act, facts)
		ids[n.name] = id
		if n.tags != nil {
			if err := f.tags.AddTagsToResource(f.ctx, ssm.ResourceManagedInstance, id, n.tags); err != nil {
				t.Fatal(err)
			}
		}
	}
	return a1.ActivationID, a2.ActivationID, ids
}

func TestDescribeInstanceInformationFilters(t *testing.T) {
	f := newNodeFixture(t)
	act1, act2, ids := nodeFleet(t, f)
	all := nodeSorted(ids["web"], ids["db"], ids["dev"], ids["win"])
	filters := func(key string, values ...string) ssm.DescribeInstanceInformationInput {
		return ssm.DescribeInstanceInformationInput{Filters: []ssm.InstanceInformationFilter{{Key: key, Values: values}}}
	}
	legacy := func(key string, values ...string) ssm.DescribeInstanceInformationInput {
		return ssm.DescribeInstanceInformationInput{InstanceInformationFilterList: []ssm.InstanceInformationFilter{{Key: key, Values: values}}}
	}
	for _, tc := range []struct {
		name string
		in   ssm.DescribeInstanceInformationInput
		want []string
	}{
		{"none", ssm.DescribeInstanceInformationInput{}, all},
		{"InstanceIds", filters("InstanceIds", ids["web"], ids["dev"], "mi-00000000000000000", "i-0123456789abcdef0"), nodeSorted(ids["web"], ids["dev"])},
		{"legacy InstanceIds", legacy("InstanceIds", ids["db"]), []string{ids["db"]}},
		{"SourceIds", filters("SourceIds", ids["db"]), []string{ids["db"]}},
		{"AgentVersion", filters("AgentVersion", "1.0.0"), []string{ids["win"]}},
		{"PlatformTypes", filters("PlatformTypes", "Linux", "MacOS"), nodeSorted(ids["web"], ids["db"], ids["dev"])},
		{"PlatformType", filters("PlatformType", "Windows"), []string{ids["win"]}},
		{"legacy PlatformTypes", legacy("PlatformTypes", "MacOS"), []string{ids["dev"]}},
		{"ActivationIds", filters("ActivationIds", act2), []string{ids["win"]}},
		{"legacy ActivationIds", legacy("ActivationIds", act1), nodeSorted(ids["web"], ids["db"], ids["dev"])},
		{"IamRole", filters("IamRole", "RoleB"), []string{ids["win"]}},
		{"ResourceType", filters("ResourceType", "ManagedInstance"), all},
		{"ResourceType EC2", filters("ResourceType", "EC2Instance"), []string{}},
		{"SourceTypes", filters("SourceTypes", "AWS::SSM::ManagedInstance"), all},
		{"SourceTypes IoT", filters("SourceTypes", "AWS::IoT::Thing"), []string{}},
		{"AssociationStatus", filters("AssociationStatus", "Success"), []string{}},
		{"PingStatus", filters("PingStatus", "Online"), all},
		{"tag", filters("tag:env", "prod"), nodeSorted(ids["web"], ids["db"])},
		{"tag values OR", filters("tag:role", "web", "db", "nope"), nodeSorted(ids["web"], ids["db"])},
		{"tag no match", filters("tag:env", "staging"), []string{}},
		{"tag-key", filters("tag-key", "role"), nodeSorted(ids["web"], ids["db"])},
		{"tag-key OR", filters("tag-key", "role", "env"), nodeSorted(ids["web"], ids["db"], ids["dev"])},
		{"AND", ssm.DescribeInstanceInformationInput{Filters: []ssm.InstanceInformationFilter{
			{Key: "tag:env", Values: []string{"prod", "dev"}}, {Key: "PlatformTypes", Values: []string{"Linux"}}, {Key: "tag-key", Values: []string{"role"}},
			{Key: "InstanceIds", Values: []string{ids["db"], ids["dev"]}},
		}}, []string{ids["db"]}},
	} {
		got := nodeInfoIDs(f.describe(t, tc.in))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	// Pagination, 5 to 50 a page.
	var paged []string
	token := ""
	for {
		out, err := f.nodes.DescribeInstanceInformation(f.ctx, ssm.DescribeInstanceInformationInput{MaxResults: ptr(5), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, nodeInfoIDs(out.Instances)...)
		if token = out.NextToken; token == "" {
			break
		}
	}
	if !slices.Equal(paged, all) {
		t.Errorf("paged %v", paged)
	}

	many := make([]string, 101)
	for i := range many {
		many[i] = "x"
	}
	for _, tc := range []struct {
		name string
		in   ssm.DescribeInstanceInformationInput
		code string
	}{
		{"both lists", ssm.DescribeInstanceInformationInput{Filters: filters("IamRole", "x").Filters, InstanceInformationFilterList: legacy("IamRole", "x").InstanceInformationFilterList}, steward.CodeValidation},
		{"max 4", ssm.DescribeInstanceInformationInput{MaxResults: ptr(4)}, steward.CodeValidation},
		{"max 51", ssm.DescribeInstanceInformationInput{MaxResults: ptr(51)}, steward.CodeValidation},
		{"legacy unknown key", legacy("tag:env", "prod"), steward.CodeValidation},
		{"legacy PlatformType", legacy("PlatformType", "Linux"), steward.CodeValidation},
		{"no values", ssm.DescribeInstanceInformationInput{Filters: []ssm.InstanceInformationFilter{{Key: "IamRole"}}}, steward.CodeValidation},
		{"empty values", filters("IamRole"), steward.CodeValidation},
		{"101 values", filters("IamRole", many...), steward.CodeValidation},
		{"empty value", filters("IamRole", ""), steward.CodeValidation},
		{"no key", filters("", "x"), steward.CodeValidation},
		{"unknown key", filters("Name", "web"), ssm.CodeNodeInvalidFilterKey},
		{"empty tag key", filters("tag:", "x"), ssm.CodeNodeInvalidFilterKey},
		{"bad instance ID", filters("InstanceIds", "web-1"), ssm.CodeNodeInvalidInstanceID},
		{"bad ping", filters("PingStatus", "Offline"), ssm.CodeInvalidInstanceInformationFilterValue},
		{"bad platform", filters("PlatformTypes", "linux"), ssm.CodeInvalidInstanceInformationFilterValue},
		{"bad resource type", filters("ResourceType", "Server"), ssm.CodeInvalidInstanceInformationFilterValue},
		{"bad source type", filters("SourceTypes", "AWS::EC2::Host"), ssm.CodeInvalidInstanceInformationFilterValue},
		{"bad token", ssm.DescribeInstanceInformationInput{NextToken: "bm9wZQ"}, ssm.CodeNodeInvalidNextToken},
	} {
		_, err := f.nodes.DescribeInstanceInformation(f.ctx, tc.in)
		wantCode(t, tc.name, err, tc.code)
	}
}

func TestDeregisterAndRole(t *testing.T) {
	f := newNodeFixture(t)
	_, _, ids := nodeFleet(t, f)
	web := ids["web"]

	for _, tc := range []struct {
		name, id, role, code string
	}{
		{"role: malformed ID", "i-0123456789abcdef0", "R", steward.CodeValidation},
		{"role: upper-case hex", "mi-0123456789ABCDEF0", "R", steward.CodeValidation},
		{"role: no ID", "", "R", steward.CodeValidation},
		{"role: no role", web, "", steward.CodeValidation},
		{"role: role 65", web, strings.Repeat("r", 65), steward.CodeValidation},
		{"role: unknown node", "mi-00000000000000000", "R", ssm.CodeNodeInvalidInstanceID},
		{"role", web, "NewRole", ""},
	} {
		wantCode(t, tc.name, f.nodes.UpdateManagedInstanceRole(f.ctx, tc.id, tc.role), tc.code)
	}
	if got := nodeInfoIDs(f.describe(t, ssm.DescribeInstanceInformationInput{Filters: []ssm.InstanceInformationFilter{{Key: "IamRole", Values: []string{"NewRole"}}}})); !slices.Equal(got, []string{web}) {
		t.Errorf("IamRole=NewRole lists %v", got)
	}

	wantCode(t, "deregister malformed", f.nodes.DeregisterManagedInstance(f.ctx, "mi-123"), steward.CodeValidation)
	wantCode(t, "deregister unknown", f.nodes.DeregisterManagedInstance(f.ctx, "mi-00000000000000000"), ssm.CodeNodeInvalidInstanceID)
	wantCode(t, "deregister", f.nodes.DeregisterManagedInstance(f.ctx, web), "")
	wantCode(t, "deregister again", f.nodes.DeregisterManagedInstance(f.ctx, web), ssm.CodeNodeInvalidInstanceID)
	wantCode(t, "role after deregistration", f.nodes.UpdateManagedInstanceRole(f.ctx, web, "R"), ssm.CodeNodeInvalidInstanceID)

	// Gone from listings, targets and tagging; its tags are removed.
	for _, in := range []ssm.DescribeInstanceInformationInput{{}, {Filters: []ssm.InstanceInformationFilter{{Key: "InstanceIds", Values: []string{web}}}}} {
		if got := nodeInfoIDs(f.describe(t, in)); slices.Contains(got, web) {
			t.Errorf("deregistered node listed: %v", got)
		}
	}
	_, err := f.nodes.ResolveTargets(f.ctx, []string{web}, nil)
	wantCode(t, "ResolveTargets(deregistered)", err, ssm.CodeNodeInvalidInstanceID)
	refs, err := f.nodes.ResolveTargets(f.ctx, nil, []ssm.Target{{Key: "tag:role", Values: []string{"web"}}})
	if err != nil || len(refs) != 0 {
		t.Errorf("tag target after deregistration = %v, %v", refs, err)
	}
	_, err = f.tags.ListTagsForResource(f.ctx, ssm.ResourceManagedInstance, web)
	wantCode(t, "ListTagsForResource(deregistered)", err, ssm.CodeInvalidResourceID)
	write, _ := f.db.Pools()
	var n int
	if err := write.QueryRow(`SELECT COUNT(*) FROM tags WHERE resource_id = ?`, web).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d tags left on the deregistered node (%v)", n, err)
	}
}

func TestOnNodeDeregistered(t *testing.T) {
	f := newNodeFixture(t)
	var calls []string
	fail := false
	n := ssm.NewNodes(f.store, ssm.Env{Clock: f.clock}, ssm.OnNodeDeregistered(func(_ context.Context, id string) error {
		calls = append(calls, id)
		if fail {
			return fmt.Errorf("commands store down")
		}
		return nil
	}))
	act := f.activation(t, ssm.CreateActivationInput{RegistrationLimit: ptr(2)})
	a, _ := f.register(t, act, nodeFacts("a"))
	b, _ := f.register(t, act, nodeFacts("b"))
	wantCode(t, "deregister", n.DeregisterManagedInstance(f.ctx, a), "")
	wantCode(t, "deregister again", n.DeregisterManagedInstance(f.ctx, a), ssm.CodeNodeInvalidInstanceID)
	fail = true
	wantCode(t, "hook fails", n.DeregisterManagedInstance(f.ctx, b), steward.CodeInternalFailure)
	if !slices.Equal(calls, []string{a, b}) {
		t.Errorf("hook calls = %v, want [%s %s]", calls, a, b)
	}
	if err := n.Exists(f.ctx, b); err == nil {
		t.Error("node still registered after a failed hook")
	}
}

func TestManagedInstanceTags(t *testing.T) {
	f := newNodeFixture(t)
	_, _, ids := nodeFleet(t, f)
	if err := f.tags.AddTagsToResource(f.ctx, ssm.ResourceManagedInstance, ids["win"], []ssm.Tag{{Key: "os", Value: "win"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.tags.RemoveTagsFromResource(f.ctx, ssm.ResourceManagedInstance, ids["web"], []string{"role"}); err != nil {
		t.Fatal(err)
	}
	tags, err := f.tags.ListTagsForResource(f.ctx, ssm.ResourceManagedInstance, ids["web"])
	if err != nil || !slices.Equal(tags, []ssm.Tag{{Key: "env", Value: "prod"}}) {
		t.Errorf("web tags = %v, %v", tags, err)
	}
	for _, id := range []string{"mi-00000000000000000", "i-0123456789abcdef0", "web"} {
		_, err := f.tags.ListTagsForResource(f.ctx, ssm.ResourceManagedInstance, id)
		wantCode(t, "ListTagsForResource("+id+")", err, ssm.CodeInvalidResourceID)
	}
}

func TestResolveTargets(t *testing.T) {
	f := newNodeFixture(t)
	_, _, ids := nodeFleet(t, f)
	all := nodeSorted(ids["web"], ids["db"], ids["dev"], ids["win"])
	for _, tc := range []struct {
		name    string
		ids     []string
		targets []ssm.Target
		want    []string
	}{
		{"nothing", nil, nil, []string{}},
		{"ids", []string{ids["win"], ids["web"], ids["win"]}, nil, nodeSorted(ids["win"], ids["web"])},
		{"InstanceIds target", nil, []ssm.Target{{Key: "InstanceIds", Values: []string{ids["dev"], "mi-00000000000000000"}}}, []string{ids["dev"]}},
		{"every node", nil, []ssm.Target{{Key: "InstanceIds", Values: []string{"*"}}}, all},
		{"tag", nil, []ssm.Target{{Key: "tag:env", Values: []string{"prod"}}}, nodeSorted(ids["web"], ids["db"])},
		{"tag OR", nil, []ssm.Target{{Key: "tag:env", Values: []string{"prod", "dev"}}}, nodeSorted(ids["web"], ids["db"], ids["dev"])},
		{"tag-key", nil, []ssm.Target{{Key: "tag-key", Values: []string{"role"}}}, nodeSorted(ids["web"], ids["db"])},
		{"AND", nil, []ssm.Target{{Key: "tag:env", Values: []string{"prod"}}, {Key: "tag:role", Values: []string{"db", "nope"}}}, []string{ids["db"]}},
		{"AND with *", nil, []ssm.Target{{Key: "InstanceIds", Values: []string{"*"}}, {Key: "tag-key", Values: []string{"env"}}}, nodeSorted(ids["web"], ids["db"], ids["dev"])},
		{"no values", nil, []ssm.Target{{Key: "tag:env"}}, []string{}},
		{"no match", nil, []ssm.Target{{Key: "tag:env", Values: []string{"qa"}}}, []string{}},
	} {
		refs, err := f.nodes.ResolveTargets(f.ctx, tc.ids, tc.targets)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := nodeRefIDs(refs); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	refs, _ := f.nodes.ResolveTargets(f.ctx, []string{ids["win"]}, nil)
	if len(refs) != 1 || refs[0].PlatformType != "Windows" || refs[0].PingStatus != ssm.PingOnline {
		t.Errorf("NodeRef = %+v", refs)
	}

	fifty := make([]string, 51)
	for i := range fifty {
		fifty[i] = "v"
	}
	six := make([]ssm.Target, 6)
	for i := range six {
		six[i] = ssm.Target{Key: "tag:env", Values: []string{"prod"}}
	}
	for _, tc := range []struct {
		name    string
		ids     []string
		targets []ssm.Target
		code    string
	}{
		{"unknown id", []string{ids["web"], "mi-00000000000000000"}, nil, ssm.CodeNodeInvalidInstanceID},
		{"EC2 id", []string{"i-0123456789abcdef0"}, nil, ssm.CodeNodeInvalidInstanceID},
		{"malformed id", []string{"web"}, nil, steward.CodeValidation},
		{"both", []string{ids["web"]}, []ssm.Target{{Key: "tag:env", Values: []string{"prod"}}}, steward.CodeValidation},
		{"6 targets", nil, six, steward.CodeValidation},
		{"51 values", nil, []ssm.Target{{Key: "tag:env", Values: fifty}}, steward.CodeValidation},
		{"empty key", nil, []ssm.Target{{Key: "", Values: []string{"x"}}}, steward.CodeValidation},
		{"key pattern", nil, []ssm.Target{{Key: "tag:a*b", Values: []string{"x"}}}, steward.CodeValidation},
		{"resource group", nil, []ssm.Target{{Key: "resource-groups:Name", Values: []string{"g"}}}, ssm.CodeNodeInvalidTarget},
		{"resource types", nil, []ssm.Target{{Key: "resource-groups:ResourceTypeFilters", Values: []string{"AWS::EC2::Instance"}}}, ssm.CodeNodeInvalidTarget},
		{"unknown key", nil, []ssm.Target{{Key: "Name", Values: []string{"web"}}}, ssm.CodeNodeInvalidTarget},
		{"tag: alone", nil, []ssm.Target{{Key: "tag:", Values: []string{"x"}}}, ssm.CodeNodeInvalidTarget},
		{"bad id in target", nil, []ssm.Target{{Key: "InstanceIds", Values: []string{"web"}}}, ssm.CodeNodeInvalidInstanceID},
	} {
		_, err := f.nodes.ResolveTargets(f.ctx, tc.ids, tc.targets)
		wantCode(t, tc.name, err, tc.code)
	}
}
