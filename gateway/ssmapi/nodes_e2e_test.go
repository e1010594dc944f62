package ssmapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/server/servertest"
)

// Activations and managed nodes through the real clients. Nodes register
// through the agent channel the server mounts under agentproto.PathPrefix,
// with requests signed by hand here (the real agent has its own e2e tests).

var e2eActivationCode = regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)

func TestActivationsSDK(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	c := ssm.NewFromConfig(srv.AWSConfig())

	expires := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	created, err := c.CreateActivation(ctx, &ssm.CreateActivationInput{
		IamRole: aws.String("SSMServiceRole"), Description: aws.String("web servers"), DefaultInstanceName: aws.String("web"),
		RegistrationLimit: aws.Int32(3), ExpirationDate: aws.Time(expires),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.ActivationId)
	if !e2eActivationCode.MatchString(aws.ToString(created.ActivationCode)) || len(id) != 36 {
		t.Fatalf("CreateActivation = %q, %q", id, aws.ToString(created.ActivationCode))
	}
	out, err := c.DescribeActivations(ctx, &ssm.DescribeActivationsInput{Filters: []types.DescribeActivationsFilter{
		{FilterKey: types.DescribeActivationsFilterKeysActivationIds, FilterValues: []string{id}},
	}})
	if err != nil || len(out.ActivationList) != 1 {
		t.Fatalf("DescribeActivations = %+v, %v", out, err)
	}
	a := out.ActivationList[0]
	if aws.ToString(a.ActivationId) != id || aws.ToString(a.Description) != "web servers" || aws.ToString(a.DefaultInstanceName) != "web" ||
		aws.ToString(a.IamRole) != "SSMServiceRole" || a.RegistrationLimit == nil || *a.RegistrationLimit != 3 ||
		a.RegistrationsCount == nil || *a.RegistrationsCount != 0 || a.Expired || !aws.ToTime(a.ExpirationDate).Equal(expires) ||
		time.Since(aws.ToTime(a.CreatedDate)).Abs() > time.Minute || len(a.Tags) != 1 || aws.ToString(a.Tags[0].Key) != "env" {
		t.Errorf("activation = %+v", a)
	}

	// A default activation: limit 1, 24 hours.
	def, err := c.CreateActivation(ctx, &ssm.CreateActivationInput{IamRole: aws.String("R")})
	if err != nil {
		t.Fatal(err)
	}
	out, err = c.DescribeActivations(ctx, &ssm.DescribeActivationsInput{Filters: []types.DescribeActivationsFilter{
		{FilterKey: types.DescribeActivationsFilterKeysActivationIds, FilterValues: []string{aws.ToString(def.ActivationId)}},
	}})
	if err != nil || len(out.ActivationList) != 1 {
		t.Fatalf("DescribeActivations = %+v, %v", out, err)
	}
	d := out.ActivationList[0]
	if aws.ToInt32(d.RegistrationLimit) != 1 || aws.ToTime(d.ExpirationDate).Sub(aws.ToTime(d.CreatedDate)) != 24*time.Hour ||
		d.Description != nil || d.DefaultInstanceName != nil || d.Tags != nil {
		t.Errorf("default activation = %+v", d)
	}

	// The paginator walks every page.
	for i := range 3 {
		if _, err := c.CreateActivation(ctx, &ssm.CreateActivationInput{IamRole: aws.String("Paged"), DefaultInstanceName: aws.String(fmt.Sprint("p", i))}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := ssm.NewDescribeActivationsPaginator(c, &ssm.DescribeActivationsInput{MaxResults: aws.Int32(1), Filters: []types.DescribeActivationsFilter{
		{FilterKey: types.DescribeActivationsFilterKeysIamRole, FilterValues: []string{"Paged"}},
	}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.ActivationList {
			names = append(names, aws.ToString(a.DefaultInstanceName))
		}
	}
	// Activations created in the same millisecond have no defined order
	// between them: each must come exactly once.
	slices.Sort(names)
	if !slices.Equal(names, []string{"p0", "p1", "p2"}) {
		t.Errorf("paged = %v", names)
	}

	// Deletion, and the modeled errors as the SDK types them.
	if _, err := c.DeleteActivation(ctx, &ssm.DeleteActivationInput{ActivationId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteActivation(ctx, &ssm.DeleteActivationInput{ActivationId: aws.String(id)})
	var invalid *types.InvalidActivation
	if !errors.As(err, &invalid) {
		t.Errorf("DeleteActivation(deleted) = %v, want InvalidActivation", err)
	}
	_, err = c.DeleteActivation(ctx, &ssm.DeleteActivationInput{ActivationId: aws.String("not-an-id")})
	var invalidID *types.InvalidActivationId
	if !errors.As(err, &invalidID) {
		t.Errorf("DeleteActivation(malformed) = %v, want InvalidActivationId", err)
	}
	_, err = c.DescribeActivations(ctx, &ssm.DescribeActivationsInput{Filters: []types.DescribeActivationsFilter{{FilterKey: "Nope", FilterValues: []string{"x"}}}})
	var invalidFilter *types.InvalidFilter
	if !errors.As(err, &invalidFilter) {
		t.Errorf("DescribeActivations(bad key) = %v, want InvalidFilter", err)
	}
	_, err = c.DescribeActivations(ctx, &ssm.DescribeActivationsInput{NextToken: aws.String("garbage")})
	var badToken *types.InvalidNextToken
	if !errors.As(err, &badToken) {
		t.Errorf("DescribeActivations(bad token) = %v, want InvalidNextToken", err)
	}
	for name, in := range map[string]*ssm.CreateActivationInput{
		"long role":    {IamRole: aws.String(strings.Repeat("r", 65))},
		"limit 0":      {IamRole: aws.String("R"), RegistrationLimit: aws.Int32(0)},
		"limit 1001":   {IamRole: aws.String("R"), RegistrationLimit: aws.Int32(1001)},
		"in the past":  {IamRole: aws.String("R"), ExpirationDate: aws.Time(time.Now().Add(-time.Hour))},
		"too far away": {IamRole: aws.String("R"), ExpirationDate: aws.Time(time.Now().Add(31 * 24 * time.Hour))},
	} {
		if _, err := c.CreateActivation(ctx, in); paramAPICode(err) != "ValidationException" {
			t.Errorf("CreateActivation(%s) = %v, want ValidationException", name, err)
		}
	}
}

func TestManagedNodeOpsSDK(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	c := ssm.NewFromConfig(srv.AWSConfig())

	out, err := c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{})
	if err != nil || out.InstanceInformationList == nil || len(out.InstanceInformationList) != 0 {
		t.Errorf("DescribeInstanceInformation(no nodes) = %+v, %v", out, err)
	}
	out, err = c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{Filters: []types.InstanceInformationStringFilter{
		{Key: aws.String("tag:env"), Values: []string{"prod"}}, {Key: aws.String("PingStatus"), Values: []string{"Online"}},
	}})
	if err != nil || len(out.InstanceInformationList) != 0 {
		t.Errorf("DescribeInstanceInformation(filters) = %+v, %v", out, err)
	}
	_, err = c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{Filters: []types.InstanceInformationStringFilter{
		{Key: aws.String("Colour"), Values: []string{"blue"}},
	}})
	var badKey *types.InvalidFilterKey
	if !errors.As(err, &badKey) {
		t.Errorf("DescribeInstanceInformation(bad key) = %v, want InvalidFilterKey", err)
	}
	_, err = c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{InstanceInformationFilterList: []types.InstanceInformationFilter{
		{Key: types.InstanceInformationFilterKeyPingStatus, ValueSet: []string{"Asleep"}},
	}})
	var badValue *types.InvalidInstanceInformationFilterValue
	if !errors.As(err, &badValue) {
		t.Errorf("DescribeInstanceInformation(bad value) = %v, want InvalidInstanceInformationFilterValue", err)
	}
	_, err = c.DeregisterManagedInstance(ctx, &ssm.DeregisterManagedInstanceInput{InstanceId: aws.String("mi-0123456789abcdef0")})
	var badInstance *types.InvalidInstanceId
	if !errors.As(err, &badInstance) {
		t.Errorf("DeregisterManagedInstance(unknown) = %v, want InvalidInstanceId", err)
	}
	_, err = c.UpdateManagedInstanceRole(ctx, &ssm.UpdateManagedInstanceRoleInput{InstanceId: aws.String("mi-0123456789abcdef0"), IamRole: aws.String("R")})
	if !errors.As(err, &badInstance) {
		t.Errorf("UpdateManagedInstanceRole(unknown) = %v, want InvalidInstanceId", err)
	}
	_, err = c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingManagedInstance, ResourceId: aws.String("mi-0123456789abcdef0")})
	if code := paramAPICode(err); code != "InvalidResourceId" {
		t.Errorf("ListTagsForResource(unknown node) = %v, want InvalidResourceId", err)
	}
}

