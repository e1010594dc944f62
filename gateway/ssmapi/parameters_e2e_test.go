package ssmapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/stewardhq/steward/server/servertest"
)

func paramAPICode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func paramE2ENames(ps []types.Parameter) []string {
	var out []string
	for _, p := range ps {
		out = append(out, aws.ToString(p.Name)+aws.ToString(p.Selector))
	}
	return out
}

func TestParametersSDK(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	c := ssm.NewFromConfig(srv.AWSConfig())
	changes := parameterChangeQueue(t, srv)
	mustPut := func(in *ssm.PutParameterInput) *ssm.PutParameterOutput {
		t.Helper()
		out, err := c.PutParameter(ctx, in)
		if err != nil {
			t.Fatalf("PutParameter(%s): %v", aws.ToString(in.Name), err)
		}
		return out
	}

	// SecureString round trip, with and without decryption.
	secret := "pa55-東京-パスワード🔑"
	out := mustPut(&ssm.PutParameterInput{Name: aws.String("/sdk/db/password"), Value: aws.String(secret), Type: types.ParameterTypeSecureString,
		Description: aws.String("db password"), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}})
	if out.Version != 1 || out.Tier != types.ParameterTierStandard {
		t.Fatalf("PutParameter = %+v", out)
	}
	dec, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/sdk/db/password"), WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	p := dec.Parameter
	wantARN := "arn:aws:ssm:" + srv.Region + ":000000000000:parameter/sdk/db/password"
	if aws.ToString(p.Value) != secret || p.Type != types.ParameterTypeSecureString || p.Version != 1 || aws.ToString(p.ARN) != wantARN ||
		aws.ToString(p.DataType) != "text" || p.LastModifiedDate == nil || p.Selector != nil {
		t.Fatalf("GetParameter(with decryption) = %+v", p)
	}
	enc, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/sdk/db/password")})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(enc.Parameter.Value); v == secret || strings.Contains(v, "東京") {
		t.Fatalf("plaintext without decryption: %q", v)
	} else if _, err := base64.StdEncoding.DecodeString(v); err != nil {
		t.Fatalf("ciphertext %q is not base64: %v", v, err)
	}
	// By ARN, the same parameter.
	byARN, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(wantARN), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(byARN.Parameter.Value) != secret {
		t.Fatalf("GetParameter(ARN) = %+v, %v", byARN, err)
	}

	mustPut(&ssm.PutParameterInput{Name: aws.String("/sdk/db/host"), Value: aws.String("db.internal"), Type: types.ParameterTypeString})
	mustPut(&ssm.PutParameterInput{Name: aws.String("/sdk/db/replicas"), Value: aws.String("a,b,c"), Type: types.ParameterTypeStringList})

	// GetParameters: unknown names in InvalidParameters, results alphabetical.
	gp, err := c.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/sdk/db/replicas", "/sdk/nope", "/sdk/db/host"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := paramE2ENames(gp.Parameters); !slices.Equal(got, []string{"/sdk/db/host", "/sdk/db/replicas"}) || !slices.Equal(gp.InvalidParameters, []string{"/sdk/nope"}) {
		t.Fatalf("GetParameters = %v, invalid %v", got, gp.InvalidParameters)
	}
	if aws.ToString(gp.Parameters[1].Value) != "a,b,c" || gp.Parameters[1].Type != types.ParameterTypeStringList {
		t.Fatalf("StringList = %+v", gp.Parameters[1])
	}

	// GetParametersByPath, recursive, through the SDK paginator.
	for i := 0; i < 23; i++ {
		mustPut(&ssm.PutParameterInput{Name: aws.String(fmt.Sprintf("/sdk/app/%c/k%02d", 'a'+i%3, i)), Value: aws.String(fmt.Sprint(i)), Type: types.ParameterTypeString})
	}
	pager := ssm.NewGetParametersByPathPaginator(c, &ssm.GetParametersByPathInput{Path: aws.String("/sdk/app"), Recursive: aws.Bool(true), MaxResults: aws.Int32(4)})
	var paged []string
	pages := 0
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Parameters) > 4 {
			t.Fatalf("page of %d", len(page.Parameters))
		}
		paged = append(paged, paramE2ENames(page.Parameters)...)
	}
	if len(paged) != 23 || pages != 6 || !slices.IsSorted(paged) || len(slices.Compact(slices.Clone(paged))) != 23 {
		t.Fatalf("by path: %d parameters in %d pages: %v", len(paged), pages, paged)
	}
	oneLevel, err := c.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/sdk/db/"), WithDecryption: aws.Bool(true)})
	if err != nil || len(oneLevel.Parameters) != 3 || oneLevel.NextToken != nil {
		t.Fatalf("one level = %+v, %v", oneLevel, err)
	}
	if _, err := c.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("sdk")}); paramAPICode(err) != "ValidationException" {
		t.Fatalf("path without slash: %v", err)
	}
	if _, err := c.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/sdk"), NextToken: aws.String("bogus")}); paramAPICode(err) != "InvalidNextToken" {
		t.Fatalf("bad token: %v", err)
	}

	// DescribeParameters filters.
	describe := func(filters ...types.ParameterStringFilter) []string {
		t.Helper()
		var names []string
		pager := ssm.NewDescribeParametersPaginator(c, &ssm.DescribeParametersInput{ParameterFilters: filters, MaxResults: aws.Int32(5)})
		for pager.HasMorePages() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, md := range page.Parameters {
				names = append(names, aws.ToString(md.Name))
			}
		}
		return names
	}
	f := func(key, option string, values ...string) types.ParameterStringFilter {
		sf := types.ParameterStringFilter{Key: aws.String(key), Values: values}
		if option != "" {
			sf.Option = aws.String(option)
		}
		return sf
	}
	if got := describe(f("Type", "", "SecureString")); !slices.Equal(got, []string{"/sdk/db/password"}) {
		t.Errorf("Type filter = %v", got)
	}
	if got := describe(f("Name", "BeginsWith", "/sdk/db/")); !slices.Equal(got, []string{"/sdk/db/host", "/sdk/db/password", "/sdk/db/replicas"}) {
		t.Errorf("Name BeginsWith = %v", got)
	}
	if got := describe(f("tag:env", "", "prod")); !slices.Equal(got, []string{"/sdk/db/password"}) {
		t.Errorf("tag filter = %v", got)
	}
	if got := describe(f("Path", "Recursive", "/sdk/app/b")); len(got) != 8 {
		t.Errorf("Path Recursive = %v", got)
	}
	if got := describe(); len(got) != 26 {
		t.Errorf("all = %d", len(got))
	}
	dp, err := c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{f("Name", "Equals", "/sdk/db/password")}})
	if err != nil || len(dp.Parameters) != 1 {
		t.Fatalf("describe one = %+v, %v", dp, err)
	}
	md := dp.Parameters[0]
	if aws.ToString(md.KeyId) != "alias/aws/ssm" || aws.ToString(md.Description) != "db password" || md.Tier != types.ParameterTierStandard ||
		aws.ToString(md.LastModifiedUser) != "arn:aws:iam::000000000000:user/admin" || aws.ToString(md.ARN) != wantARN || md.Policies == nil {
		t.Fatalf("metadata = %+v", md)
	}
	for _, bad := range []struct {
		filter types.ParameterStringFilter
		code   string
	}{
		{f("Label", "", "x"), "InvalidFilterKey"},
		{f("Name", "Like", "x"), "InvalidFilterOption"},
		{f("Tier", "", "Gold"), "InvalidFilterValue"},
		{f("tag-key", "", "x"), "ValidationException"},
	} {
		if _, err := c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{bad.filter}}); paramAPICode(err) != bad.code {
			t.Errorf("filter %s: %v, want %s", aws.ToString(bad.filter.Key), err, bad.code)
		}
	}

	// History and labels.
	mustPut(&ssm.PutParameterInput{Name: aws.String("/sdk/db/host"), Value: aws.String("db2.internal"), Overwrite: aws.Bool(true)})
	mustPut(&ssm.PutParameterInput{Name: aws.String("/sdk/db/host"), Value: aws.String("db3.internal"), Overwrite: aws.Bool(true)})
	lab, err := c.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/sdk/db/host"), ParameterVersion: aws.Int64(2), Labels: []string{"blue", "9bad"}})
	if err != nil || lab.ParameterVersion != 2 || !slices.Equal(lab.InvalidLabels, []string{"9bad"}) {
		t.Fatalf("LabelParameterVersion = %+v, %v", lab, err)
	}
	byLabel, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/sdk/db/host:blue")})
	if err != nil || aws.ToString(byLabel.Parameter.Value) != "db2.internal" || aws.ToString(byLabel.Parameter.Selector) != ":blue" || byLabel.Parameter.Version != 2 {
		t.Fatalf("by label = %+v, %v", byLabel, err)
	}
	byVersion, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/sdk/db/host:1")})
	if err != nil || aws.ToString(byVersion.Parameter.Value) != "db.internal" || aws.ToString(byVersion.Parameter.Selector) != ":1" {
		t.Fatalf("by version = %+v, %v", byVersion, err)
	}
	if _, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/sdk/db/host:7")}); paramAPICode(err) != "ParameterVersionNotFound" {
		t.Fatalf("missing version: %v", err)
	}
	hist, err := c.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/sdk/db/host")})
	if err != nil || len(hist.Parameters) != 3 {
		t.Fatalf("history = %+v, %v", hist, err)
	}
	if h := hist.Parameters[1]; h.Version != 2 || aws.ToString(h.Value) != "db2.internal" || !slices.Equal(h.Labels, []string{"blue"}) ||
		aws.ToString(h.LastModifiedUser) != "arn:aws:iam::000000000000:user/admin" || h.Tier != types.ParameterTierStandard {
		t.Fatalf("history[1] = %+v", h)
	}
	sh, err := c.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/sdk/db/password")})
	if err != nil || aws.ToString(sh.Parameters[0].Value) == secret || aws.ToString(sh.Parameters[0].KeyId) != "alias/aws/ssm" {
		t.Fatalf("secure history without decryption = %+v, %v", sh, err)
	}
	sh, err = c.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/sdk/db/password"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(sh.Parameters[0].Value) != secret {
		t.Fatalf("secure history with decryption = %+v, %v", sh, err)
	}
	un, err := c.UnlabelParameterVersion(ctx, &ssm.UnlabelParameterVersionInput{Name: aws.String("/sdk/db/host"), ParameterVersion: aws.Int64(2), Labels: []string{"blue", "green"}})
	if err != nil || !slices.Equal(un.RemovedLabels, []string{"blue"}) || !slices.Equal(un.InvalidLabels, []string{"green"}) {
		t.Fatalf("Unlabel = %+v, %v", un, err)
	}

	// Tags.
	if _, err := c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String("/sdk/db/host"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}, {Key: aws.String("cost"), Value: aws.String("42")}}}); err != nil {
		t.Fatal(err)
	}
	lt, err := c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String("/sdk/db/host")})
	if err != nil || len(lt.TagList) != 2 || aws.ToString(lt.TagList[0].Key) != "cost" || aws.ToString(lt.TagList[1].Value) != "data" {
		t.Fatalf("ListTagsForResource = %+v, %v", lt, err)
	}
	if _, err := c.RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String("/sdk/db/host"), TagKeys: []string{"cost"}}); err != nil {
		t.Fatal(err)
	}
	lt, err = c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String("/sdk/db/host")})
	if err != nil || len(lt.TagList) != 1 {
		t.Fatalf("after remove = %+v, %v", lt, err)
	}
	if _, err := c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String("/sdk/none")}); paramAPICode(err) != "InvalidResourceId" {
		t.Fatalf("tags of a missing parameter: %v", err)
	}
	if _, err := c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingPatchBaseline, ResourceId: aws.String("pb-0123456789abcdef0")}); paramAPICode(err) != "InvalidResourceType" {
		t.Fatalf("tags of an absent resource type: %v", err)
	}

	// Errors.
	errs := []struct {
		err  error
		code string
	}{
		{second(c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/sdk/missing")})), "ParameterNotFound"},
		{second(c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/sdk/db/host"), Value: aws.String("x"), Type: types.ParameterTypeString})), "ParameterAlreadyExists"},
		{second(c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/sdk/db/host"), Value: aws.String("x"), Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true)})), "HierarchyTypeMismatchException"},
		{second(c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/aws/mine"), Value: aws.String("x"), Type: types.ParameterTypeString})), "AccessDeniedException"},
		{second(c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/sdk/x"), Value: aws.String("x"), Type: types.ParameterTypeString, Overwrite: aws.Bool(true), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})), "ValidationException"},
		{second(c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/sdk/num"), Value: aws.String("abc"), Type: types.ParameterTypeString, AllowedPattern: aws.String(`^\d+$`)})), "ParameterPatternMismatchException"},
		{second(c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/sdk/big"), Value: aws.String(strings.Repeat("x", 4097)), Type: types.ParameterTypeString})), "ValidationException"},
		{second(c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/" + strings.Repeat("l/", 15) + "x"), Value: aws.String("x"), Type: types.ParameterTypeString})), "HierarchyLevelLimitExceededException"},
		{second(c.GetParameters(ctx, &ssm.GetParametersInput{Names: strings.Split("a b c d e f g h i j k", " ")})), "ValidationException"},
		{second(c.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/sdk/missing")})), "ParameterNotFound"},
	}
	for i, e := range errs {
		if got := paramAPICode(e.err); got != e.code {
			t.Errorf("error case %d: %v, want %s", i, e.err, e.code)
		}
	}

	// Deletes.
	if _, err := c.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/sdk/db/replicas")}); err != nil {
		t.Fatal(err)
	}
	dps, err := c.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: []string{"/sdk/db/host", "/sdk/db/replicas", "/sdk/app/a/k00"}})
	if err != nil || !slices.Equal(dps.DeletedParameters, []string{"/sdk/db/host", "/sdk/app/a/k00"}) || !slices.Equal(dps.InvalidParameters, []string{"/sdk/db/replicas"}) {
		t.Fatalf("DeleteParameters = %+v, %v", dps, err)
	}
	if _, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/sdk/db/host")}); paramAPICode(err) != "ParameterNotFound" {
		t.Fatalf("after delete: %v", err)
	}

	// Every change sent its "Parameter Store Change" event, through the
	// default bus, to the rule's queue.
	ops := map[string]int{}
	for _, body := range changes(32) {
		var e struct {
			DetailType string          `json:"detail-type"`
			Detail     json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.DetailType != "Parameter Store Change" {
			t.Fatalf("event %s: %v", body, err)
		}
		var d struct{ Operation, Name string }
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			t.Fatal(err)
		}
		ops[d.Operation]++
		if strings.Contains(string(e.Detail), "東京") {
			t.Fatalf("event carries a value: %s", e.Detail)
		}
	}
	if ops["Create"] != 26 || ops["Update"] != 2 || ops["LabelParameterVersion"] != 1 || ops["Delete"] != 3 {
		t.Fatalf("events by operation = %v", ops)
	}
}

func second[T any](_ T, err error) error { return err }

// cliJSON runs an aws ssm command and decodes its JSON output.
func cliJSON(t *testing.T, srv *servertest.Server, bin string, out any, args ...string) {
	t.Helper()
	stdout, err := srv.CLI(t, bin, append([]string{"ssm"}, args...)...)
	if err != nil {
		t.Fatalf("aws ssm %s: %v", strings.Join(args, " "), cliErr(err))
	}
	if out == nil {
		return
	}
	if err := json.Unmarshal([]byte(stdout), out); err != nil {
		t.Fatalf("aws ssm %s: output %q: %v", strings.Join(args, " "), stdout, err)
	}
}

func cliErr(err error) string {
	var ce *servertest.CLIError
	if errors.As(err, &ce) {
		return ce.Stderr
	}
	return err.Error()
}

type cliParam struct {
	Name, Type, Value, Selector, ARN, DataType string
	Version                                    int64
}

func TestParametersCLI(t *testing.T) {
	srv := servertest.Start(t)
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		t.Run(strings.Trim(bin, "/"), func(t *testing.T) {
			servertest.NeedBinary(t, bin)
			pre := "/cli" + fmt.Sprint(len(bin))
			secret := "ひみつ-Geheimnis-" + pre

			var put struct {
				Version int64
				Tier    string
			}
			cliJSON(t, srv, bin, &put, "put-parameter", "--name", pre+"/secret", "--type", "SecureString", "--value", secret,
				"--tags", "Key=owner,Value=cli")
			if put.Version != 1 || put.Tier != "Standard" {
				t.Fatalf("put-parameter = %+v", put)
			}
			var got struct{ Parameter cliParam }
			cliJSON(t, srv, bin, &got, "get-parameter", "--name", pre+"/secret", "--with-decryption")
			if got.Parameter.Value != secret || got.Parameter.Type != "SecureString" || got.Parameter.Version != 1 {
				t.Fatalf("get-parameter --with-decryption = %+v", got.Parameter)
			}
			cliJSON(t, srv, bin, &got, "get-parameter", "--name", pre+"/secret")
			if got.Parameter.Value == secret || strings.Contains(got.Parameter.Value, "ひみつ") {
				t.Fatalf("get-parameter without decryption returned plaintext")
			}

			for i := 0; i < 5; i++ {
				cliJSON(t, srv, bin, nil, "put-parameter", "--name", fmt.Sprintf("%s/tree/l%d/p%d", pre, i%2, i), "--type", "String", "--value", fmt.Sprint("value-", i))
			}
			cliJSON(t, srv, bin, nil, "put-parameter", "--name", pre+"/list", "--type", "StringList", "--value", "x,y,z")

			var gps struct {
				Parameters        []cliParam
				InvalidParameters []string
			}
			cliJSON(t, srv, bin, &gps, "get-parameters", "--names", pre+"/list", pre+"/unknown", pre+"/secret", "--with-decryption")
			if len(gps.Parameters) != 2 || gps.Parameters[0].Name != pre+"/list" || gps.Parameters[1].Value != secret ||
				!slices.Equal(gps.InvalidParameters, []string{pre + "/unknown"}) {
				t.Fatalf("get-parameters = %+v", gps)
			}

			// The CLI follows NextToken itself; --page-size is MaxResults.
			var byPath struct{ Parameters []cliParam }
			cliJSON(t, srv, bin, &byPath, "get-parameters-by-path", "--path", pre+"/tree", "--recursive", "--page-size", "2")
			if len(byPath.Parameters) != 5 {
				t.Fatalf("get-parameters-by-path --recursive = %+v", byPath.Parameters)
			}
			cliJSON(t, srv, bin, &byPath, "get-parameters-by-path", "--path", pre+"/tree")
			if len(byPath.Parameters) != 0 {
				t.Fatalf("one level above the parameters = %+v", byPath.Parameters)
			}

			var desc struct {
				Parameters []struct {
					Name, Type, KeyId, Tier string
					Policies                []any
				}
			}
			cliJSON(t, srv, bin, &desc, "describe-parameters", "--parameter-filters", "Key=Type,Values=SecureString", "Key=Name,Option=BeginsWith,Values="+pre)
			if len(desc.Parameters) != 1 || desc.Parameters[0].KeyId != "alias/aws/ssm" || desc.Parameters[0].Policies == nil {
				t.Fatalf("describe-parameters = %+v", desc)
			}
			cliJSON(t, srv, bin, &desc, "describe-parameters", "--parameter-filters", "Key=tag:owner,Values=cli")
			if len(desc.Parameters) != 1 || desc.Parameters[0].Name != pre+"/secret" {
				t.Fatalf("describe-parameters by tag = %+v", desc)
			}

			cliJSON(t, srv, bin, nil, "put-parameter", "--name", pre+"/list", "--value", "x,y", "--overwrite")
			var lab struct {
				InvalidLabels    []string
				ParameterVersion int64
			}
			cliJSON(t, srv, bin, &lab, "label-parameter-version", "--name", pre+"/list", "--parameter-version", "1", "--labels", "original")
			if lab.ParameterVersion != 1 || lab.InvalidLabels == nil || len(lab.InvalidLabels) != 0 {
				t.Fatalf("label-parameter-version = %+v", lab)
			}
			cliJSON(t, srv, bin, &got, "get-parameter", "--name", pre+"/list:original")
			if got.Parameter.Value != "x,y,z" || got.Parameter.Selector != ":original" {
				t.Fatalf("get-parameter by label = %+v", got.Parameter)
			}
			var hist struct {
				Parameters []struct {
					Version int64
					Value   string
					Labels  []string
				}
			}
			cliJSON(t, srv, bin, &hist, "get-parameter-history", "--name", pre+"/list")
			if len(hist.Parameters) != 2 || !slices.Equal(hist.Parameters[0].Labels, []string{"original"}) || hist.Parameters[1].Value != "x,y" {
				t.Fatalf("get-parameter-history = %+v", hist)
			}

			var tags struct{ TagList []struct{ Key, Value string } }
			cliJSON(t, srv, bin, nil, "add-tags-to-resource", "--resource-type", "Parameter", "--resource-id", pre+"/list", "--tags", "Key=tier,Value=gold")
			cliJSON(t, srv, bin, &tags, "list-tags-for-resource", "--resource-type", "Parameter", "--resource-id", pre+"/list")
			if len(tags.TagList) != 1 || tags.TagList[0].Value != "gold" {
				t.Fatalf("list-tags-for-resource = %+v", tags)
			}

			var del struct{ DeletedParameters, InvalidParameters []string }
			cliJSON(t, srv, bin, &del, "delete-parameters", "--names", pre+"/list", pre+"/gone")
			if !slices.Equal(del.DeletedParameters, []string{pre + "/list"}) || !slices.Equal(del.InvalidParameters, []string{pre + "/gone"}) {
				t.Fatalf("delete-parameters = %+v", del)
			}
			cliJSON(t, srv, bin, nil, "delete-parameter", "--name", pre+"/secret")
			_, err := srv.CLI(t, bin, "ssm", "get-parameter", "--name", pre+"/secret")
			if err == nil || !strings.Contains(cliErr(err), "ParameterNotFound") {
				t.Fatalf("get-parameter after delete: %v", cliErr(err))
			}
		})
	}
}

// TestSecureStringNeverStored puts SecureStrings and then reads the whole
// SQLite database file and its write-ahead log: the plaintext appears in
// neither.
func TestSecureStringNeverStored(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	c := ssm.NewFromConfig(srv.AWSConfig())
	secrets := []string{"Plaintext-Canary-6f1d2a9e", "平文カナリア-秘密の値", "second-Canary-Value-b77c"}
	for i, s := range secrets[:2] {
		name := fmt.Sprintf("/canary/%d", i)
		if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(s), Type: types.ParameterTypeSecureString,
			Description: aws.String("canary")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String(name), Labels: []string{"first"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/canary/0"), Value: aws.String(secrets[2]), Overwrite: aws.Bool(true),
		Tier: types.ParameterTierAdvanced}); err != nil {
		t.Fatal(err)
	}
	// The values are really there (decryptable), just never in plaintext.
	out, err := c.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/canary/0", "/canary/1", "/canary/0:first"}, WithDecryption: aws.Bool(true)})
	if err != nil || len(out.Parameters) != 3 {
		t.Fatalf("GetParameters = %+v, %v", out, err)
	}
	var db []byte
	for _, path := range []string{srv.SQLiteFile(), srv.SQLiteFile() + "-wal"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		db = append(db, b...)
	}
	if len(db) == 0 {
		t.Fatal("empty database files")
	}
	if !bytes.Contains(db, []byte("canary")) {
		t.Fatal("the description is not in the files: wrong database?")
	}
	for _, s := range secrets {
		if bytes.Contains(db, []byte(s)) {
			t.Errorf("plaintext %q found in the database files", s)
		}
	}
}

// parameterChangeQueue routes the default bus's "Parameter Store Change"
// events to a new queue and returns a function that receives n of them.
func parameterChangeQueue(t *testing.T, srv *servertest.Server) func(n int) []string {
	t.Helper()
	ctx := context.Background()
	q := sqs.NewFromConfig(srv.AWSConfig())
	eb := eventbridge.NewFromConfig(srv.AWSConfig())
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("parameter-changes")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: created.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("parameter-changes"),
		EventPattern: aws.String(`{"source":["aws.ssm"],"detail-type":["Parameter Store Change"]}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("parameter-changes"),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(attrs.Attributes["QueueArn"])}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutTargets: %+v %v", out, err)
	}
	return func(n int) []string {
		t.Helper()
		var bodies []string
		for empty := 0; len(bodies) < n && empty < 3; {
			got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Messages) == 0 {
				empty++
			}
			for _, m := range got.Messages {
				bodies = append(bodies, aws.ToString(m.Body))
				if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: created.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if len(bodies) != n {
			t.Fatalf("received %d events, want %d", len(bodies), n)
		}
		return bodies
	}
}
