package fleet_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/fleet"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/ssm"
)

var fuzzPaths = []string{
	agentproto.PathRegister, agentproto.PathHeartbeat, agentproto.PathPoll, agentproto.PathAck, agentproto.PathOutput,
	agentproto.PathResult, agentproto.PathParameters, agentproto.PathDocument, agentproto.PathPrefix + "x",
}

// FuzzAgentRequest sends arbitrary bodies and headers to every agent-channel
// endpoint, signed by a registered node or not: the answer is always a
// client error or success with a JSON body, never a 500 or a panic.
func FuzzAgentRequest(f *testing.F) {
	db, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "steward.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	clock := steward.NewFakeClock(t0)
	nodes := ssm.NewNodes(db, ssm.Env{Clock: clock, Region: "eu-west-1"})
	hub := fleet.New(fleet.Options{Registry: nodes, Work: newWork(), Clock: clock, PollWait: time.Millisecond})
	act, err := nodes.CreateActivation(context.Background(), ssm.CreateActivationInput{IamRole: "R", RegistrationLimit: ptr(1000)})
	if err != nil {
		f.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	reg, err := nodes.Register(context.Background(), agentproto.RegisterRequest{ActivationID: act.ActivationID, ActivationCode: act.ActivationCode, PublicKey: pub})
	if err != nil {
		f.Fatal(err)
	}
	regBody, _ := json.Marshal(agentproto.RegisterRequest{ActivationID: act.ActivationID, ActivationCode: act.ActivationCode, PublicKey: pub,
		Facts: agentproto.Facts{PlatformType: "Linux"}})

	f.Add(uint8(0), "1", false, "", regBody)
	f.Add(uint8(1), "1", true, "", []byte(`{"facts":{"agentVersion":"1.0.0","platformType":"Linux"}}`))
	f.Add(uint8(2), "1", true, "", []byte(`{"running":["c1"]}`))
	f.Add(uint8(3), "1", true, "", []byte(`{"commandId":"c1"}`))
	f.Add(uint8(4), "1", true, "", []byte(`{"commandId":"c1","step":"s","stream":"stdout","offset":0,"data":"x"}`))
	f.Add(uint8(5), "1", true, "", []byte(`{"commandId":"c1","status":"Success","steps":[{"name":"s","startTime":"2026-01-01T00:00:00Z"}]}`))
	f.Add(uint8(6), "1", true, "", []byte(`{"commandId":"c1","names":["a"]}`))
	f.Add(uint8(7), "1", true, "", []byte(`{"commandId":"c1","name":"d","parameters":{"a":["b"]}}`))
	f.Add(uint8(1), "2", true, "", []byte(`{}`))
	f.Add(uint8(1), "1", false, "Steward-Node mi-0:1:AAAA", []byte(`{}`))
	f.Add(uint8(0), "1", false, "", []byte(`{"publicKey":"!!"}`))
	f.Add(uint8(0), "1", false, "", []byte("\x00\xff"))

	allowed := map[int]bool{200: true, 400: true, 401: true, 403: true, 404: true, 405: true, 413: true, 426: true}
	f.Fuzz(func(t *testing.T, pathIdx uint8, proto string, sign bool, auth string, body []byte) {
		path := fuzzPaths[int(pathIdx)%len(fuzzPaths)]
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set(agentproto.HeaderProto, proto)
		if sign {
			auth = agentproto.Sign(priv, reg.NodeID, http.MethodPost, path, clock.Now(), body)
		}
		req.Header.Set(agentproto.HeaderAuth, auth)
		rec := httptest.NewRecorder()
		hub.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s: body is not JSON: %q", path, rec.Body)
		}
		if rec.Code != 200 {
			var e agentproto.ErrorResponse
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Code == "" {
				t.Fatalf("%s: %d without an error code: %s", path, rec.Code, rec.Body)
			}
		}
	})
}
