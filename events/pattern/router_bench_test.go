package pattern

import (
	"fmt"
	"testing"
)

// routerPatterns are n rule patterns of mixed operators on one bus: exact,
// prefix, suffix, numeric, anything-but, exists, wildcard, equals-ignore-case,
// $or and nested detail fields, spread over a handful of sources as real
// buses are.
func routerPatterns(n int) []string {
	sources := []string{"aws.ec2", "aws.s3", "aws.ssm", "myapp.orders", "myapp.billing", "aws.health"}
	out := make([]string, 0, n)
	for i := range n {
		src := sources[i%len(sources)]
		var p string
		switch i % 10 {
		case 0: // exact
			p = fmt.Sprintf(`{"source":[%q],"detail-type":["Type %d"]}`, src, i)
		case 1: // prefix
			p = fmt.Sprintf(`{"source":[%q],"detail":{"name":[{"prefix":"item-%d-"}]}}`, src, i)
		case 2: // numeric
			p = fmt.Sprintf(`{"source":[%q],"detail":{"amount":[{"numeric":[">",%d,"<=",%d]}]}}`, src, i*10, i*10+5)
		case 3: // anything-but
			p = fmt.Sprintf(`{"source":[%q],"detail":{"state":[{"anything-but":["running","pending","s%d"]}],"id":["id-%d"]}}`, src, i, i)
		case 4: // exists
			p = fmt.Sprintf(`{"source":[%q],"detail":{"flag-%d":[{"exists":true}]}}`, src, i)
		case 5: // wildcard
			p = fmt.Sprintf(`{"source":[%q],"resources":[{"wildcard":"arn:aws:*:*:*:thing/%d-*"}]}`, src, i)
		case 6: // $or
			p = fmt.Sprintf(`{"source":[%q],"$or":[{"detail":{"code":[%d]}},{"detail":{"region-x":["r-%d"]}}]}`, src, i, i)
		case 7: // nested
			p = fmt.Sprintf(`{"source":[%q],"detail":{"order":{"customer":{"tier":["tier-%d"]},"lines":{"sku":[{"prefix":"SKU%d"}]}}}}`, src, i, i)
		case 8: // suffix + ignore case
			p = fmt.Sprintf(`{"source":[%q],"detail":{"file":[{"suffix":".f%d"}],"bucket":[{"equals-ignore-case":"B%d"}]}}`, src, i, i)
		case 9: // exists false + numeric equality
			p = fmt.Sprintf(`{"source":[%q],"detail":{"deleted":[{"exists":false}],"version":[{"numeric":["=",%d]}]}}`, src, i)
		}
		out = append(out, p)
	}
	return out
}

// routerEvents are realistic events: most match no rule, a few match one.
func routerEvents() [][]byte {
	evs := []string{
		// no match: state is running
		`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"111122223333","time":"2026-11-21T20:00:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:111122223333:instance/i-1234567890abcdef0"],"detail":{"instance-id":"i-1234567890abcdef0","state":"running","id":"id-3"}}`,
		// match: rule 20 (exact; source 20%6 → aws.ssm)
		`{"version":"0","id":"7a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Type 20","source":"aws.ssm","account":"111122223333","time":"2026-11-21T20:00:00Z","region":"us-east-1","resources":[],"detail":{"status":"Success","command-id":"c-1"}}`,
		// no match: order for an unknown tier
		`{"version":"0","id":"8a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Order Placed","source":"myapp.orders","account":"111122223333","time":"2026-11-21T20:00:00Z","region":"us-east-1","resources":[],"detail":{"order":{"id":"o-1","customer":{"id":"c-9","tier":"gold"},"lines":[{"sku":"SKU-0001","qty":2},{"sku":"SKU-0002","qty":1}]},"amount":12.5,"code":404}}`,
		// match: rule 12 (numeric; source 12%6 → aws.ec2), amount in (120,125]
		`{"version":"0","id":"9a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Billing","source":"aws.ec2","account":"111122223333","time":"2026-11-21T20:00:00Z","region":"us-east-1","resources":[],"detail":{"amount":123,"currency":"EUR"}}`,
		// no match: S3 object created
		`{"version":"0","id":"aa7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Object Created","source":"aws.s3","account":"111122223333","time":"2026-11-21T20:00:00Z","region":"us-east-1","resources":["arn:aws:s3:::my-bucket"],"detail":{"bucket":{"name":"my-bucket"},"object":{"key":"a/b/c.txt","size":1024},"file":"c.txt"}}`,
		// no match: health event
		`{"version":"0","id":"ba7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"AWS Health Event","source":"aws.health","account":"111122223333","time":"2026-11-21T20:00:00Z","region":"us-east-1","resources":[],"detail":{"service":"EC2","eventTypeCategory":"scheduledChange","deleted":true}}`,
		// match: rule 16 ($or; source 16%6 → myapp.billing), code 16
		`{"version":"0","id":"ca7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Invoice","source":"myapp.billing","account":"111122223333","time":"2026-11-21T20:00:00Z","region":"us-east-1","resources":[],"detail":{"code":16,"invoice":"inv-1"}}`,
		// no match: billing with other code
		`{"version":"0","id":"da7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Invoice","source":"myapp.billing","account":"111122223333","time":"2026-11-21T20:00:00Z","region":"us-east-1","resources":[],"detail":{"code":17000,"invoice":"inv-2","name":"x"}}`,
	}
	out := make([][]byte, len(evs))
	for i, e := range evs {
		out[i] = []byte(e)
	}
	return out
}

// BenchmarkRouter300Rules is the acceptance figure for EventBridge routing
// (issue 5): one bus holding 300 rules of mixed operators, matched against
// realistic events, some matching and most not. Run it on one core:
//
//	go test ./events/pattern -run '^$' -bench Router300Rules -cpu 1
//
// events/s is the figure (target ≥ 100,000 on one core).
func BenchmarkRouter300Rules(b *testing.B) {
	srcs := routerPatterns(300)
	s := NewSet()
	for i, src := range srcs {
		p, err := Compile([]byte(src))
		if err != nil {
			b.Fatalf("pattern %d %s: %v", i, src, err)
		}
		s.Add(fmt.Sprintf("rule-%d", i), p)
	}
	evs := routerEvents()
	hits := 0
	for _, e := range evs {
		names, err := s.Matches(e)
		if err != nil {
			b.Fatal(err)
		}
		hits += len(names)
	}
	if hits != 3 {
		b.Fatalf("the events matched %d rules, want 3", hits)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := s.Matches(evs[n%len(evs)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
