package eventsapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stewardhq/steward/server/servertest"
)

// TestConnectionsCLI walks connections and API destinations through both
// aws CLIs: create, describe (no secrets), list with filters, update,
// deauthorize, delete, and the error codes.
func TestConnectionsCLI(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	for i, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		t.Run(bin, func(t *testing.T) {
			c := servertest.ServiceCLI{T: t, Srv: srv, Bin: bin, Service: "events"}
			p := []string{"a", "b"}[i]
			conn := c.JSON("create-connection", "--name", p+"-key", "--authorization-type", "API_KEY",
				"--auth-parameters", `{"ApiKeyAuthParameters":{"ApiKeyName":"x-api-key","ApiKeyValue":"TOPSECRET"},`+
					`"InvocationHttpParameters":{"QueryStringParameters":[{"Key":"q","Value":"hidden","IsValueSecret":true},{"Key":"v","Value":"1"}]}}`)
			arn, _ := conn["ConnectionArn"].(string)
			if !strings.HasPrefix(arn, "arn:aws:events:us-east-1:000000000000:connection/"+p+"-key/") || conn["ConnectionState"] != "AUTHORIZED" {
				t.Fatalf("create-connection: %v", conn)
			}
			c.Fails("ResourceAlreadyExistsException", "create-connection", "--name", p+"-key", "--authorization-type", "BASIC",
				"--auth-parameters", `{"BasicAuthParameters":{"Username":"u","Password":"p"}}`)
			c.Fails("ValidationException", "create-connection", "--name", p+"-bad", "--authorization-type", "BASIC",
				"--auth-parameters", `{"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}}`)
			c.JSON("create-connection", "--name", p+"-oauth", "--authorization-type", "OAUTH_CLIENT_CREDENTIALS",
				"--auth-parameters", `{"OAuthParameters":{"ClientParameters":{"ClientID":"id","ClientSecret":"CLIENTSECRET"},`+
					`"AuthorizationEndpoint":"https://auth.example.com/token","HttpMethod":"POST"}}`)

			d := c.JSON("describe-connection", "--name", p+"-key")
			raw, _ := json.Marshal(d)
			if strings.Contains(string(raw), "TOPSECRET") || strings.Contains(string(raw), "hidden") {
				t.Errorf("describe-connection shows a secret: %s", raw)
			}
			if d["AuthorizationType"] != "API_KEY" || d["ConnectionState"] != "AUTHORIZED" || !strings.Contains(string(raw), `"ApiKeyName":"x-api-key"`) {
				t.Errorf("describe-connection: %s", raw)
			}
			o := c.JSON("describe-connection", "--name", p+"-oauth")
			if raw, _ := json.Marshal(o); o["ConnectionState"] != "AUTHORIZING" || strings.Contains(string(raw), "CLIENTSECRET") || !strings.Contains(string(raw), `"ClientID":"id"`) {
				t.Errorf("describe oauth connection: %s", raw)
			}
			l := c.JSON("list-connections", "--name-prefix", p+"-", "--connection-state", "AUTHORIZED")
			if cs, _ := l["Connections"].([]any); len(cs) != 1 {
				t.Errorf("list-connections AUTHORIZED: %v", l)
			}

			// --cli-input-json: the CLI v1 would fetch a URL given as a parameter.
			dest := c.JSON("create-api-destination", "--cli-input-json",
				`{"Name":"`+p+`-hook","ConnectionArn":"`+arn+`","InvocationEndpoint":"https://hooks.example.com/x/*","HttpMethod":"POST"}`)
			if dest["ApiDestinationState"] != "ACTIVE" || !strings.Contains(dest["ApiDestinationArn"].(string), ":api-destination/"+p+"-hook/") {
				t.Errorf("create-api-destination: %v", dest)
			}
			c.Fails("ResourceNotFoundException", "create-api-destination", "--cli-input-json",
				`{"Name":"`+p+`-orphan","ConnectionArn":"arn:aws:events:us-east-1:000000000000:connection/nope/0000","InvocationEndpoint":"https://h/","HttpMethod":"POST"}`)
			c.Fails("ValidationException", "create-api-destination", "--cli-input-json",
				`{"Name":"`+p+`-fast","ConnectionArn":"`+arn+`","InvocationEndpoint":"https://h/","HttpMethod":"POST","InvocationRateLimitPerSecond":301}`)
			got := c.JSON("describe-api-destination", "--name", p+"-hook")
			if got["InvocationRateLimitPerSecond"] != 300.0 || got["ConnectionArn"] != arn || got["HttpMethod"] != "POST" {
				t.Errorf("describe-api-destination: %v", got)
			}
			c.JSON("update-api-destination", "--name", p+"-hook", "--invocation-rate-limit-per-second", "5", "--http-method", "PUT")
			got = c.JSON("describe-api-destination", "--name", p+"-hook")
			if got["InvocationRateLimitPerSecond"] != 5.0 || got["HttpMethod"] != "PUT" || got["InvocationEndpoint"] != "https://hooks.example.com/x/*" {
				t.Errorf("after update: %v", got)
			}
			if ds, _ := c.JSON("list-api-destinations", "--connection-arn", arn)["ApiDestinations"].([]any); len(ds) != 1 {
				t.Errorf("list-api-destinations by connection: %v", ds)
			}

			if st := c.JSON("deauthorize-connection", "--name", p+"-key"); st["ConnectionState"] != "DEAUTHORIZED" {
				t.Errorf("deauthorize-connection: %v", st)
			}
			c.JSON("update-connection", "--name", p+"-key", "--auth-parameters", `{"ApiKeyAuthParameters":{"ApiKeyValue":"NEWSECRET"}}`)
			if st := c.JSON("describe-connection", "--name", p+"-key"); st["ConnectionState"] != "AUTHORIZED" {
				t.Errorf("after update: %v", st)
			}
			c.JSON("delete-api-destination", "--name", p+"-hook")
			c.Fails("ResourceNotFoundException", "describe-api-destination", "--name", p+"-hook")
			c.JSON("delete-connection", "--name", p+"-oauth")
			c.Fails("ResourceNotFoundException", "describe-connection", "--name", p+"-oauth")
		})
	}
}
