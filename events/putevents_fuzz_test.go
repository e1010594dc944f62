package events

import (
	"context"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/events/pattern"
)

// FuzzPutEventsEntry: any entry is accepted or refused with an entry error
// code, never a panic; an accepted entry's envelope is JSON, carries the
// entry's fields, and matches a pattern on them.
func FuzzPutEventsEntry(f *testing.F) {
	f.Add("com.example", "Order Placed", `{"id":"o-1","n":[1,2.5e3,null,true]}`, "arn:aws:ec2:us-east-1:1:instance/i-1", true)
	f.Add("aws.ec2", "x", `{}`, "", false)
	f.Add("app", "t", ` { "a" : "<>&\u2028" } `, "r", true)
	f.Add("app", "", `{}`, "", false)
	f.Add("app", "t", `[1]`, "", false)
	f.Add("a\"b\\", "t\n", `{"\ud800":1}`, "\x00", true)
	b := New(nil, Options{Account: "000000000000", Region: "us-east-1"})
	now := time.Date(2026, 1, 21, 10, 15, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, source, detailType, detail, resource string, withTime bool) {
		e := PutEventsEntry{Source: &source, DetailType: &detailType, Detail: &detail, Resources: []string{resource}}
		if withTime {
			e.Time = &now
		}
		ev, bus, res := b.acceptEntry(context.Background(), &e, now)
		if res.ErrorCode != "" {
			if ev != nil || res.ErrorMessage == "" {
				t.Fatalf("refusal %+v with an event", res)
			}
			return
		}
		if bus != DefaultBus {
			t.Fatalf("bus %q", bus)
		}
		var env struct {
			Source     string          `json:"source"`
			DetailType string          `json:"detail-type"`
			Resources  []string        `json:"resources"`
			Detail     json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(ev.raw, &env); err != nil {
			t.Fatalf("envelope %q: %v", ev.raw, err)
		}
		if env.Source != source || env.DetailType != detailType || len(env.Resources) != 1 || (env.Resources[0] != resource && utf8.ValidString(resource)) {
			t.Fatalf("envelope %s lost a field of %+v", ev.raw, e)
		}
		src, _ := json.Marshal(map[string][]string{"source": {source}, "detail-type": {detailType}})
		p, err := pattern.Compile(src)
		if err != nil {
			return // strings the pattern language refuses (invalid UTF-8 …)
		}
		if ok, err := p.Match(ev.raw); err != nil || !ok {
			t.Fatalf("envelope %s does not match its own source/detail-type: %v %v", ev.raw, ok, err)
		}
	})
}