// TestActivationsCLI drives activations and managed nodes through both aws
// CLIs.
func TestActivationsCLI(t *testing.T) {
	for name, bin := range map[string]string{"v1": servertest.CLIv1, "debian": servertest.CLIDebian} {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each CLI call starts Python: the two run side by side
			srv := servertest.Start(t)
			run := func(out any, args ...string) {
				t.Helper()
				stdout, err := srv.CLI(t, bin, append([]string{"ssm"}, args...)...)
				if err != nil {
					t.Fatalf("aws ssm %v: %v", args, err)
				}
				if out != nil {
					if err := json.Unmarshal([]byte(stdout), out); err != nil {
						t.Fatalf("aws ssm %v: %v in %q", args, err, stdout)
					}
				}
			}
			fail := func(code string, args ...string) {
				t.Helper()
				_, err := srv.CLI(t, bin, append([]string{"ssm"}, args...)...)
				if err == nil || !strings.Contains(err.Error(), "("+code+")") {
					t.Errorf("aws ssm %v: %v, want %s", args, err, code)
				}
			}

			expires := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
			var created struct{ ActivationId, ActivationCode string }
			run(&created, "create-activation", "--iam-role", "SSMServiceRole", "--description", "lab", "--default-instance-name", "lab-node",
				"--registration-limit", "2", "--expiration-date", expires.Format(time.RFC3339), "--tags", "Key=env,Value=lab")
			if len(created.ActivationId) != 36 || !e2eActivationCode.MatchString(created.ActivationCode) {
				t.Fatalf("create-activation = %+v", created)
			}
			run(nil, "create-activation", "--iam-role", "Other")

			type activation struct {
				ActivationId, Description, DefaultInstanceName, IamRole string
				RegistrationLimit, RegistrationsCount                   int
				Expired                                                 bool
				ExpirationDate, CreatedDate                             any
				Tags                                                    []struct{ Key, Value string }
			}
			var list struct{ ActivationList []activation }
			run(&list, "describe-activations", "--filters", "FilterKey=ActivationIds,FilterValues="+created.ActivationId)
			if len(list.ActivationList) != 1 {
				t.Fatalf("describe-activations = %+v", list)
			}
			a := list.ActivationList[0]
			if a.ActivationId != created.ActivationId || a.Description != "lab" || a.DefaultInstanceName != "lab-node" || a.IamRole != "SSMServiceRole" ||
				a.RegistrationLimit != 2 || a.RegistrationsCount != 0 || a.Expired || a.ExpirationDate == nil || a.CreatedDate == nil ||
				len(a.Tags) != 1 || a.Tags[0] != (struct{ Key, Value string }{"env", "lab"}) {
				t.Errorf("describe-activations = %+v", a)
			}
			run(&list, "describe-activations")
			if len(list.ActivationList) != 2 {
				t.Errorf("describe-activations lists %d", len(list.ActivationList))
			}
			run(&list, "describe-activations", "--filters", "FilterKey=IamRole,FilterValues=Other")
			if len(list.ActivationList) != 1 || list.ActivationList[0].IamRole != "Other" {
				t.Errorf("describe-activations IamRole=Other = %+v", list)
			}

			run(nil, "delete-activation", "--activation-id", created.ActivationId)
			fail("InvalidActivation", "delete-activation", "--activation-id", created.ActivationId)
			fail("ValidationException", "create-activation", "--iam-role", "R", "--expiration-date", "2020-01-01T00:00:00Z")

			var nodes struct {
				InstanceInformationList []struct {
					InstanceId, PingStatus, PlatformType, ComputerName, Name, IamRole, ResourceType, SourceType string
				}
			}
			run(&nodes, "describe-instance-information")
			if nodes.InstanceInformationList == nil || len(nodes.InstanceInformationList) != 0 {
				t.Errorf("describe-instance-information = %+v", nodes)
			}
			fail("InvalidInstanceId", "deregister-managed-instance", "--instance-id", "mi-0123456789abcdef0")

			var act struct{ ActivationId, ActivationCode string }
			run(&act, "create-activation", "--iam-role", "CLIRole", "--default-instance-name", "cli-node")
			node := registerE2ENode(t, srv.URL, act.ActivationId, act.ActivationCode)
			run(&nodes, "describe-instance-information", "--filters", "Key=PingStatus,Values=Online", "Key=PlatformTypes,Values=Linux")
			if len(nodes.InstanceInformationList) != 1 {
				t.Fatalf("describe-instance-information = %+v", nodes)
			}
			n := nodes.InstanceInformationList[0]
			if n.InstanceId != node.id || n.PingStatus != "Online" || n.PlatformType != "Linux" || n.ComputerName != "lab-1.example" ||
				n.Name != "cli-node" || n.IamRole != "CLIRole" || n.ResourceType != "ManagedInstance" || n.SourceType != "AWS::SSM::ManagedInstance" {
				t.Errorf("describe-instance-information = %+v", n)
			}
			run(nil, "add-tags-to-resource", "--resource-type", "ManagedInstance", "--resource-id", node.id, "--tags", "Key=rack,Value=r7")
			run(&nodes, "describe-instance-information", "--filters", "Key=tag:rack,Values=r7")
			if len(nodes.InstanceInformationList) != 1 {
				t.Errorf("tag filter = %+v", nodes)
			}
			run(&nodes, "describe-instance-information", "--instance-information-filter-list", "key=InstanceIds,valueSet="+node.id)
			if len(nodes.InstanceInformationList) != 1 {
				t.Errorf("legacy filter = %+v", nodes)
			}
			fail("InvalidFilterKey", "describe-instance-information", "--filters", "Key=Colour,Values=blue")
			run(nil, "update-managed-instance-role", "--instance-id", node.id, "--iam-role", "Renamed")
			run(&nodes, "describe-instance-information", "--filters", "Key=IamRole,Values=Renamed")
			if len(nodes.InstanceInformationList) != 1 {
				t.Errorf("after update-managed-instance-role = %+v", nodes)
			}
			run(nil, "deregister-managed-instance", "--instance-id", node.id)
			run(&nodes, "describe-instance-information")
			if len(nodes.InstanceInformationList) != 0 {
				t.Errorf("after deregister-managed-instance = %+v", nodes)
			}
			fail("InvalidInstanceId", "deregister-managed-instance", "--instance-id", node.id)
		})
	}
}

