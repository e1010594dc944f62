package logsapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/server/servertest"
)

// The API walked through both aws CLIs (the pip CLI v1 with current
// botocore models, Debian's aws 2.9), checking what each client parsed and
// the error codes it saw.

func TestCLIs(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	for i, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		t.Run(bin, func(t *testing.T) {
			servertest.NeedBinary(t, bin)
			walk(t, servertest.ServiceCLI{T: t, Srv: srv, Bin: bin, Service: "logs"}, fmt.Sprintf("/c%d", i))
		})
	}
}

func messages(evs []any) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.(map[string]any)["message"].(string))
	}
	return strings.Join(out, ",")
}

func walk(t *testing.T, c servertest.ServiceCLI, p string) {
	for _, g := range []string{p + "/app/a", p + "/app/b", p + "/app/c", p + "/other"} {
		c.JSON("create-log-group", "--log-group-name", g)
	}
	c.Fails("ResourceAlreadyExistsException", "create-log-group", "--log-group-name", p+"/app/a")
	c.Fails("InvalidParameterException", "create-log-group", "--log-group-name", p+"/bad:name")

	// Paging: one page of one, then the CLI following nextToken itself.
	page := c.JSON("describe-log-groups", "--log-group-name-prefix", p+"/app/", "--limit", "1", "--no-paginate")
	gs := page["logGroups"].([]any)
	if len(gs) != 1 || page["nextToken"] == nil {
		t.Fatalf("first page = %v", page)
	}
	g := gs[0].(map[string]any)
	if g["logGroupName"] != p+"/app/a" || g["arn"] != "arn:aws:logs:us-east-1:000000000000:log-group:"+p+"/app/a:*" || g["creationTime"] == nil {
		t.Errorf("log group = %v", g)
	}
	if all := c.JSON("describe-log-groups", "--log-group-name-prefix", p+"/app/", "--page-size", "1")["logGroups"].([]any); len(all) != 3 {
		t.Errorf("all pages = %v", all)
	}
	c.JSON("delete-log-group", "--log-group-name", p+"/app/c")
	c.Fails("ResourceNotFoundException", "delete-log-group", "--log-group-name", p+"/app/c")

	group := p + "/app/a"
	c.Fails("ResourceNotFoundException", "create-log-stream", "--log-group-name", p+"/nope", "--log-stream-name", "s")
	c.JSON("create-log-stream", "--log-group-name", group, "--log-stream-name", "web/1")
	c.Fails("ResourceAlreadyExistsException", "create-log-stream", "--log-group-name", group, "--log-stream-name", "web/1")
	c.Fails("ResourceNotFoundException", "put-log-events", "--log-group-name", group, "--log-stream-name", "web/2",
		"--log-events", `[{"timestamp":1,"message":"x"}]`)

	// Rejections (a batch cannot span more than 24 hours, so each edge has
	// its own batch and stream).
	now := time.Now()
	c.JSON("create-log-stream", "--log-group-name", group, "--log-stream-name", "edges")
	put := c.JSON("put-log-events", "--log-group-name", group, "--log-stream-name", "edges", "--log-events",
		fmt.Sprintf(`[{"timestamp":%d,"message":"old"},{"timestamp":%d,"message":"just in time"}]`,
			now.Add(-14*24*time.Hour-time.Hour).UnixMilli(), now.Add(-14*24*time.Hour+time.Hour).UnixMilli()))
	if rej, _ := put["rejectedLogEventsInfo"].(map[string]any); rej["tooOldLogEventEndIndex"] != float64(1) || rej["tooNewLogEventStartIndex"] != nil {
		t.Errorf("put-log-events (old) = %v", put)
	}
	put = c.JSON("put-log-events", "--log-group-name", group, "--log-stream-name", "edges", "--log-events",
		fmt.Sprintf(`[{"timestamp":%d,"message":"now"},{"timestamp":%d,"message":"future"}]`, now.UnixMilli(), now.Add(3*time.Hour).UnixMilli()))
	if rej, _ := put["rejectedLogEventsInfo"].(map[string]any); rej["tooNewLogEventStartIndex"] != float64(1) || rej["tooOldLogEventEndIndex"] != nil {
		t.Errorf("put-log-events (new) = %v", put)
	}
	c.Fails("InvalidParameterException", "put-log-events", "--log-group-name", group, "--log-stream-name", "edges", "--log-events",
		fmt.Sprintf(`[{"timestamp":%d,"message":"a"},{"timestamp":%d,"message":"b"}]`, now.Add(-25*time.Hour).UnixMilli(), now.UnixMilli()))

	ts := []int64{now.Add(-2 * time.Second).UnixMilli(), now.Add(-time.Second).UnixMilli(), now.UnixMilli()}
	put = c.JSON("put-log-events", "--log-group-name", group, "--log-stream-name", "web/1", "--log-events",
		fmt.Sprintf(`[{"timestamp":%d,"message":"GET /a 200"},{"timestamp":%d,"message":"GET /b 500"},{"timestamp":%d,"message":"POST /a 200"}]`, ts[0], ts[1], ts[2]))
	if put["rejectedLogEventsInfo"] != nil {
		t.Errorf("put-log-events = %v", put)
	}
	c.Fails("InvalidParameterException", "put-log-events", "--log-group-name", group, "--log-stream-name", "web/1",
		"--log-events", fmt.Sprintf(`[{"timestamp":%d,"message":"b"},{"timestamp":%d,"message":"a"}]`, ts[1], ts[0]))

	// From the head, one at a time with the forward token, until the token
	// comes back unchanged.
	first := c.JSON("get-log-events", "--log-group-name", group, "--log-stream-name", "web/1", "--start-from-head", "--limit", "1", "--no-paginate")
	if messages(first["events"].([]any)) != "GET /a 200" {
		t.Fatalf("first = %v", first)
	}
	got := []string{"GET /a 200"}
	tok := first["nextForwardToken"].(string)
	for range 5 {
		next := c.JSON("get-log-events", "--log-group-name", group, "--log-stream-name", "web/1", "--limit", "1", "--next-token", tok, "--no-paginate")
		if next["nextForwardToken"] == tok {
			break
		}
		got = append(got, messages(next["events"].([]any)))
		tok = next["nextForwardToken"].(string)
	}
	if strings.Join(got, ",") != "GET /a 200,GET /b 500,POST /a 200" {
		t.Errorf("forward pages = %v", got)
	}
	// By default the tail; the backward token reads what came before.
	tail := c.JSON("get-log-events", "--log-group-name", group, "--log-stream-name", "web/1", "--limit", "2", "--no-paginate")
	if messages(tail["events"].([]any)) != "GET /b 500,POST /a 200" {
		t.Errorf("tail = %v", tail)
	}
	back := c.JSON("get-log-events", "--log-group-name", group, "--log-stream-name", "web/1", "--limit", "2", "--no-paginate",
		"--next-token", tail["nextBackwardToken"].(string))
	if messages(back["events"].([]any)) != "GET /a 200" {
		t.Errorf("before the tail = %v", back)
	}
	c.Fails("ResourceNotFoundException", "get-log-events", "--log-group-name", group, "--log-stream-name", "nope")

	streams := c.JSON("describe-log-streams", "--log-group-name", group)["logStreams"].([]any)
	if len(streams) != 2 || streams[1].(map[string]any)["logStreamName"] != "web/1" || streams[1].(map[string]any)["lastEventTimestamp"] != float64(ts[2]) {
		t.Errorf("streams = %v", streams)
	}
	f := c.JSON("filter-log-events", "--log-group-name", group, "--log-stream-names", "web/1", "--filter-pattern", `GET 200`)
	if messages(f["events"].([]any)) != "GET /a 200" || f["events"].([]any)[0].(map[string]any)["logStreamName"] != "web/1" {
		t.Errorf("filter-log-events = %v", f)
	}
	if f := c.JSON("filter-log-events", "--log-group-name", group, "--log-stream-names", "web/1", "--filter-pattern", `"/a 200"`); messages(f["events"].([]any)) != "GET /a 200,POST /a 200" {
		t.Errorf("filter-log-events phrase = %v", f)
	}
}
