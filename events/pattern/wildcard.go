package pattern

import (
	"fmt"
	"strings"
)

// wildcard is a compiled wildcard operand: literal segments around each '*'.
type wildcard struct {
	segs []string // len = number of stars + 1
	toks []int16  // bytes and starTok, for the complexity check
}

const starTok int16 = -1

// parseWildcard validates a wildcard operand the way AWS does: '*' matches
// any run of characters, "\*" is a literal star and "\\" a literal
// backslash; any other escape, a trailing backslash, and two stars in a row
// are refused. Positions count UTF-8 bytes from 1 (AWS counts the opening
// quote of the JSON string as position 0).
func parseWildcard(p string) (*wildcard, string) {
	w := &wildcard{}
	var cur strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '\\') {
				cur.WriteByte(p[i+1])
				w.toks = append(w.toks, int16(p[i+1]))
				i++
				continue
			}
			return nil, fmt.Sprintf("Invalid escape character at pos %d", i+1)
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				return nil, fmt.Sprintf("Consecutive wildcard characters at pos %d", i+1)
			}
			w.segs = append(w.segs, cur.String())
			cur.Reset()
			w.toks = append(w.toks, starTok)
		default:
			cur.WriteByte(c)
			w.toks = append(w.toks, int16(c))
		}
	}
	w.segs = append(w.segs, cur.String())
	return w, ""
}

// match reports whether s matches the whole wildcard. Greedy leftmost
// placement of the middle segments is optimal for '*'-only globs, so this is
// linear in len(s) times the number of segments, without backtracking.
func (w *wildcard) match(s string) bool {
	n := len(w.segs)
	if n == 1 {
		return s == w.segs[0]
	}
	first, last := w.segs[0], w.segs[n-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, seg := range w.segs[1 : n-1] {
		i := strings.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return true
}

// Wildcard complexity. AWS refuses a rule whose wildcards on one field could
// keep too many partial matches alive at once while a value is read ("Rule
// is too complex - try using fewer wildcard characters or fewer repeating
// character sequences after a wildcard character"): every live partial match
// is work per character of every event. The measure here follows that
// description. The wildcards of one field share a prefix tree, as they share
// states in AWS's byte machine. A node entered through '*' (a loop) stays
// alive once reached, and every loop below a live loop can be reached and
// kept alive by some input; after a loop, a run of literal characters keeps
// as many partial matches alive as the longest chain of its prefixes that
// are suffixes of one another ("aaaa" keeps four, "abcd" one). A value can
// follow only one literal path from the start. The complexity is the
// largest total over those start paths; it is an upper bound of the live
// states (the chains of different loops are added as if they peaked
// together).
const wildcardComplexityLimit = 10

type wnode struct {
	lit  map[byte]int32 // literal edges
	star int32          // the '*' edge, or -1
}

// wildcardComplexity returns the complexity of the wildcards of one field.
func wildcardComplexity(ws []*wildcard) int {
	nodes := []wnode{{star: -1}}
	for _, w := range ws {
		cur := int32(0)
		for _, t := range w.toks {
			if t == starTok {
				if nodes[cur].star < 0 {
					nodes = append(nodes, wnode{star: -1})
					nodes[cur].star = int32(len(nodes) - 1)
				}
				cur = nodes[cur].star
				continue
			}
			nx, ok := nodes[cur].lit[byte(t)]
			if !ok {
				nodes = append(nodes, wnode{star: -1})
				nx = int32(len(nodes) - 1)
				if nodes[cur].lit == nil {
					nodes[cur].lit = map[byte]int32{}
				}
				nodes[cur].lit[byte(t)] = nx
			}
			cur = nx
		}
	}
	memo := map[int32]int{}
	var loopScore func(loop int32) int
	// loopScore is 1 for the loop, plus the longest suffix chain of the
	// literal runs after it, plus the scores of the loops below them.
	loopScore = func(loop int32) int {
		if v, ok := memo[loop]; ok {
			return v
		}
		// Aho-Corasick over the literal subtree of the loop: chain(v) counts
		// the nodes on v's failure chain, a node followed by '*' being the
		// same state as that '*' (not counted twice).
		fail := map[int32]int32{loop: loop}
		chain := map[int32]int{loop: 0}
		queue := []int32{loop}
		longest, below := 0, 0
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			if s := nodes[u].star; s >= 0 && u != loop {
				below += loopScore(s)
			}
			for c, v := range nodes[u].lit {
				f := loop
				if u != loop {
					f = fail[u]
					for f != loop && nodes[f].lit[c] == 0 {
						f = fail[f]
					}
					if x, ok := nodes[f].lit[c]; ok && x != v {
						f = x
					} else {
						f = loop
					}
				}
				fail[v] = f
				chain[v] = chain[f]
				if nodes[v].star < 0 {
					chain[v]++
				}
				longest = max(longest, chain[v])
				queue = append(queue, v)
			}
		}
		memo[loop] = 1 + longest + below
		return memo[loop]
	}
	// The start paths: literal edges from the root, collecting the loops
	// hanging off them.
	var path func(n int32) int
	path = func(n int32) int {
		here := 0
		if s := nodes[n].star; s >= 0 {
			here = loopScore(s)
		}
		best := 0
		for _, v := range nodes[n].lit {
			best = max(best, path(v))
		}
		return here + best
	}
	return path(0)
}
