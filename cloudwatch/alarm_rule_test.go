package cloudwatch

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

const arnPrefix = "arn:aws:cloudwatch:us-east-1:000000000000:alarm:"

func TestParseRule(t *testing.T) {
	states := map[string]string{"cpu": StateAlarm, "disk": StateOK, "mem x": StateInsufficientData}
	state := func(n string) string { return states[n] }
	for rule, want := range map[string]bool{
		`ALARM(cpu)`:                                     true,
		`ALARM("cpu")`:                                   true,
		`ALARM(` + arnPrefix + `cpu)`:                    true,
		`OK(cpu)`:                                        false,
		`ALARM(cpu) AND OK(disk)`:                        true,
		`ALARM(cpu) AND ALARM(disk)`:                     false,
		`ALARM(disk) OR ALARM(cpu)`:                      true,
		`NOT ALARM(disk)`:                                true,
		`INSUFFICIENT_DATA("mem x")`:                     true,
		`ALARM(cpu) AND NOT (OK(disk) OR TRUE)`:          false,
		`ALARM(disk) OR ALARM(cpu) AND FALSE`:            false, // AND before OR
		`(ALARM(disk) OR ALARM(cpu)) AND TRUE`:           true,
		`ALARM(gone)`:                                    false,
		`NOT NOT TRUE`:                                   true,
		"ALARM(cpu)\n  AND\tOK(disk)":                    true,
		`ALARM( "cpu" ) AND (((OK(disk))))`:              true,
		`INSUFFICIENT_DATA(mem x) OR OK(other)`:          true,
		`FALSE OR ALARM(cpu) AND INSUFFICIENT_DATA(cpu)`: false,
	} {
		n, ok := parseRule(rule, arnPrefix)
		if !ok {
			t.Errorf("%q: not parsed", rule)
			continue
		}
		if got := n.eval(state); got != want {
			t.Errorf("%q = %v, want %v", rule, got, want)
		}
	}
	for _, bad := range []string{``, `ALARM`, `ALARM()`, `ALARM(cpu`, `alarm(cpu)`, `ALARM(cpu) AND`, `ALARM(cpu) XOR OK(disk)`,
		`ALARM("cpu)`, `(TRUE`, `TRUE)`, `ALARM(arn:aws:cloudwatch:eu-west-1:1:alarm:x)`, `TRUEFALSE`, strings.Repeat("(", 200) + "TRUE" + strings.Repeat(")", 200)} {
		if _, ok := parseRule(bad, arnPrefix); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	n, _ := parseRule(`ALARM(a) OR (OK(b) AND NOT ALARM(a)) OR ALARM(`+arnPrefix+`c)`, arnPrefix)
	if got := n.alarms(nil); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("alarms = %v", got)
	}
}

func FuzzParseRule(f *testing.F) {
	f.Add(`ALARM(cpu) AND NOT (OK("disk") OR TRUE)`)
	f.Add(`INSUFFICIENT_DATA(` + arnPrefix + `x)`)
	f.Fuzz(func(t *testing.T, rule string) {
		n, ok := parseRule(rule, arnPrefix)
		if ok {
			n.eval(func(string) string { return StateAlarm })
			for _, a := range n.alarms(nil) {
				if a == "" {
					t.Fatalf("%q names an empty alarm", rule)
				}
			}
		}
	})
}

