package pattern

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

func TestSetAddRemoveReplace(t *testing.T) {
	s := NewSet()
	s.Add("ec2", mustCompile(t, `{"source":["aws.ec2"]}`))
	s.Add("running", mustCompile(t, `{"detail":{"state":["running"]}}`))
	s.Add("no-tag", mustCompile(t, `{"detail":{"tag":[{"exists":false}]}}`))
	doc := []byte(`{"source":"aws.ec2","detail":{"state":"running"}}`)
	want := func(names ...string) {
		t.Helper()
		got, err := s.Matches(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, names) {
			t.Fatalf("Matches = %v, want %v", got, names)
		}
	}
	want("ec2", "no-tag", "running")
	s.Remove("running")
	want("ec2", "no-tag")
	s.Add("ec2", mustCompile(t, `{"source":["aws.s3"]}`)) // replaces
	want("no-tag")
	s.Remove("no-tag")
	s.Remove("missing")
	want()
	if s.Len() != 1 {
		t.Fatalf("Len = %d", s.Len())
	}
	s.Remove("ec2")
	if len(s.index) != 0 || len(s.scan) != 0 || len(s.trie.children) != 0 {
		t.Fatalf("leftovers after removing everything: index %d scan %d trie %d", len(s.index), len(s.scan), len(s.trie.children))
	}
}

func TestSetInvalidDocument(t *testing.T) {
	s := NewSet()
	s.Add("a", mustCompile(t, `{"source":["a"]}`))
	if _, err := s.Matches([]byte(`{"source":`)); err == nil {
		t.Fatal("no error for invalid JSON")
	}
}

// randomPatterns returns patterns of every kind the index treats
// differently: indexed by source, by a nested field, by a number, not
// indexable at all, and $or combinations mixing both.
func randomPatterns(r *rand.Rand, n int) []string {
	var out []string
	for i := range n {
		var p string
		switch i % 8 {
		case 0:
			p = fmt.Sprintf(`{"source":["svc.%d"]}`, r.IntN(50))
		case 1:
			p = fmt.Sprintf(`{"source":["svc.%d","svc.%d"],"detail-type":["type %d"]}`, r.IntN(50), r.IntN(50), r.IntN(5))
		case 2:
			p = fmt.Sprintf(`{"detail":{"state":["s%d"],"n":[{"numeric":[">",%d]}]}}`, r.IntN(5), r.IntN(100))
		case 3:
			p = fmt.Sprintf(`{"detail":{"n":[%d]}}`, r.IntN(100))
		case 4:
			p = fmt.Sprintf(`{"detail":{"state":[{"prefix":"s%d"}]}}`, r.IntN(5))
		case 5:
			p = fmt.Sprintf(`{"detail":{"tag":[{"exists":%v}]}}`, r.IntN(2) == 0)
		case 6:
			p = fmt.Sprintf(`{"$or":[{"source":["svc.%d"]},{"detail":{"items":{"k":["k%d"],"v":[{"anything-but":%d}]}}}]}`, r.IntN(50), r.IntN(5), r.IntN(3))
		case 7:
			p = fmt.Sprintf(`{"detail":{"flag":[true,null]},"source":[{"wildcard":"svc.%d*"}]}`, r.IntN(5))
		}
		out = append(out, p)
	}
	return out
}

func randomEvent(r *rand.Rand) string {
	tag := ""
	if r.IntN(2) == 0 {
		tag = fmt.Sprintf(`,"tag":"t%d"`, r.IntN(3))
	}
	flag := []string{"true", "false", "null", `"true"`}[r.IntN(4)]
	return fmt.Sprintf(`{"source":"svc.%d","detail-type":"type %d","detail":{"state":"s%d","n":%d,"flag":%s,"items":[{"k":"k%d","v":%d},{"k":"k%d","v":%d}]%s}}`,
		r.IntN(50), r.IntN(5), r.IntN(5), r.IntN(100), flag, r.IntN(5), r.IntN(3), r.IntN(5), r.IntN(3), tag)
}

// The index must never change an answer: the set matches exactly the
// patterns that match one by one.
func TestSetAgreesWithPatterns(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	srcs := randomPatterns(r, 400)
	s := NewSet()
	ps := map[string]*Pattern{}
	for i, src := range srcs {
		name := fmt.Sprintf("p%03d", i)
		ps[name] = mustCompile(t, src)
		s.Add(name, ps[name])
	}
	for i := range 300 {
		if i == 150 { // remove a third half way
			for j := 0; j < len(srcs); j += 3 {
				name := fmt.Sprintf("p%03d", j)
				s.Remove(name)
				delete(ps, name)
			}
		}
		doc := []byte(randomEvent(r))
		var want []string
		for name, p := range ps {
			if ok, _ := p.Match(doc); ok {
				want = append(want, name)
			}
		}
		slices.Sort(want)
		got, err := s.Matches(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("event %s\nset   %v\nwant  %v", doc, got, want)
		}
	}
}

func TestSetConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	srcs := randomPatterns(r, 64)
	s := NewSet()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rr := rand.New(rand.NewPCG(uint64(w), 9))
			for range 200 {
				if _, err := s.Matches([]byte(randomEvent(rr))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i, src := range srcs {
		s.Add(fmt.Sprintf("p%d", i), mustCompile(t, src))
		if i%3 == 0 {
			s.Remove(fmt.Sprintf("p%d", i/2))
		}
	}
	wg.Wait()
}
