package pattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchEvent is a realistic ~1 KB event (an SSM Run Command status change).
const benchEvent = `{"version":"0","id":"51c0891d-0e34-45b1-83d6-95db273d1602","detail-type":"EC2 Command Invocation Status-change Notification","source":"aws.ssm","account":"123456789012","time":"2026-01-21T10:15:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"],"detail":{"command-id":"e8d3c0e4-0d4f-4b8e-b8a6-9c0f8f6b2a11","document-name":"AWS-RunShellScript","instance-id":"mi-0123456789abcdef0","requested-date-time":"2026-01-21T10:14:58.123Z","status":"Failed","status-details":"Failed","execution-time":"2026-01-21T10:15:00.000Z","requested-by":"arn:aws:iam::123456789012:user/ops","exit-code":1,"duration-ms":1843.5,"output-s3-bucket":"","platform":"Linux","agent":{"version":"3.3.40.0","ip":"10.0.12.34","tags":[{"key":"env","value":"prod"},{"key":"team","value":"payments"},{"key":"tier","value":"web"}]},"parameters":{"commands":["systemctl restart nginx","curl -fsS http://localhost/health"],"workingDirectory":[""],"executionTimeout":["3600"]},"comment":"restart the web tier after config change","targets":[{"key":"tag:env","values":["prod"]},{"key":"tag:tier","values":["web"]}],"max-concurrency":"50%","max-errors":"1"}}`

var benchPatterns = map[string]string{
	"simple":  `{"source":["aws.ssm"],"detail-type":["EC2 Command Invocation Status-change Notification"],"detail":{"status":["Failed","TimedOut"]}}`,
	"complex": `{"source":[{"prefix":"aws."}],"detail":{"status":[{"anything-but":["Success","InProgress"]}],"exit-code":[{"numeric":[">",0,"<=",255]}],"agent":{"ip":[{"cidr":"10.0.0.0/8"}],"tags":{"key":["env"],"value":[{"equals-ignore-case":"PROD"}]}},"document-name":[{"wildcard":"AWS-Run*Script"}]}}`,
	"or":      `{"source":["aws.ssm"],"$or":[{"detail":{"status":["TimedOut"]}},{"detail":{"exit-code":[{"numeric":[">",0]}]}},{"detail":{"agent":{"tags":{"value":["payments"]}}}}]}`,
	"miss":    `{"source":["aws.ec2"],"detail":{"state":["terminated"]}}`,
}

// BenchmarkMatch: one compiled pattern against the event given as bytes.
func BenchmarkMatch(b *testing.B) {
	for _, name := range []string{"simple", "complex", "or", "miss"} {
		b.Run(name, func(b *testing.B) {
			p := mustCompile(b, benchPatterns[name])
			doc := []byte(benchEvent)
			if ok, err := p.Match(doc); err != nil || ok == (name == "miss") {
				b.Fatalf("unexpected result %v %v", ok, err)
			}
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Match(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMatchValue: the same against an already decoded event.
func BenchmarkMatchValue(b *testing.B) {
	dec := json.NewDecoder(bytes.NewReader([]byte(benchEvent)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"simple", "complex"} {
		b.Run(name, func(b *testing.B) {
			p := mustCompile(b, benchPatterns[name])
			b.ReportAllocs()
			for b.Loop() {
				p.MatchValue(v)
			}
		})
	}
}

// BenchmarkDecodeOnly is the baseline a matcher built on encoding/json would
// pay before matching anything.
func BenchmarkDecodeOnly(b *testing.B) {
	doc := []byte(benchEvent)
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	src := []byte(benchPatterns["complex"])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(src); err != nil {
			b.Fatal(err)
		}
	}
}

// setPatterns returns n rules as a bus might hold them: mostly keyed on
// source and detail-type, some on detail fields, a few with no plain-value
// field at all.
func setPatterns(n int) []*Pattern {
	r := rand.New(rand.NewPCG(7, 7))
	statuses := []string{"Success", "Failed", "TimedOut", "Cancelled", "InProgress"}
	var out []*Pattern
	for i := range n {
		var src string
		switch {
		case i%10 == 9:
			src = fmt.Sprintf(`{"detail":{"exit-code":[{"numeric":[">",%d]}]}}`, 100+r.IntN(200))
		case i%3 == 0:
			src = fmt.Sprintf(`{"source":["app.%d"],"detail":{"status":[%q]}}`, i, statuses[r.IntN(len(statuses))])
		case i%3 == 1:
			src = fmt.Sprintf(`{"source":["aws.ssm"],"detail-type":["Type %d"]}`, i)
		default:
			src = fmt.Sprintf(`{"detail":{"instance-id":["mi-%017x"],"status":[{"anything-but":"Success"}]}}`, i)
		}
		p, err := Compile([]byte(src))
		if err != nil {
			panic(err)
		}
		out = append(out, p)
	}
	// Always one real match among them.
	p, _ := Compile([]byte(benchPatterns["simple"]))
	return append(out, p)
}

// BenchmarkSet matches the event against 1, 100 and 1000 patterns, through
// a Set and by testing each pattern in turn; compare the two per size.
func BenchmarkSet(b *testing.B) {
	doc := []byte(benchEvent)
	for _, n := range []int{1, 100, 1000} {
		ps := setPatterns(n - 1)
		b.Run(fmt.Sprintf("set/%d", n), func(b *testing.B) {
			s := NewSet()
			for i, p := range ps {
				s.Add(fmt.Sprint(i), p)
			}
			b.ReportAllocs()
			for b.Loop() {
				if names, err := s.Matches(doc); err != nil || len(names) == 0 {
					b.Fatal(names, err)
				}
			}
		})
		b.Run(fmt.Sprintf("each/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				hits := 0
				for _, p := range ps {
					if ok, _ := p.Match(doc); ok {
						hits++
					}
				}
				if hits == 0 {
					b.Fatal("no match")
				}
			}
		})
	}
}