// TestCompositeAlarm: a composite alarm follows its children, fires its
// actions and is refused when its rule is bad or makes a cycle.
func TestCompositeAlarm(t *testing.T) {
	s, st, pub, _ := newAlarmService(t)
	ctx := context.Background()
	for _, n := range []string{"cpu", "disk"} {
		in := cpuAlarm()
		in.AlarmName, in.AlarmActions, in.OKActions = n, nil, nil
		if err := s.PutMetricAlarm(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	in := PutCompositeAlarmInput{AlarmName: "host", AlarmRule: `ALARM(cpu) OR ALARM("disk")`, AlarmActions: []string{topic}}
	if err := s.PutCompositeAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.PutCompositeAlarm(ctx, PutCompositeAlarmInput{AlarmName: "x", AlarmRule: "ALARM(cpu"}), CodeInvalidParameterValue)
	wantCode(t, s.PutCompositeAlarm(ctx, PutCompositeAlarmInput{AlarmName: "x"}), CodeMissingParameter)
	wantCode(t, s.PutCompositeAlarm(ctx, PutCompositeAlarmInput{AlarmName: "x", AlarmRule: "ALARM(x)"}), CodeInvalidParameterValue)
	wantCode(t, s.PutCompositeAlarm(ctx, PutCompositeAlarmInput{AlarmName: "cpu", AlarmRule: "TRUE"}), CodeInvalidParameterValue)
	wantCode(t, s.PutCompositeAlarm(ctx, PutCompositeAlarmInput{AlarmName: "x", AlarmRule: "TRUE", ActionsSuppressor: "cpu"}), CodeInvalidParameterCombination)
	if err := s.PutCompositeAlarm(ctx, PutCompositeAlarmInput{AlarmName: "site", AlarmRule: "ALARM(host)"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.PutCompositeAlarm(ctx, PutCompositeAlarmInput{AlarmName: "host", AlarmRule: "ALARM(site)"}), CodeInvalidParameterValue)

	if _, err := s.EvaluateAlarms(ctx); err != nil {
		t.Fatal(err)
	}
	state := func(n string) AlarmState {
		a, _ := st.GetAlarm(ctx, n)
		return a.State
	}
	if got := state("host"); got.Value != StateOK {
		t.Fatalf("host %+v", got)
	}
	if err := s.SetAlarmState(ctx, "disk", StateAlarm, "test", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EvaluateAlarms(ctx); err != nil {
		t.Fatal(err)
	}
	host := state("host")
	if host.Value != StateAlarm || host.Reason != arnPrefix+"disk transitioned to ALARM at "+t0.Format("Monday 02 January, 2006 15:04:05 UTC") {
		t.Fatalf("host %+v", host)
	}
	var rd struct {
		TriggeringAlarms []struct {
			ARN   string
			State struct{ Value string }
		}
	}
	if err := json.Unmarshal([]byte(host.ReasonData), &rd); err != nil || len(rd.TriggeringAlarms) != 1 || rd.TriggeringAlarms[0].ARN != arnPrefix+"disk" {
		t.Errorf("reason data %s", host.ReasonData)
	}
	if got := state("site"); got.Value != StateAlarm {
		t.Fatalf("site (composite of composite) %+v", got)
	}
	if len(pub.sent) != 1 || !strings.HasPrefix(pub.sent[0].subject, `ALARM: "host"`) || !strings.Contains(pub.sent[0].message, `"AlarmRule":"ALARM(cpu) OR ALARM(\"disk\")"`) {
		t.Fatalf("notifications %+v", pub.sent)
	}
	ev := st.events[len(st.events)-1]
	if !strings.Contains(string(ev.Detail), `"alarmRule":"ALARM(host)"`) {
		t.Errorf("event %s", ev.Detail)
	}

	// DescribeAlarms: metric alarms by default, composites when asked,
	// children and parents.
	names := func(in DescribeAlarmsInput) []string {
		as, _, err := s.DescribeAlarms(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out
	}
	if got := names(DescribeAlarmsInput{}); !slices.Equal(got, []string{"cpu", "disk"}) {
		t.Errorf("default = %v", got)
	}
	if got := names(DescribeAlarmsInput{AlarmTypes: []string{AlarmTypeComposite}}); !slices.Equal(got, []string{"host", "site"}) {
		t.Errorf("composite = %v", got)
	}
	if got := names(DescribeAlarmsInput{ChildrenOf: "host", AlarmTypes: []string{AlarmTypeMetric}}); !slices.Equal(got, []string{"cpu", "disk"}) {
		t.Errorf("children = %v", got)
	}
	if got := names(DescribeAlarmsInput{ParentsOf: "host", AlarmTypes: []string{AlarmTypeComposite}}); !slices.Equal(got, []string{"site"}) {
		t.Errorf("parents = %v", got)
	}
	items, _, _ := s.DescribeAlarmHistory(ctx, DescribeAlarmHistoryInput{AlarmTypes: []string{AlarmTypeComposite}, HistoryItemType: HistoryStateUpdate})
	if len(items) != 4 { // host, site: → OK, → ALARM
		t.Errorf("composite history %d", len(items))
	}
}