// e2eNode is a node speaking the agent channel by hand.
type e2eNode struct {
	url string
	id  string
	key ed25519.PrivateKey
}

// agentCall POSTs in to the agent channel (signed when the node has a key)
// and returns the status and body.
func (n *e2eNode) agentCall(t *testing.T, path string, in any) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, n.url+path, bytes.NewReader(body))
	req.Header.Set(agentproto.HeaderProto, fmt.Sprint(agentproto.Version))
	if n.key != nil && n.id != "" {
		req.Header.Set(agentproto.HeaderAuth, agentproto.Sign(n.key, n.id, http.MethodPost, path, time.Now(), body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

var e2eFacts = agentproto.Facts{AgentVersion: "3.3.1", ComputerName: "lab-1.example", IPAddress: "192.0.2.10",
	PlatformType: "Linux", PlatformName: "Debian GNU/Linux", PlatformVersion: "12"}

// registerE2ENode registers a node with an activation through the agent
// channel and reports its facts with a heartbeat.
func registerE2ENode(t *testing.T, url, activationID, code string) *e2eNode {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(nil)
	n := &e2eNode{url: url, key: priv}
	status, raw := n.agentCall(t, agentproto.PathRegister, agentproto.RegisterRequest{ActivationID: activationID, ActivationCode: code, PublicKey: pub, Facts: e2eFacts})
	var resp agentproto.RegisterResponse
	if status != http.StatusOK || json.Unmarshal(raw, &resp) != nil || !strings.HasPrefix(resp.NodeID, "mi-") {
		t.Fatalf("register: %d %s", status, raw)
	}
	n.id = resp.NodeID
	if status, raw := n.agentCall(t, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{Facts: e2eFacts}); status != http.StatusOK {
		t.Fatalf("heartbeat: %d %s", status, raw)
	}
	return n
}

func TestManagedNodesSDK(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	c := ssm.NewFromConfig(srv.AWSConfig())
	act, err := c.CreateActivation(ctx, &ssm.CreateActivationInput{IamRole: aws.String("HybridRole"), DefaultInstanceName: aws.String("lab"),
		RegistrationLimit: aws.Int32(2), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("lab")}}})
	if err != nil {
		t.Fatal(err)
	}
	a := registerE2ENode(t, srv.URL, aws.ToString(act.ActivationId), aws.ToString(act.ActivationCode))
	b := registerE2ENode(t, srv.URL, aws.ToString(act.ActivationId), aws.ToString(act.ActivationCode))
	pub, _, _ := ed25519.GenerateKey(nil)
	over := &e2eNode{url: srv.URL}
	if status, raw := over.agentCall(t, agentproto.PathRegister, agentproto.RegisterRequest{ActivationID: aws.ToString(act.ActivationId),
		ActivationCode: aws.ToString(act.ActivationCode), PublicKey: pub}); status != http.StatusForbidden || !strings.Contains(string(raw), agentproto.CodeActivationLimit) {
		t.Errorf("third registration: %d %s", status, raw)
	}
	acts, err := c.DescribeActivations(ctx, &ssm.DescribeActivationsInput{})
	if err != nil || len(acts.ActivationList) != 1 || aws.ToInt32(acts.ActivationList[0].RegistrationsCount) != 2 {
		t.Errorf("DescribeActivations = %+v, %v", acts, err)
	}

	out, err := c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{Filters: []types.InstanceInformationStringFilter{
		{Key: aws.String("InstanceIds"), Values: []string{a.id}},
	}})
	if err != nil || len(out.InstanceInformationList) != 1 {
		t.Fatalf("DescribeInstanceInformation = %+v, %v", out, err)
	}
	i := out.InstanceInformationList[0]
	if aws.ToString(i.InstanceId) != a.id || i.PingStatus != types.PingStatusOnline || i.LastPingDateTime == nil ||
		aws.ToString(i.AgentVersion) != "3.3.1" || i.PlatformType != types.PlatformTypeLinux || aws.ToString(i.PlatformName) != "Debian GNU/Linux" ||
		aws.ToString(i.PlatformVersion) != "12" || aws.ToString(i.ActivationId) != aws.ToString(act.ActivationId) ||
		aws.ToString(i.IamRole) != "HybridRole" || i.RegistrationDate == nil || i.ResourceType != types.ResourceTypeManagedInstance ||
		aws.ToString(i.Name) != "lab" || aws.ToString(i.IPAddress) != "192.0.2.10" || aws.ToString(i.ComputerName) != "lab-1.example" ||
		aws.ToString(i.SourceId) != a.id || i.SourceType != types.SourceTypeAwsSsmManagedinstance {
		t.Errorf("InstanceInformation = %+v", i)
	}

	// The activation's tags are on the nodes; tags work for ManagedInstance.
	tags, err := c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingManagedInstance, ResourceId: aws.String(a.id)})
	if err != nil || len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Value) != "lab" {
		t.Errorf("ListTagsForResource = %+v, %v", tags, err)
	}
	if _, err := c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingManagedInstance, ResourceId: aws.String(b.id),
		Tags: []types.Tag{{Key: aws.String("role"), Value: aws.String("db")}}}); err != nil {
		t.Fatal(err)
	}
	ids := func(in *ssm.DescribeInstanceInformationInput) []string {
		t.Helper()
		var got []string
		p := ssm.NewDescribeInstanceInformationPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("DescribeInstanceInformation(%+v): %v", in, err)
			}
			for _, i := range page.InstanceInformationList {
				got = append(got, aws.ToString(i.InstanceId))
			}
		}
		return got
	}
	both := []string{a.id, b.id}
	slices.Sort(both)
	for name, tc := range map[string]struct {
		in   *ssm.DescribeInstanceInformationInput
		want []string
	}{
		"all":           {&ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(5)}, both},
		"tag":           {&ssm.DescribeInstanceInformationInput{Filters: []types.InstanceInformationStringFilter{{Key: aws.String("tag:role"), Values: []string{"db"}}}}, []string{b.id}},
		"tag-key":       {&ssm.DescribeInstanceInformationInput{Filters: []types.InstanceInformationStringFilter{{Key: aws.String("tag-key"), Values: []string{"env"}}}}, both},
		"legacy ping":   {&ssm.DescribeInstanceInformationInput{InstanceInformationFilterList: []types.InstanceInformationFilter{{Key: types.InstanceInformationFilterKeyPingStatus, ValueSet: []string{"Online"}}}}, both},
		"platform":      {&ssm.DescribeInstanceInformationInput{Filters: []types.InstanceInformationStringFilter{{Key: aws.String("PlatformTypes"), Values: []string{"Windows"}}}}, nil},
		"activation id": {&ssm.DescribeInstanceInformationInput{Filters: []types.InstanceInformationStringFilter{{Key: aws.String("ActivationIds"), Values: []string{aws.ToString(act.ActivationId)}}}}, both},
	} {
		if got := ids(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}

	if _, err := c.UpdateManagedInstanceRole(ctx, &ssm.UpdateManagedInstanceRoleInput{InstanceId: aws.String(b.id), IamRole: aws.String("NewRole")}); err != nil {
		t.Fatal(err)
	}
	if got := ids(&ssm.DescribeInstanceInformationInput{Filters: []types.InstanceInformationStringFilter{{Key: aws.String("IamRole"), Values: []string{"NewRole"}}}}); !slices.Equal(got, []string{b.id}) {
		t.Errorf("IamRole=NewRole: %v", got)
	}

	// Deregistration: gone from the API, refused on the agent channel.
	if _, err := c.DeregisterManagedInstance(ctx, &ssm.DeregisterManagedInstanceInput{InstanceId: aws.String(a.id)}); err != nil {
		t.Fatal(err)
	}
	if got := ids(&ssm.DescribeInstanceInformationInput{}); !slices.Equal(got, []string{b.id}) {
		t.Errorf("after deregistration: %v", got)
	}
	if status, raw := a.agentCall(t, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{Facts: e2eFacts}); status != http.StatusForbidden ||
		!strings.Contains(string(raw), agentproto.CodeDeregistered) {
		t.Errorf("heartbeat after deregistration: %d %s", status, raw)
	}
	_, err = c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingManagedInstance, ResourceId: aws.String(a.id)})
	if paramAPICode(err) != "InvalidResourceId" {
		t.Errorf("ListTagsForResource(deregistered) = %v", err)
	}
	if status, _ := b.agentCall(t, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{Facts: e2eFacts}); status != http.StatusOK {
		t.Errorf("the other node's heartbeat: %d", status)
	}
}
